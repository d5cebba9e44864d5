//! What the API returns: JSON shapes built from the model, documented for OpenAPI.

use serde::Serialize;
use utoipa::ToSchema;

use crate::model::{Capability, CapabilityEntry, Facility, FacilityKind, PharmacyService, StockStatus};
use crate::store::stock::{PharmacyStock, STALE_AFTER_DAYS, StockItem};

pub use crate::model::HOME_VISIT_LIMIT_M;

/// One capability with its details.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CapabilityDetail {
    /// Capability name.
    #[schema(example = "home_care_support")]
    pub capability: &'static str,
    /// Level: home_care_support "1" (機能強化型 単独), "2" (機能強化型 連携), "3"; palliative_ward "1"/"2";
    /// cancer_hub "prefectural"/"regional"/"prefecture_designated".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// The 受理記号 it was read from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filing: Option<String>,
    /// Palliative-care ward beds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ward_beds: Option<u32>,
    /// 算定開始年月日 as filed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
}

impl From<&CapabilityEntry> for CapabilityDetail {
    fn from(e: &CapabilityEntry) -> Self {
        CapabilityDetail {
            capability: e.capability.as_str(),
            level: e.level.clone(),
            filing: e.filing.clone(),
            ward_beds: e.ward_beds,
            since: e.since.clone(),
        }
    }
}

/// A facility as the API shows it (the `properties` of a GeoJSON feature, and a nearest result).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FacilityView {
    /// Stable id.
    #[schema(example = "mhlw-431143310114")]
    pub id: String,
    /// Official name.
    pub name: String,
    /// Kind.
    #[schema(example = "hospital")]
    pub kind: &'static str,
    /// Capability names.
    pub capabilities: Vec<&'static str>,
    /// Capabilities with level, filing and ward beds.
    pub capability_details: Vec<CapabilityDetail>,
    /// Latitude (JGD2011 ≈ WGS84).
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// exact (publisher's coordinate), town (大字・町丁目 point) or municipality.
    #[schema(example = "exact")]
    pub location_precision: &'static str,
    /// Address as published.
    pub address: Option<String>,
    /// 5-digit municipality code.
    pub municipality_code: Option<String>,
    /// Secondary medical area code.
    pub area_code: Option<String>,
    /// 2-digit code of the prefecture whose sources list the facility.
    pub pref_code: String,
    /// Telephone.
    pub phone: Option<String>,
    /// Web site.
    pub url: Option<String>,
    /// Total beds.
    pub beds: Option<u32>,
    /// Schedule (salons, peer support).
    pub schedule: Option<String>,
}

impl From<&Facility> for FacilityView {
    fn from(f: &Facility) -> Self {
        FacilityView {
            id: f.id.0.clone(),
            name: f.name.clone(),
            kind: f.kind.as_str(),
            capabilities: f.capabilities.iter().map(|c| c.capability.as_str()).collect(),
            capability_details: f.capabilities.iter().map(CapabilityDetail::from).collect(),
            lat: f.location.lat,
            lon: f.location.lon,
            location_precision: f.location.precision.as_str(),
            address: f.address.clone(),
            municipality_code: f.municipality_code.clone(),
            area_code: f.area_code.clone(),
            pref_code: f.pref_code.clone(),
            phone: f.phone.clone(),
            url: f.url.clone(),
            beds: f.beds,
            schedule: f.schedule.clone(),
        }
    }
}

/// A query origin.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Origin {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

/// One nearest result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NearestResult {
    /// The facility.
    #[serde(flatten)]
    pub facility: FacilityView,
    /// Geodesic distance on the WGS84 ellipsoid, metres.
    pub distance_m: f64,
    /// True when the facility is a home_care_support provider within the 16 km home-visit limit of the
    /// origin (so it may make insured home visits there).
    pub within_home_visit_limit: bool,
    /// A pharmacy's registered opioid stock and services (absent for other kinds, null when the
    /// pharmacy never registered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock: Option<Option<StockSummary>>,
}

/// A pharmacy's registration in brief, for result lists and map popups.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StockSummary {
    /// Last update (RFC 3339 UTC).
    pub updated_at: Option<String>,
    /// True when the last update is older than 30 days: the list is shown but not trusted.
    pub stale: bool,
    /// Products in stock, confirmed within 30 days.
    pub in_stock: Vec<String>,
    /// Products in stock by an entry older than 30 days.
    pub stale_in_stock: Vec<String>,
    /// Products that can be ordered.
    pub orderable: Vec<String>,
    /// Services stated as offered.
    pub services: Vec<&'static str>,
}

impl StockSummary {
    /// The summary of a registration at `now_unix`.
    pub fn new(stock: &PharmacyStock, now_unix: i64) -> Self {
        let products = |keep: &dyn Fn(&StockItem) -> bool| {
            stock.items.iter().filter(|i| keep(i)).map(|i| i.product.clone()).collect::<Vec<_>>()
        };
        StockSummary {
            updated_at: stock.updated_unix.map(rfc3339),
            stale: stock.updated_unix.is_none_or(|t| now_unix - t > STALE_AFTER_DAYS * 86_400),
            in_stock: products(&|i| i.status == StockStatus::InStock && !i.is_stale(now_unix)),
            stale_in_stock: products(&|i| i.status == StockStatus::InStock && i.is_stale(now_unix)),
            orderable: products(&|i| i.status == StockStatus::Orderable),
            services: PharmacyService::ALL
                .into_iter()
                .filter(|s| stock.services.has(*s))
                .map(|s| s.as_str())
                .collect(),
        }
    }
}

/// Unix seconds as RFC 3339 UTC.
pub fn rfc3339(unix: i64) -> String {
    let instant = if unix >= 0 {
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix as u64)
    } else {
        std::time::UNIX_EPOCH - std::time::Duration::from_secs(unix.unsigned_abs())
    };
    crate::store::format_rfc3339_utc(instant)
}

impl NearestResult {
    /// A result from a facility and its distance.
    pub fn new(facility: &Facility, distance_m: f64) -> Self {
        let home_care = facility.capability(Capability::HomeCareSupport).is_some();
        NearestResult {
            facility: FacilityView::from(facility),
            distance_m: (distance_m * 10.0).round() / 10.0,
            within_home_visit_limit: home_care && distance_m <= HOME_VISIT_LIMIT_M,
            stock: None,
        }
    }

    /// Adds a pharmacy's registration (or the fact that it has none); other kinds are unchanged.
    pub fn with_stock(mut self, stock: Option<&PharmacyStock>, now_unix: i64) -> Self {
        if self.facility.kind == FacilityKind::Pharmacy.as_str() {
            self.stock = Some(stock.map(|s| StockSummary::new(s, now_unix)));
        }
        self
    }
}

/// The answer of /api/nearest.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NearestResponse {
    /// The query point.
    pub origin: Origin,
    /// The home-visit limit applied to `within_home_visit_limit`, metres.
    pub home_visit_limit_m: f64,
    /// Nearest first.
    pub results: Vec<NearestResult>,
}

/// Facility counts per kind.
pub type KindCounts = std::collections::BTreeMap<&'static str, usize>;

/// Counts per kind, every kind present.
pub fn kind_counts(counts: [usize; FacilityKind::ALL.len()]) -> KindCounts {
    FacilityKind::ALL.iter().map(|k| (k.as_str(), counts[k.index()])).collect()
}

/// A secondary medical area as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AreaView {
    /// 4-digit area code.
    pub code: String,
    /// Area name.
    pub name: String,
    /// Prefecture code.
    pub pref_code: String,
    /// 2020 census population.
    pub population: Option<u64>,
    /// 2020 census population aged 65+.
    pub population_65plus: Option<u64>,
    /// Member municipality codes.
    pub municipality_codes: Vec<String>,
    /// Facilities in the area by kind.
    #[schema(value_type = Object)]
    pub facility_counts: KindCounts,
}

/// A data source and its credit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SourceView {
    /// Source id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Publisher.
    pub publisher: String,
    /// Publisher's page.
    pub url: String,
    /// Licence.
    pub licence: String,
    /// The credit line to show.
    pub attribution: String,
    /// Date of the data.
    pub as_of: Option<String>,
    /// Rows read.
    pub read: u64,
    /// Rows accepted.
    pub accepted: u64,
    /// Rows rejected.
    pub rejected: u64,
}

/// Health of the server.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Health {
    /// "ok".
    pub status: &'static str,
    /// Registry version of the current snapshot.
    pub registry_version: i64,
    /// Facilities in the snapshot.
    pub facilities: usize,
}
