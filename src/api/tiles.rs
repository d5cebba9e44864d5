//! Vector tile endpoints: `/tiles/{layer}/{z}/{x}/{y}.mvt` (Mapbox Vector Tile 2.1) and
//! `/tiles/{layer}.json` (TileJSON 3.0.0). Tiles are rendered once per snapshot and parameter set,
//! stored gzipped with a strong ETag, and served with `Cache-Control: public, max-age=60` (a
//! snapshot changes on import and stock writes, so clients revalidate after a minute).

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::AppState;
use super::coverage::coverage_params;
use super::params::Params;
use super::problem::Problem;
use crate::analysis::coverage::CoverageParams;
use crate::model::PrefectureSet;
use crate::tiles::cache::EncodedTile;
use crate::tiles::layer::{TileLayer, TileRequest};
use crate::tiles::math::{MAX_ZOOM, TileId};

/// The media type of a vector tile.
pub const MVT_CONTENT_TYPE: &str = "application/vnd.mapbox-vector-tile";

/// How long clients may reuse a tile without asking again.
const CACHE_CONTROL: &str = "public, max-age=60";

type Pairs = Query<Vec<(String, String)>>;

fn layer_names() -> String {
    TileLayer::ALL.map(TileLayer::name).join(", ")
}

fn layer(name: &str) -> Result<TileLayer, Problem> {
    TileLayer::from_name(name)
        .ok_or_else(|| Problem::not_found(format!("no tile layer '{name}'; layers: {}", layer_names())))
}

/// The layer's query parameters: unknown ones are rejected; kind, needs, radius_km and
/// min_providers mean what they mean for /api/coverage (absent ones take its defaults), prefecture
/// restricts the features to prefectures of the registry (`imported`). A selection of every
/// imported prefecture is no restriction (and shares its tiles).
fn layer_params(
    layer: TileLayer,
    pairs: Vec<(String, String)>,
    imported: PrefectureSet,
) -> Result<(CoverageParams, Option<PrefectureSet>), Problem> {
    let params = Params::new(pairs, layer.parameters())?;
    let prefectures = params.prefectures("prefecture", imported)?.filter(|p| *p != imported);
    Ok((coverage_params(&params)?, prefectures))
}

fn whole_number(name: &str, raw: &str) -> Result<u64, Problem> {
    raw.parse::<u64>().map_err(|_| {
        Problem::invalid_parameter(
            name,
            format!("{name}={raw} is not a whole number"),
            format!("a whole number (z from 0 to {MAX_ZOOM}, x and y from 0 to 2^z - 1)"),
        )
    })
}

/// Whether the client accepts gzip (`Accept-Encoding: gzip` or `*`, without `q=0`).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).any(|value| {
        value.split(',').any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=").and_then(|q| q.trim().parse::<f64>().ok()).is_some_and(|q| q <= 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
    })
}

/// Whether `If-None-Match` names the ETag (weak comparison, as RFC 9110 prescribes for it).
fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).any(|value| {
        value.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
    })
}

/// The response for an encoded tile: 304 when the client has it, 204 when it is empty, else the
/// stored gzip (when accepted) or the plain bytes.
fn tile_response(tile: &EncodedTile, headers: &HeaderMap) -> Response {
    let gzip = !tile.is_empty() && accepts_gzip(headers);
    // The gzipped representation is different bytes, so it gets its own strong validator.
    let etag = if gzip { format!("\"{}-gzip\"", tile.hash) } else { format!("\"{}\"", tile.hash) };
    let (status, body) = if not_modified(headers, &etag) {
        (StatusCode::NOT_MODIFIED, Body::empty())
    } else if tile.is_empty() {
        (StatusCode::NO_CONTENT, Body::empty())
    } else if gzip {
        (StatusCode::OK, Body::from(tile.gzip.clone()))
    } else {
        (StatusCode::OK, Body::from(tile.plain.clone()))
    };
    let mut response = (status, body).into_response();
    let h = response.headers_mut();
    if status == StatusCode::OK {
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(MVT_CONTENT_TYPE));
        if gzip {
            // Also keeps the global CompressionLayer from compressing the tile again.
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
    }
    if let Ok(value) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, value);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    response
}

/// One vector tile (Mapbox Vector Tile 2.1, extent 4096, EPSG:3857) holding one layer named like
/// the path's layer. Layers: `facilities` (points; clustered on a grid below z11: `cluster`,
/// `point_count`, `kind` = the most common kind, `kinds`), `areas` (secondary medical areas,
/// 二次医療圏, with `covered_share` of the provider set), `municipalities`, `coverage` (populated
/// 500 m census cells from z7, with `nearest_m` and `covered`). Parameters as for /api/coverage
/// (facilities: kind and needs only; municipalities: none). 204 for an empty tile. Strong ETag,
/// `If-None-Match` → 304; gzip when accepted; `Cache-Control: public, max-age=60`. Polygons are
/// clipped with a 64-unit buffer and simplified per zoom; a point belongs to exactly one tile.
#[utoipa::path(
    get,
    path = "/tiles/{layer}/{z}/{x}/{y}.mvt",
    tag = "tiles",
    params(
        ("layer" = String, Path, description = "facilities, areas, municipalities or coverage"),
        ("z" = u8, Path, description = "Zoom, 0..22"),
        ("x" = u32, Path, description = "Column, 0..2^z-1"),
        ("y" = u32, Path, description = "Row, 0..2^z-1 (followed by .mvt)"),
        ("kind" = Option<String>, Query, description = "Provider kind (facilities, areas, coverage)"),
        ("needs" = Option<String>, Query, description = "As in /api/nearest: capabilities, pharmacy services, opioid:<ingredient>[_<form>] in stock; all required (facilities, areas, coverage)"),
        ("include_stale" = Option<bool>, Query, description = "Count stock entries older than 30 days (facilities, areas, coverage)"),
        ("radius_km" = Option<f64>, Query, description = "Reach in km, 0.1..200, default 16 (areas, coverage)"),
        ("min_providers" = Option<usize>, Query, description = "Providers required within the radius, 1..20, default 1 (areas, coverage)"),
        ("prefecture" = Option<String>, Query, description = "Only the features of these prefectures (every layer): 2-digit codes or names, comma-separated, each in the registry (see /api/prefectures)"),
    ),
    responses(
        (status = 200, description = "The tile, gzip-encoded when accepted", content_type = "application/vnd.mapbox-vector-tile"),
        (status = 204, description = "An empty tile"),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown layer", body = super::problem::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn tile(
    State(state): State<AppState>,
    Path((layer_name, z, x, y)): Path<(String, String, String, String)>,
    Query(pairs): Pairs,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let layer = layer(&layer_name)?;
    let z = whole_number("z", &z)?;
    let x = whole_number("x", &x)?;
    let Some(y) = y.strip_suffix(".mvt") else {
        return Err(Problem::invalid_parameter(
            "extension",
            format!("'{y}' does not end in .mvt"),
            ".mvt (Mapbox Vector Tile)",
        ));
    };
    let y = whole_number("y", y)?;
    let tile = TileId::new(z, x, y)
        .map_err(|e| Problem::invalid_parameter(e.parameter(), e.to_string(), e.allowed()))?;
    let atlas = state.atlas.load();
    let (params, prefectures) = layer_params(layer, pairs, atlas.prefectures())?;
    let request = TileRequest::new(layer, tile, params).with_prefectures(prefectures);
    let encoded = match crate::tiles::snapshot::cached_tile(&atlas, &request) {
        Some(hit) => hit,
        // Rendering takes milliseconds (more when the coverage is not computed yet): keep it off
        // the async workers.
        None => tokio::task::spawn_blocking(move || crate::tiles::snapshot::tile(&atlas, &request))
            .await
            .map_err(|e| Problem::internal(format!("tile rendering failed: {e}")))?,
    };
    Ok(tile_response(&encoded, &headers))
}

/// Escapes text for HTML.
fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// TileJSON 3.0.0 of a layer: one absolute tile URL template built from the request's Host (and
/// `X-Forwarded-Proto`) with the same query string, `vector_layers` with field types, `bounds` and
/// `center` of the prefectures asked for (of every imported prefecture without `prefecture=`),
/// zooms, and the data credits as HTML `attribution`.
#[utoipa::path(
    get,
    path = "/tiles/{layer}.json",
    tag = "tiles",
    params(
        ("layer" = String, Path, description = "facilities, areas, municipalities or coverage"),
        ("kind" = Option<String>, Query, description = "Passed on to the tile URLs"),
        ("needs" = Option<String>, Query, description = "Passed on to the tile URLs"),
        ("include_stale" = Option<bool>, Query, description = "Passed on to the tile URLs"),
        ("radius_km" = Option<f64>, Query, description = "Passed on to the tile URLs (areas, coverage)"),
        ("min_providers" = Option<usize>, Query, description = "Passed on to the tile URLs (areas, coverage)"),
        ("prefecture" = Option<String>, Query, description = "Passed on to the tile URLs; bounds and center are those of these prefectures"),
    ),
    responses(
        (status = 200, description = "TileJSON 3.0.0", content_type = "application/json"),
        (status = 400, body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown layer", body = super::problem::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn tilejson(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(pairs): Pairs,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Problem> {
    let Some(name) = file.strip_suffix(".json") else {
        return Err(Problem::not_found(format!("no such endpoint: {}", uri.path())));
    };
    let layer = layer(name)?;
    let atlas = state.atlas.load();
    let (_, prefectures) = layer_params(layer, pairs, atlas.prefectures())?;
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = match headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()) {
        Some("https") => "https",
        _ => "http",
    };
    let query = uri.query().filter(|q| !q.is_empty()).map_or(String::new(), |q| format!("?{q}"));
    let url = format!("{scheme}://{host}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt{query}", layer.name());
    let source = {
        let atlas = std::sync::Arc::clone(&atlas);
        // Gathering the prefectures' bounds of a new snapshot takes a moment: not on the async
        // workers.
        tokio::task::spawn_blocking(move || atlas.bounds(prefectures))
            .await
            .map_err(|e| Problem::internal(format!("bounds failed: {e}")))?
    };
    let bounds = source.unwrap_or([-180.0, -85.051_128_779_806_59, 180.0, 85.051_128_779_806_59]);
    let center_zoom = 9u8.clamp(layer.min_zoom(), layer.max_zoom());
    let center = [(bounds[0] + bounds[2]) / 2.0, (bounds[1] + bounds[3]) / 2.0, f64::from(center_zoom)];
    let mut credits: Vec<String> = Vec::new();
    for s in atlas.sources() {
        let credit = format!("<a href=\"{}\">{}</a>", html_escape(&s.url), html_escape(&s.attribution));
        if !s.attribution.is_empty() && !credits.contains(&credit) {
            credits.push(credit);
        }
    }
    let fields: serde_json::Map<String, Value> =
        layer.fields().iter().map(|(name, t)| ((*name).to_owned(), Value::from(t.as_str()))).collect();
    let body = json!({
        "tilejson": "3.0.0",
        "name": format!("kanwamap {}", layer.name()),
        "description": layer.description(),
        "version": format!("{}", atlas.version()),
        "scheme": "xyz",
        "tiles": [url],
        "minzoom": layer.min_zoom(),
        "maxzoom": layer.max_zoom(),
        "bounds": bounds,
        "center": center,
        "attribution": credits.join(" | "),
        "vector_layers": [{
            "id": layer.name(),
            "description": layer.description(),
            "minzoom": layer.min_zoom(),
            "maxzoom": layer.max_zoom(),
            "fields": fields,
        }],
    });
    Ok(Json(body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn accept_encoding() {
        assert!(accepts_gzip(&headers(&[(header::ACCEPT_ENCODING, "gzip, deflate, br")])));
        assert!(accepts_gzip(&headers(&[(header::ACCEPT_ENCODING, "br;q=1.0, GZIP;q=0.5")])));
        assert!(accepts_gzip(&headers(&[(header::ACCEPT_ENCODING, "*")])));
        assert!(!accepts_gzip(&headers(&[(header::ACCEPT_ENCODING, "gzip;q=0, br")])));
        assert!(!accepts_gzip(&headers(&[(header::ACCEPT_ENCODING, "identity")])));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn if_none_match() {
        assert!(not_modified(&headers(&[(header::IF_NONE_MATCH, "\"a\", W/\"b\"")]), "\"b\""));
        assert!(not_modified(&headers(&[(header::IF_NONE_MATCH, "*")]), "\"b\""));
        assert!(!not_modified(&headers(&[(header::IF_NONE_MATCH, "\"a\"")]), "\"b\""));
        assert!(!not_modified(&HeaderMap::new(), "\"b\""));
    }

    #[test]
    fn responses() {
        let tile = EncodedTile::new(vec![1, 2, 3]);
        let plain = tile_response(&tile, &HeaderMap::new());
        assert_eq!(plain.status(), StatusCode::OK);
        assert_eq!(plain.headers()[header::CONTENT_TYPE], MVT_CONTENT_TYPE);
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        let etag = plain.headers()[header::ETAG].to_str().unwrap().to_owned();
        let gz = tile_response(&tile, &headers(&[(header::ACCEPT_ENCODING, "gzip")]));
        assert_eq!(gz.headers()[header::CONTENT_ENCODING], "gzip");
        assert_ne!(gz.headers()[header::ETAG], etag.as_str());
        assert_eq!(gz.headers()[header::VARY], "Accept-Encoding");
        let again = tile_response(&tile, &headers(&[(header::IF_NONE_MATCH, &etag)]));
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        let empty = tile_response(&EncodedTile::new(vec![]), &headers(&[(header::ACCEPT_ENCODING, "gzip")]));
        assert_eq!(empty.status(), StatusCode::NO_CONTENT);
        assert_eq!(empty.headers()[header::CACHE_CONTROL], CACHE_CONTROL);
        assert!(empty.headers().contains_key(header::ETAG));
    }
}
