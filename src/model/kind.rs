//! The kinds of resource a palliative home-care team is built from.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a facility is. The API strings are the snake_case names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FacilityKind {
    /// 病院: a hospital (20 beds or more).
    Hospital,
    /// 診療所: a medical clinic (fewer than 20 beds).
    Clinic,
    /// 歯科診療所: a dental office.
    Dental,
    /// 薬局: a community pharmacy.
    Pharmacy,
    /// 訪問看護ステーション: a visiting-nurse station.
    VisitingNurse,
    /// がんサロン: a cancer salon (patient and family gathering).
    Salon,
    /// ピアサポート: a peer-support room or line run by cancer survivors.
    PeerSupport,
}

impl FacilityKind {
    /// Every kind, in API order.
    pub const ALL: [FacilityKind; 7] = [
        FacilityKind::Hospital,
        FacilityKind::Clinic,
        FacilityKind::Dental,
        FacilityKind::Pharmacy,
        FacilityKind::VisitingNurse,
        FacilityKind::Salon,
        FacilityKind::PeerSupport,
    ];

    /// The API string of this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            FacilityKind::Hospital => "hospital",
            FacilityKind::Clinic => "clinic",
            FacilityKind::Dental => "dental",
            FacilityKind::Pharmacy => "pharmacy",
            FacilityKind::VisitingNurse => "visiting_nurse",
            FacilityKind::Salon => "salon",
            FacilityKind::PeerSupport => "peer_support",
        }
    }

    /// The Japanese label shown to users.
    pub fn label_ja(self) -> &'static str {
        match self {
            FacilityKind::Hospital => "病院",
            FacilityKind::Clinic => "診療所",
            FacilityKind::Dental => "歯科診療所",
            FacilityKind::Pharmacy => "薬局",
            FacilityKind::VisitingNurse => "訪問看護ステーション",
            FacilityKind::Salon => "がんサロン",
            FacilityKind::PeerSupport => "ピアサポート",
        }
    }

    /// Position in [`FacilityKind::ALL`]; used to index per-kind arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for FacilityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A kind string that is not in the vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown kind '{given}'; allowed: {}", allowed_kinds())]
pub struct UnknownKind {
    /// What was given.
    pub given: String,
}

/// The allowed kind strings, comma-separated, for error messages.
pub fn allowed_kinds() -> String {
    FacilityKind::ALL.map(FacilityKind::as_str).join(", ")
}

impl FromStr for FacilityKind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FacilityKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownKind { given: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_kind() {
        for kind in FacilityKind::ALL {
            assert_eq!(kind.as_str().parse::<FacilityKind>(), Ok(kind));
            assert_eq!(FacilityKind::ALL[kind.index()], kind);
        }
    }

    #[test]
    fn unknown_kind_lists_allowed_values() {
        let err = "hospice".parse::<FacilityKind>().unwrap_err();
        let message = err.to_string();
        assert!(message.contains("hospice"), "{message}");
        assert!(message.contains("visiting_nurse"), "{message}");
    }

    #[test]
    fn serde_uses_api_strings() {
        let json = serde_json::to_string(&FacilityKind::PeerSupport).unwrap();
        assert_eq!(json, "\"peer_support\"");
    }
}
