//! The Atlas: an immutable in-memory snapshot of the registry with its spatial index. Readers share
//! one `Arc<Atlas>` and never lock; a change builds a new Atlas and swaps it in ([`SharedAtlas`]).
//!
//! The Atlas holds data and what reading it needs (indexes, gazetteers, per-prefecture summaries).
//! What the layers above derive from it — analyses per parameter set, prepared tile geometry, tile
//! caches — they keep in its [`Memo`]s, which live and die with the snapshot part they depend on.

mod memo;
mod prefectures;

pub use memo::{CACHE_CAPACITY, Cache, Memo};
pub use prefectures::PrefectureSummary;
use prefectures::summarize_prefectures;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use arc_swap::ArcSwap;

use crate::geocode::several::{best_match, candidates, named_prefecture};
use crate::geocode::{Gazetteer, GeocodeMatch, TownPoint};
use crate::model::{
    Area, Facility, FacilityKind, Municipality, Needs, OpioidCatalogue, PopulationCell, PrefectureSet,
    prefecture_code_of_name, prefecture_name, prefecture_number,
};
use crate::spatial::locate::PolygonLocator;
use crate::spatial::{FacilityIndex, IndexedFacility, NearestQuery};
use crate::store::stock::PharmacyStock;
use crate::store::{Registry, SourceRecord};

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
    /// What the layers above derive from this stock snapshot (analyses whose provider set depends
    /// on stock, tiles filtered by stock).
    stock_memo: Memo,
}

/// What an import produces, with what the layers above derive from it alone.
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
    /// What the layers above derive from the registry (analyses, prepared tile geometry, tiles).
    memo: Memo,
    towns: Vec<TownPoint>,
    /// One gazetteer per imported prefecture (by number), each built from its municipalities and
    /// towns on the first address query that needs it.
    gazetteers: Vec<(u8, OnceLock<Gazetteer>)>,
}

/// The pharmacies' registrations (opioid stock and services) by facility position.
#[derive(Debug, Default)]
struct StockBook {
    version: i64,
    by_position: HashMap<usize, Arc<PharmacyStock>>,
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
            memo: Memo::default(),
            towns,
            gazetteers,
        };
        Atlas::from_parts(Arc::new(base), Arc::new(StockBook::default()))
    }

    fn from_parts(base: Arc<RegistryPart>, stock: Arc<StockBook>) -> Self {
        Atlas { base, stock, stock_memo: Memo::default() }
    }

    /// What the layers above derive from the registry part of this snapshot: kept across stock
    /// writes, dropped with the next import.
    pub fn registry_memo(&self) -> &Memo {
        &self.base.memo
    }

    /// What the layers above derive from this stock snapshot: dropped with the next stock write.
    pub fn stock_memo(&self) -> &Memo {
        &self.stock_memo
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

    /// Which facilities meet the stock part of some needs, by position; `None` when the needs do
    /// not concern stock (every facility passes).
    pub fn stock_mask(&self, criteria: &StockCriteria) -> Option<Vec<bool>> {
        if !criteria.needs.concerns_stock() {
            return None;
        }
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
        match named_prefecture(address) {
            Some(name) => prefecture_code_of_name(name)
                .and_then(|code| prefecture_number(&code))
                .and_then(|n| self.gazetteer(n))
                .into_iter()
                .collect(),
            None => self.base.gazetteers.iter().filter_map(|(n, _)| self.gazetteer(*n)).collect(),
        }
    }

    /// Where an address is: its town (大字・町丁目) point, or its municipality's, in the prefecture it
    /// names or, when it names none, the best match of every imported prefecture (see
    /// [`crate::geocode::several::best_match`]).
    pub fn geocode(&self, address: &str) -> Option<GeocodeMatch> {
        best_match(&self.gazetteers_for(address), address)
    }

    /// Places whose name starts with what was typed, or that a whole address resolves to; best
    /// first, over every prefecture the query may be in (see [`Atlas::geocode`]).
    pub fn geocode_candidates(&self, query: &str, limit: usize) -> Vec<GeocodeMatch> {
        candidates(&self.gazetteers_for(query), query, limit)
    }

    /// Facilities per kind in an area (indexed by [`FacilityKind::index`]).
    pub fn facility_counts(&self, area_code: &str) -> [usize; FacilityKind::ALL.len()] {
        self.base.counts_by_area.get(area_code).copied().unwrap_or_default()
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

#[cfg(test)]
pub(crate) mod fixtures {
    //! A registry of two prefectures for the tests of the Atlas and of the layers above it.
    use geo::{LineString, MultiPolygon, Polygon};

    use super::*;
    use crate::model::{Capability, CapabilityEntry, FacilityId, Location, LocationPrecision};
    use crate::store::Registry;

    pub(crate) fn square(lon: f64, lat: f64, size: f64) -> MultiPolygon<f64> {
        let ring =
            vec![(lon, lat), (lon + size, lat), (lon + size, lat + size), (lon, lat + size), (lon, lat)];
        MultiPolygon(vec![Polygon::new(LineString::from(ring), vec![])])
    }

    pub(crate) fn municipality(code: &str, name: &str, area: &str, lon: f64, lat: f64) -> Municipality {
        Municipality {
            code: code.into(),
            name: name.into(),
            area_code: Some(area.into()),
            geometry: square(lon, lat, 0.1),
        }
    }

    pub(crate) fn area(code: &str, pref: &str, lon: f64, lat: f64, complete: Option<bool>) -> Area {
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

    pub(crate) fn clinic(id: &str, pref: &str, area: &str, lon: f64, lat: f64, home_care: bool) -> Facility {
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

    pub(crate) fn cell(code: &str, area: &str, lon: f64, lat: f64, population: u32) -> PopulationCell {
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
    pub(crate) fn atlas() -> Atlas {
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

    pub(crate) fn set(codes: &[&str]) -> PrefectureSet {
        PrefectureSet::from_codes(codes.iter().copied()).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;
    use crate::model::LocationPrecision;

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
    }
}
