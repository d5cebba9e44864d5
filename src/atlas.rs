//! The Atlas: an immutable in-memory snapshot of the registry with its spatial index. Readers share
//! one `Arc<Atlas>` and never lock; a change builds a new Atlas and swaps it in ([`SharedAtlas`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use arc_swap::ArcSwap;

use crate::analysis::access::{AccessError, Decay};
use crate::analysis::area_access::{
    AccessParams, AreaAccessibility, DemandMeasure, SupplyMeasure, area_accessibility,
};
use crate::analysis::coverage::{self, Coverage, CoverageParams};
use crate::model::{Area, CapabilitySet, Facility, FacilityKind, Municipality, PopulationCell};
use crate::spatial::{FacilityIndex, IndexedFacility, NearestQuery};
use crate::store::{Registry, SourceRecord};
use crate::tiles::cache::{DEFAULT_CACHE_BYTES, EncodedTile, TileCache};
use crate::tiles::layer::TileRequest;
use crate::tiles::source::TileSource;

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
    cells: Vec<PopulationCell>,
    counts_by_area: HashMap<String, [usize; FacilityKind::ALL.len()]>,
    coverage_cache: Cache<CoverageKey, Coverage>,
    access_cache: Cache<AccessKey, Result<AreaAccessibility, AccessError>>,
    tile_source: OnceLock<TileSource>,
    tile_cache: TileCache,
}

/// Most results a cache keeps; a planner explores a few provider sets and radii, so a small bound
/// keeps memory flat without evicting what is in use.
const CACHE_CAPACITY: usize = 64;

/// A per-snapshot memo of analysis results by parameter set. It lives inside the Atlas, so a new
/// snapshot (new data) starts with an empty cache: results are never served for stale data.
#[derive(Debug)]
struct Cache<K, V> {
    entries: Mutex<HashMap<K, Arc<OnceLock<Arc<V>>>>>,
}

impl<K: std::hash::Hash + Eq, V> Cache<K, V> {
    fn new() -> Self {
        Cache { entries: Mutex::new(HashMap::new()) }
    }

    /// The cached value, or `compute()` stored and returned. The map lock is not held while
    /// computing, so a slow analysis never blocks readers of other keys; concurrent requests for
    /// the same new key wait for one computation instead of each running their own (a burst of
    /// map tiles needing one coverage would otherwise start dozens of identical computations).
    fn get_or_compute(&self, key: K, compute: impl FnOnce() -> V) -> Arc<V> {
        let cell = {
            let mut entries = self.lock();
            if !entries.contains_key(&key) && entries.len() >= CACHE_CAPACITY {
                entries.clear();
            }
            Arc::clone(entries.entry(key).or_default())
        };
        Arc::clone(cell.get_or_init(|| Arc::new(compute())))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Arc<OnceLock<Arc<V>>>>> {
        // A panic while holding the lock cannot leave the map inconsistent (inserts are atomic).
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Accessibility parameters as a hashable key (numbers by their bit patterns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct AccessKey {
    kind: Option<FacilityKind>,
    needs: CapabilitySet,
    catchment_bits: u64,
    decay: Option<[u64; 3]>,
    supply: SupplyMeasure,
    demand: DemandMeasure,
}

/// Coverage parameters as a hashable key (radius by its bit pattern).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct CoverageKey {
    kind: Option<FacilityKind>,
    needs: CapabilitySet,
    radius_bits: u64,
    min_providers: usize,
}

impl Atlas {
    /// Builds the snapshot (indexes, counts) from a registry loaded from the store.
    pub fn new(registry: Registry, version: i64) -> Self {
        let Registry { facilities, areas, municipalities, sources, cells } = registry;
        let index = FacilityIndex::new(facilities.iter().map(IndexedFacility::from).collect());
        let by_id = facilities.iter().enumerate().map(|(i, f)| (f.id.0.clone(), i)).collect();
        let mut counts_by_area: HashMap<String, [usize; FacilityKind::ALL.len()]> = HashMap::new();
        for f in &facilities {
            if let Some(area) = &f.area_code {
                counts_by_area.entry(area.clone()).or_default()[f.kind.index()] += 1;
            }
        }
        Atlas {
            version,
            facilities,
            by_id,
            index,
            areas,
            municipalities,
            sources,
            cells,
            counts_by_area,
            coverage_cache: Cache::new(),
            access_cache: Cache::new(),
            tile_source: OnceLock::new(),
            tile_cache: TileCache::new(DEFAULT_CACHE_BYTES),
        }
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

    /// The populated 500 m cells, by code.
    pub fn cells(&self) -> &[PopulationCell] {
        &self.cells
    }

    /// The facility index.
    pub fn index(&self) -> &FacilityIndex {
        &self.index
    }

    /// Coverage of every area for a provider set, computed once per parameter set and snapshot.
    pub fn coverage(&self, params: &CoverageParams) -> Arc<Coverage> {
        let key = CoverageKey {
            kind: params.providers.kind,
            needs: params.providers.needs,
            radius_bits: params.radius_m.to_bits(),
            min_providers: params.min_providers,
        };
        self.coverage_cache.get_or_compute(key, || {
            coverage::compute(
                &self.cells,
                &self.facilities,
                &self.index,
                &self.areas,
                params,
                worker_threads(),
            )
        })
    }

    /// E2SFCA accessibility of a provider set per cell and area, computed once per parameter set and
    /// snapshot.
    pub fn access(&self, params: &AccessParams) -> Arc<Result<AreaAccessibility, AccessError>> {
        let key = AccessKey {
            kind: params.providers.kind,
            needs: params.providers.needs,
            catchment_bits: params.catchment_m.to_bits(),
            decay: match params.decay {
                Decay::Step { weights } => Some(weights.map(f64::to_bits)),
                Decay::Gaussian => None,
            },
            supply: params.supply,
            demand: params.demand,
        };
        self.access_cache
            .get_or_compute(key, || area_accessibility(&self.cells, &self.facilities, &self.areas, params))
    }

    /// The geometry vector tiles are cut from, prepared the first time a tile is asked for (so
    /// snapshots that never serve tiles never pay for it).
    pub fn tile_source(&self) -> &TileSource {
        self.tile_source
            .get_or_init(|| TileSource::new(&self.facilities, &self.areas, &self.municipalities, &self.cells))
    }

    /// A tile from the snapshot's tile cache, when it is there (cheap: no rendering).
    pub fn cached_tile(&self, request: &TileRequest) -> Option<Arc<EncodedTile>> {
        self.tile_cache.get(&request.key())
    }

    /// A vector tile, rendered once per request key and snapshot (the cache is bounded; evicted
    /// tiles are rendered again). May take milliseconds on a miss (tens when the layer needs a
    /// coverage not computed yet): call from a blocking context.
    pub fn tile(&self, request: &TileRequest) -> Arc<EncodedTile> {
        if let Some(hit) = self.cached_tile(request) {
            return hit;
        }
        let bytes = crate::tiles::render::render(self, self.tile_source(), request);
        self.tile_cache.insert(request.key(), EncodedTile::new(bytes))
    }

    /// Facilities per kind in an area (indexed by [`FacilityKind::index`]).
    pub fn facility_counts(&self, area_code: &str) -> [usize; FacilityKind::ALL.len()] {
        self.counts_by_area.get(area_code).copied().unwrap_or_default()
    }
}

/// Threads for an analysis: the machine's cores.
fn worker_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
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
