//! Exact k-nearest-neighbour search over facilities by geodesic distance, with kind and capability
//! filters applied inside the search.
//!
//! Points are indexed as ECEF coordinates on the WGS84 ellipsoid in R*-trees: one tree for all
//! facilities, one per kind and one per capability. A query walks the smallest tree that can satisfy
//! its filters in order of straight-line (chord) distance, tests the remaining filters, measures the
//! geodesic distance of each candidate, and stops as soon as the chord to the next candidate exceeds the
//! k-th best geodesic distance (or `max_m`): since a chord never exceeds the geodesic, nothing further can
//! enter the result. There are no projection seams, so the search is exact anywhere on Earth.

use rstar::RTree;
use rstar::primitives::GeomWithData;

use super::geodesy::{ecef, geodesic_distance_m};
use crate::model::{Capability, CapabilitySet, FacilityKind};

type IndexPoint = GeomWithData<[f64; 3], u32>;

/// What the index needs to know of a facility.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndexedFacility {
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lon: f64,
    /// Kind.
    pub kind: FacilityKind,
    /// Capabilities.
    pub capabilities: CapabilitySet,
}

impl From<&crate::model::Facility> for IndexedFacility {
    fn from(f: &crate::model::Facility) -> Self {
        IndexedFacility {
            lat: f.location.lat,
            lon: f.location.lon,
            kind: f.kind,
            capabilities: f.capability_set(),
        }
    }
}

/// A nearest query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NearestQuery {
    /// Origin latitude in degrees.
    pub lat: f64,
    /// Origin longitude in degrees.
    pub lon: f64,
    /// Only facilities of this kind.
    pub kind: Option<FacilityKind>,
    /// Only facilities having every one of these capabilities.
    pub needs: CapabilitySet,
    /// At most this many results.
    pub k: usize,
    /// Only facilities within this geodesic distance (metres).
    pub max_m: Option<f64>,
}

/// One result: the facility's position in the slice the index was built from, and its distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbor {
    /// Position of the facility in the input order.
    pub index: u32,
    /// Geodesic distance in metres.
    pub distance_m: f64,
}

/// The facility index. Immutable once built; cheap to query from many threads.
#[derive(Debug)]
pub struct FacilityIndex {
    facilities: Vec<IndexedFacility>,
    all: RTree<IndexPoint>,
    by_kind: Vec<RTree<IndexPoint>>,
    by_capability: Vec<RTree<IndexPoint>>,
}

impl FacilityIndex {
    /// Builds the index; `facilities[i]` is reported as `Neighbor { index: i, .. }`.
    pub fn new(facilities: Vec<IndexedFacility>) -> Self {
        let points: Vec<IndexPoint> = facilities
            .iter()
            .enumerate()
            .map(|(i, f)| GeomWithData::new(ecef(f.lat, f.lon), i as u32))
            .collect();
        let subset = |keep: &dyn Fn(&IndexedFacility) -> bool| {
            RTree::bulk_load(points.iter().filter(|p| keep(&facilities[p.data as usize])).copied().collect())
        };
        let by_kind = FacilityKind::ALL.iter().map(|kind| subset(&|f| f.kind == *kind)).collect();
        let by_capability =
            Capability::ALL.iter().map(|cap| subset(&|f| f.capabilities.contains(*cap))).collect();
        FacilityIndex { all: RTree::bulk_load(points), by_kind, by_capability, facilities }
    }

    /// Number of indexed facilities.
    pub fn len(&self) -> usize {
        self.facilities.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.facilities.is_empty()
    }

    /// The nearest facilities matching the query, nearest first (ties broken by input position).
    pub fn nearest(&self, query: &NearestQuery) -> Vec<Neighbor> {
        self.nearest_where(query, |_| true)
    }

    /// Like [`FacilityIndex::nearest`], with one more condition on the facility at each input
    /// position (e.g. "holds this opioid in stock"), tested inside the search like the others, so
    /// that `k` results come back whenever `k` facilities qualify.
    pub fn nearest_where(&self, query: &NearestQuery, accept: impl Fn(u32) -> bool) -> Vec<Neighbor> {
        if query.k == 0 {
            return Vec::new();
        }
        let origin = ecef(query.lat, query.lon);
        let max_m = query.max_m.unwrap_or(f64::INFINITY);
        let mut best: Vec<Neighbor> = Vec::with_capacity(query.k + 1);
        for (candidate, chord2) in self.smallest_tree(query).nearest_neighbor_iter_with_distance_2(&origin) {
            let chord = chord2.sqrt();
            if chord > max_m {
                break;
            }
            if best.len() == query.k && chord > best[query.k - 1].distance_m {
                break;
            }
            let index = candidate.data;
            let facility = &self.facilities[index as usize];
            if query.kind.is_some_and(|k| k != facility.kind)
                || !facility.capabilities.contains_all(query.needs)
                || !accept(index)
            {
                continue;
            }
            let distance_m = geodesic_distance_m(query.lat, query.lon, facility.lat, facility.lon);
            if distance_m > max_m {
                continue;
            }
            let neighbor = Neighbor { index, distance_m };
            let at = best.partition_point(|b| (b.distance_m, b.index) < (distance_m, index));
            if at < query.k {
                best.insert(at, neighbor);
                best.truncate(query.k);
            }
        }
        best
    }

    /// The tree with the fewest points among those that hold every facility the query can accept.
    fn smallest_tree(&self, query: &NearestQuery) -> &RTree<IndexPoint> {
        let kind_tree = query.kind.map(|k| &self.by_kind[k.index()]);
        let capability_trees = query.needs.iter().map(|c| &self.by_capability[c as usize]);
        kind_tree.into_iter().chain(capability_trees).min_by_key(|t| t.size()).unwrap_or(&self.all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn facility(lat: f64, lon: f64, kind: FacilityKind, caps: &[Capability]) -> IndexedFacility {
        IndexedFacility { lat, lon, kind, capabilities: caps.iter().copied().collect() }
    }

    fn query(lat: f64, lon: f64, k: usize) -> NearestQuery {
        NearestQuery { lat, lon, kind: None, needs: CapabilitySet::EMPTY, k, max_m: None }
    }

    /// Every facility's distance, filtered and sorted the slow way.
    fn brute_force(facilities: &[IndexedFacility], q: &NearestQuery) -> Vec<Neighbor> {
        let mut all: Vec<Neighbor> = facilities
            .iter()
            .enumerate()
            .filter(|(_, f)| q.kind.is_none_or(|k| k == f.kind) && f.capabilities.contains_all(q.needs))
            .map(|(i, f)| Neighbor {
                index: i as u32,
                distance_m: geodesic_distance_m(q.lat, q.lon, f.lat, f.lon),
            })
            .filter(|n| q.max_m.is_none_or(|m| n.distance_m <= m))
            .collect();
        all.sort_by(|a, b| (a.distance_m, a.index).partial_cmp(&(b.distance_m, b.index)).unwrap());
        all.truncate(q.k);
        all
    }

    mod basics {
        use super::*;

        #[test]
        fn empty_index_and_zero_k() {
            let index = FacilityIndex::new(vec![]);
            assert!(index.is_empty());
            assert!(index.nearest(&query(32.8, 130.7, 5)).is_empty());
            let index = FacilityIndex::new(vec![facility(32.8, 130.7, FacilityKind::Clinic, &[])]);
            assert!(index.nearest(&query(32.8, 130.7, 0)).is_empty());
        }

        #[test]
        fn nearest_first_with_filters_inside_the_search() {
            let facilities = vec![
                facility(32.80, 130.70, FacilityKind::Clinic, &[]),
                facility(32.81, 130.70, FacilityKind::Clinic, &[Capability::HomeCareSupport]),
                facility(32.90, 130.70, FacilityKind::Hospital, &[Capability::HomeCareSupport]),
                facility(
                    33.50,
                    130.70,
                    FacilityKind::Clinic,
                    &[Capability::HomeCareSupport, Capability::CancerPain],
                ),
            ];
            let index = FacilityIndex::new(facilities);
            let got: Vec<u32> = index.nearest(&query(32.80, 130.70, 10)).iter().map(|n| n.index).collect();
            assert_eq!(got, vec![0, 1, 2, 3]);

            let mut q = query(32.80, 130.70, 1);
            q.needs = [Capability::HomeCareSupport].into_iter().collect();
            assert_eq!(index.nearest(&q)[0].index, 1, "a fixed k is never post-filtered");

            q.kind = Some(FacilityKind::Hospital);
            assert_eq!(index.nearest(&q)[0].index, 2);

            let mut q = query(32.80, 130.70, 5);
            q.needs = [Capability::HomeCareSupport, Capability::CancerPain].into_iter().collect();
            assert_eq!(
                index.nearest(&q).iter().map(|n| n.index).collect::<Vec<_>>(),
                vec![3],
                "all needs must hold"
            );
        }

        #[test]
        fn an_extra_condition_is_applied_inside_the_search() {
            let facilities: Vec<IndexedFacility> = (0..10)
                .map(|i| facility(32.8 + f64::from(i) * 0.01, 130.7, FacilityKind::Pharmacy, &[]))
                .collect();
            let index = FacilityIndex::new(facilities);
            let odd: Vec<u32> =
                index.nearest_where(&query(32.8, 130.7, 3), |i| i % 2 == 1).iter().map(|n| n.index).collect();
            assert_eq!(odd, vec![1, 3, 5]);
            assert!(index.nearest_where(&query(32.8, 130.7, 3), |_| false).is_empty());
        }

        #[test]
        fn max_distance_is_inclusive_and_geodesic() {
            let facilities = vec![
                facility(32.80, 130.70, FacilityKind::Clinic, &[]),
                facility(32.95, 130.70, FacilityKind::Clinic, &[]),
            ];
            let d = geodesic_distance_m(32.80, 130.70, 32.95, 130.70);
            let index = FacilityIndex::new(facilities);
            let mut q = query(32.80, 130.70, 5);
            q.max_m = Some(d);
            assert_eq!(index.nearest(&q).len(), 2, "a facility exactly at max_m is included");
            q.max_m = Some(d - 0.001);
            assert_eq!(index.nearest(&q).len(), 1);
        }

        #[test]
        fn ties_break_by_input_order() {
            let facilities = vec![facility(32.9, 130.7, FacilityKind::Clinic, &[]); 4];
            let index = FacilityIndex::new(facilities);
            let got: Vec<u32> = index.nearest(&query(32.8, 130.7, 3)).iter().map(|n| n.index).collect();
            assert_eq!(got, vec![0, 1, 2]);
        }

        #[test]
        fn works_across_the_antimeridian_and_poles() {
            let facilities = vec![
                facility(0.0, 179.99, FacilityKind::Clinic, &[]),
                facility(0.0, -179.99, FacilityKind::Clinic, &[]),
                facility(0.0, 170.0, FacilityKind::Clinic, &[]),
                facility(89.99, 0.0, FacilityKind::Clinic, &[]),
            ];
            let index = FacilityIndex::new(facilities.clone());
            let q = query(0.0, -179.999, 2);
            assert_eq!(index.nearest(&q), brute_force(&facilities, &q));
            let q = query(89.999, 120.0, 1);
            assert_eq!(index.nearest(&q)[0].index, 3);
        }
    }

    fn arb_kind() -> impl Strategy<Value = FacilityKind> {
        (0..FacilityKind::ALL.len()).prop_map(|i| FacilityKind::ALL[i])
    }

    fn arb_caps() -> impl Strategy<Value = CapabilitySet> {
        proptest::collection::vec(0..Capability::ALL.len(), 0..3)
            .prop_map(|v| v.into_iter().map(|i| Capability::ALL[i]).collect())
    }

    fn arb_facility() -> impl Strategy<Value = IndexedFacility> {
        // Mostly Kumamoto-sized clusters, sometimes anywhere on Earth.
        prop_oneof![
            4 => (32.0..33.3f64, 129.9..131.4f64),
            1 => (-89.0..89.0f64, -180.0..180.0f64),
        ]
        .prop_flat_map(|(lat, lon)| (Just(lat), Just(lon), arb_kind(), arb_caps()))
        .prop_map(|(lat, lon, kind, capabilities)| IndexedFacility { lat, lon, kind, capabilities })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn equals_brute_force(
            facilities in proptest::collection::vec(arb_facility(), 0..300),
            lat in 31.5..33.8f64,
            lon in 129.5..131.8f64,
            k in 1usize..12,
            kind in proptest::option::of(arb_kind()),
            needs in arb_caps(),
            max_km in proptest::option::of(1.0..200.0f64),
        ) {
            let q = NearestQuery { lat, lon, kind, needs, k, max_m: max_km.map(|m| m * 1000.0) };
            let index = FacilityIndex::new(facilities.clone());
            prop_assert_eq!(index.nearest(&q), brute_force(&facilities, &q));
        }
    }
}
