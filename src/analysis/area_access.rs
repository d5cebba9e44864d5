//! Accessibility (E2SFCA) of a provider set, summarised per secondary medical area.
//!
//! Demand: the population of each 500 m cell (total, 65+ or 75+). Supply: 1 per provider, or the
//! palliative-care ward beds of each provider. Scores are reported per 100,000 people (providers or
//! beds per 100,000 within reach, distance-weighted), per cell and per area (population-weighted
//! mean, min, max and Gini).

use serde::Serialize;

use super::access::{AccessError, Decay, Demand, Supply, e2sfca, weighted_summary};
use super::coverage::ProviderSet;
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
    let providers: Vec<&Facility> = facilities
        .iter()
        .enumerate()
        .filter(|(i, f)| params.providers.contains(*i, f, stock_mask))
        .map(|(_, f)| f)
        .collect();
    let mut without_supply = 0;
    let supply: Vec<Supply> = providers
        .iter()
        .map(|f| {
            let capacity = match params.supply {
                SupplyMeasure::Providers => 1.0,
                SupplyMeasure::WardBeds => f.ward_beds().map_or_else(
                    || {
                        without_supply += 1;
                        0.0
                    },
                    f64::from,
                ),
            };
            Supply { lat: f.location.lat, lon: f.location.lon, capacity }
        })
        .collect();
    let result = e2sfca(&demand, &supply, params.catchment_m, params.decay)?;
    let cell_scores: Vec<f64> = result.scores.iter().map(|s| s * 100_000.0).collect();
    let weights: Vec<f64> = demand.iter().map(|d| d.population).collect();
    let summarise = |code: &str, name: &str, members: &[usize]| -> Result<AreaAccess, AccessError> {
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
            cells_without_access: members
                .iter()
                .filter(|&&i| weights[i] > 0.0 && cell_scores[i] == 0.0)
                .count(),
        })
    };
    let area_rows = areas
        .iter()
        .map(|a| {
            let members: Vec<usize> = (0..cells.len())
                .filter(|&i| cells[i].area_code.as_deref() == Some(a.code.as_str()))
                .collect();
            summarise(&a.code, &a.name, &members)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let all: Vec<usize> = (0..cells.len()).collect();
    let total = summarise("total", "合計", &all)?;
    Ok(AreaAccessibility {
        cell_scores,
        areas: area_rows,
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
}
