//! Boundaries as WKB (Well-Known Binary, ISO 13249-3 / OGC Simple Features) MultiPolygons.
//!
//! Why WKB rather than GeoJSON text: coordinates are stored as the exact f64 bits (16 bytes a
//! point instead of ~38 characters of text), decoding is a bounds-checked copy instead of JSON
//! parsing, and PostGIS reads the same bytes with `ST_GeomFromWKB` when the PostgreSQL backend
//! comes. Only what the registry needs is implemented: 2-D MultiPolygons, written little endian,
//! read in either byte order.

use geo::{Coord, LineString, MultiPolygon, Polygon};

/// WKB geometry type code of a Polygon.
const POLYGON: u32 = 3;
/// WKB geometry type code of a MultiPolygon.
const MULTI_POLYGON: u32 = 6;
/// Byte-order marker of little-endian (NDR) WKB.
const LITTLE_ENDIAN: u8 = 1;
/// Byte-order marker of big-endian (XDR) WKB.
const BIG_ENDIAN: u8 = 0;

/// Why bytes are not a WKB MultiPolygon.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WkbError {
    /// The bytes end before the geometry does.
    #[error("WKB ends at byte {at} but {needed} more bytes are needed")]
    Truncated {
        /// Offset where reading stopped.
        at: usize,
        /// How many bytes were missing.
        needed: usize,
    },
    /// A byte-order marker other than 0 or 1.
    #[error("WKB byte-order marker {marker} at byte {at} is neither 0 nor 1")]
    ByteOrder {
        /// Offset of the marker.
        at: usize,
        /// The marker found.
        marker: u8,
    },
    /// A geometry type other than the one expected (Z/M variants included).
    #[error("WKB geometry type {found} at byte {at}, expected {expected}")]
    GeometryType {
        /// Offset of the type code.
        at: usize,
        /// The type code found.
        found: u32,
        /// The type code expected.
        expected: u32,
    },
    /// Bytes left over after the geometry.
    #[error("{extra} bytes after the end of the WKB geometry")]
    TrailingBytes {
        /// How many.
        extra: usize,
    },
}

/// Encodes a MultiPolygon as little-endian WKB.
pub fn encode_multi_polygon(geometry: &MultiPolygon<f64>) -> Vec<u8> {
    let points: usize = geometry
        .0
        .iter()
        .map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>())
        .sum();
    let mut out = Vec::with_capacity(9 + geometry.0.len() * 13 + points * 16);
    out.push(LITTLE_ENDIAN);
    out.extend_from_slice(&MULTI_POLYGON.to_le_bytes());
    push_count(&mut out, geometry.0.len());
    for polygon in &geometry.0 {
        out.push(LITTLE_ENDIAN);
        out.extend_from_slice(&POLYGON.to_le_bytes());
        push_count(&mut out, 1 + polygon.interiors().len());
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            push_count(&mut out, ring.0.len());
            for c in &ring.0 {
                out.extend_from_slice(&c.x.to_le_bytes());
                out.extend_from_slice(&c.y.to_le_bytes());
            }
        }
    }
    out
}

/// Writes a count as the u32 that WKB has; no boundary comes near 2^32 parts or points.
fn push_count(out: &mut Vec<u8>, count: usize) {
    let count = u32::try_from(count).expect("a boundary has fewer than 2^32 parts, rings and points");
    out.extend_from_slice(&count.to_le_bytes());
}

/// Decodes a WKB MultiPolygon; every count is checked against the bytes left, so corrupt input
/// yields an error, never a panic or a huge allocation.
pub fn decode_multi_polygon(bytes: &[u8]) -> Result<MultiPolygon<f64>, WkbError> {
    let mut reader = Reader { bytes, at: 0, little: true };
    reader.header(MULTI_POLYGON)?;
    // Each polygon takes at least 9 bytes (header + ring count).
    let polygons = reader.count(9)?;
    let mut out = Vec::with_capacity(polygons);
    for _ in 0..polygons {
        reader.header(POLYGON)?;
        // Each ring takes at least 4 bytes (its point count).
        let rings = reader.count(4)?;
        let mut exterior = LineString(Vec::new());
        let mut interiors = Vec::with_capacity(rings.saturating_sub(1));
        for ring_index in 0..rings {
            let points = reader.count(16)?;
            let mut coords = Vec::with_capacity(points);
            for _ in 0..points {
                let x = reader.f64()?;
                let y = reader.f64()?;
                coords.push(Coord { x, y });
            }
            if ring_index == 0 {
                exterior = LineString(coords);
            } else {
                interiors.push(LineString(coords));
            }
        }
        out.push(Polygon::new(exterior, interiors));
    }
    let extra = bytes.len() - reader.at;
    if extra > 0 {
        return Err(WkbError::TrailingBytes { extra });
    }
    Ok(MultiPolygon(out))
}

/// A cursor over WKB bytes in the byte order of the current geometry.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    little: bool,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], WkbError> {
        let slice = self
            .bytes
            .get(self.at..self.at + N)
            .ok_or_else(|| WkbError::Truncated { at: self.at, needed: self.at + N - self.bytes.len() })?;
        self.at += N;
        let mut out = [0; N];
        out.copy_from_slice(slice);
        Ok(out)
    }

    /// Reads a byte-order marker and a geometry type, which must be `expected`.
    fn header(&mut self, expected: u32) -> Result<(), WkbError> {
        let at = self.at;
        let [marker] = self.take::<1>()?;
        self.little = match marker {
            LITTLE_ENDIAN => true,
            BIG_ENDIAN => false,
            marker => return Err(WkbError::ByteOrder { at, marker }),
        };
        let at = self.at;
        let found = self.u32()?;
        if found != expected {
            return Err(WkbError::GeometryType { at, found, expected });
        }
        Ok(())
    }

    fn u32(&mut self) -> Result<u32, WkbError> {
        let b = self.take::<4>()?;
        Ok(if self.little { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) })
    }

    fn f64(&mut self) -> Result<f64, WkbError> {
        let b = self.take::<8>()?;
        Ok(if self.little { f64::from_le_bytes(b) } else { f64::from_be_bytes(b) })
    }

    /// Reads a count of items that take at least `min_size` bytes each, refusing counts that
    /// cannot fit in the bytes left.
    fn count(&mut self, min_size: usize) -> Result<usize, WkbError> {
        let count = self.u32()? as usize;
        let left = self.bytes.len() - self.at;
        let needed = count.saturating_mul(min_size);
        if needed > left {
            return Err(WkbError::Truncated { at: self.at, needed: needed - left });
        }
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn sample() -> MultiPolygon<f64> {
        let with_hole = polygon!(
            exterior: [(x: 130.0, y: 32.0), (x: 131.0, y: 32.0), (x: 131.0, y: 33.0), (x: 130.0, y: 32.0)],
            interiors: [[(x: 130.5, y: 32.2), (x: 130.6, y: 32.2), (x: 130.6, y: 32.3), (x: 130.5, y: 32.2)]],
        );
        let island = polygon![
            (x: 130.123_456_789_012_34, y: 32.987_654_321_098_76),
            (x: 130.2, y: 32.9),
            (x: 130.2, y: 33.0),
        ];
        MultiPolygon(vec![with_hole, island])
    }

    mod round_trip {
        use super::*;

        #[test]
        fn keeps_every_bit() {
            let geometry = sample();
            let bytes = encode_multi_polygon(&geometry);
            assert_eq!(decode_multi_polygon(&bytes), Ok(geometry));
        }

        #[test]
        fn empty_multi_polygon() {
            let empty = MultiPolygon::<f64>(vec![]);
            let bytes = encode_multi_polygon(&empty);
            assert_eq!(bytes.len(), 9);
            assert_eq!(decode_multi_polygon(&bytes), Ok(empty));
        }

        #[test]
        fn polygon_with_empty_exterior() {
            let empty_polygon = MultiPolygon(vec![Polygon::new(LineString::<f64>(vec![]), vec![])]);
            let bytes = encode_multi_polygon(&empty_polygon);
            assert_eq!(decode_multi_polygon(&bytes), Ok(empty_polygon));
        }

        #[test]
        fn matches_the_iso_layout() {
            let square = MultiPolygon(vec![polygon![(x: 1.0, y: 2.0), (x: 3.0, y: 2.0), (x: 3.0, y: 4.0)]]);
            let bytes = encode_multi_polygon(&square);
            // 1+4+4 (multi header, count) + 1+4+4 (polygon header, ring count) + 4 + 4 points * 16.
            assert_eq!(bytes.len(), 9 + 9 + 4 + 4 * 16);
            assert_eq!(&bytes[..9], &[1, 6, 0, 0, 0, 1, 0, 0, 0]);
            assert_eq!(&bytes[9..18], &[1, 3, 0, 0, 0, 1, 0, 0, 0]);
            assert_eq!(&bytes[18..22], &[4, 0, 0, 0]);
            assert_eq!(&bytes[22..30], &1.0f64.to_le_bytes());
        }

        #[test]
        fn reads_big_endian() {
            let mut bytes = vec![0u8];
            bytes.extend_from_slice(&6u32.to_be_bytes());
            bytes.extend_from_slice(&1u32.to_be_bytes());
            bytes.push(0);
            bytes.extend_from_slice(&3u32.to_be_bytes());
            bytes.extend_from_slice(&1u32.to_be_bytes());
            bytes.extend_from_slice(&4u32.to_be_bytes());
            for (x, y) in [(0.0f64, 0.0f64), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)] {
                bytes.extend_from_slice(&x.to_be_bytes());
                bytes.extend_from_slice(&y.to_be_bytes());
            }
            let decoded = decode_multi_polygon(&bytes).unwrap();
            assert_eq!(
                decoded,
                MultiPolygon(vec![polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0)]])
            );
        }
    }

    mod corrupt_input {
        use super::*;

        #[test]
        fn empty_bytes() {
            assert!(matches!(decode_multi_polygon(&[]), Err(WkbError::Truncated { at: 0, .. })));
        }

        #[test]
        fn every_truncation_is_an_error() {
            let bytes = encode_multi_polygon(&sample());
            for len in 0..bytes.len() {
                assert!(decode_multi_polygon(&bytes[..len]).is_err(), "prefix of {len} bytes accepted");
            }
        }

        #[test]
        fn trailing_bytes() {
            let mut bytes = encode_multi_polygon(&sample());
            bytes.push(0);
            assert_eq!(decode_multi_polygon(&bytes), Err(WkbError::TrailingBytes { extra: 1 }));
        }

        #[test]
        fn wrong_geometry_type() {
            let mut bytes = encode_multi_polygon(&sample());
            bytes[1] = 1; // Point
            assert_eq!(
                decode_multi_polygon(&bytes),
                Err(WkbError::GeometryType { at: 1, found: 1, expected: MULTI_POLYGON })
            );
        }

        #[test]
        fn bad_byte_order() {
            let mut bytes = encode_multi_polygon(&sample());
            bytes[0] = 7;
            assert_eq!(decode_multi_polygon(&bytes), Err(WkbError::ByteOrder { at: 0, marker: 7 }));
        }

        #[test]
        fn huge_count_is_refused_before_allocating() {
            let mut bytes = vec![1u8];
            bytes.extend_from_slice(&6u32.to_le_bytes());
            bytes.extend_from_slice(&u32::MAX.to_le_bytes());
            assert!(matches!(decode_multi_polygon(&bytes), Err(WkbError::Truncated { .. })));
        }
    }
}
