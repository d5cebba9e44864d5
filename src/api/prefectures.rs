//! `GET /api/prefectures`: the prefectures (都道府県) the registry holds, for the map's prefecture
//! selector and for clients choosing a `prefecture=` filter.

use axum::Json;
use axum::extract::{Query, State};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::dto::{KindCounts, kind_counts};
use super::params::Params;
use super::problem::Problem;
use crate::atlas::PrefectureSummary;

/// The middle of `[min_lon, min_lat, max_lon, max_lat]`, as `[lon, lat]`.
pub fn center(bounds: [f64; 4]) -> [f64; 2] {
    [(bounds[0] + bounds[2]) / 2.0, (bounds[1] + bounds[3]) / 2.0]
}

/// One imported prefecture.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PrefectureView {
    /// 2-digit JIS X 0401 code, as `prefecture=` takes it.
    #[schema(example = "43")]
    pub code: String,
    /// Name, e.g. 熊本県.
    pub name: &'static str,
    /// English name, e.g. Kumamoto.
    pub name_en: &'static str,
    /// `[min_lon, min_lat, max_lon, max_lat]` of its secondary medical areas.
    pub bounds: Option<[f64; 4]>,
    /// `[lon, lat]`, the middle of `bounds`.
    pub center: Option<[f64; 2]>,
    /// Secondary medical areas (二次医療圏).
    pub areas: usize,
    /// Of them, those whose 500 m mesh population is complete; the others have no (or a partial)
    /// covered share in /api/coverage.
    pub areas_with_complete_population: usize,
    /// Facilities by kind.
    #[schema(value_type = Object)]
    pub facilities: KindCounts,
    /// Facilities in all.
    pub facilities_total: usize,
    /// Whether any facility has a capability (施設基準 filings such as home-care support, or a
    /// cancer hub designation); without them, filters by capability find nothing there.
    pub capabilities: bool,
    /// 2020 census population of its areas.
    pub population: Option<u64>,
    /// Population of its 500 m census cells (0 when no mesh data was imported for it).
    pub mesh_population: u64,
    /// Its populated 500 m cells.
    pub cells: usize,
}

impl From<&PrefectureSummary> for PrefectureView {
    fn from(s: &PrefectureSummary) -> Self {
        PrefectureView {
            code: s.code.clone(),
            name: s.name,
            name_en: s.name_en,
            bounds: s.bounds,
            center: s.bounds.map(center),
            areas: s.areas,
            areas_with_complete_population: s.areas_with_complete_population,
            facilities: kind_counts(s.facilities),
            facilities_total: s.facilities.iter().sum(),
            capabilities: s.has_capabilities,
            population: s.population,
            mesh_population: s.mesh_population,
            cells: s.cells,
        }
    }
}

/// The answer of /api/prefectures.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PrefecturesResponse {
    /// Registry version of the snapshot.
    pub registry_version: i64,
    /// `[min_lon, min_lat, max_lon, max_lat]` of every imported prefecture.
    pub bounds: Option<[f64; 4]>,
    /// `[lon, lat]`, the middle of `bounds`.
    pub center: Option<[f64; 2]>,
    /// The imported prefectures, by code.
    pub prefectures: Vec<PrefectureView>,
}

/// The prefectures the registry holds, by code: name (Japanese and English), the bounds and centre
/// of their secondary medical areas, counts of areas (and of areas with complete 500 m mesh
/// population), facilities by kind, whether 施設基準 capabilities exist, and census and mesh
/// population; with the bounds of them all.
#[utoipa::path(
    get,
    path = "/api/prefectures",
    tag = "registry",
    responses(
        (status = 200, body = PrefecturesResponse),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn prefectures(
    State(state): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Json<PrefecturesResponse>, Problem> {
    Params::new(pairs, &[])?;
    let atlas = state.atlas.load();
    // Gathering the summaries of a new snapshot walks every area outline once: not on the async
    // workers.
    let response = tokio::task::spawn_blocking(move || {
        let bounds = atlas.bounds(None);
        PrefecturesResponse {
            registry_version: atlas.version(),
            bounds,
            center: bounds.map(center),
            prefectures: atlas.prefecture_summaries().iter().map(PrefectureView::from).collect(),
        }
    })
    .await
    .map_err(|e| Problem::internal(format!("prefectures failed: {e}")))?;
    Ok(Json(response))
}
