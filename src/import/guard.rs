//! A registry never shrinks by accident.
//!
//! A partial download (a national hospital file cut after 470 rows, none of them Kumamoto's) reads
//! without a single bad row: only the counts show that a prefecture lost its hospitals. Before an
//! import replaces a registry, [`check_shrink`] compares the two prefecture by prefecture and kind
//! by kind and refuses the replacement when
//! - a prefecture of the registry is not in the import at all,
//! - a required source yields no rows for a prefecture it covered before, or
//! - a kind of facility loses more than [`MAX_LOSS_PERCENT`] % of a prefecture's facilities,
//!
//! unless the caller says the shrinkage is intended (`kanwamap import --allow-shrink`).

use std::collections::BTreeMap;
use std::fmt;

use crate::ingest::Manifest;
use crate::model::{RegistryCensus, prefecture_name};

/// The largest share of a prefecture's facilities of one kind an import may drop unasked.
pub const MAX_LOSS_PERCENT: u64 = 10;

/// One way the new registry is smaller than the one it would replace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shrinkage {
    /// A prefecture of the registry is not among those imported.
    PrefectureLeft {
        /// 2-digit code.
        pref: String,
        /// Its facilities in the registry.
        facilities: u64,
    },
    /// A required source gave no row for a prefecture it covered before.
    SourceEmpty {
        /// 2-digit code.
        pref: String,
        /// Source id.
        source: String,
        /// The file read, relative to the data directory (empty when none was found).
        file: String,
        /// Rows it gave the prefecture last time, when recorded.
        before: Option<u64>,
    },
    /// A kind lost more than [`MAX_LOSS_PERCENT`] % of a prefecture's facilities.
    KindShrank {
        /// 2-digit code.
        pref: String,
        /// Kind (API string).
        kind: String,
        /// Facilities in the registry.
        before: u64,
        /// Facilities in the import.
        after: u64,
    },
}

fn pref_label(pref: &str) -> String {
    format!("{pref} {}", prefecture_name(pref).unwrap_or("?"))
}

impl fmt::Display for Shrinkage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shrinkage::PrefectureLeft { pref, facilities } => write!(
                f,
                "prefecture {} is in the registry ({facilities} facilities) but not in this import",
                pref_label(pref)
            ),
            Shrinkage::SourceEmpty { pref, source, file, before } => {
                let file = if file.is_empty() { "no file".to_owned() } else { file.clone() };
                let before = before.map_or_else(String::new, |n| format!(" (last import: {n} rows)"));
                write!(
                    f,
                    "required source '{source}' ({file}) yields 0 rows for prefecture {}{before}",
                    pref_label(pref)
                )
            }
            Shrinkage::KindShrank { pref, kind, before, after } => {
                let lost = before - after;
                write!(
                    f,
                    "prefecture {}: {kind} {before} → {after} (−{lost}, −{:.1} %)",
                    pref_label(pref),
                    100.0 * lost as f64 / *before as f64
                )
            }
        }
    }
}

/// The import would shrink the registry; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the import would shrink the registry, so the previous registry was kept:\n  - {}\n\
     Check the data directory (a partial download?) or pass --allow-shrink if this is intended.",
    .findings.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  - ")
)]
pub struct ShrinkError {
    /// Every way it would shrink.
    pub findings: Vec<Shrinkage>,
}

/// What an import yields, as the guard sees it: its census, and the file each required source
/// read per prefecture.
#[derive(Debug, Clone, Default)]
pub struct ImportYield {
    /// Facilities per prefecture and kind, rows per prefecture and source.
    pub census: RegistryCensus,
    /// (prefecture, source id) → file read, relative to the data directory.
    pub files: BTreeMap<(String, String), String>,
}

/// The rows each source gave each prefecture, as an import recorded them in its summary
/// (`prefectures[].accepted_by_source`, see [`super::ImportReport::summary_json`]); empty for
/// summaries written before multi-prefecture imports.
pub fn source_rows_of(summary: &serde_json::Value) -> BTreeMap<String, BTreeMap<String, u64>> {
    let mut rows = BTreeMap::new();
    for p in summary.get("prefectures").and_then(serde_json::Value::as_array).into_iter().flatten() {
        let Some(code) = p.get("code").and_then(serde_json::Value::as_str) else { continue };
        let Some(by_source) = p.get("accepted_by_source").and_then(serde_json::Value::as_object) else {
            continue;
        };
        let counts = by_source.iter().filter_map(|(k, v)| Some((k.clone(), v.as_u64()?))).collect();
        rows.insert(code.to_owned(), counts);
    }
    rows
}

/// Compares the registry in the store (`previous`) with an import's yield; `Ok` when the import
/// may replace it. An empty previous registry accepts anything.
pub fn check_shrink(
    previous: &RegistryCensus,
    next: &ImportYield,
    manifest: &Manifest,
) -> Result<(), ShrinkError> {
    let mut findings = Vec::new();
    let imported = &next.census.prefectures;
    for pref in &previous.prefectures {
        if !imported.contains(pref) {
            findings.push(Shrinkage::PrefectureLeft { pref: pref.clone(), facilities: previous.total(pref) });
            continue;
        }
        for spec in manifest.sources.iter().filter(|s| s.required) {
            let rows = next.census.source_rows.get(pref).and_then(|r| r.get(&spec.id)).copied().unwrap_or(0);
            let before = previous.source_rows.get(pref).and_then(|r| r.get(&spec.id)).copied();
            if rows == 0 && before != Some(0) {
                let file = next.files.get(&(pref.clone(), spec.id.clone())).cloned().unwrap_or_default();
                findings.push(Shrinkage::SourceEmpty {
                    pref: pref.clone(),
                    source: spec.id.clone(),
                    file,
                    before,
                });
            }
        }
        let kinds = previous.facilities.get(pref).into_iter().flatten();
        for (kind, &before) in kinds {
            let after = next.census.count(pref, kind);
            // "More than 10 % lost": after < 90 % of before, in integers.
            if after * 100 < before * (100 - MAX_LOSS_PERCENT) {
                findings.push(Shrinkage::KindShrank {
                    pref: pref.clone(),
                    kind: kind.clone(),
                    before,
                    after,
                });
            }
        }
    }
    if findings.is_empty() { Ok(()) } else { Err(ShrinkError { findings }) }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn census(rows: &[(&str, &str, u64)]) -> RegistryCensus {
        let mut census = RegistryCensus::default();
        for (pref, kind, n) in rows {
            census.prefectures.insert((*pref).into());
            *census.facilities.entry((*pref).into()).or_default().entry((*kind).into()).or_default() += n;
        }
        census
    }

    fn yielding(rows: &[(&str, &str, u64)], sources: &[(&str, &str, u64)]) -> ImportYield {
        let mut census = census(rows);
        for (pref, source, n) in sources {
            census.prefectures.insert((*pref).into());
            census.source_rows.entry((*pref).into()).or_default().insert((*source).into(), *n);
        }
        ImportYield { census, files: BTreeMap::new() }
    }

    /// The required sources of the built-in manifest, each with `n` rows for `pref`.
    fn required(pref: &'static str, n: u64) -> Vec<(&'static str, &'static str, u64)> {
        Manifest::builtin().sources.iter().filter(|s| s.required).map(|s| (pref, leak(&s.id), n)).collect()
    }

    fn leak(s: &str) -> &'static str {
        Box::leak(s.to_owned().into_boxed_str())
    }

    #[test]
    fn source_rows_are_read_back_from_a_summary() {
        let summary = serde_json::json!({
            "prefectures": [
                {"code": "43", "accepted_by_source": {"mhlw_hospitals": 199, "kijun_ika": 25000}},
                {"code": "11"},
                {"accepted_by_source": {"x": 1}}
            ]
        });
        let rows = source_rows_of(&summary);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows["43"]["mhlw_hospitals"], 199);
        assert!(source_rows_of(&serde_json::json!({"prefecture": "43"})).is_empty(), "old summaries");
    }

    #[test]
    fn an_empty_registry_accepts_anything() {
        let next = yielding(&[("43", "hospital", 1)], &[]);
        assert_eq!(check_shrink(&RegistryCensus::default(), &next, &Manifest::builtin()), Ok(()));
    }

    #[test]
    fn growth_and_small_losses_pass() {
        let before = census(&[("43", "hospital", 199), ("43", "clinic", 1205)]);
        // 10 % lost exactly is allowed; more is not.
        let next = yielding(&[("43", "hospital", 200), ("43", "clinic", 1085)], &required("43", 5));
        assert_eq!(check_shrink(&before, &next, &Manifest::builtin()), Ok(()));
    }

    #[test]
    fn a_truncated_national_file_is_caught_by_counts_and_by_the_empty_source() {
        let before = census(&[("43", "hospital", 199), ("43", "clinic", 1205)]);
        let mut sources = required("43", 5);
        sources.retain(|(_, s, _)| *s != "mhlw_hospitals");
        sources.push(("43", "mhlw_hospitals", 0));
        let mut next = yielding(&[("43", "hospital", 2), ("43", "clinic", 1205)], &sources);
        next.files.insert(("43".into(), "mhlw_hospitals".into()), "01_mhlw_facilities/cut.csv".into());
        let err = check_shrink(&before, &next, &Manifest::builtin()).unwrap_err();
        assert_eq!(
            err.findings,
            vec![
                Shrinkage::SourceEmpty {
                    pref: "43".into(),
                    source: "mhlw_hospitals".into(),
                    file: "01_mhlw_facilities/cut.csv".into(),
                    before: None
                },
                Shrinkage::KindShrank { pref: "43".into(), kind: "hospital".into(), before: 199, after: 2 },
            ]
        );
        let message = err.to_string();
        for part in ["mhlw_hospitals", "cut.csv", "43 熊本県", "199 → 2", "--allow-shrink", "kept"] {
            assert!(message.contains(part), "{part} missing from: {message}");
        }
    }

    #[test]
    fn a_lost_kind_and_a_prefecture_left_out_are_named() {
        let before = census(&[("43", "clinic", 100), ("11", "hospital", 327)]);
        let next = yielding(&[("43", "pharmacy", 870)], &required("43", 5));
        let err = check_shrink(&before, &next, &Manifest::builtin()).unwrap_err();
        assert_eq!(
            err.findings,
            vec![
                Shrinkage::PrefectureLeft { pref: "11".into(), facilities: 327 },
                Shrinkage::KindShrank { pref: "43".into(), kind: "clinic".into(), before: 100, after: 0 },
            ]
        );
        assert!(err.to_string().contains("11 埼玉県"), "{err}");
    }

    #[test]
    fn a_source_that_gave_nothing_before_may_give_nothing_again() {
        let mut before = census(&[("13", "hospital", 0)]);
        before.source_rows.insert("13".into(), BTreeMap::from([("mhlw_hospitals".to_owned(), 0)]));
        let mut sources = required("13", 5);
        sources.retain(|(_, s, _)| *s != "mhlw_hospitals");
        sources.push(("13", "mhlw_hospitals", 0));
        let next = yielding(&[], &sources);
        assert_eq!(check_shrink(&before, &next, &Manifest::builtin()), Ok(()));
        assert!(next.census.prefectures == BTreeSet::from(["13".to_owned()]));
    }
}
