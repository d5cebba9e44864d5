//! E2SFCA accessibility and gap merging on SYNTHETIC input (seeded, so runs compare).
//!
//! Kumamoto-sized: ≈11,500 demand points at the centres of random 500 m cells over lat 32.1–33.2,
//! lon 129.9–131.3 (Kumamoto has ≈11,500 populated cells), populations exponentially distributed
//! with mean 150, × 300 providers scattered over the same box; 16 km (the home-visit limit) and
//! 30 km catchments, step and Gaussian decay. Gap merging: ≈10,000 cells of a random blob (holes,
//! pinches, islands).
//!
//! National-sized (only with `KANWAMAP_BENCH_NATIONAL=1`; each run takes seconds): 1.5 M demand
//! points × 200,000 providers, uniform over a 395,000 km² box (Japan's land area at Japan's cell
//! count), 16 km catchment, step decay.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use kanwamap::analysis::access::{Decay, Demand, Supply, e2sfca};
use kanwamap::analysis::gaps::{CellValue, merge_cells};
use kanwamap::spatial::mesh::MeshCode;

mod common;
use common::Rng;

const KUMAMOTO_LAT: (f64, f64) = (32.1, 33.2);
const KUMAMOTO_LON: (f64, f64) = (129.9, 131.3);

fn kumamoto_demand(n: usize) -> Vec<Demand> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    (0..n)
        .map(|_| {
            let (lat, lon) = rng.in_box(KUMAMOTO_LAT, KUMAMOTO_LON);
            let (lat, lon) = MeshCode::containing(lat, lon).expect("the box is on the grid").centre();
            Demand { lat, lon, population: -150.0 * (1.0 - rng.next()).ln() }
        })
        .collect()
}

fn providers(n: usize, lat: (f64, f64), lon: (f64, f64), seed: u64) -> Vec<Supply> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|_| {
            let (lat, lon) = rng.in_box(lat, lon);
            Supply { lat, lon, capacity: 1.0 }
        })
        .collect()
}

fn random_blob(side: i32, fill: f64) -> Vec<(MeshCode, CellValue)> {
    let mut rng = Rng(0x5eed);
    let origin: MeshCode = "493015011".parse().expect("a valid code");
    let mut cells = Vec::new();
    for r in 0..side {
        for c in 0..side {
            if rng.next() < fill {
                let value = CellValue { population: (rng.next() * 500.0) as u32, population_65plus: 0 };
                cells.push((origin.neighbour(r, c).expect("inside the grid"), value));
            }
        }
    }
    cells
}

fn kumamoto(c: &mut Criterion) {
    let demand = kumamoto_demand(11_500);
    let supply = providers(300, KUMAMOTO_LAT, KUMAMOTO_LON, 42);
    let mut group = c.benchmark_group("e2sfca/kumamoto_11500x300");
    for km in [16.0, 30.0] {
        for (name, decay) in [("step", Decay::default_step()), ("gaussian", Decay::Gaussian)] {
            group.bench_function(format!("{name}/{km}km"), |b| {
                b.iter(|| black_box(e2sfca(&demand, &supply, km * 1000.0, decay).expect("valid input")))
            });
        }
    }
    group.finish();

    let cells = random_blob(140, 0.52);
    c.bench_function(&format!("gaps/merge_cells/random_blob_{}", cells.len()), |b| {
        b.iter(|| black_box(merge_cells(&cells)))
    });
}

fn national(c: &mut Criterion) {
    if std::env::var_os("KANWAMAP_BENCH_NATIONAL").is_none() {
        return;
    }
    let (lat, lon) = ((32.5, 37.0), (131.5, 140.0));
    let mut rng = Rng(7);
    let demand: Vec<Demand> = (0..1_500_000)
        .map(|_| {
            let (lat, lon) = rng.in_box(lat, lon);
            Demand { lat, lon, population: -80.0 * (1.0 - rng.next()).ln() }
        })
        .collect();
    let supply = providers(200_000, lat, lon, 8);
    let mut group = c.benchmark_group("e2sfca/national_synthetic_1.5Mx200k");
    group.sample_size(10).warm_up_time(Duration::from_millis(1)).measurement_time(Duration::from_secs(1));
    group.bench_function("step/16km", |b| {
        b.iter(|| black_box(e2sfca(&demand, &supply, 16_000.0, Decay::default_step()).expect("valid input")))
    });
    group.finish();
}

criterion_group!(benches, kumamoto, national);
criterion_main!(benches);
