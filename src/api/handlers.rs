//! The HTTP handlers of the registry API.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::AppState;
use super::dto::HOME_VISIT_LIMIT_M;
use super::dto::{
    AreaView, FacilityView, Health, NearestResponse, NearestResult, Origin, SourceView, kind_counts,
};
use super::params::{INCLUDE_STALE_DOC, NEEDS_DOC, PREFECTURE_DOC, Params};
use super::problem::Problem;
use crate::atlas::{FacilityFilter, StockCriteria, now_unix};
use crate::model::{Area, Facility};
use crate::spatial::NearestQuery;

type Pairs = Query<Vec<(String, String)>>;

/// Liveness and the snapshot served.
#[utoipa::path(get, path = "/healthz", tag = "meta", responses((status = 200, body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> Json<Health> {
    let atlas = state.atlas.load();
    Json(Health { status: "ok", registry_version: atlas.version(), facilities: atlas.facilities().len() })
}

/// The nearest facilities to a point, by geodesic distance on the WGS84 ellipsoid (Karney), with the
/// kind, capability, opioid-stock and pharmacy-service filters applied inside the search (so `k`
/// results are returned whenever `k` matching facilities exist). `within_home_visit_limit` marks
/// home-care-support providers within the 16 km insured home-visit limit. Pharmacies carry their
/// registered `stock` (products in stock or orderable, services, freshness).
#[utoipa::path(
    get,
    path = "/api/nearest",
    tag = "registry",
    params(
        ("lat" = f64, Query, description = "Latitude of the patient's home, -90..90"),
        ("lon" = f64, Query, description = "Longitude, -180..180"),
        ("kind" = Option<String>, Query, description = "hospital, clinic, dental, pharmacy, visiting_nurse, salon, peer_support"),
        ("needs" = Option<String>, Query, description = NEEDS_DOC),
        ("include_stale" = Option<bool>, Query, description = INCLUDE_STALE_DOC),
        ("k" = Option<usize>, Query, description = "Number of results, 1..100 (default 5)"),
        ("max_km" = Option<f64>, Query, description = "Only within this distance (km), 0..20000"),
    ),
    responses(
        (status = 200, body = NearestResponse),
        (status = 400, description = "A parameter is missing, malformed or out of range", body = super::problem::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn nearest(
    State(state): State<AppState>,
    Query(pairs): Pairs,
) -> Result<Json<NearestResponse>, Problem> {
    let params = Params::new(pairs, &["lat", "lon", "kind", "needs", "include_stale", "k", "max_km"])?;
    let lat = params.f64_in("lat", -90.0, 90.0)?;
    let lon = params.f64_in("lon", -180.0, 180.0)?;
    let providers = params.providers()?;
    let query = NearestQuery {
        lat,
        lon,
        kind: providers.kind,
        needs: providers.needs.capabilities,
        k: params.usize_in("k", 1, 100, 5)?,
        max_m: params.optional_f64_in("max_km", 0.0, 20_000.0)?.map(|km| km * 1000.0),
    };
    let now = now_unix();
    let criteria =
        StockCriteria { needs: &providers.needs, include_stale: providers.include_stale, now_unix: now };
    let atlas = state.atlas.load();
    let results = atlas
        .nearest_stocked(&query, &criteria)
        .into_iter()
        .map(|(f, d)| NearestResult::new(f, d).with_stock(atlas.stock_of(&f.id.0), now))
        .collect();
    Ok(Json(NearestResponse { origin: Origin { lat, lon }, home_visit_limit_m: HOME_VISIT_LIMIT_M, results }))
}

/// A GeoJSON Feature of a facility (RFC 7946).
#[derive(Serialize)]
struct FacilityFeature {
    #[serde(rename = "type")]
    feature_type: &'static str,
    id: String,
    geometry: PointGeometry,
    properties: FacilityView,
}

#[derive(Serialize)]
struct PointGeometry {
    #[serde(rename = "type")]
    geometry_type: &'static str,
    coordinates: [f64; 2],
}

impl From<&Facility> for FacilityFeature {
    fn from(f: &Facility) -> Self {
        FacilityFeature {
            feature_type: "Feature",
            id: f.id.0.clone(),
            geometry: PointGeometry { geometry_type: "Point", coordinates: [f.location.lon, f.location.lat] },
            properties: FacilityView::from(f),
        }
    }
}

#[derive(Serialize)]
struct FeatureCollection<F> {
    #[serde(rename = "type")]
    collection_type: &'static str,
    features: Vec<F>,
}

/// A JSON body served as `application/geo+json`.
pub(super) fn geojson_response<T: Serialize>(body: &T) -> Response {
    let mut response = Json(body).into_response();
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/geo+json"),
    );
    response
}

/// Facilities as a GeoJSON FeatureCollection (RFC 7946), filtered by kind, capabilities (all
/// required), secondary medical area, bounding box and prefecture. Properties are those of a
/// nearest result without the distance.
#[utoipa::path(
    get,
    path = "/api/facilities",
    tag = "registry",
    params(
        ("kind" = Option<String>, Query, description = "Facility kind"),
        ("needs" = Option<String>, Query, description = NEEDS_DOC),
        ("include_stale" = Option<bool>, Query, description = INCLUDE_STALE_DOC),
        ("area" = Option<String>, Query, description = "Secondary medical area code, e.g. 4312"),
        ("bbox" = Option<String>, Query, description = "min_lon,min_lat,max_lon,max_lat"),
        ("prefecture" = Option<String>, Query, description = PREFECTURE_DOC),
    ),
    responses(
        (status = 200, description = "GeoJSON FeatureCollection of Point features", content_type = "application/geo+json"),
        (status = 400, body = super::problem::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn facilities(State(state): State<AppState>, Query(pairs): Pairs) -> Result<Response, Problem> {
    let params = Params::new(pairs, &["kind", "needs", "include_stale", "area", "bbox", "prefecture"])?;
    let atlas = state.atlas.load();
    let prefectures = params.prefectures("prefecture", atlas.prefectures())?;
    let area = params.string("area").map(str::to_owned);
    if let Some(code) = &area
        && !atlas.areas().iter().any(|a| &a.code == code)
    {
        let codes: Vec<&str> = atlas.areas().iter().map(|a| a.code.as_str()).collect();
        return Err(Problem::invalid_parameter("area", format!("unknown area '{code}'"), codes.join(", ")));
    }
    let providers = params.providers()?;
    let filter = FacilityFilter {
        kind: providers.kind,
        needs: providers.needs,
        include_stale: providers.include_stale,
        area,
        bbox: params.bbox("bbox")?,
        prefectures,
    };
    let features: Vec<FacilityFeature> = atlas.filter(&filter).map(FacilityFeature::from).collect();
    Ok(geojson_response(&FeatureCollection { collection_type: "FeatureCollection", features }))
}

/// One facility as a GeoJSON Feature.
#[utoipa::path(
    get,
    path = "/api/facilities/{id}",
    tag = "registry",
    params(("id" = String, Path, description = "Facility id, e.g. mhlw-431143310114")),
    responses(
        (status = 200, description = "GeoJSON Feature", content_type = "application/geo+json"),
        (status = 404, body = super::problem::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn facility(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, Problem> {
    let atlas = state.atlas.load();
    let facility =
        atlas.facility(&id).ok_or_else(|| Problem::not_found(format!("no facility with id '{id}'")))?;
    Ok(geojson_response(&FacilityFeature::from(facility)))
}

#[derive(Serialize)]
struct AreaFeature {
    #[serde(rename = "type")]
    feature_type: &'static str,
    id: String,
    geometry: Option<geojson::Geometry>,
    properties: AreaView,
}

fn area_view(area: &Area, counts: [usize; crate::model::FacilityKind::ALL.len()]) -> AreaView {
    AreaView {
        code: area.code.clone(),
        name: area.name.clone(),
        pref_code: area.pref_code.clone(),
        population: area.population,
        population_65plus: area.population_65plus,
        municipality_codes: area.municipality_codes.clone(),
        facility_counts: kind_counts(counts),
    }
}

/// The secondary medical areas (二次医療圏) with 2020 census population, 65+ population and facility
/// counts by kind, as a GeoJSON FeatureCollection whose geometry is null unless `geometry=true`;
/// those of some prefectures with `prefecture=`.
#[utoipa::path(
    get,
    path = "/api/areas",
    tag = "registry",
    params(
        ("geometry" = Option<bool>, Query, description = "Include the area polygons (union of member municipalities)"),
        ("prefecture" = Option<String>, Query, description = PREFECTURE_DOC),
    ),
    responses(
        (status = 200, description = "GeoJSON FeatureCollection; properties are AreaView", body = Vec<AreaView>, content_type = "application/geo+json"),
        (status = 400, body = super::problem::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn areas(State(state): State<AppState>, Query(pairs): Pairs) -> Result<Response, Problem> {
    let params = Params::new(pairs, &["geometry", "prefecture"])?;
    let with_geometry = params.bool("geometry")?;
    let atlas = state.atlas.load();
    let prefectures = params.prefectures("prefecture", atlas.prefectures())?;
    let features: Vec<AreaFeature> = atlas
        .areas()
        .iter()
        .filter(|a| prefectures.is_none_or(|p| p.contains_code(&a.pref_code)))
        .map(|a| AreaFeature {
            feature_type: "Feature",
            id: a.code.clone(),
            geometry: with_geometry
                .then(|| geojson::Geometry::new(geojson::GeometryValue::from(&a.geometry))),
            properties: area_view(a, atlas.facility_counts(&a.code)),
        })
        .collect();
    Ok(geojson_response(&FeatureCollection { collection_type: "FeatureCollection", features }))
}

/// The data sources with their licences and the credits the map must show.
#[utoipa::path(get, path = "/api/sources", tag = "meta", responses((status = 200, body = Vec<SourceView>)))]
pub async fn sources(State(state): State<AppState>) -> Json<Vec<SourceView>> {
    let atlas = state.atlas.load();
    Json(
        atlas
            .sources()
            .iter()
            .map(|s| SourceView {
                id: s.id.clone(),
                title: s.title.clone(),
                publisher: s.publisher.clone(),
                url: s.url.clone(),
                licence: s.licence.clone(),
                attribution: s.attribution.clone(),
                as_of: s.as_of.clone(),
                read: s.read,
                accepted: s.accepted,
                rejected: s.rejected,
            })
            .collect(),
    )
}
