//! The import pipeline: official files → one consistent [`Registry`] of a prefecture.
//!
//! Order matters: boundaries and areas first (they define the prefecture's extent and the
//! municipalities), then the gazetteer, then facilities with official coordinates, then lists that need
//! geocoding, then the 施設基準 filings joined onto the facilities, then the seed tables.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::cells::{AreaMeshPopulation, MeshFile, MeshLayout, MeshScope, build_from_inputs};
use super::kijun_join::{JoinEntry, JoinOutcome, KijunSummary, join_kijun};
use super::mesh_library::MeshLibrary;
use super::placement::{Extent, Placed, Placer, RowRef};
use super::progress::Progress;
use crate::geocode::{Gazetteer, TownPoint, read_town_points};
use crate::ingest::area_population::read_area_population;
use crate::ingest::kaigo::read_care_offices;
use crate::ingest::kijun::{KijunFacility, read_kijun};
use crate::ingest::ksj::{build_areas, read_a38_membership, read_n03, read_n03_other_prefectures};
use crate::ingest::mhlw::{MhlwFacilityRow, read_mhlw_facilities};
use crate::ingest::seeds::{GatheringRow, read_cancer_hubs, read_peer_support, read_salons};
use crate::ingest::{
    Disposition, IngestError, Manifest, Parsed, PublishedCoordinate, Rejection, SourceSpec, SourceStats,
};
use crate::model::{
    Area, Capability, CapabilityEntry, Facility, FacilityId, FacilityKind, Location, Municipality,
    PopulationCell, RegistryCensus, SourceRef, prefecture_name,
};
use crate::spatial::locate::PolygonLocator;
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

/// How many facilities of one kind were placed at each precision.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct KindSummary {
    /// All facilities of the kind.
    pub total: usize,
    /// With the publisher's coordinate.
    pub exact: usize,
    /// At the 大字・町丁目 point.
    pub town: usize,
    /// At the municipality point.
    pub municipality: usize,
}

/// What the mesh population import did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PopulationSummary {
    /// Cells assigned to the prefecture.
    pub cells: usize,
    /// Their population.
    pub population: u64,
    /// Of the cells, placed by the 1 km coastal rule.
    pub coastal_cells: usize,
    /// 1st-order meshes present in the data.
    pub present_meshes: Vec<u16>,
    /// Cells read but not the prefecture's, by reason: (cells, population).
    pub unassigned: BTreeMap<String, (usize, u64)>,
    /// Per area: mesh population next to the census population, completeness.
    pub areas: Vec<AreaMeshPopulation>,
}

/// What the import found for one prefecture of a (possibly multi-prefecture) import.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PrefectureReport {
    /// 2-digit code.
    pub code: String,
    /// Name, e.g. 熊本県.
    pub name: String,
    /// Sources that gave this prefecture a file, in manifest order.
    pub present_sources: Vec<String>,
    /// Optional sources with no file for this prefecture.
    pub missing_sources: Vec<String>,
    /// Rows accepted per source for this prefecture (of a national file: this prefecture's rows).
    pub accepted_by_source: BTreeMap<String, u64>,
    /// The file each source read for this prefecture (the first, for sources of several files).
    pub files: BTreeMap<String, String>,
    /// Facilities by kind and precision.
    pub facilities_by_kind: BTreeMap<String, KindSummary>,
    /// Facilities per capability.
    pub capabilities: BTreeMap<String, usize>,
    /// The 施設基準 join, when the prefecture has a 施設基準 list.
    pub kijun: Option<KijunSummary>,
    /// Secondary medical areas.
    pub areas: usize,
    /// Of them, with a complete mesh population (coverage figures are meaningful).
    pub areas_population_complete: usize,
    /// Population of the prefecture's 500 m cells (0 without mesh data).
    pub mesh_population: u64,
}

/// Everything the import has to say.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    /// The prefectures imported: one code (`43`), a list (`11,43`) or `all`.
    pub prefecture: String,
    /// Per prefecture, in code order.
    pub prefectures: Vec<PrefectureReport>,
    /// Counts per source file.
    pub sources: Vec<SourceStats>,
    /// Optional sources with no file.
    pub missing_sources: Vec<String>,
    /// Facilities by kind and precision.
    pub facilities_by_kind: BTreeMap<String, KindSummary>,
    /// Facilities per capability.
    pub capabilities: BTreeMap<String, usize>,
    /// The 施設基準 join (summed over the prefectures that have a 施設基準 list).
    pub kijun: Option<KijunSummary>,
    /// The 施設基準 join, facility by facility: what became of each, by what evidence, and for each
    /// added one its nearest hospitals or clinics and why they were refused.
    pub kijun_join: Vec<JoinEntry>,
    /// The mesh population, when imported.
    pub population: Option<PopulationSummary>,
    /// Problems that are not about one row (e.g. a municipality without an area).
    pub problems: Vec<String>,
    /// Every rejected row or field.
    pub rejections: Vec<Rejection>,
}

impl ImportReport {
    /// The report without the individual rejections (kept with the import run in the store).
    pub fn summary_json(&self) -> serde_json::Value {
        let replaced = self.rejections.iter().filter(|r| r.disposition == Disposition::Replaced).count();
        serde_json::json!({
            "prefecture": self.prefecture,
            "prefectures": self.prefectures,
            "sources": self.sources,
            "missing_sources": self.missing_sources,
            "facilities_by_kind": self.facilities_by_kind,
            "capabilities": self.capabilities,
            "kijun": self.kijun,
            "population": self.population,
            "problems": self.problems,
            "rejections": { "dropped": self.rejections.len() - replaced, "replaced": replaced },
        })
    }

    /// Rows read, accepted and dropped over all sources.
    pub fn totals(&self) -> (u64, u64, u64) {
        self.sources.iter().fold((0, 0, 0), |(r, a, d), s| (r + s.read, a + s.accepted, d + s.rejected))
    }
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
/// seed tables; national files filtered to it), on a bounded pool of worker threads; the mesh files
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
    let runs = parallel_map(&options.prefectures, |pref| {
        let outcome = run_prefecture(options, pref, &meshes);
        progress.step(&format!("prefecture {pref} {}", prefecture_name(pref).unwrap_or_default()));
        outcome
    });
    let runs = runs.into_iter().collect::<Result<Vec<_>, _>>()?;
    let outcome = super::merge::merge(options, runs, &meshes);
    progress.finish();
    Ok(outcome)
}

/// `f` over `items` on at most as many threads as the machine has cores, results in item order.
/// Prefectures are independent and most take ~0.1 s, so a simple shared counter balances them.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(items.len()).max(1);
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, f(item)));
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            // A panic in a worker is a bug in the importer: let it surface as a panic.
            .flat_map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
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

/// Facilities by id, in id order; a second row with the same id is reported, not merged blindly
/// (see `Run::insert`).
#[derive(Default)]
struct FacilityBook {
    facilities: BTreeMap<String, Facility>,
}

/// State of one prefecture's import.
struct Run<'a> {
    options: &'a ImportOptions,
    /// 2-digit code of the prefecture.
    pref: String,
    report: ImportReport,
    stats: Vec<SourceStats>,
    used: Vec<(SourceSpec, String)>,
    own_boundaries: bool,
}

impl<'a> Run<'a> {
    fn new(options: &'a ImportOptions, pref: &str) -> Self {
        Run {
            options,
            pref: pref.to_owned(),
            report: ImportReport { prefecture: pref.to_owned(), ..ImportReport::default() },
            stats: Vec::new(),
            used: Vec::new(),
            own_boundaries: false,
        }
    }

    fn spec(&self, id: &str) -> Result<&'a SourceSpec, ImportError> {
        self.options.manifest.source(id).ok_or_else(|| ImportError::UnknownSource(id.to_owned()))
    }

    /// The file of a source: the last match of its first matching pattern (dated names sort by date).
    fn optional(&mut self, id: &str) -> Result<Option<(SourceSpec, PathBuf)>, ImportError> {
        let spec = self.spec(id)?;
        let Some(path) = spec.resolve(&self.options.data_dir, &self.pref).pop() else {
            if spec.required {
                return Err(ImportError::MissingSource {
                    id: id.to_owned(),
                    patterns: spec.patterns(&self.pref).join(", "),
                    data_dir: self.options.data_dir.display().to_string(),
                });
            }
            self.report.missing_sources.push(id.to_owned());
            return Ok(None);
        };
        let label = self.label(&path);
        self.used.push((spec.clone(), label));
        Ok(Some((spec.clone(), path)))
    }

    fn required(&mut self, id: &str) -> Result<(SourceSpec, PathBuf), ImportError> {
        let spec = self.spec(id)?;
        self.optional(id)?.ok_or_else(|| ImportError::MissingSource {
            id: id.to_owned(),
            patterns: spec.patterns(&self.pref).join(", "),
            data_dir: self.options.data_dir.display().to_string(),
        })
    }

    fn label(&self, path: &Path) -> String {
        path.strip_prefix(&self.options.data_dir).unwrap_or(path).display().to_string()
    }

    /// Takes a reader's rejections and counts, naming the file relative to the data directory;
    /// returns its records.
    fn absorb<T>(&mut self, path: &Path, parsed: Parsed<T>) -> Vec<T> {
        let label = self.label(path);
        let Parsed { records, rejections, mut stats } = parsed;
        self.report.rejections.extend(rejections.into_iter().map(|r| Rejection { file: label.clone(), ..r }));
        stats.file = label;
        self.stats.push(stats);
        records
    }

    /// Counts a row the reader accepted but the pipeline dropped (its rejection is already recorded).
    fn dropped_later(&mut self, source: &str) {
        if let Some(stats) = self.stats.iter_mut().rev().find(|s| s.source == source) {
            stats.accepted = stats.accepted.saturating_sub(1);
            stats.rejected += 1;
        }
    }

    fn read_areas(&mut self) -> Result<(Vec<Municipality>, Vec<Area>), ImportError> {
        let pref = self.pref.clone();
        let (spec, path) = self.required("municipality_boundaries")?;
        self.own_boundaries = spec.resolve_scoped(&self.options.data_dir, &pref).is_some_and(|(_, own)| own);
        let boundaries = self.absorb(&path, read_n03(&path, &spec.id, &pref)?);
        if boundaries.is_empty() {
            return Err(ImportError::NoBoundaries(pref));
        }
        let (spec, path) = self.required("medical_areas")?;
        let membership = self.absorb(&path, read_a38_membership(&path, &spec.id, &pref)?);
        let population = match self.optional("area_population")? {
            Some((spec, path)) => self.absorb(&path, read_area_population(&path, &spec.id, &pref)?),
            None => Vec::new(),
        };
        let built = build_areas(&pref, boundaries, &membership, &population);
        self.report.problems.extend(built.problems);
        Ok((built.municipalities, built.areas))
    }

    fn read_mhlw(
        &mut self,
        id: &str,
        kind: FacilityKind,
        placer: &Placer<'_>,
        book: &mut FacilityBook,
    ) -> Result<(), ImportError> {
        let Some((spec, path)) = self.optional(id)? else { return Ok(()) };
        let label = self.label(&path);
        let rows = self.absorb(&path, read_mhlw_facilities(&path, &spec.id, &label, &self.pref)?);
        for row in rows {
            let at = RowRef { source: &spec.id, file: &label, line: row.line };
            let Some(placed) = placer.place(at, &row.coordinate, &row.address, &mut self.report.rejections)
            else {
                self.dropped_later(&spec.id);
                continue;
            };
            let facility = facility_from_mhlw(row, kind, placed, &spec.id, &self.pref);
            self.insert(book, facility, &spec.id, &label);
        }
        Ok(())
    }

    /// Adds a facility; a second one with the same id is reported and dropped (the first row wins).
    fn insert(&mut self, book: &mut FacilityBook, facility: Facility, source: &str, file: &str) {
        match book.facilities.entry(facility.id.0.clone()) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(facility);
            }
            std::collections::btree_map::Entry::Occupied(_) => {
                self.report.rejections.push(Rejection {
                    source: source.to_owned(),
                    file: file.to_owned(),
                    line: facility.sources.first().map_or(0, |s| s.line),
                    field: Some("id".into()),
                    value: Some(facility.id.0),
                    reason: "duplicate facility id; the first row was kept".into(),
                    disposition: Disposition::Dropped,
                });
                self.dropped_later(source);
            }
        }
    }

    /// Reads the 施設基準 list and joins it onto the hospitals and clinics read so far (see
    /// [`join_kijun`]): matches, merges of duplicates, additions placed by the geocoder.
    fn read_kijun(&mut self, placer: &Placer<'_>, book: &mut FacilityBook) -> Result<(), ImportError> {
        let Some((spec, path)) = self.optional("kijun_ika")? else { return Ok(()) };
        let label = self.label(&path);
        let pref = self.pref.clone();
        let kijun = self.absorb(&path, read_kijun(&path, &spec.id, &pref)?);
        let gazetteer = placer.gazetteer();
        let municipality_of =
            |address: &str| gazetteer.municipality_of(address).map(|(code, _)| code.to_owned());
        let mut rejections = Vec::new();
        let mut place = |f: &KijunFacility| {
            let at = RowRef { source: &spec.id, file: &label, line: f.first_line };
            placer.place(at, &PublishedCoordinate::Missing, &f.address, &mut rejections)
        };
        let joined = join_kijun(&mut book.facilities, kijun, &spec.id, &municipality_of, &mut place);
        self.report.rejections.extend(rejections);
        for _ in joined.entries.iter().filter(|e| e.outcome == JoinOutcome::Dropped) {
            self.dropped_later(&spec.id);
        }
        for (id, line) in joined.id_clashes {
            self.report.rejections.push(Rejection {
                source: spec.id.clone(),
                file: label.clone(),
                line,
                field: Some("id".into()),
                value: Some(id),
                reason: "duplicate facility id; the first row was kept".into(),
                disposition: Disposition::Dropped,
            });
        }
        self.report.kijun = Some(joined.summary);
        self.report.kijun_join = joined.entries;
        Ok(())
    }

    fn read_visiting_nurses(
        &mut self,
        placer: &Placer<'_>,
        book: &mut FacilityBook,
    ) -> Result<(), ImportError> {
        let Some((spec, path)) = self.optional("visiting_nurses")? else { return Ok(()) };
        let label = self.label(&path);
        let rows = self.absorb(&path, read_care_offices(&path, &spec.id, &label, &self.pref)?);
        for row in rows {
            let at = RowRef { source: &spec.id, file: &label, line: row.line };
            let Some(placed) = placer.place(at, &row.coordinate, &row.address, &mut self.report.rejections)
            else {
                self.dropped_later(&spec.id);
                continue;
            };
            let municipality =
                placer.gazetteer().municipality_of(&row.address).map(|(code, _)| code.to_owned());
            let facility = Facility {
                id: FacilityId(format!("kaigo-{}", row.office_number)),
                kind: FacilityKind::VisitingNurse,
                name: row.name,
                name_kana: None,
                address: Some(row.address),
                municipality_code: municipality.or(placed.geocoded_municipality),
                area_code: None,
                pref_code: self.pref.clone(),
                location: placed.location,
                phone: row.phone,
                url: row.url,
                beds: None,
                schedule: None,
                capabilities: Vec::new(),
                sources: vec![SourceRef { source: spec.id.clone(), line: row.line }],
            };
            self.insert(book, facility, &spec.id, &label);
        }
        Ok(())
    }

    fn read_cancer_hubs(&mut self, book: &mut FacilityBook) -> Result<(), ImportError> {
        let Some((spec, path)) = self.optional("cancer_hubs")? else { return Ok(()) };
        let label = self.label(&path);
        let rows = self.absorb(&path, read_cancer_hubs(&path, &spec.id, &label)?);
        for row in rows {
            let id = row.mhlw_id.as_ref().map(|id| format!("mhlw-{id}"));
            let target = id.as_ref().and_then(|id| book.facilities.get_mut(id));
            match target {
                Some(hospital) if hospital.kind == FacilityKind::Hospital => {
                    hospital.add_capability(CapabilityEntry {
                        level: Some(row.level.as_str().to_owned()),
                        ..CapabilityEntry::bare(Capability::CancerHub)
                    });
                    hospital.sources.push(SourceRef { source: spec.id.clone(), line: row.line });
                }
                _ => {
                    self.report.rejections.push(Rejection {
                        source: spec.id.clone(),
                        file: label.clone(),
                        line: row.line,
                        field: Some("mhlw_id".into()),
                        value: row.mhlw_id.clone(),
                        reason: format!("no hospital with this 医療情報ネット ID for '{}'", row.name_in_seed),
                        disposition: Disposition::Dropped,
                    });
                    self.dropped_later(&spec.id);
                }
            }
        }
        Ok(())
    }

    fn read_gatherings(
        &mut self,
        id: &str,
        kind: FacilityKind,
        placer: &Placer<'_>,
        book: &mut FacilityBook,
    ) -> Result<(), ImportError> {
        let Some((spec, path)) = self.optional(id)? else { return Ok(()) };
        let label = self.label(&path);
        let parsed = match kind {
            FacilityKind::Salon => read_salons(&path, &spec.id, &label)?,
            _ => read_peer_support(&path, &spec.id, &label)?,
        };
        let rows = self.absorb(&path, parsed);
        for row in rows {
            let at = RowRef { source: &spec.id, file: &label, line: row.line };
            let Some((location, municipality)) = self.place_gathering(at, &row, placer) else {
                self.dropped_later(&spec.id);
                continue;
            };
            let facility = Facility {
                id: FacilityId(format!(
                    "{}-{}-{}",
                    kind.as_str().replace('_', ""),
                    self.pref,
                    short_hash(&row.name)
                )),
                kind,
                name: row.name,
                name_kana: None,
                address: row.placed_at,
                municipality_code: municipality,
                area_code: None,
                pref_code: self.pref.clone(),
                location,
                phone: row.phone,
                url: None,
                beds: None,
                schedule: row.schedule,
                capabilities: Vec::new(),
                sources: vec![SourceRef { source: spec.id.clone(), line: row.line }],
            };
            self.insert(book, facility, &spec.id, &label);
        }
        Ok(())
    }

    /// Places a salon or peer-support row at the table's point and precision, unless the place it
    /// names is a municipality other than the one its code says (the table was drawn by hand): then
    /// the place name wins and the replacement is reported.
    fn place_gathering(
        &mut self,
        at: RowRef<'_>,
        row: &GatheringRow,
        placer: &Placer<'_>,
    ) -> Option<(Location, Option<String>)> {
        let reject = |reason: String, disposition| Rejection {
            source: at.source.to_owned(),
            file: at.file.to_owned(),
            line: at.line,
            field: Some("lat,lon".into()),
            value: Some(row.coordinate.describe()),
            reason,
            disposition,
        };
        let named = row.placed_at.as_deref().and_then(|p| placer.gazetteer().geocode(p));
        if let (Some(named), Some(code)) = (&named, &row.municipality_code)
            && named.municipality_code != *code
        {
            self.report.rejections.push(reject(
                format!(
                    "municipality_code {code} disagrees with the place named '{}' ({} {}); placed there at {} precision",
                    row.placed_at.as_deref().unwrap_or_default(),
                    named.municipality_code,
                    named.municipality_name,
                    named.precision.as_str()
                ),
                Disposition::Replaced,
            ));
            return Some((
                Location::new(named.lat, named.lon, named.precision),
                Some(named.municipality_code.clone()),
            ));
        }
        match &row.coordinate {
            PublishedCoordinate::Value { lat, lon } => match placer.coordinate_problem(*lat, *lon) {
                None => Some((Location::new(*lat, *lon, row.precision), row.municipality_code.clone())),
                Some(problem) => match named {
                    Some(n) => {
                        self.report.rejections.push(reject(
                            format!("{problem}; placed at the named place"),
                            Disposition::Replaced,
                        ));
                        Some((Location::new(n.lat, n.lon, n.precision), Some(n.municipality_code)))
                    }
                    None => {
                        self.report.rejections.push(reject(problem, Disposition::Dropped));
                        None
                    }
                },
            },
            _ => match named {
                Some(n) => Some((Location::new(n.lat, n.lon, n.precision), Some(n.municipality_code))),
                None => {
                    self.report.rejections.push(reject(
                        "no coordinate and no recognisable place name".into(),
                        Disposition::Dropped,
                    ));
                    None
                }
            },
        }
    }

    /// Builds the prefecture's 500 m cells from the mesh files that reach it (read once for the
    /// whole import): e-Stat's suppression resolved, cells assigned to municipalities and areas,
    /// and every area given its mesh population and whether the mesh covers it. An area that no
    /// mesh file reaches is marked incomplete (`population_complete: false`), never a silent 0 %.
    fn read_population_cells(
        &mut self,
        municipalities: &[Municipality],
        mut areas: Vec<Area>,
        meshes: &MeshLibrary,
    ) -> Result<(Vec<PopulationCell>, Vec<Area>), ImportError> {
        let reaching = meshes.for_prefecture(municipalities);
        for id in ["population_mesh", "population_mesh_extract"] {
            let files: Vec<_> = reaching.iter().filter(|(f, _)| f.file.source_id == id).collect();
            if files.is_empty() {
                self.report.missing_sources.push(id.to_owned());
            }
            for (file, _) in files {
                let label = self.label(&file.file.path);
                self.used.push((self.spec(id)?.clone(), label));
            }
        }
        if reaching.is_empty() {
            for area in &mut areas {
                area.population_complete = Some(false);
            }
            return Ok((Vec::new(), areas));
        }
        let neighbours = match self.optional("neighbour_boundaries")? {
            Some((spec, path)) => {
                Some(self.absorb(&path, read_n03_other_prefectures(&path, &spec.id, &self.pref)?))
            }
            None => None,
        };
        let mut built = Vec::with_capacity(reaching.len());
        let mut inputs = Vec::with_capacity(reaching.len());
        for (file, input) in reaching {
            built.push(file);
            inputs.push(input);
        }
        let cells = build_from_inputs(inputs, municipalities, &areas, neighbours.as_deref());
        for file in &built {
            // The reader's counts and rejections belong to the file, not to the prefecture: they are
            // taken once by the merge. Here the file is only named as a source of this prefecture.
            let label = self.label(&file.file.path);
            self.stats.push(SourceStats { file: label, ..file.stats.clone() });
        }
        self.report.problems.extend(cells.problems);
        let mut unassigned: BTreeMap<&'static str, (usize, u64)> = BTreeMap::new();
        for u in &cells.unassigned {
            let entry = unassigned.entry(u.reason.label()).or_default();
            entry.0 += 1;
            entry.1 += u64::from(u.cell.population);
        }
        let population: u64 = cells.cells.iter().map(|c| u64::from(c.population)).sum();
        self.report.population = Some(PopulationSummary {
            cells: cells.cells.len(),
            population,
            coastal_cells: cells.coastal,
            present_meshes: cells.present_meshes.iter().copied().collect(),
            unassigned: unassigned.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            areas: cells.areas.clone(),
        });
        for area in &mut areas {
            if let Some(mesh) = cells.areas.iter().find(|m| m.area_code == area.code) {
                area.mesh_population = Some(mesh.population);
                area.mesh_population_65plus = Some(mesh.population_65plus);
                area.population_complete = Some(mesh.complete);
            }
        }
        Ok((cells.cells, areas))
    }

    /// Gives every facility its municipality (when it has none, or one unknown to the boundaries, the
    /// polygon containing its point) and its secondary medical area.
    fn assign_areas(&mut self, book: FacilityBook, municipalities: &[Municipality]) -> Vec<Facility> {
        let area_of: HashMap<&str, Option<&str>> =
            municipalities.iter().map(|m| (m.code.as_str(), m.area_code.as_deref())).collect();
        let locator = PolygonLocator::new(
            municipalities.iter().map(|m| (m.code.clone(), m.geometry.clone())).collect(),
        );
        let mut facilities: Vec<Facility> = book.facilities.into_values().collect();
        for facility in &mut facilities {
            let known = facility.municipality_code.as_deref().is_some_and(|c| area_of.contains_key(c));
            if !known {
                let (lat, lon) = (facility.location.lat, facility.location.lon);
                let located = locator
                    .locate(lon, lat)
                    .or_else(|| locator.nearest_within(lon, lat, 2_000.0).map(|(c, _)| c));
                if let Some(previous) = &facility.municipality_code {
                    self.report.problems.push(format!(
                        "{}: municipality code {previous} is not among the boundaries; using the polygon at its point ({})",
                        facility.id,
                        located.map_or("none", String::as_str)
                    ));
                }
                facility.municipality_code = located.cloned();
            }
            facility.area_code = facility
                .municipality_code
                .as_deref()
                .and_then(|c| area_of.get(c).copied().flatten())
                .map(str::to_owned);
        }
        facilities
    }

    fn finish(
        mut self,
        facilities: Vec<Facility>,
        areas: Vec<Area>,
        municipalities: Vec<Municipality>,
        cells: Vec<PopulationCell>,
        towns: Vec<TownPoint>,
    ) -> PrefectureImport {
        self.report.facilities_by_kind = summarize_kinds(&facilities);
        self.report.capabilities = count_capabilities(&facilities);
        self.report.sources = self.stats;
        PrefectureImport {
            pref: self.pref,
            registry: Registry { facilities, areas, municipalities, sources: Vec::new(), cells, towns },
            report: self.report,
            used: self.used,
            own_boundaries: self.own_boundaries,
        }
    }
}

/// Facilities by kind and location precision.
pub(super) fn summarize_kinds(facilities: &[Facility]) -> BTreeMap<String, KindSummary> {
    let mut by_kind: BTreeMap<String, KindSummary> = BTreeMap::new();
    for facility in facilities {
        let summary = by_kind.entry(facility.kind.as_str().to_owned()).or_default();
        summary.total += 1;
        match facility.location.precision {
            crate::model::LocationPrecision::Exact => summary.exact += 1,
            crate::model::LocationPrecision::Town => summary.town += 1,
            crate::model::LocationPrecision::Municipality => summary.municipality += 1,
        }
    }
    by_kind
}

/// Facilities per capability.
pub(super) fn count_capabilities(facilities: &[Facility]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for entry in facilities.iter().flat_map(|f| &f.capabilities) {
        *counts.entry(entry.capability.as_str().to_owned()).or_default() += 1;
    }
    counts
}

fn facility_from_mhlw(
    row: MhlwFacilityRow,
    kind: FacilityKind,
    placed: Placed,
    source: &str,
    pref: &str,
) -> Facility {
    Facility {
        id: FacilityId(format!("mhlw-{}", row.mhlw_id)),
        kind,
        name: row.name,
        name_kana: row.name_kana,
        address: Some(row.address),
        municipality_code: row.municipality_code.or(placed.geocoded_municipality),
        area_code: None,
        pref_code: pref.to_owned(),
        location: placed.location,
        phone: None,
        url: row.url,
        beds: row.beds_total,
        schedule: None,
        capabilities: Vec::new(),
        sources: vec![SourceRef { source: source.to_owned(), line: row.line }],
    }
}

/// A short stable hash (FNV-1a, 32 bits, hex) for ids of rows that have no key of their own.
fn short_hash(text: &str) -> String {
    let hash = text.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    format!("{hash:08x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_hash_is_stable() {
        assert_eq!(short_hash(""), "811c9dc5");
        assert_eq!(short_hash("a"), "e40c292c");
        assert_ne!(short_hash("森都がんサロン"), short_hash("熊本がんサロン"));
    }
}
