//! File-level ingest errors.

use std::path::PathBuf;

/// A problem that stops a whole source file from being read.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The CSV structure is broken at a line.
    #[error("{path}:{line}: malformed CSV: {message}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// What the CSV reader said.
        message: String,
    },
    /// A required column is absent from the header.
    #[error("{path}: missing column '{column}' (header has: {header})")]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column that was looked for.
        column: String,
        /// The header as found, for the message.
        header: String,
    },
    /// A JSON/GeoJSON file could not be parsed.
    #[error("{path}: invalid JSON/GeoJSON: {message}")]
    Json {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// The file's content does not follow the expected layout.
    #[error("{path}: {message}")]
    Layout {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}
