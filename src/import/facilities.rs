//! The facility lists of a prefecture: 医療情報ネット hospitals, clinics, dental clinics and
//! pharmacies, the 施設基準 filings joined onto them, visiting-nurse stations, cancer hubs; and,
//! once all are read, each facility's municipality and secondary medical area.

use std::collections::HashMap;

use super::kijun_join::{JoinOutcome, join_kijun};
use super::pipeline::ImportError;
use super::placement::{Placed, Placer, RowRef};
use super::run::{FacilityBook, Run};
use crate::ingest::kaigo::read_care_offices;
use crate::ingest::kijun::{KijunFacility, read_kijun};
use crate::ingest::mhlw::{MhlwFacilityRow, read_mhlw_facilities};
use crate::ingest::seeds::read_cancer_hubs;
use crate::ingest::{Disposition, PublishedCoordinate, Rejection};
use crate::model::{
    Capability, CapabilityEntry, Facility, FacilityId, FacilityKind, Municipality, SourceRef,
};
use crate::spatial::locate::PolygonLocator;

impl Run<'_> {
    pub(super) fn read_mhlw(
        &mut self,
        id: &str,
        kind: FacilityKind,
        placer: &Placer<'_>,
        book: &mut FacilityBook,
    ) -> Result<(), ImportError> {
        let Some((spec, path)) = self.optional(id)? else { return Ok(()) };
        let label = self.label(&path);
        let rows = self.absorb(&path, read_mhlw_facilities(&path, &spec.id, &label, &self.pref)?);
        for row in rows {
            let at = RowRef { source: &spec.id, file: &label, line: row.line };
            let Some(placed) = placer.place(at, &row.coordinate, &row.address, &mut self.report.rejections)
            else {
                self.dropped_later(&spec.id);
                continue;
            };
            let facility = facility_from_mhlw(row, kind, placed, &spec.id, &self.pref);
            self.insert(book, facility, &spec.id, &label);
        }
        Ok(())
    }

    /// Reads the 施設基準 list and joins it onto the hospitals and clinics read so far (see
    /// [`join_kijun`]): matches, merges of duplicates, additions placed by the geocoder.
    pub(super) fn read_kijun(
        &mut self,
        placer: &Placer<'_>,
        book: &mut FacilityBook,
    ) -> Result<(), ImportError> {
        let Some((spec, path)) = self.optional("kijun_ika")? else { return Ok(()) };
        let label = self.label(&path);
        let pref = self.pref.clone();
        let kijun = self.absorb(&path, read_kijun(&path, &spec.id, &pref)?);
        let gazetteer = placer.gazetteer();
        let municipality_of =
            |address: &str| gazetteer.municipality_of(address).map(|(code, _)| code.to_owned());
        let mut rejections = Vec::new();
        let mut place = |f: &KijunFacility| {
            let at = RowRef { source: &spec.id, file: &label, line: f.first_line };
            placer.place(at, &PublishedCoordinate::Missing, &f.address, &mut rejections)
        };
        let joined = join_kijun(&mut book.facilities, kijun, &spec.id, &municipality_of, &mut place);
        self.report.rejections.extend(rejections);
        for _ in joined.entries.iter().filter(|e| e.outcome == JoinOutcome::Dropped) {
            self.dropped_later(&spec.id);
        }
        for (id, line) in joined.id_clashes {
            self.report.rejections.push(Rejection {
                source: spec.id.clone(),
                file: label.clone(),
                line,
                field: Some("id".into()),
                value: Some(id),
                reason: "duplicate facility id; the first row was kept".into(),
                disposition: Disposition::Dropped,
            });
        }
        self.report.kijun = Some(joined.summary);
        self.report.kijun_join = joined.entries;
        Ok(())
    }

    pub(super) fn read_visiting_nurses(
        &mut self,
        placer: &Placer<'_>,
        book: &mut FacilityBook,
    ) -> Result<(), ImportError> {
        let Some((spec, path)) = self.optional("visiting_nurses")? else { return Ok(()) };
        let label = self.label(&path);
        let rows = self.absorb(&path, read_care_offices(&path, &spec.id, &label, &self.pref)?);
        for row in rows {
            let at = RowRef { source: &spec.id, file: &label, line: row.line };
            let Some(placed) = placer.place(at, &row.coordinate, &row.address, &mut self.report.rejections)
            else {
                self.dropped_later(&spec.id);
                continue;
            };
            let municipality =
                placer.gazetteer().municipality_of(&row.address).map(|(code, _)| code.to_owned());
            let facility = Facility {
                id: FacilityId(format!("kaigo-{}", row.office_number)),
                kind: FacilityKind::VisitingNurse,
                name: row.name,
                name_kana: None,
                address: Some(row.address),
                municipality_code: municipality.or(placed.geocoded_municipality),
                area_code: None,
                pref_code: self.pref.clone(),
                location: placed.location,
                phone: row.phone,
                url: row.url,
                beds: None,
                schedule: None,
                capabilities: Vec::new(),
                sources: vec![SourceRef { source: spec.id.clone(), line: row.line }],
            };
            self.insert(book, facility, &spec.id, &label);
        }
        Ok(())
    }

    pub(super) fn read_cancer_hubs(&mut self, book: &mut FacilityBook) -> Result<(), ImportError> {
        let Some((spec, path)) = self.optional("cancer_hubs")? else { return Ok(()) };
        let label = self.label(&path);
        let rows = self.absorb(&path, read_cancer_hubs(&path, &spec.id, &label)?);
        for row in rows {
            let id = row.mhlw_id.as_ref().map(|id| format!("mhlw-{id}"));
            let target = id.as_ref().and_then(|id| book.facilities.get_mut(id));
            match target {
                Some(hospital) if hospital.kind == FacilityKind::Hospital => {
                    hospital.add_capability(CapabilityEntry {
                        level: Some(row.level.as_str().to_owned()),
                        ..CapabilityEntry::bare(Capability::CancerHub)
                    });
                    hospital.sources.push(SourceRef { source: spec.id.clone(), line: row.line });
                }
                _ => {
                    self.report.rejections.push(Rejection {
                        source: spec.id.clone(),
                        file: label.clone(),
                        line: row.line,
                        field: Some("mhlw_id".into()),
                        value: row.mhlw_id.clone(),
                        reason: format!("no hospital with this 医療情報ネット ID for '{}'", row.name_in_seed),
                        disposition: Disposition::Dropped,
                    });
                    self.dropped_later(&spec.id);
                }
            }
        }
        Ok(())
    }

    /// Gives every facility its municipality (when it has none, or one unknown to the boundaries, the
    /// polygon containing its point) and its secondary medical area.
    pub(super) fn assign_areas(
        &mut self,
        book: FacilityBook,
        municipalities: &[Municipality],
    ) -> Vec<Facility> {
        let area_of: HashMap<&str, Option<&str>> =
            municipalities.iter().map(|m| (m.code.as_str(), m.area_code.as_deref())).collect();
        let locator = PolygonLocator::new(
            municipalities.iter().map(|m| (m.code.clone(), m.geometry.clone())).collect(),
        );
        let mut facilities: Vec<Facility> = book.facilities.into_values().collect();
        for facility in &mut facilities {
            let known = facility.municipality_code.as_deref().is_some_and(|c| area_of.contains_key(c));
            if !known {
                let (lat, lon) = (facility.location.lat, facility.location.lon);
                let located = locator
                    .locate(lon, lat)
                    .or_else(|| locator.nearest_within(lon, lat, 2_000.0).map(|(c, _)| c));
                if let Some(previous) = &facility.municipality_code {
                    self.report.problems.push(format!(
                        "{}: municipality code {previous} is not among the boundaries; using the polygon at its point ({})",
                        facility.id,
                        located.map_or("none", String::as_str)
                    ));
                }
                facility.municipality_code = located.cloned();
            }
            facility.area_code = facility
                .municipality_code
                .as_deref()
                .and_then(|c| area_of.get(c).copied().flatten())
                .map(str::to_owned);
        }
        facilities
    }
}

fn facility_from_mhlw(
    row: MhlwFacilityRow,
    kind: FacilityKind,
    placed: Placed,
    source: &str,
    pref: &str,
) -> Facility {
    Facility {
        id: FacilityId(format!("mhlw-{}", row.mhlw_id)),
        kind,
        name: row.name,
        name_kana: row.name_kana,
        address: Some(row.address),
        municipality_code: row.municipality_code.or(placed.geocoded_municipality),
        area_code: None,
        pref_code: pref.to_owned(),
        location: placed.location,
        phone: None,
        url: row.url,
        beds: row.beds_total,
        schedule: None,
        capabilities: Vec::new(),
        sources: vec![SourceRef { source: source.to_owned(), line: row.line }],
    }
}
