//! Building a prefecture's registry from the official files: reading, placing (validating
//! coordinates, geocoding addresses), joining the 施設基準 filings, assigning areas, reporting.

pub mod cells;
pub mod guard;
pub mod join;
mod merge;
mod mesh_library;
mod pipeline;
pub mod placement;
mod progress;
mod report;

pub use merge::selection_label;
pub use pipeline::{
    ImportError, ImportOptions, ImportOutcome, ImportReport, KijunSummary, KindSummary, PrefectureReport,
    run_import,
};
pub use report::{summary_text, write_rejections_csv};
