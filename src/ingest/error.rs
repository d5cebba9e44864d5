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
    /// The file ends in the middle of a row (a partial download or a copy cut short): read as it
    /// is, it would silently give fewer rows.
    #[error("{path}:{line}: the file is truncated: {detail} (a partial download? fetch it again)")]
    Truncated {
        /// The file.
        path: PathBuf,
        /// 1-based line of the row that is cut off.
        line: u64,
        /// How it ends.
        detail: String,
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

impl IngestError {
    /// A JSON/GeoJSON parse error of a file: [`IngestError::Truncated`] when the text ends before
    /// the document does (a partial download), [`IngestError::Json`] otherwise.
    pub fn json(path: &std::path::Path, err: &serde_json::Error) -> Self {
        if err.is_eof() {
            IngestError::Truncated {
                path: path.to_owned(),
                line: err.line() as u64,
                detail: "the JSON document ends before it is closed".into(),
            }
        } else {
            IngestError::Json { path: path.to_owned(), message: err.to_string() }
        }
    }
}
