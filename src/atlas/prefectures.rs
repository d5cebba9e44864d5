//! What a snapshot holds of each of its prefectures: the map's prefecture selector, `/api/prefectures`
//! and the care team's check that a home's prefecture has the data a role needs.

use super::RegistryPart;
use crate::model::{FacilityKind, prefecture_name, prefecture_name_en, prefecture_number};

/// What a snapshot holds of one prefecture: the map's prefecture selector and `/api/prefectures`.
#[derive(Debug, Clone, PartialEq)]
pub struct PrefectureSummary {
    /// 2-digit code.
    pub code: String,
    /// Name, e.g. 熊本県.
    pub name: &'static str,
    /// English name, e.g. Kumamoto.
    pub name_en: &'static str,
    /// `[min_lon, min_lat, max_lon, max_lat]` of its secondary medical areas (of its facilities
    /// when it has no area polygon); None when it has neither.
    pub bounds: Option<[f64; 4]>,
    /// Secondary medical areas.
    pub areas: usize,
    /// Of them, those whose 500 m mesh population is complete.
    pub areas_with_complete_population: usize,
    /// Facilities by kind (indexed by [`FacilityKind::index`]).
    pub facilities: [usize; FacilityKind::ALL.len()],
    /// Whether any of its facilities has a capability (施設基準 filings, cancer hubs): without them
    /// the capability filters of the map find nothing there.
    pub has_capabilities: bool,
    /// The 2020 census population of its areas (None when one area's is unknown).
    pub population: Option<u64>,
    /// The population of its 500 m cells.
    pub mesh_population: u64,
    /// Its populated 500 m cells.
    pub cells: usize,
}

/// What the registry holds of each prefecture.
pub(super) fn summarize_prefectures(base: &RegistryPart) -> Vec<PrefectureSummary> {
    let mut summaries: Vec<PrefectureSummary> = base
        .imported
        .codes()
        .map(|code| PrefectureSummary {
            name: prefecture_name(&code).unwrap_or_default(),
            name_en: prefecture_name_en(&code).unwrap_or_default(),
            code,
            bounds: None,
            areas: 0,
            areas_with_complete_population: 0,
            facilities: [0; FacilityKind::ALL.len()],
            has_capabilities: false,
            population: Some(0),
            mesh_population: 0,
            cells: 0,
        })
        .collect();
    let position = |n: u8| base.imported.numbers().position(|m| m == n);
    let grow = |bounds: &mut Option<[f64; 4]>, b: [f64; 4]| {
        *bounds = Some(match *bounds {
            None => b,
            Some(a) => [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])],
        });
    };
    for area in &base.areas {
        let Some(s) = prefecture_number(&area.pref_code).and_then(position).map(|i| &mut summaries[i]) else {
            continue;
        };
        s.areas += 1;
        s.areas_with_complete_population += usize::from(area.population_complete == Some(true));
        s.population = s.population.zip(area.population).map(|(a, b)| a + b);
        if let Some(r) = geo::BoundingRect::bounding_rect(&area.geometry) {
            grow(&mut s.bounds, [r.min().x, r.min().y, r.max().x, r.max().y]);
        }
    }
    let mut facility_bounds: Vec<Option<[f64; 4]>> = vec![None; summaries.len()];
    for f in &base.facilities {
        let Some(i) = prefecture_number(&f.pref_code).and_then(position) else { continue };
        let s = &mut summaries[i];
        s.facilities[f.kind.index()] += 1;
        s.has_capabilities |= !f.capabilities.is_empty();
        let (lon, lat) = (f.location.lon, f.location.lat);
        grow(&mut facility_bounds[i], [lon, lat, lon, lat]);
    }
    for (cell, &n) in base.cells.iter().zip(&base.cell_prefectures) {
        if let Some(i) = position(n) {
            summaries[i].mesh_population += u64::from(cell.population);
            summaries[i].cells += 1;
        }
    }
    for (s, facility_bounds) in summaries.iter_mut().zip(facility_bounds) {
        // A prefecture without area polygons is drawn where its facilities are.
        s.bounds = s.bounds.or(facility_bounds);
        if s.areas == 0 {
            s.population = None;
        }
    }
    summaries
}
