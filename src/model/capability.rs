//! What a facility can do for a palliative patient at home, mostly read from the 施設基準 filings
//! (届出受理医療機関名簿) that a 厚生局 accepts.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One capability. The API strings are the snake_case names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// 在宅療養支援診療所・病院 (filings 支援診１/２/３, 支援病１/２/３): may make insured home visits
    /// around the clock. Level 1 = 機能強化型（単独型）, 2 = 機能強化型（連携型）, 3 = other.
    HomeCareSupport,
    /// 在宅緩和ケア充実診療所・病院加算 (在緩診実, 在緩診病): home palliative care with a track record.
    HomePalliativeEnhanced,
    /// 緩和ケア病棟入院料１/２ (緩１, 緩２): a palliative-care ward, with its beds.
    PalliativeWard,
    /// 緩和ケア診療加算 (緩診) or 有床診療所緩和ケア診療加算 (診緩診): an inpatient palliative-care team.
    PalliativeConsult,
    /// 外来緩和ケア管理料 (外緩): palliative care in outpatients.
    PalliativeOutpatient,
    /// 在宅がん医療総合診療料 (在総): comprehensive home cancer care.
    HomeCancerCare,
    /// がん性疼痛緩和指導管理料 (がん疼): cancer-pain management.
    CancerPain,
    /// 在宅療養後方支援病院 (在後病): a hospital that keeps beds for home patients who need admission.
    BackupBed,
    /// がん診療連携拠点病院: a designated cancer hub hospital (level: prefectural, regional or
    /// prefecture_designated).
    CancerHub,
}

impl Capability {
    /// Every capability, in API order.
    pub const ALL: [Capability; 9] = [
        Capability::HomeCareSupport,
        Capability::HomePalliativeEnhanced,
        Capability::PalliativeWard,
        Capability::PalliativeConsult,
        Capability::PalliativeOutpatient,
        Capability::HomeCancerCare,
        Capability::CancerPain,
        Capability::BackupBed,
        Capability::CancerHub,
    ];

    /// The API string of this capability.
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::HomeCareSupport => "home_care_support",
            Capability::HomePalliativeEnhanced => "home_palliative_enhanced",
            Capability::PalliativeWard => "palliative_ward",
            Capability::PalliativeConsult => "palliative_consult",
            Capability::PalliativeOutpatient => "palliative_outpatient",
            Capability::HomeCancerCare => "home_cancer_care",
            Capability::CancerPain => "cancer_pain",
            Capability::BackupBed => "backup_bed",
            Capability::CancerHub => "cancer_hub",
        }
    }

    /// The Japanese label shown to users.
    pub fn label_ja(self) -> &'static str {
        match self {
            Capability::HomeCareSupport => "在宅療養支援診療所・病院",
            Capability::HomePalliativeEnhanced => "在宅緩和ケア充実加算",
            Capability::PalliativeWard => "緩和ケア病棟",
            Capability::PalliativeConsult => "緩和ケア診療加算",
            Capability::PalliativeOutpatient => "外来緩和ケア管理料",
            Capability::HomeCancerCare => "在宅がん医療総合診療料",
            Capability::CancerPain => "がん性疼痛緩和指導管理料",
            Capability::BackupBed => "在宅療養後方支援病院",
            Capability::CancerHub => "がん診療連携拠点病院",
        }
    }

    /// The bit of this capability in a [`CapabilitySet`].
    fn bit(self) -> u16 {
        1 << (self as u16)
    }

    /// Reads a 受理記号 (the short filing code of the 施設基準 list) and returns the capability and
    /// its level, if the filing is one kanwamap tracks. Full-width digits are accepted.
    pub fn from_filing_code(code: &str) -> Option<(Capability, Option<String>)> {
        let code: String = code
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                other => other,
            })
            .collect();
        let level = |l: &str| Some(l.to_owned());
        let found = match code.as_str() {
            "支援診1" | "支援病1" => (Capability::HomeCareSupport, level("1")),
            "支援診2" | "支援病2" => (Capability::HomeCareSupport, level("2")),
            "支援診3" | "支援病3" => (Capability::HomeCareSupport, level("3")),
            "在緩診実" | "在緩診病" => (Capability::HomePalliativeEnhanced, None),
            "緩1" => (Capability::PalliativeWard, level("1")),
            "緩2" => (Capability::PalliativeWard, level("2")),
            "緩診" | "診緩診" => (Capability::PalliativeConsult, None),
            "外緩" => (Capability::PalliativeOutpatient, None),
            "在総" => (Capability::HomeCancerCare, None),
            "がん疼" => (Capability::CancerPain, None),
            "在後病" => (Capability::BackupBed, None),
            _ => return None,
        };
        Some(found)
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A capability string that is not in the vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown capability '{given}'; allowed: {}", allowed_capabilities())]
pub struct UnknownCapability {
    /// What was given.
    pub given: String,
}

/// The allowed capability strings, comma-separated, for error messages.
pub fn allowed_capabilities() -> String {
    Capability::ALL.map(Capability::as_str).join(", ")
}

impl FromStr for Capability {
    type Err = UnknownCapability;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Capability::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownCapability { given: s.to_owned() })
    }
}

/// The level of a cancer hub designation (がん診療連携拠点病院の類型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancerHubLevel {
    /// 都道府県がん診療連携拠点病院.
    Prefectural,
    /// 地域がん診療連携拠点病院.
    Regional,
    /// 県指定がん診療連携拠点病院 (designated by the prefecture, not the national government).
    PrefectureDesignated,
}

impl CancerHubLevel {
    /// The API string of this level.
    pub fn as_str(self) -> &'static str {
        match self {
            CancerHubLevel::Prefectural => "prefectural",
            CancerHubLevel::Regional => "regional",
            CancerHubLevel::PrefectureDesignated => "prefecture_designated",
        }
    }
}

impl FromStr for CancerHubLevel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "prefectural" => Ok(CancerHubLevel::Prefectural),
            "regional" => Ok(CancerHubLevel::Regional),
            "prefecture_designated" => Ok(CancerHubLevel::PrefectureDesignated),
            other => Err(format!(
                "unknown cancer hub level '{other}'; allowed: prefectural, regional, prefecture_designated"
            )),
        }
    }
}

/// One capability of one facility, with what the filing says about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapabilityEntry {
    /// Which capability.
    pub capability: Capability,
    /// Its level where the vocabulary has levels (home_care_support "1".."3", palliative_ward "1"/"2",
    /// cancer_hub "prefectural"/"regional"/"prefecture_designated").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// The 受理記号 (filing code) it was read from, e.g. "支援診３".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filing: Option<String>,
    /// Palliative-care ward beds (緩和ケア病棟 病床数) from the filing's 備考, when filed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ward_beds: Option<u32>,
    /// 算定開始年月日 as filed (e.g. "令和 4年 6月 1日").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
}

impl CapabilityEntry {
    /// An entry with only the capability set.
    pub fn bare(capability: Capability) -> Self {
        CapabilityEntry { capability, level: None, filing: None, ward_beds: None, since: None }
    }
}

/// A set of capabilities as a bitmask: cheap to copy and to test inside the nearest search.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CapabilitySet(u16);

impl CapabilitySet {
    /// The empty set.
    pub const EMPTY: CapabilitySet = CapabilitySet(0);

    /// Adds one capability.
    pub fn insert(&mut self, capability: Capability) {
        self.0 |= capability.bit();
    }

    /// Whether the set holds this capability.
    pub fn contains(self, capability: Capability) -> bool {
        self.0 & capability.bit() != 0
    }

    /// Whether every capability of `needs` is in this set.
    pub fn contains_all(self, needs: CapabilitySet) -> bool {
        self.0 & needs.0 == needs.0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The capabilities in API order.
    pub fn iter(self) -> impl Iterator<Item = Capability> {
        Capability::ALL.into_iter().filter(move |c| self.contains(*c))
    }
}

impl FromIterator<Capability> for CapabilitySet {
    fn from_iter<I: IntoIterator<Item = Capability>>(iter: I) -> Self {
        let mut set = CapabilitySet::EMPTY;
        for c in iter {
            set.insert(c);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filing_codes_map_with_levels() {
        assert_eq!(
            Capability::from_filing_code("支援診３"),
            Some((Capability::HomeCareSupport, Some("3".into())))
        );
        assert_eq!(
            Capability::from_filing_code("支援病1"),
            Some((Capability::HomeCareSupport, Some("1".into())))
        );
        assert_eq!(
            Capability::from_filing_code("緩２"),
            Some((Capability::PalliativeWard, Some("2".into())))
        );
        assert_eq!(Capability::from_filing_code("診緩診").map(|c| c.0), Some(Capability::PalliativeConsult));
        assert_eq!(Capability::from_filing_code("在後病").map(|c| c.0), Some(Capability::BackupBed));
        assert_eq!(Capability::from_filing_code("医療ＤＸ"), None);
        assert_eq!(Capability::from_filing_code("両立支援"), None);
    }

    #[test]
    fn set_contains_all() {
        let set: CapabilitySet = [Capability::HomeCareSupport, Capability::CancerPain].into_iter().collect();
        let needs: CapabilitySet = [Capability::CancerPain].into_iter().collect();
        assert!(set.contains_all(needs));
        assert!(set.contains_all(CapabilitySet::EMPTY));
        let more: CapabilitySet = [Capability::CancerPain, Capability::BackupBed].into_iter().collect();
        assert!(!set.contains_all(more));
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![Capability::HomeCareSupport, Capability::CancerPain]);
    }

    #[test]
    fn every_capability_round_trips() {
        for c in Capability::ALL {
            assert_eq!(c.as_str().parse::<Capability>(), Ok(c));
        }
        assert!("hospice".parse::<Capability>().unwrap_err().to_string().contains("cancer_hub"));
    }
}
