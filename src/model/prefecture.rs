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
}
