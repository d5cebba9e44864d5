//! Building a prefecture's registry from the official files: reading, placing (validating
//! coordinates, geocoding addresses), joining the 施設基準 filings, assigning areas, reporting.

pub mod cells;
pub mod guard;
pub mod join;
pub mod kijun_join;
mod merge;
mod mesh_library;
pub mod names;
mod pipeline;
pub mod placement;
mod progress;
mod report;

pub use kijun_join::{JoinEntry, JoinOutcome, KijunSummary};
pub use merge::selection_label;
pub use pipeline::{
    ImportError, ImportOptions, ImportOutcome, ImportReport, KindSummary, PrefectureReport, run_import,
};
pub use report::{summary_text, write_join_csv, write_rejections_csv};
