//! Whether an area's mesh population is complete: every 1st-order mesh (80 km square) its polygon
//! touches was imported.

use std::collections::BTreeSet;

use geo::{BoundingRect, Coord, Intersects, MultiPolygon, Rect};

/// About 0.1 mm: how far inside its edges a 1st-order mesh must be reached to count.
const EDGE_DEG: f64 = 1e-9;

/// The 1st-order meshes (80 km squares, 40′ × 1°) a polygon intersects (touching an edge does not
/// count).
pub fn first_order_meshes_of(polygon: &MultiPolygon<f64>) -> BTreeSet<u16> {
    let mut meshes = BTreeSet::new();
    let Some(bounds) = polygon.bounding_rect() else {
        return meshes;
    };
    // pq = floor(lat × 1.5), rs = floor(lon) − 100; both two digits on the grid.
    let rows = (bounds.min().y * 1.5).floor() as i64..=(bounds.max().y * 1.5).floor() as i64;
    let cols = bounds.min().x.floor() as i64..=bounds.max().x.floor() as i64;
    for pq in rows.filter(|pq| (0..100).contains(pq)) {
        for lon in cols.clone().filter(|lon| (100..200).contains(lon)) {
            // Shrunk by a hair so that a polygon merely touching the mesh line does not count.
            let square = Rect::new(
                Coord { x: lon as f64 + EDGE_DEG, y: pq as f64 / 1.5 + EDGE_DEG },
                Coord { x: (lon + 1) as f64 - EDGE_DEG, y: (pq + 1) as f64 / 1.5 - EDGE_DEG },
            );
            if polygon.intersects(&square) {
                meshes.insert(u16::try_from(pq * 100 + (lon - 100)).expect("two two-digit numbers"));
            }
        }
    }
    meshes
}

/// Whether an area's population is complete: every 1st-order mesh its polygon intersects is
/// present in the imported data (some imported cell lies in it, or a file declares it). Nothing is
/// assumed about which meshes exist: a mesh without data is missing even if it is all sea.
///
/// The rule is strict on purpose: a false "incomplete" costs a warning, a false "complete" a wrong
/// coverage figure. On the Kumamoto data no refinement is needed (no area polygon reaches 1st mesh
/// 4929, which has no Kumamoto cells; the smallest intersection is 南小国町 in 4930, 0.04 km²).
pub fn population_complete(area: &MultiPolygon<f64>, present: &BTreeSet<u16>) -> bool {
    first_order_meshes_of(area).is_subset(present)
}

/// The 1st-order meshes an area intersects that the data lacks.
pub fn missing_first_order_meshes(area: &MultiPolygon<f64>, present: &BTreeSet<u16>) -> Vec<u16> {
    first_order_meshes_of(area).difference(present).copied().collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    mod completeness {
        use super::*;

        #[test]
        fn first_order_meshes_of_a_polygon() {
            // 130.9–131.1 °E, 32.5–32.7 °N crosses lon 131 (4830 | 4831) and lat 32°40′ (48xx | 49xx).
            let meshes: Vec<u16> =
                first_order_meshes_of(&square(130.9, 32.5, 131.1, 32.7)).into_iter().collect();
            assert_eq!(meshes, vec![4830, 4831, 4930, 4931]);
            let touching: Vec<u16> =
                first_order_meshes_of(&square(130.5, 32.5, 131.0, 32.6)).into_iter().collect();
            assert_eq!(touching, vec![4830], "touching the 131° line does not reach 4831");
            assert!(first_order_meshes_of(&MultiPolygon::new(Vec::new())).is_empty());
        }

        #[test]
        fn complete_when_every_touched_mesh_is_present() {
            let area = square(130.9, 32.5, 131.1, 32.6);
            assert!(population_complete(&area, &BTreeSet::from([4830, 4831, 5339])));
            assert!(!population_complete(&area, &BTreeSet::from([4830])));
            assert_eq!(missing_first_order_meshes(&area, &BTreeSet::from([4830])), vec![4831]);
            assert!(!population_complete(&area, &BTreeSet::new()));
        }
    }
}
