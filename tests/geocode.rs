//! Address search through the real server on the real Kumamoto data: the ways people write one
//! address, autocomplete, other prefectures, bad requests, and accuracy against the official
//! coordinates of the hospitals.

mod common;

use std::sync::OnceLock;

use common::Server;
use serde_json::Value;

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(Server::start)
}

fn geocode(q: &str, limit: usize) -> Vec<Value> {
    let path = format!("/api/geocode?q={}&limit={limit}", urlencode(q));
    let answer = server().json(&path);
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
fn first_town(q: &str) -> (String, String, f64, f64) {
    let found = geocode(q, 3);
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
        let expected = first_town(group[0]);
        for variant in &group[1..] {
            assert_eq!(first_town(variant), expected, "{variant} vs {}", group[0]);
        }
    }
    assert_eq!(first_town("熊本市中央区水前寺6-18-1").1, "水前寺六丁目");
}

#[test]
fn the_start_of_an_address_lists_its_towns() {
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
}

#[test]
fn bad_requests_name_the_parameter() {
    for (path, parameter) in [
        ("/api/geocode", "q"),
        ("/api/geocode?q=", "q"),
        ("/api/geocode?q=%E7%86%8A&limit=0", "limit"),
        ("/api/geocode?address=x", "address"),
    ] {
        let (status, content_type, body) = server().get(path);
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(content_type, "application/problem+json");
        let problem: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(problem["parameter"], parameter, "{path}: {body}");
    }
    let long = "熊".repeat(201);
    let (status, _, _) = server().get(&format!("/api/geocode?q={}", urlencode(&long)));
    assert_eq!(status, 400);
}

/// The hospitals' addresses geocoded through the API, against their official coordinates
/// (医療情報ネット): the town point is near the building, not on it.
#[test]
fn hospital_addresses_land_near_their_official_coordinates() {
    let hospitals = server().json("/api/facilities?kind=hospital");
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
