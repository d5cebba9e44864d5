//! A facility (resource) on the map.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Capability, CapabilityEntry, CapabilitySet, FacilityKind, Location};

/// A stable, URL-safe facility identifier made of the source and the source's own key,
/// e.g. `mhlw-431143310013` (医療情報ネット ID), `kijun-430116399` (prefecture + 医療機関番号),
/// `kaigo-4310116621` (介護保険 事業所番号), `salon-43-007`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FacilityId(pub String);

impl FacilityId {
    /// The identifier as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FacilityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a fact about a facility came from: a source id of `data/sources.toml` and a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    /// Source id from the manifest, e.g. "mhlw_hospitals".
    pub source: String,
    /// 1-based line in the source file (0 when the source has no lines, e.g. GeoJSON).
    pub line: u64,
}

/// A facility with everything the registry knows about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facility {
    /// Stable identifier.
    pub id: FacilityId,
    /// What it is.
    pub kind: FacilityKind,
    /// Official name.
    pub name: String,
    /// Name in katakana, when published.
    pub name_kana: Option<String>,
    /// Address as published.
    pub address: Option<String>,
    /// 5-digit municipality code.
    pub municipality_code: Option<String>,
    /// Secondary medical area code.
    pub area_code: Option<String>,
    /// 2-digit code of the prefecture whose sources list the facility: a registry may hold several
    /// prefectures, and a facility without a municipality still belongs to one.
    #[serde(default)]
    pub pref_code: String,
    /// Where it is.
    pub location: Location,
    /// Telephone number as published.
    pub phone: Option<String>,
    /// Web site.
    pub url: Option<String>,
    /// Total licensed beds (合計病床数), when published.
    pub beds: Option<u32>,
    /// Schedule text (salons, peer support), as published.
    pub schedule: Option<String>,
    /// Capabilities, one entry per capability.
    pub capabilities: Vec<CapabilityEntry>,
    /// Where the facts came from.
    pub sources: Vec<SourceRef>,
}

impl Facility {
    /// The capabilities as a bitmask.
    pub fn capability_set(&self) -> CapabilitySet {
        self.capabilities.iter().map(|c| c.capability).collect()
    }

    /// The entry of one capability, if the facility has it.
    pub fn capability(&self, capability: Capability) -> Option<&CapabilityEntry> {
        self.capabilities.iter().find(|c| c.capability == capability)
    }

    /// Adds a capability, or merges it into the existing entry (keeping the better-informed
    /// fields: the stronger home-care level, and ward beds when newly known).
    pub fn add_capability(&mut self, entry: CapabilityEntry) {
        match self.capabilities.iter_mut().find(|c| c.capability == entry.capability) {
            None => {
                self.capabilities.push(entry);
                self.capabilities.sort_by_key(|c| c.capability);
            }
            Some(existing) => {
                // Level "1" is the strongest home-care support type, so the smaller level wins.
                let CapabilityEntry { level, filing, ward_beds, since, .. } = entry;
                let stronger = match (&existing.level, &level) {
                    (Some(old), Some(new)) => new < old,
                    (None, Some(_)) => true,
                    _ => false,
                };
                if stronger {
                    existing.level = level;
                    existing.filing = filing.or(existing.filing.take());
                } else if existing.filing.is_none() {
                    existing.filing = filing;
                }
                if ward_beds.is_some() {
                    existing.ward_beds = ward_beds;
                }
                if existing.since.is_none() {
                    existing.since = since;
                }
            }
        }
    }

    /// Palliative-care ward beds, when the facility has a ward with a known bed count.
    pub fn ward_beds(&self) -> Option<u32> {
        self.capability(Capability::PalliativeWard).and_then(|c| c.ward_beds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LocationPrecision;

    fn facility() -> Facility {
        Facility {
            id: FacilityId("mhlw-1".into()),
            kind: FacilityKind::Hospital,
            name: "テスト病院".into(),
            name_kana: None,
            address: None,
            municipality_code: None,
            area_code: None,
            pref_code: String::new(),
            location: Location::new(32.8, 130.7, LocationPrecision::Exact),
            phone: None,
            url: None,
            beds: None,
            schedule: None,
            capabilities: vec![],
            sources: vec![],
        }
    }

    #[test]
    fn merging_keeps_strongest_level_and_beds() {
        let mut f = facility();
        f.add_capability(CapabilityEntry {
            level: Some("3".into()),
            filing: Some("支援病３".into()),
            ..CapabilityEntry::bare(Capability::HomeCareSupport)
        });
        f.add_capability(CapabilityEntry {
            level: Some("1".into()),
            filing: Some("支援病１".into()),
            ..CapabilityEntry::bare(Capability::HomeCareSupport)
        });
        f.add_capability(CapabilityEntry::bare(Capability::CancerPain));
        assert_eq!(f.capabilities.len(), 2);
        let home = f.capability(Capability::HomeCareSupport).unwrap();
        assert_eq!(home.level.as_deref(), Some("1"));
        assert_eq!(home.filing.as_deref(), Some("支援病１"));
        assert!(f.capability_set().contains(Capability::CancerPain));
    }
}
