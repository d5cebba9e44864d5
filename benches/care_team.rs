//! Address search and the care-team query on the real Kumamoto registry: geocoding every hospital
//! address, autocomplete of a town prefix, and the whole care team at three real places.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kanwamap::atlas::{Atlas, now_unix};
use kanwamap::care_team::{CareTeamRequest, care_team};
use kanwamap::import::{ImportOptions, run_import};
use kanwamap::ingest::Manifest;
use kanwamap::model::{FacilityKind, Needs, OpioidCatalogue};

mod common;
use common::data_dir;

fn kumamoto(c: &mut Criterion) {
    let options = ImportOptions {
        data_dir: data_dir(),
        prefectures: vec!["43".into()],
        manifest: Manifest::builtin(),
        progress: false,
    };
    let registry = run_import(&options).expect("import (run scripts/fetch-data.sh)").registry;
    let atlas = Atlas::new(registry, 1);
    let addresses: Vec<String> = atlas
        .facilities()
        .iter()
        .filter(|f| f.kind == FacilityKind::Hospital)
        .filter_map(|f| f.address.clone())
        .collect();
    assert!(atlas.gazetteer(43).is_some_and(|g| g.town_count() > 0), "the registry has its town points");
    let mut group = c.benchmark_group("care_team/kumamoto");
    group.bench_function("geocode one hospital address (mean over all)", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % addresses.len();
            black_box(atlas.geocode(&addresses[i]))
        })
    });
    group.bench_function("autocomplete 熊本市中央区水前 (8 candidates)", |b| {
        b.iter(|| black_box(atlas.geocode_candidates("熊本市中央区水前", 8)))
    });
    let oxycodone = Needs::parse("opioid:oxycodone_sr", OpioidCatalogue::builtin()).expect("valid needs");
    for (name, lat, lon) in
        [("熊本市", 32.8031, 130.7079), ("天草市", 32.4586, 130.1930), ("水上村", 32.3150, 131.0070)]
    {
        for (label, needs) in [("", Needs::default()), (" + opioid:oxycodone_sr", oxycodone.clone())] {
            let request =
                CareTeamRequest { lat, lon, needs, include_stale: false, k: 3, now_unix: now_unix() };
            group.bench_function(format!("care team at {name}{label} (k=3)"), |b| {
                b.iter(|| black_box(care_team(&atlas, &request)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, kumamoto);
criterion_main!(benches);
