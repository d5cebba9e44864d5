//! Tile math: XYZ tiles (the "slippy map" scheme: x east from 180°W, y south from 85.05°N), Web
//! Mercator (EPSG:3857) and lon/lat.
//!
//! Geometry is projected once into *world coordinates*: Web Mercator normalised to the unit square,
//! x east from 180°W, y **down** from 85.0511°N, so that a tile `z/x/y` is the square
//! `[x, x+1] × [y, y+1] / 2^z` and a point's position inside it is `(w · 2^z − (x, y)) · extent`.

/// The highest zoom accepted: z22, the deepest level map clients commonly request (tiles about 10 m
/// wide); beyond it a request is a client error.
pub const MAX_ZOOM: u8 = 22;

/// The latitude where Web Mercator's square world ends (atan(sinh(π)) in degrees).
pub const MAX_LATITUDE: f64 = 85.051_128_779_806_59;

/// Web Mercator sphere radius (the WGS84 semi-major axis), metres.
pub const EARTH_RADIUS_M: f64 = 6_378_137.0;

/// Half the width of the Web Mercator world, metres (π · R).
pub const HALF_WORLD_M: f64 = std::f64::consts::PI * EARTH_RADIUS_M;

/// A tile coordinate that is out of range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileRangeError {
    /// The zoom is above [`MAX_ZOOM`].
    #[error("z={0} is out of range (0..={MAX_ZOOM})")]
    Zoom(u64),
    /// x is not below 2^z.
    #[error("x={x} is out of range at z={z} (0..={})", (1u64 << z) - 1)]
    X {
        /// The zoom.
        z: u8,
        /// The column given.
        x: u64,
    },
    /// y is not below 2^z.
    #[error("y={y} is out of range at z={z} (0..={})", (1u64 << z) - 1)]
    Y {
        /// The zoom.
        z: u8,
        /// The row given.
        y: u64,
    },
}

impl TileRangeError {
    /// The request parameter at fault: `z`, `x` or `y`.
    pub fn parameter(&self) -> &'static str {
        match self {
            TileRangeError::Zoom(_) => "z",
            TileRangeError::X { .. } => "x",
            TileRangeError::Y { .. } => "y",
        }
    }

    /// The allowed range of that parameter, for error messages.
    pub fn allowed(&self) -> String {
        match self {
            TileRangeError::Zoom(_) => format!("a whole number from 0 to {MAX_ZOOM}"),
            TileRangeError::X { z, .. } | TileRangeError::Y { z, .. } => {
                format!("a whole number from 0 to {} at z={z}", (1u64 << z) - 1)
            }
        }
    }
}

/// An axis-aligned rectangle (in world or tile coordinates; y grows downwards in both).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Smallest x and y.
    pub min: [f64; 2],
    /// Largest x and y.
    pub max: [f64; 2],
}

impl Rect {
    /// The rectangle spanned by two corners, in any order.
    pub fn new(a: [f64; 2], b: [f64; 2]) -> Rect {
        Rect { min: [a[0].min(b[0]), a[1].min(b[1])], max: [a[0].max(b[0]), a[1].max(b[1])] }
    }

    /// The bounding box of points (None for no points).
    pub fn around(points: impl IntoIterator<Item = [f64; 2]>) -> Option<Rect> {
        let mut points = points.into_iter();
        let first = points.next()?;
        Some(points.fold(Rect { min: first, max: first }, |r, p| Rect {
            min: [r.min[0].min(p[0]), r.min[1].min(p[1])],
            max: [r.max[0].max(p[0]), r.max[1].max(p[1])],
        }))
    }

    /// Whether the two rectangles share at least a point.
    pub fn intersects(&self, other: &Rect) -> bool {
        self.min[0] <= other.max[0]
            && other.min[0] <= self.max[0]
            && self.min[1] <= other.max[1]
            && other.min[1] <= self.max[1]
    }

    /// Whether the point lies inside or on the edge.
    pub fn contains(&self, p: [f64; 2]) -> bool {
        (self.min[0]..=self.max[0]).contains(&p[0]) && (self.min[1]..=self.max[1]).contains(&p[1])
    }

    /// Whether `other` lies entirely inside.
    pub fn contains_rect(&self, other: &Rect) -> bool {
        self.contains(other.min) && self.contains(other.max)
    }

    /// The rectangle grown by `d` on every side.
    pub fn expand(&self, d: f64) -> Rect {
        Rect { min: [self.min[0] - d, self.min[1] - d], max: [self.max[0] + d, self.max[1] + d] }
    }

    /// The smallest rectangle holding both.
    pub fn union(&self, other: &Rect) -> Rect {
        Rect {
            min: [self.min[0].min(other.min[0]), self.min[1].min(other.min[1])],
            max: [self.max[0].max(other.max[0]), self.max[1].max(other.max[1])],
        }
    }

    /// Width times height.
    pub fn area(&self) -> f64 {
        (self.max[0] - self.min[0]) * (self.max[1] - self.min[1])
    }
}

/// World coordinates (normalised Web Mercator, y down) of a lon/lat in degrees. Latitudes beyond
/// ±[`MAX_LATITUDE`] are clamped to the edge of the square world.
pub fn world_from_lon_lat(lon: f64, lat: f64) -> [f64; 2] {
    let lat = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    let x = (lon + 180.0) / 360.0;
    // ln(tan(π/4 + φ/2)) written with asinh(tan φ), which is exact at φ = 0 and stable near the poles.
    let y = 0.5 - lat.tan().asinh() / (2.0 * std::f64::consts::PI);
    [x, y]
}

/// Lon/lat in degrees of world coordinates.
pub fn lon_lat_from_world(w: [f64; 2]) -> (f64, f64) {
    let lon = w[0] * 360.0 - 180.0;
    let lat = ((0.5 - w[1]) * 2.0 * std::f64::consts::PI).sinh().atan().to_degrees();
    (lon, lat)
}

/// EPSG:3857 metres of a lon/lat in degrees.
pub fn mercator_from_lon_lat(lon: f64, lat: f64) -> [f64; 2] {
    mercator_from_world(world_from_lon_lat(lon, lat))
}

/// Lon/lat in degrees of EPSG:3857 metres.
pub fn lon_lat_from_mercator(m: [f64; 2]) -> (f64, f64) {
    lon_lat_from_world(world_from_mercator(m))
}

/// EPSG:3857 metres of world coordinates.
pub fn mercator_from_world(w: [f64; 2]) -> [f64; 2] {
    [(w[0] - 0.5) * 2.0 * HALF_WORLD_M, (0.5 - w[1]) * 2.0 * HALF_WORLD_M]
}

/// World coordinates of EPSG:3857 metres.
pub fn world_from_mercator(m: [f64; 2]) -> [f64; 2] {
    [m[0] / (2.0 * HALF_WORLD_M) + 0.5, 0.5 - m[1] / (2.0 * HALF_WORLD_M)]
}

/// One XYZ tile, in range by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    z: u8,
    x: u32,
    y: u32,
}

impl TileId {
    /// The tile `z/x/y`, when `z ≤ MAX_ZOOM` and `x, y < 2^z`. Wide integer arguments so that any
    /// parsed request value can be checked without overflow.
    pub fn new(z: u64, x: u64, y: u64) -> Result<TileId, TileRangeError> {
        if z > u64::from(MAX_ZOOM) {
            return Err(TileRangeError::Zoom(z));
        }
        let z = z as u8;
        let n = 1u64 << z;
        if x >= n {
            return Err(TileRangeError::X { z, x });
        }
        if y >= n {
            return Err(TileRangeError::Y { z, y });
        }
        Ok(TileId { z, x: x as u32, y: y as u32 })
    }

    /// The tile at zoom `z` holding a lon/lat (latitudes clamped to the square world; a point on a
    /// tile edge belongs to the tile east / south of it, the last tile keeps the world's edge).
    pub fn containing(lon: f64, lat: f64, z: u8) -> Result<TileId, TileRangeError> {
        if z > MAX_ZOOM {
            return Err(TileRangeError::Zoom(u64::from(z)));
        }
        let [wx, wy] = world_from_lon_lat(lon, lat);
        let n = (1u64 << z) as f64;
        let index = |w: f64| (w * n).floor().clamp(0.0, n - 1.0) as u64;
        TileId::new(u64::from(z), index(wx), index(wy))
    }

    /// Zoom.
    pub fn z(&self) -> u8 {
        self.z
    }

    /// Column, east from 180°W.
    pub fn x(&self) -> u32 {
        self.x
    }

    /// Row, south from 85.05°N.
    pub fn y(&self) -> u32 {
        self.y
    }

    /// Tiles per side of the world at this zoom (2^z).
    pub fn scale(&self) -> f64 {
        (1u64 << self.z) as f64
    }

    /// The tile's square in world coordinates.
    pub fn world_bounds(&self) -> Rect {
        let n = self.scale();
        Rect {
            min: [f64::from(self.x) / n, f64::from(self.y) / n],
            max: [f64::from(self.x + 1) / n, f64::from(self.y + 1) / n],
        }
    }

    /// The tile's square grown by `buffer` tile units on each side, in world coordinates.
    pub fn buffered_world_bounds(&self, extent: u32, buffer: u32) -> Rect {
        self.world_bounds().expand(f64::from(buffer) / (f64::from(extent) * self.scale()))
    }

    /// `[west, south, east, north]` in degrees.
    pub fn lon_lat_bounds(&self) -> [f64; 4] {
        let r = self.world_bounds();
        let (west, north) = lon_lat_from_world(r.min);
        let (east, south) = lon_lat_from_world(r.max);
        [west, south, east, north]
    }

    /// `[min_x, min_y, max_x, max_y]` in EPSG:3857 metres.
    pub fn mercator_bounds(&self) -> [f64; 4] {
        let r = self.world_bounds();
        let [x0, y1] = mercator_from_world(r.min);
        let [x1, y0] = mercator_from_world(r.max);
        [x0, y0, x1, y1]
    }

    /// Tile coordinates (0..extent inside the tile, y down, not rounded) of a world position.
    pub fn tile_point(&self, w: [f64; 2], extent: u32) -> [f64; 2] {
        let n = self.scale();
        let e = f64::from(extent);
        [(w[0] * n - f64::from(self.x)) * e, (w[1] * n - f64::from(self.y)) * e]
    }

    /// The world size of one tile unit at this zoom.
    pub fn unit(&self, extent: u32) -> f64 {
        1.0 / (f64::from(extent) * self.scale())
    }
}

impl std::fmt::Display for TileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    mod known_tiles {
        use super::*;

        /// 熊本城 (Kumamoto Castle) by the standard formula: z14 x = (130.7058 + 180) / 360 · 2^14
        /// = 14140.57, y = (1 − ln(tan φ + sec φ) / π) / 2 · 2^14 = 6609.97.
        #[test]
        fn kumamoto_castle() {
            let tile = TileId::containing(130.7058, 32.8063, 14).unwrap();
            assert_eq!((tile.z(), tile.x(), tile.y()), (14, 14140, 6609));
            assert_eq!(
                TileId::containing(130.7058, 32.8063, 10).unwrap(),
                TileId::new(10, 883, 413).unwrap()
            );
            let p = tile.tile_point(world_from_lon_lat(130.7058, 32.8063), 4096);
            assert!((p[0] - 0.566_186_67 * 4096.0).abs() < 0.01, "{p:?}");
            assert!((p[1] - 0.969_933_93 * 4096.0).abs() < 0.01, "{p:?}");
        }

        #[test]
        fn world_corners_and_origin() {
            assert_eq!(TileId::containing(0.0, 0.0, 1).unwrap(), TileId::new(1, 1, 1).unwrap());
            assert_eq!(TileId::containing(-180.0, 85.0511, 5).unwrap(), TileId::new(5, 0, 0).unwrap());
            // The east edge and the south pole belong to the last tile, not to a tile out of range.
            assert_eq!(TileId::containing(180.0, -90.0, 3).unwrap(), TileId::new(3, 7, 7).unwrap());
            assert_eq!(TileId::containing(10.0, 90.0, 0).unwrap(), TileId::new(0, 0, 0).unwrap());
        }

        #[test]
        fn bounds() {
            let t = TileId::new(1, 1, 0).unwrap();
            let [w, s, e, n] = t.lon_lat_bounds();
            assert!((w - 0.0).abs() < 1e-12 && (e - 180.0).abs() < 1e-12);
            assert!(s.abs() < 1e-9 && (n - MAX_LATITUDE).abs() < 1e-9);
            let [x0, y0, x1, y1] = TileId::new(0, 0, 0).unwrap().mercator_bounds();
            assert!((x0 + HALF_WORLD_M).abs() < 1e-6 && (y1 - HALF_WORLD_M).abs() < 1e-6);
            assert!((x1 - HALF_WORLD_M).abs() < 1e-6 && (y0 + HALF_WORLD_M).abs() < 1e-6);
            assert!((HALF_WORLD_M - 20_037_508.342_789_244).abs() < 1e-6);
            // Neighbours share edges exactly.
            let a = TileId::new(14, 14140, 6609).unwrap();
            let b = TileId::new(14, 14141, 6609).unwrap();
            assert_eq!(a.lon_lat_bounds()[2], b.lon_lat_bounds()[0]);
        }
    }

    mod projections {
        use super::*;

        #[test]
        fn round_trips() {
            for (lon, lat) in [(130.7058, 32.8063), (-73.98, 40.75), (0.0, 0.0), (179.9, -84.0)] {
                let (lo, la) = lon_lat_from_world(world_from_lon_lat(lon, lat));
                assert!((lo - lon).abs() < 1e-9 && (la - lat).abs() < 1e-9);
                let (lo, la) = lon_lat_from_mercator(mercator_from_lon_lat(lon, lat));
                assert!((lo - lon).abs() < 1e-9 && (la - lat).abs() < 1e-9);
            }
            // EPSG:3857 of 熊本城 by the textbook formula x = Rλ, y = R ln tan(π/4 + φ/2), computed
            // independently (Python): 14550103.0997, 3869621.6611.
            let [x, y] = mercator_from_lon_lat(130.7058, 32.8063);
            assert!((x - 14_550_103.099_7).abs() < 1e-3 && (y - 3_869_621.661_1).abs() < 1e-3, "{x} {y}");
        }

        #[test]
        fn poles_are_clamped() {
            assert_eq!(world_from_lon_lat(0.0, 90.0)[1], world_from_lon_lat(0.0, MAX_LATITUDE)[1]);
            assert!(world_from_lon_lat(0.0, MAX_LATITUDE)[1].abs() < 1e-12);
            assert!((world_from_lon_lat(0.0, -90.0)[1] - 1.0).abs() < 1e-12);
        }
    }

    mod ranges {
        use super::*;

        #[test]
        fn out_of_range_names_the_parameter() {
            assert!(TileId::new(0, 0, 0).is_ok());
            assert!(TileId::new(22, (1 << 22) - 1, (1 << 22) - 1).is_ok());
            let e = TileId::new(23, 0, 0).unwrap_err();
            assert_eq!((e.parameter(), e.allowed().as_str()), ("z", "a whole number from 0 to 22"));
            let e = TileId::new(3, 8, 0).unwrap_err();
            assert_eq!(e.parameter(), "x");
            assert!(e.allowed().contains("0 to 7"), "{}", e.allowed());
            assert_eq!(TileId::new(3, 0, 8).unwrap_err().parameter(), "y");
            assert_eq!(TileId::new(0, 1, 0).unwrap_err().parameter(), "x");
            assert_eq!(TileId::new(u64::MAX, u64::MAX, 0).unwrap_err().parameter(), "z");
            assert_eq!(
                TileId::new(5, u64::MAX, 0).unwrap_err().to_string(),
                format!("x={} is out of range at z=5 (0..=31)", u64::MAX)
            );
            assert!(TileId::containing(0.0, 0.0, 23).is_err());
        }
    }
}
