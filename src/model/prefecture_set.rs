//! Sets of prefectures (都道府県), the filter `prefecture=` of the API and tiles stands for.

use super::prefecture::prefecture_name;

/// The English (Hepburn) names of the 47 prefectures, by code − 1, as the web page shows them in
/// English ("Kumamoto" for 熊本県).
const ENGLISH_NAMES: [&str; 47] = [
    "Hokkaido",
    "Aomori",
    "Iwate",
    "Miyagi",
    "Akita",
    "Yamagata",
    "Fukushima",
    "Ibaraki",
    "Tochigi",
    "Gunma",
    "Saitama",
    "Chiba",
    "Tokyo",
    "Kanagawa",
    "Niigata",
    "Toyama",
    "Ishikawa",
    "Fukui",
    "Yamanashi",
    "Nagano",
    "Gifu",
    "Shizuoka",
    "Aichi",
    "Mie",
    "Shiga",
    "Kyoto",
    "Osaka",
    "Hyogo",
    "Nara",
    "Wakayama",
    "Tottori",
    "Shimane",
    "Okayama",
    "Hiroshima",
    "Yamaguchi",
    "Tokushima",
    "Kagawa",
    "Ehime",
    "Kochi",
    "Fukuoka",
    "Saga",
    "Nagasaki",
    "Kumamoto",
    "Oita",
    "Miyazaki",
    "Kagoshima",
    "Okinawa",
];

/// The English name of a prefecture from its 2-digit code ("43" → "Kumamoto").
pub fn prefecture_name_en(code: &str) -> Option<&'static str> {
    prefecture_number(code).map(|n| ENGLISH_NAMES[usize::from(n) - 1])
}

/// The number 1..=47 of the prefecture a code starts with: a prefecture code ("43"), or a
/// municipality ("43101") or secondary-medical-area ("4312") code, which begin with theirs.
pub fn prefecture_number(code: &str) -> Option<u8> {
    match code.as_bytes() {
        [a @ b'0'..=b'9', b @ b'0'..=b'9', ..] => {
            Some((a - b'0') * 10 + (b - b'0')).filter(|n| (1..=47).contains(n))
        }
        _ => None,
    }
}

/// A set of prefectures, one bit per JIS X 0401 code: copied, compared and hashed for free, so it
/// can be part of every cache key, and tested per facility or cell in a few instructions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct PrefectureSet(u64);

impl PrefectureSet {
    /// No prefecture.
    pub const EMPTY: PrefectureSet = PrefectureSet(0);

    /// The set of the given 2-digit codes; `None` when one is not a prefecture code.
    pub fn from_codes<'a>(codes: impl IntoIterator<Item = &'a str>) -> Option<PrefectureSet> {
        let mut set = PrefectureSet::EMPTY;
        for code in codes {
            if code.len() != 2 {
                return None;
            }
            set.insert(prefecture_number(code)?);
        }
        Some(set)
    }

    /// Adds prefecture number `n` (1..=47; other numbers are ignored).
    pub fn insert(&mut self, n: u8) {
        if (1..=47).contains(&n) {
            self.0 |= 1 << n;
        }
    }

    /// Whether prefecture number `n` is in the set.
    pub fn contains(self, n: u8) -> bool {
        n < 64 && self.0 & (1 << n) != 0
    }

    /// Whether the prefecture a code starts with (see [`prefecture_number`]) is in the set; false
    /// for a code that starts with none.
    pub fn contains_code(self, code: &str) -> bool {
        prefecture_number(code).is_some_and(|n| self.contains(n))
    }

    /// Whether every prefecture of `self` is in `other`.
    pub fn is_subset(self, other: PrefectureSet) -> bool {
        self.0 & !other.0 == 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// How many prefectures the set holds.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The prefectures of both sets.
    pub fn union(self, other: PrefectureSet) -> PrefectureSet {
        PrefectureSet(self.0 | other.0)
    }

    /// The 2-digit codes, in order.
    pub fn codes(self) -> impl Iterator<Item = String> {
        self.numbers().map(|n| format!("{n:02}"))
    }

    /// The numbers 1..=47, in order.
    pub fn numbers(self) -> impl Iterator<Item = u8> {
        (1..=47u8).filter(move |n| self.contains(*n))
    }

    /// The codes joined with commas (`11,43`), as the parameter is written.
    pub fn to_param(self) -> String {
        self.codes().collect::<Vec<_>>().join(",")
    }

    /// "43 熊本県, 11 埼玉県"-style labels of the members, for messages.
    pub fn describe(self) -> String {
        self.codes()
            .map(|c| match prefecture_name(&c) {
                Some(name) => format!("{c} {name}"),
                None => c,
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl FromIterator<u8> for PrefectureSet {
    fn from_iter<I: IntoIterator<Item = u8>>(iter: I) -> Self {
        let mut set = PrefectureSet::EMPTY;
        for n in iter {
            set.insert(n);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    mod numbers {
        use super::*;

        #[test]
        fn codes_of_prefectures_areas_and_municipalities() {
            assert_eq!(prefecture_number("43"), Some(43));
            assert_eq!(prefecture_number("4312"), Some(43));
            assert_eq!(prefecture_number("01101"), Some(1));
            assert_eq!(prefecture_number("47"), Some(47));
        }

        #[test]
        fn nothing_else() {
            for bad in ["", "4", "00", "48", "99", "x3", "4x", "熊本"] {
                assert_eq!(prefecture_number(bad), None, "{bad}");
            }
        }

        #[test]
        fn english_names() {
            assert_eq!(prefecture_name_en("43"), Some("Kumamoto"));
            assert_eq!(prefecture_name_en("13"), Some("Tokyo"));
            assert_eq!(prefecture_name_en("01"), Some("Hokkaido"));
            assert_eq!(prefecture_name_en("47"), Some("Okinawa"));
            assert_eq!(prefecture_name_en("48"), None);
        }
    }

    mod sets {
        use super::*;

        #[test]
        fn from_codes_and_back() {
            let set = PrefectureSet::from_codes(["43", "11"]).unwrap();
            assert_eq!(set.codes().collect::<Vec<_>>(), ["11", "43"]);
            assert_eq!(set.to_param(), "11,43");
            assert_eq!(set.describe(), "11 埼玉県, 43 熊本県");
            assert_eq!(set.len(), 2);
            assert!(set.contains(43) && set.contains_code("4312") && set.contains_code("11101"));
            assert!(!set.contains(13) && !set.contains_code("1301") && !set.contains_code(""));
        }

        #[test]
        fn only_two_digit_prefecture_codes() {
            for bad in [&["4"][..], &["043"], &["48"], &["00"], &["43", "x"]] {
                assert_eq!(PrefectureSet::from_codes(bad.iter().copied()), None, "{bad:?}");
            }
        }

        #[test]
        fn empty_subsets_and_unions() {
            let empty = PrefectureSet::EMPTY;
            assert!(empty.is_empty() && empty.codes().next().is_none());
            assert_eq!(empty.len(), 0);
            let a: PrefectureSet = [43u8].into_iter().collect();
            let ab: PrefectureSet = [43u8, 40].into_iter().collect();
            assert!(a.is_subset(ab) && !ab.is_subset(a) && empty.is_subset(a));
            assert_eq!(a.union(PrefectureSet::from_codes(["40"]).unwrap()), ab);
            let all: PrefectureSet = (0..=255u8).collect();
            assert_eq!(all.len(), 47, "numbers outside 1..=47 are ignored");
        }
    }
}
