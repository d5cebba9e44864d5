//! Coverage endpoints: per-area coverage of a provider set (JSON or CSV).

use crate::analysis::snapshot;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::params::Params;
use super::params::{INCLUDE_STALE_DOC, NEEDS_DOC, PREFECTURE_DOC};
use super::problem::Problem;
use crate::analysis::coverage::{AreaCoverage, Coverage, CoverageParams};
use crate::model::PrefectureSet;

/// Default radius: the 16 km insured home-visit limit.
pub const DEFAULT_RADIUS_KM: f64 = 16.0;

/// The parameters as the response echoes them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoverageParamsView {
    /// Provider kind, when restricted.
    pub kind: Option<&'static str>,
    /// Required needs (capabilities, services, opioid products).
    pub needs: Vec<String>,
    /// Whether stock entries older than 30 days counted.
    pub include_stale: bool,
    /// Radius in km.
    pub radius_km: f64,
    /// Providers required within the radius.
    pub min_providers: usize,
    /// The prefectures asked for (`11,43`); absent for the whole registry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefecture: Option<String>,
}

/// The coverage table.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoverageResponse {
    /// The parameters used.
    pub params: CoverageParamsView,
    /// Registry version of the snapshot the numbers come from.
    pub registry_version: i64,
    /// One row per secondary medical area (of the prefectures asked for).
    #[schema(value_type = Vec<Object>)]
    pub areas: Vec<AreaCoverage>,
    /// The areas together: every cell and every provider of the set in the registry, or with
    /// `prefecture=` exactly those of the prefectures asked for (providers outside still cover
    /// their cells); the census population is that of the areas listed.
    #[schema(value_type = Object)]
    pub total: AreaCoverage,
}

/// The query parameters [`coverage_params`] reads.
pub(crate) const COVERAGE_PARAMS: [&str; 5] =
    ["kind", "needs", "include_stale", "radius_km", "min_providers"];

/// Reads kind, needs, include_stale, radius_km and min_providers.
pub(crate) fn coverage_params(params: &Params) -> Result<CoverageParams, Problem> {
    Ok(CoverageParams {
        providers: params.providers()?,
        radius_m: params.optional_f64_in("radius_km", 0.1, 200.0)?.unwrap_or(DEFAULT_RADIUS_KM) * 1000.0,
        min_providers: params.usize_in("min_providers", 1, 20, 1)?,
    })
}

pub(super) fn params_view(p: &CoverageParams) -> CoverageParamsView {
    CoverageParamsView {
        kind: p.providers.kind.map(|k| k.as_str()),
        needs: p.providers.needs.to_strings(),
        include_stale: p.providers.include_stale,
        radius_km: p.radius_m / 1000.0,
        min_providers: p.min_providers,
        prefecture: None,
    }
}

/// Coverage of each secondary medical area (二次医療圏) by a provider set: for every populated 500 m
/// census cell, whether at least `min_providers` providers of the set lie within `radius_km`
/// (geodesic distance on the WGS84 ellipsoid from the cell centre; default 16 km, the insured
/// home-visit limit; providers in other areas count too). Per area: mesh population and the 2020
/// census population, covered population and share, the same for 65+, providers located in the area
/// and per 100,000 (census) population, uncovered cells, and the population-weighted median, 90th
/// percentile and maximum distance to the nearest provider (metres). `population_complete` is false
/// when the imported mesh does not cover the whole area (an area without any mesh has null shares,
/// never 0 %). `prefecture=` lists only those prefectures' areas, with a total over exactly their
/// cells and providers. `format=csv` returns the same table as CSV (UTF-8 with BOM, Japanese
/// headers) for Excel.
#[utoipa::path(
    get,
    path = "/api/coverage",
    tag = "analysis",
    params(
        ("kind" = Option<String>, Query, description = "Provider kind"),
        ("needs" = Option<String>, Query, description = NEEDS_DOC),
        ("include_stale" = Option<bool>, Query, description = INCLUDE_STALE_DOC),
        ("radius_km" = Option<f64>, Query, description = "Reach in km, 0.1..200 (default 16)"),
        ("min_providers" = Option<usize>, Query, description = "Providers required within the radius, 1..20 (default 1)"),
        ("prefecture" = Option<String>, Query, description = PREFECTURE_DOC),
        ("format" = Option<String>, Query, description = "json (default) or csv"),
    ),
    responses(
        (status = 200, body = CoverageResponse, description = "JSON, or text/csv with format=csv"),
        (status = 400, body = super::problem::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn coverage(
    State(state): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    let params = Params::new(pairs, &[&COVERAGE_PARAMS[..], &["prefecture", "format"]].concat())?;
    let csv = match params.string("format") {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(Problem::invalid_parameter(
                "format",
                format!("unknown format '{other}'"),
                "json, csv",
            ));
        }
    };
    let p = coverage_params(&params)?;
    let atlas = state.atlas.load();
    let prefectures = params.prefectures("prefecture", atlas.prefectures())?;
    // The computation takes tens of milliseconds on a cold cache: keep it off the async workers.
    let (table, atlas, p) = tokio::task::spawn_blocking(move || {
        let table = match prefectures {
            None => {
                let coverage = snapshot::coverage(&atlas, &p);
                (coverage.areas.clone(), coverage.total.clone())
            }
            Some(set) => {
                let table = snapshot::coverage_in(&atlas, &p, set);
                (table.areas.clone(), table.total.clone())
            }
        };
        (table, atlas, p)
    })
    .await
    .map_err(|e| Problem::internal(format!("coverage computation failed: {e}")))?;
    let (areas, total) = table;
    if csv {
        return Ok(csv_response(&areas, &total, &p, prefectures));
    }
    let mut view = params_view(&p);
    view.prefecture = prefectures.map(PrefectureSet::to_param);
    Ok(Json(CoverageResponse { params: view, registry_version: atlas.version(), areas, total })
        .into_response())
}

/// The coverage table as CSV: UTF-8 with a BOM (so Excel reads it as UTF-8), Japanese headers.
pub fn coverage_csv(coverage: &Coverage) -> String {
    coverage_table_csv(&coverage.areas, &coverage.total)
}

/// Rows and their total as [`coverage_csv`] writes them.
pub fn coverage_table_csv(areas: &[AreaCoverage], total: &AreaCoverage) -> String {
    let mut out = String::from("\u{feff}");
    let header = [
        "二次医療圏コード",
        "二次医療圏",
        "人口（メッシュ）",
        "人口（令和2年国勢調査）",
        "カバー人口",
        "カバー率",
        "65歳以上人口",
        "カバー65歳以上人口",
        "65歳以上カバー率",
        "提供者数",
        "人口10万対提供者数",
        "未カバーセル数",
        "最寄り距離 中央値(m)",
        "最寄り距離 90パーセンタイル(m)",
        "最寄り距離 最大(m)",
        "人口データ完全",
    ];
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = writer.write_record(header);
    let opt = |v: Option<f64>, digits: usize| v.map_or(String::new(), |v| format!("{v:.digits$}"));
    for row in areas.iter().chain(std::iter::once(total)) {
        let _ = writer.write_record([
            row.code.clone(),
            row.name.clone(),
            row.population.to_string(),
            row.census_population.map_or(String::new(), |p| p.to_string()),
            row.covered_population.to_string(),
            opt(row.covered_share, 4),
            row.population_65plus.to_string(),
            row.covered_65plus.to_string(),
            opt(row.covered_65plus_share, 4),
            row.providers.to_string(),
            opt(row.providers_per_100k, 2),
            row.uncovered_cells.to_string(),
            opt(row.distance_p50_m, 0),
            opt(row.distance_p90_m, 0),
            opt(row.distance_max_m, 0),
            row.population_complete.map_or(String::new(), |c| if c { "はい" } else { "いいえ" }.to_owned()),
        ]);
    }
    out.push_str(&String::from_utf8_lossy(&writer.into_inner().unwrap_or_default()));
    out
}

fn csv_response(
    areas: &[AreaCoverage],
    total: &AreaCoverage,
    p: &CoverageParams,
    prefectures: Option<PrefectureSet>,
) -> Response {
    let mut response = coverage_table_csv(areas, total).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    let filename = format!(
        "coverage-{}-{}km-{}{}.csv",
        p.providers.kind.map_or("all", |k| k.as_str()),
        p.radius_m / 1000.0,
        p.min_providers,
        prefectures.map_or(String::new(), |set| format!("-{}", set.codes().collect::<Vec<_>>().join("_")))
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
