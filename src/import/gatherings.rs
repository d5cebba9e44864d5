//! Cancer salons (がんサロン) and peer-support rooms: tables drawn from documents, placed at the
//! point and precision the table gives unless the place it names says otherwise.

use super::pipeline::ImportError;
use super::placement::{Placer, RowRef};
use super::run::{FacilityBook, Run};
use crate::ingest::seeds::{GatheringRow, read_peer_support, read_salons};
use crate::ingest::{Disposition, PublishedCoordinate, Rejection};
use crate::model::{Facility, FacilityId, FacilityKind, Location, SourceRef};

impl Run<'_> {
    pub(super) fn read_gatherings(
        &mut self,
        id: &str,
        kind: FacilityKind,
        placer: &Placer<'_>,
        book: &mut FacilityBook,
    ) -> Result<(), ImportError> {
        let Some((spec, path)) = self.optional(id)? else { return Ok(()) };
        let label = self.label(&path);
        let parsed = match kind {
            FacilityKind::Salon => read_salons(&path, &spec.id, &label)?,
            _ => read_peer_support(&path, &spec.id, &label)?,
        };
        let rows = self.absorb(&path, parsed);
        for row in rows {
            let at = RowRef { source: &spec.id, file: &label, line: row.line };
            let Some((location, municipality)) = self.place_gathering(at, &row, placer) else {
                self.dropped_later(&spec.id);
                continue;
            };
            let facility = Facility {
                id: FacilityId(format!(
                    "{}-{}-{}",
                    kind.as_str().replace('_', ""),
                    self.pref,
                    short_hash(&row.name)
                )),
                kind,
                name: row.name,
                name_kana: None,
                address: row.placed_at,
                municipality_code: municipality,
                area_code: None,
                pref_code: self.pref.clone(),
                location,
                phone: row.phone,
                url: None,
                beds: None,
                schedule: row.schedule,
                capabilities: Vec::new(),
                sources: vec![SourceRef { source: spec.id.clone(), line: row.line }],
            };
            self.insert(book, facility, &spec.id, &label);
        }
        Ok(())
    }

    /// Places a salon or peer-support row at the table's point and precision, unless the place it
    /// names is a municipality other than the one its code says (the table was drawn by hand): then
    /// the place name wins and the replacement is reported.
    fn place_gathering(
        &mut self,
        at: RowRef<'_>,
        row: &GatheringRow,
        placer: &Placer<'_>,
    ) -> Option<(Location, Option<String>)> {
        let reject = |reason: String, disposition| Rejection {
            source: at.source.to_owned(),
            file: at.file.to_owned(),
            line: at.line,
            field: Some("lat,lon".into()),
            value: Some(row.coordinate.describe()),
            reason,
            disposition,
        };
        let named = row.placed_at.as_deref().and_then(|p| placer.gazetteer().geocode(p));
        if let (Some(named), Some(code)) = (&named, &row.municipality_code)
            && named.municipality_code != *code
        {
            self.report.rejections.push(reject(
                format!(
                    "municipality_code {code} disagrees with the place named '{}' ({} {}); placed there at {} precision",
                    row.placed_at.as_deref().unwrap_or_default(),
                    named.municipality_code,
                    named.municipality_name,
                    named.precision.as_str()
                ),
                Disposition::Replaced,
            ));
            return Some((
                Location::new(named.lat, named.lon, named.precision),
                Some(named.municipality_code.clone()),
            ));
        }
        match &row.coordinate {
            PublishedCoordinate::Value { lat, lon } => match placer.coordinate_problem(*lat, *lon) {
                None => Some((Location::new(*lat, *lon, row.precision), row.municipality_code.clone())),
                Some(problem) => match named {
                    Some(n) => {
                        self.report.rejections.push(reject(
                            format!("{problem}; placed at the named place"),
                            Disposition::Replaced,
                        ));
                        Some((Location::new(n.lat, n.lon, n.precision), Some(n.municipality_code)))
                    }
                    None => {
                        self.report.rejections.push(reject(problem, Disposition::Dropped));
                        None
                    }
                },
            },
            _ => match named {
                Some(n) => Some((Location::new(n.lat, n.lon, n.precision), Some(n.municipality_code))),
                None => {
                    self.report.rejections.push(reject(
                        "no coordinate and no recognisable place name".into(),
                        Disposition::Dropped,
                    ));
                    None
                }
            },
        }
    }
}

/// A short stable hash (FNV-1a, 32 bits, hex) for ids of rows that have no key of their own.
fn short_hash(text: &str) -> String {
    let hash = text.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    format!("{hash:08x}")
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_hash_is_stable() {
        assert_eq!(short_hash(""), "811c9dc5");
        assert_eq!(short_hash("a"), "e40c292c");
        assert_ne!(short_hash("森都がんサロン"), short_hash("熊本がんサロン"));
    }
}
