//! The analyses of a snapshot, computed once per parameter set and kept with it.
//!
//! An analysis that does not depend on pharmacy stock is kept with the snapshot's registry part
//! (it survives stock writes); one whose provider set depends on stock is kept with the stock
//! snapshot and re-evaluated every hour, so that entries crossing the 30-day staleness line count
//! within the hour. Both go when the snapshot goes: a result is never served for other data.

use std::sync::Arc;

use super::access::{AccessError, Decay};
use super::area_access::{
    AccessParams, AccessTable, AreaAccessibility, DemandMeasure, SupplyMeasure, area_accessibility,
};
use super::coverage::{self, Coverage, CoverageParams, CoverageTable, Part, ProviderSet};
use crate::atlas::{Atlas, Cache, StockCriteria, now_unix};
use crate::model::{Area, PrefectureSet};

/// Coverage of every area for a provider set (see [`coverage::compute`]), computed once per
/// parameter set and snapshot (per stock snapshot and hour when the set depends on stock).
pub fn coverage(atlas: &Atlas, params: &CoverageParams) -> Arc<Coverage> {
    coverage_at(atlas, params, now_unix())
}

/// The coverage table of some prefectures: their areas' rows of [`coverage`] and a total over
/// exactly their cells and their providers of the set. Cached per parameter set and prefectures,
/// and computed from the cached coverage (no distance is measured again).
pub fn coverage_in(atlas: &Atlas, params: &CoverageParams, prefectures: PrefectureSet) -> Arc<CoverageTable> {
    let now = now_unix();
    let compute = || {
        let full = coverage_at(atlas, params, now);
        let mask = atlas.stock_mask(&criteria(&params.providers, now));
        let (area, cell, facility) = part_tests(atlas, prefectures);
        let part = Part { area: &area, cell: &cell, facility: &facility };
        coverage::restrict(
            &full,
            atlas.cells(),
            atlas.facilities(),
            atlas.areas(),
            params,
            mask.as_deref(),
            &part,
        )
    };
    let key = (CoverageKey::of(params), prefectures);
    if params.providers.concerns_stock() {
        stock_caches(atlas).coverage_tables.get_or_compute(StockKey { key, hour: now / 3600 }, compute)
    } else {
        registry_caches(atlas).coverage_tables.get_or_compute(key, compute)
    }
}

/// E2SFCA accessibility of a provider set per cell and area, computed once per parameter set and
/// snapshot.
pub fn access(atlas: &Atlas, params: &AccessParams) -> Arc<Result<AreaAccessibility, AccessError>> {
    access_at(atlas, params, now_unix())
}

/// The accessibility table of some prefectures: their areas' rows of [`access`] and a total over
/// exactly their cells, with their providers counted. Cached per parameter set and prefectures, and
/// computed from the cached scores.
pub fn access_in(
    atlas: &Atlas,
    params: &AccessParams,
    prefectures: PrefectureSet,
) -> Arc<Result<AccessTable, AccessError>> {
    let now = now_unix();
    let compute = || {
        let full = access_at(atlas, params, now);
        let full = full.as_ref().as_ref().map_err(Clone::clone)?;
        let mask = atlas.stock_mask(&criteria(&params.providers, now));
        let (area, cell, facility) = part_tests(atlas, prefectures);
        let part = Part { area: &area, cell: &cell, facility: &facility };
        super::area_access::restrict(
            full,
            atlas.cells(),
            atlas.facilities(),
            atlas.areas(),
            params,
            mask.as_deref(),
            &part,
        )
    };
    let key = (AccessKey::of(params), prefectures);
    if params.providers.concerns_stock() {
        stock_caches(atlas).access_tables.get_or_compute(StockKey { key, hour: now / 3600 }, compute)
    } else {
        registry_caches(atlas).access_tables.get_or_compute(key, compute)
    }
}

fn coverage_at(atlas: &Atlas, params: &CoverageParams, now: i64) -> Arc<Coverage> {
    let key = CoverageKey::of(params);
    let compute = |mask: Option<Vec<bool>>| {
        coverage::compute(
            atlas.cells(),
            atlas.facilities(),
            atlas.index(),
            atlas.areas(),
            params,
            mask.as_deref(),
        )
    };
    if !params.providers.concerns_stock() {
        return registry_caches(atlas).coverage.get_or_compute(key, || compute(None));
    }
    stock_caches(atlas).coverage.get_or_compute(StockKey { key, hour: now / 3600 }, || {
        compute(atlas.stock_mask(&criteria(&params.providers, now)))
    })
}

fn access_at(atlas: &Atlas, params: &AccessParams, now: i64) -> Arc<Result<AreaAccessibility, AccessError>> {
    let key = AccessKey::of(params);
    let compute = |mask: Option<Vec<bool>>| {
        area_accessibility(atlas.cells(), atlas.facilities(), atlas.areas(), params, mask.as_deref())
    };
    if !params.providers.concerns_stock() {
        return registry_caches(atlas).access.get_or_compute(key, || compute(None));
    }
    stock_caches(atlas).access.get_or_compute(StockKey { key, hour: now / 3600 }, || {
        compute(atlas.stock_mask(&criteria(&params.providers, now)))
    })
}

/// The stock part of a provider set, judged at `now`.
fn criteria(providers: &ProviderSet, now: i64) -> StockCriteria<'_> {
    StockCriteria { needs: &providers.needs, include_stale: providers.include_stale, now_unix: now }
}

/// Which areas, cells (by position) and facilities (by position) belong to some prefectures.
fn part_tests(
    atlas: &Atlas,
    prefectures: PrefectureSet,
) -> (impl Fn(&Area) -> bool, impl Fn(usize) -> bool + '_, impl Fn(usize) -> bool + '_) {
    (
        move |a: &Area| prefectures.contains_code(&a.pref_code),
        move |i: usize| atlas.cell_in(i, prefectures),
        move |i: usize| atlas.facilities().get(i).is_some_and(|f| prefectures.contains_code(&f.pref_code)),
    )
}

/// The analyses kept with the registry part of a snapshot.
#[derive(Debug, Default)]
struct RegistryCaches {
    coverage: Cache<CoverageKey, Coverage>,
    coverage_tables: Cache<(CoverageKey, PrefectureSet), CoverageTable>,
    access: Cache<AccessKey, Result<AreaAccessibility, AccessError>>,
    access_tables: Cache<(AccessKey, PrefectureSet), Result<AccessTable, AccessError>>,
}

/// The analyses kept with one stock snapshot (those whose provider set depends on stock).
#[derive(Debug, Default)]
struct StockCaches {
    coverage: Cache<StockKey<CoverageKey>, Coverage>,
    coverage_tables: Cache<StockKey<(CoverageKey, PrefectureSet)>, CoverageTable>,
    access: Cache<StockKey<AccessKey>, Result<AreaAccessibility, AccessError>>,
    access_tables: Cache<StockKey<(AccessKey, PrefectureSet)>, Result<AccessTable, AccessError>>,
}

fn registry_caches(atlas: &Atlas) -> Arc<RegistryCaches> {
    atlas.registry_memo().get_or_init(RegistryCaches::default)
}

fn stock_caches(atlas: &Atlas) -> Arc<StockCaches> {
    atlas.stock_memo().get_or_init(StockCaches::default)
}

/// A stock-dependent cache key: the parameters and the hour they were evaluated in, so that entries
/// crossing the 30-day staleness line are re-evaluated within the hour.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct StockKey<K> {
    key: K,
    hour: i64,
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

/// Accessibility parameters as a hashable key (numbers by their bit patterns).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct AccessKey {
    providers: ProviderSet,
    catchment_bits: u64,
    decay: Option<[u64; 3]>,
    supply: SupplyMeasure,
    demand: DemandMeasure,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atlas::fixtures::*;
    use crate::model::Capability;

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
            let all = coverage(&atlas, &params());
            let kumamoto = coverage_in(&atlas, &params(), set(&["43"]));
            assert_eq!(kumamoto.areas, all.areas[1..]);
            let t = &kumamoto.total;
            assert_eq!((t.population, t.cells, t.providers, t.census_population), (200, 3, 1, Some(2000)));
            assert_eq!(t.covered_population, 100, "c3 is 40 km from k1, k2 is no home-care clinic");
            let fukuoka = coverage_in(&atlas, &params(), set(&["40"]));
            assert_eq!(fukuoka.areas[0].covered_share, None, "no mesh: no share, never 0 %");
            assert_eq!((fukuoka.total.population, fukuoka.total.providers), (0, 1));
            assert_eq!(fukuoka.total.population_complete, Some(false));
            // Cached: the same table again, not a new one.
            assert!(Arc::ptr_eq(&kumamoto, &coverage_in(&atlas, &params(), set(&["43"]))));
            let both = coverage_in(&atlas, &params(), set(&["40", "43"]));
            assert_eq!((&both.areas, both.total.population), (&all.areas, all.total.population));
        }
    }
}
