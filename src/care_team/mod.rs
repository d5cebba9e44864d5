//! A home palliative care team (在宅緩和ケアチーム) for a patient's home: for each role, the
//! nearest facilities that can fill it, by geodesic distance, and a plain statement (Japanese and
//! English) for each role that cannot be filled.
//!
//! Pure functions over an [`Atlas`] snapshot; the HTTP handler only reads parameters and shapes
//! JSON.

pub mod schedule;

use crate::atlas::{Atlas, PrefectureSummary, StockCriteria};
use crate::model::{
    Capability, CapabilitySet, Facility, FacilityKind, HOME_VISIT_LIMIT_M, Needs, OpioidCatalogue,
    OpioidNeed, StockStatus, within_home_visit_limit,
};
use crate::spatial::NearestQuery;
use crate::store::stock::PharmacyStock;
use schedule::{Day, Schedule, Session};

/// A role of the team, in the order the answer lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// 在宅療養支援診療所・病院: the doctor's practice making home visits (within 16 km).
    HomeCareClinic,
    /// 訪問看護ステーション: visiting nurses.
    VisitingNurse,
    /// 薬局: the pharmacy delivering (opioid) prescriptions.
    Pharmacy,
    /// 歯科: the dentist (oral care).
    Dentist,
    /// 緩和ケア病棟: the palliative-care ward for admission when home care is no longer possible.
    PalliativeWard,
    /// がんサロン: a cancer salon for the patient and family.
    CancerSalon,
    /// ピアサポート: peer support by cancer survivors.
    PeerSupport,
}

impl Role {
    /// Every role, in answer order.
    pub const ALL: [Role; 7] = [
        Role::HomeCareClinic,
        Role::VisitingNurse,
        Role::Pharmacy,
        Role::Dentist,
        Role::PalliativeWard,
        Role::CancerSalon,
        Role::PeerSupport,
    ];

    /// The API string.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::HomeCareClinic => "home_care_clinic",
            Role::VisitingNurse => "visiting_nurse",
            Role::Pharmacy => "pharmacy",
            Role::Dentist => "dentist",
            Role::PalliativeWard => "palliative_ward",
            Role::CancerSalon => "cancer_salon",
            Role::PeerSupport => "peer_support",
        }
    }

    /// The Japanese label.
    pub fn label_ja(self) -> &'static str {
        match self {
            Role::HomeCareClinic => "在宅療養支援診療所・病院",
            Role::VisitingNurse => "訪問看護ステーション",
            Role::Pharmacy => "薬局",
            Role::Dentist => "歯科",
            Role::PalliativeWard => "緩和ケア病棟",
            Role::CancerSalon => "がんサロン",
            Role::PeerSupport => "ピアサポート",
        }
    }

    /// The English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Role::HomeCareClinic => "home-care clinic",
            Role::VisitingNurse => "visiting-nurse station",
            Role::Pharmacy => "pharmacy",
            Role::Dentist => "dentist",
            Role::PalliativeWard => "palliative-care ward",
            Role::CancerSalon => "cancer salon",
            Role::PeerSupport => "peer support",
        }
    }
}

/// Whether a role has candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleStatus {
    /// At least one candidate.
    Filled,
    /// The registry has facilities of the role's kind, but none fits (e.g. none within 16 km).
    Unfilled,
    /// The data that would fill the role was not imported (e.g. the 介護サービス情報公表 file of
    /// visiting-nurse stations was absent), so nothing can be said either way.
    NoData,
}

impl RoleStatus {
    /// The API string.
    pub fn as_str(self) -> &'static str {
        match self {
            RoleStatus::Filled => "filled",
            RoleStatus::Unfilled => "unfilled",
            RoleStatus::NoData => "no_data",
        }
    }
}

/// A statement about a role, in Japanese and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// Japanese.
    pub ja: String,
    /// English.
    pub en: String,
}

/// How a pharmacy meets the stock needs of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockMatch {
    /// Every opioid need in stock and every service stated (as /api/nearest with these needs).
    InStock,
    /// The products can be ordered (取り寄せ可) or are in stock, and every service is stated: the
    /// fallback when no pharmacy has them in stock.
    Orderable,
}

impl StockMatch {
    /// The API string.
    pub fn as_str(self) -> &'static str {
        match self {
            StockMatch::InStock => "in_stock",
            StockMatch::Orderable => "orderable",
        }
    }
}

/// One candidate for a role.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    /// The facility.
    pub facility: &'a Facility,
    /// Geodesic distance from the home, metres.
    pub distance_m: f64,
    /// For pharmacies when the request has stock needs: how they are met.
    pub stock_match: Option<StockMatch>,
    /// For palliative wards: whether ward beds are filed (>0).
    pub ward_beds_filed: Option<bool>,
    /// For salons and peer support: the next session from now, when the schedule is understood
    /// (`Some(None)` when it is not, or there is no schedule).
    pub next_session: Option<Option<Session>>,
}

impl<'a> Candidate<'a> {
    fn new(facility: &'a Facility, distance_m: f64) -> Self {
        Candidate { facility, distance_m, stock_match: None, ward_beds_filed: None, next_session: None }
    }
}

/// One role of the team with its candidates, nearest first.
#[derive(Debug, Clone)]
pub struct RoleResult<'a> {
    /// The role.
    pub role: Role,
    /// Filled, unfilled or no data.
    pub status: RoleStatus,
    /// Why the role is unfilled or has no data, or a note on how it was filled (orderable only,
    /// wards without filed beds); `None` when there is nothing to add.
    pub reason: Option<Reason>,
    /// The candidates.
    pub candidates: Vec<Candidate<'a>>,
}

/// What a care-team request asks for.
#[derive(Debug, Clone)]
pub struct CareTeamRequest {
    /// The patient's home, latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Needs: capabilities apply to the home-care clinic; opioids and services to the pharmacy.
    pub needs: Needs,
    /// Count stock entries older than 30 days as in stock.
    pub include_stale: bool,
    /// Candidates per role (per group for palliative wards).
    pub k: usize,
    /// The moment the answer is for (Unix seconds): stock staleness and next sessions.
    pub now_unix: i64,
}

/// The team for a home: every role of [`Role::ALL`], in that order.
///
/// A registry may hold prefectures whose data differ (one with 施設基準 filings, clinics and
/// pharmacies, its neighbours with hospitals only). When the home's prefecture lacks the data a
/// role needs, the role is [`RoleStatus::NoData`] — naming the prefecture and the missing source —
/// and keeps only candidates across the border within the 16 km home-visit limit: a pharmacy in
/// another prefecture hundreds of kilometres away is not an answer.
pub fn care_team<'a>(atlas: &'a Atlas, request: &CareTeamRequest) -> Vec<RoleResult<'a>> {
    let home = atlas.prefecture_at(request.lat, request.lon).and_then(|code| atlas.prefecture_summary(code));
    Role::ALL
        .iter()
        .map(|role| {
            let result = fill_role(atlas, request, *role);
            match home.and_then(|summary| missing_data(summary, *role)) {
                Some(reason) => without_data(result, reason),
                None => result,
            }
        })
        .collect()
}

/// Why the home's prefecture cannot fill a role: the source the role's facilities come from gave
/// the prefecture nothing.
fn missing_data(home: &PrefectureSummary, role: Role) -> Option<Reason> {
    let count = |kind: FacilityKind| home.facilities[kind.index()];
    let (present, source_ja, source_en) = match role {
        Role::HomeCareClinic | Role::PalliativeWard => (
            home.has_capabilities,
            "施設基準の届出（届出受理医療機関名簿）",
            "the 施設基準 filings (届出受理医療機関名簿)",
        ),
        Role::VisitingNurse => (
            count(FacilityKind::VisitingNurse) > 0,
            "訪問看護ステーション（介護サービス情報公表システム）",
            "the visiting-nurse stations (介護サービス情報公表)",
        ),
        Role::Pharmacy => {
            (count(FacilityKind::Pharmacy) > 0, "薬局（医療情報ネット）", "the pharmacies (医療情報ネット)")
        }
        Role::Dentist => (
            count(FacilityKind::Dental) > 0,
            "歯科診療所（医療情報ネット）",
            "the dental clinics (医療情報ネット)",
        ),
        Role::CancerSalon => (count(FacilityKind::Salon) > 0, "がんサロンの一覧", "a list of cancer salons"),
        Role::PeerSupport => {
            (count(FacilityKind::PeerSupport) > 0, "ピアサポートの一覧", "a list of peer-support rooms")
        }
    };
    (!present).then(|| Reason {
        ja: format!(
            "{}の{source_ja}のデータが取り込まれていないため、この役割は判断できません（表示するのは16km以内の他県の候補のみです）。",
            home.name
        ),
        en: format!(
            "The registry has no data of {source_en} for {} ({}), so this role cannot be assessed; only candidates in other prefectures within 16 km are shown.",
            home.name_en, home.name
        ),
    })
}

/// A role judged without the data it needs: no data, with only the candidates within the 16 km
/// home-visit limit (across the border).
fn without_data(mut result: RoleResult<'_>, reason: Reason) -> RoleResult<'_> {
    result.candidates.retain(|c| within_home_visit_limit(c.distance_m));
    RoleResult { status: RoleStatus::NoData, reason: Some(reason), ..result }
}

/// One role of the team.
pub fn fill_role<'a>(atlas: &'a Atlas, request: &CareTeamRequest, role: Role) -> RoleResult<'a> {
    match role {
        Role::HomeCareClinic => home_care_clinic(atlas, request),
        Role::VisitingNurse => by_kind(atlas, request, role, FacilityKind::VisitingNurse),
        Role::Pharmacy => pharmacy(atlas, request),
        Role::Dentist => by_kind(atlas, request, role, FacilityKind::Dental),
        Role::PalliativeWard => palliative_ward(atlas, request),
        Role::CancerSalon => gatherings(atlas, request, role, FacilityKind::Salon),
        Role::PeerSupport => gatherings(atlas, request, role, FacilityKind::PeerSupport),
    }
}

fn query(
    request: &CareTeamRequest,
    kind: Option<FacilityKind>,
    needs: CapabilitySet,
    k: usize,
) -> NearestQuery {
    NearestQuery { lat: request.lat, lon: request.lon, kind, needs, k, max_m: None }
}

/// Nearest facilities passing `accept` (by position in [`Atlas::facilities`]).
fn nearest_where<'a>(
    atlas: &'a Atlas,
    query: &NearestQuery,
    accept: impl Fn(usize) -> bool,
) -> Vec<(&'a Facility, f64)> {
    atlas
        .index()
        .nearest_where(query, |i| accept(i as usize))
        .into_iter()
        .map(|n| (&atlas.facilities()[n.index as usize], n.distance_m))
        .collect()
}

fn filled_or<'a>(
    role: Role,
    candidates: Vec<Candidate<'a>>,
    reason: impl FnOnce() -> Reason,
) -> RoleResult<'a> {
    if candidates.is_empty() {
        RoleResult { role, status: RoleStatus::Unfilled, reason: Some(reason()), candidates }
    } else {
        RoleResult { role, status: RoleStatus::Filled, reason: None, candidates }
    }
}

fn none_registered(role: Role) -> Reason {
    Reason {
        ja: format!("登録データに{}がありません。", role.label_ja()),
        en: format!("The registry has no {}.", role.label_en()),
    }
}

/// `12.3 km` / `12.3km`.
fn km(distance_m: f64) -> String {
    format!("{:.1}", distance_m / 1000.0)
}

/// Clinics and hospitals filing home-care support (在宅療養支援診療所・病院, plus the request's
/// capability needs), only within the 16 km home-visit limit: beyond it insured home visits are
/// not allowed, so a farther clinic cannot fill the role; the reason names the nearest one.
fn home_care_clinic<'a>(atlas: &'a Atlas, request: &CareTeamRequest) -> RoleResult<'a> {
    let role = Role::HomeCareClinic;
    let mut needs = request.needs.capabilities;
    needs.insert(Capability::HomeCareSupport);
    let facilities = atlas.facilities();
    let is_practice = |i: usize| matches!(facilities[i].kind, FacilityKind::Clinic | FacilityKind::Hospital);
    let within = NearestQuery { max_m: Some(HOME_VISIT_LIMIT_M), ..query(request, None, needs, request.k) };
    let candidates: Vec<Candidate> =
        nearest_where(atlas, &within, is_practice).into_iter().map(|(f, d)| Candidate::new(f, d)).collect();
    let limit_km = km(HOME_VISIT_LIMIT_M);
    filled_or(role, candidates, || {
        match nearest_where(atlas, &query(request, None, needs, 1), is_practice).first() {
            Some((f, d)) => Reason {
                ja: format!(
                    "{limit_km}km以内に在宅療養支援診療所・病院がありません（最寄りは{}、{}km）。16kmを超える往診・訪問診療は原則として保険算定できません。",
                    f.name,
                    km(*d)
                ),
                en: format!(
                    "No home-care clinic within {limit_km} km; the nearest is {} at {} km. Insured home visits are limited to {limit_km} km.",
                    f.name,
                    km(*d)
                ),
            },
            None => none_registered(role),
        }
    })
}

/// The nearest facilities of a kind. Visiting-nurse stations come from a file of their own
/// (介護サービス情報公表); when the snapshot has none at all, that file was not imported, and
/// the role says so (`NoData`) rather than claiming there are none.
fn by_kind<'a>(
    atlas: &'a Atlas,
    request: &CareTeamRequest,
    role: Role,
    kind: FacilityKind,
) -> RoleResult<'a> {
    let candidates: Vec<Candidate> = atlas
        .nearest(&query(request, Some(kind), CapabilitySet::default(), request.k))
        .into_iter()
        .map(|(f, d)| Candidate::new(f, d))
        .collect();
    if candidates.is_empty() && kind == FacilityKind::VisitingNurse {
        return RoleResult {
            role,
            status: RoleStatus::NoData,
            reason: Some(Reason {
                ja: "訪問看護ステーションのデータ（介護サービス情報公表システム）が取り込まれていないため、候補を示せません。".into(),
                en: "Visiting-nurse stations were not imported (the 介護サービス情報公表 file was absent), so this role cannot be assessed.".into(),
            }),
            candidates,
        };
    }
    filled_or(role, candidates, || none_registered(role))
}

/// Whether a registration offers every opioid need at least as orderable (in stock counts too)
/// and states every service: the fallback when nobody has the products on the shelf.
fn orderable(stock: Option<&PharmacyStock>, needs: &Needs, include_stale: bool, now_unix: i64) -> bool {
    let catalogue = OpioidCatalogue::builtin();
    stock.is_some_and(|s| {
        needs.opioids.iter().all(|need| {
            s.items.iter().any(|item| {
                let offered = match item.status {
                    StockStatus::InStock => include_stale || !item.is_stale(now_unix),
                    StockStatus::Orderable => true,
                    StockStatus::None => false,
                };
                offered && catalogue.product(&item.product).is_some_and(|p| need.matches(p))
            })
        }) && needs.services.iter().all(|service| s.services.has(*service))
    })
}

/// Pharmacies: without stock needs the nearest; with them, the nearest meeting them in stock,
/// else the nearest that can order the products (marked), else unfilled.
fn pharmacy<'a>(atlas: &'a Atlas, request: &CareTeamRequest) -> RoleResult<'a> {
    let role = Role::Pharmacy;
    let q = query(request, Some(FacilityKind::Pharmacy), CapabilitySet::default(), request.k);
    if !request.needs.concerns_stock() {
        let candidates = atlas.nearest(&q).into_iter().map(|(f, d)| Candidate::new(f, d)).collect();
        return filled_or(role, candidates, || none_registered(role));
    }
    let needs = &request.needs;
    let wanted = needs.services.iter().map(|s| s.as_str().to_owned());
    let wanted =
        wanted.chain(needs.opioids.iter().map(OpioidNeed::as_need_string)).collect::<Vec<_>>().join(", ");
    let criteria = StockCriteria {
        needs: &request.needs,
        include_stale: request.include_stale,
        now_unix: request.now_unix,
    };
    let in_stock: Vec<Candidate> = atlas
        .nearest_stocked(&q, &criteria)
        .into_iter()
        .map(|(f, d)| Candidate { stock_match: Some(StockMatch::InStock), ..Candidate::new(f, d) })
        .collect();
    if !in_stock.is_empty() {
        return filled_or(role, in_stock, || none_registered(role));
    }
    let ordering: Vec<Candidate> = nearest_where(atlas, &q, |i| {
        orderable(atlas.stock_at(i), &request.needs, request.include_stale, request.now_unix)
    })
    .into_iter()
    .map(|(f, d)| Candidate { stock_match: Some(StockMatch::Orderable), ..Candidate::new(f, d) })
    .collect();
    if ordering.is_empty() {
        return filled_or(role, ordering, || Reason {
            ja: format!("{wanted} を在庫または取り寄せ可として登録している薬局がありません。"),
            en: format!("No pharmacy has registered {wanted} as in stock or orderable."),
        });
    }
    RoleResult {
        role,
        status: RoleStatus::Filled,
        reason: Some(Reason {
            ja: format!("{wanted} の在庫を登録している薬局はありません。取り寄せ可の薬局を示します。"),
            en: format!("No pharmacy has {wanted} in stock; these pharmacies can order it."),
        }),
        candidates: ordering,
    }
}

/// Palliative-care wards: first those with filed ward beds (>0), then those whose beds are not
/// filed (marked), `k` of each, so a ward that exists but whose bed count is unknown is shown
/// without being taken for a confirmed admission option.
fn palliative_ward<'a>(atlas: &'a Atlas, request: &CareTeamRequest) -> RoleResult<'a> {
    let role = Role::PalliativeWard;
    let facilities = atlas.facilities();
    let has_beds = |i: usize| facilities[i].ward_beds().is_some_and(|b| b > 0);
    let q = query(request, None, CapabilitySet::from_iter([Capability::PalliativeWard]), request.k);
    let with_beds = nearest_where(atlas, &q, has_beds);
    let without = nearest_where(atlas, &q, |i| !has_beds(i));
    let candidates: Vec<Candidate> = with_beds
        .iter()
        .map(|(f, d)| (f, d, true))
        .chain(without.iter().map(|(f, d)| (f, d, false)))
        .map(|(f, d, filed)| Candidate { ward_beds_filed: Some(filed), ..Candidate::new(f, *d) })
        .collect();
    if with_beds.is_empty() && !without.is_empty() {
        return RoleResult {
            role,
            status: RoleStatus::Filled,
            reason: Some(Reason {
                ja: "病床数の届出がある緩和ケア病棟はありません。届出のない病棟を示します。".into(),
                en: "No palliative-care ward has filed bed numbers; wards without filed beds are shown."
                    .into(),
            }),
            candidates,
        };
    }
    filled_or(role, candidates, || none_registered(role))
}

/// Salons and peer support with their next session (from now, in Japan time) when the schedule is
/// understood.
fn gatherings<'a>(
    atlas: &'a Atlas,
    request: &CareTeamRequest,
    role: Role,
    kind: FacilityKind,
) -> RoleResult<'a> {
    let (today, minute) = Day::tokyo(request.now_unix);
    let candidates = atlas
        .nearest(&query(request, Some(kind), CapabilitySet::default(), request.k))
        .into_iter()
        .map(|(f, d)| {
            let next =
                f.schedule.as_deref().and_then(Schedule::parse).and_then(|s| s.next_session(today, minute));
            Candidate { next_session: Some(next), ..Candidate::new(f, d) }
        })
        .collect();
    filled_or(role, candidates, || none_registered(role))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CapabilityEntry, FacilityId, Location, LocationPrecision};
    use crate::store::Registry;
    use crate::store::stock::{PharmacyServices, StockItem};

    const HOME: (f64, f64) = (32.8, 130.7);
    /// 2025-06-12T03:00:00Z, a Thursday noon in Tokyo.
    const NOW: i64 = 1_749_697_200;

    /// A facility `north_km` (about) north of HOME.
    fn facility(id: &str, kind: FacilityKind, north_km: f64, capabilities: &[CapabilityEntry]) -> Facility {
        Facility {
            id: FacilityId(id.into()),
            kind,
            name: format!("施設{id}"),
            name_kana: None,
            address: None,
            municipality_code: None,
            area_code: None,
            pref_code: String::new(),
            location: Location::new(HOME.0 + north_km / 110.9, HOME.1, LocationPrecision::Exact),
            phone: None,
            url: None,
            beds: None,
            schedule: None,
            capabilities: capabilities.to_vec(),
            sources: vec![],
        }
    }

    fn atlas(mut facilities: Vec<Facility>) -> Atlas {
        facilities.sort_by(|a, b| a.id.cmp(&b.id));
        Atlas::new(
            Registry {
                facilities,
                areas: vec![],
                municipalities: vec![],
                sources: vec![],
                cells: vec![],
                towns: vec![],
            },
            1,
        )
    }

    fn request(needs: &str) -> CareTeamRequest {
        CareTeamRequest {
            lat: HOME.0,
            lon: HOME.1,
            needs: Needs::parse(needs, OpioidCatalogue::builtin()).unwrap(),
            include_stale: false,
            k: 3,
            now_unix: NOW,
        }
    }

    fn ids<'a>(result: &RoleResult<'a>) -> Vec<&'a str> {
        result.candidates.iter().map(|c| c.facility.id.as_str()).collect()
    }

    fn home_care() -> CapabilityEntry {
        CapabilityEntry::bare(Capability::HomeCareSupport)
    }

    mod home_care_clinic {
        use super::*;

        #[test]
        fn only_within_sixteen_km_and_only_practices() {
            let a = atlas(vec![
                facility("a", FacilityKind::Clinic, 11.0, &[home_care()]),
                facility("b", FacilityKind::Hospital, 15.9, &[home_care()]),
                facility("c", FacilityKind::Clinic, 16.2, &[home_care()]),
                facility("d", FacilityKind::Clinic, 1.0, &[]),
                facility("e", FacilityKind::VisitingNurse, 1.0, &[home_care()]),
            ]);
            let r = fill_role(&a, &request(""), Role::HomeCareClinic);
            assert_eq!(r.status, RoleStatus::Filled);
            assert_eq!(ids(&r), ["a", "b"]);
            assert!(r.candidates.iter().all(|c| c.distance_m <= HOME_VISIT_LIMIT_M));
        }

        #[test]
        fn unfilled_names_the_nearest_beyond_the_limit() {
            let a = atlas(vec![
                facility("far", FacilityKind::Clinic, 22.0, &[home_care()]),
                facility("farther", FacilityKind::Clinic, 40.0, &[home_care()]),
            ]);
            let r = fill_role(&a, &request(""), Role::HomeCareClinic);
            assert_eq!(r.status, RoleStatus::Unfilled);
            assert!(r.candidates.is_empty());
            let reason = r.reason.unwrap();
            assert!(reason.ja.contains("施設far") && reason.ja.contains("22.0km"), "{}", reason.ja);
            assert!(reason.en.contains("施設far") && reason.en.contains("22.0 km"), "{}", reason.en);
        }

        #[test]
        fn capability_needs_apply() {
            let enhanced = CapabilityEntry::bare(Capability::HomePalliativeEnhanced);
            let a = atlas(vec![
                facility("plain", FacilityKind::Clinic, 1.0, &[home_care()]),
                facility("strong", FacilityKind::Clinic, 5.0, &[home_care(), enhanced]),
            ]);
            let r = fill_role(&a, &request("home_palliative_enhanced"), Role::HomeCareClinic);
            assert_eq!(ids(&r), ["strong"]);
        }

        #[test]
        fn empty_registry() {
            let empty = atlas(vec![]);
            let r = fill_role(&empty, &request(""), Role::HomeCareClinic);
            assert_eq!(r.status, RoleStatus::Unfilled);
            assert!(r.reason.unwrap().en.contains("no home-care clinic"));
        }
    }

    mod kinds {
        use super::*;

        #[test]
        fn no_visiting_nurses_means_no_data_but_no_dentist_is_unfilled() {
            let a = atlas(vec![facility("p", FacilityKind::Pharmacy, 1.0, &[])]);
            let team = care_team(&a, &request(""));
            assert_eq!(team.iter().map(|r| r.role).collect::<Vec<_>>(), Role::ALL);
            assert_eq!(team[1].status, RoleStatus::NoData);
            assert!(team[1].reason.as_ref().unwrap().ja.contains("介護サービス情報公表"));
            assert_eq!(team[3].status, RoleStatus::Unfilled);
            assert_eq!(team[2].status, RoleStatus::Filled);
        }

        #[test]
        fn k_nearest_in_order() {
            let a = atlas(
                (1..=5)
                    .map(|i| facility(&format!("n{i}"), FacilityKind::VisitingNurse, 6.0 - i as f64, &[]))
                    .collect(),
            );
            let r = fill_role(&a, &request(""), Role::VisitingNurse);
            assert_eq!(ids(&r), ["n5", "n4", "n3"]);
            assert!(r.candidates.windows(2).all(|w| w[0].distance_m <= w[1].distance_m));
        }
    }

    mod pharmacy {
        use super::*;

        fn stock(id: &str, status: StockStatus) -> PharmacyStock {
            PharmacyStock {
                facility_id: id.into(),
                items: vec![StockItem {
                    product: "oxycodone_sr".into(),
                    status,
                    orderable_days: None,
                    updated_unix: NOW - 86_400,
                }],
                services: PharmacyServices::default(),
                updated_unix: Some(NOW - 86_400),
            }
        }

        fn pharmacies() -> Atlas {
            atlas(vec![
                facility("near", FacilityKind::Pharmacy, 1.0, &[]),
                facility("mid", FacilityKind::Pharmacy, 3.0, &[]),
                facility("far", FacilityKind::Pharmacy, 9.0, &[]),
            ])
        }

        #[test]
        fn stock_first_then_orderable_then_unfilled() {
            let base = pharmacies();
            let a = base.with_stock(
                vec![stock("mid", StockStatus::Orderable), stock("far", StockStatus::InStock)],
                1,
            );
            let r = fill_role(&a, &request("opioid:oxycodone_sr"), Role::Pharmacy);
            assert_eq!(ids(&r), ["far"]);
            assert_eq!(r.candidates[0].stock_match, Some(StockMatch::InStock));
            assert!(r.reason.is_none());

            let a = base.with_stock(vec![stock("mid", StockStatus::Orderable)], 2);
            let r = fill_role(&a, &request("opioid:oxycodone"), Role::Pharmacy);
            assert_eq!((r.status, ids(&r)), (RoleStatus::Filled, vec!["mid"]));
            assert_eq!(r.candidates[0].stock_match, Some(StockMatch::Orderable));
            assert!(r.reason.unwrap().en.contains("opioid:oxycodone"));

            let a = base.with_stock(vec![stock("mid", StockStatus::None)], 3);
            let r = fill_role(&a, &request("opioid:oxycodone_sr"), Role::Pharmacy);
            assert_eq!(r.status, RoleStatus::Unfilled);
            assert!(r.reason.unwrap().ja.contains("opioid:oxycodone_sr"));
        }

        #[test]
        fn services_must_be_stated_even_for_orderable() {
            let a = pharmacies().with_stock(vec![stock("mid", StockStatus::Orderable)], 1);
            let r = fill_role(&a, &request("opioid:oxycodone_sr,sterile_compounding"), Role::Pharmacy);
            assert_eq!(r.status, RoleStatus::Unfilled);
        }

        #[test]
        fn without_needs_the_nearest() {
            let a = pharmacies();
            let r = fill_role(&a, &request(""), Role::Pharmacy);
            assert_eq!(ids(&r), ["near", "mid", "far"]);
            assert!(r.candidates.iter().all(|c| c.stock_match.is_none()));
        }
    }

    mod palliative_ward {
        use super::*;

        fn ward(beds: Option<u32>) -> CapabilityEntry {
            CapabilityEntry { ward_beds: beds, ..CapabilityEntry::bare(Capability::PalliativeWard) }
        }

        #[test]
        fn wards_with_beds_first_then_marked_ones() {
            let a = atlas(vec![
                facility("unfiled", FacilityKind::Hospital, 1.0, &[ward(None)]),
                facility("zero", FacilityKind::Hospital, 2.0, &[ward(Some(0))]),
                facility("beds", FacilityKind::Hospital, 30.0, &[ward(Some(20))]),
                facility("none", FacilityKind::Hospital, 0.5, &[]),
            ]);
            let r = fill_role(&a, &request(""), Role::PalliativeWard);
            assert_eq!(ids(&r), ["beds", "unfiled", "zero"]);
            let filed: Vec<_> = r.candidates.iter().map(|c| c.ward_beds_filed).collect();
            assert_eq!(filed, [Some(true), Some(false), Some(false)]);
            assert!(r.reason.is_none());
        }

        #[test]
        fn only_unfiled_wards_are_shown_with_a_note() {
            let a = atlas(vec![facility("unfiled", FacilityKind::Hospital, 1.0, &[ward(None)])]);
            let r = fill_role(&a, &request(""), Role::PalliativeWard);
            assert_eq!(r.status, RoleStatus::Filled);
            assert!(r.reason.is_some());
        }
    }

    mod gatherings {
        use super::*;

        #[test]
        fn next_session_from_the_schedule_or_none() {
            let mut room = facility("room", FacilityKind::PeerSupport, 1.0, &[]);
            room.schedule = Some("毎月第2火曜日 11:00-13:00".into());
            let a = atlas(vec![room, facility("bare", FacilityKind::PeerSupport, 2.0, &[])]);
            let r = fill_role(&a, &request(""), Role::PeerSupport);
            let next = r.candidates[0].next_session.clone().unwrap().unwrap();
            assert_eq!(next.day.to_string(), "2025-07-08");
            assert_eq!(r.candidates[1].next_session, Some(None));
            assert_eq!(fill_role(&a, &request(""), Role::CancerSalon).status, RoleStatus::Unfilled);
        }
    }

    /// A registry of two prefectures side by side, the home in the one without pharmacies.
    mod prefectures_without_data {
        use super::*;
        use crate::model::{Area, Municipality};
        use geo::{Coord, MultiPolygon, Rect};

        /// Fukuoka (40) north of lat 32.85, Kumamoto (43) south of it, both 130.5–130.9 °E.
        fn two_prefectures(facilities: Vec<Facility>) -> Atlas {
            let square = |y0: f64, y1: f64| {
                MultiPolygon::new(vec![
                    Rect::new(Coord { x: 130.5, y: y0 }, Coord { x: 130.9, y: y1 }).to_polygon(),
                ])
            };
            let muni = |code: &str, geometry: MultiPolygon<f64>| Municipality {
                code: code.into(),
                name: code.into(),
                area_code: Some(code[..4].into()),
                geometry,
            };
            let area = |code: &str, pref: &str, geometry: MultiPolygon<f64>| Area {
                code: code.into(),
                name: code.into(),
                pref_code: pref.into(),
                municipality_codes: vec![],
                population: Some(1000),
                population_65plus: Some(300),
                mesh_population: None,
                mesh_population_65plus: None,
                population_complete: Some(false),
                geometry,
            };
            let (south, north) = (square(32.5, 32.85), square(32.85, 33.3));
            let mut facilities = facilities;
            facilities.sort_by(|a, b| a.id.cmp(&b.id));
            Atlas::new(
                Registry {
                    facilities,
                    areas: vec![area("4001", "40", north.clone()), area("4301", "43", south.clone())],
                    municipalities: vec![muni("40011", north), muni("43011", south)],
                    sources: vec![],
                    cells: vec![],
                    towns: vec![],
                },
                1,
            )
        }

        fn in_kumamoto(id: &str, kind: FacilityKind, north_km: f64) -> Facility {
            Facility { pref_code: "43".into(), ..facility(id, kind, north_km, &[]) }
        }

        #[test]
        fn the_home_prefecture_without_pharmacies_is_no_data_with_near_neighbours_only() {
            // HOME (32.8 N) is in Kumamoto; a home 10 km north of it is in Fukuoka.
            let a = two_prefectures(vec![
                in_kumamoto("near", FacilityKind::Pharmacy, 0.0),
                in_kumamoto("far", FacilityKind::Pharmacy, -25.0),
                in_kumamoto("dent", FacilityKind::Dental, -1.0),
            ]);
            let kumamoto_home = care_team(&a, &request(""));
            assert_eq!(kumamoto_home[2].status, RoleStatus::Filled);
            assert_eq!(ids(&kumamoto_home[2]), vec!["near", "far"]);

            let fukuoka_home = CareTeamRequest { lat: HOME.0 + 10.0 / 110.9, ..request("") };
            let team = care_team(&a, &fukuoka_home);
            let pharmacy = &team[2];
            assert_eq!(pharmacy.role, Role::Pharmacy);
            assert_eq!(pharmacy.status, RoleStatus::NoData);
            assert_eq!(ids(pharmacy), vec!["near"], "the one 35 km away is not an answer");
            let reason = pharmacy.reason.as_ref().expect("a reason");
            assert!(reason.ja.contains("福岡県") && reason.ja.contains("薬局"), "{}", reason.ja);
            assert!(reason.en.contains("Fukuoka"), "{}", reason.en);
            // Every role lacks Fukuoka data; the dentist 11 km away across the border is kept.
            assert!(team.iter().all(|r| r.status == RoleStatus::NoData), "{team:?}");
            assert_eq!(ids(&team[3]), vec!["dent"]);
        }

        #[test]
        fn at_sea_the_registry_wide_answer_stands() {
            let a = two_prefectures(vec![in_kumamoto("p", FacilityKind::Pharmacy, 0.0)]);
            let at_sea = CareTeamRequest { lon: 130.3, ..request("") };
            assert_eq!(care_team(&a, &at_sea)[2].status, RoleStatus::Filled);
        }
    }
}
