//! The Atlas: an immutable in-memory snapshot of the registry with its spatial index. Readers share
//! one `Arc<Atlas>` and never lock; a change builds a new Atlas and swaps it in ([`SharedAtlas`]).

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::model::{Area, CapabilitySet, Facility, FacilityKind, Municipality};
use crate::spatial::{FacilityIndex, IndexedFacility, NearestQuery};
use crate::store::{Registry, SourceRecord};

/// Which facilities a listing wants.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FacilityFilter {
    /// Only this kind.
    pub kind: Option<FacilityKind>,
    /// Only facilities with all of these capabilities.
    pub needs: CapabilitySet,
    /// Only this secondary medical area.
    pub area: Option<String>,
    /// Only inside this box: [min_lon, min_lat, max_lon, max_lat].
    pub bbox: Option<[f64; 4]>,
}

impl FacilityFilter {
    fn accepts(&self, f: &Facility) -> bool {
        self.kind.is_none_or(|k| k == f.kind)
            && f.capability_set().contains_all(self.needs)
            && self.area.as_deref().is_none_or(|a| f.area_code.as_deref() == Some(a))
            && self.bbox.is_none_or(|[x0, y0, x1, y1]| {
                (x0..=x1).contains(&f.location.lon) && (y0..=y1).contains(&f.location.lat)
            })
    }
}

/// One snapshot of everything the server reads.
#[derive(Debug)]
pub struct Atlas {
    version: i64,
    facilities: Vec<Facility>,
    by_id: HashMap<String, usize>,
    index: FacilityIndex,
    areas: Vec<Area>,
    municipalities: Vec<Municipality>,
    sources: Vec<SourceRecord>,
    counts_by_area: HashMap<String, [usize; FacilityKind::ALL.len()]>,
}

impl Atlas {
    /// Builds the snapshot (indexes, counts) from a registry loaded from the store.
    pub fn new(registry: Registry, version: i64) -> Self {
        let Registry { facilities, areas, municipalities, sources } = registry;
        let index = FacilityIndex::new(facilities.iter().map(IndexedFacility::from).collect());
        let by_id = facilities.iter().enumerate().map(|(i, f)| (f.id.0.clone(), i)).collect();
        let mut counts_by_area: HashMap<String, [usize; FacilityKind::ALL.len()]> = HashMap::new();
        for f in &facilities {
            if let Some(area) = &f.area_code {
                counts_by_area.entry(area.clone()).or_default()[f.kind.index()] += 1;
            }
        }
        Atlas { version, facilities, by_id, index, areas, municipalities, sources, counts_by_area }
    }

    /// The registry version this snapshot was built from.
    pub fn version(&self) -> i64 {
        self.version
    }

    /// Every facility, in id order.
    pub fn facilities(&self) -> &[Facility] {
        &self.facilities
    }

    /// The facility with this id.
    pub fn facility(&self, id: &str) -> Option<&Facility> {
        self.by_id.get(id).map(|&i| &self.facilities[i])
    }

    /// Facilities matching a filter, in id order.
    pub fn filter<'a>(&'a self, filter: &'a FacilityFilter) -> impl Iterator<Item = &'a Facility> + 'a {
        self.facilities.iter().filter(move |f| filter.accepts(f))
    }

    /// The nearest facilities matching the query with their geodesic distances, nearest first.
    pub fn nearest(&self, query: &NearestQuery) -> Vec<(&Facility, f64)> {
        self.index
            .nearest(query)
            .into_iter()
            .map(|n| (&self.facilities[n.index as usize], n.distance_m))
            .collect()
    }

    /// The secondary medical areas, by code.
    pub fn areas(&self) -> &[Area] {
        &self.areas
    }

    /// The municipalities, by code.
    pub fn municipalities(&self) -> &[Municipality] {
        &self.municipalities
    }

    /// The data sources with their credits.
    pub fn sources(&self) -> &[SourceRecord] {
        &self.sources
    }

    /// Facilities per kind in an area (indexed by [`FacilityKind::index`]).
    pub fn facility_counts(&self, area_code: &str) -> [usize; FacilityKind::ALL.len()] {
        self.counts_by_area.get(area_code).copied().unwrap_or_default()
    }
}

/// The current Atlas, swapped atomically when the registry changes.
#[derive(Debug, Clone)]
pub struct SharedAtlas(Arc<ArcSwap<Atlas>>);

impl SharedAtlas {
    /// Wraps a first snapshot.
    pub fn new(atlas: Atlas) -> Self {
        SharedAtlas(Arc::new(ArcSwap::from_pointee(atlas)))
    }

    /// The current snapshot; hold it for the duration of one request.
    pub fn load(&self) -> Arc<Atlas> {
        self.0.load_full()
    }

    /// Publishes a new snapshot.
    pub fn publish(&self, atlas: Atlas) {
        self.0.store(Arc::new(atlas));
    }
}
