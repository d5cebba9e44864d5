//! Cutting one tile of one layer from a snapshot: select the features whose boxes meet the tile,
//! clip them to the tile and its buffer, quantise to the 4096-unit grid, orient rings as MVT wants,
//! and encode.

use super::clip::clip_ring;
use super::cluster::{ClusterInput, Clustered, cluster};
use super::layer::{TileLayer, TileRequest};
use super::math::{Rect, TileId};
use super::mvt::{Geometry, LayerBuilder, PropertyValue, signed_area2};
use super::source::{EXTENT, MIN_RING_AREA_UNITS, PolygonFeature, Ring, TileSource};
use crate::atlas::{Atlas, StockCriteria, now_unix};
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
    let providers = &request.params().providers;
    let mask = atlas.stock_mask(&StockCriteria {
        needs: &providers.needs,
        include_stale: providers.include_stale,
        now_unix: now_unix(),
    });
    let all = atlas.facilities();
    let selected = source
        .facilities_in(&tile.world_bounds())
        .into_iter()
        .filter(|&(i, _)| {
            let f = &all[i as usize];
            request.keeps_code(&f.pref_code) && providers.contains(i as usize, f, mask.as_deref())
        })
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
        let area = &atlas.areas()[feature.index];
        if !request.keeps_code(&area.pref_code) {
            continue;
        }
        let rings = clip.feature(feature);
        if rings.is_empty() {
            continue;
        }
        let coverage =
            coverage.get_or_insert_with(|| crate::analysis::snapshot::coverage(atlas, request.params()));
        // Rows are in the order of the areas; the search is a guard, not the usual path (a
        // national registry has hundreds of areas).
        let row = coverage
            .areas
            .get(feature.index)
            .filter(|r| r.code == area.code)
            .or_else(|| coverage.areas.iter().find(|r| r.code == area.code));
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
        let m = &atlas.municipalities()[feature.index];
        if !request.keeps_code(&m.code) {
            continue;
        }
        let rings = clip.feature(feature);
        if rings.is_empty() {
            continue;
        }
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
    let mut found = source.cells_in(&clip.world);
    if let Some(set) = request.prefectures() {
        found.retain(|&(i, _)| atlas.cell_in(i as usize, set));
    }
    if found.is_empty() {
        return;
    }
    let coverage = crate::analysis::snapshot::coverage(atlas, request.params());
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

#[cfg(test)]
mod tests {
    use geo::{LineString, MultiPolygon, Polygon};

    use super::*;
    use crate::analysis::coverage::{CoverageParams, ProviderSet};
    use crate::model::{
        Area, Capability, CapabilityEntry, FacilityId, FacilityKind, Location, LocationPrecision,
        Municipality, PopulationCell,
    };
    use crate::store::Registry;
    use crate::tiles::mvt::{DecodedLayer, GeomType, Value, decode};

    const CASTLE: (f64, f64) = (130.7058, 32.8063);

    fn facility(id: &str, kind: FacilityKind, lon: f64, lat: f64, capabilities: &[Capability]) -> Facility {
        Facility {
            id: FacilityId(id.into()),
            kind,
            name: format!("施設{id}"),
            name_kana: None,
            address: None,
            municipality_code: Some("43101".into()),
            area_code: Some("4312".into()),
            pref_code: "43".into(),
            location: Location::new(lat, lon, LocationPrecision::Exact),
            phone: None,
            url: None,
            beds: None,
            schedule: None,
            capabilities: capabilities.iter().map(|&c| CapabilityEntry::bare(c)).collect(),
            sources: vec![],
        }
    }

    fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> LineString<f64> {
        LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)])
    }

    /// A square municipality/area across the z14 tile edge at lon 130.7153 (x 14140 | 14141), with
    /// a hole, and a few facilities around 熊本城.
    fn atlas() -> Atlas {
        let geometry = MultiPolygon(vec![Polygon::new(
            square(130.70, 32.80, 130.73, 32.82),
            vec![square(130.705, 32.805, 130.71, 32.81)],
        )]);
        let mut facilities = vec![
            facility(
                "a",
                FacilityKind::Hospital,
                CASTLE.0,
                CASTLE.1,
                &[Capability::HomeCareSupport, Capability::CancerHub],
            ),
            facility("b", FacilityKind::Clinic, 130.72, 32.81, &[]),
        ];
        // 60 pharmacies on a 6 × 10 grid of about 1.5 km × 1 km around the castle.
        for i in 0..60 {
            let (lon, lat) = (130.65 + f64::from(i % 6) * 0.015, 32.75 + f64::from(i / 6) * 0.01);
            facilities.push(facility(&format!("p{i:02}"), FacilityKind::Pharmacy, lon, lat, &[]));
        }
        let cell = PopulationCell {
            code: "493015154".into(),
            lat: CASTLE.1,
            lon: CASTLE.0,
            population: 120,
            population_65plus: 40,
            population_75plus: 20,
            municipality_code: Some("43101".into()),
            area_code: Some("4312".into()),
        };
        let registry = Registry {
            facilities,
            areas: vec![Area {
                code: "4312".into(),
                name: "熊本・上益城".into(),
                pref_code: "43".into(),
                municipality_codes: vec!["43101".into()],
                population: Some(1000),
                population_65plus: Some(300),
                mesh_population: Some(120),
                mesh_population_65plus: Some(40),
                population_complete: Some(false),
                geometry: geometry.clone(),
            }],
            municipalities: vec![Municipality {
                code: "43101".into(),
                name: "熊本市中央区".into(),
                area_code: Some("4312".into()),
                geometry,
            }],
            sources: vec![],
            cells: vec![cell],
            towns: vec![],
        };
        Atlas::new(registry, 1)
    }

    fn params() -> CoverageParams {
        CoverageParams { providers: ProviderSet::default(), radius_m: 16_000.0, min_providers: 1 }
    }

    fn tile(atlas: &Atlas, layer: TileLayer, z: u64, x: u64, y: u64) -> Option<DecodedLayer> {
        let request = TileRequest::new(layer, TileId::new(z, x, y).unwrap(), params());
        let bytes = render(atlas, &crate::tiles::snapshot::tile_source(atlas), &request);
        if bytes.is_empty() {
            return None;
        }
        let mut layers = decode(&bytes).unwrap();
        assert_eq!(layers.len(), 1);
        let layer_out = layers.remove(0);
        assert_eq!((layer_out.name.as_str(), layer_out.extent), (layer.name(), EXTENT));
        Some(layer_out)
    }

    mod facilities {
        use super::*;

        #[test]
        fn a_facility_lands_in_its_tile_at_its_position() {
            let atlas = atlas();
            let layer = tile(&atlas, TileLayer::Facilities, 14, 14140, 6609).unwrap();
            let a = layer.features.iter().find(|f| f.get("id") == Some(&Value::String("a".into()))).unwrap();
            // 0.566187 and 0.969934 of the tile (see math::tests::known_tiles::kumamoto_castle).
            assert_eq!(a.paths, [vec![[2319, 3973]]]);
            assert_eq!(a.geom_type, GeomType::Point);
            assert_eq!(a.get("kind"), Some(&Value::String("hospital".into())));
            assert_eq!(a.get("capabilities"), Some(&Value::String("home_care_support,cancer_hub".into())));
            assert_eq!(a.get("precision"), Some(&Value::String("exact".into())));
            assert_eq!(a.get("home_care"), Some(&Value::Bool(true)));
            assert_eq!(a.get("cluster"), Some(&Value::Bool(false)));
            assert_eq!(a.get("name"), Some(&Value::String("施設a".into())));
            // Each point is in exactly one tile: the neighbours do not repeat it.
            for (x, y) in [(14141, 6609), (14140, 6610), (14139, 6609)] {
                let n = tile(&atlas, TileLayer::Facilities, 14, x, y);
                assert!(n.is_none_or(|l| {
                    l.features.iter().all(|f| f.get("id") != Some(&Value::String("a".into())))
                }));
            }
        }

        #[test]
        fn the_provider_set_filters() {
            let atlas = atlas();
            let homecare = CoverageParams {
                providers: ProviderSet::of_capabilities(
                    None,
                    [Capability::HomeCareSupport].into_iter().collect(),
                ),
                ..params()
            };
            let request =
                TileRequest::new(TileLayer::Facilities, TileId::new(12, 3535, 1652).unwrap(), homecare);
            let layer = decode(&render(&atlas, &crate::tiles::snapshot::tile_source(&atlas), &request))
                .unwrap()
                .remove(0);
            assert_eq!(layer.features.len(), 1);
            assert_eq!(layer.features[0].get("id"), Some(&Value::String("a".into())));
        }

        fn count(layer: &DecodedLayer) -> u64 {
            layer
                .features
                .iter()
                .map(|f| match f.get("point_count") {
                    Some(Value::Uint(n)) => *n,
                    _ => 1,
                })
                .sum()
        }

        #[test]
        fn clusters_sum_to_the_facilities_at_every_zoom() {
            let atlas = atlas();
            for z in [0u8, 5, 8, 10, 11, 13] {
                let lo = TileId::containing(130.6, 32.9, z).unwrap();
                let hi = TileId::containing(130.8, 32.7, z).unwrap();
                let mut total = 0;
                let mut clusters = 0;
                for x in lo.x()..=hi.x() {
                    for y in lo.y()..=hi.y() {
                        if let Some(layer) = tile(&atlas, TileLayer::Facilities, z.into(), x.into(), y.into())
                        {
                            total += count(&layer);
                            clusters += layer
                                .features
                                .iter()
                                .filter(|f| f.get("cluster") == Some(&Value::Bool(true)))
                                .count();
                        }
                    }
                }
                assert_eq!(total, 62, "z{z}");
                assert_eq!(clusters > 0, z < CLUSTER_BELOW_ZOOM, "z{z}: {clusters} clusters");
            }
        }

        #[test]
        fn a_cluster_carries_its_kinds() {
            let atlas = atlas();
            let layer = tile(&atlas, TileLayer::Facilities, 0, 0, 0).unwrap();
            assert_eq!(layer.features.len(), 1, "all 62 facilities in one grid cell at z0");
            let c = &layer.features[0];
            assert_eq!(c.get("point_count"), Some(&Value::Uint(62)));
            assert_eq!(c.get("kind"), Some(&Value::String("pharmacy".into())));
            assert_eq!(c.get("kinds"), Some(&Value::String("hospital:1,clinic:1,pharmacy:60".into())));
            assert_eq!(c.get("id"), None);
        }

        #[test]
        fn every_layer_keeps_to_the_prefectures_asked_for() {
            let atlas = atlas();
            let t = TileId::containing(CASTLE.0, CASTLE.1, 10).unwrap();
            for layer in TileLayer::ALL {
                let request = TileRequest::new(layer, t, params());
                let all = render(&atlas, &crate::tiles::snapshot::tile_source(&atlas), &request);
                assert!(!all.is_empty(), "{layer:?}");
                let own = request.clone().with_prefectures(crate::model::PrefectureSet::from_codes(["43"]));
                assert_eq!(
                    render(&atlas, &crate::tiles::snapshot::tile_source(&atlas), &own),
                    all,
                    "{layer:?}"
                );
                let other = request.with_prefectures(crate::model::PrefectureSet::from_codes(["40"]));
                assert!(
                    render(&atlas, &crate::tiles::snapshot::tile_source(&atlas), &other).is_empty(),
                    "{layer:?}"
                );
            }
        }

        #[test]
        fn empty_tiles_are_empty_bytes() {
            let atlas = atlas();
            assert!(tile(&atlas, TileLayer::Facilities, 14, 0, 0).is_none());
            assert!(tile(&atlas, TileLayer::Municipalities, 14, 0, 0).is_none());
            assert!(tile(&atlas, TileLayer::Coverage, 14, 0, 0).is_none());
            assert!(tile(&atlas, TileLayer::Coverage, 6, 55, 25).is_none(), "coverage starts at z7");
            let empty = Atlas::new(Registry::default(), 1);
            for layer in TileLayer::ALL {
                assert!(tile(&empty, layer, 0, 0, 0).is_none());
            }
        }
    }

    mod polygons {
        use super::*;

        fn check_rings(layer: &DecodedLayer) {
            for f in &layer.features {
                assert_eq!(f.geom_type, GeomType::Polygon);
                for (i, ring) in f.paths.iter().enumerate() {
                    assert!(ring.len() >= 3);
                    let b = BUFFER as i32;
                    assert!(ring.iter().all(|p| (-b..=EXTENT as i32 + b).contains(&p[0])), "{ring:?}");
                    assert!(ring.iter().all(|p| (-b..=EXTENT as i32 + b).contains(&p[1])), "{ring:?}");
                    let area = signed_area2(ring);
                    assert!(if i == 0 { area > 0 } else { area < 0 }, "ring {i} area {area}");
                }
            }
        }

        #[test]
        fn a_polygon_across_a_tile_edge_is_in_both_tiles_clipped() {
            let atlas = atlas();
            let left = tile(&atlas, TileLayer::Municipalities, 14, 14140, 6609).unwrap();
            let right = tile(&atlas, TileLayer::Municipalities, 14, 14141, 6609).unwrap();
            for layer in [&left, &right] {
                check_rings(layer);
                let f = &layer.features[0];
                assert_eq!(f.id, Some(43101));
                assert_eq!(f.get("code"), Some(&Value::String("43101".into())));
                assert_eq!(f.get("name"), Some(&Value::String("熊本市中央区".into())));
                assert_eq!(f.get("area_code"), Some(&Value::String("4312".into())));
            }
            let max_x = left.features[0].paths[0].iter().map(|p| p[0]).max().unwrap();
            let min_x = right.features[0].paths[0].iter().map(|p| p[0]).min().unwrap();
            assert_eq!(
                (max_x, min_x),
                (EXTENT as i32 + BUFFER as i32, -(BUFFER as i32)),
                "clipped at the buffer"
            );
            // The hole (lon 130.705–130.71) lies in the left tile only.
            assert_eq!(left.features[0].paths.len(), 2);
            assert_eq!(right.features[0].paths.len(), 1);
        }

        #[test]
        fn areas_carry_coverage_and_population() {
            let atlas = atlas();
            for z in [6u8, 10, 14, 16] {
                let t = TileId::containing(130.715, 32.81, z).unwrap();
                let layer = tile(&atlas, TileLayer::Areas, z.into(), t.x().into(), t.y().into()).unwrap();
                check_rings(&layer);
                let f = &layer.features[0];
                assert_eq!(f.get("code"), Some(&Value::String("4312".into())));
                assert_eq!(f.get("population"), Some(&Value::Uint(1000)));
                assert_eq!(f.get("covered_share"), Some(&Value::Double(1.0)));
                assert_eq!(f.get("covered_share_65plus"), Some(&Value::Double(1.0)));
                assert_eq!(f.get("population_complete"), Some(&Value::Bool(false)));
            }
        }

        #[test]
        fn coverage_cells_are_squares_with_their_numbers() {
            let atlas = atlas();
            let layer = tile(&atlas, TileLayer::Coverage, 14, 14140, 6609).unwrap();
            check_rings(&layer);
            let f = &layer.features[0];
            assert_eq!(f.id, Some(493015154));
            assert_eq!(f.paths[0].len(), 4);
            assert_eq!(f.get("mesh"), Some(&Value::String("493015154".into())));
            assert_eq!(f.get("population"), Some(&Value::Uint(120)));
            assert_eq!(f.get("population_65plus"), Some(&Value::Uint(40)));
            assert_eq!(f.get("nearest_m").and_then(Value::as_f64), Some(0.0));
            assert_eq!(f.get("covered"), Some(&Value::Bool(true)));
            // A z14 tile is 2,445 m of Mercator wide; the cell is 22.5" of longitude, 625 m of
            // Mercator: about 1,050 units.
            let width = f.paths[0].iter().map(|p| p[0]).max().unwrap()
                - f.paths[0].iter().map(|p| p[0]).min().unwrap();
            assert!((1000..1400).contains(&width), "{width}");
        }

        #[test]
        fn tiny_polygons_vanish_at_low_zoom() {
            let atlas = atlas();
            // At z1 a unit is about 5 km: the 3 km square is below the ring threshold. At z3 (1.2 km
            // units) it is still drawn.
            assert!(tile(&atlas, TileLayer::Municipalities, 1, 1, 0).is_none());
            assert!(tile(&atlas, TileLayer::Areas, 0, 0, 0).is_none());
            assert!(tile(&atlas, TileLayer::Municipalities, 3, 6, 3).is_some());
        }
    }
}
