//! Readers for the official source files. Each reader yields model values (or source rows close to
//! the official layout) plus the rows it rejected, each with the file, line and reason.
//!
//! File-level problems (missing file, missing column, undecodable bytes) are errors; row-level
//! problems are [`Rejection`]s, so one bad row never loses the good ones.

pub mod area_population;
pub mod codes;
mod coordinate;
mod error;
pub mod estat_mesh;
pub mod kaigo;
pub mod kijun;
pub mod kijun_kind;
pub mod ksj;
mod manifest;
pub mod mhlw;
pub mod seeds;
mod table;

pub use coordinate::{PublishedCoordinate, parse_count, parse_number};
pub use error::IngestError;
pub use manifest::{Manifest, SourceSpec};
pub use table::{CsvRow, CsvTable, decode_text};

use serde::Serialize;

/// What happened to a rejected row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// The row was not imported.
    Dropped,
    /// The rejected field was replaced (e.g. a bad coordinate by a geocode of the address) and the
    /// row was imported.
    Replaced,
}

/// One row (or one field of a row) that was not accepted as published.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejection {
    /// Source id from the manifest.
    pub source: String,
    /// File name (relative to the data directory).
    pub file: String,
    /// 1-based line of the row in the file (0 for sources without lines).
    pub line: u64,
    /// The offending field (column name), when one field is to blame.
    pub field: Option<String>,
    /// The offending value, as published.
    pub value: Option<String>,
    /// Why it was rejected.
    pub reason: String,
    /// Whether the row was dropped or imported with a replacement.
    pub disposition: Disposition,
}

/// Counts for one source file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SourceStats {
    /// Source id from the manifest.
    pub source: String,
    /// File name (relative to the data directory).
    pub file: String,
    /// Data rows read (header and label rows excluded).
    pub read: u64,
    /// Rows that were imported (including those with a replaced field).
    pub accepted: u64,
    /// Rows that were dropped.
    pub rejected: u64,
    /// Rows of other prefectures in a national file, skipped by design.
    pub other_prefecture: u64,
}

/// The result of reading one source file.
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    /// Accepted records.
    pub records: Vec<T>,
    /// Rejected rows (dropped or replaced).
    pub rejections: Vec<Rejection>,
    /// Counts.
    pub stats: SourceStats,
}

impl<T> Parsed<T> {
    /// An empty result for a source file.
    pub fn new(source: &str, file: &str) -> Self {
        Parsed {
            records: Vec::new(),
            rejections: Vec::new(),
            stats: SourceStats { source: source.to_owned(), file: file.to_owned(), ..SourceStats::default() },
        }
    }

    /// Records a dropped row.
    pub fn drop_row(
        &mut self,
        line: u64,
        field: Option<&str>,
        value: Option<&str>,
        reason: impl Into<String>,
    ) {
        self.stats.rejected += 1;
        self.rejections.push(Rejection {
            source: self.stats.source.clone(),
            file: self.stats.file.clone(),
            line,
            field: field.map(str::to_owned),
            value: value.map(str::to_owned),
            reason: reason.into(),
            disposition: Disposition::Dropped,
        });
    }

    /// Records a field that was replaced; the row itself is counted when accepted.
    pub fn replace_field(&mut self, line: u64, field: &str, value: &str, reason: impl Into<String>) {
        self.rejections.push(Rejection {
            source: self.stats.source.clone(),
            file: self.stats.file.clone(),
            line,
            field: Some(field.to_owned()),
            value: Some(value.to_owned()),
            reason: reason.into(),
            disposition: Disposition::Replaced,
        });
    }

    /// Accepts a record.
    pub fn accept(&mut self, record: T) {
        self.stats.accepted += 1;
        self.records.push(record);
    }
}
