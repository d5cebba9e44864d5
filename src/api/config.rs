//! `GET /api/config`: what the web page needs to know about this deployment (the raster base map).
//!
//! The page draws our own boundaries from the vector tiles and works offline; the raster base map
//! (default: 地理院タイル 淡色地図, the GSI "pale" map) is optional decoration that the operator can point
//! at an intranet tile server or switch off (`serve --basemap-url URL|none`).

use axum::{Extension, Json};
use serde::Serialize;
use utoipa::ToSchema;

/// The GSI pale map (地理院タイル 淡色地図), the default raster base map.
pub const GSI_PALE_URL: &str = "https://cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png";

/// The credit the GSI terms require next to their tiles (「地理院タイル」, linked to the tile list).
pub const GSI_ATTRIBUTION: &str = r#"<a href="https://maps.gsi.go.jp/development/ichiran.html" target="_blank" rel="noopener">地理院タイル</a>"#;

/// A raster XYZ tile source for the base map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Basemap {
    /// Tile URL template with `{z}`, `{x}`, `{y}`.
    pub url: String,
    /// The credit shown with the tiles (HTML, may be empty).
    pub attribution: String,
}

impl Basemap {
    /// The GSI pale map with its credit.
    pub fn gsi_pale() -> Basemap {
        Basemap { url: GSI_PALE_URL.to_owned(), attribution: GSI_ATTRIBUTION.to_owned() }
    }
}

/// The page's configuration, answered by `GET /api/config`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct WebConfig {
    /// The raster base map, or null when the operator switched it off. The page probes one tile
    /// and leaves the layer out when the server is unreachable (e.g. an intranet without internet).
    pub basemap: Option<Basemap>,
}

impl Default for WebConfig {
    fn default() -> WebConfig {
        WebConfig { basemap: Some(Basemap::gsi_pale()) }
    }
}

/// The web page's configuration: the raster base map (`null` when switched off).
#[utoipa::path(get, path = "/api/config", tag = "meta", responses((status = 200, body = WebConfig)))]
pub async fn config(config: Option<Extension<WebConfig>>) -> Json<WebConfig> {
    // A router built without the extension (tests, embedding) serves the default.
    Json(config.map(|Extension(c)| c).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_the_gsi_pale_map_with_its_credit() {
        let json = serde_json::to_value(WebConfig::default()).unwrap();
        assert_eq!(json["basemap"]["url"], GSI_PALE_URL);
        assert!(json["basemap"]["attribution"].as_str().unwrap().contains("地理院タイル"));
        let off = serde_json::to_value(WebConfig { basemap: None }).unwrap();
        assert!(off["basemap"].is_null());
    }
}
