//! Coverage: which people live within reach of a set of providers.
//!
//! For every populated 500 m cell, the geodesic distance from its centre to the nearest provider of
//! the set, and whether at least `min_providers` providers lie within the radius (default 16 km, the
//! insured home-visit limit). Providers outside an area still cover its cells: patients cross
//! boundaries. Per area: population and 65+ population, how much of each is covered, providers in the
//! area and per 100,000, uncovered cells, and population-weighted distance percentiles.
//!
//! Deterministic: cells are processed in parallel, but every cell's answer depends only on the cell
//! and the index, results are stored by cell position, and sums are of integers, so any thread count
//! gives the same numbers.

use rayon::prelude::*;
use std::collections::HashMap;

use serde::Serialize;

use crate::model::{Area, CapabilitySet, Facility, FacilityKind, Needs, PopulationCell};
use crate::spatial::{FacilityIndex, NearestQuery};

/// The providers that count: a kind, requirements, and whether stale stock entries count.
///
/// Kind and capabilities are decided by the registry ([`ProviderSet::admits`]); opioid stock and
/// pharmacy services by the pharmacies' registrations, which the snapshot resolves into a
/// per-facility mask (see `Atlas::stock_mask`) passed next to the set.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ProviderSet {
    /// Only this kind.
    pub kind: Option<FacilityKind>,
    /// Only providers meeting all these needs.
    pub needs: Needs,
    /// Count stock entries older than 30 days as in stock.
    pub include_stale: bool,
}

impl ProviderSet {
    /// A set decided by kind and capabilities alone.
    pub fn of_capabilities(kind: Option<FacilityKind>, capabilities: CapabilitySet) -> Self {
        ProviderSet { kind, needs: Needs::from_capabilities(capabilities), include_stale: false }
    }

    /// Whether a facility has the kind and capabilities of the set (stock needs not checked).
    pub fn admits(&self, f: &Facility) -> bool {
        self.kind.is_none_or(|k| k == f.kind) && f.capability_set().contains_all(self.needs.capabilities)
    }

    /// Whether the facility at `position` belongs to the set, given the snapshot's stock mask
    /// (`None` when the set has no stock needs).
    pub fn contains(&self, position: usize, f: &Facility, stock_mask: Option<&[bool]>) -> bool {
        self.admits(f) && stock_mask.is_none_or(|mask| mask.get(position).copied().unwrap_or(false))
    }

    /// Whether membership depends on pharmacy registrations.
    pub fn concerns_stock(&self) -> bool {
        self.needs.concerns_stock()
    }
}

/// What to compute.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageParams {
    /// The providers.
    pub providers: ProviderSet,
    /// A cell is covered when enough providers lie within this geodesic distance (metres) of its
    /// centre; the boundary counts as within.
    pub radius_m: f64,
    /// How many providers must be within the radius (redundancy), at least 1.
    pub min_providers: usize,
}

/// The answer for one cell.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CellCoverage {
    /// Distance to the nearest provider of the set (None when the set is empty).
    pub nearest_m: Option<f64>,
    /// Providers within the radius, counted up to `min_providers`.
    pub providers_within: u32,
    /// Whether at least `min_providers` providers are within the radius.
    pub covered: bool,
}

/// The coverage of one area (or of the whole prefecture).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaCoverage {
    /// Area code ("total" for the prefecture).
    pub code: String,
    /// Area name.
    pub name: String,
    /// Population of the area's mesh cells.
    pub population: u64,
    /// 2020 census population of the area (the official figure, next to the mesh population).
    pub census_population: Option<u64>,
    /// Population of covered cells.
    pub covered_population: u64,
    /// covered_population / population (None when the area has no mesh population).
    pub covered_share: Option<f64>,
    /// Mesh population aged 65+.
    pub population_65plus: u64,
    /// Covered population aged 65+.
    pub covered_65plus: u64,
    /// covered_65plus / population_65plus.
    pub covered_65plus_share: Option<f64>,
    /// Providers of the set located in the area.
    pub providers: usize,
    /// Providers per 100,000 census population (mesh population when no census figure).
    pub providers_per_100k: Option<f64>,
    /// Populated cells not covered.
    pub uncovered_cells: usize,
    /// Populated cells.
    pub cells: usize,
    /// Population-weighted median distance to the nearest provider.
    pub distance_p50_m: Option<f64>,
    /// Population-weighted 90th percentile of that distance.
    pub distance_p90_m: Option<f64>,
    /// Largest distance to the nearest provider over populated cells.
    pub distance_max_m: Option<f64>,
    /// Whether the imported mesh covers the whole area (None when unknown).
    pub population_complete: Option<bool>,
}

/// Coverage of every area.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    /// Per cell, in the order of the cells given.
    pub cells: Vec<CellCoverage>,
    /// Per area, by area code.
    pub areas: Vec<AreaCoverage>,
    /// The whole prefecture (all cells, all providers in any area).
    pub total: AreaCoverage,
}

/// Computes the coverage of each cell and area, using `threads` worker threads.
pub fn compute(
    cells: &[PopulationCell],
    facilities: &[Facility],
    index: &FacilityIndex,
    areas: &[Area],
    params: &CoverageParams,
    stock_mask: Option<&[bool]>,
) -> Coverage {
    let cell_results = cover_cells(cells, index, params, stock_mask);
    let providers_by_area = count_providers(facilities, &params.providers, stock_mask);
    let mut by_area: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, cell) in cells.iter().enumerate() {
        if let Some(area) = cell.area_code.as_deref() {
            by_area.entry(area).or_default().push(i);
        }
    }
    let area_rows = areas
        .iter()
        .map(|area| {
            let members = by_area.get(area.code.as_str()).map_or(&[][..], Vec::as_slice);
            summarize(
                &area.code,
                &area.name,
                members,
                cells,
                &cell_results,
                providers_by_area.get(area.code.as_str()).copied().unwrap_or(0),
                area.population,
                area.population_complete,
            )
        })
        .collect();
    let all: Vec<usize> = (0..cells.len()).collect();
    let providers =
        facilities.iter().enumerate().filter(|(i, f)| params.providers.contains(*i, f, stock_mask)).count();
    let total = total_row(&all, cells, &cell_results, providers, areas.iter());
    Coverage { cells: cell_results, areas: area_rows, total }
}

/// The row of several areas together: their cells (`members`), the providers of the set among
/// them, and their census population and completeness (unknown when one area's is).
fn total_row<'a>(
    members: &[usize],
    cells: &[PopulationCell],
    results: &[CellCoverage],
    providers: usize,
    areas: impl Iterator<Item = &'a Area> + Clone,
) -> AreaCoverage {
    let census_total = areas.clone().map(|a| a.population).sum::<Option<u64>>();
    let complete_total =
        areas.map(|a| a.population_complete).collect::<Option<Vec<bool>>>().map(|v| v.iter().all(|c| *c));
    summarize("total", "合計", members, cells, results, providers, census_total, complete_total)
}

/// A coverage table: one row per area and their total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageTable {
    /// Per area, by area code.
    pub areas: Vec<AreaCoverage>,
    /// The areas together.
    pub total: AreaCoverage,
}

/// A part of the registry a table is restricted to (e.g. some prefectures): which areas, cells and
/// facilities belong to it.
pub struct Part<'a> {
    /// Whether an area belongs to the part.
    pub area: &'a dyn Fn(&Area) -> bool,
    /// Whether a cell (by position) belongs to the part.
    pub cell: &'a dyn Fn(usize) -> bool,
    /// Whether a facility (by position) belongs to the part.
    pub facility: &'a dyn Fn(usize) -> bool,
}

/// The table of a computed coverage restricted to a part of the registry: the rows of its areas
/// as they are (an area's cells and providers do not depend on what else is shown; providers
/// outside the part still cover its cells), and a total over exactly its cells and the providers
/// of the set it holds, with the census population of its areas. Cheap next to [`compute`]: no
/// distance is measured again.
pub fn restrict(
    coverage: &Coverage,
    cells: &[PopulationCell],
    facilities: &[Facility],
    areas: &[Area],
    params: &CoverageParams,
    stock_mask: Option<&[bool]>,
    part: &Part,
) -> CoverageTable {
    let kept: std::collections::HashSet<&str> =
        areas.iter().filter(|a| (part.area)(a)).map(|a| a.code.as_str()).collect();
    let rows = coverage.areas.iter().filter(|r| kept.contains(r.code.as_str())).cloned().collect();
    let members: Vec<usize> = (0..cells.len()).filter(|&i| (part.cell)(i)).collect();
    let providers = facilities
        .iter()
        .enumerate()
        .filter(|(i, f)| (part.facility)(*i) && params.providers.contains(*i, f, stock_mask))
        .count();
    let total =
        total_row(&members, cells, &coverage.cells, providers, areas.iter().filter(|a| (part.area)(a)));
    CoverageTable { areas: rows, total }
}

/// The per-cell answers, computed in parallel and stored by position.
fn cover_cells(
    cells: &[PopulationCell],
    index: &FacilityIndex,
    params: &CoverageParams,
    stock_mask: Option<&[bool]>,
) -> Vec<CellCoverage> {
    let needed = params.min_providers.max(1);
    let one = |cell: &PopulationCell| {
        let query = NearestQuery {
            lat: cell.lat,
            lon: cell.lon,
            kind: params.providers.kind,
            needs: params.providers.needs.capabilities,
            k: needed,
            max_m: None,
        };
        let neighbours = match stock_mask {
            None => index.nearest(&query),
            Some(mask) => index.nearest_where(&query, |i| mask.get(i as usize).copied().unwrap_or(false)),
        };
        let within = neighbours.iter().filter(|n| n.distance_m <= params.radius_m).count();
        CellCoverage {
            nearest_m: neighbours.first().map(|n| n.distance_m),
            providers_within: within as u32,
            covered: within >= needed,
        }
    };
    // Cells are independent: rayon's pool (shared by every analysis, as many threads as cores)
    // splits them; the result is in cell order whatever the split.
    cells.par_iter().with_min_len(256).map(one).collect()
}

fn count_providers<'a>(
    facilities: &'a [Facility],
    set: &ProviderSet,
    stock_mask: Option<&[bool]>,
) -> HashMap<&'a str, usize> {
    let mut counts = HashMap::new();
    for (_, f) in facilities.iter().enumerate().filter(|(i, f)| set.contains(*i, f, stock_mask)) {
        if let Some(area) = f.area_code.as_deref() {
            *counts.entry(area).or_default() += 1;
        }
    }
    counts
}

#[allow(clippy::too_many_arguments, reason = "one row's inputs, named at the two call sites")]
fn summarize(
    code: &str,
    name: &str,
    members: &[usize],
    cells: &[PopulationCell],
    results: &[CellCoverage],
    providers: usize,
    census_population: Option<u64>,
    population_complete: Option<bool>,
) -> AreaCoverage {
    let mut population = 0u64;
    let mut covered_population = 0u64;
    let mut population_65plus = 0u64;
    let mut covered_65plus = 0u64;
    let mut uncovered_cells = 0;
    let mut distances: Vec<(f64, u64, &str)> = Vec::with_capacity(members.len());
    let mut unreachable = false;
    for &i in members {
        let (cell, result) = (&cells[i], &results[i]);
        population += u64::from(cell.population);
        population_65plus += u64::from(cell.population_65plus);
        if result.covered {
            covered_population += u64::from(cell.population);
            covered_65plus += u64::from(cell.population_65plus);
        } else {
            uncovered_cells += 1;
        }
        match result.nearest_m {
            Some(d) => distances.push((d, u64::from(cell.population), cell.code.as_str())),
            None => unreachable = true,
        }
    }
    let share = |part: u64, whole: u64| (whole > 0).then(|| part as f64 / whole as f64);
    let denominator = census_population.unwrap_or(population);
    let (p50, p90, max) = if unreachable || distances.is_empty() {
        (None, None, None)
    } else {
        distances.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.2.cmp(b.2)));
        (
            weighted_percentile(&distances, 0.5),
            weighted_percentile(&distances, 0.9),
            distances.iter().rev().find(|d| d.1 > 0).map(|d| d.0),
        )
    };
    AreaCoverage {
        code: code.to_owned(),
        name: name.to_owned(),
        population,
        census_population,
        covered_population,
        covered_share: share(covered_population, population),
        population_65plus,
        covered_65plus,
        covered_65plus_share: share(covered_65plus, population_65plus),
        providers,
        providers_per_100k: (denominator > 0).then(|| providers as f64 * 100_000.0 / denominator as f64),
        uncovered_cells,
        cells: members.len(),
        distance_p50_m: p50,
        distance_p90_m: p90,
        distance_max_m: max,
        population_complete,
    }
}

/// The smallest distance `d` such that the people living at distance ≤ `d` are at least `p` of the
/// total (the lower weighted percentile). `sorted` is by distance; weights are populations.
pub fn weighted_percentile(sorted: &[(f64, u64, &str)], p: f64) -> Option<f64> {
    let total: u64 = sorted.iter().map(|d| d.1).sum();
    if total == 0 {
        return None;
    }
    let target = p * total as f64;
    let mut cumulative = 0u64;
    for &(distance, weight, _) in sorted {
        cumulative += weight;
        if weight > 0 && cumulative as f64 >= target {
            return Some(distance);
        }
    }
    sorted.iter().rev().find(|d| d.1 > 0).map(|d| d.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Capability, Location, LocationPrecision};
    use crate::spatial::IndexedFacility;
    use crate::spatial::geodesy::geodesic_distance_m;

    fn cell(code: &str, lat: f64, lon: f64, population: u32, old: u32, area: Option<&str>) -> PopulationCell {
        PopulationCell {
            code: code.into(),
            lat,
            lon,
            population,
            population_65plus: old,
            population_75plus: 0,
            municipality_code: None,
            area_code: area.map(str::to_owned),
        }
    }

    fn provider(
        id: &str,
        lat: f64,
        lon: f64,
        kind: FacilityKind,
        caps: &[Capability],
        area: &str,
    ) -> Facility {
        Facility {
            id: crate::model::FacilityId(id.into()),
            kind,
            name: id.into(),
            name_kana: None,
            address: None,
            municipality_code: None,
            area_code: Some(area.into()),
            pref_code: String::new(),
            location: Location::new(lat, lon, LocationPrecision::Exact),
            phone: None,
            url: None,
            beds: None,
            schedule: None,
            capabilities: caps.iter().map(|c| crate::model::CapabilityEntry::bare(*c)).collect(),
            sources: vec![],
        }
    }

    fn area(code: &str, population: Option<u64>) -> Area {
        Area {
            code: code.into(),
            name: code.into(),
            pref_code: "43".into(),
            municipality_codes: vec![],
            population,
            population_65plus: None,
            mesh_population: None,
            mesh_population_65plus: None,
            population_complete: Some(true),
            geometry: geo::MultiPolygon(vec![]),
        }
    }

    fn index(facilities: &[Facility]) -> FacilityIndex {
        FacilityIndex::new(facilities.iter().map(IndexedFacility::from).collect())
    }

    fn params(radius_m: f64, min_providers: usize) -> CoverageParams {
        CoverageParams { providers: ProviderSet::default(), radius_m, min_providers }
    }

    mod hand_computed {
        use super::*;

        /// Three cells due north of a clinic at 0, 10 and 20 km; one clinic in area A, one far away
        /// in area B.
        fn setup() -> (Vec<PopulationCell>, Vec<Facility>, Vec<Area>) {
            let north = |km: f64| 32.5 + km / 110.874;
            let cells = vec![
                cell("c0", north(0.0), 130.5, 100, 40, Some("A")),
                cell("c1", north(10.0), 130.5, 50, 30, Some("A")),
                cell("c2", north(20.0), 130.5, 10, 10, Some("B")),
            ];
            let facilities = vec![
                provider("f1", 32.5, 130.5, FacilityKind::Clinic, &[Capability::HomeCareSupport], "A"),
                provider("f2", 35.0, 135.0, FacilityKind::Clinic, &[], "B"),
            ];
            (cells, facilities, vec![area("A", Some(200_000)), area("B", None)])
        }

        #[test]
        fn covered_within_the_radius_and_on_its_boundary() {
            let (cells, facilities, areas) = setup();
            let d1 = geodesic_distance_m(cells[1].lat, cells[1].lon, 32.5, 130.5);
            let coverage = compute(&cells, &facilities, &index(&facilities), &areas, &params(d1, 1), None);
            let covered: Vec<bool> = coverage.cells.iter().map(|c| c.covered).collect();
            assert_eq!(covered, [true, true, false], "a cell exactly at the radius is covered");
            let a = &coverage.areas[0];
            assert_eq!(
                (a.population, a.covered_population, a.covered_65plus, a.uncovered_cells),
                (150, 150, 70, 0)
            );
            assert_eq!(a.covered_share, Some(1.0));
            assert_eq!(a.providers, 1);
            assert_eq!(a.providers_per_100k, Some(0.5), "census population is the denominator");
            let b = &coverage.areas[1];
            assert_eq!((b.population, b.covered_population, b.uncovered_cells), (10, 0, 1));
            assert_eq!(b.providers, 1, "the far clinic is in B");
            assert_eq!(
                b.providers_per_100k,
                Some(10_000.0),
                "mesh population when there is no census figure"
            );
            // Providers outside an area still cover its cells: c2 is nearest to f1 in A.
            assert!((coverage.cells[2].nearest_m.unwrap() - 2.0 * d1).abs() < 30.0);
            assert_eq!(coverage.total.population, 160);
            assert_eq!(coverage.total.covered_population, 150);
        }

        #[test]
        fn redundancy_needs_that_many_providers_within_the_radius() {
            let (cells, mut facilities, areas) = setup();
            facilities.push(provider("f3", 32.5 + 5.0 / 110.874, 130.5, FacilityKind::Clinic, &[], "A"));
            let coverage =
                compute(&cells, &facilities, &index(&facilities), &areas, &params(12_000.0, 2), None);
            let within: Vec<u32> = coverage.cells.iter().map(|c| c.providers_within).collect();
            assert_eq!(within, [2, 2, 0], "c2 is 15 km from f3 and 20 km from f1");
            let covered: Vec<bool> = coverage.cells.iter().map(|c| c.covered).collect();
            assert_eq!(covered, [true, true, false]);
        }

        #[test]
        fn provider_filters_and_empty_sets() {
            let (cells, facilities, areas) = setup();
            let mut p = params(50_000.0, 1);
            p.providers.needs.capabilities = [Capability::HomeCareSupport].into_iter().collect();
            let coverage = compute(&cells, &facilities, &index(&facilities), &areas, &p, None);
            assert_eq!(coverage.total.providers, 1);
            p.providers.kind = Some(FacilityKind::Pharmacy);
            let none = compute(&cells, &facilities, &index(&facilities), &areas, &p, None);
            assert!(none.cells.iter().all(|c| !c.covered && c.nearest_m.is_none()));
            assert_eq!(none.areas[0].distance_p50_m, None);
            assert_eq!(none.areas[0].covered_share, Some(0.0));
        }

        #[test]
        fn cells_outside_every_area_count_only_in_the_total() {
            let (mut cells, facilities, areas) = setup();
            cells.push(cell("c3", 32.5, 130.5, 7, 7, None));
            let coverage =
                compute(&cells, &facilities, &index(&facilities), &areas, &params(1_000.0, 1), None);
            let by_area: u64 = coverage.areas.iter().map(|a| a.population).sum();
            assert_eq!(by_area, 160);
            assert_eq!(coverage.total.population, 167);
        }

        #[test]
        fn a_part_keeps_its_rows_and_totals_its_own_cells_and_providers() {
            let (cells, facilities, areas) = setup();
            let p = params(12_000.0, 1);
            let coverage = compute(&cells, &facilities, &index(&facilities), &areas, &p, None);
            let only_b = Part { area: &|a| a.code == "B", cell: &|i| i == 2, facility: &|i| i == 1 };
            let table = restrict(&coverage, &cells, &facilities, &areas, &p, None, &only_b);
            assert_eq!(table.areas, [coverage.areas[1].clone()], "B's row as computed for all");
            let t = &table.total;
            assert_eq!((t.population, t.covered_population, t.cells, t.uncovered_cells), (10, 0, 1, 1));
            assert_eq!((t.providers, t.census_population), (1, None), "f2 only; B has no census figure");
            // The distance to f1 in A still counts: providers outside the part cover its cells.
            assert_eq!(t.distance_max_m, coverage.cells[2].nearest_m);
            let everything = Part { area: &|_| true, cell: &|_| true, facility: &|_| true };
            let all = restrict(&coverage, &cells, &facilities, &areas, &p, None, &everything);
            assert_eq!((all.areas, all.total), (coverage.areas.clone(), coverage.total.clone()));
            let nothing = Part { area: &|_| false, cell: &|_| false, facility: &|_| false };
            let none = restrict(&coverage, &cells, &facilities, &areas, &p, None, &nothing);
            assert!(none.areas.is_empty());
            assert_eq!((none.total.population, none.total.covered_share, none.total.providers), (0, None, 0));
        }

        #[test]
        fn weighted_percentiles() {
            let sorted = [(1.0, 10, "a"), (2.0, 0, "b"), (3.0, 30, "c"), (4.0, 60, "d")];
            assert_eq!(weighted_percentile(&sorted, 0.1), Some(1.0));
            assert_eq!(weighted_percentile(&sorted, 0.4), Some(3.0));
            assert_eq!(weighted_percentile(&sorted, 0.5), Some(4.0));
            assert_eq!(weighted_percentile(&sorted, 1.0), Some(4.0));
            assert_eq!(weighted_percentile(&[(1.0, 0, "z")], 0.5), None);
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn arb_cells() -> impl Strategy<Value = Vec<PopulationCell>> {
            proptest::collection::vec((32.0..33.2f64, 130.0..131.2f64, 0u32..500, 0u32..3), 0..400).prop_map(
                |v| {
                    v.into_iter()
                        .enumerate()
                        .map(|(i, (lat, lon, pop, area))| {
                            let area = ["A", "B", "C"][area as usize];
                            cell(&format!("{i:09}"), lat, lon, pop, pop / 3, Some(area))
                        })
                        .collect()
                },
            )
        }

        fn arb_facilities() -> impl Strategy<Value = Vec<Facility>> {
            proptest::collection::vec((32.0..33.2f64, 130.0..131.2f64, any::<bool>(), 0u32..3), 0..40)
                .prop_map(|v| {
                    v.into_iter()
                        .enumerate()
                        .map(|(i, (lat, lon, home, area))| {
                            let caps: &[Capability] = if home { &[Capability::HomeCareSupport] } else { &[] };
                            provider(
                                &format!("f{i}"),
                                lat,
                                lon,
                                FacilityKind::Clinic,
                                caps,
                                ["A", "B", "C"][area as usize],
                            )
                        })
                        .collect()
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]

            /// Against all cell × provider pairs, and the same with any thread count.
            #[test]
            fn equals_brute_force_and_is_deterministic(
                cells in arb_cells(),
                facilities in arb_facilities(),
                radius_km in 1.0..40.0f64,
                min_providers in 1usize..4,
                home_only in any::<bool>(),
                threads in 1usize..5,
            ) {
                let mut p = params(radius_km * 1000.0, min_providers);
                if home_only {
                    p.providers.needs.capabilities = [Capability::HomeCareSupport].into_iter().collect();
                }
                let areas = vec![area("A", Some(1000)), area("B", None), area("C", Some(0))];
                let idx = index(&facilities);
                let on = |n: usize| {
                    let pool = rayon::ThreadPoolBuilder::new().num_threads(n).build().expect("a thread pool");
                    pool.install(|| compute(&cells, &facilities, &idx, &areas, &p, None))
                };
                let fast = on(threads);
                prop_assert_eq!(&fast, &on(1));
                for (c, got) in cells.iter().zip(&fast.cells) {
                    let mut d: Vec<f64> = facilities
                        .iter()
                        .filter(|f| p.providers.admits(f))
                        .map(|f| geodesic_distance_m(c.lat, c.lon, f.location.lat, f.location.lon))
                        .collect();
                    d.sort_by(f64::total_cmp);
                    let within = d.iter().filter(|x| **x <= p.radius_m).count();
                    prop_assert_eq!(got.covered, within >= min_providers);
                    prop_assert_eq!(got.providers_within as usize, within.min(min_providers));
                    prop_assert_eq!(got.nearest_m, d.first().copied());
                }
                for a in &fast.areas {
                    prop_assert!(a.covered_population <= a.population);
                    prop_assert!(a.covered_65plus <= a.population_65plus);
                }
                let sum: u64 = fast.areas.iter().map(|a| a.population).sum();
                prop_assert_eq!(sum, fast.total.population);
            }
        }
    }
}
