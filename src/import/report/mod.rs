//! What an import has to say: the report types (kept, as a JSON summary, with each import in the
//! store), the CSV files for spreadsheets ([`csv`]) and the text summary printed at the end
//! ([`text`]).

mod csv;
mod text;

use std::collections::BTreeMap;

use serde::Serialize;

pub use csv::{write_join_csv, write_rejections_csv};
pub use text::summary_text;

use super::cells::AreaMeshPopulation;
use super::kijun_join::{JoinEntry, KijunSummary};
use crate::ingest::{Disposition, Rejection, SourceStats};

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
