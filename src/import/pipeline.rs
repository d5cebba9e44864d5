//! The import pipeline: official files → one consistent [`Registry`] of a prefecture.
//!
//! Order matters: boundaries and areas first (they define the prefecture's extent and the
//! municipalities), then the gazetteer, then facilities with official coordinates, then lists that need
//! geocoding, then the 施設基準 filings joined onto the facilities, then the seed tables.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::cells::{
    AreaMeshPopulation, MeshFile, MeshLayout, MeshScope, UnassignedReason, build_population_cells,
};
use super::kijun_join::{JoinEntry, JoinOutcome, KijunSummary, join_kijun};
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
    PopulationCell, SourceRef, prefecture_name,
};
use crate::spatial::locate::PolygonLocator;
use crate::store::{Registry, SourceRecord};

/// What to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The data directory filled by scripts/fetch-data.sh.
    pub data_dir: PathBuf,
    /// 2-digit prefecture code.
    pub pref_code: String,
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

/// Everything the import has to say.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    /// The prefecture imported.
    pub prefecture: String,
    /// Counts per source file.
    pub sources: Vec<SourceStats>,
    /// Optional sources with no file.
    pub missing_sources: Vec<String>,
    /// Facilities by kind and precision.
    pub facilities_by_kind: BTreeMap<String, KindSummary>,
    /// Facilities per capability.
    pub capabilities: BTreeMap<String, usize>,
    /// The 施設基準 join.
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

/// Runs the whole import for one prefecture. Nothing is written: the caller stores the registry.
pub fn run_import(options: &ImportOptions) -> Result<ImportOutcome, ImportError> {
    let pref = options.pref_code.as_str();
    let pref_name = prefecture_name(pref).ok_or_else(|| ImportError::UnknownPrefecture(pref.to_owned()))?;
    let mut run = Run::new(options);
    let progress = Progress::new(options.progress, 10);

    progress.step("boundaries and secondary medical areas");
    let (municipalities, areas) = run.read_areas()?;
    let extent = Extent::around(municipalities.iter().map(|m| &m.geometry))
        .ok_or_else(|| ImportError::NoBoundaries(pref.to_owned()))?;

    progress.step("town points for the geocoder");
    let towns = match run.optional("town_points")? {
        Some((spec, path)) => run.absorb(&path, read_town_points(&path, &spec.id)?),
        None => Vec::new(),
    };
    // The server geocodes typed addresses with the same gazetteer: keep this prefecture's points.
    let towns: Vec<_> = towns.into_iter().filter(|t| t.pref == pref_name).collect();
    let gazetteer = Gazetteer::new(pref_name, &municipalities, towns.clone());
    let placer = Placer::new(extent, &gazetteer, pref);
    let mut book = FacilityBook::default();

    progress.step("hospitals");
    run.read_mhlw("mhlw_hospitals", FacilityKind::Hospital, &placer, &mut book)?;
    progress.step("clinics, dental offices, pharmacies");
    run.read_mhlw("mhlw_clinics", FacilityKind::Clinic, &placer, &mut book)?;
    run.read_mhlw("mhlw_dental", FacilityKind::Dental, &placer, &mut book)?;
    run.read_mhlw("mhlw_pharmacies", FacilityKind::Pharmacy, &placer, &mut book)?;
    progress.step("施設基準 filings");
    run.read_kijun(&placer, &mut book)?;
    progress.step("visiting-nurse stations");
    run.read_visiting_nurses(&placer, &mut book)?;
    progress.step("cancer hubs, salons, peer support");
    run.read_cancer_hubs(&mut book)?;
    run.read_gatherings("cancer_salons", FacilityKind::Salon, &placer, &mut book)?;
    run.read_gatherings("peer_support", FacilityKind::PeerSupport, &placer, &mut book)?;

    progress.step("areas of facilities");
    let facilities = run.assign_areas(book, &municipalities);
    progress.step("population on the 500 m mesh");
    let (cells, areas) = run.read_population_cells(&municipalities, areas)?;
    progress.step("summary");
    let outcome = run.finish(facilities, areas, municipalities, cells, towns);
    progress.finish();
    Ok(outcome)
}

/// Facilities by id, in id order; a second row with the same id is reported, not merged blindly
/// (see `Run::insert`).
#[derive(Default)]
struct FacilityBook {
    facilities: BTreeMap<String, Facility>,
}

/// State of one import run.
struct Run<'a> {
    options: &'a ImportOptions,
    report: ImportReport,
    stats: Vec<SourceStats>,
    used: Vec<(SourceSpec, String)>,
}

impl<'a> Run<'a> {
    fn new(options: &'a ImportOptions) -> Self {
        Run {
            options,
            report: ImportReport { prefecture: options.pref_code.clone(), ..ImportReport::default() },
            stats: Vec::new(),
            used: Vec::new(),
        }
    }

    fn spec(&self, id: &str) -> Result<&'a SourceSpec, ImportError> {
        self.options.manifest.source(id).ok_or_else(|| ImportError::UnknownSource(id.to_owned()))
    }

    /// The file of a source: the last match of its first matching pattern (dated names sort by date).
    fn optional(&mut self, id: &str) -> Result<Option<(SourceSpec, PathBuf)>, ImportError> {
        let spec = self.spec(id)?;
        let Some(path) = spec.resolve(&self.options.data_dir, &self.options.pref_code).pop() else {
            if spec.required {
                return Err(ImportError::MissingSource {
                    id: id.to_owned(),
                    patterns: spec.patterns(&self.options.pref_code).join(", "),
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
            patterns: spec.patterns(&self.options.pref_code).join(", "),
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
        let pref = self.options.pref_code.clone();
        let (spec, path) = self.required("municipality_boundaries")?;
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
        let rows =
            self.absorb(&path, read_mhlw_facilities(&path, &spec.id, &label, &self.options.pref_code)?);
        for row in rows {
            let at = RowRef { source: &spec.id, file: &label, line: row.line };
            let Some(placed) = placer.place(at, &row.coordinate, &row.address, &mut self.report.rejections)
            else {
                self.dropped_later(&spec.id);
                continue;
            };
            let facility = facility_from_mhlw(row, kind, placed, &spec.id);
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
        let pref = self.options.pref_code.clone();
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
        let rows = self.absorb(&path, read_care_offices(&path, &spec.id, &label, &self.options.pref_code)?);
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
                    self.options.pref_code,
                    short_hash(&row.name)
                )),
                kind,
                name: row.name,
                name_kana: None,
                address: row.placed_at,
                municipality_code: municipality,
                area_code: None,
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

    /// Every file of a source (unlike [`Run::optional`], which takes one): mesh data comes one file
    /// per 1st-order mesh.
    fn all_files(&mut self, id: &str) -> Result<Vec<(SourceSpec, PathBuf)>, ImportError> {
        let spec = self.spec(id)?;
        let files = spec.resolve(&self.options.data_dir, &self.options.pref_code);
        if files.is_empty() {
            self.report.missing_sources.push(id.to_owned());
        }
        for path in &files {
            let label = self.label(path);
            self.used.push((spec.clone(), label));
        }
        Ok(files.into_iter().map(|p| (spec.clone(), p)).collect())
    }

    /// Reads the 500 m mesh population (official CSVs per 1st-order mesh and prefecture extracts),
    /// resolves e-Stat's suppression, assigns cells to municipalities and areas, and gives every area
    /// its mesh population and whether the mesh covers it.
    fn read_population_cells(
        &mut self,
        municipalities: &[Municipality],
        mut areas: Vec<Area>,
    ) -> Result<(Vec<PopulationCell>, Vec<Area>), ImportError> {
        let mut files = Vec::new();
        for (id, layout, scope) in [
            ("population_mesh", MeshLayout::EstatCsv, MeshScope::FirstOrderMeshes),
            ("population_mesh_extract", MeshLayout::GeoJson, MeshScope::Prefecture),
        ] {
            for (spec, path) in self.all_files(id)? {
                files.push(MeshFile { path, source_id: spec.id.clone(), layout, scope });
            }
        }
        if files.is_empty() {
            return Ok((Vec::new(), areas));
        }
        let neighbours = match self.optional("neighbour_boundaries")? {
            Some((spec, path)) => Some(
                self.absorb(&path, read_n03_other_prefectures(&path, &spec.id, &self.options.pref_code)?),
            ),
            None => None,
        };
        let built = build_population_cells(&files, municipalities, &areas, neighbours.as_deref())?;
        for (file, stats) in files.iter().zip(built.sources) {
            let parsed = Parsed { records: Vec::<()>::new(), rejections: Vec::new(), stats };
            self.absorb(&file.path, parsed);
        }
        let labels: HashMap<String, String> = files
            .iter()
            .filter_map(|f| Some((f.path.file_name()?.to_string_lossy().into_owned(), self.label(&f.path))))
            .collect();
        self.report.rejections.extend(
            built
                .rejections
                .into_iter()
                .map(|r| Rejection { file: labels.get(&r.file).cloned().unwrap_or(r.file.clone()), ..r }),
        );
        self.report.problems.extend(built.problems);
        let mut unassigned: BTreeMap<&'static str, (usize, u64)> = BTreeMap::new();
        for u in &built.unassigned {
            let reason = match u.reason {
                UnassignedReason::Outside => "beyond 1 km of the prefecture",
                UnassignedReason::Foreign { .. } => "in a neighbouring prefecture",
                UnassignedReason::NotInExtract => "not listed by the prefecture extract",
            };
            let entry = unassigned.entry(reason).or_default();
            entry.0 += 1;
            entry.1 += u64::from(u.cell.population);
        }
        let population: u64 = built.cells.iter().map(|c| u64::from(c.population)).sum();
        self.report.population = Some(PopulationSummary {
            cells: built.cells.len(),
            population,
            coastal_cells: built.coastal,
            present_meshes: built.present_meshes.iter().copied().collect(),
            unassigned: unassigned.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            areas: built.areas.clone(),
        });
        for area in &mut areas {
            if let Some(mesh) = built.areas.iter().find(|m| m.area_code == area.code) {
                area.mesh_population = Some(mesh.population);
                area.mesh_population_65plus = Some(mesh.population_65plus);
                area.population_complete = Some(mesh.complete);
            }
        }
        Ok((built.cells, areas))
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
    ) -> ImportOutcome {
        for facility in &facilities {
            let summary =
                self.report.facilities_by_kind.entry(facility.kind.as_str().to_owned()).or_default();
            summary.total += 1;
            match facility.location.precision {
                crate::model::LocationPrecision::Exact => summary.exact += 1,
                crate::model::LocationPrecision::Town => summary.town += 1,
                crate::model::LocationPrecision::Municipality => summary.municipality += 1,
            }
            for entry in &facility.capabilities {
                *self.report.capabilities.entry(entry.capability.as_str().to_owned()).or_default() += 1;
            }
        }
        // One record per source, however many files it had (mesh data comes one file per mesh).
        let mut seen = std::collections::HashSet::new();
        let sources = self
            .used
            .iter()
            .filter(|(spec, _)| seen.insert(spec.id.clone()))
            .map(|(spec, _)| SourceRecord::from_spec(spec, &self.stats))
            .collect();
        // Rejections in source order, then by line, whichever step found them.
        let order: HashMap<String, usize> =
            self.stats.iter().enumerate().map(|(i, s)| (s.source.clone(), i)).collect();
        self.report.rejections.sort_by_key(|r| (order.get(&r.source).copied().unwrap_or(usize::MAX), r.line));
        self.report.sources = self.stats;
        ImportOutcome {
            registry: Registry { facilities, areas, municipalities, sources, cells, towns },
            report: self.report,
        }
    }
}

fn facility_from_mhlw(row: MhlwFacilityRow, kind: FacilityKind, placed: Placed, source: &str) -> Facility {
    Facility {
        id: FacilityId(format!("mhlw-{}", row.mhlw_id)),
        kind,
        name: row.name,
        name_kana: row.name_kana,
        address: Some(row.address),
        municipality_code: row.municipality_code.or(placed.geocoded_municipality),
        area_code: None,
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
