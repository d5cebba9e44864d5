//! Nearest search (k = 5) on the real Kumamoto registry and on a synthetic national-scale set.
//!
//! Kumamoto: the registry imported in-process from the data directory (`KANWAMAP_DATA_DIR`, default
//! `var/data`). National: 200,000 SYNTHETIC points made by scattering points around the 7,317 real
//! hospital coordinates of the national 医療情報ネット file (a crude stand-in for where Japan's clinics,
//! pharmacies and dental offices are), with kinds and capabilities drawn in roughly national
//! proportions. Queries are random points near facilities (seeded, so runs compare).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kanwamap::atlas::Atlas;
use kanwamap::import::{ImportOptions, run_import};
use kanwamap::ingest::Manifest;
use kanwamap::model::{Capability, CapabilitySet, FacilityKind};
use kanwamap::spatial::{FacilityIndex, IndexedFacility, NearestQuery};

mod common;
use common::{Rng, data_dir, hospital_anchors, scale};

fn kumamoto_atlas() -> Atlas {
    let options = ImportOptions {
        data_dir: data_dir(),
        prefectures: vec!["43".into()],
        manifest: Manifest::builtin(),
        progress: false,
    };
    let outcome = run_import(&options).expect("import of the Kumamoto data (run scripts/fetch-data.sh)");
    Atlas::new(outcome.registry, 1)
}

fn national_synthetic(n: usize) -> Vec<IndexedFacility> {
    let anchors = hospital_anchors();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    (0..n)
        .map(|_| {
            let (lat, lon) = anchors[(rng.next() * anchors.len() as f64) as usize];
            // Scatter within about ±5 km of the anchor.
            let lat = lat + (rng.next() - 0.5) * 0.09;
            let lon = lon + (rng.next() - 0.5) * 0.11;
            let roll = rng.next();
            let kind = match roll {
                r if r < 0.45 => FacilityKind::Clinic,
                r if r < 0.70 => FacilityKind::Pharmacy,
                r if r < 0.92 => FacilityKind::Dental,
                r if r < 0.97 => FacilityKind::VisitingNurse,
                _ => FacilityKind::Hospital,
            };
            let mut capabilities = CapabilitySet::EMPTY;
            if matches!(kind, FacilityKind::Clinic | FacilityKind::Hospital) && rng.next() < 0.12 {
                capabilities.insert(Capability::HomeCareSupport);
            }
            if kind == FacilityKind::Hospital && rng.next() < 0.05 {
                capabilities.insert(Capability::PalliativeWard);
            }
            IndexedFacility { lat, lon, kind, capabilities }
        })
        .collect()
}

fn queries(points: &[(f64, f64)], n: usize) -> Vec<(f64, f64)> {
    let mut rng = Rng(42);
    (0..n)
        .map(|_| {
            let (lat, lon) = points[(rng.next() * points.len() as f64) as usize];
            (lat + (rng.next() - 0.5) * 0.2, lon + (rng.next() - 0.5) * 0.2)
        })
        .collect()
}

fn bench_case(
    c: &mut Criterion,
    name: &str,
    index: &FacilityIndex,
    origins: &[(f64, f64)],
    kind: Option<FacilityKind>,
    needs: &[Capability],
) {
    let needs: CapabilitySet = needs.iter().copied().collect();
    let mut i = 0;
    c.bench_function(name, |b| {
        b.iter(|| {
            let (lat, lon) = origins[i % origins.len()];
            i += 1;
            black_box(index.nearest(&NearestQuery { lat, lon, kind, needs, k: 5, max_m: None }))
        })
    });
}

fn nearest(c: &mut Criterion) {
    let atlas = kumamoto_atlas();
    let points: Vec<(f64, f64)> =
        atlas.facilities().iter().map(|f| (f.location.lat, f.location.lon)).collect();
    let indexed: Vec<IndexedFacility> = atlas.facilities().iter().map(IndexedFacility::from).collect();
    let index = FacilityIndex::new(indexed);
    let origins = queries(&points, 4096);
    bench_case(c, "kumamoto/k5/any", &index, &origins, None, &[]);
    bench_case(c, "kumamoto/k5/home_care_support", &index, &origins, None, &[Capability::HomeCareSupport]);
    bench_case(c, "kumamoto/k5/pharmacy", &index, &origins, Some(FacilityKind::Pharmacy), &[]);
    bench_case(c, "kumamoto/k5/palliative_ward", &index, &origins, None, &[Capability::PalliativeWard]);

    let national = national_synthetic(scale(200_000));
    let points: Vec<(f64, f64)> = national.iter().map(|f| (f.lat, f.lon)).collect();
    let origins = queries(&points, 4096);
    let index = FacilityIndex::new(national);
    bench_case(c, "national_synthetic_200k/k5/any", &index, &origins, None, &[]);
    bench_case(
        c,
        "national_synthetic_200k/k5/home_care_support",
        &index,
        &origins,
        None,
        &[Capability::HomeCareSupport],
    );
    bench_case(
        c,
        "national_synthetic_200k/k5/clinic+home_care_support",
        &index,
        &origins,
        Some(FacilityKind::Clinic),
        &[Capability::HomeCareSupport],
    );
}

criterion_group!(benches, nearest);
criterion_main!(benches);
