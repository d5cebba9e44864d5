//! Clipping to a tile and its buffer: polygon rings by Sutherland–Hodgman (one pass per rectangle
//! edge), lines by Liang–Barsky per segment. Coordinates are tile units (f64, y down) so that the
//! buffer is a plain number of units.
//!
//! Sutherland–Hodgman keeps a ring a single ring: where a polygon leaves and re-enters the
//! rectangle, the result runs along the rectangle's edge (zero-width "bridges"). Renderers fill
//! those correctly, and the result stays one valid ring in the MVT sense.

use super::math::Rect;

#[derive(Clone, Copy)]
enum Edge {
    Left(f64),
    Right(f64),
    Top(f64),
    Bottom(f64),
}

impl Edge {
    fn inside(self, p: [f64; 2]) -> bool {
        match self {
            Edge::Left(x) => p[0] >= x,
            Edge::Right(x) => p[0] <= x,
            Edge::Top(y) => p[1] >= y,
            Edge::Bottom(y) => p[1] <= y,
        }
    }

    /// Where segment a→b crosses the edge's line; the crossing coordinate is set exactly so that
    /// clipped rings of neighbouring features meet on the same line.
    fn intersection(self, a: [f64; 2], b: [f64; 2]) -> [f64; 2] {
        match self {
            Edge::Left(x) | Edge::Right(x) => {
                let t = (x - a[0]) / (b[0] - a[0]);
                [x, a[1] + t * (b[1] - a[1])]
            }
            Edge::Top(y) | Edge::Bottom(y) => {
                let t = (y - a[1]) / (b[1] - a[1]);
                [a[0] + t * (b[0] - a[0]), y]
            }
        }
    }
}

/// A ring (open: the first point is not repeated) clipped to a rectangle; empty when nothing of it
/// is inside. The result may hold repeated points and edges along the rectangle; quantisation
/// removes the repeats.
pub fn clip_ring(ring: &[[f64; 2]], rect: &Rect) -> Vec<[f64; 2]> {
    let mut output = ring.to_vec();
    let mut input = Vec::with_capacity(ring.len() + 8);
    for edge in
        [Edge::Left(rect.min[0]), Edge::Right(rect.max[0]), Edge::Top(rect.min[1]), Edge::Bottom(rect.max[1])]
    {
        if output.is_empty() {
            break;
        }
        std::mem::swap(&mut input, &mut output);
        output.clear();
        let mut previous = input[input.len() - 1];
        for &current in &input {
            match (edge.inside(previous), edge.inside(current)) {
                (true, true) => output.push(current),
                (true, false) => output.push(edge.intersection(previous, current)),
                (false, true) => {
                    output.push(edge.intersection(previous, current));
                    output.push(current);
                }
                (false, false) => {}
            }
            previous = current;
        }
    }
    output
}

/// A line string clipped to a rectangle: the parts inside, each of 2 points or more.
pub fn clip_line(line: &[[f64; 2]], rect: &Rect) -> Vec<Vec<[f64; 2]>> {
    let mut parts: Vec<Vec<[f64; 2]>> = Vec::new();
    let mut current: Vec<[f64; 2]> = Vec::new();
    for segment in line.windows(2) {
        let (a, b) = (segment[0], segment[1]);
        match clip_segment(a, b, rect) {
            Some((p, q)) => {
                if current.last() != Some(&p) {
                    if current.len() >= 2 {
                        parts.push(std::mem::take(&mut current));
                    }
                    current.clear();
                    current.push(p);
                }
                current.push(q);
                // The segment left the rectangle: the next inside piece starts a new part.
                if q != b {
                    if current.len() >= 2 {
                        parts.push(std::mem::take(&mut current));
                    }
                    current.clear();
                }
            }
            None => {
                if current.len() >= 2 {
                    parts.push(std::mem::take(&mut current));
                }
                current.clear();
            }
        }
    }
    if current.len() >= 2 {
        parts.push(current);
    }
    parts
}

/// Liang–Barsky: the part of segment a→b inside the rectangle.
fn clip_segment(a: [f64; 2], b: [f64; 2], rect: &Rect) -> Option<([f64; 2], [f64; 2])> {
    let d = [b[0] - a[0], b[1] - a[1]];
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for axis in 0..2 {
        for (p, q) in [(-d[axis], a[axis] - rect.min[axis]), (d[axis], rect.max[axis] - a[axis])] {
            if p == 0.0 {
                if q < 0.0 {
                    return None;
                }
            } else {
                let t = q / p;
                if p < 0.0 {
                    t0 = t0.max(t);
                } else {
                    t1 = t1.min(t);
                }
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let at = |t: f64| {
        if t == 0.0 {
            a
        } else if t == 1.0 {
            b
        } else {
            [a[0] + t * d[0], a[1] + t * d[1]]
        }
    };
    Some((at(t0), at(t1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square() -> Rect {
        Rect::new([0.0, 0.0], [10.0, 10.0])
    }

    fn area2(ring: &[[f64; 2]]) -> f64 {
        let n = ring.len();
        (0..n).map(|i| ring[i][0] * ring[(i + 1) % n][1] - ring[(i + 1) % n][0] * ring[i][1]).sum()
    }

    mod rings {
        use super::*;

        #[test]
        fn inside_is_unchanged_and_outside_is_empty() {
            let ring = vec![[1.0, 1.0], [5.0, 1.0], [5.0, 5.0]];
            assert_eq!(clip_ring(&ring, &square()), ring);
            assert!(clip_ring(&[[20.0, 20.0], [30.0, 20.0], [30.0, 30.0]], &square()).is_empty());
            assert!(clip_ring(&[], &square()).is_empty());
        }

        #[test]
        fn a_covering_ring_becomes_the_rectangle() {
            let ring = [[-5.0, -5.0], [15.0, -5.0], [15.0, 15.0], [-5.0, 15.0]];
            let clipped = clip_ring(&ring, &square());
            assert_eq!(area2(&clipped), 200.0, "{clipped:?}");
            assert!(clipped.iter().all(|p| square().contains(*p)));
        }

        #[test]
        fn a_crossing_ring_keeps_its_orientation_and_inside_area() {
            // A triangle half outside to the right: the inside part is x in [5, 10].
            let ring = [[5.0, 0.0], [15.0, 5.0], [5.0, 10.0]];
            let clipped = clip_ring(&ring, &square());
            assert!(clipped.iter().all(|p| square().contains(*p)));
            assert!(area2(&clipped) > 0.0, "orientation kept");
            assert!((area2(&clipped) - 75.0).abs() < 1e-9, "{}", area2(&clipped));
            let reversed: Vec<_> = ring.iter().rev().copied().collect();
            assert!(area2(&clip_ring(&reversed, &square())) < 0.0);
        }
    }

    mod lines {
        use super::*;

        #[test]
        fn a_line_leaving_and_reentering_becomes_two_parts() {
            let line = [[1.0, 5.0], [15.0, 5.0], [15.0, 8.0], [2.0, 8.0]];
            let parts = clip_line(&line, &square());
            assert_eq!(parts, [vec![[1.0, 5.0], [10.0, 5.0]], vec![[10.0, 8.0], [2.0, 8.0]]]);
        }

        #[test]
        fn inside_outside_and_crossing() {
            let inside = [[1.0, 1.0], [2.0, 2.0], [3.0, 1.0]];
            assert_eq!(clip_line(&inside, &square()), [inside.to_vec()]);
            assert!(clip_line(&[[-1.0, -1.0], [-5.0, 20.0]], &square()).is_empty());
            assert_eq!(clip_line(&[[-5.0, 5.0], [15.0, 5.0]], &square()), [vec![[0.0, 5.0], [10.0, 5.0]]]);
            assert!(clip_line(&[[1.0, 1.0]], &square()).is_empty());
        }
    }
}
