//! Cells to municipalities: a cell belongs to the municipality whose polygon contains its centre;
//! a cell whose centre lies outside every polygon of the prefecture (sea, reclaimed land,
//! digitising differences) to the nearest municipality within [`COASTAL_REACH_M`] — unless it is a
//! cell of a neighbouring prefecture (see [`CellAssigner`]). Official files cover whole 1st-order
//! meshes ([`MeshScope::FirstOrderMeshes`]) and need that test; an extract of the prefecture's cells
//! ([`MeshScope::Prefecture`]) vouches for its cells and, in the 1st-order meshes it covers, decides
//! which cells are the prefecture's ([`Extracts`]).

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Serialize;

use super::suppression::CellCounts;
use crate::ingest::estat_mesh::MeshRecord;
use crate::ingest::ksj::MunicipalityBoundary;
use crate::model::{Municipality, PopulationCell};
use crate::spatial::locate::PolygonLocator;
use crate::spatial::mesh::MeshCode;

/// How far (geodesic metres) outside the prefecture's polygons a cell centre may lie and still
/// belong to the nearest municipality: a 500 m cell on the coast can have its centre in the sea
/// while its people live on the shore, and N03 coastlines lag reclaimed land.
pub const COASTAL_REACH_M: f64 = 1_000.0;

/// How much nearer (metres) to the prefecture than to any other prefecture's outline a cell centre
/// outside the prefecture must be to count as coastal rather than foreign. The other prefectures
/// come from a simplified national N03 file whose outlines wander by hundreds of metres from the
/// full-resolution ones; on the real 4930 data any value from 100 m to 1.5 km gives the same cells.
pub const OUTLINE_TOLERANCE_M: f64 = 250.0;

/// What a mesh file covers, which decides how its cells are assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MeshScope {
    /// Every populated cell of whole 1st-order meshes (the official e-Stat download
    /// `tblT001101H{mesh}`): cells of neighbouring prefectures included, border cells with the
    /// people of both sides.
    FirstOrderMeshes,
    /// An extract of the prefecture's cells: each is the prefecture's, and in the 1st-order meshes
    /// it covers it is the complete list.
    Prefecture,
}

/// The cells of one file, with what the file covers.
#[derive(Debug, Clone)]
pub struct MeshInput {
    /// What the file covers.
    pub scope: MeshScope,
    /// 1st-order meshes the file declares (by its name) beyond those of its cells.
    pub declared_meshes: BTreeSet<u16>,
    /// The cells as published.
    pub records: Vec<MeshRecord>,
}

/// Why a cell was not assigned to the prefecture.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum UnassignedReason {
    /// The centre is farther than [`COASTAL_REACH_M`] from every municipality of the prefecture.
    Outside,
    /// The centre lies outside the prefecture and within [`OUTLINE_TOLERANCE_M`] of being as near
    /// to (or inside) another prefecture's municipality.
    Foreign {
        /// The other prefecture's municipality.
        municipality_code: String,
        /// Metres from the cell centre to it (0 inside).
        distance_m: f64,
    },
    /// The cell would be the prefecture's by the geometric rule, but a prefecture extract covers
    /// its 1st-order mesh and does not list it.
    NotInExtract,
}

impl UnassignedReason {
    /// A short label for reports.
    pub fn label(&self) -> &'static str {
        match self {
            UnassignedReason::Outside => "beyond 1 km of the prefecture",
            UnassignedReason::Foreign { .. } => "in a neighbouring prefecture",
            UnassignedReason::NotInExtract => "not listed by the prefecture extract",
        }
    }
}

/// A cell that was not assigned, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnassignedCell {
    /// The cell, without municipality and area.
    pub cell: PopulationCell,
    /// Why.
    pub reason: UnassignedReason,
}

/// Where a cell goes: the prefecture's municipality polygons and, for files covering whole
/// 1st-order meshes, the other prefectures' outlines.
///
/// The rule for a cell whose centre lies outside every polygon of the prefecture but within
/// [`COASTAL_REACH_M`] of one (distance `d`): it is the nearest municipality's if it was listed by
/// a prefecture extract; from a whole-mesh file it is foreign when another prefecture's
/// municipality lies within `d +` [`OUTLINE_TOLERANCE_M`] (or contains the centre), coastal and
/// the prefecture's otherwise. The prefecture's own full-resolution polygons always win, so the
/// coarse outlines of the others only decide cells already outside the prefecture.
#[derive(Debug, Clone)]
pub struct CellAssigner {
    own: PolygonLocator<String>,
    area_of: HashMap<String, Option<String>>,
    others: Option<PolygonLocator<String>>,
}

/// A cell's (municipality, area, placed by the coastal rule), or why it has none.
type Placement = Result<(String, Option<String>, bool), UnassignedReason>;

impl CellAssigner {
    /// The prefecture's municipalities (with their areas) and, when available, the municipalities
    /// of the other prefectures (a simplified national N03 file is enough). Without the others,
    /// cells of whole-mesh files are assigned only when their centre lies inside the prefecture.
    pub fn new(municipalities: &[Municipality], other_prefectures: Option<&[MunicipalityBoundary]>) -> Self {
        let own = PolygonLocator::new(
            municipalities.iter().map(|m| (m.code.clone(), m.geometry.clone())).collect(),
        );
        let area_of = municipalities.iter().map(|m| (m.code.clone(), m.area_code.clone())).collect();
        let others = other_prefectures.map(|list| {
            PolygonLocator::new(list.iter().map(|b| (b.code.clone(), b.geometry.clone())).collect())
        });
        CellAssigner { own, area_of, others }
    }

    /// Whether the other prefectures' outlines are known (the coastal rule applies to whole-mesh
    /// files only then).
    pub fn knows_other_prefectures(&self) -> bool {
        self.others.is_some()
    }

    /// The municipality and area of a cell, and whether it was placed by the coastal rule.
    fn place(&self, code: MeshCode, scope: MeshScope) -> Placement {
        let (lat, lon) = code.centre();
        if let Some(muni) = self.own.locate(lon, lat) {
            return Ok((muni.clone(), self.area(muni), false));
        }
        let Some((muni, distance)) = self.own.nearest_within(lon, lat, COASTAL_REACH_M) else {
            return Err(UnassignedReason::Outside);
        };
        if scope == MeshScope::FirstOrderMeshes {
            let Some(others) = &self.others else {
                return Err(UnassignedReason::Outside);
            };
            if let Some((other, d)) = others.nearest_within(lon, lat, distance + OUTLINE_TOLERANCE_M) {
                return Err(UnassignedReason::Foreign { municipality_code: other.clone(), distance_m: d });
            }
        }
        Ok((muni.clone(), self.area(muni), true))
    }

    fn area(&self, muni: &str) -> Option<String> {
        self.area_of.get(muni).cloned().flatten()
    }
}

/// Cells listed by prefecture extracts, and the 1st-order meshes the extracts cover.
///
/// An extract is a statement of membership, which a geometric guess must not override: its cells
/// are the prefecture's (when within reach of it), and a cell of a whole-mesh file in a 1st-order
/// mesh an extract covers is the prefecture's only if the extract lists it
/// ([`UnassignedReason::NotInExtract`] otherwise). The whole-mesh file still supplies figures,
/// e.g. the hosts that suppressed cells of the extract merge into.
#[derive(Debug, Clone, Default)]
pub struct Extracts {
    listed: HashSet<MeshCode>,
    covered: BTreeSet<u16>,
}

impl Extracts {
    /// Gathers the extracts among the inputs.
    pub fn of(inputs: &[MeshInput]) -> Self {
        let mut extracts = Extracts::default();
        for input in inputs.iter().filter(|i| i.scope == MeshScope::Prefecture) {
            extracts.covered.extend(input.declared_meshes.iter().copied());
            for record in &input.records {
                extracts.listed.insert(record.code);
                extracts.covered.insert(record.code.first_order());
            }
        }
        extracts
    }

    /// Whether an extract lists the cell.
    fn lists(&self, code: MeshCode) -> bool {
        self.listed.contains(&code)
    }

    /// Whether an extract covers the cell's 1st-order mesh.
    fn covers(&self, code: MeshCode) -> bool {
        self.covered.contains(&code.first_order())
    }
}

/// Cells assigned to the prefecture and those left out.
#[derive(Debug, Clone, Default)]
pub struct Assignment {
    /// The prefecture's cells, sorted by code, with municipality and area.
    pub cells: Vec<PopulationCell>,
    /// Of them, placed by the coastal rule (centre outside every polygon).
    pub coastal: usize,
    /// Cells of other prefectures or beyond reach, with the reason.
    pub unassigned: Vec<UnassignedCell>,
}

/// Assigns resolved cells to the prefecture's municipalities and areas (see [`CellAssigner`] for
/// the rule; `extracts` tells which cells prefecture extracts vouch for).
pub fn assign_cells(cells: Vec<CellCounts>, extracts: &Extracts, assigner: &CellAssigner) -> Assignment {
    let mut out = Assignment::default();
    for counts in cells {
        let (lat, lon) = counts.code.centre();
        let mut cell = PopulationCell {
            code: counts.code.to_string(),
            lat,
            lon,
            population: counts.total,
            population_65plus: counts.age65,
            population_75plus: counts.age75,
            municipality_code: None,
            area_code: None,
        };
        let placed = if extracts.lists(counts.code) {
            assigner.place(counts.code, MeshScope::Prefecture)
        } else {
            // A cell the geometric rule leaves out keeps that reason; one it would take is left out
            // only because an extract covering its mesh does not list it.
            assigner.place(counts.code, MeshScope::FirstOrderMeshes).and_then(|placed| {
                if extracts.covers(counts.code) { Err(UnassignedReason::NotInExtract) } else { Ok(placed) }
            })
        };
        match placed {
            Ok((muni, area, coastal)) => {
                cell.municipality_code = Some(muni);
                cell.area_code = area;
                out.coastal += usize::from(coastal);
                out.cells.push(cell);
            }
            Err(reason) => out.unassigned.push(UnassignedCell { cell, reason }),
        }
    }
    out
}

/// Treats an extract most of whose cells lie beyond reach of the prefecture as another
/// prefecture's extract: its cells then go through the geometric rule like those of a whole-mesh
/// file, and it decides no mesh (a Kumamoto extract must not veto Fukuoka's cells in 4930).
/// Returns a problem line per extract so treated, and the positions of those extracts.
pub(super) fn demote_foreign_extracts(
    inputs: &mut [MeshInput],
    assigner: &CellAssigner,
) -> (Vec<String>, Vec<usize>) {
    let mut problems = Vec::new();
    let mut demoted = Vec::new();
    for (index, input) in inputs.iter_mut().enumerate().filter(|(_, i)| i.scope == MeshScope::Prefecture) {
        let reachable =
            input.records.iter().filter(|r| assigner.place(r.code, MeshScope::Prefecture).is_ok()).count();
        if reachable * 2 < input.records.len() {
            let file = input.records.first().map_or_else(String::new, |r| r.file.to_string());
            problems.push(format!(
                "prefecture extract {file}: only {reachable} of {} cells lie within reach of the prefecture;                  read as another prefecture's cells (geometric rule, decides no mesh)",
                input.records.len()
            ));
            input.scope = MeshScope::FirstOrderMeshes;
            input.declared_meshes.clear();
            demoted.push(index);
        }
    }
    (problems, demoted)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use crate::ingest::estat_mesh::Suppression;
    use std::sync::Arc;

    mod assignment {
        use super::*;

        fn assign_one(
            code: MeshCode,
            extracts: &Extracts,
            with_neighbours: bool,
        ) -> Result<String, UnassignedReason> {
            let neighbours = neighbours();
            let assigner = CellAssigner::new(&municipalities(), with_neighbours.then_some(&neighbours[..]));
            let out = assign_cells(vec![counts(code, 12)], extracts, &assigner);
            match (out.cells.first(), out.unassigned.first()) {
                (Some(cell), None) => Ok(cell.municipality_code.clone().unwrap_or_default()),
                (None, Some(u)) => Err(u.reason.clone()),
                other => panic!("one cell in, one out: {other:?}"),
            }
        }

        #[test]
        fn centre_inside_wins_even_inside_a_coarse_foreign_outline() {
            let none = Extracts::default();
            assert_eq!(assign_one(at(32.55, 130.55), &none, true), Ok("43001".into()));
            assert_eq!(assign_one(at(32.55, 130.65), &none, true), Ok("43002".into()));
            let cell = at(32.598, 130.55);
            assert!((32.595..32.601).contains(&cell.centre().0), "centre in the overlap strip");
            assert_eq!(assign_one(cell, &none, true), Ok("43001".into()));
        }

        #[test]
        fn coastal_cells_go_to_the_nearest_municipality_within_reach() {
            let none = Extracts::default();
            let cell = at(32.496, 130.55);
            assert!(cell.centre().0 < 32.5, "centre in the sea");
            assert_eq!(assign_one(cell, &none, true), Ok("43001".into()));
            assert_eq!(assign_one(at(32.52, 130.497), &none, true), Ok("43001".into()), "west coast");
            assert_eq!(
                assign_one(at(32.45, 130.55), &none, true),
                Err(UnassignedReason::Outside),
                "5 km out"
            );
        }

        #[test]
        fn cells_across_a_land_border_or_near_it_are_foreign() {
            let none = Extracts::default();
            let cell = at(32.6005, 130.55);
            assert!(cell.centre().0 > 32.601, "centre north of the border");
            assert!(matches!(
                assign_one(cell, &none, true),
                Err(UnassignedReason::Foreign { municipality_code, distance_m }) if municipality_code == "40001" && distance_m == 0.0
            ));
            // In the sea west of the junction: ~290 m from both, within the outline tolerance.
            assert!(matches!(
                assign_one(at(32.598, 130.4968), &none, true),
                Err(UnassignedReason::Foreign { .. })
            ));
        }

        #[test]
        fn without_the_neighbours_only_centres_inside_are_taken_from_whole_mesh_files() {
            let none = Extracts::default();
            assert_eq!(assign_one(at(32.55, 130.55), &none, false), Ok("43001".into()));
            assert_eq!(assign_one(at(32.496, 130.55), &none, false), Err(UnassignedReason::Outside));
        }

        #[test]
        fn an_extract_vouches_for_its_cells_and_decides_its_meshes() {
            let foreign = at(32.6005, 130.55);
            let coastal = at(32.496, 130.55);
            let inside = at(32.55, 130.55);
            let extract = MeshInput {
                scope: MeshScope::Prefecture,
                declared_meshes: BTreeSet::new(),
                records: vec![MeshRecord {
                    code: foreign,
                    suppression: Suppression::None,
                    total: Some(1),
                    age65: Some(0),
                    age75: Some(0),
                    line: 0,
                    file: Arc::from("x.geojson"),
                }],
            };
            let extracts = Extracts::of(&[extract]);
            assert_eq!(assign_one(foreign, &extracts, true), Ok("43001".into()), "listed: the prefecture's");
            assert_eq!(assign_one(inside, &extracts, true), Err(UnassignedReason::NotInExtract));
            assert_eq!(assign_one(coastal, &extracts, true), Err(UnassignedReason::NotInExtract));
            let across = at(32.6005, 130.65);
            assert!(
                matches!(assign_one(across, &extracts, true), Err(UnassignedReason::Foreign { .. })),
                "a cell the rule leaves out keeps its reason"
            );
            // Beyond reach even the extract's cells are not taken (an extract of another prefecture).
            let far = at(33.5, 130.55);
            let extracts = Extracts::of(&[MeshInput {
                scope: MeshScope::Prefecture,
                declared_meshes: BTreeSet::new(),
                records: vec![MeshRecord { code: far, ..extracts_record() }],
            }]);
            assert_eq!(assign_one(far, &extracts, true), Err(UnassignedReason::Outside));
        }

        fn extracts_record() -> MeshRecord {
            MeshRecord {
                code: at(32.55, 130.55),
                suppression: Suppression::None,
                total: Some(1),
                age65: Some(0),
                age75: Some(0),
                line: 0,
                file: Arc::from("x.geojson"),
            }
        }

        #[test]
        fn assigned_cells_carry_centre_area_and_counts() {
            let neighbours = neighbours();
            let assigner = CellAssigner::new(&municipalities(), Some(&neighbours));
            let inside = at(32.55, 130.65);
            let out = assign_cells(
                vec![counts(inside, 12), counts(at(32.496, 130.55), 3)],
                &Extracts::default(),
                &assigner,
            );
            assert_eq!((out.cells.len(), out.coastal, out.unassigned.len()), (2, 1, 0));
            let cell = &out.cells[0];
            assert_eq!(cell.code, inside.to_string());
            assert_eq!((cell.lat, cell.lon), inside.centre());
            assert_eq!((cell.population, cell.population_65plus, cell.population_75plus), (12, 4, 2));
            assert_eq!(
                (cell.municipality_code.as_deref(), cell.area_code.as_deref()),
                (Some("43002"), Some("4302"))
            );
        }
    }
}
