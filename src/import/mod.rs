//! Building a registry from the official files, for one prefecture or many: reading, placing
//! (validating coordinates, geocoding addresses), joining the 施設基準 filings, assigning areas,
//! building population cells, merging prefectures, guarding against shrinkage, reporting.

pub mod areas;
pub mod cells;
mod facilities;
mod gatherings;
pub mod guard;
pub mod join;
pub mod kijun_join;
mod merge;
mod mesh_library;
pub mod names;
mod pipeline;
pub mod placement;
mod population;
mod progress;
mod report;
mod run;

pub use kijun_join::{JoinEntry, JoinOutcome, KijunSummary};
pub use merge::selection_label;
pub use pipeline::{ImportError, ImportOptions, ImportOutcome, run_import};
pub use report::{
    ImportReport, KindSummary, PopulationSummary, PrefectureReport, summary_text, write_join_csv,
    write_rejections_csv,
};
