//! Cutting one tile of one layer from a snapshot: select the features whose boxes meet the tile,
//! clip them to the tile and its buffer, quantise to the 4096-unit grid, orient rings as MVT wants,
//! and encode.

use super::clip::clip_ring;
use super::cluster::{ClusterInput, Clustered, cluster};
use super::layer::{TileLayer, TileRequest};
use super::math::{Rect, TileId};
use super::mvt::{Geometry, LayerBuilder, PropertyValue, signed_area2};
use super::source::{EXTENT, MIN_RING_AREA_UNITS, PolygonFeature, Ring, TileSource};
use crate::atlas::Atlas;
use crate::model::Facility;

/// Tile units drawn beyond each edge, so that strokes and fills of polygons cut at the edge join
/// without seams.
pub const BUFFER: u32 = 64;

/// Facilities are clustered below this zoom.
pub const CLUSTER_BELOW_ZOOM: u8 = 11;

/// The clustering grid, in tile units: 16 × 16 cells per tile (about 32 px of a 512 px tile).
pub const CLUSTER_CELL: u32 = 256;

/// The encoded tile (empty bytes for an empty tile) of a request.
pub fn render(atlas: &Atlas, source: &TileSource, request: &TileRequest) -> Vec<u8> {
    let layer = request.layer();
    let mut out = LayerBuilder::new(layer.name(), EXTENT);
    if request.tile().z() >= layer.min_zoom() {
        match layer {
            TileLayer::Facilities => facilities(atlas, source, request, &mut out),
            TileLayer::Areas => areas(atlas, source, request, &mut out),
            TileLayer::Municipalities => municipalities(atlas, source, request, &mut out),
            TileLayer::Coverage => coverage(atlas, source, request, &mut out),
        }
    }
    out.into_tile()
}

fn quantise(p: [f64; 2]) -> [i32; 2] {
    [p[0].round() as i32, p[1].round() as i32]
}

fn facilities(atlas: &Atlas, source: &TileSource, request: &TileRequest, out: &mut LayerBuilder) {
    let tile = request.tile();
    let providers = request.params().providers;
    let all = atlas.facilities();
    let selected = source
        .facilities_in(&tile.world_bounds())
        .into_iter()
        .filter(|&(i, _)| providers.contains(&all[i as usize]))
        .map(|(i, w)| ClusterInput {
            position: tile.tile_point(w, EXTENT),
            kind: all[i as usize].kind,
            index: i,
        });
    if tile.z() >= CLUSTER_BELOW_ZOOM {
        for p in selected {
            add_facility(out, &all[p.index as usize], p.position);
        }
        return;
    }
    for c in cluster(selected, EXTENT, CLUSTER_CELL) {
        match c {
            Clustered::Single(p) => add_facility(out, &all[p.index as usize], p.position),
            Clustered::Cluster { position, count, kinds } => {
                let summary = Clustered::kinds_summary(&kinds);
                out.add_feature(
                    None,
                    &Geometry::Points(vec![quantise(position)]),
                    &[
                        ("cluster", PropertyValue::Bool(true)),
                        ("point_count", PropertyValue::Uint(u64::from(count))),
                        ("kind", PropertyValue::Str(Clustered::dominant_kind(&kinds).as_str())),
                        ("kinds", PropertyValue::Str(&summary)),
                    ],
                );
            }
        }
    }
}

fn add_facility(out: &mut LayerBuilder, f: &Facility, position: [f64; 2]) {
    let capabilities = f.capability_set();
    let names: Vec<&str> = capabilities.iter().map(|c| c.as_str()).collect();
    let joined = names.join(",");
    out.add_feature(
        None,
        &Geometry::Points(vec![quantise(position)]),
        &[
            ("id", PropertyValue::Str(f.id.as_str())),
            ("name", PropertyValue::Str(&f.name)),
            ("kind", PropertyValue::Str(f.kind.as_str())),
            ("capabilities", PropertyValue::Str(&joined)),
            ("precision", PropertyValue::Str(f.location.precision.as_str())),
            (
                "home_care",
                PropertyValue::Bool(capabilities.contains(crate::model::Capability::HomeCareSupport)),
            ),
            ("cluster", PropertyValue::Bool(false)),
        ],
    );
}

/// The clip rectangle of a tile: in world coordinates (to test boxes) and in tile units.
struct Clip {
    tile: TileId,
    world: Rect,
    units: Rect,
}

impl Clip {
    fn new(tile: TileId) -> Self {
        let b = f64::from(BUFFER);
        Clip {
            tile,
            world: tile.buffered_world_bounds(EXTENT, BUFFER),
            units: Rect::new([-b, -b], [f64::from(EXTENT) + b, f64::from(EXTENT) + b]),
        }
    }

    /// A ring in tile units, clipped, quantised, without repeated points, oriented (exteriors with
    /// positive area, holes negative); None when it is outside or collapses below 1 unit².
    fn ring(&self, ring: &Ring, exterior: bool) -> Option<Vec<[i32; 2]>> {
        if !ring.bbox.intersects(&self.world) {
            return None;
        }
        let mut points: Vec<[f64; 2]> =
            ring.points.iter().map(|&w| self.tile.tile_point(w, EXTENT)).collect();
        if !self.world.contains_rect(&ring.bbox) {
            points = clip_ring(&points, &self.units);
        }
        let mut q: Vec<[i32; 2]> = Vec::with_capacity(points.len());
        for p in points {
            let p = quantise(p);
            if q.last() != Some(&p) {
                q.push(p);
            }
        }
        while q.len() > 1 && q.first() == q.last() {
            q.pop();
        }
        if q.len() < 3 {
            return None;
        }
        let area2 = signed_area2(&q);
        if (area2.abs() as f64) < 2.0 * MIN_RING_AREA_UNITS {
            return None;
        }
        if (area2 > 0) != exterior {
            q.reverse();
        }
        Some(q)
    }

    /// The rings of a feature in MVT order (each exterior followed by its holes).
    fn feature(&self, feature: &PolygonFeature) -> Vec<Vec<[i32; 2]>> {
        let mut rings = Vec::new();
        if !feature.bbox.intersects(&self.world) {
            return rings;
        }
        for polygon in &feature.polygons {
            let Some(exterior) = self.ring(&polygon.exterior, true) else { continue };
            rings.push(exterior);
            rings.extend(polygon.holes.iter().filter_map(|h| self.ring(h, false)));
        }
        rings
    }
}

/// MVT feature ids from numeric codes (area, municipality and mesh codes are all digits), so that
/// clients can address features (e.g. MapLibre feature state).
fn numeric_id(code: &str) -> Option<u64> {
    code.parse().ok()
}

fn areas(atlas: &Atlas, source: &TileSource, request: &TileRequest, out: &mut LayerBuilder) {
    let clip = Clip::new(request.tile());
    let mut coverage = None;
    for feature in source.areas().at_zoom(request.tile().z()) {
        let rings = clip.feature(feature);
        if rings.is_empty() {
            continue;
        }
        let area = &atlas.areas()[feature.index];
        let coverage = coverage.get_or_insert_with(|| atlas.coverage(request.params()));
        let row = coverage.areas.iter().find(|r| r.code == area.code);
        let mut properties =
            vec![("code", PropertyValue::Str(&area.code)), ("name", PropertyValue::Str(&area.name))];
        // The census population is the official figure; the mesh sum stands in when it is unknown.
        if let Some(population) = area.population.or(area.mesh_population) {
            properties.push(("population", PropertyValue::Uint(population)));
        }
        if let Some(share) = row.and_then(|r| r.covered_share) {
            properties.push(("covered_share", PropertyValue::Double(share)));
        }
        if let Some(share) = row.and_then(|r| r.covered_65plus_share) {
            properties.push(("covered_share_65plus", PropertyValue::Double(share)));
        }
        if let Some(complete) = area.population_complete {
            properties.push(("population_complete", PropertyValue::Bool(complete)));
        }
        out.add_feature(numeric_id(&area.code), &Geometry::Polygon(rings), &properties);
    }
}

fn municipalities(atlas: &Atlas, source: &TileSource, request: &TileRequest, out: &mut LayerBuilder) {
    let clip = Clip::new(request.tile());
    for feature in source.municipalities().at_zoom(request.tile().z()) {
        let rings = clip.feature(feature);
        if rings.is_empty() {
            continue;
        }
        let m = &atlas.municipalities()[feature.index];
        let mut properties =
            vec![("code", PropertyValue::Str(&m.code)), ("name", PropertyValue::Str(&m.name))];
        if let Some(area) = &m.area_code {
            properties.push(("area_code", PropertyValue::Str(area)));
        }
        out.add_feature(numeric_id(&m.code), &Geometry::Polygon(rings), &properties);
    }
}

fn coverage(atlas: &Atlas, source: &TileSource, request: &TileRequest, out: &mut LayerBuilder) {
    let clip = Clip::new(request.tile());
    let found = source.cells_in(&clip.world);
    if found.is_empty() {
        return;
    }
    let coverage = atlas.coverage(request.params());
    let tile = request.tile();
    for (i, square) in found {
        let (Some(cell), Some(result)) = (atlas.cells().get(i as usize), coverage.cells.get(i as usize))
        else {
            continue;
        };
        // A square clipped to a rectangle is their intersection.
        let lo = quantise(tile.tile_point(square.min, EXTENT));
        let hi = quantise(tile.tile_point(square.max, EXTENT));
        let (b, e) = (-(BUFFER as i32), (EXTENT + BUFFER) as i32);
        let (x0, y0) = (lo[0].clamp(b, e), lo[1].clamp(b, e));
        let (x1, y1) = (hi[0].clamp(b, e), hi[1].clamp(b, e));
        if x1 <= x0 || y1 <= y0 {
            continue;
        }
        let ring = vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
        let mut properties = vec![
            ("mesh", PropertyValue::Str(&cell.code)),
            ("population", PropertyValue::Uint(u64::from(cell.population))),
            ("population_65plus", PropertyValue::Uint(u64::from(cell.population_65plus))),
        ];
        if let Some(d) = result.nearest_m {
            properties.push(("nearest_m", PropertyValue::Double(d)));
        }
        properties.push(("covered", PropertyValue::Bool(result.covered)));
        out.add_feature(numeric_id(&cell.code), &Geometry::Polygon(vec![ring]), &properties);
    }
}
