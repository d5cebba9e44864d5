//! The import pipeline: official files → one consistent [`Registry`] of the selected prefectures.
//!
//! Each prefecture runs the same steps, in an order that matters: boundaries and areas first (they
//! define the prefecture's extent and the municipalities), then the gazetteer, then facilities with
//! official coordinates, then lists that need geocoding, then the 施設基準 filings joined onto the
//! facilities, then the seed tables, then the population cells. The prefectures are then merged
//! ([`super::merge`]).

use std::collections::BTreeMap;
use std::path::PathBuf;

use rayon::prelude::*;

use super::cells::{MeshFile, MeshLayout, MeshScope};
use super::mesh_library::MeshLibrary;
use super::placement::{Extent, Placer};
use super::progress::Progress;
use super::report::ImportReport;
use super::run::{FacilityBook, Run};
use crate::geocode::{Gazetteer, read_town_points};
use crate::ingest::{IngestError, Manifest, SourceSpec};
use crate::model::{FacilityKind, RegistryCensus, prefecture_name};
use crate::store::Registry;

/// What to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The data directory filled by scripts/fetch-data.sh.
    pub data_dir: PathBuf,
    /// The prefectures to import into one registry, as 2-digit codes (see
    /// [`crate::model::parse_prefecture_selection`]).
    pub prefectures: Vec<String>,
    /// The dataset manifest.
    pub manifest: Manifest,
    /// Draw a progress bar on the terminal.
    pub progress: bool,
}

/// Why an import could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The prefecture code is not one of the 47.
    #[error("unknown prefecture code '{0}': expected 01..47")]
    UnknownPrefecture(String),
    /// No prefecture was selected.
    #[error("no prefecture to import: give --prefecture all, a code such as 43, or a list such as 11,43")]
    NoPrefecture,
    /// A required source has no file in the data directory.
    #[error(
        "required source '{id}' not found in {data_dir}: looked for {patterns} (run scripts/fetch-data.sh)"
    )]
    MissingSource {
        /// Source id.
        id: String,
        /// The patterns tried.
        patterns: String,
        /// The data directory.
        data_dir: String,
    },
    /// The manifest lacks a source the pipeline needs.
    #[error("the manifest has no source '{0}'")]
    UnknownSource(String),
    /// A source file could not be read.
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// The boundaries gave no polygon for the prefecture.
    #[error("no municipality boundary of prefecture {0} in the boundary file")]
    NoBoundaries(String),
}

/// The imported registry and the report.
#[derive(Debug, Clone)]
pub struct ImportOutcome {
    /// What goes into the store.
    pub registry: Registry,
    /// What happened.
    pub report: ImportReport,
}

impl ImportOutcome {
    /// What the import yields per prefecture, kind and source, for [`super::guard::check_shrink`].
    pub fn census(&self) -> super::guard::ImportYield {
        let mut census = RegistryCensus::default();
        let mut files = BTreeMap::new();
        for p in &self.report.prefectures {
            census.prefectures.insert(p.code.clone());
            census.source_rows.insert(p.code.clone(), p.accepted_by_source.clone());
            for (source, file) in &p.files {
                files.insert((p.code.clone(), source.clone()), file.clone());
            }
        }
        for f in &self.registry.facilities {
            *census
                .facilities
                .entry(f.pref_code.clone())
                .or_default()
                .entry(f.kind.as_str().to_owned())
                .or_default() += 1;
        }
        super::guard::ImportYield { census, files }
    }
}

/// Runs the whole import for the selected prefectures into one registry. Nothing is written: the
/// caller stores the registry.
///
/// Each prefecture is imported on its own (its boundaries, areas, facility lists, 施設基準 filings and
/// seed tables; national files filtered to it), on rayon's pool of worker threads; the mesh files
/// are read once for all of them. The prefectures are then merged into one registry (see
/// [`super::merge`]): a facility listed by two prefectures, or a cell claimed by two, is kept once
/// and reported.
pub fn run_import(options: &ImportOptions) -> Result<ImportOutcome, ImportError> {
    if options.prefectures.is_empty() {
        return Err(ImportError::NoPrefecture);
    }
    for pref in &options.prefectures {
        prefecture_name(pref).ok_or_else(|| ImportError::UnknownPrefecture(pref.clone()))?;
    }
    let meshes = read_mesh_library(options)?;
    let progress = Progress::new(options.progress, options.prefectures.len() as u64 + 1);
    progress.step("reading the prefectures");
    // The prefectures are independent; rayon's pool (one per process, as many threads as cores)
    // balances them and the area unions inside each.
    let runs = options
        .prefectures
        .par_iter()
        .map(|pref| {
            let outcome = run_prefecture(options, pref, &meshes);
            progress.step(&format!("prefecture {pref} {}", prefecture_name(pref).unwrap_or_default()));
            outcome
        })
        .collect::<Result<Vec<_>, _>>()?;
    let outcome = super::merge::merge(options, runs, &meshes);
    progress.finish();
    Ok(outcome)
}

/// Every mesh file any selected prefecture names (official CSVs per 1st-order mesh and prefecture
/// extracts), read once.
fn read_mesh_library(options: &ImportOptions) -> Result<MeshLibrary, ImportError> {
    let mut files = Vec::new();
    for (id, layout, scope) in [
        ("population_mesh", MeshLayout::EstatCsv, MeshScope::FirstOrderMeshes),
        ("population_mesh_extract", MeshLayout::GeoJson, MeshScope::Prefecture),
    ] {
        let spec = options.manifest.source(id).ok_or_else(|| ImportError::UnknownSource(id.to_owned()))?;
        for pref in &options.prefectures {
            for path in spec.resolve(&options.data_dir, pref) {
                if !files.iter().any(|f: &MeshFile| f.path == path) {
                    files.push(MeshFile { path, source_id: spec.id.clone(), layout, scope });
                }
            }
        }
    }
    Ok(MeshLibrary::read(files)?)
}

/// What one prefecture's import produced, before the prefectures are merged.
pub(super) struct PrefectureImport {
    /// 2-digit code.
    pub pref: String,
    /// The prefecture's part of the registry (its `sources` are left empty: they are merged).
    pub registry: Registry,
    /// The prefecture's report (its `sources` hold this prefecture's counts per file).
    pub report: ImportReport,
    /// The sources used, with the file read (relative to the data directory).
    pub used: Vec<(SourceSpec, String)>,
    /// Whether the municipality boundaries came from a file of the prefecture's own rather than a
    /// national one (decides cells claimed by two prefectures: the finer outline wins).
    pub own_boundaries: bool,
}

/// Imports one prefecture.
fn run_prefecture(
    options: &ImportOptions,
    pref: &str,
    meshes: &MeshLibrary,
) -> Result<PrefectureImport, ImportError> {
    let pref_name = prefecture_name(pref).ok_or_else(|| ImportError::UnknownPrefecture(pref.to_owned()))?;
    let mut run = Run::new(options, pref);
    let (municipalities, areas) = run.read_areas()?;
    let extent = Extent::around(municipalities.iter().map(|m| &m.geometry))
        .ok_or_else(|| ImportError::NoBoundaries(pref.to_owned()))?;

    let towns = match run.optional("town_points")? {
        Some((spec, path)) => run.absorb(&path, read_town_points(&path, &spec.id)?),
        None => Vec::new(),
    };
    // The server geocodes typed addresses with the same gazetteer: keep this prefecture's points.
    let towns: Vec<_> = towns.into_iter().filter(|t| t.pref == pref_name).collect();
    let gazetteer = Gazetteer::new(pref_name, &municipalities, towns.clone());
    let placer = Placer::new(extent, &gazetteer, pref);
    let mut book = FacilityBook::default();

    run.read_mhlw("mhlw_hospitals", FacilityKind::Hospital, &placer, &mut book)?;
    run.read_mhlw("mhlw_clinics", FacilityKind::Clinic, &placer, &mut book)?;
    run.read_mhlw("mhlw_dental", FacilityKind::Dental, &placer, &mut book)?;
    run.read_mhlw("mhlw_pharmacies", FacilityKind::Pharmacy, &placer, &mut book)?;
    run.read_kijun(&placer, &mut book)?;
    run.read_visiting_nurses(&placer, &mut book)?;
    run.read_cancer_hubs(&mut book)?;
    run.read_gatherings("cancer_salons", FacilityKind::Salon, &placer, &mut book)?;
    run.read_gatherings("peer_support", FacilityKind::PeerSupport, &placer, &mut book)?;

    let facilities = run.assign_areas(book, &municipalities);
    let (cells, areas) = run.read_population_cells(&municipalities, areas, meshes)?;
    Ok(run.finish(facilities, areas, municipalities, cells, towns))
}
