//! Gap regions and accessibility (E2SFCA) endpoints.

use crate::analysis::snapshot;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::coverage::{COVERAGE_PARAMS, CoverageParamsView, coverage_params, params_view};
use super::params::{INCLUDE_STALE_DOC, NEEDS_DOC, PREFECTURE_DOC, Params};
use super::problem::Problem;
use crate::analysis::access::Decay;
use crate::analysis::area_access::{AccessParams, AreaAccess, DemandMeasure, SupplyMeasure};
use crate::analysis::gaps::{CellValue, merge_cells};
use crate::model::Capability;
use crate::spatial::mesh::MeshCode;

#[derive(Serialize)]
struct GapFeature {
    #[serde(rename = "type")]
    feature_type: &'static str,
    geometry: geojson::Geometry,
    properties: GapProperties,
}

#[derive(Serialize)]
struct GapProperties {
    area_code: String,
    cells: usize,
    population: u64,
    population_65plus: u64,
}

#[derive(Serialize)]
struct GapCollection {
    #[serde(rename = "type")]
    collection_type: &'static str,
    params: CoverageParamsView,
    area_code: String,
    registry_version: i64,
    features: Vec<GapFeature>,
}

/// The populated 500 m cells of one area that the provider set does not cover (same parameters and
/// rule as /api/coverage), merged into polygons of edge-connected cells, as a GeoJSON
/// FeatureCollection; each feature carries its population and 65+ population. With `prefecture=`,
/// the area must lie in one of those prefectures.
#[utoipa::path(
    get,
    path = "/api/areas/{code}/gaps",
    tag = "analysis",
    params(
        ("code" = String, Path, description = "Secondary medical area code, e.g. 4310"),
        ("kind" = Option<String>, Query, description = "Provider kind"),
        ("needs" = Option<String>, Query, description = NEEDS_DOC),
        ("include_stale" = Option<bool>, Query, description = INCLUDE_STALE_DOC),
        ("radius_km" = Option<f64>, Query, description = "Reach in km, 0.1..200 (default 16)"),
        ("min_providers" = Option<usize>, Query, description = "Providers required within the radius, 1..20 (default 1)"),
        ("prefecture" = Option<String>, Query, description = PREFECTURE_DOC),
    ),
    responses(
        (status = 200, description = "GeoJSON FeatureCollection of Polygon features", content_type = "application/geo+json"),
        (status = 400, body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 404, body = super::problem::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn gaps(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    let params = Params::new(pairs, &[&COVERAGE_PARAMS[..], &["prefecture"]].concat())?;
    let p = coverage_params(&params)?;
    let atlas = state.atlas.load();
    let prefectures = params.prefectures("prefecture", atlas.prefectures())?;
    let Some(area) = atlas.areas().iter().find(|a| a.code == code) else {
        return Err(Problem::not_found(format!("no secondary medical area with code '{code}'")));
    };
    if let Some(set) = prefectures
        && !set.contains_code(&area.pref_code)
    {
        return Err(Problem::invalid_parameter(
            "prefecture",
            format!(
                "area {code} {} lies in prefecture {}, not in {}",
                area.name,
                area.pref_code,
                set.to_param()
            ),
            format!("{} (the area's prefecture), or no prefecture", area.pref_code),
        ));
    }
    let mut view = params_view(&p);
    view.prefecture = prefectures.map(crate::model::PrefectureSet::to_param);
    let (regions, atlas) = tokio::task::spawn_blocking(move || {
        let coverage = snapshot::coverage(&atlas, &p);
        let uncovered: Vec<(MeshCode, CellValue)> = atlas
            .cells()
            .iter()
            .zip(&coverage.cells)
            .filter(|(cell, result)| cell.area_code.as_deref() == Some(code.as_str()) && !result.covered)
            .filter_map(|(cell, _)| {
                let mesh = cell.code.parse::<MeshCode>().ok()?;
                Some((
                    mesh,
                    CellValue { population: cell.population, population_65plus: cell.population_65plus },
                ))
            })
            .collect();
        ((merge_cells(&uncovered), code), atlas)
    })
    .await
    .map_err(|e| Problem::internal(format!("gap computation failed: {e}")))?;
    let (regions, code) = regions;
    let features = regions
        .into_iter()
        .map(|r| GapFeature {
            feature_type: "Feature",
            geometry: geojson::Geometry::new(geojson::GeometryValue::from(&r.geometry)),
            properties: GapProperties {
                area_code: code.clone(),
                cells: r.cells,
                population: r.population,
                population_65plus: r.population_65plus,
            },
        })
        .collect();
    let body = GapCollection {
        collection_type: "FeatureCollection",
        params: view,
        area_code: code,
        registry_version: atlas.version(),
        features,
    };
    Ok(super::handlers::geojson_response(&body))
}

/// One cell's score.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CellScore {
    /// 500 m mesh code.
    pub code: String,
    /// Cell centre latitude.
    pub lat: f64,
    /// Cell centre longitude.
    pub lon: f64,
    /// Demand population of the cell.
    pub population: u32,
    /// Secondary medical area.
    pub area_code: Option<String>,
    /// E2SFCA score, per 100,000 people.
    pub score: f64,
}

/// The answer of /api/access.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccessResponse {
    /// Parameters used.
    #[schema(value_type = Object)]
    pub params: serde_json::Value,
    /// What the scores measure.
    pub units: &'static str,
    /// Registry version of the snapshot.
    pub registry_version: i64,
    /// Providers in the set (in the prefectures asked for).
    pub providers: usize,
    /// Providers that supply nothing (no ward bed count filed), with supply=beds.
    pub providers_without_supply: usize,
    /// Per area: population-weighted mean, min, max and Gini of the cell scores.
    #[schema(value_type = Vec<Object>)]
    pub areas: Vec<AreaAccess>,
    /// Every cell of the registry, or with `prefecture=` exactly the cells of those prefectures.
    #[schema(value_type = Object)]
    pub total: AreaAccess,
    /// Per cell (of the prefectures asked for), with cells=true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cells: Option<Vec<CellScore>>,
}

/// Spatial accessibility by the enhanced two-step floating catchment area method (E2SFCA, Luo & Qi
/// 2009). Step 1, for each provider j: R_j = S_j / Σ_{k: d_kj ≤ d0} P_k·W(d_kj). Step 2, for each
/// 500 m cell i: A_i = Σ_{j: d_ij ≤ d0} R_j·W(d_ij). d = geodesic distance (metres, WGS84) between the
/// cell centre and the provider; d0 = `catchment_km`; P_k = the cell's population (`population=total`,
/// `65plus` or `75plus`); S_j = 1 per provider (`supply=providers`) or the palliative-care ward beds
/// of the provider (`supply=beds`, requires needs to include palliative_ward). W: `decay=step`
/// (default) weighs 1.00 / 0.68 / 0.22 for the inner, middle and outer third of the catchment;
/// `decay=gaussian` uses W(d) = exp(ln(0.01)·(d/d0)²), 1 at the provider and 0.01 at the edge; W = 0
/// beyond d0. Scores are reported as supply per 100,000 people (providers or beds per 100,000
/// within reach, distance-weighted). Per area: population-weighted mean, min and max over populated
/// cells, and the population-weighted Gini coefficient (0 = everyone has the same score).
/// Scores are computed over the whole registry (supply and demand cross prefecture borders);
/// `prefecture=` lists only those prefectures' areas and cells, with a total over exactly their
/// cells and their providers counted.
#[utoipa::path(
    get,
    path = "/api/access",
    tag = "analysis",
    params(
        ("kind" = Option<String>, Query, description = "Provider kind"),
        ("needs" = Option<String>, Query, description = NEEDS_DOC),
        ("include_stale" = Option<bool>, Query, description = INCLUDE_STALE_DOC),
        ("catchment_km" = Option<f64>, Query, description = "Catchment d0 in km, 0.5..200 (default 16)"),
        ("decay" = Option<String>, Query, description = "step (default) or gaussian"),
        ("supply" = Option<String>, Query, description = "providers (default) or beds"),
        ("population" = Option<String>, Query, description = "total (default), 65plus or 75plus"),
        ("cells" = Option<bool>, Query, description = "Include the per-cell scores"),
        ("prefecture" = Option<String>, Query, description = PREFECTURE_DOC),
    ),
    responses(
        (status = 200, body = AccessResponse),
        (status = 400, body = super::problem::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn access(
    State(state): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Json<AccessResponse>, Problem> {
    let params = Params::new(
        pairs,
        &[
            "kind",
            "needs",
            "include_stale",
            "catchment_km",
            "decay",
            "supply",
            "population",
            "cells",
            "prefecture",
        ],
    )?;
    let providers = params.providers()?;
    let catchment_km = params.optional_f64_in("catchment_km", 0.5, 200.0)?.unwrap_or(16.0);
    let decay = match params.string("decay") {
        None | Some("step") => Decay::default_step(),
        Some("gaussian") => Decay::Gaussian,
        Some(other) => {
            return Err(Problem::invalid_parameter(
                "decay",
                format!("unknown decay '{other}'"),
                "step, gaussian",
            ));
        }
    };
    let supply = match params.string("supply") {
        None | Some("providers") => SupplyMeasure::Providers,
        Some("beds") if providers.needs.capabilities.contains(Capability::PalliativeWard) => {
            SupplyMeasure::WardBeds
        }
        Some("beds") => {
            return Err(Problem::invalid_parameter(
                "supply",
                "supply=beds counts palliative-care ward beds: add needs=palliative_ward",
                "providers; beds (with needs including palliative_ward)",
            ));
        }
        Some(other) => {
            return Err(Problem::invalid_parameter(
                "supply",
                format!("unknown supply '{other}'"),
                "providers, beds",
            ));
        }
    };
    let demand = match params.string("population") {
        None | Some("total") => DemandMeasure::Total,
        Some("65plus") => DemandMeasure::Age65,
        Some("75plus") => DemandMeasure::Age75,
        Some(other) => {
            return Err(Problem::invalid_parameter(
                "population",
                format!("unknown population '{other}'"),
                "total, 65plus, 75plus",
            ));
        }
    };
    let with_cells = params.bool("cells")?;
    let p = AccessParams {
        providers: providers.clone(),
        catchment_m: catchment_km * 1000.0,
        decay,
        supply,
        demand,
    };
    let atlas = state.atlas.load();
    let prefectures = params.prefectures("prefecture", atlas.prefectures())?;
    let (result, table, atlas) = tokio::task::spawn_blocking(move || {
        let table = prefectures.map(|set| snapshot::access_in(&atlas, &p, set));
        (snapshot::access(&atlas, &p), table, atlas)
    })
    .await
    .map_err(|e| Problem::internal(format!("accessibility computation failed: {e}")))?;
    let result = result.as_ref().as_ref().map_err(|e| Problem::internal(format!("accessibility: {e}")))?;
    let (areas, total, provider_count, without_supply) = match &table {
        None => {
            (result.areas.clone(), result.total.clone(), result.providers, result.providers_without_supply)
        }
        Some(table) => {
            let t = table.as_ref().as_ref().map_err(|e| Problem::internal(format!("accessibility: {e}")))?;
            (t.areas.clone(), t.total.clone(), t.providers, t.providers_without_supply)
        }
    };
    let cells = with_cells.then(|| {
        atlas
            .cells()
            .iter()
            .zip(&result.cell_scores)
            .enumerate()
            .filter(|(i, _)| prefectures.is_none_or(|set| atlas.cell_in(*i, set)))
            .map(|(_, (c, score))| CellScore {
                code: c.code.clone(),
                lat: c.lat,
                lon: c.lon,
                population: match demand {
                    DemandMeasure::Total => c.population,
                    DemandMeasure::Age65 => c.population_65plus,
                    DemandMeasure::Age75 => c.population_75plus,
                },
                area_code: c.area_code.clone(),
                score: *score,
            })
            .collect()
    });
    let view = params_view(&crate::analysis::coverage::CoverageParams {
        providers,
        radius_m: catchment_km * 1000.0,
        min_providers: 1,
    });
    Ok(Json(AccessResponse {
        params: serde_json::json!({
            "kind": view.kind,
            "needs": view.needs,
            "include_stale": view.include_stale,
            "catchment_km": catchment_km,
            "decay": params.string("decay").unwrap_or("step"),
            "supply": params.string("supply").unwrap_or("providers"),
            "population": params.string("population").unwrap_or("total"),
            "prefecture": prefectures.map(crate::model::PrefectureSet::to_param),
        }),
        units: if supply == SupplyMeasure::WardBeds {
            "palliative-care ward beds per 100,000 people within reach (distance-weighted)"
        } else {
            "providers per 100,000 people within reach (distance-weighted)"
        },
        registry_version: atlas.version(),
        providers: provider_count,
        providers_without_supply: without_supply,
        areas,
        total,
        cells,
    }))
}
