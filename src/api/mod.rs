//! The HTTP API (axum): registry, nearest search, areas, prefectures, credits, OpenAPI, and the web
//! page.

mod analysis;
pub mod care_team;
pub mod config;
pub mod coverage;
pub mod dto;
pub mod geocode;
mod handlers;
mod params;
pub mod prefectures;
pub mod problem;
pub mod rate_limit;
pub mod stock;
pub mod tiles;

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Json;
use axum::Router;
use axum::http::{HeaderValue, Uri, header};
use axum::response::IntoResponse;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use std::sync::Arc;

use crate::atlas::SharedAtlas;
use crate::writer::StockWriter;
use problem::Problem;
use rate_limit::RateLimiter;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The current snapshot.
    pub atlas: SharedAtlas,
    /// The single writer of pharmacy stock, which publishes to `atlas`.
    pub writer: Arc<StockWriter>,
    /// Stock writes per token.
    pub rate_limit: Arc<RateLimiter>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "kanwamap API",
        description = "Regional palliative-care resources (地域緩和ケア資源) of one or more Japanese prefectures: registry, nearest providers with the 16 km home-visit rule (searching the whole registry, across prefecture borders), secondary medical areas; listings, analyses and tiles take prefecture= to keep to some prefectures. Distances are geodesic on the WGS84 ellipsoid (Karney's algorithm). Errors are application/problem+json (RFC 9457) naming the parameter and its allowed values.",
        license(name = "MIT OR Apache-2.0")
    ),
    modifiers(&BearerToken),
    tags(
        (name = "registry", description = "Facilities, nearest search and areas"),
        (name = "analysis", description = "Coverage and accessibility by secondary medical area"),
        (name = "stock", description = "Medical opioid stock and services registered by pharmacies"),
        (name = "tiles", description = "Vector tiles (Mapbox Vector Tile 2.1) and TileJSON for the web map"),
        (name = "meta", description = "Health, credits and this document")
    )
)]
struct ApiDoc;

/// Declares the `bearer` security scheme the stock endpoints refer to (pharmacy tokens issued by
/// `kanwamap token issue`).
struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
/// The tile endpoints' documentation. They are routed by hand (`{y}.mvt` and `{layer}.json` are
/// parsed by the handlers, which name the bad parameter), so they join the document here.
#[derive(OpenApi)]
#[openapi(paths(tiles::tile, tiles::tilejson))]
struct TilesDoc;

/// Builds the router: the API, its OpenAPI document, and the web page from `web_dir` at `/`.
pub fn router(state: AppState, web_dir: Option<PathBuf>) -> Router {
    let (api, mut openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(handlers::healthz))
        .routes(routes!(handlers::nearest))
        .routes(routes!(care_team::care_team))
        .routes(routes!(handlers::facilities))
        .routes(routes!(handlers::facility))
        .routes(routes!(handlers::areas))
        .routes(routes!(prefectures::prefectures))
        .routes(routes!(handlers::sources))
        .routes(routes!(geocode::geocode))
        .routes(routes!(config::config))
        .routes(routes!(coverage::coverage))
        .routes(routes!(analysis::gaps))
        .routes(routes!(analysis::access))
        .routes(routes!(stock::opioids))
        .routes(routes!(stock::get_stock, stock::put_stock))
        .routes(routes!(stock::audit))
        .split_for_parts();
    openapi.merge(TilesDoc::openapi());
    openapi.paths.paths.insert(
        "/api/openapi.json".into(),
        utoipa::openapi::PathItem::new(
            utoipa::openapi::HttpMethod::Get,
            utoipa::openapi::path::OperationBuilder::new()
                .summary(Some("This OpenAPI 3 document"))
                .tag("meta")
                .response("200", utoipa::openapi::Response::new("OpenAPI document")),
        ),
    );
    let document = serde_json::to_value(&openapi).unwrap_or_default();
    let api = api
        .route("/api/openapi.json", axum::routing::get(move || async move { Json(document.clone()) }))
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .nest(
            "/tiles",
            Router::new()
                .route("/{layer}/{z}/{x}/{y}", axum::routing::get(tiles::tile))
                .route("/{file}", axum::routing::get(tiles::tilejson))
                .fallback(api_not_found),
        )
        .with_state(state);
    let app = match web_dir {
        Some(dir) => api.fallback_service(ServeDir::new(dir)),
        None => api.fallback(api_not_found),
    };
    app.layer(CompressionLayer::new()).layer(SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache"),
    ))
}

async fn api_not_found(uri: Uri) -> impl IntoResponse {
    Problem::not_found(format!("no such endpoint: {}", uri.path())).into_response()
}

/// Serves until the process is stopped. Logs the bound address (useful with port 0). `web_config`
/// is what `GET /api/config` tells the page (the raster base map).
pub async fn serve(
    addr: SocketAddr,
    state: AppState,
    web_dir: Option<PathBuf>,
    web_config: config::WebConfig,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tracing::info!("listening on http://{bound}");
    println!("listening on http://{bound}");
    axum::serve(listener, router(state, web_dir).layer(axum::Extension(web_config))).await
}
