//! The single writer of a running server: pharmacy stock writes go through one SQLite connection,
//! and each committed write is published as a new [`Atlas`] snapshot before it is acknowledged, so
//! nearest search, tiles and coverage see it at once while readers never wait for the database.
//! Changes made by other processes (an import, a stock write through another server) are picked up
//! by [`StockWriter::refresh`], which the server calls every second.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use crate::atlas::{Atlas, SharedAtlas};
use crate::store::stock::{AuditEntry, PharmacyStock, StockUpdate, TokenInfo};
use crate::store::{SqliteStore, Store, StoreError};

/// What [`StockWriter::refresh`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// Nothing changed.
    Unchanged,
    /// Another process wrote stock: the registrations were reloaded.
    Stock,
    /// A new import: the whole snapshot was rebuilt.
    Registry,
}

/// The writer connection and the snapshot it publishes to.
#[derive(Debug)]
pub struct StockWriter {
    store: Mutex<SqliteStore>,
    atlas: SharedAtlas,
}

/// Loads a full snapshot (registry and registrations) from a store.
pub fn load_snapshot(store: &SqliteStore) -> Result<Atlas, StoreError> {
    let version = store.registry_version()?;
    let stock_version = store.stock_version()?;
    let atlas = Atlas::new(store.load_registry()?, version);
    Ok(atlas.with_stock(store.all_stock()?, stock_version))
}

impl StockWriter {
    /// Wraps the writer connection and the shared snapshot it keeps current.
    pub fn new(store: SqliteStore, atlas: SharedAtlas) -> Self {
        StockWriter { store: Mutex::new(store), atlas }
    }

    fn lock(&self) -> MutexGuard<'_, SqliteStore> {
        // A panic inside a transaction rolls it back when the transaction is dropped, so the
        // connection is usable again.
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The active token matching a presented bearer token.
    pub fn authenticate(&self, token: &str) -> Result<Option<TokenInfo>, StoreError> {
        self.lock().authenticate(token)
    }

    /// Replaces a pharmacy's registration durably (the transaction is on disk when this returns),
    /// then publishes a snapshot that contains it. Writes are serialised, so snapshots never go back
    /// in time and no write is lost between two concurrent writers.
    pub fn put(
        &self,
        facility_id: &str,
        token_id: i64,
        update: &StockUpdate,
        now: SystemTime,
    ) -> Result<PharmacyStock, StoreError> {
        let mut store = self.lock();
        let stored = store.put_stock(facility_id, token_id, update, now)?;
        let stock_version = store.stock_version()?;
        let current = self.atlas.load();
        if current.stock_version() + 1 == stock_version {
            self.atlas.publish(current.with_pharmacy_stock(stored.clone(), stock_version));
        } else {
            // Someone else wrote in between (another process): take everything.
            self.atlas.publish(current.with_stock(store.all_stock()?, stock_version));
        }
        Ok(stored)
    }

    /// The audit log of a pharmacy, oldest first.
    pub fn audit(&self, facility_id: &str) -> Result<Vec<AuditEntry>, StoreError> {
        self.lock().audit(facility_id)
    }

    /// Compares the database with the snapshot and reloads what changed underneath.
    pub fn refresh(&self) -> Result<Refresh, StoreError> {
        let store = self.lock();
        let current = self.atlas.load();
        let registry_version = store.registry_version()?;
        if registry_version != current.version() {
            self.atlas.publish(load_snapshot(&store)?);
            return Ok(Refresh::Registry);
        }
        let stock_version = store.stock_version()?;
        if stock_version != current.stock_version() {
            self.atlas.publish(current.with_stock(store.all_stock()?, stock_version));
            return Ok(Refresh::Stock);
        }
        Ok(Refresh::Unchanged)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::model::{Facility, FacilityId, FacilityKind, Location, LocationPrecision, StockStatus};
    use crate::store::stock::PharmacyServices;
    use crate::store::{ImportRunInput, Registry};

    /// A database with one pharmacy, its snapshot, and a writer over both.
    fn setup() -> (tempfile::TempDir, StockWriter, SharedAtlas, String) {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = SqliteStore::open(&dir.path().join("k.db")).unwrap();
        let pharmacy = Facility {
            id: FacilityId("mhlw-p1".into()),
            kind: FacilityKind::Pharmacy,
            name: "薬局".into(),
            name_kana: None,
            address: None,
            municipality_code: None,
            area_code: None,
            pref_code: String::new(),
            location: Location::new(32.8, 130.7, LocationPrecision::Town),
            phone: None,
            url: None,
            beds: None,
            schedule: None,
            capabilities: vec![],
            sources: vec![],
        };
        let registry = Registry { facilities: vec![pharmacy], ..Registry::default() };
        let run = ImportRunInput {
            prefecture: "43".into(),
            started_at: UNIX_EPOCH,
            finished_at: UNIX_EPOCH,
            summary: serde_json::Value::Null,
        };
        store.replace_registry(&registry, &run).unwrap();
        let atlas = SharedAtlas::new(load_snapshot(&store).unwrap());
        (dir, StockWriter::new(store, atlas.clone()), atlas, "mhlw-p1".into())
    }

    fn update(status: StockStatus) -> StockUpdate {
        StockUpdate {
            items: vec![("fentanyl_patch_3day".into(), status, None)],
            services: PharmacyServices { open_24h: Some(true), ..PharmacyServices::default() },
        }
    }

    #[test]
    fn a_write_is_in_the_snapshot_when_it_returns() {
        let (_dir, writer, atlas, pharmacy) = setup();
        let before = atlas.load().stock_version();
        writer.put(&pharmacy, 1, &update(StockStatus::InStock), SystemTime::now()).unwrap();
        let now = atlas.load();
        assert_eq!(now.stock_version(), before + 1);
        let stock = now.stock_of(&pharmacy).expect("registered");
        assert_eq!(stock.items[0].status, StockStatus::InStock);
        assert_eq!(writer.refresh().unwrap(), Refresh::Unchanged);
    }

    #[test]
    fn writes_of_another_process_are_picked_up() {
        let (dir, writer, atlas, pharmacy) = setup();
        let mut other = SqliteStore::open(&dir.path().join("k.db")).unwrap();
        let at = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        other.put_stock(&pharmacy, 1, &update(StockStatus::Orderable), at).unwrap();
        assert!(atlas.load().stock_of(&pharmacy).is_none());
        assert_eq!(writer.refresh().unwrap(), Refresh::Stock);
        assert_eq!(atlas.load().stock_of(&pharmacy).unwrap().items[0].status, StockStatus::Orderable);
        // A write after that continues from the reloaded state.
        writer.put(&pharmacy, 1, &update(StockStatus::None), SystemTime::now()).unwrap();
        assert_eq!(atlas.load().stock_of(&pharmacy).unwrap().items[0].status, StockStatus::None);
    }
}
