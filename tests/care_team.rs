//! `GET /api/care-team` against the real server on the real Kumamoto registry: every role is
//! checked against an independent brute-force computation over all facilities (geodesic distances
//! computed here, not by the index), the 16 km home-visit rule, and pharmacy stock registered
//! through the real stock API.

mod common;

use std::sync::OnceLock;

use common::{Server, http, issue_token, kumamoto_db_copy};
use kanwamap::spatial::geodesy::geodesic_distance_m;
use serde_json::{Value, json};

const HOME_VISIT_LIMIT_M: f64 = 16_000.0;

/// 熊本市中央区, 天草市本渡, 人吉市, 水上村 (球磨郡).
const PLACES: [(f64, f64); 4] =
    [(32.8031, 130.7079), (32.4586, 130.1930), (32.2100, 130.7627), (32.3150, 131.0070)];

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(Server::start)
}

fn all_facilities() -> &'static Vec<Value> {
    static ALL: OnceLock<Vec<Value>> = OnceLock::new();
    ALL.get_or_init(|| server().json("/api/facilities")["features"].as_array().expect("features").clone())
}

fn has_capability(f: &Value, capability: &str) -> bool {
    f["properties"]["capabilities"].as_array().is_some_and(|c| c.iter().any(|v| v == capability))
}

fn kind_is(f: &Value, kinds: &[&str]) -> bool {
    kinds.iter().any(|k| f["properties"]["kind"] == *k)
}

fn ward_beds_filed(f: &Value) -> bool {
    f["properties"]["capability_details"].as_array().is_some_and(|d| {
        d.iter().any(|c| c["capability"] == "palliative_ward" && c["ward_beds"].as_u64() > Some(0))
    })
}

fn lat_lon(f: &Value) -> (f64, f64) {
    let c = &f["geometry"]["coordinates"];
    (c[1].as_f64().expect("lat"), c[0].as_f64().expect("lon"))
}

/// Every facility passing `keep`, with its geodesic distance from (lat, lon), nearest first.
fn brute_force(lat: f64, lon: f64, keep: impl Fn(&Value) -> bool) -> Vec<(String, f64)> {
    let mut all: Vec<(String, f64)> = all_facilities()
        .iter()
        .filter(|f| keep(f))
        .map(|f| {
            let (flat, flon) = lat_lon(f);
            (f["id"].as_str().expect("id").to_owned(), geodesic_distance_m(lat, lon, flat, flon))
        })
        .collect();
    all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    all
}

fn team(lat: f64, lon: f64, extra: &str) -> Value {
    server().json(&format!("/api/care-team?lat={lat}&lon={lon}{extra}"))
}

fn role<'a>(team: &'a Value, name: &str) -> &'a Value {
    team["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["role"] == name)
        .unwrap_or_else(|| panic!("no role {name}"))
}

fn candidates(role: &Value) -> Vec<(String, f64)> {
    role["candidates"]
        .as_array()
        .expect("candidates")
        .iter()
        .map(|c| (c["id"].as_str().expect("id").to_owned(), c["distance_m"].as_f64().expect("distance")))
        .collect()
}

/// The endpoint's candidates are the first `k` of the brute-force list: same distances (±0.5 m;
/// the API rounds to 0.1 m) and the same ids up to ties of equal distance.
fn assert_nearest(got: &[(String, f64)], all: &[(String, f64)], k: usize, what: &str) {
    let expected = &all[..k.min(all.len())];
    assert_eq!(got.len(), expected.len(), "{what}: got {got:?}\nexpected {expected:?}");
    for (g, e) in got.iter().zip(expected) {
        assert!((g.1 - e.1).abs() <= 0.5, "{what}: distance {g:?} vs {e:?}");
        let own = all.iter().find(|a| a.0 == g.0).unwrap_or_else(|| panic!("{what}: {g:?} is not eligible"));
        assert!((own.1 - g.1).abs() <= 0.5, "{what}: {g:?} is at {} m", own.1);
    }
}

fn status(role: &Value) -> &str {
    role["status"].as_str().expect("status")
}

mod roles_match_brute_force {
    use super::*;

    #[test]
    fn at_real_places() {
        for (lat, lon) in PLACES {
            for k in [1, 3] {
                let t = team(lat, lon, &format!("&k={k}"));
                let at = format!("({lat}, {lon}) k={k}");
                let names: Vec<&str> =
                    t["roles"].as_array().unwrap().iter().map(|r| r["role"].as_str().unwrap()).collect();
                assert_eq!(
                    names,
                    [
                        "home_care_clinic",
                        "visiting_nurse",
                        "pharmacy",
                        "dentist",
                        "palliative_ward",
                        "cancer_salon",
                        "peer_support"
                    ]
                );

                // Home-care clinic: clinics and hospitals with home_care_support within 16 km.
                let home_care = brute_force(lat, lon, |f| {
                    kind_is(f, &["clinic", "hospital"]) && has_capability(f, "home_care_support")
                });
                let within: Vec<_> =
                    home_care.iter().filter(|(_, d)| *d <= HOME_VISIT_LIMIT_M).cloned().collect();
                let r = role(&t, "home_care_clinic");
                assert_nearest(&candidates(r), &within, k, &format!("home_care_clinic {at}"));
                if within.is_empty() {
                    assert_eq!(status(r), "unfilled");
                    let nearest =
                        all_facilities().iter().find(|f| f["id"] == home_care[0].0.as_str()).unwrap();
                    let name = nearest["properties"]["name"].as_str().unwrap();
                    assert!(r["reason_ja"].as_str().unwrap().contains(name), "{r}");
                } else {
                    assert_eq!(status(r), "filled");
                    assert!(
                        r["candidates"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .all(|c| c["within_home_visit_limit"] == true)
                    );
                }

                for (name, kind) in [
                    ("visiting_nurse", "visiting_nurse"),
                    ("pharmacy", "pharmacy"),
                    ("dentist", "dental"),
                    ("cancer_salon", "salon"),
                    ("peer_support", "peer_support"),
                ] {
                    let all = brute_force(lat, lon, |f| kind_is(f, &[kind]));
                    let r = role(&t, name);
                    assert_nearest(&candidates(r), &all, k, &format!("{name} {at}"));
                    assert_eq!(status(r), "filled", "{name} {at}");
                    for c in r["candidates"].as_array().unwrap() {
                        assert!(c["location_precision"].is_string());
                        assert_eq!(c.get("stock").is_some(), kind == "pharmacy", "{c}");
                        assert_eq!(
                            c.get("next_session").is_some(),
                            kind == "salon" || kind == "peer_support"
                        );
                    }
                }

                // Palliative wards: those with filed beds first, then the others, k of each.
                let ward = |f: &Value| has_capability(f, "palliative_ward");
                let with_beds = brute_force(lat, lon, |f| ward(f) && ward_beds_filed(f));
                let without = brute_force(lat, lon, |f| ward(f) && !ward_beds_filed(f));
                let got = candidates(role(&t, "palliative_ward"));
                let split = with_beds.len().min(k);
                assert_nearest(&got[..split.min(got.len())], &with_beds, k, &format!("ward with beds {at}"));
                assert_nearest(&got[split.min(got.len())..], &without, k, &format!("ward without beds {at}"));
                for c in &role(&t, "palliative_ward")["candidates"].as_array().unwrap()[..split] {
                    assert_eq!(c["ward_beds_filed"], true);
                }
            }
        }
    }

    #[test]
    fn peer_support_sessions_are_dated() {
        let t = team(32.8031, 130.7079, "&k=4");
        let today = t["today"].as_str().unwrap().to_owned();
        for c in role(&t, "peer_support")["candidates"].as_array().unwrap() {
            // Every real peer-support schedule is understood.
            let next = &c["next_session"];
            assert!(next["date"].as_str().unwrap() >= today.as_str(), "{c}");
            assert!(next["start"].as_str().unwrap().contains(':'), "{c}");
            let weekday = next["weekday_ja"].as_str().unwrap();
            assert!(c["schedule"].as_str().unwrap().contains(weekday), "{c}");
        }
    }
}

mod home_visit_rule {
    use super::*;

    /// A cheap spherical distance for the grid search; exact geodesics decide near the limit.
    fn rough_m(a: (f64, f64), b: (f64, f64)) -> f64 {
        let (dlat, dlon) = ((a.0 - b.0).to_radians(), (a.1 - b.1).to_radians() * a.0.to_radians().cos());
        6_371_000.0 * (dlat * dlat + dlon * dlon).sqrt()
    }

    /// Searching every facility location of Kumamoto (places where people are) for one without a
    /// home-care clinic within 16 km: if there is one, its team must say the role is unfilled.
    #[test]
    fn a_place_beyond_16_km_is_unfilled_and_every_candidate_is_within() {
        let home_care: Vec<(f64, f64)> = all_facilities()
            .iter()
            .filter(|f| kind_is(f, &["clinic", "hospital"]) && has_capability(f, "home_care_support"))
            .map(lat_lon)
            .collect();
        let remote = all_facilities().iter().map(lat_lon).find(|p| {
            home_care.iter().all(|h| rough_m(*p, *h) > HOME_VISIT_LIMIT_M + 500.0)
                && home_care.iter().all(|h| geodesic_distance_m(p.0, p.1, h.0, h.1) > HOME_VISIT_LIMIT_M)
        });
        // In Kumamoto there are such places (五木村, the far end of 水上村): the rule is exercised.
        let (lat, lon) = remote.expect("a facility of Kumamoto more than 16 km from every home-care clinic");
        let r = role(&team(lat, lon, ""), "home_care_clinic").clone();
        assert_eq!(status(&r), "unfilled", "({lat}, {lon}): {r}");
        assert!(r["reason_en"].as_str().unwrap().contains("16.0 km"), "{r}");
        // The rule on every candidate at a spread of places.
        for lat in [32.1, 32.3, 32.5, 32.7, 32.9, 33.1] {
            for lon in [130.1, 130.4, 130.7, 131.0, 131.3] {
                for c in role(&team(lat, lon, "&k=10"), "home_care_clinic")["candidates"].as_array().unwrap()
                {
                    assert!(c["distance_m"].as_f64().unwrap() <= HOME_VISIT_LIMIT_M, "({lat}, {lon}): {c}");
                }
            }
        }
    }
}

mod parameters {
    use super::*;

    fn problem(path: &str, parameter: &str) {
        let (status, content_type, body) = server().get(path);
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(content_type, "application/problem+json");
        let p: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(p["parameter"], parameter, "{body}");
    }

    #[test]
    fn are_checked() {
        problem("/api/care-team?lon=130.7", "lat");
        problem("/api/care-team?lat=32.8&lon=130.7&k=11", "k");
        problem("/api/care-team?lat=32.8&lon=130.7&k=0", "k");
        problem("/api/care-team?lat=32.8&lon=130.7&kind=clinic", "kind");
        problem("/api/care-team?lat=32.8&lon=130.7&needs=opioid:codeine", "needs");
        problem("/api/care-team?lat=32.8&lon=130.7&include_stale=maybe", "include_stale");
        let doc = server().json("/api/openapi.json");
        assert!(doc["paths"]["/api/care-team"]["get"].is_object());
        // An address instead of coordinates, not both; an address nobody can place.
        problem("/api/care-team?lat=32.8&lon=130.7&address=%E6%B0%B4%E4%BF%A3%E5%B8%82", "address");
        problem("/api/care-team?address=%E7%A6%8F%E5%B2%A1%E5%B8%82%E5%8D%9A%E5%A4%9A%E5%8C%BA", "address");
    }

    /// An address gives the same team as the point it is placed at (the town's point).
    #[test]
    fn an_address_is_placed_at_its_town() {
        // 熊本市中央区水前寺6-18-1, URL-encoded.
        let address =
            "%E7%86%8A%E6%9C%AC%E5%B8%82%E4%B8%AD%E5%A4%AE%E5%8C%BA%E6%B0%B4%E5%89%8D%E5%AF%BA6-18-1";
        let by_address = server().json(&format!("/api/care-team?address={address}"));
        let placed = &by_address["geocoded"];
        assert_eq!(placed["precision"], "town");
        assert_eq!(placed["town"], "水前寺六丁目");
        let geocoded = server().json(&format!("/api/geocode?q={address}&limit=1"));
        assert_eq!(placed["lat"], geocoded["candidates"][0]["lat"]);
        let (lat, lon) = (placed["lat"].as_f64().unwrap(), placed["lon"].as_f64().unwrap());
        let by_point = team(lat, lon, "");
        assert_eq!(by_address["roles"], by_point["roles"]);
        assert_eq!(status(role(&by_address, "home_care_clinic")), "filled");
    }
}

mod stock {
    use super::*;

    #[test]
    fn pharmacy_role_picks_registered_stock_then_orderable() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = kumamoto_db_copy(dir.path());
        let s = Server::start_with(&db, &[]);
        let (lat, lon) = PLACES[0];
        // A pharmacy a few km away, not the nearest: the search must reach it.
        let pharmacies = brute_force(lat, lon, |f| kind_is(f, &["pharmacy"]));
        let (id, distance) = pharmacies[20].clone();
        let token = issue_token(&db, &id);
        let put = |status: &str| {
            let body = json!({"items": [{"product": "oxycodone_sr", "status": status}]});
            let a = http(
                "PUT",
                &s.url(&format!("/api/pharmacies/{id}/stock")),
                Some(&token),
                Some(body.to_string()),
            )
            .expect("PUT");
            assert_eq!(a.status, 200, "{}", a.body);
        };
        let pharmacy_role = |needs: &str| {
            let t = s.json(&format!("/api/care-team?lat={lat}&lon={lon}&needs={needs}"));
            role(&t, "pharmacy").clone()
        };

        let r = pharmacy_role("opioid:oxycodone_sr");
        assert_eq!(status(&r), "unfilled", "nobody registered yet: {r}");
        assert!(r["reason_en"].as_str().unwrap().contains("opioid:oxycodone_sr"));

        put("in_stock");
        for needs in ["opioid:oxycodone_sr", "opioid:oxycodone"] {
            let r = pharmacy_role(needs);
            assert_eq!(status(&r), "filled");
            assert_eq!(candidates(&r), [(id.clone(), (distance * 10.0).round() / 10.0)]);
            let c = &r["candidates"][0];
            assert_eq!(c["match"], "in_stock");
            assert!(c["stock"]["in_stock"].as_array().unwrap().iter().any(|p| p == "oxycodone_sr"), "{c}");
        }
        // Another form of the ingredient is not stocked anywhere.
        assert_eq!(status(&pharmacy_role("opioid:fentanyl")), "unfilled");

        put("orderable");
        let r = pharmacy_role("opioid:oxycodone_sr");
        assert_eq!(status(&r), "filled");
        assert_eq!(candidates(&r)[0].0, id);
        assert_eq!(r["candidates"][0]["match"], "orderable");
        assert!(r["reason_ja"].as_str().unwrap().contains("取り寄せ"), "{r}");
        // A service nobody stated: not even orderable candidates qualify.
        assert_eq!(status(&pharmacy_role("opioid:oxycodone_sr,sterile_compounding")), "unfilled");

        // Without needs, the nearest pharmacies with their stock summaries (null when never registered).
        let t = s.json(&format!("/api/care-team?lat={lat}&lon={lon}"));
        let r = role(&t, "pharmacy");
        assert_nearest(&candidates(r), &pharmacies, 3, "pharmacy without needs");
        assert!(
            r["candidates"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c.get("stock").is_some() && c.get("match").is_none())
        );
    }
}

/// Without the 介護サービス情報公表 file the visiting-nurse role says there is no data, rather
/// than that no station exists; the other roles are unaffected.
#[test]
fn without_the_visiting_nurse_file_the_role_has_no_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    for entry in std::fs::read_dir(common::data_dir()).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() != "07_care_services" {
            std::os::unix::fs::symlink(entry.path(), data.join(entry.file_name())).unwrap();
        }
    }
    let db = dir.path().join("k.db");
    let (ok, _, stderr) = common::run(&[
        "import",
        "--data-dir",
        data.to_str().unwrap(),
        "--prefecture",
        "43",
        "--db",
        db.to_str().unwrap(),
    ]);
    assert!(ok, "import without visiting nurses: {stderr}");
    let s = Server::start_with(&db, &[]);
    let (lat, lon) = PLACES[0];
    let team = s.json(&format!("/api/care-team?lat={lat}&lon={lon}"));
    let nurses = role(&team, "visiting_nurse");
    assert_eq!(status(nurses), "no_data", "{nurses}");
    assert!(nurses["candidates"].as_array().unwrap().is_empty());
    assert!(nurses["reason_ja"].as_str().unwrap().contains("介護サービス情報公表"), "{nurses}");
    assert_eq!(status(role(&team, "home_care_clinic")), "filled");
}
