//! Fixtures shared by the tests of the cell modules: mesh records and a two-municipality
//! prefecture with a neighbour.

use std::collections::BTreeMap;
use std::sync::Arc;

use geo::{Coord, MultiPolygon, Rect};

use super::suppression::CellCounts;
use crate::ingest::estat_mesh::{MeshRecord, Suppression};
use crate::ingest::ksj::MunicipalityBoundary;
use crate::model::Municipality;
use crate::spatial::mesh::MeshCode;

pub(crate) fn code(s: &str) -> MeshCode {
    s.parse().expect("valid test code")
}

pub(crate) fn record(
    c: &str,
    suppression: Suppression,
    total: Option<u32>,
    age65: Option<u32>,
    age75: Option<u32>,
) -> MeshRecord {
    MeshRecord { code: code(c), suppression, total, age65, age75, line: 2, file: Arc::from("t.csv") }
}

pub(crate) fn published(c: &str, total: u32, age65: u32, age75: u32) -> MeshRecord {
    record(c, Suppression::None, Some(total), Some(age65), Some(age75))
}

pub(crate) fn host(c: &str, members: &[&str], total: u32, age65: u32, age75: u32) -> MeshRecord {
    let members = members.iter().map(|m| code(m)).collect();
    record(c, Suppression::Host { members }, Some(total), Some(age65), Some(age75))
}

pub(crate) fn suppressed(c: &str, into: &str, total: u32) -> MeshRecord {
    record(c, Suppression::Suppressed { host: code(into) }, Some(total), None, None)
}

pub(crate) fn by_code(cells: &[CellCounts]) -> BTreeMap<String, (u32, u32, u32)> {
    cells.iter().map(|c| (c.code.to_string(), (c.total, c.age65, c.age75))).collect()
}

/// Two municipalities of prefecture 43 on a coast (sea to the south and west), a neighbouring
/// prefecture's municipality to the north whose coarse outline overlaps them by 0.006°: the squares.
pub(crate) fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
    MultiPolygon::new(vec![Rect::new(Coord { x: x0, y: y0 }, Coord { x: x1, y: y1 }).to_polygon()])
}

pub(crate) fn municipalities() -> Vec<Municipality> {
    let muni = |code: &str, area: Option<&str>, geometry| Municipality {
        code: code.into(),
        name: code.into(),
        area_code: area.map(str::to_owned),
        geometry,
    };
    vec![
        muni("43001", Some("4301"), square(130.50, 32.50, 130.60, 32.601)),
        muni("43002", Some("4302"), square(130.60, 32.50, 130.70, 32.601)),
    ]
}

pub(crate) fn neighbours() -> Vec<MunicipalityBoundary> {
    vec![MunicipalityBoundary {
        code: "40001".into(),
        name: "隣町".into(),
        geometry: square(130.50, 32.595, 130.70, 32.70),
    }]
}

pub(crate) fn at(lat: f64, lon: f64) -> MeshCode {
    MeshCode::containing(lat, lon).expect("in the grid")
}

pub(crate) fn counts(code: MeshCode, total: u32) -> CellCounts {
    CellCounts { code, total, age65: total / 3, age75: total / 6 }
}
