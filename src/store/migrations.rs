//! Schema migrations, keyed on SQLite's `PRAGMA user_version`.
//!
//! Migration `n` (1-based) is `MIGRATIONS[n - 1]`; a database at user_version `v` gets every
//! migration after `v`, each in its own transaction together with the bump of user_version, so a
//! crash leaves the database at a whole version. A migration is never edited once released: schema
//! changes are new entries.

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

/// The SQL of each migration, in order.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_registry.sql"),
    include_str!("migrations/0002_population.sql"),
    include_str!("migrations/0003_pharmacy_stock.sql"),
    include_str!("migrations/0004_town_points.sql"),
    include_str!("migrations/0005_prefectures.sql"),
];

/// The schema version this binary creates and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database up to [`SCHEMA_VERSION`]; does nothing when it is already there.
///
/// Fails with [`StoreError::SchemaTooNew`] when the file was written by a newer kanwamap, whose
/// tables this binary would misread or damage.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    // The common case (an up-to-date file) is answered without taking the write lock.
    let found = user_version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew { found, supported: SCHEMA_VERSION });
    }
    let applied = usize::try_from(found).map_err(|_| StoreError::ForeignSchema { found })?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let version = index as i64 + 1;
        // IMMEDIATE takes the write lock before user_version is read again, so two processes
        // opening a fresh file at once cannot both apply the same migration.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|source| StoreError::Migration { version, source })?;
        let current = user_version(&tx)?;
        if current > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew { found: current, supported: SCHEMA_VERSION });
        }
        if current >= version {
            // Another process applied it meanwhile; dropping `tx` ends the empty transaction.
            continue;
        }
        tx.execute_batch(sql).map_err(|source| StoreError::Migration { version, source })?;
        tx.pragma_update(None, "user_version", version)
            .map_err(|source| StoreError::Migration { version, source })?;
        tx.commit().map_err(|source| StoreError::Migration { version, source })?;
    }
    Ok(())
}

/// The schema version recorded in the file (0 for a new file).
pub(crate) fn user_version(conn: &Connection) -> Result<i64, StoreError> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(|source| StoreError::Sqlite { what: "reading the schema version".into(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory() -> Connection {
        Connection::open_in_memory().unwrap()
    }

    #[test]
    fn fresh_database_reaches_current_version() {
        let mut conn = memory();
        assert_eq!(user_version(&conn).unwrap(), 0);
        migrate(&mut conn).unwrap();
        assert_eq!(user_version(&conn).unwrap(), SCHEMA_VERSION);
        let version: i64 = conn
            .query_row("SELECT value FROM meta WHERE key = 'registry_version'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 0);
    }

    #[test]
    fn migrating_twice_changes_nothing() {
        let mut conn = memory();
        migrate(&mut conn).unwrap();
        conn.execute("UPDATE meta SET value = 7 WHERE key = 'registry_version'", []).unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(user_version(&conn).unwrap(), SCHEMA_VERSION);
        let version: i64 = conn
            .query_row("SELECT value FROM meta WHERE key = 'registry_version'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 7, "the second run must not re-run migration 1");
    }

    #[test]
    fn newer_schema_is_refused() {
        let mut conn = memory();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert!(
            matches!(err, StoreError::SchemaTooNew { found, supported }
                if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
            "{err}"
        );
        // Nothing was created in the newer file.
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0)).unwrap();
        assert_eq!(tables, 0);
    }

    #[test]
    fn negative_schema_version_is_foreign() {
        let mut conn = memory();
        conn.pragma_update(None, "user_version", -3).unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert!(matches!(err, StoreError::ForeignSchema { found: -3 }), "{err}");
    }

    #[test]
    fn a_failing_migration_leaves_the_old_version() {
        // A table that migration 1 wants to create already exists: the migration fails as a whole.
        let mut conn = memory();
        conn.execute_batch("CREATE TABLE facilities (x INTEGER)").unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert!(matches!(err, StoreError::Migration { version: 1, .. }), "{err}");
        assert_eq!(user_version(&conn).unwrap(), 0);
        let meta: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_schema WHERE name = 'meta'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(meta, 0, "the partial migration was rolled back");
    }
}
