//! Which polygon a point lies in: point-in-polygon over an R-tree of polygon parts.
//!
//! Municipalities like 天草市 consist of some 1,500 islands; indexing every part's bounding box
//! (rather than one box per municipality) keeps a lookup to the few parts near the point.

use geo::{BoundingRect, Coord, Distance, Geodesic, Intersects, MultiPolygon, Point, Polygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

/// An R-tree entry: a part's bounding box with (item index, part index).
type PartBox = GeomWithData<Rectangle<[f64; 2]>, (usize, usize)>;

/// Smallest length of one degree of latitude on the WGS84 ellipsoid (at the equator), in metres;
/// dividing by it gives the largest latitude span a distance can cover.
const MIN_METRES_PER_DEGREE_LAT: f64 = 110_574.0;

/// Length of one degree of longitude at the equator on a sphere of the WGS84 equatorial radius,
/// in metres; the ellipsoid's parallels are slightly longer, so this errs on the wide side.
const METRES_PER_DEGREE_LON_EQUATOR: f64 = 111_319.0;

/// Finds the polygon containing a point among keyed (multi)polygons in lon/lat degrees.
///
/// Coordinates are JGD2011/WGS84 longitude and latitude; polygons crossing the antimeridian are not
/// supported (Japan lies far from it).
#[derive(Debug, Clone)]
pub struct PolygonLocator<K> {
    items: Vec<(K, MultiPolygon<f64>)>,
    tree: RTree<PartBox>,
}

impl<K: Ord> PolygonLocator<K> {
    /// Indexes every polygon part of every item. Empty parts are ignored.
    pub fn new(items: Vec<(K, MultiPolygon<f64>)>) -> Self {
        let boxes = items
            .iter()
            .enumerate()
            .flat_map(|(i, (_, geometry))| geometry.iter().enumerate().map(move |(j, part)| (i, j, part)))
            .filter_map(|(i, j, part)| {
                let rect = part.bounding_rect()?;
                let (min, max) = (rect.min(), rect.max());
                Some(PartBox::new(Rectangle::from_corners([min.x, min.y], [max.x, max.y]), (i, j)))
            })
            .collect();
        PolygonLocator { items, tree: RTree::bulk_load(boxes) }
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The key of the polygon containing the point; a point on a boundary counts as inside. Where
    /// polygons overlap (or share the boundary the point is on) the lowest key wins, so the answer
    /// does not depend on the order of the items.
    pub fn locate(&self, lon: f64, lat: f64) -> Option<&K> {
        if !(lon.is_finite() && lat.is_finite()) {
            return None;
        }
        let point = Point::new(lon, lat);
        self.tree
            .locate_all_at_point(&[lon, lat])
            .filter(|entry| self.part(entry).intersects(&point))
            .map(|entry| &self.items[entry.data.0].0)
            .min()
    }

    /// The polygon nearest to the point, with its geodesic distance in metres, when that distance
    /// is at most `max_m`. A point inside a polygon is at distance 0 from it; otherwise the
    /// distance is to the nearest boundary (a hole's boundary included). Meant for coastal points
    /// just outside every polygon. Ties go to the lowest key.
    pub fn nearest_within(&self, lon: f64, lat: f64, max_m: f64) -> Option<(&K, f64)> {
        if !(lon.is_finite() && lat.is_finite() && max_m >= 0.0) {
            return None;
        }
        if let Some(key) = self.locate(lon, lat) {
            return Some((key, 0.0));
        }
        let envelope = search_envelope(lon, lat, max_m);
        let origin = Point::new(lon, lat);
        let cos_lat = lat.to_radians().cos();
        let mut best: Option<(f64, &K)> = None;
        for entry in self.tree.locate_in_envelope_intersecting(&envelope) {
            let Some(closest) = closest_boundary_point(self.part(entry), lon, lat, cos_lat) else {
                continue;
            };
            let metres = Geodesic.distance(origin, Point::from(closest));
            let key = &self.items[entry.data.0].0;
            let better = match best {
                None => true,
                Some((d, k)) => metres < d || (metres == d && key < k),
            };
            if metres <= max_m && better {
                best = Some((metres, key));
            }
        }
        best.map(|(metres, key)| (key, metres))
    }

    fn part(&self, entry: &PartBox) -> &Polygon<f64> {
        let (item, part) = entry.data;
        &self.items[item].1.0[part]
    }
}

/// A lon/lat box certain to contain every point within `max_m` metres of (lon, lat).
fn search_envelope(lon: f64, lat: f64, max_m: f64) -> AABB<[f64; 2]> {
    // 1 % margin over the bounds of degree lengths, for the approximations below.
    let dlat = max_m / MIN_METRES_PER_DEGREE_LAT * 1.01;
    let poleward = (lat.abs() + dlat).min(90.0);
    let dlon = if poleward >= 89.0 {
        180.0
    } else {
        (max_m / (METRES_PER_DEGREE_LON_EQUATOR * poleward.to_radians().cos()) * 1.01).min(180.0)
    };
    AABB::from_corners([lon - dlon, lat - dlat], [lon + dlon, lat + dlat])
}

/// The point of the polygon's rings nearest to (lon, lat), found in a local equirectangular
/// projection (longitude scaled by cos(lat)), which over the few kilometres searched picks the same
/// segment as the ellipsoid would. `None` for a polygon without segments.
fn closest_boundary_point(polygon: &Polygon<f64>, lon: f64, lat: f64, cos_lat: f64) -> Option<Coord<f64>> {
    let mut best: Option<(f64, Coord<f64>)> = None;
    for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
        for line in ring.lines() {
            // Projected coordinates relative to the query point.
            let (ax, ay) = ((line.start.x - lon) * cos_lat, line.start.y - lat);
            let (bx, by) = ((line.end.x - lon) * cos_lat, line.end.y - lat);
            let (dx, dy) = (bx - ax, by - ay);
            let length2 = dx * dx + dy * dy;
            let t = if length2 > 0.0 { (-(ax * dx + ay * dy) / length2).clamp(0.0, 1.0) } else { 0.0 };
            let (px, py) = (ax + t * dx, ay + t * dy);
            let d2 = px * px + py * py;
            if best.is_none_or(|(b, _)| d2 < b) {
                let coord = Coord {
                    x: line.start.x + t * (line.end.x - line.start.x),
                    y: line.start.y + t * (line.end.y - line.start.y),
                };
                best = Some((d2, coord));
            }
        }
    }
    best.map(|(_, coord)| coord)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, polygon};

    /// A square [x0, x0+size] × [y0, y0+size].
    fn square(x0: f64, y0: f64, size: f64) -> Polygon<f64> {
        polygon![
            (x: x0, y: y0),
            (x: x0 + size, y: y0),
            (x: x0 + size, y: y0 + size),
            (x: x0, y: y0 + size),
        ]
    }

    /// Two adjacent 0.1° squares near Kumamoto, "a" with a hole, and a 2-part "c" further east.
    fn locator() -> PolygonLocator<&'static str> {
        let mut a = square(130.0, 32.0, 0.1);
        a.interiors_push(LineString::from(vec![
            (130.04, 32.04),
            (130.06, 32.04),
            (130.06, 32.06),
            (130.04, 32.06),
        ]));
        let b = square(130.1, 32.0, 0.1);
        let c = MultiPolygon::new(vec![square(131.0, 32.0, 0.01), square(131.1, 32.0, 0.01)]);
        PolygonLocator::new(vec![
            ("b", MultiPolygon::new(vec![b])),
            ("a", MultiPolygon::new(vec![a])),
            ("c", c),
        ])
    }

    mod locate {
        use super::*;

        #[test]
        fn inside() {
            let l = locator();
            assert_eq!(l.locate(130.02, 32.02), Some(&"a"));
            assert_eq!(l.locate(130.15, 32.05), Some(&"b"));
            assert_eq!(l.locate(131.105, 32.005), Some(&"c"), "second part of a multipolygon");
        }

        #[test]
        fn on_an_edge_counts_as_inside_and_a_shared_edge_goes_to_the_lowest_key() {
            let l = locator();
            assert_eq!(l.locate(130.0, 32.05), Some(&"a"), "outer edge");
            assert_eq!(l.locate(130.1, 32.05), Some(&"a"), "edge shared by a and b");
            assert_eq!(l.locate(130.2, 32.1), Some(&"b"), "corner");
            assert_eq!(l.locate(130.04, 32.05), Some(&"a"), "edge of the hole");
        }

        #[test]
        fn in_a_hole_or_outside_is_none() {
            let l = locator();
            assert_eq!(l.locate(130.05, 32.05), None);
            assert_eq!(l.locate(130.5, 32.05), None);
            assert_eq!(l.locate(131.05, 32.005), None, "between the parts of c, inside its bbox");
        }

        #[test]
        fn overlapping_polygons_give_the_lowest_key_whatever_the_order() {
            for items in [
                vec![
                    (2, MultiPolygon::new(vec![square(0.0, 0.0, 2.0)])),
                    (1, MultiPolygon::new(vec![square(1.0, 1.0, 2.0)])),
                ],
                vec![
                    (1, MultiPolygon::new(vec![square(1.0, 1.0, 2.0)])),
                    (2, MultiPolygon::new(vec![square(0.0, 0.0, 2.0)])),
                ],
            ] {
                let l = PolygonLocator::new(items);
                assert_eq!(l.locate(1.5, 1.5), Some(&1));
                assert_eq!(l.locate(0.5, 0.5), Some(&2));
            }
        }

        #[test]
        fn degenerate_input() {
            let empty: PolygonLocator<u8> = PolygonLocator::new(Vec::new());
            assert!(empty.is_empty());
            assert_eq!(empty.locate(130.0, 32.0), None);
            assert_eq!(empty.nearest_within(130.0, 32.0, 1e6), None);
            let l = locator();
            assert_eq!(l.len(), 3);
            assert_eq!(l.locate(f64::NAN, 32.0), None);
            assert_eq!(l.locate(130.02, f64::INFINITY), None);
            let no_parts = PolygonLocator::new(vec![(1, MultiPolygon::<f64>::new(Vec::new()))]);
            assert_eq!(no_parts.locate(0.0, 0.0), None);
        }
    }

    mod nearest_within {
        use super::*;

        /// Metres per 0.001° of longitude at 32.05°N (geodesic, WGS84) ≈ 94.5 m.
        fn east_of(lon: f64, metres_per_milli_degree: f64, metres: f64) -> f64 {
            lon + metres / metres_per_milli_degree * 0.001
        }

        #[test]
        fn inside_is_distance_zero() {
            assert_eq!(locator().nearest_within(130.02, 32.02, 100.0), Some((&"a", 0.0)));
        }

        #[test]
        fn just_outside_finds_the_nearest_boundary_within_the_limit() {
            let l = locator();
            let per_milli = Geodesic.distance(Point::new(130.2, 32.05), Point::new(130.201, 32.05));
            let lon = east_of(130.2, per_milli, 250.0);
            let (key, metres) = l.nearest_within(lon, 32.05, 300.0).expect("250 m from b");
            assert_eq!(*key, "b");
            assert!((metres - 250.0).abs() < 0.5, "{metres}");
            assert_eq!(l.nearest_within(lon, 32.05, 200.0), None, "beyond the limit");
        }

        #[test]
        fn in_a_hole_measures_to_the_hole_boundary() {
            let l = locator();
            let (key, metres) = l.nearest_within(130.05, 32.05, 5_000.0).expect("hole edge is ~1 km");
            assert_eq!(*key, "a");
            // The hole is 0.02° square: its east and west edges (0.01° of longitude) are nearer than
            // its north and south ones (0.01° of latitude).
            let expected = Geodesic.distance(Point::new(130.05, 32.05), Point::new(130.06, 32.05));
            assert!((metres - expected).abs() < 1.0, "{metres} vs {expected}");
        }

        #[test]
        fn north_of_a_corner_uses_the_corner() {
            let l = locator();
            let (key, metres) = l.nearest_within(130.25, 32.15, 10_000.0).expect("corner of b");
            assert_eq!(*key, "b");
            let expected = Geodesic.distance(Point::new(130.25, 32.15), Point::new(130.2, 32.1));
            assert!((metres - expected).abs() < 1.0, "{metres} vs {expected}");
        }

        #[test]
        fn bad_limits_give_none() {
            let l = locator();
            assert_eq!(l.nearest_within(130.25, 32.05, -1.0), None);
            assert_eq!(l.nearest_within(130.25, 32.05, f64::NAN), None);
            assert_eq!(l.nearest_within(f64::NAN, 32.05, 100.0), None);
        }
    }

    mod real_data {
        use super::*;
        use crate::ingest::CsvTable;
        use crate::ingest::ksj::read_n03;

        #[test]
        fn kumamoto_hospitals_locate_in_their_coded_municipality() {
            let dir = crate::test_data_dir();
            let boundaries = read_n03(
                &dir.join("03_municipality_boundaries/N03-22_220101_43_kumamoto_municipalities.geojson"),
                "municipality_boundaries",
                "43",
            )
            .expect("readable N03");
            let names: std::collections::HashMap<String, String> =
                boundaries.records.iter().map(|b| (b.code.clone(), b.name.clone())).collect();
            let locator =
                PolygonLocator::new(boundaries.records.into_iter().map(|b| (b.code, b.geometry)).collect());
            let table =
                CsvTable::open(&dir.join("01_mhlw_facilities/hospital_facility_20250601_43_kumamoto.csv"))
                    .expect("readable hospitals");
            let [pref, muni, lat, lon, name] =
                ["都道府県コード", "市区町村コード", "所在地座標（緯度）", "所在地座標（経度）", "正式名称"]
                    .map(|c| table.column(c).expect("hospital column"));
            assert_eq!(table.rows.len(), 199);
            let mut in_coded = 0;
            for row in &table.rows {
                let coded = format!("{}{}", row.get(pref), row.get(muni));
                let (lat, lon): (f64, f64) =
                    (row.get(lat).parse().expect("latitude"), row.get(lon).parse().expect("longitude"));
                let found =
                    locator.locate(lon, lat).unwrap_or_else(|| panic!("line {} outside Kumamoto", row.line));
                if *found == coded {
                    in_coded += 1;
                } else {
                    eprintln!(
                        "line {}: {} coded {coded} {} lies in {found} {}",
                        row.line,
                        row.get(name),
                        names.get(&coded).map_or("?", String::as_str),
                        names[found]
                    );
                }
            }
            assert!(in_coded >= 197, "{in_coded} of 199 in their coded municipality");
        }
    }
}
