//! The SQLite side of pharmacy stock, tokens and audit (migration 3).

use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};

use super::{SqliteStore, column, sql};
use crate::model::StockStatus;
use crate::store::stock::{
    AuditEntry, PharmacyServices, PharmacyStock, StockItem, StockUpdate, TokenInfo, TokenRecord,
};
use crate::store::{StoreError, format_rfc3339_utc};

/// Prefix of every token, so that a leaked token is recognisable (e.g. by secret scanners).
const TOKEN_PREFIX: &str = "kwm_";

fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn unix(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

fn services_row(s: &PharmacyServices) -> [Option<bool>; 4] {
    [s.sterile_compounding, s.open_24h, s.home_visits, s.narcotics_licence]
}

impl SqliteStore {
    /// Issues a new bearer token for a facility and returns (token id, token). The token is 32
    /// random bytes in hex; only its SHA-256 is stored, so it can be shown exactly once.
    pub fn issue_token(
        &mut self,
        facility_id: &str,
        label: Option<&str>,
        now: SystemTime,
    ) -> Result<(i64, String), StoreError> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| StoreError::InvalidValue {
            what: "token".into(),
            reason: format!("no randomness from the operating system: {e}"),
        })?;
        let token: String = std::iter::once(TOKEN_PREFIX.to_owned())
            .chain(secret.iter().map(|b| format!("{b:02x}")))
            .collect();
        self.conn
            .execute(
                "INSERT INTO pharmacy_tokens (facility_id, token_hash, label, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![facility_id, hash_token(&token), label, format_rfc3339_utc(now)],
            )
            .map_err(sql("issuing a token"))?;
        Ok((self.conn.last_insert_rowid(), token))
    }

    /// Revokes a token by id; false when there is no such active token.
    pub fn revoke_token(&mut self, id: i64, now: SystemTime) -> Result<bool, StoreError> {
        let changed = self
            .conn
            .execute(
                "UPDATE pharmacy_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![id, format_rfc3339_utc(now)],
            )
            .map_err(sql("revoking a token"))?;
        Ok(changed == 1)
    }

    /// Revokes every active token of a facility; returns how many.
    pub fn revoke_tokens_of(&mut self, facility_id: &str, now: SystemTime) -> Result<usize, StoreError> {
        self.conn
            .execute(
                "UPDATE pharmacy_tokens SET revoked_at = ?2 WHERE facility_id = ?1 AND revoked_at IS NULL",
                params![facility_id, format_rfc3339_utc(now)],
            )
            .map_err(sql("revoking tokens"))
    }

    /// Every token (optionally of one facility), newest first.
    pub fn tokens(&self, facility_id: Option<&str>) -> Result<Vec<TokenRecord>, StoreError> {
        const TABLE: &str = "pharmacy_tokens";
        let mut select = self
            .conn
            .prepare(
                "SELECT id, facility_id, label, created_at, revoked_at FROM pharmacy_tokens
                 WHERE ?1 IS NULL OR facility_id = ?1 ORDER BY id DESC",
            )
            .map_err(sql("preparing the token query"))?;
        let mut rows = select.query(params![facility_id]).map_err(sql("reading tokens"))?;
        let mut tokens = Vec::new();
        while let Some(row) = rows.next().map_err(sql("reading tokens"))? {
            tokens.push(TokenRecord {
                id: column(row, 0, TABLE)?,
                facility_id: column(row, 1, TABLE)?,
                label: column(row, 2, TABLE)?,
                created_at: column(row, 3, TABLE)?,
                revoked_at: column(row, 4, TABLE)?,
            });
        }
        Ok(tokens)
    }

    /// The active token matching a presented bearer token, if any.
    pub fn authenticate(&self, token: &str) -> Result<Option<TokenInfo>, StoreError> {
        if !token.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        self.conn
            .query_row(
                "SELECT id, facility_id FROM pharmacy_tokens WHERE token_hash = ?1 AND revoked_at IS NULL",
                params![hash_token(token)],
                |row| Ok(TokenInfo { id: row.get(0)?, facility_id: row.get(1)? }),
            )
            .optional()
            .map_err(sql("checking a token"))
    }

    /// Replaces a pharmacy's stock list and services in one durable transaction, appends the change
    /// to the audit log and bumps the stock version. Returns the registration as now stored.
    pub fn put_stock(
        &mut self,
        facility_id: &str,
        token_id: i64,
        update: &StockUpdate,
        now: SystemTime,
    ) -> Result<PharmacyStock, StoreError> {
        let now = unix(now);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql("starting the stock transaction"))?;
        let before = read_stock(&tx, facility_id)?;
        tx.execute("DELETE FROM pharmacy_stock WHERE facility_id = ?1", params![facility_id])
            .map_err(sql("clearing the stock list"))?;
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO pharmacy_stock (facility_id, product, status, orderable_days, updated_unix)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(sql("preparing the stock insert"))?;
            for (product, status, days) in &update.items {
                insert.execute(params![facility_id, product, status.as_str(), days, now]).map_err(
                    |source| StoreError::Sqlite {
                        what: format!("writing stock of {product} at {facility_id}"),
                        source,
                    },
                )?;
            }
        }
        let [sterile, open, visits, licence] = services_row(&update.services);
        tx.execute(
            "INSERT INTO pharmacy_services
                 (facility_id, sterile_compounding, open_24h, home_visits, narcotics_licence, updated_unix)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (facility_id) DO UPDATE SET
                 sterile_compounding = excluded.sterile_compounding, open_24h = excluded.open_24h,
                 home_visits = excluded.home_visits, narcotics_licence = excluded.narcotics_licence,
                 updated_unix = excluded.updated_unix",
            params![facility_id, sterile, open, visits, licence, now],
        )
        .map_err(sql("writing services"))?;
        let after = read_stock(&tx, facility_id)?;
        let json = |s: &PharmacyStock| serde_json::to_string(s).unwrap_or_else(|_| "{}".into());
        tx.execute(
            "INSERT INTO stock_audit (facility_id, token_id, at_unix, before, after) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![facility_id, token_id, now, json(&before), json(&after)],
        )
        .map_err(sql("appending to the audit log"))?;
        tx.execute("UPDATE meta SET value = value + 1 WHERE key = 'stock_version'", [])
            .map_err(sql("bumping the stock version"))?;
        tx.commit().map_err(sql("committing the stock"))?;
        Ok(after)
    }

    /// One pharmacy's registration (empty when it never registered).
    pub fn stock(&self, facility_id: &str) -> Result<PharmacyStock, StoreError> {
        read_stock(&self.conn, facility_id)
    }

    /// Every pharmacy that registered anything, by facility id.
    pub fn all_stock(&self) -> Result<Vec<PharmacyStock>, StoreError> {
        let tx = self.conn.unchecked_transaction().map_err(sql("starting a read transaction"))?;
        let ids = registered_pharmacies(&tx)?;
        let all = ids.iter().map(|id| read_stock(&tx, id)).collect::<Result<Vec<_>, _>>()?;
        tx.finish().map_err(sql("ending the read transaction"))?;
        Ok(all)
    }

    /// The audit log of a pharmacy, oldest first.
    pub fn audit(&self, facility_id: &str) -> Result<Vec<AuditEntry>, StoreError> {
        const TABLE: &str = "stock_audit";
        let mut select = self
            .conn
            .prepare(
                "SELECT id, facility_id, token_id, at_unix, before, after FROM stock_audit
                 WHERE facility_id = ?1 ORDER BY id",
            )
            .map_err(sql("preparing the audit query"))?;
        let mut rows = select.query(params![facility_id]).map_err(sql("reading the audit log"))?;
        let mut entries = Vec::new();
        while let Some(row) = rows.next().map_err(sql("reading the audit log"))? {
            let id: i64 = column(row, 0, TABLE)?;
            let parse = |text: String| {
                serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
                    what: format!("audit entry {id}"),
                    reason: e.to_string(),
                })
            };
            entries.push(AuditEntry {
                id,
                facility_id: column(row, 1, TABLE)?,
                token_id: column(row, 2, TABLE)?,
                at_unix: column(row, 3, TABLE)?,
                before: parse(column(row, 4, TABLE)?)?,
                after: parse(column(row, 5, TABLE)?)?,
            });
        }
        Ok(entries)
    }

    /// A counter bumped by every stock write.
    pub fn stock_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = 'stock_version'", [], |row| row.get(0))
            .map_err(sql("reading the stock version"))
    }
}

fn registered_pharmacies(conn: &rusqlite::Connection) -> Result<Vec<String>, StoreError> {
    let mut select = conn
        .prepare("SELECT facility_id FROM pharmacy_stock UNION SELECT facility_id FROM pharmacy_services ORDER BY 1")
        .map_err(sql("preparing the pharmacy query"))?;
    let ids = select.query_map([], |row| row.get(0)).map_err(sql("reading pharmacies"))?;
    ids.collect::<Result<Vec<String>, _>>().map_err(sql("reading pharmacies"))
}

fn read_stock(conn: &rusqlite::Connection, facility_id: &str) -> Result<PharmacyStock, StoreError> {
    const TABLE: &str = "pharmacy_stock";
    let mut select = conn
        .prepare_cached(
            "SELECT product, status, orderable_days, updated_unix FROM pharmacy_stock
             WHERE facility_id = ?1 ORDER BY product",
        )
        .map_err(sql("preparing the stock query"))?;
    let mut rows = select.query(params![facility_id]).map_err(sql("reading stock"))?;
    let mut items = Vec::new();
    while let Some(row) = rows.next().map_err(sql("reading stock"))? {
        let status: String = column(row, 1, TABLE)?;
        items.push(StockItem {
            product: column(row, 0, TABLE)?,
            status: status
                .parse::<StockStatus>()
                .map_err(|reason| StoreError::Corrupt { what: format!("stock of {facility_id}"), reason })?,
            orderable_days: column(row, 2, TABLE)?,
            updated_unix: column(row, 3, TABLE)?,
        });
    }
    let services = conn
        .query_row(
            "SELECT sterile_compounding, open_24h, home_visits, narcotics_licence, updated_unix
             FROM pharmacy_services WHERE facility_id = ?1",
            params![facility_id],
            |row| {
                Ok((
                    PharmacyServices {
                        sterile_compounding: row.get(0)?,
                        open_24h: row.get(1)?,
                        home_visits: row.get(2)?,
                        narcotics_licence: row.get(3)?,
                    },
                    row.get::<_, i64>(4)?,
                ))
            },
        )
        .optional()
        .map_err(sql("reading services"))?;
    let updated_unix = services.map(|s| s.1).into_iter().chain(items.iter().map(|i| i.updated_unix)).max();
    Ok(PharmacyStock {
        facility_id: facility_id.to_owned(),
        items,
        services: services.map(|s| s.0).unwrap_or_default(),
        updated_unix,
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::store::{Registry, Store};

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn update(items: &[(&str, StockStatus, Option<u32>)]) -> StockUpdate {
        StockUpdate {
            items: items.iter().map(|(p, s, d)| (p.to_string(), *s, *d)).collect(),
            services: PharmacyServices { sterile_compounding: Some(true), ..PharmacyServices::default() },
        }
    }

    #[test]
    fn tokens_are_shown_once_and_stored_hashed() {
        let mut store = SqliteStore::open_in_memory().unwrap();
        let (id, token) = store.issue_token("mhlw-1", Some("薬局長"), at(100)).unwrap();
        assert!(token.starts_with("kwm_") && token.len() == 4 + 64);
        let stored: Vec<u8> = store
            .conn
            .query_row("SELECT token_hash FROM pharmacy_tokens WHERE id = ?1", [id], |r| r.get(0))
            .unwrap();
        assert_eq!(stored, hash_token(&token));
        assert!(!stored.windows(8).any(|w| token.as_bytes().windows(8).any(|t| t == w)));
        assert_eq!(store.authenticate(&token).unwrap(), Some(TokenInfo { id, facility_id: "mhlw-1".into() }));
        assert_eq!(store.authenticate("kwm_00").unwrap(), None);
        assert_eq!(store.authenticate("").unwrap(), None);
        let (_, other) = store.issue_token("mhlw-1", None, at(101)).unwrap();
        assert_ne!(token, other, "tokens are random");
        assert!(store.revoke_token(id, at(200)).unwrap());
        assert!(!store.revoke_token(id, at(201)).unwrap(), "already revoked");
        assert_eq!(store.authenticate(&token).unwrap(), None);
        assert!(store.authenticate(&other).unwrap().is_some());
        assert_eq!(store.revoke_tokens_of("mhlw-1", at(300)).unwrap(), 1);
        let list = store.tokens(Some("mhlw-1")).unwrap();
        assert_eq!(list.len(), 2);
        assert!(list.iter().all(|t| t.revoked_at.is_some()));
    }

    #[test]
    fn put_replaces_the_list_and_audits_before_and_after() {
        let mut store = SqliteStore::open_in_memory().unwrap();
        assert_eq!(store.stock("p").unwrap().updated_unix, None);
        let first = store
            .put_stock("p", 7, &update(&[("fentanyl_patch_3day", StockStatus::InStock, None)]), at(1000))
            .unwrap();
        assert_eq!(first.items.len(), 1);
        assert_eq!(first.updated_unix, Some(1000));
        let second = store
            .put_stock(
                "p",
                8,
                &update(&[
                    ("oxycodone_sr", StockStatus::Orderable, Some(2)),
                    ("morphine_ir", StockStatus::None, None),
                ]),
                at(2000),
            )
            .unwrap();
        let products: Vec<&str> = second.items.iter().map(|i| i.product.as_str()).collect();
        assert_eq!(products, ["morphine_ir", "oxycodone_sr"], "the list is replaced, not merged");
        assert_eq!(store.stock("p").unwrap(), second);
        let audit = store.audit("p").unwrap();
        assert_eq!(audit.len(), 2);
        assert_eq!((audit[1].token_id, audit[1].at_unix), (8, 2000));
        assert_eq!(audit[1].before["items"][0]["product"], "fentanyl_patch_3day");
        assert_eq!(audit[1].after["items"][1]["orderable_days"], 2);
        assert_eq!(audit[0].before["items"], serde_json::json!([]));
        assert_eq!(store.stock_version().unwrap(), 2);
        assert_eq!(store.all_stock().unwrap().len(), 1);
    }

    #[test]
    fn a_failed_put_changes_nothing() {
        let mut store = SqliteStore::open_in_memory().unwrap();
        store.put_stock("p", 1, &update(&[("morphine_ir", StockStatus::InStock, None)]), at(10)).unwrap();
        let bad = update(&[("morphine_sr", StockStatus::Orderable, Some(999))]);
        assert!(store.put_stock("p", 1, &bad, at(20)).is_err(), "orderable_days is 0..365");
        assert_eq!(store.stock("p").unwrap().items[0].product, "morphine_ir");
        assert_eq!(store.audit("p").unwrap().len(), 1);
        assert_eq!(store.stock_version().unwrap(), 1);
    }

    #[test]
    fn stock_survives_a_reimport_and_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite");
        let mut store = SqliteStore::open(&path).unwrap();
        let (_, token) = store.issue_token("mhlw-1", None, at(1)).unwrap();
        store
            .put_stock("mhlw-1", 1, &update(&[("tapentadol_sr", StockStatus::InStock, None)]), at(5))
            .unwrap();
        let run = crate::store::ImportRunInput {
            prefecture: "43".into(),
            started_at: at(6),
            finished_at: at(7),
            summary: serde_json::json!({}),
        };
        store.replace_registry(&Registry::default(), &run).unwrap();
        drop(store);
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.stock("mhlw-1").unwrap().items.len(), 1);
        assert!(store.authenticate(&token).unwrap().is_some());
    }

    #[test]
    fn staleness_after_30_days() {
        let item = StockItem {
            product: "x".into(),
            status: StockStatus::InStock,
            orderable_days: None,
            updated_unix: 0,
        };
        assert!(!item.is_stale(30 * 86_400));
        assert!(item.is_stale(30 * 86_400 + 1));
    }
}
