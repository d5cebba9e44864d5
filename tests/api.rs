//! The HTTP API against the real server on a free port, on the real Kumamoto registry.

mod common;

use std::sync::OnceLock;

use common::Server;
use kanwamap::spatial::geodesy::geodesic_distance_m;
use serde_json::Value;

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(Server::start)
}

/// Every facility of the registry, from the API itself.
fn all_facilities() -> &'static Vec<Value> {
    static ALL: OnceLock<Vec<Value>> = OnceLock::new();
    ALL.get_or_init(|| server().json("/api/facilities")["features"].as_array().expect("features").clone())
}

fn has_capability(feature: &Value, capability: &str) -> bool {
    feature["properties"]["capabilities"].as_array().is_some_and(|c| c.iter().any(|v| v == capability))
}

/// The nearest facilities computed the slow way over every facility.
fn brute_force(lat: f64, lon: f64, kind: Option<&str>, needs: &[&str], k: usize) -> Vec<(String, f64)> {
    let mut all: Vec<(String, f64)> = all_facilities()
        .iter()
        .filter(|f| kind.is_none_or(|k| f["properties"]["kind"] == k))
        .filter(|f| needs.iter().all(|n| has_capability(f, n)))
        .map(|f| {
            let c = &f["geometry"]["coordinates"];
            let d = geodesic_distance_m(lat, lon, c[1].as_f64().unwrap(), c[0].as_f64().unwrap());
            (f["id"].as_str().unwrap().to_owned(), d)
        })
        .collect();
    all.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap().then(a.0.cmp(&b.0)));
    all.truncate(k);
    all
}

mod health_and_docs {
    use super::*;

    #[test]
    fn healthz_reports_the_snapshot() {
        let health = server().json("/healthz");
        assert_eq!(health["status"], "ok");
        assert!(health["registry_version"].as_i64().unwrap() >= 1);
        assert_eq!(health["facilities"].as_u64().unwrap() as usize, all_facilities().len());
    }

    #[test]
    fn openapi_documents_every_endpoint() {
        let doc = server().json("/api/openapi.json");
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        for path in [
            "/healthz",
            "/api/nearest",
            "/api/care-team",
            "/api/facilities",
            "/api/facilities/{id}",
            "/api/areas",
            "/api/sources",
            "/api/config",
            "/api/openapi.json",
            "/api/opioids",
            "/api/geocode",
            "/api/pharmacies/{id}/stock",
            "/api/pharmacies/{id}/stock/audit",
        ] {
            assert!(doc["paths"][path].is_object(), "{path} missing from the OpenAPI document");
        }
        let params: Vec<&str> = doc["paths"]["/api/nearest"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(params, ["lat", "lon", "kind", "needs", "include_stale", "k", "max_km"]);
        assert!(doc["paths"]["/api/pharmacies/{id}/stock"]["put"]["security"].is_array());
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    }

    #[test]
    fn sources_carry_the_credits() {
        let sources = server().json("/api/sources");
        let attributions: Vec<&str> =
            sources.as_array().unwrap().iter().map(|s| s["attribution"].as_str().unwrap()).collect();
        assert!(attributions.iter().any(|a| a.contains("医療情報ネット")), "{attributions:?}");
        assert!(attributions.iter().any(|a| a.contains("国土数値情報")), "{attributions:?}");
        assert!(attributions.iter().any(|a| a.contains("Geolonia")), "{attributions:?}");
    }

    #[test]
    fn config_names_the_basemap_and_serve_flags_change_it() {
        let config = server().json("/api/config");
        if std::env::var_os("KANWAMAP_BASEMAP_URL").is_none() {
            assert_eq!(config["basemap"]["url"], "https://cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png");
            assert!(config["basemap"]["attribution"].as_str().unwrap().contains("地理院タイル"));
        }
        let off = Server::start_with(common::kumamoto_db(), &["--basemap-url", "none"]);
        assert!(off.json("/api/config")["basemap"].is_null());
        let custom = Server::start_with(
            common::kumamoto_db(),
            &["--basemap-url", "http://tiles.local/{z}/{x}/{y}.png", "--basemap-attribution", "local"],
        );
        let config = custom.json("/api/config");
        assert_eq!(config["basemap"]["url"], "http://tiles.local/{z}/{x}/{y}.png");
        assert_eq!(config["basemap"]["attribution"], "local");
        let (ok, _, stderr) = common::run(&[
            "serve",
            "--db",
            common::kumamoto_db().to_str().unwrap(),
            "--basemap-url",
            "tiles.local/{z}/{x}.png",
        ]);
        assert!(!ok && stderr.contains("--basemap-url"), "{stderr}");
    }
}

mod nearest {
    use super::*;

    fn ids(response: &Value) -> Vec<(String, f64)> {
        response["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["id"].as_str().unwrap().to_owned(), r["distance_m"].as_f64().unwrap()))
            .collect()
    }

    fn assert_same(got: &[(String, f64)], expected: &[(String, f64)]) {
        assert_eq!(got.len(), expected.len(), "got {got:?}\nexpected {expected:?}");
        for (g, e) in got.iter().zip(expected) {
            // Distances are rounded to 0.1 m in the response; ties may swap ids of equal distance.
            assert!((g.1 - e.1).abs() <= 0.051, "distance {g:?} vs {e:?}");
            assert!(g.0 == e.0 || (g.1 - e.1).abs() < 0.051, "{g:?} vs {e:?}");
        }
    }

    #[test]
    fn matches_brute_force_at_real_places() {
        // 熊本市中央区 (city centre), 天草市 (islands), 球磨郡 (mountains), 阿蘇 (caldera).
        let places = [(32.8031, 130.7079), (32.4586, 130.1930), (32.2100, 130.9000), (32.9500, 131.1000)];
        let cases: [(Option<&str>, &[&str]); 5] = [
            (None, &[]),
            (Some("clinic"), &["home_care_support"]),
            (Some("pharmacy"), &[]),
            (None, &["palliative_ward"]),
            (Some("hospital"), &["home_care_support", "cancer_pain"]),
        ];
        for (lat, lon) in places {
            for (kind, needs) in cases {
                let mut url = format!("/api/nearest?lat={lat}&lon={lon}&k=7");
                if let Some(kind) = kind {
                    url.push_str(&format!("&kind={kind}"));
                }
                if !needs.is_empty() {
                    url.push_str(&format!("&needs={}", needs.join(",")));
                }
                let response = server().json(&url);
                assert_eq!(response["origin"]["lat"].as_f64().unwrap(), lat);
                assert_same(&ids(&response), &brute_force(lat, lon, kind, needs, 7));
            }
        }
    }

    #[test]
    fn results_are_nearest_first_with_full_properties() {
        let response = server().json("/api/nearest?lat=32.8031&lon=130.7079&k=20");
        let results = response["results"].as_array().unwrap();
        assert_eq!(results.len(), 20);
        let distances: Vec<f64> = results.iter().map(|r| r["distance_m"].as_f64().unwrap()).collect();
        assert!(distances.windows(2).all(|w| w[0] <= w[1]), "{distances:?}");
        for r in results {
            for key in [
                "id",
                "name",
                "kind",
                "capabilities",
                "lat",
                "lon",
                "location_precision",
                "distance_m",
                "address",
                "area_code",
                "within_home_visit_limit",
            ] {
                assert!(r.get(key).is_some(), "{key} missing in {r}");
            }
        }
    }

    #[test]
    fn max_km_limits_the_distance() {
        let response = server().json("/api/nearest?lat=32.2100&lon=130.9000&k=100&max_km=5");
        let results = response["results"].as_array().unwrap();
        assert!(results.iter().all(|r| r["distance_m"].as_f64().unwrap() <= 5000.0));
        assert_same(
            &ids(&response),
            &brute_force(32.21, 130.90, None, &[], 100)
                .into_iter()
                .filter(|(_, d)| *d <= 5000.0)
                .collect::<Vec<_>>(),
        );
    }

    #[test]
    fn home_visit_limit_is_16_km_for_home_care_providers_only() {
        let lat = 32.2100;
        let lon = 130.9000;
        let response =
            server().json(&format!("/api/nearest?lat={lat}&lon={lon}&k=100&needs=home_care_support"));
        let results = response["results"].as_array().unwrap();
        assert!(results.iter().any(|r| r["within_home_visit_limit"] == true));
        assert!(results.iter().any(|r| r["within_home_visit_limit"] == false));
        for r in results {
            let within = r["distance_m"].as_f64().unwrap() <= 16_000.0;
            assert_eq!(r["within_home_visit_limit"], within, "{r}");
        }
        let pharmacies = server().json(&format!("/api/nearest?lat={lat}&lon={lon}&kind=pharmacy&k=3"));
        assert!(
            pharmacies["results"].as_array().unwrap().iter().all(|r| r["within_home_visit_limit"] == false)
        );
        assert_eq!(response["home_visit_limit_m"], 16000.0);
    }
}

mod bad_input {
    use super::*;

    fn problem(path: &str, parameter: &str) -> Value {
        let (status, content_type, body) = server().get(path);
        assert_eq!(status, 400, "GET {path}: {body}");
        assert_eq!(content_type, "application/problem+json", "GET {path}");
        let problem: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(problem["status"], 400);
        assert_eq!(problem["parameter"], parameter, "{problem}");
        assert!(problem["allowed"].as_str().is_some_and(|a| !a.is_empty()), "{problem}");
        problem
    }

    #[test]
    fn nearest_parameters_are_checked() {
        problem("/api/nearest?lon=130.7", "lat");
        problem("/api/nearest?lat=91&lon=130.7", "lat");
        problem("/api/nearest?lat=-90.5&lon=130.7", "lat");
        problem("/api/nearest?lat=32.8&lon=181", "lon");
        problem("/api/nearest?lat=abc&lon=130.7", "lat");
        problem("/api/nearest?lat=NaN&lon=130.7", "lat");
        problem("/api/nearest?lat=32.8", "lon");
        let p = problem("/api/nearest?lat=32.8&lon=130.7&kind=hospice", "kind");
        assert!(p["allowed"].as_str().unwrap().contains("visiting_nurse"));
        let p = problem("/api/nearest?lat=32.8&lon=130.7&needs=home_care_support,opium", "needs");
        assert!(p["detail"].as_str().unwrap().contains("opium"));
        assert!(p["allowed"].as_str().unwrap().contains("palliative_ward"));
        problem("/api/nearest?lat=32.8&lon=130.7&k=0", "k");
        problem("/api/nearest?lat=32.8&lon=130.7&k=101", "k");
        problem("/api/nearest?lat=32.8&lon=130.7&k=2.5", "k");
        problem("/api/nearest?lat=32.8&lon=130.7&max_km=-1", "max_km");
        let p = problem("/api/nearest?lat=32.8&lng=130.7", "lng");
        assert!(p["detail"].as_str().unwrap().contains("unknown parameter"));
        problem("/api/nearest?lat=32.8&lat=32.9&lon=130.7", "lat");
    }

    #[test]
    fn listing_parameters_are_checked() {
        problem("/api/facilities?kind=spa", "kind");
        problem("/api/facilities?bbox=131,32,130,33", "bbox");
        problem("/api/facilities?bbox=1,2,3", "bbox");
        let p = problem("/api/facilities?area=9999", "area");
        assert!(p["allowed"].as_str().unwrap().contains("4312"));
        problem("/api/areas?geometry=maybe", "geometry");
    }

    #[test]
    fn unknown_things_are_404_problems() {
        let (status, content_type, body) = server().get("/api/facilities/no-such-id");
        assert_eq!(status, 404);
        assert_eq!(content_type, "application/problem+json");
        assert!(body.contains("no-such-id"));
        let (status, content_type, _) = server().get("/api/nothing-here");
        assert_eq!(status, 404);
        assert_eq!(content_type, "application/problem+json");
    }
}

mod registry {
    use super::*;

    fn count(kind: &str) -> usize {
        all_facilities().iter().filter(|f| f["properties"]["kind"] == kind).count()
    }

    #[test]
    fn facilities_are_rfc7946_points_in_kumamoto() {
        let (status, content_type, _) = server().get("/api/facilities?kind=salon");
        assert_eq!(status, 200);
        assert_eq!(content_type, "application/geo+json");
        for f in all_facilities() {
            assert_eq!(f["type"], "Feature");
            assert_eq!(f["geometry"]["type"], "Point");
            let c = &f["geometry"]["coordinates"];
            let (lon, lat) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
            assert!((32.0..33.3).contains(&lat) && (129.9..131.4).contains(&lon), "{f}");
            assert_eq!(f["properties"]["lat"].as_f64().unwrap(), lat);
            assert!(
                ["exact", "town", "municipality"]
                    .contains(&f["properties"]["location_precision"].as_str().unwrap())
            );
            assert!(f["properties"]["area_code"].as_str().is_some_and(|a| a.starts_with("43")), "{f}");
        }
    }

    #[test]
    fn kumamoto_counts() {
        let hospitals_from_mhlw = all_facilities()
            .iter()
            .filter(|f| {
                f["properties"]["kind"] == "hospital" && f["id"].as_str().unwrap().starts_with("mhlw-")
            })
            .count();
        assert_eq!(hospitals_from_mhlw, 199);
        assert_eq!(count("salon"), 30);
        assert_eq!(count("peer_support"), 4);
        let hubs = all_facilities().iter().filter(|f| has_capability(f, "cancer_hub")).count();
        assert_eq!(hubs, 21);
        let wards: Vec<&Value> =
            all_facilities().iter().filter(|f| has_capability(f, "palliative_ward")).collect();
        assert_eq!(wards.len(), 15);
        let beds: u64 = wards
            .iter()
            .flat_map(|f| f["properties"]["capability_details"].as_array().unwrap())
            .filter(|d| d["capability"] == "palliative_ward")
            .filter_map(|d| d["ward_beds"].as_u64())
            .sum();
        assert_eq!(beds, 19 + 25 + 37 + 21 + 14 + 20 + 25 + 20 + 14 + 27 + 20 + 16 + 13);
    }

    #[test]
    fn filters_combine() {
        let home_care = server().json("/api/facilities?needs=home_care_support");
        let n = home_care["features"].as_array().unwrap().len();
        assert_eq!(n, all_facilities().iter().filter(|f| has_capability(f, "home_care_support")).count());
        let both = server().json("/api/facilities?kind=hospital&needs=home_care_support,palliative_ward");
        for f in both["features"].as_array().unwrap() {
            assert_eq!(f["properties"]["kind"], "hospital");
            assert!(has_capability(f, "home_care_support") && has_capability(f, "palliative_ward"));
        }
        let area = server().json("/api/facilities?area=4311");
        assert!(area["features"].as_array().unwrap().iter().all(|f| f["properties"]["area_code"] == "4311"));
        let boxed = server().json("/api/facilities?bbox=130.70,32.79,130.72,32.81");
        for f in boxed["features"].as_array().unwrap() {
            let c = &f["geometry"]["coordinates"];
            assert!(
                (130.70..=130.72).contains(&c[0].as_f64().unwrap())
                    && (32.79..=32.81).contains(&c[1].as_f64().unwrap())
            );
        }
        assert!(!boxed["features"].as_array().unwrap().is_empty());
    }

    #[test]
    fn one_facility() {
        let hub = server().json("/api/facilities/mhlw-431143310114");
        assert_eq!(hub["properties"]["name"], "熊本大学病院");
        assert!(has_capability(&hub, "cancer_hub"));
        let level = hub["properties"]["capability_details"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["capability"] == "cancer_hub")
            .unwrap()["level"]
            .clone();
        assert_eq!(level, "prefectural");
    }

    #[test]
    fn areas_with_population_and_counts() {
        let areas = server().json("/api/areas");
        let features = areas["features"].as_array().unwrap();
        assert_eq!(features.len(), 10);
        assert!(features.iter().all(|f| f["geometry"].is_null()));
        let population: u64 = features.iter().map(|f| f["properties"]["population"].as_u64().unwrap()).sum();
        assert_eq!(population, 1_738_301);
        let counted: u64 =
            features.iter().map(|f| f["properties"]["facility_counts"]["hospital"].as_u64().unwrap()).sum();
        assert_eq!(counted as usize, count("hospital"));
        let merged = features.iter().find(|f| f["properties"]["code"] == "4312").unwrap();
        assert_eq!(merged["properties"]["name"], "熊本・上益城");
        assert!(merged["properties"]["population_65plus"].as_u64().unwrap() > 0);

        let with_geometry = server().json("/api/areas?geometry=true");
        for f in with_geometry["features"].as_array().unwrap() {
            assert!(
                ["Polygon", "MultiPolygon"].contains(&f["geometry"]["type"].as_str().unwrap()),
                "{}",
                f["id"]
            );
        }
    }
}

mod cli {
    use super::*;

    #[test]
    fn nearest_json_equals_the_api() {
        let db = common::kumamoto_db().to_str().unwrap();
        let (ok, stdout, stderr) = common::run(&[
            "nearest",
            "--db",
            db,
            "--lat",
            "32.4586",
            "--lon",
            "130.1930",
            "--kind",
            "clinic",
            "--needs",
            "home_care_support",
            "--k",
            "5",
            "--json",
        ]);
        assert!(ok, "{stderr}");
        let cli: Value = serde_json::from_str(&stdout).unwrap();
        let api =
            server().json("/api/nearest?lat=32.4586&lon=130.1930&kind=clinic&needs=home_care_support&k=5");
        assert_eq!(cli, api);
    }

    #[test]
    fn nearest_table_and_bad_arguments() {
        let db = common::kumamoto_db().to_str().unwrap();
        let (ok, stdout, _) = common::run(&[
            "nearest",
            "--db",
            db,
            "--lat",
            "32.8",
            "--lon",
            "130.7",
            "--needs",
            "palliative_ward",
            "--k",
            "3",
        ]);
        assert!(ok);
        assert_eq!(stdout.lines().filter(|l| l.contains(" km ")).count(), 3, "{stdout}");
        let (ok, _, stderr) =
            common::run(&["nearest", "--db", db, "--lat", "32.8", "--lon", "130.7", "--kind", "spa"]);
        assert!(!ok && stderr.contains("spa"), "{stderr}");
        let (ok, _, stderr) = common::run(&["nearest", "--db", db, "--lat", "95", "--lon", "130.7"]);
        assert!(!ok && stderr.contains("--lat"), "{stderr}");
        let (ok, _, stderr) =
            common::run(&["nearest", "--db", db, "--lat", "32.8", "--lon", "130.7", "--k", "0"]);
        assert!(!ok && stderr.contains("--k"), "{stderr}");
        let (ok, _, stderr) =
            common::run(&["nearest", "--db", "/nonexistent/x.sqlite", "--lat", "32.8", "--lon", "130.7"]);
        assert!(!ok && stderr.contains("kanwamap import"), "{stderr}");
    }
}

mod analysis {
    use super::*;

    fn areas(response: &Value) -> &Vec<Value> {
        response["areas"].as_array().unwrap()
    }

    #[test]
    fn coverage_conserves_the_population() {
        let coverage = server().json("/api/coverage?needs=home_care_support");
        assert_eq!(coverage["params"]["radius_km"], 16.0, "the home-visit limit is the default");
        assert_eq!(areas(&coverage).len(), 10);
        let mesh: u64 = areas(&coverage).iter().map(|a| a["population"].as_u64().unwrap()).sum();
        assert_eq!(mesh, 1_738_025, "the cells assigned to areas carry the whole mesh population");
        assert_eq!(coverage["total"]["population"].as_u64().unwrap(), mesh);
        let census: u64 = areas(&coverage).iter().map(|a| a["census_population"].as_u64().unwrap()).sum();
        assert_eq!(census, 1_738_301);
        for a in areas(&coverage) {
            let (population, covered) =
                (a["population"].as_u64().unwrap(), a["covered_population"].as_u64().unwrap());
            assert!(covered <= population, "{a}");
            assert!(a["covered_65plus"].as_u64().unwrap() <= a["population_65plus"].as_u64().unwrap(), "{a}");
            assert_eq!(a["population_complete"], true, "{a}");
            let share = a["covered_share"].as_f64().unwrap();
            assert!((share - covered as f64 / population as f64).abs() < 1e-12);
        }
        let providers: u64 = areas(&coverage).iter().map(|a| a["providers"].as_u64().unwrap()).sum();
        assert_eq!(providers, 302, "every home-care support provider lies in some area");
    }

    /// The covered population of two rural areas, recomputed in the test from the cells (as
    /// /api/access lists them) and every provider (as /api/facilities lists them), all pairs.
    #[test]
    fn coverage_matches_an_independent_brute_force() {
        let cells = server().json("/api/access?cells=true");
        let providers: Vec<(f64, f64)> = all_facilities()
            .iter()
            .filter(|f| has_capability(f, "home_care_support"))
            .map(|f| {
                (
                    f["geometry"]["coordinates"][1].as_f64().unwrap(),
                    f["geometry"]["coordinates"][0].as_f64().unwrap(),
                )
            })
            .collect();
        let coverage = server().json("/api/coverage?needs=home_care_support&radius_km=16");
        for code in ["4306", "4310"] {
            let mut covered = 0u64;
            let mut uncovered_cells = 0;
            for c in cells["cells"].as_array().unwrap().iter().filter(|c| c["area_code"] == code) {
                let (lat, lon) = (c["lat"].as_f64().unwrap(), c["lon"].as_f64().unwrap());
                if providers
                    .iter()
                    .any(|(plat, plon)| geodesic_distance_m(lat, lon, *plat, *plon) <= 16_000.0)
                {
                    covered += c["population"].as_u64().unwrap();
                } else {
                    uncovered_cells += 1;
                }
            }
            let row = areas(&coverage).iter().find(|a| a["code"] == code).unwrap();
            assert_eq!(row["covered_population"].as_u64().unwrap(), covered, "{code}");
            assert_eq!(row["uncovered_cells"].as_u64().unwrap(), uncovered_cells, "{code}");
        }
    }

    #[test]
    fn redundancy_and_radius_only_shrink_coverage() {
        let one = server().json("/api/coverage?needs=home_care_support&radius_km=16&min_providers=1");
        let two = server().json("/api/coverage?needs=home_care_support&radius_km=16&min_providers=2");
        let near = server().json("/api/coverage?needs=home_care_support&radius_km=4");
        for ((a, b), c) in areas(&one).iter().zip(areas(&two)).zip(areas(&near)) {
            let covered = |v: &Value| v["covered_population"].as_u64().unwrap();
            assert!(covered(b) <= covered(a) && covered(c) <= covered(a), "{}", a["code"]);
        }
    }

    #[test]
    fn coverage_csv_opens_in_excel_and_equals_the_cli() {
        let (status, content_type, body) = server().get("/api/coverage?needs=home_care_support&format=csv");
        assert_eq!(status, 200);
        assert!(content_type.starts_with("text/csv"), "{content_type}");
        assert!(body.starts_with('\u{feff}'), "BOM for Excel");
        let lines: Vec<&str> = body.lines().collect();
        assert_eq!(lines.len(), 12, "header, 10 areas, total");
        assert!(lines[0].contains("二次医療圏コード") && lines[0].contains("カバー率"));
        assert!(lines[11].starts_with("total,合計,1738025,1738301,"));
        let db = common::kumamoto_db().to_str().unwrap();
        let (ok, stdout, stderr) =
            common::run(&["coverage", "--db", db, "--needs", "home_care_support", "--csv"]);
        assert!(ok, "{stderr}");
        assert_eq!(stdout, body);
    }

    #[test]
    fn gaps_are_the_uncovered_population() {
        let coverage = server().json("/api/coverage?needs=home_care_support&radius_km=10");
        for a in areas(&coverage) {
            let code = a["code"].as_str().unwrap();
            let (status, content_type, body) =
                server().get(&format!("/api/areas/{code}/gaps?needs=home_care_support&radius_km=10"));
            assert_eq!(status, 200);
            assert_eq!(content_type, "application/geo+json");
            let gaps: Value = serde_json::from_str(&body).unwrap();
            let features = gaps["features"].as_array().unwrap();
            let population: u64 =
                features.iter().map(|f| f["properties"]["population"].as_u64().unwrap()).sum();
            let cells: u64 = features.iter().map(|f| f["properties"]["cells"].as_u64().unwrap()).sum();
            assert_eq!(
                population,
                a["population"].as_u64().unwrap() - a["covered_population"].as_u64().unwrap(),
                "{code}"
            );
            assert_eq!(cells, a["uncovered_cells"].as_u64().unwrap(), "{code}");
            assert!(features.iter().all(|f| f["geometry"]["type"] == "Polygon"));
        }
    }

    #[test]
    fn access_scores_summarise_the_cells() {
        let response = server()
            .json("/api/access?needs=palliative_ward&supply=beds&catchment_km=30&decay=gaussian&cells=true");
        assert!(response["units"].as_str().unwrap().contains("beds per 100,000"));
        assert_eq!(response["providers"], 15);
        assert_eq!(areas(&response).len(), 10);
        let cells = response["cells"].as_array().unwrap();
        assert_eq!(cells.len(), 11_505);
        for a in areas(&response) {
            let members: Vec<&Value> = cells.iter().filter(|c| c["area_code"] == a["code"]).collect();
            let weight: f64 = members.iter().map(|c| c["population"].as_f64().unwrap()).sum();
            let mean: f64 = members
                .iter()
                .map(|c| c["population"].as_f64().unwrap() * c["score"].as_f64().unwrap())
                .sum::<f64>()
                / weight;
            assert!((mean - a["mean"].as_f64().unwrap()).abs() <= 1e-9 * mean.max(1.0), "{}", a["code"]);
            let gini = a["gini"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&gini));
        }
        let step = server().json("/api/access?kind=clinic&needs=home_care_support");
        assert!(step["cells"].is_null(), "cells only when asked");
        assert!(step["total"]["mean"].as_f64().unwrap() > 0.0);
    }

    #[test]
    fn analysis_parameters_are_checked() {
        for (path, parameter) in [
            ("/api/coverage?radius_km=0", "radius_km"),
            ("/api/coverage?radius_km=500", "radius_km"),
            ("/api/coverage?min_providers=0", "min_providers"),
            ("/api/coverage?format=xlsx", "format"),
            ("/api/coverage?needs=teleport", "needs"),
            ("/api/areas/4310/gaps?radius=16", "radius"),
            ("/api/access?decay=linear", "decay"),
            ("/api/access?supply=beds", "supply"),
            ("/api/access?population=kids", "population"),
            ("/api/access?catchment_km=0", "catchment_km"),
            ("/api/access?cells=yes", "cells"),
        ] {
            let (status, content_type, body) = server().get(path);
            assert_eq!(status, 400, "{path}: {body}");
            assert_eq!(content_type, "application/problem+json");
            let problem: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(problem["parameter"], parameter, "{path}: {problem}");
        }
        let (status, _, _) = server().get("/api/areas/9999/gaps");
        assert_eq!(status, 404);
    }
}
