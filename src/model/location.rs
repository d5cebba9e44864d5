//! Where a facility is, and how sure we are of it.

use serde::{Deserialize, Serialize};

/// How a facility's point was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationPrecision {
    /// The publisher's own coordinate (e.g. 医療情報ネット 所在地座標).
    Exact,
    /// The representative point of the address's 大字・町丁目 (town-level geocode, typically within 1–2 km).
    Town,
    /// A representative point of the municipality only (the address's town was not found).
    Municipality,
}

impl LocationPrecision {
    /// The API string of this precision.
    pub fn as_str(self) -> &'static str {
        match self {
            LocationPrecision::Exact => "exact",
            LocationPrecision::Town => "town",
            LocationPrecision::Municipality => "municipality",
        }
    }

    /// Reads an API string.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "exact" => Some(LocationPrecision::Exact),
            "town" => Some(LocationPrecision::Town),
            "municipality" => Some(LocationPrecision::Municipality),
            _ => None,
        }
    }
}

/// A point in JGD2011 geographic coordinates (degrees), which kanwamap treats as WGS84: the two
/// differ by centimetres, far below the precision of any source here.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lon: f64,
    /// How the point was obtained.
    pub precision: LocationPrecision,
}

impl Location {
    /// A location; the caller has validated the ranges.
    pub fn new(lat: f64, lon: f64, precision: LocationPrecision) -> Self {
        Location { lat, lon, precision }
    }
}
