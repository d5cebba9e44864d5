//! `GET /api/care-team`: a home palliative care team for a patient's home (see [`crate::care_team`]).

use axum::Json;
use axum::extract::{Query, State};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::dto::{HOME_VISIT_LIMIT_M, NearestResult, Origin};
use super::geocode::GeocodeCandidate;
use super::params::{INCLUDE_STALE_DOC, NEEDS_DOC, Params};
use super::problem::Problem;
use crate::atlas::Atlas;
use crate::atlas::now_unix;
use crate::care_team::schedule::{Day, TimeRange, WEEKDAYS_JA};
use crate::care_team::{Candidate, CareTeamRequest, RoleResult, care_team as build_team};

/// The next session of a salon or peer-support room.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionView {
    /// Date (Asia/Tokyo), `YYYY-MM-DD`.
    #[schema(example = "2025-07-08")]
    pub date: String,
    /// Weekday in Japanese, e.g. 火.
    pub weekday_ja: String,
    /// Start time `HH:MM`, when the schedule gives one.
    pub start: Option<String>,
    /// End time `HH:MM`.
    pub end: Option<String>,
}

/// One candidate for a role.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CareCandidate {
    /// The facility, its geodesic distance and (pharmacies) its registered stock.
    #[serde(flatten)]
    pub result: NearestResult,
    /// Pharmacies, when the request has stock needs: `in_stock` or `orderable` (no pharmacy has
    /// the products in stock; this one can order them).
    #[serde(rename = "match", skip_serializing_if = "Option::is_none")]
    pub stock_match: Option<&'static str>,
    /// Palliative wards: whether ward beds (>0) are filed; wards without are listed after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ward_beds_filed: Option<bool>,
    /// Salons and peer support: the next session from today (Asia/Tokyo), null when the schedule
    /// (shown raw in `schedule`) is absent or not understood.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_session: Option<Option<SessionView>>,
}

/// One role of the team.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoleView {
    /// home_care_clinic, visiting_nurse, pharmacy, dentist, palliative_ward, cancer_salon, peer_support.
    pub role: &'static str,
    /// The role in Japanese.
    pub label_ja: &'static str,
    /// filled, unfilled (nothing fits, see the reason) or no_data (the source was not imported).
    pub status: &'static str,
    /// Why the role is unfilled or has no data, or a note on how it was filled; null otherwise.
    pub reason_ja: Option<String>,
    /// The same in English.
    pub reason_en: Option<String>,
    /// Nearest first.
    pub candidates: Vec<CareCandidate>,
}

/// The answer of /api/care-team.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CareTeamResponse {
    /// The home.
    pub origin: Origin,
    /// Where `address` was placed (town or municipality precision); absent for lat/lon requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geocoded: Option<GeocodeCandidate>,
    /// The insured home-visit limit applied to the home-care clinic, metres.
    pub home_visit_limit_m: f64,
    /// The needs applied, normalised.
    pub needs: Vec<String>,
    /// Today in Japan (Asia/Tokyo), from which next sessions are counted.
    pub today: String,
    /// Every role, in a fixed order.
    pub roles: Vec<RoleView>,
}

fn session_view(session: &crate::care_team::schedule::Session) -> SessionView {
    SessionView {
        date: session.day.to_string(),
        weekday_ja: WEEKDAYS_JA[session.day.weekday() as usize].to_string(),
        start: session.time.map(|t| TimeRange::format(t.start)),
        end: session.time.map(|t| TimeRange::format(t.end)),
    }
}

fn candidate_view(c: &Candidate, atlas: &crate::atlas::Atlas, now: i64) -> CareCandidate {
    CareCandidate {
        result: NearestResult::new(c.facility, c.distance_m)
            .with_stock(atlas.stock_of(c.facility.id.as_str()), now),
        stock_match: c.stock_match.map(|m| m.as_str()),
        ward_beds_filed: c.ward_beds_filed,
        next_session: c.next_session.as_ref().map(|s| s.as_ref().map(session_view)),
    }
}

fn role_view(r: &RoleResult, atlas: &crate::atlas::Atlas, now: i64) -> RoleView {
    RoleView {
        role: r.role.as_str(),
        label_ja: r.role.label_ja(),
        status: r.status.as_str(),
        reason_ja: r.reason.as_ref().map(|x| x.ja.clone()),
        reason_en: r.reason.as_ref().map(|x| x.en.clone()),
        candidates: r.candidates.iter().map(|c| candidate_view(c, atlas, now)).collect(),
    }
}

/// The home of a request: `lat`/`lon`, or an `address` placed by the gazetteer (with the place
/// it was placed at, so the planner sees how precise the home is).
fn origin(params: &Params, atlas: &Atlas) -> Result<(f64, f64, Option<GeocodeCandidate>), Problem> {
    let Some(address) = params.string("address") else {
        return Ok((params.f64_in("lat", -90.0, 90.0)?, params.f64_in("lon", -180.0, 180.0)?, None));
    };
    if params.string("lat").is_some() || params.string("lon").is_some() {
        return Err(Problem::invalid_parameter(
            "address",
            "give either address or lat and lon, not both",
            "address=<住所> or lat=&lon=",
        ));
    }
    let found = atlas.geocode(address).ok_or_else(|| {
        Problem::invalid_parameter(
            "address",
            format!("no place found for the address '{address}'"),
            "an address in a prefecture of the registry, e.g. 熊本市中央区水前寺6-18-1 (see /api/geocode); name the prefecture when the municipality's name exists in several",
        )
    })?;
    Ok((found.lat, found.lon, Some(GeocodeCandidate::from(found))))
}

/// A home palliative care team for a patient's home: for each role (home-care clinic within the
/// 16 km insured home-visit limit, visiting nurse, pharmacy with the requested opioids in stock or
/// else orderable, dentist, palliative-care ward with filed beds, cancer salon and peer support
/// with their next session) the nearest candidates by geodesic distance, and a statement in
/// Japanese and English for each role that cannot be filled (`unfilled`) or has no data
/// (`no_data`: the source was not imported).
#[utoipa::path(
    get,
    path = "/api/care-team",
    tag = "registry",
    params(
        ("lat" = Option<f64>, Query, description = "Latitude of the patient's home, -90..90 (or give address)"),
        ("lon" = Option<f64>, Query, description = "Longitude, -180..180"),
        ("address" = Option<String>, Query, description = "The home's address instead of lat/lon, placed at its town (大字・町丁目) or, where the registry has no town points, its municipality; in any prefecture of the registry"),
        ("needs" = Option<String>, Query, description = NEEDS_DOC),
        ("include_stale" = Option<bool>, Query, description = INCLUDE_STALE_DOC),
        ("k" = Option<usize>, Query, description = "Candidates per role, 1..10 (default 3)"),
    ),
    responses(
        (status = 200, body = CareTeamResponse),
        (status = 400, description = "A parameter is missing, malformed or out of range", body = super::problem::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn care_team(
    State(state): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Json<CareTeamResponse>, Problem> {
    let params = Params::new(pairs, &["lat", "lon", "address", "needs", "include_stale", "k"])?;
    let atlas = state.atlas.load();
    let (lat, lon, geocoded) = origin(&params, &atlas)?;
    let now = now_unix();
    let request = CareTeamRequest {
        lat,
        lon,
        needs: params.needs("needs")?,
        include_stale: params.bool("include_stale")?,
        k: params.usize_in("k", 1, 10, 3)?,
        now_unix: now,
    };
    let roles = build_team(&atlas, &request).iter().map(|r| role_view(r, &atlas, now)).collect();
    Ok(Json(CareTeamResponse {
        origin: Origin { lat, lon },
        geocoded,
        home_visit_limit_m: HOME_VISIT_LIMIT_M,
        needs: request.needs.to_strings(),
        today: Day::tokyo(now).0.to_string(),
        roles,
    }))
}
