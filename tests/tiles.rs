//! Vector tiles against the real server on a free port, on the real Kumamoto registry.

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::sync::OnceLock;

use common::Server;
use kanwamap::tiles::math::TileId;
use kanwamap::tiles::mvt::{DecodedLayer, GeomType, Value, decode, signed_area2};
use serde_json::Value as Json;

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(Server::start)
}

/// A GET with headers: status, response headers, body bytes (not decompressed).
fn get(path: &str, headers: &[(&str, &str)]) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let url = server().url(path);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let mut request = reqwest::Client::new().get(&url);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        (status, headers, body)
    })
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// 熊本城 (Kumamoto Castle), in the middle of 熊本市.
const CASTLE: (f64, f64) = (130.7058, 32.8063);

fn castle_tile(z: u8) -> TileId {
    TileId::containing(CASTLE.0, CASTLE.1, z).expect("valid zoom")
}

fn tile_path(layer: &str, t: TileId, query: &str) -> String {
    format!("/tiles/{layer}/{}/{}/{}.mvt{query}", t.z(), t.x(), t.y())
}

/// GET a tile expecting 200; the decoded single layer.
fn tile(layer: &str, t: TileId, query: &str) -> DecodedLayer {
    let path = tile_path(layer, t, query);
    let (status, headers, body) = get(&path, &[]);
    assert_eq!(status, 200, "GET {path}: {}", String::from_utf8_lossy(&body));
    assert_eq!(header(&headers, "content-type"), "application/vnd.mapbox-vector-tile");
    let mut layers = decode(&body).unwrap_or_else(|e| panic!("GET {path}: not a vector tile: {e}"));
    assert_eq!(layers.len(), 1, "one layer per tile");
    let decoded = layers.remove(0);
    assert_eq!((decoded.name.as_str(), decoded.version, decoded.extent), (layer, 2, 4096));
    assert!(!decoded.features.is_empty());
    decoded
}

fn string<'a>(f: &'a kanwamap::tiles::mvt::DecodedFeature, key: &str) -> &'a str {
    f.get(key).and_then(Value::as_str).unwrap_or_else(|| panic!("no string {key}: {:?}", f.properties))
}

mod layers {
    use super::*;

    #[test]
    fn facilities_over_kumamoto_city() {
        let layer = tile("facilities", castle_tile(14), "");
        for f in &layer.features {
            assert_eq!(f.geom_type, GeomType::Point);
            assert!(string(f, "id").contains('-'));
            assert!(!string(f, "name").is_empty());
            assert!(
                ["hospital", "clinic", "dental", "pharmacy", "visiting_nurse", "salon", "peer_support"]
                    .contains(&string(f, "kind"))
            );
            assert!(["exact", "town", "municipality"].contains(&string(f, "precision")));
            let capabilities = string(f, "capabilities");
            assert_eq!(
                f.get("home_care").and_then(Value::as_bool),
                Some(capabilities.split(',').any(|c| c == "home_care_support"))
            );
            assert_eq!(f.get("cluster"), Some(&Value::Bool(false)));
            let p = f.paths[0][0];
            assert!((0..=4096).contains(&p[0]) && (0..=4096).contains(&p[1]), "{p:?}");
        }
        // Below z11 the prefecture's facilities are clusters (and lone points).
        let clustered = tile("facilities", castle_tile(9), "");
        let clusters: Vec<_> =
            clustered.features.iter().filter(|f| f.get("cluster") == Some(&Value::Bool(true))).collect();
        assert!(!clusters.is_empty());
        for c in clusters {
            let count = match c.get("point_count") {
                Some(Value::Uint(n)) => *n,
                other => panic!("point_count {other:?}"),
            };
            let sum: u64 = string(c, "kinds")
                .split(',')
                .map(|kv| kv.split(':').nth(1).unwrap().parse::<u64>().unwrap())
                .sum();
            assert_eq!(sum, count);
            assert!(string(c, "kinds").contains(string(c, "kind")));
        }
    }

    #[test]
    fn areas_municipalities_and_coverage_over_kumamoto_city() {
        for z in [8u8, 11, 14] {
            let areas = tile("areas", castle_tile(z), "?needs=home_care_support&radius_km=8");
            let a = areas.features.iter().find(|f| string(f, "code") == "4312").expect("熊本・上益城 area");
            assert!(!string(a, "name").is_empty());
            assert!(matches!(a.get("population"), Some(Value::Uint(n)) if *n > 100_000));
            let share = a.get("covered_share").and_then(Value::as_f64).expect("covered_share");
            assert!((0.0..=1.0).contains(&share));
            assert!(
                a.get("covered_share_65plus")
                    .and_then(Value::as_f64)
                    .is_some_and(|s| (0.0..=1.0).contains(&s))
            );
            assert!(a.get("population_complete").and_then(Value::as_bool).is_some());
            for f in &areas.features {
                assert_eq!(f.geom_type, GeomType::Polygon);
                assert!(signed_area2(&f.paths[0]) > 0, "exterior rings first, clockwise");
            }

            let municipalities = tile("municipalities", castle_tile(z), "");
            let chuo =
                municipalities.features.iter().find(|f| string(f, "code") == "43101").expect("熊本市中央区");
            assert_eq!(string(chuo, "area_code"), "4312");
            assert!(string(chuo, "name").contains("中央区"));

            let coverage = tile("coverage", castle_tile(z), "?needs=home_care_support");
            for f in &coverage.features {
                assert_eq!(string(f, "mesh").len(), 9);
                assert!(matches!(f.get("population"), Some(Value::Uint(_))));
                assert!(matches!(f.get("population_65plus"), Some(Value::Uint(_))));
                assert!(f.get("covered").and_then(Value::as_bool).is_some());
            }
            assert!(coverage.features.iter().any(|f| f.get("nearest_m").and_then(Value::as_f64).is_some()));
        }
    }

    /// A tile's facilities are exactly those /api/facilities lists in the tile's bounds.
    #[test]
    fn facilities_equal_the_bbox_listing() {
        for (z, query) in
            [(14u8, ""), (12, ""), (12, "?kind=clinic&needs=home_care_support"), (11, "?kind=pharmacy")]
        {
            let t = castle_tile(z);
            let [w, s, e, n] = t.lon_lat_bounds();
            let sep = if query.is_empty() { "?" } else { "&" };
            let listing = server().json(&format!("/api/facilities{query}{sep}bbox={w},{s},{e},{n}"));
            let expected: BTreeSet<String> = listing["features"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["id"].as_str().unwrap().to_owned())
                .collect();
            let got: BTreeSet<String> =
                tile("facilities", t, query).features.iter().map(|f| string(f, "id").to_owned()).collect();
            assert!(!expected.is_empty());
            assert_eq!(got, expected, "z{z} {query}");
        }
    }

    #[test]
    fn empty_over_the_sea() {
        // The East China Sea west of 天草.
        let sea = TileId::containing(129.3, 32.1, 12).unwrap();
        for layer in ["facilities", "areas", "municipalities", "coverage"] {
            let (status, headers, body) = get(&tile_path(layer, sea, ""), &[("accept-encoding", "gzip")]);
            assert_eq!(status, 204, "{layer}");
            assert!(body.is_empty());
            assert!(header(&headers, "etag").starts_with('"'));
            assert_eq!(header(&headers, "cache-control"), "public, max-age=60");
        }
        // Coverage starts at z7.
        let (status, _, _) = get(&tile_path("coverage", castle_tile(6), ""), &[]);
        assert_eq!(status, 204);
    }
}

mod http {
    use super::*;

    #[test]
    fn etag_and_not_modified() {
        let path = tile_path("municipalities", castle_tile(12), "");
        let (status, headers, body) = get(&path, &[]);
        assert_eq!(status, 200);
        let etag = header(&headers, "etag").to_owned();
        assert!(etag.starts_with('"') && etag.ends_with('"') && etag.len() > 10, "{etag}");
        assert_eq!(header(&headers, "cache-control"), "public, max-age=60");
        assert_eq!(header(&headers, "vary"), "Accept-Encoding");
        let (status, headers, again) = get(&path, &[("if-none-match", &etag)]);
        assert_eq!(status, 304);
        assert!(again.is_empty());
        assert_eq!(header(&headers, "etag"), etag);
        let (status, _, same) = get(&path, &[("if-none-match", "\"something-else\"")]);
        assert_eq!((status, same), (200, body));
    }

    #[test]
    fn gzip_when_asked() {
        let path = tile_path("areas", castle_tile(10), "");
        let (_, plain_headers, plain) = get(&path, &[]);
        assert_eq!(header(&plain_headers, "content-encoding"), "");
        let (status, headers, gz) = get(&path, &[("accept-encoding", "gzip, br")]);
        assert_eq!(status, 200);
        assert_eq!(header(&headers, "content-encoding"), "gzip");
        assert_eq!(header(&headers, "content-type"), "application/vnd.mapbox-vector-tile");
        assert_ne!(header(&headers, "etag"), header(&plain_headers, "etag"));
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut unzipped)
            .expect("valid gzip, compressed once");
        assert_eq!(unzipped, plain);
        let (status, _, _) =
            get(&path, &[("accept-encoding", "gzip"), ("if-none-match", header(&headers, "etag"))]);
        assert_eq!(status, 304);
    }

    fn problem(path: &str, status: u16, parameter: Option<&str>) {
        let (got, headers, body) = get(path, &[]);
        assert_eq!(got, status, "GET {path}: {}", String::from_utf8_lossy(&body));
        assert_eq!(header(&headers, "content-type"), "application/problem+json", "GET {path}");
        let json: Json = serde_json::from_slice(&body).expect("problem JSON");
        assert_eq!(json["status"], status);
        assert_eq!(json["parameter"].as_str(), parameter, "GET {path}: {json}");
    }

    #[test]
    fn bad_requests_are_problems() {
        problem("/tiles/facilities/23/0/0.mvt", 400, Some("z"));
        problem("/tiles/facilities/3/8/0.mvt", 400, Some("x"));
        problem("/tiles/facilities/3/0/8.mvt", 400, Some("y"));
        problem("/tiles/facilities/a/0/0.mvt", 400, Some("z"));
        problem("/tiles/facilities/3/-1/0.mvt", 400, Some("x"));
        problem("/tiles/facilities/3/0/0.png", 400, Some("extension"));
        problem("/tiles/facilities/3/0/x.mvt", 400, Some("y"));
        problem("/tiles/facilities/3/0/0.mvt?radius_km=5", 400, Some("radius_km"));
        problem("/tiles/facilities/3/0/0.mvt?kind=hospice", 400, Some("kind"));
        problem("/tiles/coverage/10/883/413.mvt?min_providers=0", 400, Some("min_providers"));
        problem("/tiles/municipalities/10/883/413.mvt?needs=cancer_hub", 400, Some("needs"));
        problem("/tiles/roads/0/0/0.mvt", 404, None);
        problem("/tiles/roads.json", 404, None);
        problem("/tiles/areas.xml", 404, None);
        problem("/tiles/areas/1/2", 404, None);
        problem("/tiles/areas.json?radius_km=abc", 400, Some("radius_km"));
    }
}

mod tilejson {
    use super::*;

    #[test]
    fn fields_bounds_and_template() {
        for layer in ["facilities", "areas", "municipalities", "coverage"] {
            let query = match layer {
                "facilities" => "?kind=clinic&needs=home_care_support",
                "areas" | "coverage" => "?needs=home_care_support&radius_km=8",
                _ => "",
            };
            let doc = server().json(&format!("/tiles/{layer}.json{query}"));
            assert_eq!(doc["tilejson"], "3.0.0");
            assert_eq!(
                doc["tiles"][0].as_str().unwrap(),
                format!("{}/tiles/{layer}/{{z}}/{{x}}/{{y}}.mvt{query}", server().base)
            );
            let vl = &doc["vector_layers"][0];
            assert_eq!(vl["id"], layer);
            assert_eq!(vl["minzoom"], doc["minzoom"]);
            assert_eq!(vl["maxzoom"], doc["maxzoom"]);
            assert!(
                vl["fields"]
                    .as_object()
                    .unwrap()
                    .values()
                    .all(|t| ["String", "Number", "Boolean"].contains(&t.as_str().unwrap()))
            );
            let b: Vec<f64> = doc["bounds"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
            assert!(b[0] > 129.5 && b[0] < 130.3 && b[2] > 131.0 && b[2] < 131.5, "{b:?}");
            assert!(b[1] > 32.0 && b[1] < 32.3 && b[3] > 33.0 && b[3] < 33.3, "{b:?}");
            let c = doc["center"].as_array().unwrap();
            assert!(c[0].as_f64().unwrap() > b[0] && c[0].as_f64().unwrap() < b[2]);
            assert!(doc["attribution"].as_str().unwrap().contains("厚生労働省"));
        }
        let f = server().json("/tiles/facilities.json");
        assert_eq!((f["minzoom"].as_u64(), f["maxzoom"].as_u64()), (Some(0), Some(16)));
        assert_eq!(f["vector_layers"][0]["fields"]["point_count"], "Number");
        assert_eq!(f["vector_layers"][0]["fields"]["home_care"], "Boolean");
        let c = server().json("/tiles/coverage.json");
        assert_eq!((c["minzoom"].as_u64(), c["maxzoom"].as_u64()), (Some(7), Some(14)));
        assert_eq!(c["vector_layers"][0]["fields"]["nearest_m"], "Number");
    }

    #[test]
    fn openapi_documents_the_tiles() {
        let doc = server().json("/api/openapi.json");
        for path in ["/tiles/{layer}/{z}/{x}/{y}.mvt", "/tiles/{layer}.json"] {
            assert!(doc["paths"][path].is_object(), "{path} missing from the OpenAPI document");
        }
    }
}
