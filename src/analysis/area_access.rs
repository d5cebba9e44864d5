//! Accessibility (E2SFCA) of a provider set, summarised per secondary medical area.
//!
//! Demand: the population of each 500 m cell (total, 65+ or 75+). Supply: 1 per provider, or the
//! palliative-care ward beds of each provider. Scores are reported per 100,000 people (providers or
//! beds per 100,000 within reach, distance-weighted), per cell and per area (population-weighted
//! mean, min, max and Gini).

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::access::{AccessError, Decay, Demand, Supply, e2sfca, weighted_summary};
use super::coverage::{Part, ProviderSet};
use crate::model::{Area, Facility, PopulationCell};

/// What each provider offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SupplyMeasure {
    /// Every provider counts 1.
    Providers,
    /// Palliative-care ward beds (緩和ケア病棟 病床数) of each provider; providers without a filed bed
    /// count supply nothing and are reported.
    WardBeds,
}

/// Whose demand counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DemandMeasure {
    /// All residents.
    Total,
    /// Residents aged 65 and over.
    Age65,
    /// Residents aged 75 and over.
    Age75,
}

impl DemandMeasure {
    fn of(self, cell: &PopulationCell) -> u32 {
        match self {
            DemandMeasure::Total => cell.population,
            DemandMeasure::Age65 => cell.population_65plus,
            DemandMeasure::Age75 => cell.population_75plus,
        }
    }
}

/// The parameters of an accessibility run.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessParams {
    /// The providers.
    pub providers: ProviderSet,
    /// Catchment radius d0 in metres.
    pub catchment_m: f64,
    /// Distance decay.
    pub decay: Decay,
    /// Supply of each provider.
    pub supply: SupplyMeasure,
    /// Demand of each cell.
    pub demand: DemandMeasure,
}

/// The score summary of one area.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaAccess {
    /// Area code ("total" for the prefecture).
    pub code: String,
    /// Area name.
    pub name: String,
    /// Demand population of the area's cells.
    pub population: u64,
    /// Population-weighted mean score (per 100,000); None without population.
    pub mean: Option<f64>,
    /// Lowest cell score among populated cells.
    pub min: Option<f64>,
    /// Highest cell score among populated cells.
    pub max: Option<f64>,
    /// Population-weighted Gini coefficient of the cell scores (0 = equal access for everyone).
    pub gini: Option<f64>,
    /// Populated cells with score 0 (no provider within the catchment).
    pub cells_without_access: usize,
}

/// The result of an accessibility run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaAccessibility {
    /// Score of each cell, per 100,000 people, in the order of the cells given.
    pub cell_scores: Vec<f64>,
    /// Per area, by area code.
    pub areas: Vec<AreaAccess>,
    /// The prefecture.
    pub total: AreaAccess,
    /// Providers in the set.
    pub providers: usize,
    /// Of them, supplying nothing because no ward bed count is known (SupplyMeasure::WardBeds).
    pub providers_without_supply: usize,
}

/// Runs E2SFCA for the provider set and summarises it per area.
pub fn area_accessibility(
    cells: &[PopulationCell],
    facilities: &[Facility],
    areas: &[Area],
    params: &AccessParams,
    stock_mask: Option<&[bool]>,
) -> Result<AreaAccessibility, AccessError> {
    let demand: Vec<Demand> = cells
        .iter()
        .map(|c| Demand { lat: c.lat, lon: c.lon, population: f64::from(params.demand.of(c)) })
        .collect();
    let (providers, without_supply) = providers_of(facilities, params, stock_mask, &|_| true);
    let supply: Vec<Supply> = providers
        .iter()
        .map(|f| Supply { lat: f.location.lat, lon: f.location.lon, capacity: capacity(f, params.supply) })
        .collect();
    let result = e2sfca(&demand, &supply, params.catchment_m, params.decay)?;
    let cell_scores: Vec<f64> = result.scores.iter().map(|s| s * 100_000.0).collect();
    let weights: Vec<f64> = demand.iter().map(|d| d.population).collect();
    // Cells by area, once: a scan of every cell per area would cost areas × cells on a national
    // registry.
    let mut by_area: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, cell) in cells.iter().enumerate() {
        if let Some(area) = cell.area_code.as_deref() {
            by_area.entry(area).or_default().push(i);
        }
    }
    let area_rows = areas
        .iter()
        .map(|a| {
            let members = by_area.get(a.code.as_str()).map_or(&[][..], Vec::as_slice);
            summarise(&a.code, &a.name, members, &cell_scores, &weights)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let all: Vec<usize> = (0..cells.len()).collect();
    let total = summarise("total", "合計", &all, &cell_scores, &weights)?;
    Ok(AreaAccessibility {
        cell_scores,
        areas: area_rows,
        total,
        providers: providers.len(),
        providers_without_supply: without_supply,
    })
}

/// What one provider supplies: 1, or its ward beds (0 when no bed count is filed).
fn capacity(f: &Facility, supply: SupplyMeasure) -> f64 {
    match supply {
        SupplyMeasure::Providers => 1.0,
        SupplyMeasure::WardBeds => f.ward_beds().map_or(0.0, f64::from),
    }
}

/// The providers of the set among the facilities `keep` accepts (by position), and how many of
/// them supply nothing (no ward bed count filed, with [`SupplyMeasure::WardBeds`]).
fn providers_of<'a>(
    facilities: &'a [Facility],
    params: &AccessParams,
    stock_mask: Option<&[bool]>,
    keep: &dyn Fn(usize) -> bool,
) -> (Vec<&'a Facility>, usize) {
    let providers: Vec<&Facility> = facilities
        .iter()
        .enumerate()
        .filter(|(i, f)| keep(*i) && params.providers.contains(*i, f, stock_mask))
        .map(|(_, f)| f)
        .collect();
    let without_supply = match params.supply {
        SupplyMeasure::Providers => 0,
        SupplyMeasure::WardBeds => providers.iter().filter(|f| f.ward_beds().is_none()).count(),
    };
    (providers, without_supply)
}

/// The summary of the scores of some cells (`members`), weighted by their demand.
fn summarise(
    code: &str,
    name: &str,
    members: &[usize],
    cell_scores: &[f64],
    weights: &[f64],
) -> Result<AreaAccess, AccessError> {
    let scores: Vec<f64> = members.iter().map(|&i| cell_scores[i]).collect();
    let w: Vec<f64> = members.iter().map(|&i| weights[i]).collect();
    let population = w.iter().sum::<f64>() as u64;
    let summary = match weighted_summary(&scores, &w) {
        Ok(s) => Some(s),
        Err(AccessError::NoWeight) => None,
        Err(e) => return Err(e),
    };
    Ok(AreaAccess {
        code: code.to_owned(),
        name: name.to_owned(),
        population,
        mean: summary.map(|s| s.mean),
        min: summary.map(|s| s.min),
        max: summary.map(|s| s.max),
        gini: summary.map(|s| s.gini),
        cells_without_access: members.iter().filter(|&&i| weights[i] > 0.0 && cell_scores[i] == 0.0).count(),
    })
}

/// Accessibility rows and their total for a part of the registry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccessTable {
    /// Per area of the part, by area code.
    pub areas: Vec<AreaAccess>,
    /// The part's cells together.
    pub total: AreaAccess,
    /// Providers of the set in the part.
    pub providers: usize,
    /// Of them, supplying nothing (no ward bed count filed), with [`SupplyMeasure::WardBeds`].
    pub providers_without_supply: usize,
}

/// The table of a computed accessibility restricted to a part of the registry: the rows of its
/// areas as they are (scores are computed over the whole registry, so supply and demand across the
/// part's border count), and a total summarising exactly its cells, with its providers counted.
pub fn restrict(
    result: &AreaAccessibility,
    cells: &[PopulationCell],
    facilities: &[Facility],
    areas: &[Area],
    params: &AccessParams,
    stock_mask: Option<&[bool]>,
    part: &Part,
) -> Result<AccessTable, AccessError> {
    let kept: HashSet<&str> = areas.iter().filter(|a| (part.area)(a)).map(|a| a.code.as_str()).collect();
    let rows = result.areas.iter().filter(|r| kept.contains(r.code.as_str())).cloned().collect();
    let weights: Vec<f64> = cells.iter().map(|c| f64::from(params.demand.of(c))).collect();
    let members: Vec<usize> = (0..cells.len()).filter(|&i| (part.cell)(i)).collect();
    let total = summarise("total", "合計", &members, &result.cell_scores, &weights)?;
    let (providers, without_supply) = providers_of(facilities, params, stock_mask, part.facility);
    Ok(AccessTable {
        areas: rows,
        total,
        providers: providers.len(),
        providers_without_supply: without_supply,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Capability, CapabilityEntry, FacilityId, FacilityKind, Location, LocationPrecision};

    fn cell(code: &str, lat: f64, population: u32, area: &str) -> PopulationCell {
        PopulationCell {
            code: code.into(),
            lat,
            lon: 130.5,
            population,
            population_65plus: population / 2,
            population_75plus: population / 4,
            municipality_code: None,
            area_code: Some(area.into()),
        }
    }

    fn ward(id: &str, lat: f64, beds: Option<u32>) -> Facility {
        Facility {
            id: FacilityId(id.into()),
            kind: FacilityKind::Hospital,
            name: id.into(),
            name_kana: None,
            address: None,
            municipality_code: None,
            area_code: Some("A".into()),
            pref_code: String::new(),
            location: Location::new(lat, 130.5, LocationPrecision::Exact),
            phone: None,
            url: None,
            beds: None,
            schedule: None,
            capabilities: vec![CapabilityEntry {
                ward_beds: beds,
                ..CapabilityEntry::bare(Capability::PalliativeWard)
            }],
            sources: vec![],
        }
    }

    fn area(code: &str) -> Area {
        Area {
            code: code.into(),
            name: code.into(),
            pref_code: "43".into(),
            municipality_codes: vec![],
            population: None,
            population_65plus: None,
            mesh_population: None,
            mesh_population_65plus: None,
            population_complete: None,
            geometry: geo::MultiPolygon(vec![]),
        }
    }

    fn params(supply: SupplyMeasure) -> AccessParams {
        AccessParams {
            providers: ProviderSet::of_capabilities(None, [Capability::PalliativeWard].into_iter().collect()),
            catchment_m: 30_000.0,
            decay: Decay::default_step(),
            supply,
            demand: DemandMeasure::Total,
        }
    }

    /// One ward of 20 beds; two cells within its inner third; one cell out of reach in area B.
    #[test]
    fn hand_computed_beds_per_100k() {
        let cells = vec![cell("a", 32.5, 1000, "A"), cell("b", 32.55, 3000, "A"), cell("c", 33.5, 500, "B")];
        let facilities = vec![ward("w", 32.5, Some(20)), ward("x", 32.5, None)];
        let r = area_accessibility(
            &cells,
            &facilities,
            &[area("A"), area("B")],
            &params(SupplyMeasure::WardBeds),
            None,
        )
        .unwrap();
        // R = 20 / (1000 + 3000) beds per person; A = R for both cells (weight 1): 500 per 100,000.
        assert!((r.cell_scores[0] - 500.0).abs() < 1e-9);
        assert!((r.cell_scores[1] - 500.0).abs() < 1e-9);
        assert_eq!(r.cell_scores[2], 0.0);
        assert_eq!(r.providers, 2);
        assert_eq!(r.providers_without_supply, 1);
        let a = &r.areas[0];
        assert_eq!((a.population, a.gini, a.cells_without_access), (4000, Some(0.0), 0));
        assert!((a.mean.unwrap() - 500.0).abs() < 1e-9);
        assert_eq!(r.areas[1].cells_without_access, 1);
        assert_eq!(r.areas[1].mean, Some(0.0));
        // Counting providers instead: 2 providers / 4000 people.
        let r = area_accessibility(
            &cells,
            &facilities,
            &[area("A"), area("B")],
            &params(SupplyMeasure::Providers),
            None,
        )
        .unwrap();
        assert!((r.cell_scores[0] - 50.0).abs() < 1e-9);
        assert!(r.total.gini.unwrap() > 0.0, "area B has no access");
    }

    #[test]
    fn an_area_without_people_has_no_summary() {
        let cells = vec![cell("a", 32.5, 0, "A")];
        let r = area_accessibility(
            &cells,
            &[ward("w", 32.5, Some(5))],
            &[area("A")],
            &params(SupplyMeasure::WardBeds),
            None,
        )
        .unwrap();
        assert_eq!(r.areas[0].mean, None);
        assert_eq!(r.areas[0].population, 0);
    }

    #[test]
    fn a_part_keeps_its_rows_and_summarises_its_own_cells() {
        let cells = vec![cell("a", 32.5, 1000, "A"), cell("b", 32.55, 3000, "A"), cell("c", 33.5, 500, "B")];
        let facilities = vec![ward("w", 32.5, Some(20)), ward("x", 32.5, None)];
        let areas = [area("A"), area("B")];
        let p = params(SupplyMeasure::WardBeds);
        let r = area_accessibility(&cells, &facilities, &areas, &p, None).unwrap();
        let only_a = Part { area: &|a| a.code == "A", cell: &|i| i < 2, facility: &|i| i == 1 };
        let t = restrict(&r, &cells, &facilities, &areas, &p, None, &only_a).unwrap();
        assert_eq!(t.areas, [r.areas[0].clone()]);
        assert_eq!((t.total.population, t.total.gini, t.total.cells_without_access), (4000, Some(0.0), 0));
        assert!((t.total.mean.unwrap() - 500.0).abs() < 1e-9, "w outside the part still supplies A");
        assert_eq!((t.providers, t.providers_without_supply), (1, 1), "x only, without beds");
        let everything = Part { area: &|_| true, cell: &|_| true, facility: &|_| true };
        let all = restrict(&r, &cells, &facilities, &areas, &p, None, &everything).unwrap();
        assert_eq!((all.areas, all.total), (r.areas.clone(), r.total.clone()));
        assert_eq!((all.providers, all.providers_without_supply), (2, 1));
    }
}
