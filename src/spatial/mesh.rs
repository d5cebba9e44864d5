//! JIS X 0410 地域メッシュ (standard grid squares) codes and their cells, in JGD2000/JGD2011
//! geographic coordinates.
//!
//! | level | code digits | cell (lat × lon) | about |
//! |---|---|---|---|
//! | 1st (第1次) | 4 `pq rs` | 40′ × 1° | 80 km |
//! | 2nd (第2次) | 6 `+ t u` | 5′ × 7′30″ | 10 km |
//! | 3rd (第3次, 基準地域メッシュ) | 8 `+ v w` | 30″ × 45″ | 1 km |
//! | 4th (2分の1, 500 m) | 9 `+ m` (1 SW, 2 SE, 3 NW, 4 NE) | 15″ × 22.5″ | 500 m |
//!
//! Latitude of the south edge = pq / 1.5 + t × 5′ + v × 30″ (+ 15″ for m = 3, 4); longitude of the
//! west edge = rs + 100 + u × 7.5′ + w × 45″ (+ 22.5″ for m = 2, 4).

use std::fmt;
use std::str::FromStr;

/// A 500 m cell (4th-order, 2分の1地域メッシュ) code, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MeshCode(u32);

/// A mesh code string that is not a valid 9-digit 500 m code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a 500 m mesh code (9 digits pqrstuvwm: t,u,m in range, v,w 0-9, m 1-4)")]
pub struct InvalidMeshCode(pub String);

/// South-west corner and size of a cell, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellBounds {
    /// South edge latitude.
    pub south: f64,
    /// West edge longitude.
    pub west: f64,
    /// North edge latitude.
    pub north: f64,
    /// East edge longitude.
    pub east: f64,
}

/// Height of a 500 m cell in degrees of latitude (15″).
pub const CELL_LAT_DEG: f64 = 15.0 / 3600.0;
/// Width of a 500 m cell in degrees of longitude (22.5″).
pub const CELL_LON_DEG: f64 = 22.5 / 3600.0;

impl MeshCode {
    /// The code as a number (9 digits).
    pub fn value(self) -> u32 {
        self.0
    }

    fn digits(self) -> [u32; 9] {
        let mut d = [0; 9];
        let mut v = self.0;
        for slot in d.iter_mut().rev() {
            *slot = v % 10;
            v /= 10;
        }
        d
    }

    /// The 1st-order (80 km) mesh this cell lies in, e.g. 4930.
    pub fn first_order(self) -> u16 {
        (self.0 / 100_000) as u16
    }

    /// Row and column of the cell on the national 500 m grid (rows count north from 0°N in 15″
    /// steps, columns east from 100°E in 22.5″ steps): neighbours differ by one.
    pub fn grid(self) -> (i32, i32) {
        let [p, q, r, s, t, u, v, w, m] = self.digits();
        let row = (p * 10 + q) * 160 + t * 20 + v * 2 + u32::from(m >= 3);
        let col = (r * 10 + s) * 160 + u * 20 + w * 2 + u32::from(m % 2 == 0);
        (row as i32, col as i32)
    }

    /// The cell at a grid position, when it has a valid code.
    pub fn from_grid(row: i32, col: i32) -> Option<MeshCode> {
        if row < 0 || col < 0 {
            return None;
        }
        let (row, col) = (row as u32, col as u32);
        let (pq, rest_r) = (row / 160, row % 160);
        let (rs, rest_c) = (col / 160, col % 160);
        if pq > 99 || rs > 99 {
            return None;
        }
        let (t, v, half_r) = (rest_r / 20, (rest_r % 20) / 2, rest_r % 2);
        let (u, w, half_c) = (rest_c / 20, (rest_c % 20) / 2, rest_c % 2);
        let m = 1 + half_c + 2 * half_r;
        Some(MeshCode(pq * 10_000_000 + rs * 100_000 + t * 10_000 + u * 1_000 + v * 100 + w * 10 + m))
    }

    /// The neighbouring cell in a direction (d_row, d_col ∈ -1..=1).
    pub fn neighbour(self, d_row: i32, d_col: i32) -> Option<MeshCode> {
        let (row, col) = self.grid();
        MeshCode::from_grid(row + d_row, col + d_col)
    }

    /// The cell's bounds.
    pub fn bounds(self) -> CellBounds {
        let (row, col) = self.grid();
        // Each edge from its own grid line, so that neighbours share corners bit for bit.
        let south = f64::from(row) * CELL_LAT_DEG;
        let west = 100.0 + f64::from(col) * CELL_LON_DEG;
        let north = f64::from(row + 1) * CELL_LAT_DEG;
        let east = 100.0 + f64::from(col + 1) * CELL_LON_DEG;
        CellBounds { south, west, north, east }
    }

    /// The cell's centre as (lat, lon).
    pub fn centre(self) -> (f64, f64) {
        let b = self.bounds();
        ((b.south + b.north) / 2.0, (b.west + b.east) / 2.0)
    }

    /// The 500 m cell containing a point, when the point lies in the grid's range (0–66.7°N,
    /// 100–200°E).
    pub fn containing(lat: f64, lon: f64) -> Option<MeshCode> {
        if !(lat.is_finite() && lon.is_finite()) || lat < 0.0 || lon < 100.0 {
            return None;
        }
        MeshCode::from_grid(
            (lat / CELL_LAT_DEG).floor() as i32,
            ((lon - 100.0) / CELL_LON_DEG).floor() as i32,
        )
    }

    /// The cell as a polygon (closed ring, counter-clockwise).
    pub fn polygon(self) -> geo::Polygon<f64> {
        let b = self.bounds();
        geo::Polygon::new(
            geo::LineString::from(vec![
                (b.west, b.south),
                (b.east, b.south),
                (b.east, b.north),
                (b.west, b.north),
                (b.west, b.south),
            ]),
            vec![],
        )
    }
}

impl FromStr for MeshCode {
    type Err = InvalidMeshCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        let invalid = || InvalidMeshCode(s.to_owned());
        if trimmed.len() != 9 || !trimmed.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let value: u32 = trimmed.parse().map_err(|_| invalid())?;
        let code = MeshCode(value);
        let [_, _, _, _, t, u, _, _, m] = code.digits();
        if t > 7 || u > 7 || !(1..=4).contains(&m) {
            return Err(invalid());
        }
        Ok(code)
    }
}

impl fmt::Display for MeshCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:09}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> MeshCode {
        s.parse().unwrap()
    }

    mod parsing {
        use super::*;

        #[test]
        fn valid_and_invalid_codes() {
            assert_eq!(code("493001002").to_string(), "493001002");
            for bad in ["49300100", "4930010021", "49300100x", "493081001", "493001005", "493001000", ""] {
                assert!(bad.parse::<MeshCode>().is_err(), "{bad}");
            }
        }
    }

    mod geometry {
        use super::*;

        #[test]
        fn known_cells_match_the_published_polygons() {
            // e-Stat's 482927981: [129.975, 32.2416…]–[129.98125, 32.2458…] (the GeoJSON here).
            let b = code("482927981").bounds();
            assert!((b.west - 129.975).abs() < 1e-9 && (b.south - 32.241_666_666_666_67).abs() < 1e-9);
            assert!((b.east - 129.981_25).abs() < 1e-9 && (b.north - 32.245_833_333_333_34).abs() < 1e-9);
            // 493004031: [130.5375, 32.6666…]–[130.54375, 32.6708…].
            let b = code("493004031").bounds();
            assert!((b.west - 130.5375).abs() < 1e-9 && (b.south - 32.666_666_666_666_664).abs() < 1e-9);
        }

        #[test]
        fn containing_inverts_bounds_and_centre() {
            for s in ["493001002", "482927984", "493177994", "503000011", "362257444"] {
                let c = code(s);
                let (lat, lon) = c.centre();
                assert_eq!(MeshCode::containing(lat, lon), Some(c), "{s}");
                let b = c.bounds();
                assert_eq!(MeshCode::containing(b.south + 1e-9, b.west + 1e-9), Some(c));
            }
            assert_eq!(MeshCode::containing(-1.0, 130.0), None);
            assert_eq!(MeshCode::containing(32.0, 99.0), None);
        }

        #[test]
        fn neighbours_cross_every_mesh_boundary() {
            // East of the NE quarter of a 3rd-order cell at the east edge of a 1st-order mesh.
            let c = code("493077994");
            let east = c.neighbour(0, 1).unwrap();
            assert_eq!(east.first_order(), 4931);
            assert_eq!(east.neighbour(0, -1), Some(c));
            let north = c.neighbour(1, 0).unwrap();
            assert_eq!(north.first_order(), 5030);
            assert_eq!(north.neighbour(-1, 0), Some(c));
            let (row, col) = c.grid();
            assert_eq!(MeshCode::from_grid(row, col), Some(c));
            // Sharing an edge: the north edge of a cell is the south edge of its northern neighbour.
            assert_eq!(c.bounds().north, north.bounds().south, "exactly shared");
            assert_eq!(c.bounds().east, east.bounds().west, "exactly shared");
        }

        #[test]
        fn first_order_code() {
            assert_eq!(code("482927981").first_order(), 4829);
        }
    }
}
