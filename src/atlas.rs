//! The Atlas: an immutable in-memory snapshot of the registry with its spatial index. Readers share
//! one `Arc<Atlas>` and never lock; a change builds a new Atlas and swaps it in ([`SharedAtlas`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use arc_swap::ArcSwap;

use crate::analysis::access::{AccessError, Decay};
use crate::analysis::area_access::{
    AccessParams, AreaAccessibility, DemandMeasure, SupplyMeasure, area_accessibility,
};
use crate::analysis::coverage::{self, Coverage, CoverageParams, ProviderSet};
use crate::geocode::{Gazetteer, GeocodeMatch, TownPoint};
use crate::model::{
    Area, Facility, FacilityKind, LocationPrecision, Municipality, Needs, OpioidCatalogue, PopulationCell,
    prefecture_name,
};
use crate::spatial::{FacilityIndex, IndexedFacility, NearestQuery};
use crate::store::stock::PharmacyStock;
use crate::store::{Registry, SourceRecord};
use crate::tiles::cache::{DEFAULT_CACHE_BYTES, EncodedTile, TileCache};
use crate::tiles::layer::{TileKey, TileRequest};
use crate::tiles::source::TileSource;

/// Which facilities a listing wants.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FacilityFilter {
    /// Only this kind.
    pub kind: Option<FacilityKind>,
    /// Only facilities meeting all these needs (capabilities, opioid stock, pharmacy services).
    pub needs: Needs,
    /// Count stock entries older than 30 days as in stock.
    pub include_stale: bool,
    /// Only this secondary medical area.
    pub area: Option<String>,
    /// Only inside this box: [min_lon, min_lat, max_lon, max_lat].
    pub bbox: Option<[f64; 4]>,
}

impl FacilityFilter {
    fn accepts(&self, f: &Facility) -> bool {
        self.kind.is_none_or(|k| k == f.kind)
            && f.capability_set().contains_all(self.needs.capabilities)
            && self.area.as_deref().is_none_or(|a| f.area_code.as_deref() == Some(a))
            && self.bbox.is_none_or(|[x0, y0, x1, y1]| {
                (x0..=x1).contains(&f.location.lon) && (y0..=y1).contains(&f.location.lat)
            })
    }
}

/// One snapshot of everything the server reads: the registry part (rebuilt on import) and the
/// pharmacy stock part (rebuilt on every stock write). A stock write shares the registry part and
/// its caches, so it costs a map of registrations, not a rebuild of indexes.
#[derive(Debug)]
pub struct Atlas {
    base: Arc<RegistryPart>,
    stock: Arc<StockBook>,
    /// Analyses whose provider set depends on stock: valid for this stock snapshot only.
    stock_coverage_cache: Cache<StockKey<CoverageKey>, Coverage>,
    stock_access_cache: Cache<StockKey<AccessKey>, Result<AreaAccessibility, AccessError>>,
    /// Tiles whose provider set depends on stock.
    stock_tile_cache: TileCache,
}

/// What an import produces, with the analyses that depend on it alone.
#[derive(Debug)]
struct RegistryPart {
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
    towns: Vec<TownPoint>,
    /// Built from `towns` and the municipalities on the first address query.
    gazetteer: OnceLock<Option<Gazetteer>>,
}

/// The pharmacies' registrations (opioid stock and services) by facility position.
#[derive(Debug, Default)]
struct StockBook {
    version: i64,
    by_position: HashMap<usize, Arc<PharmacyStock>>,
}

/// A stock-dependent cache key: the parameters and the hour they were evaluated in, so that entries
/// crossing the 30-day staleness line are re-evaluated within the hour.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct StockKey<K> {
    key: K,
    hour: i64,
}

/// How a search treats pharmacy registrations: the stock part of the needs, at a moment.
#[derive(Debug, Clone, Copy)]
pub struct StockCriteria<'a> {
    /// The needs; only their opioid and service parts are checked here.
    pub needs: &'a Needs,
    /// Count entries older than 30 days as in stock.
    pub include_stale: bool,
    /// The moment staleness is judged at (Unix seconds).
    pub now_unix: i64,
}

impl StockCriteria<'_> {
    /// Whether a registration (or its absence) satisfies the stock needs.
    pub fn admits(&self, stock: Option<&PharmacyStock>) -> bool {
        if !self.needs.concerns_stock() {
            return true;
        }
        stock.is_some_and(|s| {
            s.satisfies(self.needs, OpioidCatalogue::builtin(), self.include_stale, self.now_unix)
        })
    }
}

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// The tile cache of one stock snapshot: stock-filtered tiles are few (a pharmacy search), and the
/// cache is dropped with the snapshot at the next stock write.
const STOCK_TILE_CACHE_BYTES: usize = 8 << 20;

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
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct AccessKey {
    providers: ProviderSet,
    catchment_bits: u64,
    decay: Option<[u64; 3]>,
    supply: SupplyMeasure,
    demand: DemandMeasure,
}

/// Coverage parameters as a hashable key (radius by its bit pattern).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CoverageKey {
    providers: ProviderSet,
    radius_bits: u64,
    min_providers: usize,
}

impl Atlas {
    /// Builds the snapshot (indexes, counts) from a registry loaded from the store, with no
    /// pharmacy registrations (see [`Atlas::with_stock`]).
    pub fn new(registry: Registry, version: i64) -> Self {
        let Registry { facilities, areas, municipalities, sources, cells, towns } = registry;
        let index = FacilityIndex::new(facilities.iter().map(IndexedFacility::from).collect());
        let by_id = facilities.iter().enumerate().map(|(i, f)| (f.id.0.clone(), i)).collect();
        let mut counts_by_area: HashMap<String, [usize; FacilityKind::ALL.len()]> = HashMap::new();
        for f in &facilities {
            if let Some(area) = &f.area_code {
                counts_by_area.entry(area.clone()).or_default()[f.kind.index()] += 1;
            }
        }
        let base = RegistryPart {
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
            towns,
            gazetteer: OnceLock::new(),
        };
        Atlas::from_parts(Arc::new(base), Arc::new(StockBook::default()))
    }

    fn from_parts(base: Arc<RegistryPart>, stock: Arc<StockBook>) -> Self {
        Atlas {
            base,
            stock,
            stock_coverage_cache: Cache::new(),
            stock_access_cache: Cache::new(),
            stock_tile_cache: TileCache::new(STOCK_TILE_CACHE_BYTES),
        }
    }

    /// The same registry with every pharmacy registration replaced by `all` (registrations of ids
    /// not in the registry are ignored: the facility left the registry on a re-import).
    pub fn with_stock(&self, all: Vec<PharmacyStock>, stock_version: i64) -> Atlas {
        let by_position = all
            .into_iter()
            .filter_map(|s| self.base.by_id.get(&s.facility_id).map(|&i| (i, Arc::new(s))))
            .collect();
        Atlas::from_parts(Arc::clone(&self.base), Arc::new(StockBook { version: stock_version, by_position }))
    }

    /// The same registry with one pharmacy's registration replaced.
    pub fn with_pharmacy_stock(&self, stock: PharmacyStock, stock_version: i64) -> Atlas {
        let mut by_position = self.stock.by_position.clone();
        if let Some(&i) = self.base.by_id.get(&stock.facility_id) {
            by_position.insert(i, Arc::new(stock));
        }
        Atlas::from_parts(Arc::clone(&self.base), Arc::new(StockBook { version: stock_version, by_position }))
    }

    /// The registry version this snapshot was built from.
    pub fn version(&self) -> i64 {
        self.base.version
    }

    /// The stock version (a counter of stock writes) this snapshot includes.
    pub fn stock_version(&self) -> i64 {
        self.stock.version
    }

    /// Every facility, in id order.
    pub fn facilities(&self) -> &[Facility] {
        &self.base.facilities
    }

    /// The facility with this id.
    pub fn facility(&self, id: &str) -> Option<&Facility> {
        self.base.by_id.get(id).map(|&i| &self.base.facilities[i])
    }

    /// The position of a facility in [`Atlas::facilities`].
    pub fn position(&self, id: &str) -> Option<usize> {
        self.base.by_id.get(id).copied()
    }

    /// The registration of the pharmacy at a position, if it registered anything.
    pub fn stock_at(&self, position: usize) -> Option<&PharmacyStock> {
        self.stock.by_position.get(&position).map(Arc::as_ref)
    }

    /// The registration of a pharmacy by id, if it registered anything.
    pub fn stock_of(&self, id: &str) -> Option<&PharmacyStock> {
        self.position(id).and_then(|i| self.stock_at(i))
    }

    /// Facilities matching a filter, in id order.
    pub fn filter<'a>(&'a self, filter: &'a FacilityFilter) -> impl Iterator<Item = &'a Facility> + 'a {
        let criteria =
            StockCriteria { needs: &filter.needs, include_stale: filter.include_stale, now_unix: now_unix() };
        self.base
            .facilities
            .iter()
            .enumerate()
            .filter(move |(i, f)| filter.accepts(f) && criteria.admits(self.stock_at(*i)))
            .map(|(_, f)| f)
    }

    /// The nearest facilities matching the query with their geodesic distances, nearest first.
    pub fn nearest(&self, query: &NearestQuery) -> Vec<(&Facility, f64)> {
        self.base
            .index
            .nearest(query)
            .into_iter()
            .map(|n| (&self.base.facilities[n.index as usize], n.distance_m))
            .collect()
    }

    /// [`Atlas::nearest`] among the facilities whose registrations also meet `criteria`; the
    /// condition is checked inside the search, so the k results are still the k nearest.
    pub fn nearest_stocked(&self, query: &NearestQuery, criteria: &StockCriteria) -> Vec<(&Facility, f64)> {
        if !criteria.needs.concerns_stock() {
            return self.nearest(query);
        }
        self.base
            .index
            .nearest_where(query, |i| criteria.admits(self.stock_at(i as usize)))
            .into_iter()
            .map(|n| (&self.base.facilities[n.index as usize], n.distance_m))
            .collect()
    }

    /// Which facilities meet the stock part of a provider set now, by position; `None` when the set
    /// has no stock needs.
    pub fn stock_mask(&self, providers: &ProviderSet, now_unix: i64) -> Option<Vec<bool>> {
        if !providers.concerns_stock() {
            return None;
        }
        let criteria =
            StockCriteria { needs: &providers.needs, include_stale: providers.include_stale, now_unix };
        Some((0..self.base.facilities.len()).map(|i| criteria.admits(self.stock_at(i))).collect())
    }

    /// The secondary medical areas, by code.
    pub fn areas(&self) -> &[Area] {
        &self.base.areas
    }

    /// The municipalities, by code.
    pub fn municipalities(&self) -> &[Municipality] {
        &self.base.municipalities
    }

    /// The data sources with their credits.
    pub fn sources(&self) -> &[SourceRecord] {
        &self.base.sources
    }

    /// The populated 500 m cells, by code.
    pub fn cells(&self) -> &[PopulationCell] {
        &self.base.cells
    }

    /// The facility index.
    pub fn index(&self) -> &FacilityIndex {
        &self.base.index
    }

    /// Coverage of every area for a provider set, computed once per parameter set and snapshot (per
    /// stock snapshot and hour when the set depends on stock).
    pub fn coverage(&self, params: &CoverageParams) -> Arc<Coverage> {
        let key = CoverageKey {
            providers: params.providers.clone(),
            radius_bits: params.radius_m.to_bits(),
            min_providers: params.min_providers,
        };
        let base = &self.base;
        if !params.providers.concerns_stock() {
            return base.coverage_cache.get_or_compute(key, || {
                coverage::compute(
                    &base.cells,
                    &base.facilities,
                    &base.index,
                    &base.areas,
                    params,
                    None,
                    worker_threads(),
                )
            });
        }
        let now = now_unix();
        self.stock_coverage_cache.get_or_compute(StockKey { key, hour: now / 3600 }, || {
            let mask = self.stock_mask(&params.providers, now);
            coverage::compute(
                &base.cells,
                &base.facilities,
                &base.index,
                &base.areas,
                params,
                mask.as_deref(),
                worker_threads(),
            )
        })
    }

    /// E2SFCA accessibility of a provider set per cell and area, computed once per parameter set and
    /// snapshot.
    pub fn access(&self, params: &AccessParams) -> Arc<Result<AreaAccessibility, AccessError>> {
        let key = AccessKey {
            providers: params.providers.clone(),
            catchment_bits: params.catchment_m.to_bits(),
            decay: match params.decay {
                Decay::Step { weights } => Some(weights.map(f64::to_bits)),
                Decay::Gaussian => None,
            },
            supply: params.supply,
            demand: params.demand,
        };
        let base = &self.base;
        if !params.providers.concerns_stock() {
            return base.access_cache.get_or_compute(key, || {
                area_accessibility(&base.cells, &base.facilities, &base.areas, params, None)
            });
        }
        let now = now_unix();
        self.stock_access_cache.get_or_compute(StockKey { key, hour: now / 3600 }, || {
            let mask = self.stock_mask(&params.providers, now);
            area_accessibility(&base.cells, &base.facilities, &base.areas, params, mask.as_deref())
        })
    }

    /// The geometry vector tiles are cut from, prepared the first time a tile is asked for (so
    /// snapshots that never serve tiles never pay for it).
    pub fn tile_source(&self) -> &TileSource {
        self.base.tile_source.get_or_init(|| {
            TileSource::new(
                &self.base.facilities,
                &self.base.areas,
                &self.base.municipalities,
                &self.base.cells,
            )
        })
    }

    /// A tile from the snapshot's tile cache, when it is there (cheap: no rendering). Tiles that
    /// do not depend on stock live in the registry part (they survive stock writes); the others in
    /// this stock snapshot's own cache.
    pub fn cached_tile(&self, request: &TileRequest) -> Option<Arc<EncodedTile>> {
        let (cache, key) = self.tile_cache_for(request);
        cache.get(&key)
    }

    fn tile_cache_for(&self, request: &TileRequest) -> (&TileCache, TileKey) {
        if request.params().providers.concerns_stock() {
            (&self.stock_tile_cache, request.key().at_hour(now_unix() / 3600))
        } else {
            (&self.base.tile_cache, request.key())
        }
    }

    /// A vector tile, rendered once per request key and snapshot (the cache is bounded; evicted
    /// tiles are rendered again). May take milliseconds on a miss (tens when the layer needs a
    /// coverage not computed yet): call from a blocking context.
    pub fn tile(&self, request: &TileRequest) -> Arc<EncodedTile> {
        if let Some(hit) = self.cached_tile(request) {
            return hit;
        }
        let bytes = crate::tiles::render::render(self, self.tile_source(), request);
        let (cache, key) = self.tile_cache_for(request);
        cache.insert(key, EncodedTile::new(bytes))
    }

    /// The gazetteer of the imported prefecture (its municipalities and 大字・町丁目 points), built on
    /// first use; None when the registry has no municipalities.
    pub fn gazetteer(&self) -> Option<&Gazetteer> {
        self.base
            .gazetteer
            .get_or_init(|| {
                let code = self.base.municipalities.first()?.code.get(..2)?;
                let name = prefecture_name(code)?;
                Some(Gazetteer::new(name, &self.base.municipalities, self.base.towns.clone()))
            })
            .as_ref()
    }

    /// Where an address is: its town (大字・町丁目) point, or its municipality's.
    pub fn geocode(&self, address: &str) -> Option<GeocodeMatch> {
        self.gazetteer()?.geocode(address)
    }

    /// Places whose name starts with what was typed, or that a whole address resolves to; best first.
    pub fn geocode_candidates(&self, query: &str, limit: usize) -> Vec<GeocodeMatch> {
        let Some(gazetteer) = self.gazetteer() else { return Vec::new() };
        let mut found = gazetteer.candidates(query, limit);
        // A whole address may resolve finer (a koaza point) than any name it starts: lead with it
        // when it names a town; a municipality-only answer is a last resort.
        if let Some(best) = gazetteer.geocode(query)
            && !found.iter().any(|c| c.lat == best.lat && c.lon == best.lon)
            && limit > 0
        {
            if best.precision == LocationPrecision::Town {
                found.insert(0, best);
                found.truncate(limit);
            } else if found.is_empty() {
                found.push(best);
            }
        }
        found
    }

    /// Facilities per kind in an area (indexed by [`FacilityKind::index`]).
    pub fn facility_counts(&self, area_code: &str) -> [usize; FacilityKind::ALL.len()] {
        self.base.counts_by_area.get(area_code).copied().unwrap_or_default()
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
