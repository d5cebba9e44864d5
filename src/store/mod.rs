//! The store: kanwamap's single source of truth on one machine.
//!
//! Everything imported (the [`Registry`]) and, in later migrations, everything users write
//! (pharmacy opioid stock, tokens, audit log) lives here. The server loads an in-memory snapshot
//! from it and keys its caches on [`Store::registry_version`].
//!
//! [`SqliteStore`] is the embedded implementation; a PostgreSQL backend will implement the same
//! [`Store`] trait.
//!
//! # Re-imports and user data
//!
//! A re-import replaces the registry tables as a whole, in one transaction, and leaves every other
//! table alone. Facility ids are stable across imports (they are built from each publisher's own
//! key, see [`crate::model::FacilityId`]), so user data refers to a facility by its id text, with
//! no foreign key to the registry: a facility that drops out of the official lists must neither
//! take its users' data with it nor make the import fail.

mod migrations;
mod sqlite;
pub mod stock;
mod timestamp;
mod wkb;

use std::path::PathBuf;
use std::time::SystemTime;

use crate::geocode::TownPoint;
use serde::{Deserialize, Serialize};

use crate::ingest::{SourceSpec, SourceStats};
use crate::model::{Area, Facility, Municipality, PopulationCell, RegistryCensus};

pub use migrations::SCHEMA_VERSION;
pub use sqlite::SqliteStore;
pub use timestamp::format_rfc3339_utc;

/// Everything one import produces: the facilities, the areas and their municipalities, and the
/// credits of the sources they came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Registry {
    /// Facilities; [`Store::load_registry`] returns them in id order.
    pub facilities: Vec<Facility>,
    /// Secondary medical areas; loaded in code order.
    pub areas: Vec<Area>,
    /// Municipalities; loaded in code order.
    pub municipalities: Vec<Municipality>,
    /// Credits and counts per source; loaded in the order they were given (the manifest's).
    pub sources: Vec<SourceRecord>,
    /// Populated 500 m cells of the prefecture; loaded in code order.
    pub cells: Vec<PopulationCell>,
    /// The prefecture's town points (大字・町丁目), for geocoding addresses; loaded in import order.
    pub towns: Vec<TownPoint>,
}

/// The credit of one dataset as the application shows it, with what the import read from it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRecord {
    /// Source id from the manifest, as in [`crate::model::SourceRef::source`].
    pub id: String,
    /// Title as the publisher names it.
    pub title: String,
    /// Who publishes it.
    pub publisher: String,
    /// The publisher's page.
    pub url: String,
    /// Licence.
    pub licence: String,
    /// The credit line the application must show.
    pub attribution: String,
    /// Date of the data, as published.
    pub as_of: Option<String>,
    /// The files read, relative to the data directory.
    pub files: Vec<String>,
    /// Data rows read.
    pub read: u64,
    /// Rows imported.
    pub accepted: u64,
    /// Rows dropped.
    pub rejected: u64,
}

impl SourceRecord {
    /// The credit of `spec` with the counts of every file of that source in `stats` (stats of
    /// other sources are ignored, so the import can pass all of its stats).
    pub fn from_spec(spec: &SourceSpec, stats: &[SourceStats]) -> Self {
        let mut record = SourceRecord {
            id: spec.id.clone(),
            title: spec.title.clone(),
            publisher: spec.publisher.clone(),
            url: spec.url.clone(),
            licence: spec.licence.clone(),
            attribution: spec.attribution.clone(),
            as_of: spec.as_of.clone(),
            ..SourceRecord::default()
        };
        for s in stats.iter().filter(|s| s.source == spec.id) {
            if !record.files.contains(&s.file) {
                record.files.push(s.file.clone());
            }
            record.read += s.read;
            record.accepted += s.accepted;
            record.rejected += s.rejected;
        }
        record
    }
}

/// What the caller tells the store about an import it is committing.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRunInput {
    /// 2-digit prefecture code that was imported, e.g. "43".
    pub prefecture: String,
    /// When the import started.
    pub started_at: SystemTime,
    /// When it finished reading (just before the registry is written).
    pub finished_at: SystemTime,
    /// A JSON summary (counts, rejections per source, warnings) kept for operators.
    pub summary: serde_json::Value,
}

/// One recorded import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportRun {
    /// Run id, assigned by the store; increases with every import and is never reused.
    pub id: i64,
    /// 2-digit prefecture code.
    pub prefecture: String,
    /// Start, RFC 3339 UTC (e.g. `2025-06-01T09:30:00Z`).
    pub started_at: String,
    /// End, RFC 3339 UTC.
    pub finished_at: String,
    /// The summary the import gave.
    pub summary: serde_json::Value,
    /// The registry version this import produced.
    pub registry_version: i64,
}

/// Where kanwamap keeps its state.
///
/// Implementations make every method atomic: a reader sees a whole registry, never a half-written
/// one, and a failed write changes nothing.
pub trait Store {
    /// Replaces the whole registry by `registry` and records `run`, in one transaction; on success
    /// the registry version is one higher. Returns the id of the recorded [`ImportRun`].
    ///
    /// Tables outside the registry (user data) are not touched. On error the previous registry,
    /// its version and the import history are unchanged.
    fn replace_registry(&mut self, registry: &Registry, run: &ImportRunInput) -> Result<i64, StoreError>;

    /// The current registry: facilities in id order, each with its capabilities sorted by
    /// capability and its sources in the order given; areas in code order with their municipality
    /// codes in the order given; municipalities in code order; sources in the order given.
    fn load_registry(&self) -> Result<Registry, StoreError>;

    /// The latest successful import, if any.
    fn last_import(&self) -> Result<Option<ImportRun>, StoreError>;

    /// A number that grows with every successful [`Store::replace_registry`] (0 before the first):
    /// the key of every cache derived from the registry.
    fn registry_version(&self) -> Result<i64, StoreError>;

    /// Facilities per prefecture and kind, and the prefectures the registry covers (those with
    /// areas or facilities): what a re-import is compared with before it replaces the registry.
    /// Its `source_rows` are left empty (they are recorded in the import history).
    fn registry_census(&self) -> Result<RegistryCensus, StoreError>;
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The directory for the database file could not be created.
    #[error("cannot create directory {path} for the database: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The database could not be opened or configured (not a SQLite file, no permission, locked).
    #[error("cannot open database {path}: {source}")]
    Open {
        /// The file (":memory:" for an in-memory database).
        path: PathBuf,
        /// The cause.
        source: rusqlite::Error,
    },
    /// The file was written by a newer kanwamap whose schema this binary does not know.
    #[error(
        "database schema version {found} is newer than this kanwamap supports ({supported}); \
         upgrade kanwamap or use another database file"
    )]
    SchemaTooNew {
        /// The file's `user_version`.
        found: i64,
        /// The newest version this binary knows.
        supported: i64,
    },
    /// The file's `user_version` is not one kanwamap ever writes (the file belongs to something
    /// else).
    #[error("database schema version {found} is not a kanwamap schema; is this a kanwamap database?")]
    ForeignSchema {
        /// The file's `user_version`.
        found: i64,
    },
    /// A migration failed; the database stays at the version before it.
    #[error("schema migration {version} failed: {source}")]
    Migration {
        /// The migration that failed.
        version: i64,
        /// The cause.
        source: rusqlite::Error,
    },
    /// A statement failed; `what` names the operation and the record (e.g. "inserting facility
    /// mhlw-1").
    #[error("{what}: {source}")]
    Sqlite {
        /// What was being done.
        what: String,
        /// The cause (e.g. a CHECK or UNIQUE constraint).
        source: rusqlite::Error,
    },
    /// A value cannot be stored (e.g. a count beyond SQLite's signed 64-bit integers).
    #[error("cannot store {what}: {reason}")]
    InvalidValue {
        /// The record and field.
        what: String,
        /// Why.
        reason: String,
    },
    /// Stored data cannot be read back into the model (edited by hand, or a bug).
    #[error("corrupt data in the database, {what}: {reason}")]
    Corrupt {
        /// The table, record and field.
        what: String,
        /// Why.
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_record_sums_the_stats_of_its_source() {
        let spec = crate::ingest::Manifest::builtin()
            .source("mhlw_hospitals")
            .expect("the built-in manifest has mhlw_hospitals")
            .clone();
        let stat = |source: &str, file: &str, read, accepted, rejected| SourceStats {
            source: source.into(),
            file: file.into(),
            read,
            accepted,
            rejected,
            other_prefecture: 0,
        };
        let stats = [
            stat("mhlw_hospitals", "a.csv", 10, 9, 1),
            stat("mhlw_clinics", "b.csv", 100, 100, 0),
            stat("mhlw_hospitals", "c.csv", 5, 3, 2),
        ];
        let record = SourceRecord::from_spec(&spec, &stats);
        assert_eq!(record.id, "mhlw_hospitals");
        assert_eq!(record.attribution, spec.attribution);
        assert_eq!(record.as_of, spec.as_of);
        assert_eq!(record.files, vec!["a.csv", "c.csv"]);
        assert_eq!((record.read, record.accepted, record.rejected), (15, 12, 3));
    }

    #[test]
    fn source_record_without_stats_has_zero_counts() {
        let spec = crate::ingest::Manifest::builtin().sources[0].clone();
        let record = SourceRecord::from_spec(&spec, &[]);
        assert!(record.files.is_empty());
        assert_eq!((record.read, record.accepted, record.rejected), (0, 0, 0));
    }

    #[test]
    fn schema_too_new_says_what_to_do() {
        let message = StoreError::SchemaTooNew { found: 9, supported: 1 }.to_string();
        assert!(message.contains("9") && message.contains("upgrade kanwamap"), "{message}");
    }
}
