//! Pharmacy stock through the real server on a copy of the Kumamoto database: authorisation,
//! validation, the audit log, staleness, search by product, rate limits and concurrent writers.

mod common;

use std::time::{Duration, SystemTime};

use common::{Answer, Server, http, issue_token, kumamoto_db_copy, run};
use serde_json::{Value, json};

/// A server on a private database, with `n` pharmacies of Kumamoto city (id, lat, lon).
struct Setup {
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    server: Server,
    pharmacies: Vec<(String, f64, f64)>,
}

fn setup(extra: &[&str]) -> Setup {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = kumamoto_db_copy(dir.path());
    let server = Server::start_with(&db, extra);
    let list = server.json("/api/facilities?kind=pharmacy&area=4312");
    let pharmacies = list["features"]
        .as_array()
        .expect("features")
        .iter()
        .take(8)
        .map(|f| {
            let c = &f["geometry"]["coordinates"];
            (
                f["id"].as_str().expect("id").to_owned(),
                c[1].as_f64().expect("lat"),
                c[0].as_f64().expect("lon"),
            )
        })
        .collect::<Vec<_>>();
    assert!(pharmacies.len() >= 4, "Kumamoto city has pharmacies");
    Setup { _dir: dir, db, server, pharmacies }
}

impl Setup {
    fn stock_url(&self, id: &str) -> String {
        self.server.url(&format!("/api/pharmacies/{id}/stock"))
    }

    fn put(&self, id: &str, token: Option<&str>, body: &Value) -> Answer {
        http("PUT", &self.stock_url(id), token, Some(body.to_string())).expect("PUT")
    }

    fn get(&self, path: &str) -> Answer {
        http("GET", &self.server.url(path), None, None).expect("GET")
    }
}

fn fentanyl(status: &str) -> Value {
    json!({"items": [{"product": "fentanyl_patch_3day", "status": status}],
           "services": {"sterile_compounding": true, "open_24h": false}})
}

fn problem(answer: &Answer, status: u16) -> Value {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(answer.headers["content-type"], "application/problem+json");
    answer.json()
}

#[test]
fn only_the_pharmacys_own_live_token_writes() {
    let s = setup(&[]);
    let (mine, other) = (&s.pharmacies[0].0, &s.pharmacies[1].0);
    let token = issue_token(&s.db, mine);
    // No token, a malformed header, an unknown token.
    let none = s.put(mine, None, &fentanyl("in_stock"));
    problem(&none, 401);
    assert!(none.headers["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    problem(&s.put(mine, Some("kwm_0000"), &fentanyl("in_stock")), 401);
    let forged = format!("kwm_{}", "ab".repeat(32));
    problem(&s.put(mine, Some(&forged), &fentanyl("in_stock")), 401);
    // Another pharmacy's id: 403, and its list is untouched.
    let p = problem(&s.put(other, Some(&token), &fentanyl("in_stock")), 403);
    assert!(p["detail"].as_str().unwrap().contains(mine.as_str()));
    assert_eq!(s.get(&format!("/api/pharmacies/{other}/stock")).json()["updated_at"], Value::Null);
    // Unknown facility and a facility that is not a pharmacy.
    problem(&s.put("mhlw-0", Some(&token), &fentanyl("in_stock")), 404);
    let hospital = s.server.json("/api/facilities?kind=hospital&area=4312")["features"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    problem(&s.get(&format!("/api/pharmacies/{hospital}/stock")), 400);
    // The right token writes.
    let ok = s.put(mine, Some(&token), &fentanyl("in_stock"));
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.json()["items"][0]["product"], "fentanyl_patch_3day");
    // Revoked (by the CLI, while the server runs): 401 at once.
    let db = s.db.to_str().unwrap();
    let (done, _, err) = run(&["token", "revoke", "--facility", mine, "--db", db]);
    assert!(done, "{err}");
    problem(&s.put(mine, Some(&token), &fentanyl("none")), 401);
    assert_eq!(s.get(&format!("/api/pharmacies/{mine}/stock")).json()["items"][0]["status"], "in_stock");
}

#[test]
fn bad_bodies_get_clear_errors_and_change_nothing() {
    let s = setup(&[]);
    let id = &s.pharmacies[0].0;
    let token = issue_token(&s.db, id);
    assert_eq!(s.put(id, Some(&token), &fentanyl("in_stock")).status, 200);
    let unknown = json!({"items": [{"product": "codeine_ir", "status": "in_stock"}]});
    let p = problem(&s.put(id, Some(&token), &unknown), 422);
    assert_eq!(p["parameter"], "items[0].product");
    assert!(p["detail"].as_str().unwrap().contains("codeine_ir"));
    let bad_status = json!([{"product": "oxycodone_ir", "status": "lots"}]);
    assert_eq!(problem(&s.put(id, Some(&token), &bad_status), 422)["parameter"], "items[0].status");
    let malformed = http("PUT", &s.stock_url(id), Some(&token), Some("{\"items\": [".into())).unwrap();
    assert!(problem(&malformed, 400)["detail"].as_str().unwrap().contains("line 1"));
    let huge = format!("[{}]", vec![r#"{"product":"oxycodone_ir","status":"none"}"#; 2000].join(","));
    assert!(huge.len() > 64 * 1024);
    problem(&http("PUT", &s.stock_url(id), Some(&token), Some(huge)).unwrap(), 413);
    // Nothing of that reached the list.
    let stock = s.get(&format!("/api/pharmacies/{id}/stock")).json();
    assert_eq!(stock["items"].as_array().unwrap().len(), 1);
    assert_eq!(stock["items"][0]["status"], "in_stock");
    // A bare array replaces the items and keeps the services.
    let bare = json!([{"product": "morphine_injection", "status": "orderable", "orderable_days": 2}]);
    let after = s.put(id, Some(&token), &bare).json();
    assert_eq!(after["items"][0]["orderable_days"], 2);
    assert_eq!(after["services"]["sterile_compounding"], true);
}

#[test]
fn every_change_is_audited_with_before_and_after() {
    let s = setup(&[]);
    let id = &s.pharmacies[0].0;
    let token = issue_token(&s.db, id);
    let audit_url = s.server.url(&format!("/api/pharmacies/{id}/stock/audit"));
    problem(&http("GET", &audit_url, None, None).unwrap(), 401);
    assert_eq!(s.put(id, Some(&token), &fentanyl("in_stock")).status, 200);
    assert_eq!(s.put(id, Some(&token), &fentanyl("orderable")).status, 200);
    let log = http("GET", &audit_url, Some(&token), None).unwrap().json();
    let entries = log["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    // Newest first: orderable after, in_stock before.
    assert_eq!(entries[0]["after"]["items"][0]["status"], "orderable");
    assert_eq!(entries[0]["before"]["items"][0]["status"], "in_stock");
    assert_eq!(entries[1]["before"]["items"], json!([]));
    assert_eq!(entries[0]["token_id"], entries[1]["token_id"]);
    assert!(entries[0]["at"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn search_by_product_sees_a_write_at_once_and_stale_entries_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let db = kumamoto_db_copy(dir.path());
    // A pharmacy whose entry is 40 days old, written straight into the database before start.
    let server = Server::start_with(&db, &[]);
    let list = server.json("/api/facilities?kind=pharmacy&area=4312");
    let ids: Vec<String> =
        list["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_owned()).collect();
    let (fresh, old) = (&ids[0], &ids[1]);
    drop(server);
    {
        let mut store = kanwamap::store::SqliteStore::open(&db).unwrap();
        let update = kanwamap::store::stock::StockUpdate {
            items: vec![("oxycodone_sr".into(), kanwamap::model::StockStatus::InStock, None)],
            services: Default::default(),
        };
        let forty_days_ago = SystemTime::now() - Duration::from_secs(40 * 86_400);
        store.put_stock(old, 1, &update, forty_days_ago).unwrap();
    }
    let server = Server::start_with(&db, &[]);
    let token = issue_token(&db, fresh);
    let feature = server.json(&format!("/api/facilities/{fresh}"));
    let (lat, lon) = (
        feature["geometry"]["coordinates"][1].as_f64().unwrap(),
        feature["geometry"]["coordinates"][0].as_f64().unwrap(),
    );
    let nearest = |needs: &str| server.json(&format!("/api/nearest?lat={lat}&lon={lon}&k=3&needs={needs}"));
    assert_eq!(nearest("opioid:fentanyl_patch_3day")["results"], json!([]));
    let put = http(
        "PUT",
        &server.url(&format!("/api/pharmacies/{fresh}/stock")),
        Some(&token),
        Some(fentanyl("in_stock").to_string()),
    )
    .unwrap();
    assert_eq!(put.status, 200, "{}", put.body);
    // Visible at once, by product and by ingredient, with services, in nearest, facilities and coverage.
    for needs in ["opioid:fentanyl_patch_3day", "opioid:fentanyl", "opioid:fentanyl,sterile_compounding"] {
        let r = nearest(needs);
        assert_eq!(r["results"].as_array().unwrap().len(), 1, "{needs}: {r}");
        assert_eq!(r["results"][0]["id"], fresh.as_str());
        assert_eq!(r["results"][0]["stock"]["in_stock"], json!(["fentanyl_patch_3day"]));
        assert_eq!(r["results"][0]["stock"]["stale"], false);
    }
    assert_eq!(nearest("opioid:fentanyl_buccal")["results"], json!([]));
    assert_eq!(nearest("opioid:fentanyl,open_24h")["results"], json!([]), "open_24h stated false");
    let listed = server.json("/api/facilities?needs=opioid:fentanyl_patch_3day");
    assert_eq!(listed["features"].as_array().unwrap().len(), 1);
    let coverage = server.json("/api/coverage?needs=opioid:fentanyl_patch_3day&radius_km=16");
    assert_eq!(coverage["total"]["providers"], 1);
    assert_eq!(coverage["params"]["kind"], "pharmacy");
    assert!(coverage["total"]["covered_population"].as_u64().unwrap() > 100_000);
    // A conflicting kind is a clear 400.
    let (status, _, body) = server.get("/api/nearest?lat=32.8&lon=130.7&kind=clinic&needs=opioid:fentanyl");
    assert_eq!(status, 400, "{body}");
    // The stale entry: shown, not counted unless include_stale=true.
    let old_stock = server.json(&format!("/api/pharmacies/{old}/stock"));
    assert_eq!(old_stock["items"][0]["stale"], true);
    assert_eq!(nearest("opioid:oxycodone_sr")["results"], json!([]));
    let with_stale = nearest("opioid:oxycodone_sr&include_stale=true");
    assert_eq!(with_stale["results"][0]["id"], old.as_str());
    assert_eq!(with_stale["results"][0]["stock"]["stale"], true);
    assert_eq!(with_stale["results"][0]["stock"]["stale_in_stock"], json!(["oxycodone_sr"]));
    // Setting it to none takes it out again.
    let put = http(
        "PUT",
        &server.url(&format!("/api/pharmacies/{fresh}/stock")),
        Some(&token),
        Some(fentanyl("none").to_string()),
    )
    .unwrap();
    assert_eq!(put.status, 200);
    assert_eq!(nearest("opioid:fentanyl")["results"], json!([]));
}

#[test]
fn a_token_that_writes_too_often_is_told_when_to_retry() {
    let s = setup(&["--stock-writes-per-minute", "2"]);
    let id = &s.pharmacies[0].0;
    let token = issue_token(&s.db, id);
    assert_eq!(s.put(id, Some(&token), &fentanyl("in_stock")).status, 200);
    assert_eq!(s.put(id, Some(&token), &fentanyl("orderable")).status, 200);
    let limited = s.put(id, Some(&token), &fentanyl("none"));
    problem(&limited, 429);
    let retry: u64 = limited.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    // Another pharmacy's token has its own allowance.
    let other = &s.pharmacies[1].0;
    assert_eq!(s.put(other, Some(&issue_token(&s.db, other)), &fentanyl("in_stock")).status, 200);
    assert_eq!(s.get(&format!("/api/pharmacies/{id}/stock")).json()["items"][0]["status"], "orderable");
}

/// Eight writers, two tokens per pharmacy on four pharmacies: every write is acknowledged, the audit
/// log of each pharmacy is an unbroken chain (each change starts from the previous one's result),
/// and the list ends as the last change left it.
#[test]
fn concurrent_writers_lose_no_update() {
    let s = setup(&["--stock-writes-per-minute", "0"]);
    let pharmacies: Vec<String> = s.pharmacies.iter().take(4).map(|p| p.0.clone()).collect();
    let tokens: Vec<(String, String)> = pharmacies
        .iter()
        .flat_map(|id| [(id.clone(), issue_token(&s.db, id)), (id.clone(), issue_token(&s.db, id))])
        .collect();
    const WRITES: u64 = 20;
    std::thread::scope(|scope| {
        for (writer, (id, token)) in tokens.iter().enumerate() {
            let url = s.stock_url(id);
            scope.spawn(move || {
                for n in 0..WRITES {
                    let body = json!({"items": [
                        {"product": "morphine_injection", "status": "orderable", "orderable_days": writer},
                        {"product": "oxycodone_ir", "status": "orderable", "orderable_days": n},
                    ]});
                    let answer = http("PUT", &url, Some(token), Some(body.to_string())).expect("PUT");
                    assert_eq!(answer.status, 200, "writer {writer} write {n}: {}", answer.body);
                }
            });
        }
    });
    for (id, token) in tokens.iter().step_by(2) {
        let audit_url = s.server.url(&format!("/api/pharmacies/{id}/stock/audit"));
        let log = http("GET", &audit_url, Some(token), None).unwrap().json();
        let mut entries = log["entries"].as_array().unwrap().clone();
        entries.reverse();
        assert_eq!(entries.len() as u64, 2 * WRITES, "{id}");
        assert_eq!(entries[0]["before"]["items"], json!([]));
        for pair in entries.windows(2) {
            assert_eq!(pair[1]["before"], pair[0]["after"], "{id}: a change did not start from the last one");
        }
        let last = &entries.last().unwrap()["after"];
        let now = s.get(&format!("/api/pharmacies/{id}/stock")).json();
        let days = |v: &Value| -> Vec<Value> {
            v["items"].as_array().unwrap().iter().map(|i| i["orderable_days"].clone()).collect()
        };
        assert_eq!(days(&now), days(last));
    }
}
