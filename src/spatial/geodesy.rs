//! Distances on the WGS84 ellipsoid.
//!
//! Reported distances are geodesic (Karney's algorithm through geo's [`Geodesic`]), accurate to
//! nanometres. The index works with straight-line (chord) distances between earth-centred,
//! earth-fixed (ECEF) points on the same ellipsoid: a chord is never longer than the geodesic between
//! its ends, so it is a valid lower bound for pruning, and for the distances that matter here
//! (< 100 km) it is shorter by less than a metre.

use geo::{Distance, Geodesic, Point};

/// WGS84 semi-major axis in metres.
const WGS84_A: f64 = 6_378_137.0;
/// WGS84 flattening.
const WGS84_F: f64 = 1.0 / 298.257_223_563;

/// Geodesic distance in metres between two points given as (lat, lon) degrees.
pub fn geodesic_distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    Geodesic.distance(Point::new(lon1, lat1), Point::new(lon2, lat2))
}

/// Earth-centred, earth-fixed coordinates (metres) of a point on the WGS84 ellipsoid surface.
pub fn ecef(lat: f64, lon: f64) -> [f64; 3] {
    let e2 = WGS84_F * (2.0 - WGS84_F);
    let (sin_lat, cos_lat) = lat.to_radians().sin_cos();
    let (sin_lon, cos_lon) = lon.to_radians().sin_cos();
    let n = WGS84_A / (1.0 - e2 * sin_lat * sin_lat).sqrt();
    [n * cos_lat * cos_lon, n * cos_lat * sin_lon, n * (1.0 - e2) * sin_lat]
}

/// Squared straight-line distance between two ECEF points.
pub fn chord_squared(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)
}

/// Smallest radius of curvature anywhere on the WGS84 ellipsoid, in metres: the meridional radius
/// at the equator, a(1 − e²).
const MIN_RADIUS_OF_CURVATURE_M: f64 = WGS84_A * (1.0 - WGS84_F * (2.0 - WGS84_F));

/// Slack for rounding in [`geodesic_bounds_from_chord`]: ECEF points and chords are computed to about
/// 10 nm and Karney's distances to 15 nm, so a micrometre is a wide safety margin.
const CHORD_BOUND_SLACK_M: f64 = 1e-6;

/// Bounds `(lower, upper)` on the geodesic distance between two points whose ECEF chord is
/// `chord_m`, rounding included: `lower ≤ geodesic_distance_m(..) ≤ upper`.
///
/// The lower bound is the chord itself. The upper bound follows from Schur's comparison theorem: a
/// geodesic, seen as a space curve, bends only as much as the surface does along it (its curvature
/// is the normal curvature), which never exceeds 1/R with R = a(1 − e²); a curve of length
/// s ≤ πR whose curvature is at most 1/R has a chord of at least 2R·sin(s/2R), so
/// s ≤ 2R·asin(chord/2R). The gap is about chord³/(24R²): 4 mm at 16 km, 3 cm at 30 km, so a caller
/// that only needs to know which side of a threshold a distance lies on can skip the exact geodesic
/// for all but the pairs within centimetres of it. Chords over 12,000 km (nearly antipodal points,
/// where s may exceed πR) get an infinite upper bound.
pub fn geodesic_bounds_from_chord(chord_m: f64) -> (f64, f64) {
    let lower = chord_m - CHORD_BOUND_SLACK_M;
    if chord_m > 12_000_000.0 {
        return (lower, f64::INFINITY);
    }
    let r = MIN_RADIUS_OF_CURVATURE_M;
    let upper = 2.0 * r * (chord_m / (2.0 * r)).asin();
    (lower, upper * (1.0 + 1e-12) + CHORD_BOUND_SLACK_M)
}

/// Whether (lat, lon) are finite and in range.
pub fn valid_lat_lon(lat: f64, lon: f64) -> bool {
    lat.is_finite() && lon.is_finite() && (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_geodesic_distance() {
        // One degree of latitude at 32.5°N is 110.87 km on WGS84 (meridian arc).
        let d = geodesic_distance_m(32.0, 130.7, 33.0, 130.7);
        assert!((d - 110_874.0).abs() < 50.0, "{d}");
        assert_eq!(geodesic_distance_m(32.8, 130.7, 32.8, 130.7), 0.0);
    }

    #[test]
    fn chord_is_a_lower_bound_and_tight_at_short_range() {
        let pairs = [
            ((32.8, 130.7), (32.81, 130.71)),
            ((32.8, 130.7), (32.2, 130.76)),
            ((0.0, 0.0), (0.0, 90.0)),
            ((45.0, 141.0), (24.0, 123.0)),
            ((-33.9, 18.4), (51.5, -0.1)),
        ];
        for ((la1, lo1), (la2, lo2)) in pairs {
            let chord = chord_squared(&ecef(la1, lo1), &ecef(la2, lo2)).sqrt();
            let geodesic = geodesic_distance_m(la1, lo1, la2, lo2);
            assert!(chord <= geodesic + 1e-6, "chord {chord} > geodesic {geodesic}");
        }
        let chord = chord_squared(&ecef(32.8, 130.7), &ecef(32.9, 130.8)).sqrt();
        let geodesic = geodesic_distance_m(32.8, 130.7, 32.9, 130.8);
        assert!(geodesic - chord < 0.01, "at 15 km the chord is within a centimetre");
    }

    #[test]
    fn chord_bounds_contain_the_geodesic() {
        let pairs = [
            ((32.8, 130.7), (32.8, 130.7)),
            ((32.8, 130.7), (32.81, 130.71)),
            ((32.8, 130.7), (33.0, 130.9)),
            ((0.0, 10.0), (0.3, 10.0)),
            ((0.0, 10.0), (0.0, 10.3)),
            ((89.9, 0.0), (89.9, 180.0)),
            ((45.0, 141.0), (24.0, 123.0)),
            ((-33.9, 18.4), (51.5, -0.1)),
            ((0.0, 0.0), (0.5, 179.5)),
        ];
        for ((la1, lo1), (la2, lo2)) in pairs {
            let chord = chord_squared(&ecef(la1, lo1), &ecef(la2, lo2)).sqrt();
            let geodesic = geodesic_distance_m(la1, lo1, la2, lo2);
            let (lower, upper) = geodesic_bounds_from_chord(chord);
            assert!(lower <= geodesic && geodesic <= upper, "{lower} ≤ {geodesic} ≤ {upper}");
        }
        // Tight at the distances the analyses use: centimetres at 30 km.
        let chord = chord_squared(&ecef(32.8, 130.7), &ecef(33.0, 130.95)).sqrt();
        let (lower, upper) = geodesic_bounds_from_chord(chord);
        assert!(upper - lower < 0.05, "{}", upper - lower);
    }

    proptest::proptest! {
        #[test]
        fn chord_bounds_hold_everywhere(
            lat in -89.9..89.9f64,
            lon in -180.0..180.0f64,
            dlat in -0.5..0.5f64,
            dlon in -0.5..0.5f64,
        ) {
            let (lat2, lon2) = ((lat + dlat).clamp(-90.0, 90.0), lon + dlon);
            let chord = chord_squared(&ecef(lat, lon), &ecef(lat2, lon2)).sqrt();
            let geodesic = geodesic_distance_m(lat, lon, lat2, lon2);
            let (lower, upper) = geodesic_bounds_from_chord(chord);
            proptest::prop_assert!(lower <= geodesic && geodesic <= upper, "{} ≤ {} ≤ {}", lower, geodesic, upper);
        }
    }

    #[test]
    fn ecef_radius_matches_ellipsoid() {
        let equator = ecef(0.0, 0.0);
        assert!((equator[0] - WGS84_A).abs() < 1e-6);
        let pole = ecef(90.0, 0.0);
        assert!((pole[2] - 6_356_752.314_245).abs() < 1e-3);
    }

    #[test]
    fn lat_lon_validation() {
        assert!(valid_lat_lon(32.8, 130.7));
        assert!(!valid_lat_lon(91.0, 0.0));
        assert!(!valid_lat_lon(0.0, 180.5));
        assert!(!valid_lat_lon(f64::NAN, 0.0));
    }
}
