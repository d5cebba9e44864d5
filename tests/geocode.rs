//! Address search through the real server on the real data: the ways people write one address,
//! autocomplete, other prefectures, bad requests, and accuracy against the official coordinates of
//! the hospitals, on the Kumamoto registry and (the same answers for Kumamoto, and addresses of
//! other prefectures at municipality precision) on the national one.

mod common;

use std::sync::OnceLock;

use common::{Server, national_db};
use serde_json::Value;

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(Server::start)
}

/// The server on the national registry (`--prefecture all`).
fn national() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| Server::start_with(national_db(), &[]))
}

/// Both servers: what holds for Kumamoto must hold on either registry.
fn both() -> [&'static Server; 2] {
    [server(), national()]
}

fn geocode(q: &str, limit: usize) -> Vec<Value> {
    geocode_on(server(), q, limit)
}

fn geocode_on(s: &Server, q: &str, limit: usize) -> Vec<Value> {
    let path = format!("/api/geocode?q={}&limit={limit}", urlencode(q));
    let answer = s.json(&path);
    assert_eq!(answer["query"], q);
    answer["candidates"].as_array().expect("candidates").clone()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The town the first candidate names.
fn first_town(s: &Server, q: &str) -> (String, String, f64, f64) {
    let found = geocode_on(s, q, 3);
    let best = found.first().unwrap_or_else(|| panic!("nothing found for {q}"));
    assert_eq!(best["precision"], "town", "{q}: {best}");
    (
        best["municipality_code"].as_str().unwrap().to_owned(),
        best["town"].as_str().unwrap().to_owned(),
        best["lat"].as_f64().unwrap(),
        best["lon"].as_f64().unwrap(),
    )
}

#[test]
fn the_ways_one_address_is_written_find_the_same_town() {
    let groups: &[&[&str]] = &[
        &[
            "熊本県熊本市中央区水前寺6丁目18番1号",
            "熊本市中央区水前寺６丁目１８－１",
            "熊本市中央区水前寺六丁目18-1",
            "熊本市中央区水前寺6-18-1",
            "熊本県熊本市中央区水前寺6ー18ー1",
            "熊本市中央区水前寺６－１８－１",
        ],
        &["上天草市龍ヶ岳町大道1000", "上天草市龍ケ岳町大道１０００番地", "熊本県上天草市龍が岳町大道1000"],
        &[
            "熊本県上益城郡嘉島町大字上島123",
            "嘉島町上島123",
            "上益城郡嘉島町上島１２３番地",
            "熊本県嘉島町大字上島123-4",
        ],
    ];
    for group in groups {
        let expected = first_town(server(), group[0]);
        for s in both() {
            for variant in &group[1..] {
                assert_eq!(first_town(s, variant), expected, "{variant} vs {} on {}", group[0], s.base);
            }
            assert_eq!(first_town(s, group[0]), expected, "{} on {}", group[0], s.base);
        }
    }
    assert_eq!(first_town(server(), "熊本市中央区水前寺6-18-1").1, "水前寺六丁目");
}

#[test]
fn the_start_of_an_address_lists_its_towns() {
    for s in both() {
        the_start_of_an_address_lists_its_towns_on(s);
    }
    // The national registry gives the same list for a Kumamoto name, with its prefecture.
    let alone = geocode("熊本市中央区水前寺", 10);
    let national = geocode_on(national(), "熊本市中央区水前寺", 10);
    assert_eq!(alone, national);
    assert!(national.iter().all(|c| c["pref_code"] == "43" && c["prefecture"] == "熊本県"));
}

fn the_start_of_an_address_lists_its_towns_on(s: &Server) {
    let geocode = |q: &str, limit: usize| geocode_on(s, q, limit);
    let found = geocode("熊本市中央区水前寺", 10);
    assert!(found.len() >= 5, "{found:?}");
    assert!(
        found.iter().all(|c| c["normalized"].as_str().unwrap().starts_with("熊本市中央区水前寺")),
        "{found:?}"
    );
    let scores: Vec<f64> = found.iter().map(|c| c["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "best first: {scores:?}");
    // A municipality alone is a municipality-level answer.
    let town = geocode("水俣市", 1);
    assert_eq!(town[0]["municipality_name"], "水俣市");
}

#[test]
fn other_prefectures_and_nonsense_find_nothing() {
    assert!(geocode("福岡県福岡市博多区博多駅前2丁目1-1", 5).is_empty());
    assert!(geocode("xyz", 5).is_empty());
    assert!(geocode_on(national(), "xyz", 5).is_empty());
}

/// On the national registry an address of Fukuoka lands in its municipality (Fukuoka has no town
/// points in our data: municipality precision, at a point inside the municipality's boundary).
#[test]
fn other_prefectures_are_found_on_the_national_registry() {
    for q in ["福岡県大牟田市有明町2丁目3", "大牟田市有明町2-3"] {
        let found = geocode_on(national(), q, 3);
        let best = found.first().unwrap_or_else(|| panic!("{q}: nothing"));
        assert_eq!(
            (
                best["municipality_code"].as_str(),
                best["municipality_name"].as_str(),
                best["precision"].as_str()
            ),
            (Some("40202"), Some("大牟田市"), Some("municipality")),
            "{q}: {best}"
        );
        assert_eq!((best["pref_code"].as_str(), best["prefecture"].as_str()), (Some("40"), Some("福岡県")));
        // 大牟田市 lies between lat 32.95 and 33.10, lon 130.40 and 130.55.
        let (lat, lon) = (best["lat"].as_f64().unwrap(), best["lon"].as_f64().unwrap());
        assert!((32.95..33.10).contains(&lat) && (130.40..130.55).contains(&lon), "{q}: {best}");
    }
    // The care team of such an address is that of the point it was placed at.
    let team =
        national().json(&format!("/api/care-team?address={}", urlencode("福岡県大牟田市有明町2丁目3")));
    assert_eq!(team["geocoded"]["municipality_code"], "40202");
    assert_eq!(team["geocoded"]["precision"], "municipality");
    // A name two prefectures have needs its prefecture for a single answer; both are candidates.
    let both: Vec<String> = geocode_on(national(), "美里町", 5)
        .iter()
        .map(|c| c["prefecture"].as_str().unwrap().to_owned())
        .collect();
    assert!(both.contains(&"熊本県".to_owned()) && both.contains(&"宮城県".to_owned()), "{both:?}");
    let (status, _, body) = national().get(&format!("/api/care-team?address={}", urlencode("美里町")));
    assert_eq!(status, 400, "{body}");
    let team = national().json(&format!("/api/care-team?address={}", urlencode("熊本県美里町")));
    assert_eq!(team["geocoded"]["municipality_code"], "43348");
    assert!(
        geocode_on(national(), "福岡県福岡市博多区博多駅前2丁目1-1", 1)[0]["municipality_code"] == "40132"
    );
}

#[test]
fn bad_requests_name_the_parameter() {
    for s in both() {
        bad_requests_name_the_parameter_on(s);
    }
}

fn bad_requests_name_the_parameter_on(s: &Server) {
    for (path, parameter) in [
        ("/api/geocode", "q"),
        ("/api/geocode?q=", "q"),
        ("/api/geocode?q=%E7%86%8A&limit=0", "limit"),
        ("/api/geocode?address=x", "address"),
    ] {
        let (status, content_type, body) = s.get(path);
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(content_type, "application/problem+json");
        let problem: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(problem["parameter"], parameter, "{path}: {body}");
    }
    let long = "熊".repeat(201);
    let (status, _, _) = s.get(&format!("/api/geocode?q={}", urlencode(&long)));
    assert_eq!(status, 400);
}

/// The hospitals' addresses geocoded through the API, against their official coordinates
/// (医療情報ネット): the town point is near the building, not on it.
#[test]
fn hospital_addresses_land_near_their_official_coordinates() {
    hospital_addresses_land_near_their_official_coordinates_on(server(), "");
    hospital_addresses_land_near_their_official_coordinates_on(national(), "&prefecture=43");
}

fn hospital_addresses_land_near_their_official_coordinates_on(s: &Server, filter: &str) {
    let geocode = |q: &str, limit: usize| geocode_on(s, q, limit);
    let hospitals = s.json(&format!("/api/facilities?kind=hospital{filter}"));
    let mut errors_km = Vec::new();
    let mut not_found = Vec::new();
    for f in hospitals["features"].as_array().unwrap() {
        let p = &f["properties"];
        if p["location_precision"] != "exact" {
            continue;
        }
        let Some(address) = p["address"].as_str() else { continue };
        match geocode(address, 1).first() {
            Some(c) => {
                let d = kanwamap::spatial::geodesy::geodesic_distance_m(
                    p["lat"].as_f64().unwrap(),
                    p["lon"].as_f64().unwrap(),
                    c["lat"].as_f64().unwrap(),
                    c["lon"].as_f64().unwrap(),
                );
                errors_km.push(d / 1000.0);
            }
            None => not_found.push(address.to_owned()),
        }
    }
    assert!(errors_km.len() >= 190, "{} hospitals geocoded; not found: {not_found:?}", errors_km.len());
    errors_km.sort_by(f64::total_cmp);
    let median = errors_km[errors_km.len() / 2];
    let p90 = errors_km[errors_km.len() * 9 / 10];
    eprintln!(
        "{} hospitals: median {median:.3} km, p90 {p90:.3} km, max {:.3} km",
        errors_km.len(),
        errors_km.last().unwrap()
    );
    assert!(median < 0.5, "median {median} km");
    assert!(p90 < 2.0, "p90 {p90} km");
}
