//! Simplification of polygon rings for a zoom level: Douglas–Peucker with a tolerance in tile units,
//! applied before clipping and quantisation so that neighbouring tiles draw the same edges.

/// Twice the signed area of an open ring by the surveyor's formula (positive = clockwise on screen
/// with y down, as MVT wants exteriors).
pub fn ring_area2(ring: &[[f64; 2]]) -> f64 {
    let n = ring.len();
    if n < 3 {
        return 0.0;
    }
    let mut sum = 0.0;
    let mut previous = ring[n - 1];
    for &p in ring {
        sum += previous[0] * p[1] - p[0] * previous[1];
        previous = p;
    }
    sum
}

/// Squared distance of `p` from the segment a–b.
fn segment_distance2(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let d = [b[0] - a[0], b[1] - a[1]];
    let len2 = d[0] * d[0] + d[1] * d[1];
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1]) / len2).clamp(0.0, 1.0)
    };
    let q = [a[0] + t * d[0] - p[0], a[1] + t * d[1] - p[1]];
    q[0] * q[0] + q[1] * q[1]
}

/// Marks the points of `points[first..=last]` that Douglas–Peucker keeps (iteratively: rings of
/// tens of thousands of points must not recurse that deep).
fn douglas_peucker(points: &[[f64; 2]], first: usize, last: usize, tolerance2: f64, keep: &mut [bool]) {
    let mut stack = vec![(first, last)];
    while let Some((a, b)) = stack.pop() {
        if b <= a + 1 {
            continue;
        }
        let (mut farthest, mut max) = (a, 0.0);
        for (i, &p) in points.iter().enumerate().take(b).skip(a + 1) {
            let d = segment_distance2(p, points[a], points[b]);
            if d > max {
                (farthest, max) = (i, d);
            }
        }
        if max > tolerance2 {
            keep[farthest] = true;
            stack.push((a, farthest));
            stack.push((farthest, b));
        }
    }
}

/// An open ring simplified with Douglas–Peucker, or None when it collapses: fewer than 3 points, or
/// an area below `min_area` (same units squared). The ring is split at its first point and the
/// point farthest from it, so a closed ring keeps two anchors and never degenerates to a line
/// before the area test catches it. Orientation is kept.
pub fn simplify_ring(ring: &[[f64; 2]], tolerance: f64, min_area: f64) -> Option<Vec<[f64; 2]>> {
    let n = ring.len();
    if n < 3 {
        return None;
    }
    let mut closed = Vec::with_capacity(n + 1);
    closed.extend_from_slice(ring);
    closed.push(ring[0]);
    let far = (1..n)
        .max_by(|&i, &j| {
            let di = segment_distance2(ring[i], ring[0], ring[0]);
            let dj = segment_distance2(ring[j], ring[0], ring[0]);
            di.total_cmp(&dj)
        })
        .unwrap_or(1);
    let mut keep = vec![false; n + 1];
    keep[0] = true;
    keep[far] = true;
    let tolerance2 = tolerance * tolerance;
    douglas_peucker(&closed, 0, far, tolerance2, &mut keep);
    douglas_peucker(&closed, far, n, tolerance2, &mut keep);
    let simplified: Vec<[f64; 2]> = (0..n).filter(|&i| keep[i]).map(|i| ring[i]).collect();
    (simplified.len() >= 3 && ring_area2(&simplified).abs() / 2.0 >= min_area).then_some(simplified)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_noisy_square_becomes_the_square() {
        // A 100 × 100 square with points every unit along its edges, wobbling by 0.2.
        let mut ring = Vec::new();
        for i in 0..100 {
            ring.push([f64::from(i), if i % 2 == 0 { 0.0 } else { 0.2 }]);
        }
        for i in 0..100 {
            ring.push([100.0, f64::from(i)]);
        }
        for i in (1..=100).rev() {
            ring.push([f64::from(i), 100.0]);
        }
        for i in (1..=100).rev() {
            ring.push([0.0, f64::from(i)]);
        }
        let simplified = simplify_ring(&ring, 1.0, 1.0).unwrap();
        assert!(simplified.len() <= 5, "{simplified:?}");
        assert!((ring_area2(&simplified) - ring_area2(&ring)).abs() / ring_area2(&ring) < 0.01);
        assert!(ring_area2(&simplified) > 0.0, "orientation kept");
        let reversed: Vec<_> = ring.iter().rev().copied().collect();
        assert!(ring_area2(&simplify_ring(&reversed, 1.0, 1.0).unwrap()) < 0.0);
    }

    #[test]
    fn detail_above_the_tolerance_is_kept() {
        let ring =
            [[0.0, 0.0], [50.0, 0.0], [50.0, 10.0], [60.0, 10.0], [60.0, 0.0], [100.0, 0.0], [100.0, 100.0]];
        assert_eq!(simplify_ring(&ring, 1.0, 1.0).unwrap().len(), ring.len());
    }

    #[test]
    fn small_and_degenerate_rings_collapse() {
        assert_eq!(simplify_ring(&[[0.0, 0.0], [0.5, 0.0], [0.5, 0.5], [0.0, 0.5]], 0.1, 1.0), None);
        assert_eq!(simplify_ring(&[[0.0, 0.0], [10.0, 0.0]], 0.1, 1.0), None);
        assert_eq!(simplify_ring(&[[0.0, 0.0], [5.0, 0.1], [10.0, 0.0], [5.0, -0.1]], 1.0, 1.0), None);
        assert_eq!(simplify_ring(&[], 1.0, 1.0), None);
    }

    #[test]
    fn simplified_rings_stay_valid() {
        // A star with 200 spikes: whatever the tolerance, the result has 3+ points and the same
        // orientation, or is dropped.
        let ring: Vec<[f64; 2]> = (0..400)
            .map(|i| {
                let a = f64::from(i) / 400.0 * std::f64::consts::TAU;
                let r = if i % 2 == 0 { 100.0 } else { 90.0 };
                [r * a.cos(), r * a.sin()]
            })
            .collect();
        for tolerance in [0.1, 1.0, 5.0, 20.0, 200.0] {
            if let Some(s) = simplify_ring(&ring, tolerance, 1.0) {
                assert!(s.len() >= 3);
                assert_eq!(ring_area2(&s).signum(), ring_area2(&ring).signum());
            }
        }
    }
}
