//! Prefectures through the real server: `prefecture=` on the listings, analyses and tiles, and
//! `/api/prefectures`, on the national registry (`--prefecture all`) and on the Kumamoto one; nearest
//! and care-team answers across a prefecture border checked against a brute force over every
//! facility with Karney distances computed here.

mod common;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use common::{Server, get_bytes, kumamoto_db, national_db};
use kanwamap::spatial::geodesy::geodesic_distance_m;
use kanwamap::tiles::math::TileId;
use kanwamap::tiles::mvt::{DecodedLayer, Value as MvtValue, decode};
use serde_json::Value;

fn national() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| Server::start_with(national_db(), &[]))
}

fn kumamoto() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| Server::start_with(kumamoto_db(), &[]))
}

/// 荒尾市 (Kumamoto) on the border with 大牟田市 (Fukuoka).
const ARAO: (f64, f64) = (33.0, 130.46);

/// A 400 problem naming `prefecture`; its body.
fn refused(server: &Server, path: &str) -> Value {
    let (status, content_type, body) = server.get(path);
    assert_eq!(status, 400, "{path}: {body}");
    assert_eq!(content_type, "application/problem+json", "{path}");
    let problem: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["parameter"], "prefecture", "{path}: {body}");
    problem
}

fn features(server: &Server, path: &str) -> Vec<Value> {
    server.json(path)["features"].as_array().unwrap_or_else(|| panic!("{path}: no features")).clone()
}

/// The decoded layer of a tile (None for 204).
fn tile(server: &Server, layer: &str, t: TileId, query: &str) -> Option<DecodedLayer> {
    let path = format!("/tiles/{layer}/{}/{}/{}.mvt{query}", t.z(), t.x(), t.y());
    let (status, body) = get_bytes(&server.url(&path));
    match status {
        204 => None,
        200 => Some(decode(&body).unwrap_or_else(|e| panic!("{path}: {e}")).remove(0)),
        other => panic!("{path}: {other} {}", String::from_utf8_lossy(&body)),
    }
}

fn codes(layer: &Option<DecodedLayer>, key: &str) -> BTreeSet<String> {
    layer
        .iter()
        .flat_map(|l| &l.features)
        .filter_map(|f| f.get(key).and_then(MvtValue::as_str).map(str::to_owned))
        .collect()
}

fn prefixes(codes: &BTreeSet<String>) -> BTreeSet<&str> {
    codes.iter().map(|c| &c[..2]).collect()
}

mod parameter {
    use super::*;

    /// Every endpoint that takes `prefecture=` refuses a prefecture the registry does not hold,
    /// `all`, and codes that are not two digits, listing the imported prefectures.
    #[test]
    fn is_checked_on_every_endpoint() {
        let endpoints = [
            "/api/facilities?",
            "/api/areas?",
            "/api/coverage?",
            "/api/coverage?format=csv&",
            "/api/areas/4312/gaps?",
            "/api/access?",
            "/tiles/facilities/10/906/418.mvt?",
            "/tiles/areas/10/906/418.mvt?",
            "/tiles/municipalities/10/906/418.mvt?",
            "/tiles/coverage/10/906/418.mvt?",
            "/tiles/areas.json?",
            "/tiles/municipalities.json?",
        ];
        for endpoint in endpoints {
            for value in ["13", "all", "4", "48", "x"] {
                let problem = refused(kumamoto(), &format!("{endpoint}prefecture={value}"));
                assert_eq!(
                    problem["allowed"].as_str().unwrap().split(" (").next(),
                    Some("prefectures in the registry: 43 熊本県")
                );
            }
            let detail = refused(kumamoto(), &format!("{endpoint}prefecture=13"))["detail"].clone();
            assert_eq!(detail, "prefecture 13 東京都 is not in the registry", "{endpoint}");
        }
    }

    /// On a registry of one prefecture, naming it changes nothing.
    #[test]
    fn the_only_prefecture_is_everything() {
        let s = kumamoto();
        assert_eq!(features(s, "/api/facilities?prefecture=43").len(), features(s, "/api/facilities").len());
        assert_eq!(features(s, "/api/areas?prefecture=熊本県").len(), 10);
        let all = s.json("/api/coverage?needs=home_care_support");
        let own = s.json("/api/coverage?needs=home_care_support&prefecture=43");
        assert_eq!((&all["areas"], &all["total"]), (&own["areas"], &own["total"]));
        assert_eq!(own["params"]["prefecture"], "43");
        let t = TileId::containing(130.7058, 32.8063, 10).unwrap();
        for layer in ["facilities", "areas", "municipalities", "coverage"] {
            let a = tile(s, layer, t, "");
            let b = tile(s, layer, t, "?prefecture=43");
            assert_eq!(a.map(|l| l.features.len()), b.map(|l| l.features.len()), "{layer}");
        }
    }
}

mod prefectures_endpoint {
    use super::*;

    #[test]
    fn lists_what_the_national_registry_holds() {
        let answer = national().json("/api/prefectures");
        let list = answer["prefectures"].as_array().unwrap();
        assert_eq!(list.len(), 47);
        let codes: Vec<&str> = list.iter().map(|p| p["code"].as_str().unwrap()).collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "by code");
        let of = |code: &str| list.iter().find(|p| p["code"] == code).unwrap();
        let k43 = of("43");
        assert_eq!((k43["name"].as_str(), k43["name_en"].as_str()), (Some("熊本県"), Some("Kumamoto")));
        assert_eq!(
            (k43["areas"].as_u64(), k43["areas_with_complete_population"].as_u64()),
            (Some(10), Some(10))
        );
        assert_eq!(k43["capabilities"], true);
        assert_eq!(k43["facilities_total"], 3535);
        assert_eq!(k43["facilities"]["hospital"], 201);
        assert!(k43["mesh_population"].as_u64().unwrap() > 1_700_000);
        let b: Vec<f64> = k43["bounds"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        assert!(b[0] > 129.8 && b[0] < 130.0 && b[2] > 131.2 && b[2] < 131.4, "{b:?}");
        assert!(b[1] > 32.0 && b[1] < 32.2 && b[3] > 33.1 && b[3] < 33.3, "{b:?}");
        assert_eq!(k43["center"][0].as_f64().unwrap(), (b[0] + b[2]) / 2.0);
        let tokyo = of("13");
        assert_eq!(
            (tokyo["areas"].as_u64(), tokyo["areas_with_complete_population"].as_u64()),
            (Some(13), Some(0))
        );
        assert_eq!(
            (tokyo["capabilities"].as_bool(), tokyo["mesh_population"].as_u64()),
            (Some(false), Some(0))
        );
        assert_eq!(tokyo["facilities"]["hospital"], 583);
        assert!(tokyo["population"].as_u64().unwrap() > 14_000_000);
        // The whole: every prefecture's bounds inside it.
        let all: Vec<f64> =
            answer["bounds"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        for p in list {
            let b: Vec<f64> = p["bounds"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
            assert!(b[0] >= all[0] && b[1] >= all[1] && b[2] <= all[2] && b[3] <= all[3], "{}", p["code"]);
        }
        assert_eq!(national().get("/api/prefectures?code=43").0, 400, "no parameters");
        let one = kumamoto().json("/api/prefectures");
        assert_eq!(one["prefectures"].as_array().unwrap().len(), 1);
        assert_eq!(one["bounds"], one["prefectures"][0]["bounds"]);
    }

    #[test]
    fn documented() {
        let doc = national().json("/api/openapi.json");
        assert!(doc["paths"]["/api/prefectures"]["get"].is_object());
        for path in
            ["/api/facilities", "/api/areas", "/api/coverage", "/api/areas/{code}/gaps", "/api/access"]
        {
            let names: Vec<&str> = doc["paths"][path]["get"]["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            assert!(names.contains(&"prefecture"), "{path}: {names:?}");
        }
    }
}

mod listings {
    use super::*;

    #[test]
    fn facilities_and_areas_of_some_prefectures() {
        let s = national();
        let kumamoto_only = features(kumamoto(), "/api/facilities");
        let of_43 = features(s, "/api/facilities?prefecture=43");
        assert_eq!(of_43.len(), kumamoto_only.len());
        assert!(of_43.iter().all(|f| f["properties"]["pref_code"] == "43"));
        let two = features(s, "/api/facilities?prefecture=40,43&kind=hospital");
        let prefs: BTreeSet<&str> =
            two.iter().map(|f| f["properties"]["pref_code"].as_str().unwrap()).collect();
        assert_eq!(prefs, BTreeSet::from(["40", "43"]));
        assert_eq!(two.len(), 201 + 446);
        let areas = features(s, "/api/areas?prefecture=13");
        assert_eq!(areas.len(), 13);
        assert!(areas.iter().all(|a| a["properties"]["pref_code"] == "13"));
        assert_eq!(features(s, "/api/areas").len(), 339);
    }
}

mod analyses {
    use super::*;

    /// Kumamoto's rows and total on the national registry are those of the Kumamoto registry: the
    /// total is over Kumamoto's cells and providers, not the nation's.
    #[test]
    fn coverage_of_kumamoto_equals_the_kumamoto_registry() {
        let query = "/api/coverage?needs=home_care_support&radius_km=16";
        let alone = kumamoto().json(query);
        let within = national().json(&format!("{query}&prefecture=43"));
        assert_eq!(within["areas"], alone["areas"]);
        assert_eq!(within["total"], alone["total"]);
        let nation = national().json(query);
        assert_eq!(nation["areas"].as_array().unwrap().len(), 339);
        assert_ne!(nation["total"]["census_population"], within["total"]["census_population"]);
        let csv = national().get(&format!("{query}&prefecture=43&format=csv")).2;
        assert!(csv.starts_with('\u{feff}'));
        assert_eq!(csv.trim_end().lines().count(), 1 + 10 + 1, "header, 10 areas, total");
    }

    #[test]
    fn areas_without_mesh_have_no_share_and_totals_add_up() {
        let tokyo = national().json("/api/coverage?needs=home_care_support&prefecture=13");
        let rows = tokyo["areas"].as_array().unwrap();
        assert_eq!(rows.len(), 13);
        for row in rows.iter().chain([&tokyo["total"]]) {
            assert!(row["covered_share"].is_null(), "never a silent 0 %: {row}");
            assert_eq!(
                (row["population_complete"].as_bool(), row["population"].as_u64()),
                (Some(false), Some(0))
            );
        }
        assert!(tokyo["total"]["census_population"].as_u64().unwrap() > 14_000_000);
        let two = national().json("/api/coverage?kind=hospital&prefecture=43,40");
        let rows = two["areas"].as_array().unwrap();
        assert_eq!(rows.len(), 23);
        let sum = |key: &str| rows.iter().map(|r| r[key].as_u64().unwrap()).sum::<u64>();
        for key in ["population", "covered_population", "cells", "uncovered_cells"] {
            assert_eq!(sum(key), two["total"][key].as_u64().unwrap(), "{key}");
        }
        assert_eq!(two["total"]["providers"], 201 + 446);
        assert_eq!(two["params"]["prefecture"], "40,43");
    }

    #[test]
    fn access_gaps_and_cells_keep_to_the_prefecture() {
        let s = national();
        let access = s.json("/api/access?needs=palliative_ward&prefecture=43&cells=true");
        assert_eq!(access["areas"].as_array().unwrap().len(), 10);
        let cells = access["cells"].as_array().unwrap();
        assert!(cells.iter().all(|c| c["area_code"].as_str().unwrap().starts_with("43")));
        let population: u64 = cells.iter().map(|c| c["population"].as_u64().unwrap()).sum();
        assert_eq!(access["total"]["population"].as_u64(), Some(population));
        assert_eq!(access["providers"], 15, "Kumamoto's palliative-care wards");
        assert_eq!(access["params"]["prefecture"], "43");
        let (status, _, _) = s.get("/api/areas/4312/gaps?prefecture=43");
        assert_eq!(status, 200);
        let problem = refused(s, "/api/areas/4312/gaps?prefecture=40");
        assert!(problem["detail"].as_str().unwrap().contains("lies in prefecture 43"), "{problem}");
    }
}

mod tiles {
    use super::*;

    /// The z9 tile over 荒尾市 and 大牟田市 holds both prefectures (and the other shores of the
    /// Ariake Sea); prefecture= keeps one.
    #[test]
    fn every_layer_keeps_to_the_prefecture() {
        let s = national();
        let t = TileId::containing(ARAO.1, ARAO.0, 9).unwrap();
        let mut shown = BTreeSet::new();
        for (layer, key) in [("areas", "code"), ("municipalities", "code")] {
            let all = codes(&tile(s, layer, t, ""), key);
            shown = prefixes(&all).into_iter().map(str::to_owned).collect();
            assert!(shown.contains("40") && shown.contains("43"), "{layer}: {shown:?}");
            let own = codes(&tile(s, layer, t, "?prefecture=43"), key);
            assert_eq!(prefixes(&own), BTreeSet::from(["43"]), "{layer}");
            assert_eq!(own, all.iter().filter(|c| c.starts_with("43")).cloned().collect(), "{layer}");
        }
        let z12 = TileId::containing(ARAO.1, ARAO.0, 12).unwrap();
        let facilities = tile(s, "facilities", z12, "?prefecture=40").expect("Fukuoka hospitals");
        let ids: Vec<String> = facilities
            .features
            .iter()
            .map(|f| f.get("id").and_then(MvtValue::as_str).unwrap().to_owned())
            .collect();
        let fukuoka: BTreeSet<String> = features(s, "/api/facilities?prefecture=40")
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect();
        assert!(!ids.is_empty() && ids.iter().all(|id| fukuoka.contains(id)), "{ids:?}");
        // Every cell of the tile is in exactly one prefecture's tile.
        let count = |query: &str| tile(s, "coverage", t, query).map_or(0, |l| l.features.len());
        let per_prefecture: Vec<usize> = shown.iter().map(|p| count(&format!("?prefecture={p}"))).collect();
        assert!(per_prefecture.iter().all(|n| *n > 0), "{shown:?}: {per_prefecture:?}");
        assert_eq!(per_prefecture.iter().sum::<usize>(), count(""), "{shown:?}: {per_prefecture:?}");
    }

    #[test]
    fn tilejson_bounds_are_those_of_the_prefectures() {
        let s = national();
        let listed = s.json("/api/prefectures");
        let kumamoto = listed["prefectures"].as_array().unwrap().iter().find(|p| p["code"] == "43").unwrap();
        for layer in ["facilities", "areas", "municipalities", "coverage"] {
            let own = s.json(&format!("/tiles/{layer}.json?prefecture=43"));
            assert_eq!(own["bounds"], kumamoto["bounds"], "{layer}");
            assert_eq!(
                (&own["center"][0], &own["center"][1]),
                (&kumamoto["center"][0], &kumamoto["center"][1])
            );
            assert!(own["tiles"][0].as_str().unwrap().ends_with(".mvt?prefecture=43"));
            let all = s.json(&format!("/tiles/{layer}.json"));
            assert_eq!(all["bounds"], listed["bounds"], "{layer}");
        }
    }
}

mod across_borders {
    use super::*;

    fn all_facilities() -> &'static Vec<Value> {
        static ALL: OnceLock<Vec<Value>> = OnceLock::new();
        ALL.get_or_init(|| features(national(), "/api/facilities"))
    }

    fn has(f: &Value, capability: &str) -> bool {
        f["properties"]["capabilities"].as_array().is_some_and(|c| c.iter().any(|v| v == capability))
    }

    /// Every facility passing `keep`, with its Karney distance from (lat, lon), nearest first.
    fn brute_force(lat: f64, lon: f64, keep: impl Fn(&Value) -> bool) -> Vec<(String, f64)> {
        let mut all: Vec<(String, f64)> = all_facilities()
            .iter()
            .filter(|f| keep(f))
            .map(|f| {
                let c = &f["geometry"]["coordinates"];
                let d = geodesic_distance_m(lat, lon, c[1].as_f64().unwrap(), c[0].as_f64().unwrap());
                (f["id"].as_str().unwrap().to_owned(), d)
            })
            .collect();
        all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        all
    }

    /// The answer's (id, distance) are the first of the brute force, up to ties of equal distance.
    fn assert_nearest(got: &[(String, f64)], all: &[(String, f64)], k: usize, what: &str) {
        let expected = &all[..k.min(all.len())];
        assert_eq!(got.len(), expected.len(), "{what}: {got:?} vs {expected:?}");
        for (g, e) in got.iter().zip(expected) {
            assert!((g.1 - e.1).abs() <= 0.5, "{what}: {g:?} vs {e:?}");
            let own = all.iter().find(|a| a.0 == g.0).unwrap_or_else(|| panic!("{what}: {g:?} not eligible"));
            assert!((own.1 - g.1).abs() <= 0.5, "{what}: {g:?}");
        }
    }

    fn pairs(list: &Value) -> Vec<(String, f64)> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|r| (r["id"].as_str().unwrap().to_owned(), r["distance_m"].as_f64().unwrap()))
            .collect()
    }

    #[test]
    fn the_nearest_hospital_of_arao_is_in_fukuoka() {
        let (lat, lon) = ARAO;
        let answer = national().json(&format!("/api/nearest?lat={lat}&lon={lon}&kind=hospital&k=10"));
        let first = &answer["results"][0];
        assert_eq!(first["name"], "南大牟田病院");
        assert_eq!(first["pref_code"], "40");
        assert!((first["distance_m"].as_f64().unwrap() - 640.0).abs() < 10.0, "{first}");
        let hospitals = brute_force(lat, lon, |f| f["properties"]["kind"] == "hospital");
        assert_nearest(&pairs(&answer["results"]), &hospitals, 10, "hospitals");
        let prefs: BTreeSet<&str> =
            answer["results"].as_array().unwrap().iter().map(|r| r["pref_code"].as_str().unwrap()).collect();
        assert_eq!(prefs, BTreeSet::from(["40", "43"]), "both sides of the border");
        for (query, keep) in [
            ("k=20", Box::new(|_: &Value| true) as Box<dyn Fn(&Value) -> bool>),
            ("needs=home_care_support&k=5", Box::new(|f: &Value| has(f, "home_care_support"))),
            ("kind=pharmacy&k=5", Box::new(|f: &Value| f["properties"]["kind"] == "pharmacy")),
        ] {
            let answer = national().json(&format!("/api/nearest?lat={lat}&lon={lon}&{query}"));
            let k = answer["results"].as_array().unwrap().len();
            assert_nearest(&pairs(&answer["results"]), &brute_force(lat, lon, keep), k, query);
        }
    }

    /// The care team of a home in 荒尾市 and of one in 大牟田市, role by role, against the brute
    /// force over the whole registry. Fukuoka has hospitals only in our data: the 大牟田 home's roles
    /// have no data (naming 福岡県) and keep only the Kumamoto candidates within 16 km.
    #[test]
    fn care_team_roles_match_the_brute_force() {
        for ((lat, lon), fukuoka) in [(ARAO, false), ((33.03, 130.45), true)] {
            let team = national().json(&format!("/api/care-team?lat={lat}&lon={lon}&k=3"));
            let role = |name: &str| {
                team["roles"].as_array().unwrap().iter().find(|r| r["role"] == name).unwrap().clone()
            };
            let at = format!("({lat}, {lon})");
            let near = |list: Vec<(String, f64)>| -> Vec<(String, f64)> {
                if fukuoka { list.into_iter().filter(|(_, d)| *d <= 16_000.0).collect() } else { list }
            };
            for name in ["home_care_clinic", "visiting_nurse", "pharmacy", "dentist", "palliative_ward"] {
                let r = role(name);
                let expected = if fukuoka { "no_data" } else { "filled" };
                assert_eq!(r["status"], expected, "{name} {at}: {r}");
                if fukuoka {
                    assert!(r["reason_ja"].as_str().unwrap().contains("福岡県"), "{r}");
                    assert!(r["reason_en"].as_str().unwrap().contains("Fukuoka"), "{r}");
                }
            }
            let home_care: Vec<(String, f64)> = brute_force(lat, lon, |f| {
                ["clinic", "hospital"].contains(&f["properties"]["kind"].as_str().unwrap())
                    && has(f, "home_care_support")
            })
            .into_iter()
            .filter(|(_, d)| *d <= 16_000.0)
            .collect();
            assert_nearest(
                &pairs(&role("home_care_clinic")["candidates"]),
                &home_care,
                3,
                &format!("home care {at}"),
            );
            for (name, kind) in [
                ("visiting_nurse", "visiting_nurse"),
                ("pharmacy", "pharmacy"),
                ("dentist", "dental"),
                ("cancer_salon", "salon"),
                ("peer_support", "peer_support"),
            ] {
                let all = near(brute_force(lat, lon, |f| f["properties"]["kind"] == kind));
                assert_nearest(&pairs(&role(name)["candidates"]), &all, 3, &format!("{name} {at}"));
            }
            let wards = brute_force(lat, lon, |f| has(f, "palliative_ward"));
            let got = pairs(&role("palliative_ward")["candidates"]);
            assert!(got.iter().all(|g| wards.iter().any(|w| w.0 == g.0)), "{at}: {got:?}");
        }
    }

    /// A home far from any prefecture with the data (Tokyo, in our data): every role says it has no
    /// data, and nothing hundreds of kilometres away is offered.
    #[test]
    fn a_home_without_data_around_it_gets_no_distant_answers() {
        let team = national().json("/api/care-team?lat=35.6812&lon=139.7671");
        for r in team["roles"].as_array().unwrap() {
            assert_eq!(r["status"], "no_data", "{r}");
            assert!(r["reason_ja"].as_str().unwrap().contains("東京都"), "{r}");
            assert_eq!(r["candidates"].as_array().unwrap().len(), 0, "{r}");
        }
    }
}
