//! Prefecture and municipality codes (全国地方公共団体コード, local government codes) as they appear
//! in official files: 2-digit prefecture codes (JIS X 0401), 5-digit municipality codes without the
//! check digit, 4-digit secondary medical area codes.

/// Prefecture names (都道府県名) in JIS X 0401 order: index 0 is code "01".
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

/// Left-pads a code of ASCII digits with zeros to `width` digits.
///
/// Spreadsheet exports often turn codes into numbers and lose the leading zero (`1101` for
/// `01101`); padding restores them. `None` when the value is empty, has a non-digit, or is longer
/// than `width`.
pub fn pad_code(value: &str, width: usize) -> Option<String> {
    let value = value.trim();
    if value.is_empty() || value.len() > width || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!("{value:0>width$}"))
}

/// Normalises a prefecture code (`"43"`, `"1"` → `"01"`); `None` unless it is 01..47.
pub fn prefecture_code(value: &str) -> Option<String> {
    let code = pad_code(value, 2)?;
    prefecture_name(&code).map(|_| code)
}

/// The name of a prefecture (`"43"` → `"熊本県"`), `None` for an unknown code.
pub fn prefecture_name(code: &str) -> Option<&'static str> {
    let index: usize = code.parse().ok()?;
    if code.len() != 2 || !(1..=PREFECTURES.len()).contains(&index) {
        return None;
    }
    Some(PREFECTURES[index - 1])
}

/// The code of a prefecture name (`"熊本県"` → `"43"`).
pub fn prefecture_code_of_name(name: &str) -> Option<String> {
    let name = name.trim();
    PREFECTURES.iter().position(|p| *p == name).map(|i| format!("{:02}", i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    mod pad_code {
        use super::*;

        #[test]
        fn restores_lost_leading_zeros() {
            assert_eq!(pad_code("1101", 5).as_deref(), Some("01101"));
            assert_eq!(pad_code(" 43101 ", 5).as_deref(), Some("43101"));
            assert_eq!(pad_code("101", 4).as_deref(), Some("0101"));
        }

        #[test]
        fn rejects_non_digits_empty_and_too_long() {
            assert_eq!(pad_code("", 5), None);
            assert_eq!(pad_code("43-01", 5), None);
            assert_eq!(pad_code("431016", 5), None);
            assert_eq!(pad_code("４３１０１", 5), None, "full-width digits are not codes");
        }
    }

    mod prefectures {
        use super::*;

        #[test]
        fn names_and_codes_round_trip() {
            assert_eq!(prefecture_name("01"), Some("北海道"));
            assert_eq!(prefecture_name("43"), Some("熊本県"));
            assert_eq!(prefecture_name("47"), Some("沖縄県"));
            assert_eq!(prefecture_code_of_name("埼玉県").as_deref(), Some("11"));
            for i in 1..=47 {
                let code = format!("{i:02}");
                let name = prefecture_name(&code).expect("every code 01..47 has a name");
                assert_eq!(prefecture_code_of_name(name), Some(code));
            }
        }

        #[test]
        fn rejects_unknown_codes() {
            assert_eq!(prefecture_name("00"), None);
            assert_eq!(prefecture_name("48"), None);
            assert_eq!(prefecture_name("4"), None, "unpadded codes are normalised by prefecture_code");
            assert_eq!(prefecture_code("4").as_deref(), Some("04"));
            assert_eq!(prefecture_code("48"), None);
            assert_eq!(prefecture_code_of_name("熊本"), None);
        }
    }
}
