//! What a snapshot prepares once for its tiles: every geometry projected to world coordinates
//! (normalised Web Mercator, see [`super::math`]) with bounding boxes, R-trees of the facility
//! points and census cells, and polygon simplifications per zoom (computed the first time a zoom is
//! asked for). A tile request then touches only the features whose boxes meet the tile.

use std::sync::OnceLock;

use geo::MultiPolygon;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree, RTreeObject};

use super::math::{Rect, world_from_lon_lat};
use super::simplify::simplify_ring;
use crate::model::{Area, Facility, Municipality, PopulationCell};
use crate::spatial::mesh::{CELL_LAT_DEG, CELL_LON_DEG};

/// Tile units per side.
pub const EXTENT: u32 = 4096;

/// Douglas–Peucker tolerance in tile units of the zoom simplified for.
const SIMPLIFY_TOLERANCE_UNITS: f64 = 1.0;

/// Rings smaller than this many square tile units are dropped.
pub const MIN_RING_AREA_UNITS: f64 = 1.0;

/// Zooms with their own simplification; deeper zooms use the full geometry.
pub const SIMPLIFIED_ZOOMS: u8 = 14;

/// A ring in world coordinates (open: the first point is not repeated) with its box.
#[derive(Debug, Clone)]
pub struct Ring {
    /// The points.
    pub points: Vec<[f64; 2]>,
    /// Their bounding box.
    pub bbox: Rect,
}

impl Ring {
    fn new(points: Vec<[f64; 2]>) -> Option<Ring> {
        Some(Ring { bbox: Rect::around(points.iter().copied())?, points })
    }
}

/// One polygon: an exterior ring and its holes.
#[derive(Debug, Clone)]
pub struct Polygon {
    /// The outer ring.
    pub exterior: Ring,
    /// The holes.
    pub holes: Vec<Ring>,
}

/// A polygon feature: the index of its area or municipality, its polygons and its box.
#[derive(Debug, Clone)]
pub struct PolygonFeature {
    /// Position in `Atlas::areas()` or `Atlas::municipalities()`.
    pub index: usize,
    /// The polygons.
    pub polygons: Vec<Polygon>,
    /// Their bounding box.
    pub bbox: Rect,
}

/// A polygon layer at full detail with lazily simplified copies per zoom.
#[derive(Debug)]
pub struct PolygonLayer {
    full: Vec<PolygonFeature>,
    simplified: Vec<OnceLock<Vec<PolygonFeature>>>,
}

fn world_ring(ring: &geo::LineString<f64>) -> Option<Ring> {
    let mut points: Vec<[f64; 2]> = ring.coords().map(|c| world_from_lon_lat(c.x, c.y)).collect();
    if points.len() > 1 && points.first() == points.last() {
        points.pop();
    }
    if points.len() < 3 {
        return None;
    }
    Ring::new(points)
}

fn world_feature(index: usize, geometry: &MultiPolygon<f64>) -> Option<PolygonFeature> {
    let polygons: Vec<Polygon> = geometry
        .0
        .iter()
        .filter_map(|p| {
            Some(Polygon {
                exterior: world_ring(p.exterior())?,
                holes: p.interiors().iter().filter_map(world_ring).collect(),
            })
        })
        .collect();
    let bbox = polygons.iter().map(|p| p.exterior.bbox).reduce(|a, b| a.union(&b))?;
    Some(PolygonFeature { index, polygons, bbox })
}

impl PolygonLayer {
    fn new<'a>(geometries: impl Iterator<Item = &'a MultiPolygon<f64>>) -> Self {
        let full: Vec<PolygonFeature> =
            geometries.enumerate().filter_map(|(i, g)| world_feature(i, g)).collect();
        PolygonLayer { full, simplified: (0..=SIMPLIFIED_ZOOMS).map(|_| OnceLock::new()).collect() }
    }

    /// The features as drawn at zoom `z`: simplified with a tolerance of one tile unit up to
    /// [`SIMPLIFIED_ZOOMS`], full detail beyond.
    pub fn at_zoom(&self, z: u8) -> &[PolygonFeature] {
        match self.simplified.get(usize::from(z)) {
            Some(cell) => cell.get_or_init(|| self.simplify(z)),
            None => &self.full,
        }
    }

    fn simplify(&self, z: u8) -> Vec<PolygonFeature> {
        let unit = 1.0 / (f64::from(EXTENT) * (1u64 << z) as f64);
        let (tolerance, min_area) = (SIMPLIFY_TOLERANCE_UNITS * unit, MIN_RING_AREA_UNITS * unit * unit);
        let ring = |r: &Ring| Ring::new(simplify_ring(&r.points, tolerance, min_area)?);
        self.full
            .iter()
            .filter_map(|f| {
                let polygons: Vec<Polygon> = f
                    .polygons
                    .iter()
                    .filter_map(|p| {
                        Some(Polygon {
                            exterior: ring(&p.exterior)?,
                            holes: p.holes.iter().filter_map(ring).collect(),
                        })
                    })
                    .collect();
                (!polygons.is_empty()).then_some(PolygonFeature { index: f.index, polygons, bbox: f.bbox })
            })
            .collect()
    }

    /// Vertices at full detail (for benches and logs).
    pub fn vertex_count(&self) -> usize {
        self.full
            .iter()
            .flat_map(|f| &f.polygons)
            .map(|p| p.exterior.points.len() + p.holes.iter().map(|h| h.points.len()).sum::<usize>())
            .sum()
    }
}

/// Everything a snapshot's tiles are cut from.
#[derive(Debug)]
pub struct TileSource {
    facilities: RTree<GeomWithData<[f64; 2], u32>>,
    cells: RTree<GeomWithData<Rectangle<[f64; 2]>, u32>>,
    areas: PolygonLayer,
    municipalities: PolygonLayer,
    bounds: Option<[f64; 4]>,
}

fn aabb(rect: &Rect) -> AABB<[f64; 2]> {
    AABB::from_corners(rect.min, rect.max)
}

impl TileSource {
    /// Projects and indexes a snapshot's geometry.
    pub fn new(
        facilities: &[Facility],
        areas: &[Area],
        municipalities: &[Municipality],
        cells: &[PopulationCell],
    ) -> Self {
        let points = facilities
            .iter()
            .enumerate()
            .map(|(i, f)| GeomWithData::new(world_from_lon_lat(f.location.lon, f.location.lat), i as u32))
            .collect();
        let squares = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let (dlat, dlon) = (CELL_LAT_DEG / 2.0, CELL_LON_DEG / 2.0);
                let a = world_from_lon_lat(c.lon - dlon, c.lat + dlat);
                let b = world_from_lon_lat(c.lon + dlon, c.lat - dlat);
                GeomWithData::new(Rectangle::from_corners(a, b), i as u32)
            })
            .collect();
        let areas = PolygonLayer::new(areas.iter().map(|a| &a.geometry));
        let municipalities = PolygonLayer::new(municipalities.iter().map(|m| &m.geometry));
        let bounds = lon_lat_bounds(&municipalities, &areas, facilities);
        TileSource {
            facilities: RTree::bulk_load(points),
            cells: RTree::bulk_load(squares),
            areas,
            municipalities,
            bounds,
        }
    }

    /// Facilities (index into `Atlas::facilities()`, world position) inside a world rectangle,
    /// taking points on the east and south edges to the next tile so that every point is in exactly
    /// one tile. In index order.
    pub fn facilities_in(&self, rect: &Rect) -> Vec<(u32, [f64; 2])> {
        let mut found: Vec<(u32, [f64; 2])> = self
            .facilities
            .locate_in_envelope(&aabb(rect))
            .filter(|p| p.geom()[0] < rect.max[0] && p.geom()[1] < rect.max[1])
            .map(|p| (p.data, *p.geom()))
            .collect();
        found.sort_unstable_by_key(|&(i, _)| i);
        found
    }

    /// Census cells (index into `Atlas::cells()`, world square) meeting a world rectangle, in
    /// index order.
    pub fn cells_in(&self, rect: &Rect) -> Vec<(u32, Rect)> {
        let mut found: Vec<(u32, Rect)> = self
            .cells
            .locate_in_envelope_intersecting(&aabb(rect))
            .map(|c| {
                let e = c.geom().envelope();
                (c.data, Rect { min: e.lower(), max: e.upper() })
            })
            .collect();
        found.sort_unstable_by_key(|&(i, _)| i);
        found
    }

    /// The secondary medical areas.
    pub fn areas(&self) -> &PolygonLayer {
        &self.areas
    }

    /// The municipalities.
    pub fn municipalities(&self) -> &PolygonLayer {
        &self.municipalities
    }

    /// `[west, south, east, north]` in degrees of everything mapped (municipalities, else areas,
    /// else facilities); None for an empty registry.
    pub fn bounds(&self) -> Option<[f64; 4]> {
        self.bounds
    }
}

fn lon_lat_bounds(
    municipalities: &PolygonLayer,
    areas: &PolygonLayer,
    facilities: &[Facility],
) -> Option<[f64; 4]> {
    let world = [municipalities, areas]
        .iter()
        .find_map(|layer| layer.full.iter().map(|f| f.bbox).reduce(|a, b| a.union(&b)))
        .or_else(|| {
            Rect::around(facilities.iter().map(|f| world_from_lon_lat(f.location.lon, f.location.lat)))
        })?;
    let (west, north) = super::math::lon_lat_from_world(world.min);
    let (east, south) = super::math::lon_lat_from_world(world.max);
    Some([west, south, east, north])
}
