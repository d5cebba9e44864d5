//! Prefecture and municipality codes (全国地方公共団体コード, local government codes) as they appear
//! in official files: 2-digit prefecture codes (JIS X 0401), 5-digit municipality codes without the
//! check digit, 4-digit secondary medical area codes.

pub use crate::model::{prefecture_code_of_name, prefecture_name};

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
