//! The prefecture's municipalities and secondary medical areas (二次医療圏): N03 boundaries, the
//! A38 membership table and the census population per area, built into areas whose polygon is the
//! union of their members.

use std::collections::{BTreeMap, HashMap};

use geo::orient::Direction;
use geo::{MultiPolygon, Orient};
use rayon::prelude::*;

use super::pipeline::ImportError;
use super::run::Run;
use crate::ingest::area_population::{AreaPopulation, read_area_population};
use crate::ingest::codes::pad_code;
use crate::ingest::ksj::{AreaMembership, MunicipalityBoundary, read_a38_membership, read_n03};
use crate::model::{Area, Municipality};

/// The municipalities and secondary medical areas of one prefecture, with everything that did not
/// fit together.
#[derive(Debug, Clone)]
pub struct AreasBuilt {
    /// Municipalities sorted by code, each with its area when the membership table has it.
    pub municipalities: Vec<Municipality>,
    /// Areas sorted by code, each the union of its member municipalities' boundaries.
    pub areas: Vec<Area>,
    /// Inconsistencies between boundaries, membership and population, one sentence each, for the
    /// import report.
    pub problems: Vec<String>,
}

impl Run<'_> {
    pub(super) fn read_areas(&mut self) -> Result<(Vec<Municipality>, Vec<Area>), ImportError> {
        let pref = self.pref.clone();
        let (spec, path) = self.required("municipality_boundaries")?;
        self.own_boundaries = spec.resolve_scoped(&self.options.data_dir, &pref).is_some_and(|(_, own)| own);
        let boundaries = self.absorb(&path, read_n03(&path, &spec.id, &pref)?);
        if boundaries.is_empty() {
            return Err(ImportError::NoBoundaries(pref));
        }
        let (spec, path) = self.required("medical_areas")?;
        let membership = self.absorb(&path, read_a38_membership(&path, &spec.id, &pref)?);
        let population = match self.optional("area_population")? {
            Some((spec, path)) => self.absorb(&path, read_area_population(&path, &spec.id, &pref)?),
            None => Vec::new(),
        };
        let built = build_areas(&pref, boundaries, &membership, &population);
        self.report.problems.extend(built.problems);
        Ok((built.municipalities, built.areas))
    }
}

/// Builds the municipalities and secondary medical areas of prefecture `pref_code` ("43").
///
/// An area's polygon is the union of its members' boundaries; its population comes from
/// `population`. Nothing is dropped silently: a municipality without a membership row is kept with
/// no area, a membership row without a boundary keeps its code in the area, and both, like
/// disagreeing names or a missing population, are listed in [`AreasBuilt::problems`].
pub fn build_areas(
    pref_code: &str,
    boundaries: Vec<MunicipalityBoundary>,
    membership: &[AreaMembership],
    population: &[AreaPopulation],
) -> AreasBuilt {
    let pref = pad_code(pref_code, 2).unwrap_or_else(|| pref_code.to_owned());
    let mut problems = Vec::new();

    let mut member_of: BTreeMap<&str, &AreaMembership> = BTreeMap::new();
    for row in membership {
        if !row.muni_code.starts_with(&pref) {
            problems.push(format!(
                "membership row {} {} is not in prefecture {pref}; ignored",
                row.muni_code, row.muni_name
            ));
        } else if let Some(first) = member_of.get(row.muni_code.as_str()) {
            problems.push(format!(
                "municipality {} {} is listed in areas {} and {}; the first is used",
                row.muni_code, row.muni_name, first.area_code, row.area_code
            ));
        } else {
            member_of.insert(&row.muni_code, row);
        }
    }

    let mut boundaries = boundaries;
    boundaries.sort_by(|a, b| a.code.cmp(&b.code));
    let mut municipalities = Vec::with_capacity(boundaries.len());
    for boundary in boundaries {
        let area_code = match member_of.get(boundary.code.as_str()) {
            Some(row) => {
                if !same_municipality_name(&boundary.name, &row.muni_name) {
                    problems.push(format!(
                        "municipality {} is '{}' in the boundaries but '{}' in the membership table",
                        boundary.code, boundary.name, row.muni_name
                    ));
                }
                Some(row.area_code.clone())
            }
            None => {
                problems.push(format!(
                    "municipality {} {} has no 二次医療圏 membership row; it belongs to no area",
                    boundary.code, boundary.name
                ));
                None
            }
        };
        // The union takes its fill rule from the first ring's winding, so every member must follow
        // one convention; read_n03 already does, other callers may not.
        let geometry = boundary.geometry.orient(Direction::Default);
        municipalities.push(Municipality { code: boundary.code, name: boundary.name, area_code, geometry });
    }
    let geometry_of: HashMap<&str, &MultiPolygon<f64>> =
        municipalities.iter().map(|m| (m.code.as_str(), &m.geometry)).collect();

    // Area drafts: name and members, in code order.
    let mut drafts: BTreeMap<&str, (&str, Vec<&str>)> = BTreeMap::new();
    for row in member_of.values() {
        if !geometry_of.contains_key(row.muni_code.as_str()) {
            problems.push(format!(
                "municipality {} {} of area {} has no boundary; the area polygon lacks it",
                row.muni_code, row.muni_name, row.area_code
            ));
        }
        let (name, members) = drafts.entry(&row.area_code).or_insert((&row.area_name, Vec::new()));
        if *name != row.area_name {
            problems.push(format!(
                "area {} is named '{name}' and '{}' in the membership table; the first is used",
                row.area_code, row.area_name
            ));
        }
        members.push(&row.muni_code);
    }

    let member_geometries: Vec<Vec<&MultiPolygon<f64>>> = drafts
        .values()
        .map(|(_, members)| members.iter().filter_map(|code| geometry_of.get(code).copied()).collect())
        .collect();
    let unions = union_all(&member_geometries);

    let population_of: HashMap<&str, &AreaPopulation> =
        population.iter().map(|p| (p.area_code.as_str(), p)).collect();
    let mut areas = Vec::with_capacity(drafts.len());
    for ((code, (name, members)), geometry) in drafts.into_iter().zip(unions) {
        let pop = population_of.get(code);
        match pop {
            None => problems.push(format!("area {code} {name} has no population row")),
            Some(p) if p.area_name != name => problems.push(format!(
                "area {code} is '{name}' in the membership table but '{}' in the population table",
                p.area_name
            )),
            Some(_) => {}
        }
        if geometry.0.is_empty() {
            problems.push(format!("area {code} {name} has no member boundary; its polygon is empty"));
        }
        areas.push(Area {
            code: code.to_owned(),
            name: name.to_owned(),
            pref_code: pref.clone(),
            municipality_codes: members.into_iter().map(str::to_owned).collect(),
            population: pop.map(|p| p.population),
            population_65plus: pop.map(|p| p.population_65plus),
            geometry,
            mesh_population: None,
            mesh_population_65plus: None,
            population_complete: None,
        });
    }
    for p in population {
        if p.area_code.starts_with(&pref) && !areas.iter().any(|a| a.code == p.area_code) {
            problems.push(format!(
                "population row for area {} {} matches no area of the membership table",
                p.area_code, p.area_name
            ));
        }
    }
    drop(geometry_of);
    AreasBuilt { municipalities, areas, problems }
}

/// Whether two names denote the same municipality: equal, or equal once the county (郡) prefix
/// that N03 writes and A38 omits is removed (`北足立郡伊奈町` and `伊奈町`).
fn same_municipality_name(a: &str, b: &str) -> bool {
    let county_then = |long: &str, short: &str| long.strip_suffix(short).is_some_and(|c| c.ends_with('郡'));
    a == b || county_then(a, b) || county_then(b, a)
}

/// The union of each group of polygons, on the shared worker pool (rayon): each area's union is
/// independent, and the pool balances a few large areas against many small ones (and against the
/// other prefectures of a national import running at the same time).
fn union_all(groups: &[Vec<&MultiPolygon<f64>>]) -> Vec<MultiPolygon<f64>> {
    groups.par_iter().map(|group| geo::unary_union(group.iter().copied())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area as _, ChamberlainDuquetteArea, Coord, GeodesicArea, LineString, Polygon, Validation};
    use std::path::PathBuf;

    use crate::ingest::Parsed;

    fn square(x: f64, y: f64, size: f64) -> MultiPolygon<f64> {
        MultiPolygon::new(vec![
            geo::Rect::new(Coord { x, y }, Coord { x: x + size, y: y + size }).to_polygon(),
        ])
    }

    mod build_areas {
        use super::*;

        fn boundary(code: &str, name: &str, geometry: MultiPolygon<f64>) -> MunicipalityBoundary {
            MunicipalityBoundary { code: code.into(), name: name.into(), geometry }
        }

        fn member(muni: &str, name: &str, area: &str, area_name: &str) -> AreaMembership {
            AreaMembership {
                muni_code: muni.into(),
                muni_name: name.into(),
                area_code: area.into(),
                area_name: area_name.into(),
            }
        }

        fn population(area: &str, name: &str, n: u64) -> AreaPopulation {
            AreaPopulation {
                area_code: area.into(),
                area_name: name.into(),
                population: n,
                population_65plus: n / 3,
            }
        }

        #[test]
        fn unions_members_sorts_and_attaches_population() {
            let clockwise = square(1.0, 0.0, 1.0).orient(Direction::Reversed);
            let built = build_areas(
                "43",
                vec![
                    boundary("43203", "c", square(5.0, 0.0, 1.0)),
                    boundary("43201", "a", square(0.0, 0.0, 1.0)),
                    boundary("43202", "b", clockwise),
                ],
                &[
                    member("43201", "a", "4312", "X"),
                    member("43202", "b", "4312", "X"),
                    member("43203", "c", "4302", "Y"),
                ],
                &[population("4302", "Y", 30), population("4312", "X", 60)],
            );
            assert!(built.problems.is_empty(), "{:?}", built.problems);
            let codes: Vec<&str> = built.municipalities.iter().map(|m| m.code.as_str()).collect();
            assert_eq!(codes, ["43201", "43202", "43203"]);
            assert_eq!(built.municipalities[1].area_code.as_deref(), Some("4312"));
            let areas: Vec<(&str, usize, Option<u64>)> = built
                .areas
                .iter()
                .map(|a| (a.code.as_str(), a.municipality_codes.len(), a.population))
                .collect();
            assert_eq!(areas, [("4302", 1, Some(30)), ("4312", 2, Some(60))]);
            let merged = &built.areas[1].geometry;
            assert_eq!(merged.0.len(), 1, "adjacent squares merge, whatever their winding");
            assert!((merged.unsigned_area() - 2.0).abs() < 1e-9);
            assert_eq!(built.areas[1].population_65plus, Some(20));
            assert_eq!(built.areas[1].pref_code, "43");
        }

        #[test]
        fn reports_every_mismatch_and_drops_nothing() {
            let built = build_areas(
                "43",
                vec![
                    boundary("43201", "a", square(0.0, 0.0, 1.0)),
                    boundary("43999", "orphan", square(3.0, 0.0, 1.0)),
                ],
                &[
                    member("43201", "a2", "4312", "X"),
                    member("43202", "b", "4312", "X"),
                    member("43203", "c", "4302", "Y"),
                    member("43201", "a", "4302", "Y"),
                ],
                &[population("4312", "X2", 10), population("4309", "Z", 5)],
            );
            let problems = built.problems.join("\n");
            for needle in [
                "43201 a is listed in areas 4312 and 4302",
                "43201 is 'a' in the boundaries but 'a2'",
                "43999 orphan has no 二次医療圏 membership row",
                "43202 b of area 4312 has no boundary",
                "43203 c of area 4302 has no boundary",
                "area 4312 is 'X' in the membership table but 'X2' in the population table",
                "area 4302 Y has no population row",
                "area 4302 Y has no member boundary",
                "population row for area 4309 Z matches no area",
            ] {
                assert!(problems.contains(needle), "missing '{needle}' in\n{problems}");
            }
            assert_eq!(built.problems.len(), 9, "{problems}");
            assert_eq!(built.municipalities.len(), 2);
            assert_eq!(built.municipalities[1].area_code, None);
            assert_eq!(built.areas[1].municipality_codes, ["43201", "43202"]);
            assert!(built.areas[0].geometry.0.is_empty());
        }

        #[test]
        fn a_county_prefix_does_not_make_names_differ() {
            assert!(same_municipality_name("北足立郡伊奈町", "伊奈町"));
            assert!(same_municipality_name("上郡町", "赤穂郡上郡町"), "郡 inside the name itself");
            assert!(!same_municipality_name("大和郡山市", "郡山市"));
            assert!(!same_municipality_name("阿蘇郡高森町", "南阿蘇村"));
        }

        #[test]
        fn empty_input_builds_nothing() {
            let built = build_areas("43", Vec::new(), &[], &[]);
            assert!(built.municipalities.is_empty() && built.areas.is_empty() && built.problems.is_empty());
        }
    }

    /// An OGC validity check for large MultiPolygons. geo's `Validation` compares every pair of
    /// segments of a ring and every pair of parts, which takes minutes on 天草's 1,800 islands
    /// and 30,000-vertex coastlines; this finds the same faults through an R-tree of segments.
    mod validity {
        use super::*;
        use geo::coordinate_position::{CoordPos, coord_pos_relative_to_ring};
        use geo::line_intersection::{LineIntersection, line_intersection};
        use geo::{BoundingRect, Line};
        use rstar::primitives::{GeomWithData, Rectangle};
        use rstar::{RTree, RTreeObject};

        /// (part, ring, segment index) of a segment; ring 0 is the exterior.
        type Segment = GeomWithData<Rectangle<[f64; 2]>, (usize, usize, usize)>;

        fn rings(polygon: &Polygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
            std::iter::once(polygon.exterior()).chain(polygon.interiors())
        }

        fn rectangle(rect: geo::Rect<f64>) -> Rectangle<[f64; 2]> {
            Rectangle::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y])
        }

        /// Rings are closed with 4+ finite coordinates; no ring crosses or touches itself; rings
        /// never cross or share a stretch of boundary (they may touch at points); holes lie in
        /// their exterior; no part lies in another.
        pub(super) fn problems(geometry: &MultiPolygon<f64>) -> Vec<String> {
            let mut problems = Vec::new();
            let mut segments = Vec::new();
            for (p, polygon) in geometry.iter().enumerate() {
                for (r, ring) in rings(polygon).enumerate() {
                    if ring.0.len() < 4 || !ring.is_closed() {
                        problems.push(format!("part {p} ring {r}: not a closed ring of 4+ coordinates"));
                    }
                    if ring.coords().any(|c| !(c.x.is_finite() && c.y.is_finite())) {
                        problems.push(format!("part {p} ring {r}: non-finite coordinate"));
                    }
                    for (i, line) in ring.lines().enumerate() {
                        segments.push(Segment::new(rectangle(line.bounding_rect()), (p, r, i)));
                    }
                }
            }
            let line_of = |(p, r, i): (usize, usize, usize)| -> Line<f64> {
                let ring = rings(&geometry.0[p]).nth(r).expect("segment keys come from these rings");
                Line::new(ring.0[i], ring.0[i + 1])
            };
            let ring_len = |(p, r, _): (usize, usize, usize)| {
                rings(&geometry.0[p]).nth(r).expect("segment keys come from these rings").0.len() - 1
            };
            let tree = RTree::bulk_load(segments);
            for a in tree.iter() {
                for b in tree.locate_in_envelope_intersecting(&a.envelope()) {
                    if b.data <= a.data {
                        continue;
                    }
                    let (ka, kb) = (a.data, b.data);
                    let same_ring = (ka.0, ka.1) == (kb.0, kb.1);
                    let n = ring_len(ka);
                    let adjacent = same_ring && (kb.2 == ka.2 + 1 || (ka.2 == 0 && kb.2 == n - 1));
                    let fault = match line_intersection(line_of(ka), line_of(kb)) {
                        None => None,
                        Some(LineIntersection::SinglePoint { is_proper: true, .. }) => Some("cross"),
                        Some(LineIntersection::SinglePoint { .. }) if same_ring && !adjacent => {
                            Some("touch (ring touches itself)")
                        }
                        Some(LineIntersection::SinglePoint { .. }) => None,
                        Some(LineIntersection::Collinear { intersection })
                            if intersection.start != intersection.end =>
                        {
                            Some("share a stretch of boundary")
                        }
                        Some(LineIntersection::Collinear { .. }) if same_ring && !adjacent => {
                            Some("touch (ring touches itself)")
                        }
                        Some(LineIntersection::Collinear { .. }) => None,
                    };
                    if let Some(fault) = fault {
                        problems.push(format!("segments {ka:?} and {kb:?} {fault}"));
                    }
                }
            }
            for (p, polygon) in geometry.iter().enumerate() {
                for (h, hole) in polygon.interiors().iter().enumerate() {
                    if !lies_in(hole, polygon.exterior()) {
                        problems.push(format!("part {p} hole {h} is outside its exterior"));
                    }
                }
            }
            let parts = RTree::bulk_load(
                geometry
                    .iter()
                    .enumerate()
                    .filter_map(|(p, polygon)| {
                        Some(GeomWithData::new(rectangle(polygon.bounding_rect()?), p))
                    })
                    .collect(),
            );
            for a in parts.iter() {
                for b in parts.locate_in_envelope_intersecting(&a.envelope()) {
                    let (outer, inner) = (&geometry.0[a.data], &geometry.0[b.data]);
                    let in_a_hole = outer.interiors().iter().any(|hole| lies_in(inner.exterior(), hole));
                    if a.data != b.data && lies_in(inner.exterior(), outer.exterior()) && !in_a_hole {
                        problems.push(format!("part {} lies in part {}", b.data, a.data));
                    }
                }
            }
            problems
        }

        /// Whether `ring` lies inside `outer`, judged by its first vertex not on `outer` (rings
        /// that neither cross nor share boundary are wholly inside or outside each other).
        fn lies_in(ring: &LineString<f64>, outer: &LineString<f64>) -> bool {
            ring.coords()
                .map(|c| coord_pos_relative_to_ring(*c, outer))
                .find(|pos| *pos != CoordPos::OnBoundary)
                .is_some_and(|pos| pos == CoordPos::Inside)
        }

        /// The check agrees with geo's `Validation` on small geometries.
        #[test]
        fn agrees_with_geo_validation() {
            use geo::wkt;
            let cases: Vec<MultiPolygon<f64>> = vec![
                wkt!(MULTIPOLYGON(((0. 0.,4. 0.,4. 4.,0. 4.,0. 0.),(1. 1.,2. 1.,2. 2.,1. 2.,1. 1.)),((5. 0.,6. 0.,6. 1.,5. 0.)))),
                wkt!(MULTIPOLYGON(((0. 0.,2. 2.,2. 0.,0. 2.,0. 0.)))),
                wkt!(MULTIPOLYGON(((0. 0.,2. 0.,2. 2.,0. 2.,0. 0.)),((1. 1.,3. 1.,3. 3.,1. 3.,1. 1.)))),
                wkt!(MULTIPOLYGON(((0. 0.,2. 0.,2. 2.,0. 2.,0. 0.)),((2. 0.,3. 0.,3. 2.,2. 2.,2. 0.)))),
                wkt!(MULTIPOLYGON(((0. 0.,2. 0.,2. 2.,0. 2.,0. 0.)),((2. 2.,3. 2.,3. 3.,2. 3.,2. 2.)))),
                wkt!(MULTIPOLYGON(((0. 0.,4. 0.,4. 4.,0. 4.,0. 0.)),((1. 1.,2. 1.,2. 2.,1. 2.,1. 1.)))),
                wkt!(MULTIPOLYGON(((0. 0.,4. 0.,4. 4.,0. 4.,0. 0.),(1. 1.,2. 1.,2. 2.,1. 2.,1. 1.)),((1.2 1.2,1.8 1.2,1.8 1.8,1.2 1.8,1.2 1.2)))),
                wkt!(MULTIPOLYGON(((0. 0.,4. 0.,4. 4.,0. 4.,0. 0.),(3. 3.,5. 3.,5. 5.,3. 5.,3. 3.)))),
                wkt!(MULTIPOLYGON(((0. 0.,4. 0.,4. 4.,0. 4.,0. 0.),(5. 5.,6. 5.,6. 6.,5. 6.,5. 5.)))),
                wkt!(MULTIPOLYGON(((0. 0.,4. 0.,4. 4.,2. 0.,0. 4.,0. 0.)))),
            ];
            let valid: Vec<usize> = (0..cases.len()).filter(|&i| cases[i].is_valid()).collect();
            assert_eq!(valid, [0, 4, 6], "the cases cover both outcomes");
            for (i, case) in cases.iter().enumerate() {
                assert_eq!(problems(case).is_empty(), case.is_valid(), "case {i}: {:?}", problems(case));
            }
        }
    }

    mod real_data {
        use super::*;
        use crate::ingest::area_population::read_area_population;

        fn data(path: &str) -> PathBuf {
            crate::test_data_dir().join(path)
        }

        fn kumamoto() -> (Parsed<MunicipalityBoundary>, AreasBuilt) {
            let boundaries = read_n03(
                &data("03_municipality_boundaries/N03-22_220101_43_kumamoto_municipalities.geojson"),
                "municipality_boundaries",
                "43",
            )
            .expect("readable N03");
            let membership = read_a38_membership(
                &data("02_secondary_medical_areas/municipality_to_iryoken2_43_kumamoto.csv"),
                "medical_areas",
                "43",
            )
            .expect("readable A38");
            assert!(membership.rejections.is_empty(), "{:?}", membership.rejections);
            let population = read_area_population(
                &data("02_secondary_medical_areas/population_iryoken2_2020census_ALLJAPAN.csv"),
                "area_population",
                "43",
            )
            .expect("readable population");
            let built =
                build_areas("43", boundaries.records.clone(), &membership.records, &population.records);
            (boundaries, built)
        }

        #[test]
        fn kumamoto_municipalities_areas_and_populations() {
            let (boundaries, built) = kumamoto();
            assert!(boundaries.rejections.is_empty(), "{:?}", boundaries.rejections);
            assert_eq!(boundaries.records.len(), 49);
            assert_eq!(boundaries.stats.accepted, 49);
            let amakusa = boundaries.records.iter().find(|b| b.code == "43215").expect("天草市");
            assert_eq!((amakusa.name.as_str(), amakusa.geometry.0.len()), ("天草市", 1506));
            assert!(boundaries.records.iter().any(|b| b.name == "阿蘇郡高森町"));
            assert!(built.problems.is_empty(), "{:?}", built.problems);
            assert_eq!(built.municipalities.len(), 49);
            assert!(built.municipalities.iter().all(|m| m.area_code.is_some()));

            let areas: Vec<(&str, &str)> =
                built.areas.iter().map(|a| (a.code.as_str(), a.name.as_str())).collect();
            assert_eq!(
                areas,
                [
                    ("4302", "宇城"),
                    ("4303", "有明"),
                    ("4304", "鹿本"),
                    ("4305", "菊池"),
                    ("4306", "阿蘇"),
                    ("4308", "八代"),
                    ("4309", "芦北"),
                    ("4310", "球磨"),
                    ("4311", "天草"),
                    ("4312", "熊本・上益城"),
                ]
            );
            let kumamoto = &built.areas[9];
            assert_eq!(
                kumamoto.municipality_codes,
                ["43101", "43102", "43103", "43104", "43105", "43441", "43442", "43443", "43444", "43447"]
            );
            assert_eq!(built.areas.iter().map(|a| a.population.expect("population")).sum::<u64>(), 1_738_301);
            assert_eq!(built.areas.iter().map(|a| a.municipality_codes.len()).sum::<usize>(), 49);
        }

        #[test]
        fn kumamoto_area_polygons_are_valid_unions_of_their_members() {
            let (_, built) = kumamoto();
            let area_of: HashMap<&str, f64> = built
                .municipalities
                .iter()
                .map(|m| (m.code.as_str(), m.geometry.geodesic_area_unsigned()))
                .collect();
            let mut total_km2 = 0.0;
            for area in &built.areas {
                let problems = validity::problems(&area.geometry);
                assert!(problems.is_empty(), "{} {}: {problems:?}", area.code, area.name);
                let union = area.geometry.geodesic_area_unsigned();
                let members: f64 = area.municipality_codes.iter().map(|c| area_of[c.as_str()]).sum();
                assert!(
                    (union - members).abs() / members < 1e-3,
                    "{}: union {union} vs members {members}",
                    area.code
                );
                let spherical = area.geometry.chamberlain_duquette_unsigned_area();
                assert!((spherical - union).abs() / union < 1e-2, "{}: {spherical} vs {union}", area.code);
                total_km2 += union / 1e6;
            }
            // 国土地理院 全国都道府県市区町村別面積調: 熊本県 7,409 km² (N03 gives 7,409.5).
            assert!((total_km2 - 7_409.0).abs() < 7_409.0 * 0.002, "{total_km2} km²");
        }

        #[test]
        fn saitama_from_the_national_files() {
            let boundaries = read_n03(
                &data("03_municipality_boundaries/N03-21_210101_ALLJAPAN_simplified0.1pct_smartnews.geojson"),
                "municipality_boundaries",
                "11",
            )
            .expect("readable national N03");
            assert!(boundaries.rejections.is_empty(), "{:?}", boundaries.rejections);
            assert_eq!(boundaries.records.len(), 72, "63 municipalities with さいたま市's 10 wards apart");
            assert_eq!(boundaries.stats.read, 1897);
            assert_eq!(boundaries.stats.other_prefecture, 1897 - 72);
            assert!(boundaries.records.iter().any(|b| b.code == "11101" && b.name == "さいたま市西区"));
            let membership = read_a38_membership(
                &data("02_secondary_medical_areas/municipality_to_iryoken2_A38-20_ALLJAPAN.csv"),
                "medical_areas",
                "11",
            )
            .expect("readable A38");
            assert!(membership.rejections.is_empty(), "{:?}", membership.rejections);
            let population = read_area_population(
                &data("02_secondary_medical_areas/population_iryoken2_2020census_ALLJAPAN.csv"),
                "area_population",
                "11",
            )
            .expect("readable population");
            let built = build_areas("11", boundaries.records, &membership.records, &population.records);
            assert!(built.problems.is_empty(), "{:?}", built.problems);
            assert_eq!(built.areas.len(), 10);
            assert_eq!(built.areas[0].code, "1101");
            assert_eq!(built.areas[9].name, "秩父");
            assert!(built.areas.iter().all(|a| a.geometry.is_valid() && a.population.is_some()));
            // 埼玉県 3,798 km²; the 0.1 % simplification keeps the total (3,797.3 km²).
            let km2: f64 = built.areas.iter().map(|a| a.geometry.geodesic_area_unsigned()).sum::<f64>() / 1e6;
            assert!((km2 - 3_798.0).abs() < 3_798.0 * 0.01, "{km2} km²");
        }
    }
}
