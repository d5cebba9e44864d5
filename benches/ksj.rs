//! Reading N03 boundaries, building 二次医療圏 (secondary medical area) polygons and locating
//! points, on the real Kumamoto data (`KANWAMAP_DATA_DIR` or `var/data`).

use std::hint::black_box;

mod common;
use common::data_dir;

use criterion::{Criterion, criterion_group, criterion_main};
use kanwamap::import::areas::build_areas;
use kanwamap::ingest::area_population::read_area_population;
use kanwamap::ingest::ksj::{read_a38_membership, read_n03};
use kanwamap::spatial::locate::PolygonLocator;

fn kumamoto(c: &mut Criterion) {
    let dir = data_dir();
    let n03 = dir.join("03_municipality_boundaries/N03-22_220101_43_kumamoto_municipalities.geojson");
    let a38 = dir.join("02_secondary_medical_areas/municipality_to_iryoken2_43_kumamoto.csv");
    let pop = dir.join("02_secondary_medical_areas/population_iryoken2_2020census_ALLJAPAN.csv");
    let boundaries = read_n03(&n03, "n03", "43").expect("Kumamoto N03 file");
    let membership = read_a38_membership(&a38, "a38", "43").expect("Kumamoto A38 table").records;
    let population = read_area_population(&pop, "pop", "43").expect("population table").records;

    let mut group = c.benchmark_group("kumamoto");
    group.sample_size(10);
    group.bench_function("read_n03 (10 MB, 49 municipalities)", |b| {
        b.iter(|| read_n03(black_box(&n03), "n03", "43").expect("readable"))
    });
    group.bench_function("build_areas (union into 10 areas)", |b| {
        b.iter(|| build_areas("43", boundaries.records.clone(), &membership, &population))
    });
    let locator = PolygonLocator::new(
        boundaries.records.iter().map(|m| (m.code.clone(), m.geometry.clone())).collect(),
    );
    group.bench_function("PolygonLocator::new (49 municipalities, 1,972 parts)", |b| {
        b.iter(|| {
            PolygonLocator::new(
                boundaries.records.iter().map(|m| (m.code.clone(), m.geometry.clone())).collect(),
            )
        })
    });
    group.finish();
    // The probe points: inside a small ward, inside 天草市's 26,715-vertex main island, and 0.5 km
    // off its coast.
    assert_eq!(locator.locate(130.7079, 32.8032).map(String::as_str), Some("43101"));
    assert_eq!(locator.locate(130.1900, 32.4590).map(String::as_str), Some("43215"));
    assert!(locator.locate(130.0, 32.3).is_none() && locator.nearest_within(130.0, 32.3, 2_000.0).is_some());
    c.bench_function("locate (熊本市中央区)", |b| {
        b.iter(|| locator.locate(black_box(130.7079), black_box(32.8032)))
    });
    c.bench_function("locate (天草 coast)", |b| {
        b.iter(|| locator.locate(black_box(130.1900), black_box(32.4590)))
    });
    c.bench_function("nearest_within 2 km (0.5 km offshore, 天草)", |b| {
        b.iter(|| locator.nearest_within(black_box(130.0), black_box(32.3), 2_000.0))
    });
}

criterion_group!(benches, kumamoto);
criterion_main!(benches);
