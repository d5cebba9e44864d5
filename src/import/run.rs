//! One prefecture's import in progress: the sources it resolves (and the files it reads, named
//! relative to the data directory), the facilities gathered so far, and the counts and rejections
//! for the report. The steps themselves live beside it: [`super::areas`], [`super::facilities`],
//! [`super::gatherings`], [`super::population`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::pipeline::{ImportError, ImportOptions, PrefectureImport};
use super::report::{ImportReport, KindSummary};
use crate::geocode::TownPoint;
use crate::ingest::{Disposition, Parsed, Rejection, SourceSpec, SourceStats};
use crate::model::{Area, Facility, Municipality, PopulationCell};
use crate::store::Registry;

/// Facilities by id, in id order; a second row with the same id is reported, not merged blindly
/// (see `Run::insert`).
#[derive(Default)]
pub(super) struct FacilityBook {
    pub(super) facilities: BTreeMap<String, Facility>,
}

/// State of one prefecture's import.
pub(super) struct Run<'a> {
    pub(super) options: &'a ImportOptions,
    /// 2-digit code of the prefecture.
    pub(super) pref: String,
    pub(super) report: ImportReport,
    pub(super) stats: Vec<SourceStats>,
    pub(super) used: Vec<(SourceSpec, String)>,
    pub(super) own_boundaries: bool,
}

impl<'a> Run<'a> {
    pub(super) fn new(options: &'a ImportOptions, pref: &str) -> Self {
        Run {
            options,
            pref: pref.to_owned(),
            report: ImportReport { prefecture: pref.to_owned(), ..ImportReport::default() },
            stats: Vec::new(),
            used: Vec::new(),
            own_boundaries: false,
        }
    }

    pub(super) fn spec(&self, id: &str) -> Result<&'a SourceSpec, ImportError> {
        self.options.manifest.source(id).ok_or_else(|| ImportError::UnknownSource(id.to_owned()))
    }

    /// The file of a source: the last match of its first matching pattern (dated names sort by date).
    pub(super) fn optional(&mut self, id: &str) -> Result<Option<(SourceSpec, PathBuf)>, ImportError> {
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

    pub(super) fn required(&mut self, id: &str) -> Result<(SourceSpec, PathBuf), ImportError> {
        let spec = self.spec(id)?;
        self.optional(id)?.ok_or_else(|| ImportError::MissingSource {
            id: id.to_owned(),
            patterns: spec.patterns(&self.pref).join(", "),
            data_dir: self.options.data_dir.display().to_string(),
        })
    }

    pub(super) fn label(&self, path: &Path) -> String {
        path.strip_prefix(&self.options.data_dir).unwrap_or(path).display().to_string()
    }

    /// Takes a reader's rejections and counts, naming the file relative to the data directory;
    /// returns its records.
    pub(super) fn absorb<T>(&mut self, path: &Path, parsed: Parsed<T>) -> Vec<T> {
        let label = self.label(path);
        let Parsed { records, rejections, mut stats } = parsed;
        self.report.rejections.extend(rejections.into_iter().map(|r| Rejection { file: label.clone(), ..r }));
        stats.file = label;
        self.stats.push(stats);
        records
    }

    /// Counts a row the reader accepted but the pipeline dropped (its rejection is already recorded).
    pub(super) fn dropped_later(&mut self, source: &str) {
        if let Some(stats) = self.stats.iter_mut().rev().find(|s| s.source == source) {
            stats.accepted = stats.accepted.saturating_sub(1);
            stats.rejected += 1;
        }
    }

    /// Adds a facility; a second one with the same id is reported and dropped (the first row wins).
    pub(super) fn insert(&mut self, book: &mut FacilityBook, facility: Facility, source: &str, file: &str) {
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

    pub(super) fn finish(
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
