//! What pharmacies write: opioid stock (医療用麻薬の在庫), service flags, the bearer tokens that
//! authorise them, and the audit log of every change.

use serde::{Deserialize, Serialize};

use crate::model::{Needs, OpioidCatalogue, PharmacyService, StockStatus};

/// Days after which a stock entry is stale: shown, but not counted as in stock unless asked.
pub const STALE_AFTER_DAYS: i64 = 30;

/// One product's status at one pharmacy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockItem {
    /// Product id from the catalogue, e.g. `fentanyl_patch_3day`.
    pub product: String,
    /// In stock, orderable, or none.
    pub status: StockStatus,
    /// Days to obtain it when orderable.
    pub orderable_days: Option<u32>,
    /// When the pharmacy last confirmed it (seconds since the Unix epoch).
    pub updated_unix: i64,
}

impl StockItem {
    /// Whether the entry is older than [`STALE_AFTER_DAYS`] at `now_unix`.
    pub fn is_stale(&self, now_unix: i64) -> bool {
        now_unix - self.updated_unix > STALE_AFTER_DAYS * 86_400
    }
}

/// A pharmacy's service flags; None = not stated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PharmacyServices {
    /// 無菌製剤処理.
    pub sterile_compounding: Option<bool>,
    /// 24時間対応.
    pub open_24h: Option<bool>,
    /// 在宅訪問.
    pub home_visits: Option<bool>,
    /// 麻薬小売業者免許.
    pub narcotics_licence: Option<bool>,
}

/// Everything one pharmacy has registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PharmacyStock {
    /// The pharmacy's facility id.
    pub facility_id: String,
    /// Products, by product id.
    pub items: Vec<StockItem>,
    /// Services.
    pub services: PharmacyServices,
    /// Last write (seconds since the Unix epoch), None when never registered.
    pub updated_unix: Option<i64>,
}

impl PharmacyStock {
    /// Whether the registration satisfies the stock part of `needs` at `now_unix`: every opioid need
    /// has a matching product `in_stock` (fresh, or stale when `include_stale`), and every service
    /// flag is stated true. Products unknown to the catalogue never match.
    pub fn satisfies(
        &self,
        needs: &Needs,
        catalogue: &OpioidCatalogue,
        include_stale: bool,
        now_unix: i64,
    ) -> bool {
        let opioids = needs.opioids.iter().all(|need| {
            self.items.iter().any(|item| {
                item.status == StockStatus::InStock
                    && (include_stale || !item.is_stale(now_unix))
                    && catalogue.product(&item.product).is_some_and(|p| need.matches(p))
            })
        });
        opioids && needs.services.iter().all(|s| self.services.has(*s))
    }
}

impl PharmacyServices {
    /// Whether a service is stated as offered.
    pub fn has(&self, service: PharmacyService) -> bool {
        let flag = match service {
            PharmacyService::SterileCompounding => self.sterile_compounding,
            PharmacyService::Open24h => self.open_24h,
            PharmacyService::HomeVisits => self.home_visits,
            PharmacyService::NarcoticsLicence => self.narcotics_licence,
        };
        flag == Some(true)
    }
}

/// A replacement of a pharmacy's list, as validated by the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockUpdate {
    /// (product, status, orderable_days); products unique.
    pub items: Vec<(String, StockStatus, Option<u32>)>,
    /// Services.
    pub services: PharmacyServices,
}

/// An active token's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// Token id (for revocation and the audit log).
    pub id: i64,
    /// The facility it may write.
    pub facility_id: String,
}

/// A token as `kanwamap token list` shows it (never the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// Token id.
    pub id: i64,
    /// Facility.
    pub facility_id: String,
    /// Free label (who holds it).
    pub label: Option<String>,
    /// Issued (RFC 3339).
    pub created_at: String,
    /// Revoked (RFC 3339), if revoked.
    pub revoked_at: Option<String>,
}

/// One change in the audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Sequence number.
    pub id: i64,
    /// The pharmacy.
    pub facility_id: String,
    /// Who: the token id.
    pub token_id: i64,
    /// When (seconds since the Unix epoch).
    pub at_unix: i64,
    /// The registration before the change.
    pub before: serde_json::Value,
    /// The registration after the change.
    pub after: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stock(items: &[(&str, StockStatus, i64)], sterile: Option<bool>) -> PharmacyStock {
        PharmacyStock {
            facility_id: "p".into(),
            items: items
                .iter()
                .map(|(p, s, t)| StockItem {
                    product: p.to_string(),
                    status: *s,
                    orderable_days: None,
                    updated_unix: *t,
                })
                .collect(),
            services: PharmacyServices { sterile_compounding: sterile, ..PharmacyServices::default() },
            updated_unix: Some(0),
        }
    }

    #[test]
    fn in_stock_fresh_and_matching() {
        let c = OpioidCatalogue::builtin();
        let day = 86_400;
        let s = stock(
            &[("fentanyl_patch_3day", StockStatus::InStock, 0), ("oxycodone_sr", StockStatus::Orderable, 0)],
            Some(true),
        );
        let needs = |list: &str| Needs::parse(list, c).unwrap();
        assert!(s.satisfies(&needs("opioid:fentanyl"), c, false, day));
        assert!(s.satisfies(&needs("opioid:fentanyl_patch_3day,sterile_compounding"), c, false, day));
        assert!(!s.satisfies(&needs("opioid:fentanyl_patch_1day"), c, false, day));
        assert!(!s.satisfies(&needs("opioid:oxycodone_sr"), c, false, day), "orderable is not in stock");
        assert!(!s.satisfies(&needs("open_24h"), c, false, day), "not stated is not offered");
        let late = 31 * day;
        assert!(!s.satisfies(&needs("opioid:fentanyl"), c, false, late), "stale entries do not count");
        assert!(s.satisfies(&needs("opioid:fentanyl"), c, true, late), "unless asked");
        assert!(s.satisfies(&needs("sterile_compounding"), c, false, late), "services do not go stale");
    }
}
