//! Whether a facility of the 施設基準 list (届出受理医療機関名簿) is a 病院 (hospital) or a 診療所
//! (clinic). The list does not say; kanwamap decides from evidence that only one kind can have, the
//! strongest first:
//!
//! 1. **Beds, by law.** 医療法 第1条の5: a hospital has 20 or more inpatient beds, a clinic none or
//!    at most 19. The 病床数 column (`一般　　19`, `精神　　120／一般 60`) is summed; a blank or zero
//!    column says nothing (a clinic without beds, or a row without the column).
//! 2. **Filings that only one kind can hold.** The 受理届出名称 is the official fee name, and it says
//!    病院/病棟 or 診療所 when the fee is for one kind only (在宅療養支援病院, 緩和ケア病棟入院料,
//!    一般病棟入院基本料 … against 在宅療養支援診療所, 有床診療所入院基本料 …); a few fees are for one
//!    kind by the fee schedule without saying so (緩和ケア診療加算 for hospitals, 時間外対応加算 and
//!    地域包括診療加算 for clinics). A fee named for both (在宅緩和ケア充実診療所・病院加算, whatever
//!    its 受理記号) decides nothing. The 受理記号 is read only when the name is blank: the codes differ
//!    between bureaus.
//! 3. **The name.** 医療法 第3条 forbids a clinic a name that could be taken for a hospital, so a name
//!    ending in 病院 is a hospital's; a name ending in クリニック/診療所/医院 is usually a clinic's
//!    (a few hospitals are named so, which is why the name comes last).
//! 4. **None of these:** a clinic, because every hospital files its beds.
//!
//! Evidence below the deciding one that says the other kind is kept as a conflict, for the report;
//! filings of both kinds cancel each other and the name decides.

use std::fmt;

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use super::kijun::Filing;
use crate::model::FacilityKind;

/// The fewest beds a hospital has (医療法 第1条の5).
const HOSPITAL_MIN_BEDS: u32 = 20;

/// Fee names that are for hospitals only although they name no 病院/病棟.
const HOSPITAL_ONLY_FEES: &[&str] = &["緩和ケア診療加算"];

/// Fee names (as prefixes) that are for clinics only although they name no 診療所: the 再診料 注10
/// and 注12 add-ons.
const CLINIC_ONLY_FEES: &[&str] = &["時間外対応加算", "地域包括診療加算"];

/// 受理記号 read when a filing has no name: codes of fees for one kind only, as the 九州厚生局
/// writes them (other bureaus may differ, hence codes come after names).
const HOSPITAL_CODES: &[&str] = &[
    "支援病1",
    "支援病2",
    "支援病3",
    "緩1",
    "緩2",
    "緩診",
    "在後病",
    "一般入院",
    "療養入院",
    "精神入院",
    "結核入院",
    "障害入院",
    "特定入院",
    "地包ケア1",
    "地包ケア2",
    "地包ケア3",
    "地包ケア4",
];

/// 受理記号 of clinic-only fees, read when a filing has no name.
const CLINIC_CODES: &[&str] = &[
    "支援診1",
    "支援診2",
    "支援診3",
    "診入院",
    "診療養入院",
    "診緩診",
    "時間外1",
    "時間外2",
    "時間外3",
    "地包加",
];

/// Words that end a hospital's name (`病院`, or its English/katakana form).
const HOSPITAL_NAME_WORDS: &[&str] = &["病院", "ホスピタル", "hospital"];

/// Words that end a clinic's name.
const CLINIC_NAME_WORDS: &[&str] = &["クリニック", "診療所", "医院", "clinic"];

/// Which kind of facility a filing is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilingKind {
    /// Only a hospital can hold it.
    Hospital,
    /// Only a clinic can hold it.
    Clinic,
    /// Named for both (在宅緩和ケア充実診療所・病院加算): decides nothing.
    Shared,
    /// Says nothing about the kind.
    Neutral,
}

/// What decided the kind, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KindBasis {
    /// The licensed beds (20 or more: hospital; 1–19: clinic).
    Beds,
    /// Filings that only one kind can hold.
    Filings,
    /// The facility's name.
    Name,
    /// No evidence: a clinic.
    Default,
}

impl KindBasis {
    /// The string used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            KindBasis::Beds => "beds",
            KindBasis::Filings => "filings",
            KindBasis::Name => "name",
            KindBasis::Default => "default",
        }
    }
}

impl fmt::Display for KindBasis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of a facility with the evidence that decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindDecision {
    /// Hospital or clinic.
    pub kind: FacilityKind,
    /// The strongest evidence found.
    pub basis: KindBasis,
    /// That evidence in words, e.g. `19 beds (一般　　19)` or `filings 支援診２`.
    pub because: String,
    /// Other evidence that says the other kind, in words; empty when everything agrees.
    pub conflicts: Vec<String>,
}

impl KindDecision {
    /// Whether the kind rests on evidence (beds, filings or name) rather than the default: only
    /// such a kind may refuse a match with a facility of the other kind.
    pub fn is_evidenced(&self) -> bool {
        self.basis != KindBasis::Default
    }
}

/// The kind a filing is for, from its 受理届出名称 (official fee name), or from its 受理記号 when the
/// name is blank.
pub fn filing_kind(name: &str, code: &str) -> FilingKind {
    let name: String = name.nfkc().filter(|c| !c.is_whitespace()).collect();
    if name.is_empty() {
        let code: String = code.nfkc().filter(|c| !c.is_whitespace()).collect();
        return match code.as_str() {
            "在緩診実" | "在緩診病" => FilingKind::Shared,
            c if HOSPITAL_CODES.contains(&c) => FilingKind::Hospital,
            c if CLINIC_CODES.contains(&c) => FilingKind::Clinic,
            _ => FilingKind::Neutral,
        };
    }
    let hospital = name.contains("病院") || name.contains("病棟");
    let clinic = name.contains("診療所");
    match (hospital, clinic) {
        (true, true) => FilingKind::Shared,
        (false, true) => FilingKind::Clinic,
        (true, false) => FilingKind::Hospital,
        (false, false) if name.contains("入院基本料") => FilingKind::Hospital,
        (false, false) if HOSPITAL_ONLY_FEES.contains(&name.as_str()) => FilingKind::Hospital,
        (false, false) if CLINIC_ONLY_FEES.iter().any(|fee| name.starts_with(fee)) => FilingKind::Clinic,
        (false, false) => FilingKind::Neutral,
    }
}

/// The kind a facility's name says, from the facility word that comes last (`熊本市民病院附属芳野診療所`
/// is a clinic); `None` when it has none (`熊本地域医療センター`).
pub fn name_kind(name: &str) -> Option<FacilityKind> {
    let name: String = name.nfkc().flat_map(char::to_lowercase).collect();
    let last = |words: &[&str]| words.iter().filter_map(|w| name.rfind(w).map(|at| at + w.len())).max();
    match (last(HOSPITAL_NAME_WORDS), last(CLINIC_NAME_WORDS)) {
        (Some(h), Some(c)) => Some(if h > c { FacilityKind::Hospital } else { FacilityKind::Clinic }),
        (Some(_), None) => Some(FacilityKind::Hospital),
        (None, Some(_)) => Some(FacilityKind::Clinic),
        (None, None) => None,
    }
}

/// Decides hospital or clinic from the beds (total of the 病床数 column, with its text), the filings
/// and the name; see the module documentation for the order.
pub fn decide_kind(
    beds: Option<u32>,
    beds_text: Option<&str>,
    filings: &[Filing],
    name: &str,
) -> KindDecision {
    let beds_kind = beds.filter(|b| *b > 0).map(|b| {
        let kind = if b >= HOSPITAL_MIN_BEDS { FacilityKind::Hospital } else { FacilityKind::Clinic };
        let text: String = beds_text.unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ");
        (kind, format!("{b} beds ({text})"))
    });
    let codes_of = |wanted: FilingKind| -> Vec<&str> {
        let mut codes: Vec<&str> = filings
            .iter()
            .filter(|f| filing_kind(&f.name, &f.code) == wanted)
            .map(|f| if f.code.is_empty() { f.name.as_str() } else { f.code.as_str() })
            .collect();
        codes.sort_unstable();
        codes.dedup();
        codes
    };
    let (hospital_filings, clinic_filings) = (codes_of(FilingKind::Hospital), codes_of(FilingKind::Clinic));
    let filings_text =
        |kind: FacilityKind, codes: &[&str]| format!("{} filings {}", kind.as_str(), codes.join(" "));
    let filing_kind = match (hospital_filings.is_empty(), clinic_filings.is_empty()) {
        (false, true) => {
            Some((FacilityKind::Hospital, filings_text(FacilityKind::Hospital, &hospital_filings)))
        }
        (true, false) => Some((FacilityKind::Clinic, filings_text(FacilityKind::Clinic, &clinic_filings))),
        _ => None,
    };
    let name_kind = name_kind(name).map(|k| (k, format!("name {name}")));

    let mut conflicts = Vec::new();
    if !hospital_filings.is_empty() && !clinic_filings.is_empty() {
        conflicts.push(format!(
            "{} and {}",
            filings_text(FacilityKind::Hospital, &hospital_filings),
            filings_text(FacilityKind::Clinic, &clinic_filings)
        ));
    }
    let evidence =
        [(KindBasis::Beds, beds_kind), (KindBasis::Filings, filing_kind), (KindBasis::Name, name_kind)];
    let decided =
        evidence.iter().find_map(|(basis, e)| e.as_ref().map(|(kind, text)| (*basis, *kind, text.clone())));
    let Some((basis, kind, because)) = decided else {
        return KindDecision {
            kind: FacilityKind::Clinic,
            basis: KindBasis::Default,
            because: "no evidence: every hospital files its beds".to_owned(),
            conflicts,
        };
    };
    for (other_basis, other) in &evidence {
        if let Some((other_kind, text)) = other
            && *other_basis > basis
            && *other_kind != kind
        {
            conflicts.push(text.clone());
        }
    }
    KindDecision { kind, basis, because, conflicts }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filing(name: &str, code: &str) -> Filing {
        Filing {
            name: name.to_owned(),
            code: code.to_owned(),
            number: None,
            since: None,
            remarks: Vec::new(),
            line: 2,
        }
    }

    mod filings {
        use super::*;

        #[test]
        fn the_fee_name_says_hospital_or_clinic() {
            for name in [
                "別添1の「第14の2」の1の(3)に規定する在宅療養支援病院",
                "緩和ケア病棟入院料１",
                "緩和ケア病棟入院料2",
                "緩和ケア診療加算",
                "在宅療養後方支援病院",
                "一般病棟入院基本料",
                "療養病棟入院基本料",
                "精神病棟入院基本料",
                "障害者施設等入院基本料",
                "地域包括ケア病棟入院料1及び地域包括ケア入院医療管理料1",
                "回復期リハビリテーション病棟入院料1",
                "特定機能病院入院基本料",
            ] {
                assert_eq!(filing_kind(name, "x"), FilingKind::Hospital, "{name}");
            }
            for name in [
                "別添1の「第9」の1の(2)に規定する在宅療養支援診療所",
                "有床診療所入院基本料",
                "有床診療所緩和ケア診療加算",
                "有床診療所療養病床入院基本料",
                "時間外対応加算1",
                "地域包括診療加算",
            ] {
                assert_eq!(filing_kind(name, "x"), FilingKind::Clinic, "{name}");
            }
        }

        #[test]
        fn a_fee_for_both_kinds_decides_nothing_whatever_its_code() {
            let shared = "別添1の「第9」の2の(3)に規定する在宅緩和ケア充実診療所・病院加算";
            for code in ["在緩診実", "在緩診病", "在緩診", ""] {
                assert_eq!(filing_kind(shared, code), FilingKind::Shared, "{code}");
            }
            assert_eq!(filing_kind("", "在緩診病"), FilingKind::Shared);
            assert_eq!(filing_kind("地域包括診療料1", "地包診１"), FilingKind::Neutral, "the 料 is for both");
            assert_eq!(filing_kind("がん性疼痛緩和指導管理料", "がん疼"), FilingKind::Neutral);
            assert_eq!(
                filing_kind("別添1の「第9」の2の(4)に規定する在宅療養実績加算1", "在診実１"),
                FilingKind::Neutral
            );
        }

        #[test]
        fn the_code_is_read_only_without_a_name() {
            assert_eq!(filing_kind("", "支援病３"), FilingKind::Hospital, "full-width digits");
            assert_eq!(filing_kind("", "緩１"), FilingKind::Hospital);
            for code in ["緩２", "緩診", "在後病", "一般入院", "療養入院", "精神入院", "地包ケア１"]
            {
                assert_eq!(filing_kind("", code), FilingKind::Hospital, "{code}");
            }
            for code in ["支援診1", "支援診2", "支援診３", "診緩診", "診入院", "時間外１", "地包加"]
            {
                assert_eq!(filing_kind("", code), FilingKind::Clinic, "{code}");
            }
            assert_eq!(filing_kind("", "がん疼"), FilingKind::Neutral);
            assert_eq!(
                filing_kind("医療ＤＸ推進体制整備加算", "支援病１"),
                FilingKind::Neutral,
                "the name wins"
            );
            assert_eq!(filing_kind("", ""), FilingKind::Neutral);
        }
    }

    mod names {
        use super::*;

        #[test]
        fn the_last_facility_word_decides() {
            assert_eq!(name_kind("熊本第一病院"), Some(FacilityKind::Hospital));
            assert_eq!(name_kind("人吉こころのホスピタル"), Some(FacilityKind::Hospital));
            assert_eq!(name_kind("さくら内科クリニック"), Some(FacilityKind::Clinic));
            assert_eq!(name_kind("ＡＢＣ　ＣＬＩＮＩＣ"), Some(FacilityKind::Clinic));
            assert_eq!(name_kind("西村医院"), Some(FacilityKind::Clinic));
            assert_eq!(name_kind("熊本市立熊本市民病院附属芳野診療所"), Some(FacilityKind::Clinic));
            assert_eq!(name_kind("病院前クリニック"), Some(FacilityKind::Clinic));
            assert_eq!(name_kind("熊本地域医療センター"), None);
            assert_eq!(name_kind(""), None);
        }
    }

    mod decisions {
        use super::*;

        #[test]
        fn beds_decide_by_law() {
            let d = decide_kind(Some(20), Some("一般　　20"), &[], "さくらクリニック");
            assert_eq!((d.kind, d.basis), (FacilityKind::Hospital, KindBasis::Beds));
            assert_eq!(d.conflicts, vec!["name さくらクリニック".to_owned()]);
            let d = decide_kind(Some(19), Some("一般　　19"), &[filing("", "支援病３")], "さくら病院");
            assert_eq!((d.kind, d.basis), (FacilityKind::Clinic, KindBasis::Beds));
            assert_eq!(d.because, "19 beds (一般 19)");
            assert_eq!(d.conflicts.len(), 2, "hospital filing and name both disagree: {:?}", d.conflicts);
            let d = decide_kind(Some(180), Some("精神　　120／一般 60"), &[], "");
            assert_eq!(d.kind, FacilityKind::Hospital);
        }

        #[test]
        fn zero_or_blank_beds_say_nothing() {
            for beds in [None, Some(0)] {
                let d = decide_kind(beds, None, &[filing("在宅療養後方支援病院", "在後病")], "青葉会");
                assert_eq!((d.kind, d.basis), (FacilityKind::Hospital, KindBasis::Filings));
            }
        }

        #[test]
        fn kind_specific_filings_decide_before_the_name() {
            let d = decide_kind(None, None, &[filing("緩和ケア病棟入院料１", "緩１")], "青葉クリニック");
            assert_eq!((d.kind, d.basis), (FacilityKind::Hospital, KindBasis::Filings));
            assert_eq!(d.because, "hospital filings 緩１");
            assert_eq!(d.conflicts, vec!["name 青葉クリニック".to_owned()]);
        }

        #[test]
        fn a_clinic_with_the_shared_home_palliative_filing() {
            // The failure seen on another prefecture: a clinic with 支援診２ and the fee for both kinds
            // (filed there as 在緩診病) and no beds was taken for a hospital.
            let filings = [
                filing("別添1の「第9」の1の(2)に規定する在宅療養支援診療所", "支援診２"),
                filing("別添1の「第14の2」の2の(2)に規定する在宅緩和ケア充実診療所・病院加算", "在緩診病"),
            ];
            let d = decide_kind(None, None, &filings, "あおば在宅クリニック");
            assert_eq!((d.kind, d.basis), (FacilityKind::Clinic, KindBasis::Filings));
            assert!(d.conflicts.is_empty(), "{:?}", d.conflicts);
            let d = decide_kind(None, None, &filings[1..], "あおば在宅クリニック");
            assert_eq!(
                (d.kind, d.basis),
                (FacilityKind::Clinic, KindBasis::Name),
                "the shared one decides nothing"
            );
            let d = decide_kind(None, None, &filings[1..], "あおば在宅ケア");
            assert_eq!((d.kind, d.basis), (FacilityKind::Clinic, KindBasis::Default));
            assert!(!d.is_evidenced());
        }

        #[test]
        fn filings_of_both_kinds_cancel_and_are_reported() {
            let filings = [filing("", "支援病３"), filing("", "支援診３")];
            let d = decide_kind(None, None, &filings, "青葉病院");
            assert_eq!((d.kind, d.basis), (FacilityKind::Hospital, KindBasis::Name));
            assert_eq!(d.conflicts, vec!["hospital filings 支援病３ and clinic filings 支援診３".to_owned()]);
            let d = decide_kind(None, None, &filings, "青葉会");
            assert_eq!((d.kind, d.basis), (FacilityKind::Clinic, KindBasis::Default));
            assert_eq!(d.conflicts.len(), 1);
        }

        #[test]
        fn no_evidence_is_a_clinic() {
            let d = decide_kind(None, None, &[], "熊本地域医療センター");
            assert_eq!((d.kind, d.basis), (FacilityKind::Clinic, KindBasis::Default));
            assert!(d.conflicts.is_empty());
        }
    }

    /// The real 九州厚生局 list for Kumamoto (令和7年10月1日現在).
    mod real_data {
        use std::collections::BTreeMap;

        use super::*;
        use crate::ingest::kijun::{KijunFacility, read_kijun};

        fn kumamoto() -> Vec<KijunFacility> {
            let path =
                crate::test_data_dir().join("05_palliative_lists/shisetsu_kijun_ika_43_kumamoto_full.csv");
            read_kijun(&path, "kijun_ika", "43").expect("the Kumamoto list reads").records
        }

        #[test]
        fn every_hospital_by_its_beds_and_no_conflict() {
            let facilities = kumamoto();
            let mut by: BTreeMap<(KindBasis, FacilityKind), usize> = BTreeMap::new();
            for f in &facilities {
                let d = f.kind();
                assert!(d.conflicts.is_empty(), "{}: {} vs {:?}", f.name, d.because, d.conflicts);
                *by.entry((d.basis, d.kind)).or_default() += 1;
            }
            // Measured on the 2025-10-01 list: every hospital files 20 beds or more, so no hospital
            // rests on weaker evidence; the clinics rest on beds (有床診療所), clinic-only filings, their
            // name, or nothing.
            let expected = BTreeMap::from([
                ((KindBasis::Beds, FacilityKind::Hospital), 200),
                ((KindBasis::Beds, FacilityKind::Clinic), 212),
                ((KindBasis::Filings, FacilityKind::Clinic), 397),
                ((KindBasis::Name, FacilityKind::Clinic), 400),
                ((KindBasis::Default, FacilityKind::Clinic), 115),
            ]);
            assert_eq!(by, expected);
        }

        #[test]
        fn home_care_filings_agree_with_the_kind() {
            for f in kumamoto() {
                let kind = f.kind().kind;
                for filing in &f.filings {
                    if filing.code.starts_with("支援診") {
                        assert_eq!(kind, FacilityKind::Clinic, "{}", f.name);
                    }
                    if filing.code.starts_with("支援病") {
                        assert_eq!(kind, FacilityKind::Hospital, "{}", f.name);
                    }
                }
            }
        }
    }
}
