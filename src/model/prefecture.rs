//! The 47 prefectures (都道府県) by their JIS X 0401 code.

const PREFECTURES: [&str; 47] = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];

/// The name of a prefecture from its 2-digit code ("43" → "熊本県").
pub fn prefecture_name(code: &str) -> Option<&'static str> {
    let n: usize = code.parse().ok()?;
    if code.len() != 2 || !(1..=47).contains(&n) {
        return None;
    }
    Some(PREFECTURES[n - 1])
}

/// The code of a prefecture name (`"熊本県"` → `"43"`).
pub fn prefecture_code_of_name(name: &str) -> Option<String> {
    let name = name.trim();
    PREFECTURES.iter().position(|p| *p == name).map(|i| format!("{:02}", i + 1))
}

/// Every prefecture name, for recognising a prefecture at the start of an address.
pub fn all_prefecture_names() -> &'static [&'static str] {
    &PREFECTURES
}

/// The regional bureau of health and welfare (地方厚生局) whose jurisdiction a prefecture lies in:
/// the office that accepts its medical institutions' 施設基準 filings and publishes the
/// 届出受理医療機関名簿. Shikoku's four prefectures are served by the 四国厚生支局 branch.
pub fn regional_health_bureau(code: &str) -> Option<&'static str> {
    let n: u8 = code.parse().ok().filter(|_| prefecture_name(code).is_some())?;
    Some(match n {
        1 => "北海道厚生局",
        2..=7 => "東北厚生局",
        8..=15 | 19 | 20 => "関東信越厚生局",
        16 | 17 | 21..=24 => "東海北陸厚生局",
        18 | 25..=30 => "近畿厚生局",
        31..=35 => "中国四国厚生局",
        36..=39 => "四国厚生支局",
        _ => "九州厚生局",
    })
}

/// The 47 codes, "01" to "47".
pub fn all_prefecture_codes() -> impl Iterator<Item = String> {
    (1..=PREFECTURES.len()).map(|n| format!("{n:02}"))
}

/// Why a prefecture selection was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrefectureSelectionError {
    /// Nothing was selected.
    #[error("no prefecture given: expected `all`, a code such as 43, or a list such as 11,43")]
    Empty,
    /// An item is neither a code 1..47 nor a prefecture name.
    #[error(
        "'{0}' is not a prefecture: expected a code 01..47 (Kumamoto is 43), a name such as 熊本県, or `all`"
    )]
    Unknown(String),
}

/// Parses a prefecture selection: `all` (every prefecture), one code (`43`, `4` = `04`), a name
/// (`熊本県`), or a comma-separated list of them (`11,43`). The result is sorted, without duplicates,
/// as 2-digit codes.
///
/// ```
/// use kanwamap::model::parse_prefecture_selection;
/// assert_eq!(parse_prefecture_selection("43,11, 43").unwrap(), vec!["11", "43"]);
/// assert_eq!(parse_prefecture_selection("all").unwrap().len(), 47);
/// assert!(parse_prefecture_selection("48").is_err());
/// ```
pub fn parse_prefecture_selection(text: &str) -> Result<Vec<String>, PrefectureSelectionError> {
    let mut codes = std::collections::BTreeSet::new();
    for item in text.split([',', '、']).map(str::trim) {
        if item.is_empty() {
            continue;
        }
        if item.eq_ignore_ascii_case("all") {
            codes.extend(all_prefecture_codes());
            continue;
        }
        let code = if item.chars().all(|c| c.is_ascii_digit()) && item.len() <= 2 {
            format!("{:0>2}", item)
        } else {
            prefecture_code_of_name(item).ok_or_else(|| PrefectureSelectionError::Unknown(item.to_owned()))?
        };
        if prefecture_name(&code).is_none() {
            return Err(PrefectureSelectionError::Unknown(item.to_owned()));
        }
        codes.insert(code);
    }
    if codes.is_empty() {
        return Err(PrefectureSelectionError::Empty);
    }
    Ok(codes.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_names() {
        assert_eq!(prefecture_name("43"), Some("熊本県"));
        assert_eq!(prefecture_name("01"), Some("北海道"));
        assert_eq!(prefecture_name("11"), Some("埼玉県"));
        assert_eq!(prefecture_name("47"), Some("沖縄県"));
        assert_eq!(prefecture_name("48"), None);
        assert_eq!(prefecture_name("1"), None);
        assert_eq!(prefecture_name("xx"), None);
    }

    #[test]
    fn every_prefecture_has_its_bureau() {
        assert_eq!(regional_health_bureau("43"), Some("九州厚生局"));
        assert_eq!(regional_health_bureau("11"), Some("関東信越厚生局"));
        assert_eq!(regional_health_bureau("18"), Some("近畿厚生局"), "福井 is in 近畿's jurisdiction");
        assert_eq!(regional_health_bureau("19"), Some("関東信越厚生局"), "山梨");
        assert_eq!(regional_health_bureau("37"), Some("四国厚生支局"));
        assert_eq!(regional_health_bureau("47"), Some("九州厚生局"));
        assert_eq!(regional_health_bureau("48"), None);
        assert!(all_prefecture_codes().all(|c| regional_health_bureau(&c).is_some()));
    }

    mod selection {
        use super::*;

        #[test]
        fn codes_names_lists_and_all() {
            assert_eq!(parse_prefecture_selection("43").unwrap(), vec!["43"]);
            assert_eq!(parse_prefecture_selection("4").unwrap(), vec!["04"]);
            assert_eq!(parse_prefecture_selection("熊本県,11").unwrap(), vec!["11", "43"]);
            assert_eq!(parse_prefecture_selection(" 43 , 11 ,43").unwrap(), vec!["11", "43"]);
            let all = parse_prefecture_selection("ALL").unwrap();
            assert_eq!(all.len(), 47);
            assert_eq!((all[0].as_str(), all[46].as_str()), ("01", "47"));
            assert_eq!(parse_prefecture_selection("all,43").unwrap().len(), 47);
        }

        #[test]
        fn nonsense_is_refused_naming_the_item() {
            assert_eq!(parse_prefecture_selection(""), Err(PrefectureSelectionError::Empty));
            assert_eq!(parse_prefecture_selection(" , "), Err(PrefectureSelectionError::Empty));
            for bad in ["0", "00", "48", "100", "熊本", "x", "43,99"] {
                let err = parse_prefecture_selection(bad).unwrap_err();
                assert!(matches!(err, PrefectureSelectionError::Unknown(_)), "{bad}: {err}");
                assert!(err.to_string().contains("not a prefecture"), "{err}");
            }
        }
    }
}
