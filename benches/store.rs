//! The SQLite store on the real Kumamoto registry: writing it (one transaction, WAL,
//! synchronous=FULL) and loading it back (what `kanwamap serve` does at start and after a change),
//! plus building the Atlas (indexes) from the loaded registry; and the same for the national
//! registry (`--prefecture all`: 47 prefectures from the shared data directory).

use std::hint::black_box;

mod common;
use common::data_dir;

use criterion::{Criterion, criterion_group, criterion_main};
use kanwamap::atlas::Atlas;
use kanwamap::import::{ImportOptions, run_import};
use kanwamap::ingest::Manifest;
use kanwamap::store::{ImportRunInput, SqliteStore, Store};

fn store(c: &mut Criterion) {
    let data_dir = data_dir();
    let options = ImportOptions {
        data_dir,
        prefectures: vec!["43".into()],
        manifest: Manifest::builtin(),
        progress: false,
    };
    c.bench_function("import/kumamoto (read, geocode, join; no write)", |b| {
        b.iter(|| black_box(run_import(&options).expect("import")))
    });
    let registry = run_import(&options).expect("import").registry;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = SqliteStore::open(&dir.path().join("bench.sqlite")).expect("open");
    let run = || ImportRunInput {
        prefecture: "43".into(),
        started_at: std::time::SystemTime::now(),
        finished_at: std::time::SystemTime::now(),
        summary: serde_json::json!({}),
    };
    let mut group = c.benchmark_group("store/kumamoto");
    group.sample_size(20);
    group.bench_function("replace_registry", |b| {
        b.iter(|| store.replace_registry(&registry, &run()).expect("replace"))
    });
    group.bench_function("load_registry", |b| b.iter(|| black_box(store.load_registry().expect("load"))));
    group.bench_function("load_registry + Atlas::new", |b| {
        b.iter(|| black_box(Atlas::new(store.load_registry().expect("load"), 1)))
    });
    group.finish();
    national(c, &dir);
}

/// Every prefecture: the import (target: under 30 s on 2 cores), its write and load.
fn national(c: &mut Criterion, dir: &tempfile::TempDir) {
    let options = ImportOptions {
        data_dir: data_dir(),
        prefectures: kanwamap::model::all_prefecture_codes().collect(),
        manifest: Manifest::builtin(),
        progress: false,
    };
    let mut group = c.benchmark_group("store/national");
    group.sample_size(10);
    group.bench_function("import all 47 prefectures (read, geocode, join, merge; no write)", |b| {
        b.iter(|| black_box(run_import(&options).expect("import")))
    });
    let registry = run_import(&options).expect("import").registry;
    let mut store = SqliteStore::open(&dir.path().join("national.sqlite")).expect("open");
    let run = || ImportRunInput {
        prefecture: "all".into(),
        started_at: std::time::SystemTime::now(),
        finished_at: std::time::SystemTime::now(),
        summary: serde_json::json!({}),
    };
    group.bench_function("replace_registry", |b| {
        b.iter(|| store.replace_registry(&registry, &run()).expect("replace"))
    });
    group.bench_function("load_registry + Atlas::new", |b| {
        b.iter(|| black_box(Atlas::new(store.load_registry().expect("load"), 1)))
    });
    group.finish();
}

criterion_group!(benches, store);
criterion_main!(benches);
