//! Coverage gaps: the 500 m cells no provider reaches, merged into regions.
//!
//! Cells that share an edge (4-neighbourhood on the national 500 m grid; touching at a corner does
//! not join) form one region, whose geometry is the exact union of its squares, traced along the
//! grid lines: every cell side with no cell of the set on its other side is a boundary edge, directed
//! so that the region lies on its left, and the edges are chained into rings. The exterior ring then
//! runs counter-clockwise and holes clockwise, as RFC 7946 asks. Where two cells of a region touch
//! only at a corner (a "pinch"), the ring turns right, hugging the empty side: each ring passes every
//! vertex at most once, and a hole that touches the exterior does so at a single point, which is
//! valid (OGC simple features).
//!
//! Vertices are grid corners computed from integer grid positions, so neighbouring cells share them
//! exactly. Every cell corner on the boundary is kept, collinear ones included: an east–west run of
//! cells keeps one vertex per cell, so the edges are the cells' own edges and the region's geodesic
//! area (edges as geodesics) equals the sum of the cells' areas; a single long edge would bow away
//! from the parallel.

use geo::{Coord, LineString, Polygon};

use crate::spatial::mesh::{CELL_LAT_DEG, CELL_LON_DEG, MeshCode};

/// What is counted in a cell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CellValue {
    /// Total population.
    pub population: u32,
    /// Population aged 65 and over.
    pub population_65plus: u32,
}

/// A connected group of cells, merged.
#[derive(Debug, Clone, PartialEq)]
pub struct GapRegion {
    /// The union of the cells' squares: exterior ring counter-clockwise, holes clockwise, rings
    /// closed, in (lon, lat) degrees.
    pub geometry: Polygon<f64>,
    /// Number of cells.
    pub cells: usize,
    /// Sum of the cells' population.
    pub population: u64,
    /// Sum of the cells' population aged 65 and over.
    pub population_65plus: u64,
    /// The cells' codes, ascending.
    pub codes: Vec<MeshCode>,
}

/// Merges cells into one region per edge-connected group, ordered by each region's smallest code.
/// A code given more than once is one cell whose values are the sum of its entries.
pub fn merge_cells(cells: &[(MeshCode, CellValue)]) -> Vec<GapRegion> {
    let cells = Grid::new(cells);
    let mut components = cells.components();
    // Regions ordered by their smallest code; codes within a region ascending.
    for members in &mut components {
        members.sort_by_key(|&k| cells.cells[k].code);
    }
    components.sort_by_key(|members| cells.cells[members[0]].code);
    components.into_iter().map(|members| cells.region(&members)).collect()
}

/// One distinct cell on the grid.
struct Cell {
    row: i32,
    col: i32,
    code: MeshCode,
    population: u64,
    population_65plus: u64,
}

/// The cells sorted by (row, col), for neighbour lookups by binary search.
struct Grid {
    cells: Vec<Cell>,
}

/// Directions of boundary edges, in counter-clockwise order (so a right turn is one step back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Dir {
    East,
    North,
    West,
    South,
}

impl Dir {
    /// (d_col, d_row) of one step.
    fn step(self) -> (i32, i32) {
        match self {
            Dir::East => (1, 0),
            Dir::North => (0, 1),
            Dir::West => (-1, 0),
            Dir::South => (0, -1),
        }
    }

    fn right(self) -> Dir {
        match self {
            Dir::East => Dir::South,
            Dir::North => Dir::East,
            Dir::West => Dir::North,
            Dir::South => Dir::West,
        }
    }
}

/// A boundary edge: its start corner (row, col) and direction; the region lies on its left.
type Edge = ((i32, i32), Dir);

impl Grid {
    fn new(input: &[(MeshCode, CellValue)]) -> Grid {
        let mut cells: Vec<Cell> = input
            .iter()
            .map(|&(code, value)| {
                let (row, col) = code.grid();
                Cell {
                    row,
                    col,
                    code,
                    population: u64::from(value.population),
                    population_65plus: u64::from(value.population_65plus),
                }
            })
            .collect();
        cells.sort_by_key(|c| (c.row, c.col));
        cells.dedup_by(|later, kept| {
            let same = (later.row, later.col) == (kept.row, kept.col);
            if same {
                kept.population += later.population;
                kept.population_65plus += later.population_65plus;
            }
            same
        });
        Grid { cells }
    }

    fn find(&self, row: i32, col: i32) -> Option<usize> {
        self.cells.binary_search_by_key(&(row, col), |c| (c.row, c.col)).ok()
    }

    fn contains(&self, row: i32, col: i32) -> bool {
        self.find(row, col).is_some()
    }

    /// Groups of cell positions connected through shared edges (union–find over east and north
    /// neighbours).
    fn components(&self) -> Vec<Vec<usize>> {
        let mut parent: Vec<usize> = (0..self.cells.len()).collect();
        fn root(parent: &mut [usize], mut k: usize) -> usize {
            while parent[k] != k {
                parent[k] = parent[parent[k]];
                k = parent[k];
            }
            k
        }
        for (k, cell) in self.cells.iter().enumerate() {
            for (d_row, d_col) in [(0, 1), (1, 0)] {
                if let Some(n) = self.find(cell.row + d_row, cell.col + d_col) {
                    let (a, b) = (root(&mut parent, k), root(&mut parent, n));
                    if a != b {
                        parent[a.max(b)] = a.min(b);
                    }
                }
            }
        }
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut group_of_root = vec![usize::MAX; self.cells.len()];
        for k in 0..self.cells.len() {
            let r = root(&mut parent, k);
            if group_of_root[r] == usize::MAX {
                group_of_root[r] = groups.len();
                groups.push(Vec::new());
            }
            groups[group_of_root[r]].push(k);
        }
        groups
    }

    fn region(&self, members: &[usize]) -> GapRegion {
        let cells: Vec<&Cell> = members.iter().map(|&k| &self.cells[k]).collect();
        GapRegion {
            geometry: self.outline(&cells),
            cells: cells.len(),
            population: cells.iter().map(|c| c.population).sum(),
            population_65plus: cells.iter().map(|c| c.population_65plus).sum(),
            codes: cells.iter().map(|c| c.code).collect(),
        }
    }

    /// The union of an edge-connected group of cells.
    fn outline(&self, cells: &[&Cell]) -> Polygon<f64> {
        let mut edges: Vec<Edge> = Vec::with_capacity(cells.len() * 2);
        for cell in cells {
            let (r, c) = (cell.row, cell.col);
            if !self.contains(r - 1, c) {
                edges.push(((r, c), Dir::East));
            }
            if !self.contains(r, c + 1) {
                edges.push(((r, c + 1), Dir::North));
            }
            if !self.contains(r + 1, c) {
                edges.push(((r + 1, c + 1), Dir::West));
            }
            if !self.contains(r, c - 1) {
                edges.push(((r + 1, c), Dir::South));
            }
        }
        edges.sort_unstable();
        let rings = trace_rings(&edges);
        // The one ring with positive (counter-clockwise) area is the outline; the others, wound the
        // other way round the empty cells they enclose, are holes.
        let mut exterior = None;
        let mut holes = Vec::new();
        for ring in rings {
            if twice_signed_area(&ring) > 0 {
                debug_assert!(exterior.is_none(), "an edge-connected set of cells has one outline");
                exterior = Some(ring);
            } else {
                holes.push(ring);
            }
        }
        let exterior = exterior.expect("a non-empty set of cells has an outline");
        Polygon::new(to_line_string(&exterior), holes.iter().map(|h| to_line_string(h)).collect())
    }
}

/// Chains directed boundary edges (sorted) into rings of corners. Each ring starts at its smallest
/// edge, so the output depends only on the set of edges.
fn trace_rings(edges: &[Edge]) -> Vec<Vec<(i32, i32)>> {
    let mut used = vec![false; edges.len()];
    let mut rings = Vec::new();
    for first in 0..edges.len() {
        if used[first] {
            continue;
        }
        let mut ring = Vec::new();
        let mut k = first;
        loop {
            used[k] = true;
            let ((row, col), dir) = edges[k];
            ring.push((row, col));
            let (d_col, d_row) = dir.step();
            let end = (row + d_row, col + d_col);
            // At most two edges leave a corner; two only at a pinch, where we turn right.
            let from = edges.partition_point(|e| e.0 < end);
            let leaving = &edges[from..edges[from..].partition_point(|e| e.0 == end) + from];
            let next = match leaving {
                [only] => only,
                _ => leaving
                    .iter()
                    .find(|e| e.1 == dir.right())
                    .expect("at a pinch corner one boundary edge turns right"),
            };
            k = from + leaving.iter().position(|e| e == next).expect("the edge was found in this slice");
            if k == first {
                break;
            }
        }
        rings.push(ring);
    }
    rings
}

/// Twice the signed area (shoelace) of a ring of (row, col) corners; positive when counter-clockwise
/// in (lon, lat). Exact in integers.
fn twice_signed_area(ring: &[(i32, i32)]) -> i64 {
    let n = ring.len();
    (0..n)
        .map(|k| {
            let (y0, x0) = ring[k];
            let (y1, x1) = ring[(k + 1) % n];
            i64::from(x0) * i64::from(y1) - i64::from(x1) * i64::from(y0)
        })
        .sum()
}

/// A closed ring in (lon, lat) degrees, with corners computed as in [`MeshCode::bounds`].
fn to_line_string(ring: &[(i32, i32)]) -> LineString<f64> {
    let corner = |&(row, col): &(i32, i32)| Coord {
        x: 100.0 + f64::from(col) * CELL_LON_DEG,
        y: f64::from(row) * CELL_LAT_DEG,
    };
    let mut coords: Vec<Coord<f64>> = ring.iter().map(corner).collect();
    coords.push(coords[0]);
    LineString::new(coords)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, GeodesicArea, Validation, Winding};
    use proptest::prelude::*;

    fn code(s: &str) -> MeshCode {
        s.parse().unwrap()
    }

    fn value(population: u32) -> CellValue {
        CellValue { population, population_65plus: population / 3 }
    }

    /// Cells at grid offsets from a Kumamoto cell, each with population 10 · (position + 1).
    fn at_offsets(offsets: &[(i32, i32)]) -> Vec<(MeshCode, CellValue)> {
        let origin = code("493015011");
        offsets
            .iter()
            .enumerate()
            .map(|(k, &(dr, dc))| (origin.neighbour(dr, dc).unwrap(), value(10 * (k as u32 + 1))))
            .collect()
    }

    /// Every property a merged region must have, against its input cells.
    fn check_region(region: &GapRegion, cells: &[(MeshCode, CellValue)]) {
        let polygon = &region.geometry;
        assert!(polygon.is_valid(), "invalid: {:?}", polygon.validation_errors());
        assert!(polygon.exterior().is_ccw(), "exterior counter-clockwise");
        assert!(polygon.interiors().iter().all(|h| h.is_cw()), "holes clockwise");
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            assert!(ring.is_closed());
            let mut corners: Vec<(u64, u64)> =
                ring.0[1..].iter().map(|c| (c.x.to_bits(), c.y.to_bits())).collect();
            let n = corners.len();
            corners.sort_unstable();
            corners.dedup();
            assert_eq!(corners.len(), n, "no vertex repeated within a ring");
        }
        let mine: Vec<&(MeshCode, CellValue)> =
            cells.iter().filter(|(c, _)| region.codes.contains(c)).collect();
        assert_eq!(region.cells, mine.len());
        assert_eq!(region.population, mine.iter().map(|(_, v)| u64::from(v.population)).sum::<u64>());
        assert_eq!(
            region.population_65plus,
            mine.iter().map(|(_, v)| u64::from(v.population_65plus)).sum::<u64>()
        );
        assert!(region.codes.windows(2).all(|w| w[0] < w[1]), "codes ascending");
        let cells_area: f64 = mine.iter().map(|(c, _)| c.polygon().geodesic_area_unsigned()).sum();
        let area = polygon.geodesic_area_unsigned();
        assert!((area - cells_area).abs() <= 1e-9 * cells_area, "geodesic area {area} vs cells {cells_area}");
        let planar = polygon.unsigned_area();
        let planar_cells = mine.len() as f64 * CELL_LAT_DEG * CELL_LON_DEG;
        assert!((planar - planar_cells).abs() <= 1e-9 * planar_cells);
    }

    fn check_all(regions: &[GapRegion], cells: &[(MeshCode, CellValue)]) {
        for region in regions {
            check_region(region, cells);
        }
        let mut all: Vec<MeshCode> = regions.iter().flat_map(|r| r.codes.iter().copied()).collect();
        let mut input: Vec<MeshCode> = cells.iter().map(|c| c.0).collect();
        all.sort_unstable();
        input.sort_unstable();
        input.dedup();
        assert_eq!(all, input, "every cell in exactly one region");
        assert!(regions.windows(2).all(|w| w[0].codes[0] < w[1].codes[0]), "ordered by smallest code");
    }

    mod shapes {
        use super::*;

        #[test]
        fn no_cells_no_regions() {
            assert!(merge_cells(&[]).is_empty());
        }

        #[test]
        fn single_cell_is_its_square() {
            let cells = vec![(code("493015011"), value(42))];
            let regions = merge_cells(&cells);
            assert_eq!(regions.len(), 1);
            check_all(&regions, &cells);
            let b = cells[0].0.bounds();
            let exterior: Vec<(f64, f64)> =
                regions[0].geometry.exterior().0.iter().map(|c| (c.x, c.y)).collect();
            let close = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).abs() < 1e-12 && (a.1 - b.1).abs() < 1e-12;
            let want = [
                (b.west, b.south),
                (b.east, b.south),
                (b.east, b.north),
                (b.west, b.north),
                (b.west, b.south),
            ];
            assert_eq!(exterior.len(), 5);
            assert!(exterior.iter().zip(want).all(|(a, b)| close(*a, b)), "{exterior:?}");
            assert_eq!((regions[0].population, regions[0].population_65plus), (42, 14));
        }

        #[test]
        fn l_shape() {
            let cells = at_offsets(&[(0, 0), (1, 0), (2, 0), (0, 1)]);
            let regions = merge_cells(&cells);
            assert_eq!(regions.len(), 1);
            check_all(&regions, &cells);
            // Every boundary corner is kept: 4 + 4 + 3 + 3 sides of unit length = 10 corners + closing.
            assert_eq!(regions[0].geometry.exterior().0.len(), 11);
            assert!(regions[0].geometry.interiors().is_empty());
        }

        #[test]
        fn ring_around_a_missing_centre_has_one_hole() {
            let ring: Vec<(i32, i32)> =
                (-1..=1).flat_map(|r| (-1..=1).map(move |c| (r, c))).filter(|&p| p != (0, 0)).collect();
            let cells = at_offsets(&ring);
            let regions = merge_cells(&cells);
            assert_eq!(regions.len(), 1);
            check_all(&regions, &cells);
            let polygon = &regions[0].geometry;
            assert_eq!(polygon.interiors().len(), 1);
            assert_eq!(polygon.interiors()[0].0.len(), 5, "the hole is one cell");
            assert_eq!(regions[0].population, (1..=8).map(|k| 10 * k).sum::<u64>());
        }

        #[test]
        fn hole_touching_the_outline_at_a_corner() {
            // The ring of 8 without its south-west cell: the hole touches the outside at one point.
            let ring: Vec<(i32, i32)> = (-1..=1)
                .flat_map(|r| (-1..=1).map(move |c| (r, c)))
                .filter(|&p| p != (0, 0) && p != (-1, -1))
                .collect();
            let cells = at_offsets(&ring);
            let regions = merge_cells(&cells);
            assert_eq!(regions.len(), 1);
            check_all(&regions, &cells);
            assert_eq!(regions[0].geometry.interiors().len(), 1);
        }

        #[test]
        fn diagonal_contact_does_not_join() {
            let cells = at_offsets(&[(0, 0), (1, 1)]);
            let regions = merge_cells(&cells);
            assert_eq!(regions.len(), 2);
            check_all(&regions, &cells);
            assert!(regions.iter().all(|r| r.cells == 1));
        }

        #[test]
        fn cells_across_a_first_order_mesh_boundary_join() {
            let west = code("493077994");
            let east = west.neighbour(0, 1).unwrap();
            assert_eq!(east.first_order(), 4931);
            let north = west.neighbour(1, 0).unwrap();
            let cells = vec![(west, value(5)), (east, value(7)), (north, value(9))];
            let regions = merge_cells(&cells);
            assert_eq!(regions.len(), 1);
            check_all(&regions, &cells);
            assert_eq!(regions[0].codes, vec![west, east, north]);
            assert_eq!(regions[0].population, 21);
        }

        #[test]
        fn duplicate_codes_are_one_cell_with_summed_values() {
            let c = code("493015011");
            let regions = merge_cells(&[(c, value(3)), (c, value(4))]);
            assert_eq!(regions.len(), 1);
            assert_eq!((regions[0].cells, regions[0].population, regions[0].codes.len()), (1, 7, 1));
        }

        #[test]
        fn region_order_is_by_smallest_code_and_input_order_does_not_matter() {
            let mut cells = at_offsets(&[(0, 0), (0, 1), (5, 5), (5, 6), (-4, 9), (2, 0)]);
            let regions = merge_cells(&cells);
            check_all(&regions, &cells);
            cells.reverse();
            assert_eq!(merge_cells(&cells), regions);
        }

        /// A large random blob with holes, pinches and islands: ~10,000 cells.
        #[test]
        fn large_random_blob() {
            let cells = random_blob(0x5eed, 140, 0.52);
            assert!(cells.len() > 9_000);
            let regions = merge_cells(&cells);
            check_all(&regions, &cells);
            assert!(regions.iter().any(|r| r.geometry.interiors().len() > 10), "the blob has holes");
        }
    }

    /// Cells of a `side` × `side` square around Kumamoto kept with probability `fill` (seeded).
    pub(super) fn random_blob(seed: u64, side: i32, fill: f64) -> Vec<(MeshCode, CellValue)> {
        let mut state = seed;
        let mut next = move || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
        };
        let origin = code("493015011");
        let mut cells = Vec::new();
        for r in 0..side {
            for c in 0..side {
                if next() < fill {
                    cells.push((origin.neighbour(r, c).unwrap(), value((next() * 500.0) as u32)));
                }
            }
        }
        cells
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn random_small_grids(filled in proptest::collection::vec(any::<bool>(), 64..=64), shift in 0i32..200) {
            // An 8 × 8 window, shifted east across the 4930/4931 boundary now and then.
            let offsets: Vec<(i32, i32)> =
                (0..64).filter(|&k| filled[k as usize]).map(|k| (k / 8, k % 8 + shift)).collect();
            let origin = code("493077914");
            let cells: Vec<(MeshCode, CellValue)> =
                offsets.iter().map(|&(r, c)| (origin.neighbour(r, c).unwrap(), value(7))).collect();
            let regions = merge_cells(&cells);
            check_all(&regions, &cells);
            // Regions are 4-connected and not 4-adjacent to one another.
            for (a, ra) in regions.iter().enumerate() {
                for rb in &regions[a + 1..] {
                    for ca in &ra.codes {
                        for (dr, dc) in [(0, 1), (1, 0), (0, -1), (-1, 0)] {
                            prop_assert!(!rb.codes.contains(&ca.neighbour(dr, dc).unwrap()));
                        }
                    }
                }
            }
        }
    }
}
