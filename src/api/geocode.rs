//! Address search: where a typed address is, for discharge planners who know the patient's address
//! rather than coordinates, and the candidates behind the map's search box.

use axum::Json;
use axum::extract::{Query, State};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::params::Params;
use super::problem::Problem;
use crate::geocode::GeocodeMatch;
use crate::model::prefecture_name;

/// Longest query accepted: a Japanese address with building and room is well under 100 characters.
const MAX_QUERY_CHARS: usize = 200;

/// One place an address may be.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GeocodeCandidate {
    /// Latitude of the town's (or municipality's) representative point.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// `town` (大字・町丁目 point) or `municipality`.
    #[schema(example = "town")]
    pub precision: &'static str,
    /// The address as normalised (municipality + town), e.g. 熊本市中央区水前寺六丁目.
    pub normalized: String,
    /// 5-digit municipality code.
    pub municipality_code: String,
    /// 2-digit code of its prefecture.
    pub pref_code: String,
    /// Its prefecture, e.g. 熊本県: a registry of several prefectures may know a municipality name
    /// in more than one.
    pub prefecture: &'static str,
    /// Municipality name.
    pub municipality_name: String,
    /// Town (大字・町丁目) name, when one was found.
    pub town: Option<String>,
    /// 小字 name, when the address named one the gazetteer has a point for.
    pub koaza: Option<String>,
    /// 0..1: how much of the name was typed, or how sure the address match is.
    pub score: f64,
}

impl From<GeocodeMatch> for GeocodeCandidate {
    fn from(m: GeocodeMatch) -> Self {
        GeocodeCandidate {
            lat: m.lat,
            lon: m.lon,
            precision: m.precision.as_str(),
            normalized: m.normalized,
            pref_code: m.municipality_code.get(..2).unwrap_or_default().to_owned(),
            prefecture: m.municipality_code.get(..2).and_then(prefecture_name).unwrap_or_default(),
            municipality_code: m.municipality_code,
            municipality_name: m.municipality_name,
            town: m.town,
            koaza: m.koaza,
            score: (m.score * 1000.0).round() / 1000.0,
        }
    }
}

/// The answer of /api/geocode.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GeocodeResponse {
    /// The query as given.
    pub query: String,
    /// Best first; empty when nothing matches.
    pub candidates: Vec<GeocodeCandidate>,
}

/// Where an address is, at town (大字・町丁目) precision: candidates best first, for a whole address
/// or for the start of one (autocomplete). Tolerant of how addresses are written: 全角/半角,
/// 丁目 as kanji, digits or a dash (三丁目, 3丁目, 3-), 番地/号, ヶ/ケ/が, 大字/字, and a missing
/// prefecture or 郡. An address that names its prefecture is looked up there; one that does not,
/// in every prefecture of the registry (best first; several when a municipality name exists in
/// more than one). Prefectures without town points (大字・町丁目) answer at municipality precision.
/// Addresses of a prefecture the registry does not hold find nothing.
#[utoipa::path(
    get,
    path = "/api/geocode",
    tag = "registry",
    params(
        ("q" = String, Query, description = "An address or the start of one, e.g. 熊本市中央区水前寺6-18-1"),
        ("limit" = Option<usize>, Query, description = "Most candidates, 1..20 (default 5)"),
    ),
    responses(
        (status = 200, body = GeocodeResponse),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn geocode(
    State(state): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Json<GeocodeResponse>, Problem> {
    let params = Params::new(pairs, &["q", "limit"])?;
    let query = params.string("q").ok_or_else(|| {
        Problem::invalid_parameter(
            "q",
            "parameter 'q' is required",
            "an address, e.g. 熊本市中央区水前寺6-18-1",
        )
    })?;
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(Problem::invalid_parameter(
            "q",
            format!("the query is longer than {MAX_QUERY_CHARS} characters"),
            format!("at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    let limit = params.usize_in("limit", 1, 20, 5)?;
    let atlas = state.atlas.load();
    let candidates = atlas.geocode_candidates(query, limit).into_iter().map(GeocodeCandidate::from).collect();
    Ok(Json(GeocodeResponse { query: query.to_owned(), candidates }))
}
