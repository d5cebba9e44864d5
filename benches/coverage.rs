//! Coverage of all areas for one provider set.
//!
//! Kumamoto: the real registry and 500 m census cells imported in-process from the data directory
//! (cold = a new snapshot each iteration, so nothing is cached). National scale: SYNTHETIC — 1.5
//! million populated cells and 200,000 providers scattered around the 7,317 real hospital
//! coordinates of the national 医療情報ネット file (a crude stand-in for where people and providers
//! are), 16 km radius. The peak resident memory of the whole bench process is printed at the end.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kanwamap::analysis::coverage::{CoverageParams, ProviderSet, compute};
use kanwamap::atlas::Atlas;
use kanwamap::import::{ImportOptions, run_import};
use kanwamap::ingest::Manifest;
use kanwamap::model::{
    Area, Capability, CapabilityEntry, Facility, FacilityId, FacilityKind, Location, LocationPrecision,
    PopulationCell,
};
use kanwamap::spatial::{FacilityIndex, IndexedFacility};

mod common;
use common::{Rng, data_dir, hospital_anchors, scale};

fn home_care() -> CoverageParams {
    CoverageParams {
        providers: ProviderSet::of_capabilities(None, [Capability::HomeCareSupport].into_iter().collect()),
        radius_m: 16_000.0,
        min_providers: 1,
    }
}

fn kumamoto(c: &mut Criterion) {
    let options = ImportOptions {
        data_dir: data_dir(),
        prefectures: vec!["43".into()],
        manifest: Manifest::builtin(),
        progress: false,
    };
    let registry = run_import(&options).expect("import (run scripts/fetch-data.sh)").registry;
    assert!(!registry.cells.is_empty(), "the import has population cells");
    let atlas = Atlas::new(registry.clone(), 1);
    let mut group = c.benchmark_group("coverage/kumamoto");
    group.bench_function("home_care_support 16km, all areas (compute)", |b| {
        b.iter(|| {
            black_box(compute(
                atlas.cells(),
                atlas.facilities(),
                atlas.index(),
                atlas.areas(),
                &home_care(),
                None,
            ))
        })
    });
    group.bench_function("home_care_support 16km, all areas (cached)", |b| {
        b.iter(|| black_box(kanwamap::analysis::snapshot::coverage(&atlas, &home_care())))
    });
    group.finish();
}

fn national(c: &mut Criterion) {
    let anchors = hospital_anchors();
    let mut rng = Rng(7);
    let mut pick = |spread_lat: f64, spread_lon: f64| {
        let (lat, lon) = anchors[(rng.next() * anchors.len() as f64) as usize];
        (lat + (rng.next() - 0.5) * spread_lat, lon + (rng.next() - 0.5) * spread_lon, rng.next())
    };
    let cells: Vec<PopulationCell> = (0..scale(1_500_000))
        .map(|i| {
            let (lat, lon, r) = pick(0.3, 0.37);
            PopulationCell {
                code: format!("{i:09}"),
                lat,
                lon,
                population: (r * 400.0) as u32,
                population_65plus: (r * 120.0) as u32,
                population_75plus: (r * 60.0) as u32,
                municipality_code: None,
                area_code: Some(format!("A{:03}", i % 339)),
            }
        })
        .collect();
    let facilities: Vec<Facility> = (0..scale(200_000))
        .map(|i| {
            let (lat, lon, r) = pick(0.09, 0.11);
            let capabilities =
                if r < 0.15 { vec![CapabilityEntry::bare(Capability::HomeCareSupport)] } else { Vec::new() };
            Facility {
                id: FacilityId(format!("synthetic-{i}")),
                kind: if r < 0.5 { FacilityKind::Clinic } else { FacilityKind::Pharmacy },
                name: String::new(),
                name_kana: None,
                address: None,
                municipality_code: None,
                area_code: Some(format!("A{:03}", i % 339)),
                pref_code: String::new(),
                location: Location::new(lat, lon, LocationPrecision::Exact),
                phone: None,
                url: None,
                beds: None,
                schedule: None,
                capabilities,
                sources: Vec::new(),
            }
        })
        .collect();
    let areas: Vec<Area> = (0..339)
        .map(|i| Area {
            code: format!("A{i:03}"),
            name: String::new(),
            pref_code: String::new(),
            municipality_codes: Vec::new(),
            population: None,
            population_65plus: None,
            mesh_population: None,
            mesh_population_65plus: None,
            population_complete: None,
            geometry: geo::MultiPolygon(Vec::new()),
        })
        .collect();
    let index = FacilityIndex::new(facilities.iter().map(IndexedFacility::from).collect());
    let mut group = c.benchmark_group("coverage/national_synthetic_1.5M_cells_200k_providers");
    group.sample_size(10);
    group.bench_function("home_care_support 16km", |b| {
        b.iter(|| black_box(compute(&cells, &facilities, &index, &areas, &home_care(), None)))
    });
    group.bench_function("any provider 16km", |b| {
        let any = CoverageParams { providers: ProviderSet::default(), ..home_care() };
        b.iter(|| black_box(compute(&cells, &facilities, &index, &areas, &any, None)))
    });
    group.finish();
    // On stderr: test runners (nextest --list) parse the bench binary's stdout.
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(peak) = status.lines().find(|l| l.starts_with("VmHWM")) {
        eprintln!("peak resident memory of the bench process: {}", peak.trim_start_matches("VmHWM:").trim());
    }
}

criterion_group!(benches, kumamoto, national);
criterion_main!(benches);
