//! Vector tiles on the real Kumamoto registry (imported in-process from the data directory): one
//! tile per layer at z8, z11 and z14 over 熊本城 (Kumamoto Castle), rendered and encoded without the
//! cache (the coverage the areas and coverage layers need is computed once, before measuring); a
//! cache hit; and preparing a snapshot's tile geometry.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kanwamap::analysis::coverage::{CoverageParams, ProviderSet};
use kanwamap::atlas::Atlas;
use kanwamap::import::{ImportOptions, run_import};
use kanwamap::ingest::Manifest;
use kanwamap::model::Capability;
use kanwamap::tiles::layer::{TileLayer, TileRequest};
use kanwamap::tiles::math::TileId;
use kanwamap::tiles::render::render;
use kanwamap::tiles::source::TileSource;

mod common;
use common::data_dir;

fn tiles(c: &mut Criterion) {
    let options = ImportOptions {
        data_dir: data_dir(),
        prefectures: vec!["43".into()],
        manifest: Manifest::builtin(),
        progress: false,
    };
    let registry = run_import(&options).expect("import (run scripts/fetch-data.sh)").registry;
    let atlas = Atlas::new(registry, 1);
    let source = kanwamap::tiles::snapshot::tile_source(&atlas);
    eprintln!(
        "polygon vertices: areas {}, municipalities {}",
        source.areas().vertex_count(),
        source.municipalities().vertex_count()
    );
    let params = CoverageParams {
        providers: ProviderSet::of_capabilities(None, [Capability::HomeCareSupport].into_iter().collect()),
        radius_m: 16_000.0,
        min_providers: 1,
    };
    let mut group = c.benchmark_group("tiles/kumamoto");
    for z in [8u8, 11, 14] {
        let tile = TileId::containing(130.7058, 32.8063, z).expect("valid zoom");
        for layer in TileLayer::ALL {
            let request = TileRequest::new(layer, tile, params.clone());
            // Warm-up outside the measurement: the coverage and the zoom's simplification.
            let size = render(&atlas, &source, &request).len();
            eprintln!("{} z{z} {tile}: {size} bytes", layer.name());
            group.bench_function(format!("{} z{z} (render + encode)", layer.name()), |b| {
                b.iter(|| black_box(render(&atlas, &source, &request)))
            });
        }
    }
    let hit = TileRequest::new(
        TileLayer::Facilities,
        TileId::containing(130.7058, 32.8063, 14).expect("z14"),
        params,
    );
    kanwamap::tiles::snapshot::tile(&atlas, &hit);
    group.bench_function("facilities z14 (cache hit)", |b| {
        b.iter(|| black_box(kanwamap::tiles::snapshot::tile(&atlas, &hit)))
    });
    group.sample_size(10);
    group.bench_function("prepare the snapshot's tile source", |b| {
        b.iter(|| {
            black_box(TileSource::new(
                atlas.facilities(),
                atlas.areas(),
                atlas.municipalities(),
                atlas.cells(),
            ))
        })
    });
    group.finish();
}

criterion_group!(benches, tiles);
criterion_main!(benches);
