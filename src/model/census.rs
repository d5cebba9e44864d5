//! How much a registry holds, prefecture by prefecture: what a re-import is compared with before
//! it may replace the registry (a partial download must not silently empty a prefecture).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// Facilities per prefecture and kind, the prefectures covered, and how many rows each source
/// gave each prefecture (when known).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryCensus {
    /// Prefectures the registry covers (those with areas or facilities), as 2-digit codes.
    pub prefectures: BTreeSet<String>,
    /// Facilities by prefecture, then by kind (the API string, e.g. `hospital`).
    pub facilities: BTreeMap<String, BTreeMap<String, u64>>,
    /// Rows accepted by prefecture, then by source id; empty when not recorded (registries written
    /// before multi-prefecture imports).
    pub source_rows: BTreeMap<String, BTreeMap<String, u64>>,
}

impl RegistryCensus {
    /// Whether the registry holds nothing.
    pub fn is_empty(&self) -> bool {
        self.prefectures.is_empty() && self.facilities.is_empty()
    }

    /// Facilities of one kind in one prefecture.
    pub fn count(&self, pref: &str, kind: &str) -> u64 {
        self.facilities.get(pref).and_then(|k| k.get(kind)).copied().unwrap_or(0)
    }

    /// Facilities of every kind in one prefecture.
    pub fn total(&self, pref: &str) -> u64 {
        self.facilities.get(pref).map_or(0, |k| k.values().sum())
    }
}
