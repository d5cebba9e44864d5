//! Placing a facility: validate its published coordinate against the prefecture, or geocode its
//! address; every replaced or missing placement is recorded with its reason.

use crate::geocode::Gazetteer;
use crate::ingest::{Disposition, PublishedCoordinate, Rejection};
use crate::model::{Location, LocationPrecision};
use crate::spatial::geodesy::valid_lat_lon;

/// Margin around the prefecture's bounding box within which a published point is plausible, in
/// degrees (≈ 5.5 km north–south): enough for digitising differences and reclaimed coast, far less than
/// the errors this check exists for (points in another prefecture, or at 0,0).
const EXTENT_MARGIN_DEG: f64 = 0.05;

/// The prefecture's bounding box with a margin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extent {
    /// Southern edge.
    pub min_lat: f64,
    /// Northern edge.
    pub max_lat: f64,
    /// Western edge.
    pub min_lon: f64,
    /// Eastern edge.
    pub max_lon: f64,
}

impl Extent {
    /// The bounding box of the given polygons, widened by the margin.
    pub fn around<'a>(polygons: impl IntoIterator<Item = &'a geo::MultiPolygon<f64>>) -> Option<Extent> {
        use geo::BoundingRect;
        let mut extent: Option<Extent> = None;
        for rect in polygons.into_iter().filter_map(|p| p.bounding_rect()) {
            let e = extent.get_or_insert(Extent {
                min_lat: rect.min().y,
                max_lat: rect.max().y,
                min_lon: rect.min().x,
                max_lon: rect.max().x,
            });
            e.min_lat = e.min_lat.min(rect.min().y);
            e.max_lat = e.max_lat.max(rect.max().y);
            e.min_lon = e.min_lon.min(rect.min().x);
            e.max_lon = e.max_lon.max(rect.max().x);
        }
        extent.map(|e| Extent {
            min_lat: e.min_lat - EXTENT_MARGIN_DEG,
            max_lat: e.max_lat + EXTENT_MARGIN_DEG,
            min_lon: e.min_lon - EXTENT_MARGIN_DEG,
            max_lon: e.max_lon + EXTENT_MARGIN_DEG,
        })
    }

    /// Whether the point lies within the extent.
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        (self.min_lat..=self.max_lat).contains(&lat) && (self.min_lon..=self.max_lon).contains(&lon)
    }
}

/// Which row a placement is for, so that problems name it.
#[derive(Debug, Clone, Copy)]
pub struct RowRef<'a> {
    /// Source id.
    pub source: &'a str,
    /// File label.
    pub file: &'a str,
    /// 1-based line.
    pub line: u64,
}

/// Where a facility was placed, and the municipality the geocoder found for its address.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// The location.
    pub location: Location,
    /// Municipality code from the geocoder (None for exact coordinates).
    pub geocoded_municipality: Option<String>,
}

/// Validates published coordinates and geocodes addresses for one prefecture.
pub struct Placer<'a> {
    extent: Extent,
    gazetteer: &'a Gazetteer,
    pref_code: &'a str,
}

impl<'a> Placer<'a> {
    /// A placer for one prefecture.
    pub fn new(extent: Extent, gazetteer: &'a Gazetteer, pref_code: &'a str) -> Self {
        Placer { extent, gazetteer, pref_code }
    }

    /// The gazetteer.
    pub fn gazetteer(&self) -> &Gazetteer {
        self.gazetteer
    }

    /// Why a published coordinate cannot be used, or None when it can.
    pub fn coordinate_problem(&self, lat: f64, lon: f64) -> Option<String> {
        if lat == 0.0 && lon == 0.0 {
            return Some("placeholder coordinate (0,0)".into());
        }
        if !valid_lat_lon(lat, lon) {
            return Some(format!("coordinate ({lat},{lon}) out of range"));
        }
        if !self.extent.contains(lat, lon) {
            return Some(format!(
                "coordinate ({lat},{lon}) far outside prefecture {} (allowed lat {:.3}–{:.3}, lon {:.3}–{:.3})",
                self.pref_code,
                self.extent.min_lat,
                self.extent.max_lat,
                self.extent.min_lon,
                self.extent.max_lon
            ));
        }
        None
    }

    /// Places a row: its published coordinate when valid, else a geocode of its address. A rejected
    /// coordinate is recorded as replaced (or the row as dropped when the address cannot be placed
    /// either); a missing coordinate is simply geocoded. Returns None when the row is dropped.
    pub fn place(
        &self,
        row: RowRef<'_>,
        coordinate: &PublishedCoordinate,
        address: &str,
        rejections: &mut Vec<Rejection>,
    ) -> Option<Placed> {
        let problem = match coordinate {
            PublishedCoordinate::Value { lat, lon } => match self.coordinate_problem(*lat, *lon) {
                None => {
                    return Some(Placed {
                        location: Location::new(*lat, *lon, LocationPrecision::Exact),
                        geocoded_municipality: None,
                    });
                }
                Some(problem) => Some(problem),
            },
            PublishedCoordinate::Unreadable { .. } => Some("coordinate is not a number".to_owned()),
            PublishedCoordinate::Missing => None,
        };
        let geocoded = self.gazetteer.geocode(address);
        let coordinate_at_fault = problem.is_some();
        let reject = |reason: String, disposition| Rejection {
            source: row.source.to_owned(),
            file: row.file.to_owned(),
            line: row.line,
            field: Some(if coordinate_at_fault { "coordinate" } else { "address" }.to_owned()),
            value: Some(if coordinate_at_fault { coordinate.describe() } else { address.to_owned() }),
            reason,
            disposition,
        };
        match (geocoded, problem) {
            (Some(m), problem) => {
                if let Some(problem) = problem {
                    rejections.push(reject(
                        format!("{problem}; placed from the address at {} precision", m.precision.as_str()),
                        Disposition::Replaced,
                    ));
                }
                Some(Placed {
                    location: Location::new(m.lat, m.lon, m.precision),
                    geocoded_municipality: Some(m.municipality_code),
                })
            }
            (None, Some(problem)) => {
                rejections.push(reject(
                    format!("{problem}, and the address '{address}' is not in prefecture {}", self.pref_code),
                    Disposition::Dropped,
                ));
                None
            }
            (None, None) => {
                rejections.push(reject(
                    format!("no coordinate, and the address is not in prefecture {}", self.pref_code),
                    Disposition::Dropped,
                ));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extent_contains_with_margin() {
        let square = geo::MultiPolygon::new(vec![geo::Polygon::new(
            geo::LineString::from(vec![(130.0, 32.0), (131.0, 32.0), (131.0, 33.0), (130.0, 32.0)]),
            vec![],
        )]);
        let extent = Extent::around([&square]).unwrap();
        assert!(extent.contains(32.5, 130.5));
        assert!(extent.contains(33.04, 131.04), "inside the margin");
        assert!(!extent.contains(33.2, 130.5));
        assert!(!extent.contains(0.0, 0.0));
        assert!(Extent::around(std::iter::empty()).is_none());
    }
}
