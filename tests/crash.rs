//! Durability: `kill -9` the server in the middle of a stream of stock writes, restart it on the same
//! database, and check that every acknowledged write is there. Repeated (KANWAMAP_CRASH_ROUNDS,
//! default 12) with a different moment of death each round.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{Server, http, issue_token, kumamoto_db_copy};
use serde_json::{Value, json};

/// The body of write number `n`: unique per n (status pattern and lead times encode it).
fn body(n: u64) -> Value {
    let items: Vec<Value> = ["morphine_injection", "oxycodone_ir", "fentanyl_patch_3day", "hydromorphone_sr"]
        .iter()
        .enumerate()
        .map(|(i, product)| {
            let digit = (n / 60u64.pow(i as u32)) % 60;
            json!({"product": product, "status": "orderable", "orderable_days": digit})
        })
        .collect();
    json!({"items": items, "services": {"open_24h": n.is_multiple_of(2)}})
}

/// The write number a stored list encodes.
fn decode(stock: &Value) -> u64 {
    let days = |product: &str| {
        stock["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["product"] == product)
            .and_then(|i| i["orderable_days"].as_u64())
            .unwrap_or_else(|| panic!("{product} missing in {stock}"))
    };
    days("morphine_injection")
        + 60 * days("oxycodone_ir")
        + 3600 * days("fentanyl_patch_3day")
        + 216_000 * days("hydromorphone_sr")
}

#[test]
fn acknowledged_writes_survive_kill_9() {
    let rounds: u64 = std::env::var("KANWAMAP_CRASH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(12);
    let dir = tempfile::tempdir().unwrap();
    let db = kumamoto_db_copy(dir.path());
    let args = ["--stock-writes-per-minute", "0"];
    let server = Server::start_with(&db, &args);
    let id = server.json("/api/facilities?kind=pharmacy&area=4312")["features"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    drop(server);
    let token = issue_token(&db, &id);
    // The number of the next write; numbers are never reused for a write that may be stored.
    let mut next = 1u64;
    let mut acknowledged_total = 0u64;
    for round in 0..rounds {
        let server = Server::start_with(&db, &args);
        let url = server.url(&format!("/api/pharmacies/{id}/stock"));
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (url, token, stop) = (url.clone(), token.clone(), Arc::clone(&stop));
            let start = next;
            std::thread::spawn(move || {
                let mut last_acknowledged = None;
                let mut n = start;
                while !stop.load(Ordering::Relaxed) {
                    match http("PUT", &url, Some(&token), Some(body(n).to_string())) {
                        Ok(answer) if answer.status == 200 => {
                            assert_eq!(decode(&answer.json()), n, "the answer shows the write");
                            last_acknowledged = Some(n);
                        }
                        Ok(answer) => panic!("write {n}: {} {}", answer.status, answer.body),
                        Err(_) => break, // the server is gone
                    }
                    n += 1;
                }
                (last_acknowledged, n)
            })
        };
        // Let a varying number of writes through, then kill without warning.
        std::thread::sleep(Duration::from_millis(150 + (round * 97) % 400));
        server.kill9();
        stop.store(true, Ordering::Relaxed);
        let (last_acknowledged, in_flight) = writer.join().expect("writer thread");
        let last_acknowledged = last_acknowledged.expect("some writes were acknowledged before the kill");
        acknowledged_total += last_acknowledged + 1 - next;
        // Restart and check: the stored list is the last acknowledged write, or the one in flight.
        let server = Server::start_with(&db, &args);
        let stored = decode(&server.json(&format!("/api/pharmacies/{id}/stock")));
        assert!(
            stored == last_acknowledged || (stored == in_flight && stored == last_acknowledged + 1),
            "round {round}: stored write {stored}, last acknowledged {last_acknowledged}"
        );
        // And the audit log holds every acknowledged write of the round, in order.
        let audit =
            http("GET", &server.url(&format!("/api/pharmacies/{id}/stock/audit")), Some(&token), None)
                .unwrap()
                .json();
        let logged: Vec<u64> =
            audit["entries"].as_array().unwrap().iter().rev().map(|e| decode(&e["after"])).collect();
        for n in next..=last_acknowledged {
            assert!(logged.contains(&n), "round {round}: acknowledged write {n} missing from the audit log");
        }
        next = stored + 1;
        drop(server);
    }
    eprintln!("{rounds} kills, {acknowledged_total} acknowledged writes, none lost");
}
