//! Point clustering on a grid aligned with the tile: every grid cell lies inside one tile, so each
//! point belongs to exactly one cluster of exactly one tile and the counts of all tiles of a zoom
//! add up to the number of points.

use crate::model::FacilityKind;

/// A point to cluster: its position in tile units and what it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterInput {
    /// Position in tile units (0..extent).
    pub position: [f64; 2],
    /// Facility kind, for the per-kind counts.
    pub kind: FacilityKind,
    /// The caller's index of the point.
    pub index: u32,
}

/// One output point of the clustering.
#[derive(Debug, Clone, PartialEq)]
pub enum Clustered {
    /// A grid cell holding one point: drawn as that point.
    Single(ClusterInput),
    /// A grid cell holding several points.
    Cluster {
        /// The mean position of the members, in tile units.
        position: [f64; 2],
        /// Members.
        count: u32,
        /// Members per kind, indexed by [`FacilityKind::index`].
        kinds: [u32; FacilityKind::ALL.len()],
    },
}

impl Clustered {
    /// The most common kind of a cluster (ties go to the kind listed first in
    /// [`FacilityKind::ALL`]).
    pub fn dominant_kind(kinds: &[u32; FacilityKind::ALL.len()]) -> FacilityKind {
        let mut best = 0;
        for i in 1..kinds.len() {
            if kinds[i] > kinds[best] {
                best = i;
            }
        }
        FacilityKind::ALL[best]
    }

    /// `kind:count` for every kind present, comma-separated, in [`FacilityKind::ALL`] order,
    /// e.g. `hospital:3,clinic:10`.
    pub fn kinds_summary(kinds: &[u32; FacilityKind::ALL.len()]) -> String {
        FacilityKind::ALL
            .iter()
            .zip(kinds)
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| format!("{}:{n}", k.as_str()))
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[derive(Debug, Clone, Copy)]
struct Accumulator {
    first: ClusterInput,
    sum: [f64; 2],
    count: u32,
    kinds: [u32; FacilityKind::ALL.len()],
}

/// Clusters points of one tile on a grid of `cell` units (the tile holds `extent / cell` cells per
/// side; points on or past the far edge go to the last cell). Output is in grid order (rows from
/// the top), so equal input gives equal tiles.
pub fn cluster(points: impl IntoIterator<Item = ClusterInput>, extent: u32, cell: u32) -> Vec<Clustered> {
    let per_side = (extent / cell.max(1)).max(1) as usize;
    let mut grid: Vec<Option<Accumulator>> = vec![None; per_side * per_side];
    let index = |v: f64| ((v / f64::from(cell.max(1))).floor().max(0.0) as usize).min(per_side - 1);
    for p in points {
        let slot = &mut grid[index(p.position[1]) * per_side + index(p.position[0])];
        let acc = slot.get_or_insert(Accumulator {
            first: p,
            sum: [0.0, 0.0],
            count: 0,
            kinds: [0; FacilityKind::ALL.len()],
        });
        acc.sum[0] += p.position[0];
        acc.sum[1] += p.position[1];
        acc.count += 1;
        acc.kinds[p.kind.index()] += 1;
    }
    grid.into_iter()
        .flatten()
        .map(|acc| {
            if acc.count == 1 {
                Clustered::Single(acc.first)
            } else {
                let n = f64::from(acc.count);
                Clustered::Cluster {
                    position: [acc.sum[0] / n, acc.sum[1] / n],
                    count: acc.count,
                    kinds: acc.kinds,
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(x: f64, y: f64, kind: FacilityKind, index: u32) -> ClusterInput {
        ClusterInput { position: [x, y], kind, index }
    }

    #[test]
    fn close_points_merge_and_lone_points_stay() {
        let points = [
            point(10.0, 10.0, FacilityKind::Clinic, 0),
            point(20.0, 30.0, FacilityKind::Clinic, 1),
            point(30.0, 20.0, FacilityKind::Hospital, 2),
            point(3000.0, 3000.0, FacilityKind::Pharmacy, 3),
        ];
        let out = cluster(points, 4096, 256);
        assert_eq!(out.len(), 2);
        let Clustered::Cluster { position, count, kinds } = &out[0] else { panic!("{out:?}") };
        assert_eq!(*count, 3);
        assert_eq!(*position, [20.0, 20.0]);
        assert_eq!(Clustered::dominant_kind(kinds), FacilityKind::Clinic);
        assert_eq!(Clustered::kinds_summary(kinds), "hospital:1,clinic:2");
        assert_eq!(out[1], Clustered::Single(points[3]));
    }

    #[test]
    fn counts_add_up_and_edges_stay_inside() {
        let points: Vec<_> = (0..1000)
            .map(|i| {
                point(
                    f64::from(i * 37 % 4097),
                    f64::from(i * 91 % 4097),
                    FacilityKind::ALL[i as usize % 7],
                    i,
                )
            })
            .collect();
        let out = cluster(points, 4096, 256);
        let total: u32 = out
            .iter()
            .map(|c| match c {
                Clustered::Single(_) => 1,
                Clustered::Cluster { count, .. } => *count,
            })
            .sum();
        assert_eq!(total, 1000);
        assert!(out.len() <= 256);
    }

    #[test]
    fn empty_input() {
        assert!(cluster([], 4096, 256).is_empty());
    }
}
