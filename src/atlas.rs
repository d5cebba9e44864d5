//! The Atlas: an immutable in-memory snapshot of the registry with its spatial index. Readers share
//! one `Arc<Atlas>` and never lock; a change builds a new Atlas and swaps it in ([`SharedAtlas`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use arc_swap::ArcSwap;

use crate::analysis::access::{AccessError, Decay};
use crate::analysis::area_access::AccessTable;
use crate::analysis::area_access::{
    AccessParams, AreaAccessibility, DemandMeasure, SupplyMeasure, area_accessibility,
};
use crate::analysis::coverage::{self, Coverage, CoverageParams, CoverageTable, Part, ProviderSet};
use crate::geocode::{Gazetteer, GeocodeMatch, TownPoint, match_key, normalize_address, split_prefecture};
use crate::model::{
    Area, Facility, FacilityKind, LocationPrecision, Municipality, Needs, OpioidCatalogue, PopulationCell,
    PrefectureSet, prefecture_code_of_name, prefecture_name, prefecture_name_en, prefecture_number,
};
use crate::spatial::locate::PolygonLocator;
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
    /// Only facilities of these prefectures.
    pub prefectures: Option<PrefectureSet>,
}

impl FacilityFilter {
    fn accepts(&self, f: &Facility) -> bool {
        self.kind.is_none_or(|k| k == f.kind)
            && self.prefectures.is_none_or(|p| p.contains_code(&f.pref_code))
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
    stock_coverage_table_cache: Cache<StockKey<(CoverageKey, PrefectureSet)>, CoverageTable>,
    stock_access_cache: Cache<StockKey<AccessKey>, Result<AreaAccessibility, AccessError>>,
    stock_access_table_cache: Cache<StockKey<(AccessKey, PrefectureSet)>, Result<AccessTable, AccessError>>,
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
    /// The prefectures the registry holds (of its areas and facilities).
    imported: PrefectureSet,
    /// The prefecture number of each cell (of its area, else of its municipality; 0 for none).
    cell_prefectures: Vec<u8>,
    /// What the registry holds of each prefecture, gathered on first use.
    summaries: OnceLock<Vec<PrefectureSummary>>,
    /// The municipality polygons, indexed on the first question of which prefecture a point is in.
    municipality_locator: OnceLock<PolygonLocator<String>>,
    coverage_cache: Cache<CoverageKey, Coverage>,
    coverage_table_cache: Cache<(CoverageKey, PrefectureSet), CoverageTable>,
    access_cache: Cache<AccessKey, Result<AreaAccessibility, AccessError>>,
    access_table_cache: Cache<(AccessKey, PrefectureSet), Result<AccessTable, AccessError>>,
    tile_source: OnceLock<TileSource>,
    tile_cache: TileCache,
    towns: Vec<TownPoint>,
    /// One gazetteer per imported prefecture (by number), each built from its municipalities and
    /// towns on the first address query that needs it.
    gazetteers: Vec<(u8, OnceLock<Gazetteer>)>,
}

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

impl CoverageKey {
    fn of(params: &CoverageParams) -> Self {
        CoverageKey {
            providers: params.providers.clone(),
            radius_bits: params.radius_m.to_bits(),
            min_providers: params.min_providers,
        }
    }
}

impl AccessKey {
    fn of(params: &AccessParams) -> Self {
        AccessKey {
            providers: params.providers.clone(),
            catchment_bits: params.catchment_m.to_bits(),
            decay: match params.decay {
                Decay::Step { weights } => Some(weights.map(f64::to_bits)),
                Decay::Gaussian => None,
            },
            supply: params.supply,
            demand: params.demand,
        }
    }
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
        let imported: PrefectureSet = areas
            .iter()
            .map(|a| a.pref_code.as_str())
            .chain(facilities.iter().map(|f| f.pref_code.as_str()))
            .filter_map(prefecture_number)
            .collect();
        let area_prefectures: HashMap<&str, u8> =
            areas.iter().filter_map(|a| Some((a.code.as_str(), prefecture_number(&a.pref_code)?))).collect();
        let cell_prefectures = cells
            .iter()
            .map(|c| {
                let by_area = c.area_code.as_deref().and_then(|a| area_prefectures.get(a).copied());
                by_area.or_else(|| c.municipality_code.as_deref().and_then(prefecture_number)).unwrap_or(0)
            })
            .collect();
        let gazetteers = imported.numbers().map(|n| (n, OnceLock::new())).collect();
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
            imported,
            cell_prefectures,
            summaries: OnceLock::new(),
            municipality_locator: OnceLock::new(),
            coverage_cache: Cache::new(),
            coverage_table_cache: Cache::new(),
            access_cache: Cache::new(),
            access_table_cache: Cache::new(),
            tile_source: OnceLock::new(),
            tile_cache: TileCache::new(DEFAULT_CACHE_BYTES),
            towns,
            gazetteers,
        };
        Atlas::from_parts(Arc::new(base), Arc::new(StockBook::default()))
    }

    fn from_parts(base: Arc<RegistryPart>, stock: Arc<StockBook>) -> Self {
        Atlas {
            base,
            stock,
            stock_coverage_cache: Cache::new(),
            stock_coverage_table_cache: Cache::new(),
            stock_access_cache: Cache::new(),
            stock_access_table_cache: Cache::new(),
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
        self.coverage_at(params, now_unix())
    }

    fn coverage_at(&self, params: &CoverageParams, now: i64) -> Arc<Coverage> {
        let key = CoverageKey::of(params);
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

    /// The coverage table of some prefectures: their areas' rows of [`Atlas::coverage`] and a total
    /// over exactly their cells and their providers of the set. Cached per parameter set and
    /// prefectures, and computed from the cached coverage (no distance is measured again).
    pub fn coverage_in(&self, params: &CoverageParams, prefectures: PrefectureSet) -> Arc<CoverageTable> {
        let now = now_unix();
        let base = &self.base;
        let compute = || {
            let full = self.coverage_at(params, now);
            let mask = self.stock_mask(&params.providers, now);
            let (area, cell, facility) = self.part_tests(prefectures);
            let part = Part { area: &area, cell: &cell, facility: &facility };
            coverage::restrict(
                &full,
                &base.cells,
                &base.facilities,
                &base.areas,
                params,
                mask.as_deref(),
                &part,
            )
        };
        let key = (CoverageKey::of(params), prefectures);
        if params.providers.concerns_stock() {
            self.stock_coverage_table_cache.get_or_compute(StockKey { key, hour: now / 3600 }, compute)
        } else {
            base.coverage_table_cache.get_or_compute(key, compute)
        }
    }

    /// Which areas, cells (by position) and facilities (by position) belong to some prefectures.
    fn part_tests(
        &self,
        prefectures: PrefectureSet,
    ) -> (impl Fn(&Area) -> bool, impl Fn(usize) -> bool + '_, impl Fn(usize) -> bool + '_) {
        let base = &self.base;
        (
            move |a: &Area| prefectures.contains_code(&a.pref_code),
            move |i: usize| base.cell_prefectures.get(i).is_some_and(|&n| prefectures.contains(n)),
            move |i: usize| base.facilities.get(i).is_some_and(|f| prefectures.contains_code(&f.pref_code)),
        )
    }

    /// E2SFCA accessibility of a provider set per cell and area, computed once per parameter set and
    /// snapshot.
    pub fn access(&self, params: &AccessParams) -> Arc<Result<AreaAccessibility, AccessError>> {
        self.access_at(params, now_unix())
    }

    fn access_at(&self, params: &AccessParams, now: i64) -> Arc<Result<AreaAccessibility, AccessError>> {
        let key = AccessKey::of(params);
        let base = &self.base;
        if !params.providers.concerns_stock() {
            return base.access_cache.get_or_compute(key, || {
                area_accessibility(&base.cells, &base.facilities, &base.areas, params, None)
            });
        }
        self.stock_access_cache.get_or_compute(StockKey { key, hour: now / 3600 }, || {
            let mask = self.stock_mask(&params.providers, now);
            area_accessibility(&base.cells, &base.facilities, &base.areas, params, mask.as_deref())
        })
    }

    /// The accessibility table of some prefectures: their areas' rows of [`Atlas::access`] and a
    /// total over exactly their cells, with their providers counted. Cached per parameter set and
    /// prefectures, and computed from the cached scores.
    pub fn access_in(
        &self,
        params: &AccessParams,
        prefectures: PrefectureSet,
    ) -> Arc<Result<AccessTable, AccessError>> {
        let now = now_unix();
        let base = &self.base;
        let compute = || {
            let full = self.access_at(params, now);
            let full = full.as_ref().as_ref().map_err(Clone::clone)?;
            let mask = self.stock_mask(&params.providers, now);
            let (area, cell, facility) = self.part_tests(prefectures);
            let part = Part { area: &area, cell: &cell, facility: &facility };
            crate::analysis::area_access::restrict(
                full,
                &base.cells,
                &base.facilities,
                &base.areas,
                params,
                mask.as_deref(),
                &part,
            )
        };
        let key = (AccessKey::of(params), prefectures);
        if params.providers.concerns_stock() {
            self.stock_access_table_cache.get_or_compute(StockKey { key, hour: now / 3600 }, compute)
        } else {
            base.access_table_cache.get_or_compute(key, compute)
        }
    }

    /// Whether the cell at a position lies in one of some prefectures.
    pub fn cell_in(&self, position: usize, prefectures: PrefectureSet) -> bool {
        self.base.cell_prefectures.get(position).is_some_and(|&n| prefectures.contains(n))
    }

    /// The prefectures the registry holds: those of its areas and facilities.
    pub fn prefectures(&self) -> PrefectureSet {
        self.base.imported
    }

    /// What the registry holds of each of its prefectures, in code order; gathered once per
    /// snapshot.
    pub fn prefecture_summaries(&self) -> &[PrefectureSummary] {
        self.base.summaries.get_or_init(|| summarize_prefectures(&self.base))
    }

    /// The 2-digit code of the prefecture a point lies in: the municipality containing it, else one
    /// within 2 km (a coastal home just outside a simplified outline); None at sea or beyond the
    /// registry's municipalities.
    pub fn prefecture_at(&self, lat: f64, lon: f64) -> Option<&str> {
        let locator = self.base.municipality_locator.get_or_init(|| {
            PolygonLocator::new(
                self.base.municipalities.iter().map(|m| (m.code.clone(), m.geometry.clone())).collect(),
            )
        });
        let code =
            locator.locate(lon, lat).or_else(|| locator.nearest_within(lon, lat, 2_000.0).map(|(c, _)| c))?;
        code.get(..2)
    }

    /// What the registry holds of one prefecture (2-digit code).
    pub fn prefecture_summary(&self, code: &str) -> Option<&PrefectureSummary> {
        self.prefecture_summaries().iter().find(|s| s.code == code)
    }

    /// `[min_lon, min_lat, max_lon, max_lat]` of some prefectures (of every imported one with
    /// `None`): the union of their areas' bounds. None for an empty registry.
    pub fn bounds(&self, prefectures: Option<PrefectureSet>) -> Option<[f64; 4]> {
        self.prefecture_summaries()
            .iter()
            .filter(|s| prefectures.is_none_or(|p| p.contains_code(&s.code)))
            .filter_map(|s| s.bounds)
            .reduce(|a, b| [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])])
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

    /// The gazetteer of an imported prefecture (its municipalities and 大字・町丁目 points), built on
    /// first use; None for a prefecture the registry does not hold.
    pub fn gazetteer(&self, prefecture: u8) -> Option<&Gazetteer> {
        let (_, cell) = self.base.gazetteers.iter().find(|(n, _)| *n == prefecture)?;
        Some(cell.get_or_init(|| {
            let code = format!("{prefecture:02}");
            let name = prefecture_name(&code).unwrap_or_default();
            let municipalities: Vec<&Municipality> =
                self.base.municipalities.iter().filter(|m| m.code.starts_with(&code)).collect();
            let towns = self.base.towns.iter().filter(|t| t.pref == name).cloned().collect();
            Gazetteer::of(name, &municipalities, towns)
        }))
    }

    /// The gazetteers an address is looked up in: that of the prefecture it names (none when that
    /// prefecture is not imported), else every imported prefecture's.
    fn gazetteers_for(&self, address: &str) -> Vec<&Gazetteer> {
        let key = match_key(&normalize_address(address));
        match split_prefecture(&key) {
            Some((name, _)) => prefecture_code_of_name(name)
                .and_then(|code| prefecture_number(&code))
                .and_then(|n| self.gazetteer(n))
                .into_iter()
                .collect(),
            None => self.base.gazetteers.iter().filter_map(|(n, _)| self.gazetteer(*n)).collect(),
        }
    }

    /// Where an address is: its town (大字・町丁目) point, or its municipality's. An address that
    /// names its prefecture is looked up there only; one that does not, in every imported
    /// prefecture, and the best match wins. When two prefectures match equally well (a municipality
    /// name both have, e.g. 美里町 in 熊本県 and 宮城県, and no town to tell them apart) there is no
    /// answer: the address must name its prefecture.
    pub fn geocode(&self, address: &str) -> Option<GeocodeMatch> {
        let mut found: Vec<GeocodeMatch> =
            self.gazetteers_for(address).into_iter().filter_map(|g| g.geocode(address)).collect();
        found.sort_by(|a, b| b.score.total_cmp(&a.score));
        match found.as_slice() {
            [best, second, ..] if second.score == best.score => None,
            _ => found.into_iter().next(),
        }
    }

    /// Places whose name starts with what was typed, or that a whole address resolves to; best
    /// first, over every prefecture the query may be in (see [`Atlas::geocode`]).
    pub fn geocode_candidates(&self, query: &str, limit: usize) -> Vec<GeocodeMatch> {
        let lists: Vec<Vec<GeocodeMatch>> = self
            .gazetteers_for(query)
            .into_iter()
            .map(|g| candidates_of(g, query, limit))
            .filter(|l| !l.is_empty())
            .collect();
        merge_by_score(lists, limit)
    }

    /// Facilities per kind in an area (indexed by [`FacilityKind::index`]).
    pub fn facility_counts(&self, area_code: &str) -> [usize; FacilityKind::ALL.len()] {
        self.base.counts_by_area.get(area_code).copied().unwrap_or_default()
    }
}

/// One gazetteer's candidates for a query: the names it starts, led by the town a whole address
/// resolves to (a koaza point may be finer than any name it starts); a municipality-only answer is
/// a last resort.
fn candidates_of(gazetteer: &Gazetteer, query: &str, limit: usize) -> Vec<GeocodeMatch> {
    let mut found = gazetteer.candidates(query, limit);
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

/// Merges lists of candidates (each in its own order, one per prefecture) into one of at most
/// `limit`: repeatedly the head with the highest score (the first list on ties), so a single list
/// keeps its order exactly.
fn merge_by_score(lists: Vec<Vec<GeocodeMatch>>, limit: usize) -> Vec<GeocodeMatch> {
    let mut lists: Vec<std::collections::VecDeque<GeocodeMatch>> =
        lists.into_iter().map(Into::into).collect();
    let mut merged = Vec::new();
    while merged.len() < limit {
        let next = lists
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.front().map(|c| (i, c.score)))
            .reduce(|best, other| if other.1 > best.1 { other } else { best });
        let Some((i, _)) = next else { break };
        merged.extend(lists[i].pop_front());
    }
    merged
}

/// What the registry holds of each prefecture.
fn summarize_prefectures(base: &RegistryPart) -> Vec<PrefectureSummary> {
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

#[cfg(test)]
mod tests {
    use geo::{LineString, MultiPolygon, Polygon};

    use super::*;
    use crate::model::{Capability, CapabilityEntry, FacilityId, Location};

    fn square(lon: f64, lat: f64, size: f64) -> MultiPolygon<f64> {
        let ring =
            vec![(lon, lat), (lon + size, lat), (lon + size, lat + size), (lon, lat + size), (lon, lat)];
        MultiPolygon(vec![Polygon::new(LineString::from(ring), vec![])])
    }

    fn municipality(code: &str, name: &str, area: &str, lon: f64, lat: f64) -> Municipality {
        Municipality {
            code: code.into(),
            name: name.into(),
            area_code: Some(area.into()),
            geometry: square(lon, lat, 0.1),
        }
    }

    fn area(code: &str, pref: &str, lon: f64, lat: f64, complete: Option<bool>) -> Area {
        Area {
            code: code.into(),
            name: format!("圏{code}"),
            pref_code: pref.into(),
            municipality_codes: vec![],
            population: Some(1000),
            population_65plus: Some(300),
            mesh_population: complete.map(|_| 100),
            mesh_population_65plus: complete.map(|_| 30),
            population_complete: complete,
            geometry: square(lon, lat, 0.2),
        }
    }

    fn clinic(id: &str, pref: &str, area: &str, lon: f64, lat: f64, home_care: bool) -> Facility {
        Facility {
            id: FacilityId(id.into()),
            kind: FacilityKind::Clinic,
            name: id.into(),
            name_kana: None,
            address: None,
            municipality_code: None,
            area_code: Some(area.into()),
            pref_code: pref.into(),
            location: Location::new(lat, lon, LocationPrecision::Exact),
            phone: None,
            url: None,
            beds: None,
            schedule: None,
            capabilities: if home_care {
                vec![CapabilityEntry::bare(Capability::HomeCareSupport)]
            } else {
                vec![]
            },
            sources: vec![],
        }
    }

    fn cell(code: &str, area: &str, lon: f64, lat: f64, population: u32) -> PopulationCell {
        PopulationCell {
            code: code.into(),
            lat,
            lon,
            population,
            population_65plus: population / 4,
            population_75plus: population / 8,
            municipality_code: None,
            area_code: Some(area.into()),
        }
    }

    /// 熊本県 (43) with two areas and its mesh, 福岡県 (40) with one area and no mesh; both have a
    /// 美里町 (熊本県 has one; the Fukuoka one is made up, to test names in two prefectures).
    fn atlas() -> Atlas {
        let registry = Registry {
            facilities: vec![
                clinic("k1", "43", "4301", 130.5, 32.5, true),
                clinic("k2", "43", "4302", 130.9, 32.5, false),
                clinic("f1", "40", "4001", 130.5, 33.05, true),
            ],
            areas: vec![
                area("4001", "40", 130.4, 33.0, Some(false)),
                area("4301", "43", 130.4, 32.4, Some(true)),
                area("4302", "43", 130.8, 32.4, Some(true)),
            ],
            municipalities: vec![
                municipality("40202", "大牟田市", "4001", 130.4, 33.0),
                municipality("40999", "美里町", "4001", 130.5, 33.1),
                municipality("43202", "八代市", "4301", 130.4, 32.4),
                municipality("43348", "下益城郡美里町", "4302", 130.8, 32.4),
            ],
            sources: vec![],
            cells: vec![
                cell("c1", "4301", 130.5, 32.5, 60),
                cell("c2", "4301", 130.45, 32.45, 40),
                cell("c3", "4302", 130.9, 32.5, 100),
            ],
            towns: vec![],
        };
        Atlas::new(registry, 1)
    }

    fn set(codes: &[&str]) -> PrefectureSet {
        PrefectureSet::from_codes(codes.iter().copied()).unwrap()
    }

    mod prefectures {
        use super::*;

        #[test]
        fn what_each_prefecture_holds() {
            let atlas = atlas();
            assert_eq!(atlas.prefectures(), set(&["40", "43"]));
            let summaries = atlas.prefecture_summaries();
            let codes: Vec<&str> = summaries.iter().map(|s| s.code.as_str()).collect();
            assert_eq!(codes, ["40", "43"]);
            let (fukuoka, kumamoto) = (&summaries[0], &summaries[1]);
            assert_eq!((fukuoka.name, fukuoka.name_en), ("福岡県", "Fukuoka"));
            assert_eq!((fukuoka.areas, fukuoka.areas_with_complete_population), (1, 0));
            assert_eq!((fukuoka.mesh_population, fukuoka.cells, fukuoka.population), (0, 0, Some(1000)));
            assert_eq!((kumamoto.areas, kumamoto.areas_with_complete_population), (2, 2));
            assert_eq!((kumamoto.mesh_population, kumamoto.cells), (200, 3));
            assert_eq!(kumamoto.facilities[FacilityKind::Clinic.index()], 2);
            assert!(kumamoto.has_capabilities && fukuoka.has_capabilities);
            assert_eq!(kumamoto.bounds, Some([130.4, 32.4, 131.0, 32.6]));
        }

        #[test]
        fn bounds_of_a_selection_and_of_all() {
            let atlas = atlas();
            assert_eq!(atlas.bounds(Some(set(&["40"]))), Some([130.4, 33.0, 130.6, 33.2]));
            assert_eq!(atlas.bounds(None), Some([130.4, 32.4, 131.0, 33.2]));
            assert_eq!(atlas.bounds(Some(set(&["13"]))), None, "not imported");
            assert_eq!(Atlas::new(Registry::default(), 1).bounds(None), None);
            assert!(Atlas::new(Registry::default(), 1).prefecture_summaries().is_empty());
        }

        #[test]
        fn facilities_by_prefecture() {
            let atlas = atlas();
            let filter = FacilityFilter { prefectures: Some(set(&["40"])), ..FacilityFilter::default() };
            let ids: Vec<&str> = atlas.filter(&filter).map(|f| f.id.as_str()).collect();
            assert_eq!(ids, ["f1"]);
        }
    }

    mod coverage_of_prefectures {
        use super::*;

        fn params() -> CoverageParams {
            CoverageParams {
                providers: ProviderSet::of_capabilities(
                    None,
                    [Capability::HomeCareSupport].into_iter().collect(),
                ),
                radius_m: 10_000.0,
                min_providers: 1,
            }
        }

        #[test]
        fn rows_of_the_prefecture_and_a_total_of_its_own() {
            let atlas = atlas();
            let all = atlas.coverage(&params());
            let kumamoto = atlas.coverage_in(&params(), set(&["43"]));
            assert_eq!(kumamoto.areas, all.areas[1..]);
            let t = &kumamoto.total;
            assert_eq!((t.population, t.cells, t.providers, t.census_population), (200, 3, 1, Some(2000)));
            assert_eq!(t.covered_population, 100, "c3 is 40 km from k1, k2 is no home-care clinic");
            let fukuoka = atlas.coverage_in(&params(), set(&["40"]));
            assert_eq!(fukuoka.areas[0].covered_share, None, "no mesh: no share, never 0 %");
            assert_eq!((fukuoka.total.population, fukuoka.total.providers), (0, 1));
            assert_eq!(fukuoka.total.population_complete, Some(false));
            // Cached: the same table again, not a new one.
            assert!(Arc::ptr_eq(&kumamoto, &atlas.coverage_in(&params(), set(&["43"]))));
            let both = atlas.coverage_in(&params(), set(&["40", "43"]));
            assert_eq!((&both.areas, both.total.population), (&all.areas, all.total.population));
        }
    }

    mod geocoding {
        use super::*;

        #[test]
        fn the_prefecture_named_or_the_best_of_all() {
            let atlas = atlas();
            let named = atlas.geocode("福岡県大牟田市有明町2丁目3").unwrap();
            assert_eq!(
                (named.municipality_code.as_str(), named.precision),
                ("40202", LocationPrecision::Municipality)
            );
            assert_eq!(atlas.geocode("大牟田市有明町").unwrap().municipality_code, "40202");
            assert_eq!(atlas.geocode("熊本県大牟田市"), None, "not in the prefecture named");
            assert_eq!(atlas.geocode("東京都千代田区"), None, "a prefecture not imported");
            assert_eq!(atlas.geocode("八代市").unwrap().municipality_code, "43202");
        }

        #[test]
        fn a_name_of_two_prefectures_needs_its_prefecture() {
            let atlas = atlas();
            assert_eq!(atlas.geocode("美里町"), None);
            assert_eq!(atlas.geocode("熊本県美里町").unwrap().municipality_code, "43348");
            let both: Vec<String> =
                atlas.geocode_candidates("美里町", 5).into_iter().map(|c| c.municipality_code).collect();
            assert_eq!(both, ["40999", "43348"]);
            assert_eq!(atlas.geocode_candidates("美里町", 1).len(), 1);
            assert!(atlas.geocode_candidates("美里町", 0).is_empty());
        }

        #[test]
        fn merging_keeps_each_list_in_order() {
            let m = |code: &str, score: f64| GeocodeMatch {
                lat: 0.0,
                lon: 0.0,
                precision: LocationPrecision::Town,
                municipality_code: code.into(),
                municipality_name: String::new(),
                town: None,
                koaza: None,
                normalized: String::new(),
                score,
            };
            // A list led by a whole-address match scoring below the names after it stays as it is.
            let single = vec![m("a", 0.9), m("b", 1.0), m("c", 0.5)];
            assert_eq!(merge_by_score(vec![single.clone()], 5), single);
            let merged =
                merge_by_score(vec![vec![m("a", 0.9), m("c", 0.5)], vec![m("x", 0.95), m("y", 0.6)]], 3);
            let codes: Vec<&str> = merged.iter().map(|c| c.municipality_code.as_str()).collect();
            assert_eq!(codes, ["x", "a", "y"]);
            assert!(merge_by_score(vec![], 3).is_empty());
        }
    }
}
