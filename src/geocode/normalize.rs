//! Japanese address normalisation (住所正規化): the many ways one address is written become one
//! string, so it can be matched against the gazetteer's 大字・町丁目 (town) names.
//!
//! Two layers:
//! - [`normalize_address`] gives a canonical, still readable address (NFKC, no spaces, one dash,
//!   丁目 in kanji numerals, 番地/号 folded into dashes). It is what a match reports as `normalized`.
//! - [`match_key`] further folds spelling variants that the gazetteer and publishers disagree on
//!   (ケ/ヶ/が, ノ/の/之, a few old character forms) and drops the 大字 marker. It is only used to
//!   compare strings, never shown.

use unicode_normalization::UnicodeNormalization;

use crate::model::all_prefecture_names;

/// Normalises a Japanese address into a canonical readable form.
///
/// Rules, in order:
/// 1. NFKC: full-width digits, Latin letters and signs become ASCII; half-width katakana becomes
///    full-width.
/// 2. All white space (including the ideographic space U+3000) is removed, as is a leading postal
///    code (`〒862-0916`).
/// 3. Dashes: ‐ ‑ ‒ – — ― − ─ ━ ﹣ and NFKC's `-` are `-`; the long-vowel mark ー (and ｰ) is `-` only
///    after a digit, since it is a real letter in katakana names.
/// 4. Small ヶ and ヵ become ケ, the form most of the gazetteer uses (鶴ヶ丘 → 鶴ケ丘).
/// 5. After a digit: `番地の`, `番地`, `番の`, `番`, `の` and `号` followed by a digit become `-`;
///    at the end or before other text they are dropped (`9番30号` → `9-30`, `1314番地1` → `1314-1`,
///    `1の37` → `1-37`). `無番地` (no lot number) is kept.
/// 6. 丁目 written with arabic digits becomes kanji numerals, as in the gazetteer
///    (`大江3丁目` → `大江三丁目`, `10丁目` → `十丁目`, `21丁目` → `二十一丁目`).
pub fn normalize_address(s: &str) -> String {
    let nfkc: String = s.nfkc().filter(|c| !c.is_whitespace()).collect();
    let chars: Vec<char> = strip_postal_code(&nfkc).chars().collect();
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let after_digit = out.last().is_some_and(char::is_ascii_digit);
        if is_dash(c) || (c == 'ー' && after_digit) {
            out.push('-');
            i += 1;
            continue;
        }
        if c == 'ヶ' || c == 'ヵ' {
            out.push('ケ');
            i += 1;
            continue;
        }
        if after_digit && let Some(consumed) = lot_marker_len(&chars[i..]) {
            let next = chars.get(i + consumed);
            if next.is_some_and(char::is_ascii_digit) {
                out.push('-');
            }
            i += consumed;
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let digits: String = chars[start..i].iter().collect();
            let is_chome = chars.get(i) == Some(&'丁') && chars.get(i + 1) == Some(&'目');
            match digits.parse::<u32>().ok().filter(|_| is_chome).and_then(kanji_number) {
                Some(kanji) => out.extend(kanji.chars()),
                None => out.extend(digits.chars()),
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
    out.into_iter().collect()
}

/// The key used to compare place names: [`normalize_address`] output with spelling variants
/// folded and the 大字 (large-section) marker removed, so `大字上島`, `上島`, `画図町大字重富` and
/// `画図町重富` compare as the gazetteer means them.
///
/// Folds: ケ/が → ケ (鶴が丘 = 鶴ケ丘); の/之 → ノ (光の森 = 光ノ森); ッ → ツ (四ッ山 = 四ツ山); り
/// between two kanji is dropped, an okurigana the gazetteer omits (上通り町 = 上通町); 﨑/嵜 → 崎,
/// 髙 → 高, 澤 → 沢, 邊/邉 → 辺, 嶋 → 島, 濱 → 浜, 櫻 → 桜, 國 → 国, 廣 → 広, 冨 → 富, 龍 → 竜,
/// 齋/齊/斎 → 斉. Apply it to already-normalised text.
pub fn match_key(normalized: &str) -> String {
    let chars: Vec<char> = normalized.replace("大字", "").chars().collect();
    let mut key = String::with_capacity(normalized.len());
    for (i, &c) in chars.iter().enumerate() {
        let between_kanji = i > 0 && chars.get(i + 1).is_some_and(|n| is_kanji(*n)) && is_kanji(chars[i - 1]);
        if c == 'り' && between_kanji {
            continue;
        }
        key.push(fold_char(c));
    }
    key
}

/// Whether `c` is a CJK ideograph (kanji), including 々.
fn is_kanji(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '々')
}

/// One character of [`match_key`].
fn fold_char(c: char) -> char {
    match c {
        'ヶ' | 'ヵ' | 'が' => 'ケ',
        'の' | '之' => 'ノ',
        'ッ' => 'ツ',
        '﨑' | '嵜' => '崎',
        '髙' => '高',
        '澤' => '沢',
        '邊' | '邉' => '辺',
        '嶋' => '島',
        '濱' => '浜',
        '櫻' => '桜',
        '國' => '国',
        '廣' => '広',
        '冨' => '富',
        '龍' => '竜',
        '齋' | '齊' | '斎' => '斉',
        other => other,
    }
}

/// Splits a leading prefecture name off a normalised address: `Some((prefecture, rest))`, or
/// `None` when the address does not start with one.
pub fn split_prefecture(normalized: &str) -> Option<(&'static str, &str)> {
    all_prefecture_names().iter().find_map(|p| normalized.strip_prefix(p).map(|rest| (*p, rest)))
}

/// The kanji numeral of `n` for 1..=99 as written in 丁目 names (一, 十, 十一, 二十, 二十一, 九十九).
pub fn kanji_number(n: u32) -> Option<String> {
    const DIGITS: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    if n == 0 || n > 99 {
        return None;
    }
    let (tens, ones) = ((n / 10) as usize, (n % 10) as usize);
    let mut s = String::new();
    if tens > 0 {
        if tens > 1 {
            s.push_str(DIGITS[tens]);
        }
        s.push('十');
    }
    s.push_str(DIGITS[ones]);
    Some(s)
}

/// Reads a kanji numeral of 1..=99 (the inverse of [`kanji_number`]); `None` for anything else.
pub fn parse_kanji_number(s: &str) -> Option<u32> {
    let digit = |c: char| "一二三四五六七八九".chars().position(|d| d == c).map(|p| p as u32 + 1);
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        [d] if *d != '十' => digit(*d),
        ['十'] => Some(10),
        ['十', o] => Some(10 + digit(*o)?),
        [t, '十'] => Some(digit(*t)? * 10).filter(|n| *n >= 20),
        [t, '十', o] => Some(digit(*t)? * 10 + digit(*o)?).filter(|n| *n >= 20),
        _ => None,
    }
}

/// Whether `c` is a dash that never occurs in place names.
fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'
            | '\u{2011}'
            | '\u{2012}'
            | '\u{2013}'
            | '\u{2014}'
            | '\u{2015}'
            | '\u{2212}'
            | '\u{2500}'
            | '\u{2501}'
            | '\u{FE63}'
            | '\u{FF0D}'
    )
}

/// The length of a lot-number marker (番地の, 番地, 番の, 番, の, 号) at the start of `rest`, if any.
fn lot_marker_len(rest: &[char]) -> Option<usize> {
    const MARKERS: [&str; 6] = ["番地の", "番地", "番の", "番", "の", "号"];
    MARKERS.iter().find_map(|m| {
        let len = m.chars().count();
        (rest.len() >= len && rest[..len].iter().copied().eq(m.chars())).then_some(len)
    })
}

/// Drops a leading postal code (`〒862-0916`, `〒8620916`, or the same without 〒 when followed by
/// a non-digit), which some lists put in the address field.
fn strip_postal_code(s: &str) -> &str {
    let Some(rest) = s.strip_prefix('〒') else {
        return s;
    };
    let code_len: usize =
        rest.chars().take_while(|c| c.is_ascii_digit() || is_dash(*c)).map(char::len_utf8).sum();
    &rest[code_len..]
}

#[cfg(test)]
mod tests {
    use super::*;

    mod normalize {
        use super::*;

        #[test]
        fn full_width_digits_and_letters_become_ascii() {
            assert_eq!(normalize_address("高森２１８６"), "高森2186");
            assert_eq!(normalize_address("イオンモール熊本１Ｆ"), "イオンモール熊本1F");
        }

        #[test]
        fn every_dash_after_a_digit_becomes_hyphen() {
            for dash in ['ー', '−', '‐', '－', '─', 'ｰ', '—', '‑', '–', '―', '━', '-'] {
                assert_eq!(normalize_address(&format!("高森２１８６{dash}１")), "高森2186-1", "{dash:?}");
            }
        }

        #[test]
        fn long_vowel_mark_in_katakana_names_is_kept() {
            assert_eq!(normalize_address("イオンモール熊本"), "イオンモール熊本");
            assert_eq!(normalize_address("ｾﾝﾀｰ1ｰ2"), "センター1-2");
        }

        #[test]
        fn spaces_of_every_width_are_removed() {
            assert_eq!(normalize_address(" 東本町１－１　田上ビル ２階\t"), "東本町1-1田上ビル2階");
        }

        #[test]
        fn small_ke_becomes_large_ke() {
            assert_eq!(normalize_address("鶴ヶ丘"), "鶴ケ丘");
            assert_eq!(normalize_address("鶴ヵ丘"), "鶴ケ丘");
            assert_eq!(normalize_address("鶴ケ丘"), "鶴ケ丘");
        }

        #[test]
        fn arabic_chome_becomes_kanji() {
            assert_eq!(normalize_address("大江3丁目"), "大江三丁目");
            assert_eq!(normalize_address("月出１丁目５－１２"), "月出一丁目5-12");
            assert_eq!(normalize_address("X10丁目"), "X十丁目");
            assert_eq!(normalize_address("X11丁目"), "X十一丁目");
            assert_eq!(normalize_address("X20丁目"), "X二十丁目");
            assert_eq!(normalize_address("X21丁目"), "X二十一丁目");
            assert_eq!(normalize_address("御領二丁目１９番１５号"), "御領二丁目19-15");
        }

        #[test]
        fn numbers_not_followed_by_chome_stay_arabic() {
            assert_eq!(normalize_address("大江5-4-6"), "大江5-4-6");
            assert_eq!(normalize_address("X100丁目"), "X100丁目");
        }

        #[test]
        fn lot_markers_become_dashes_or_vanish() {
            assert_eq!(normalize_address("萩原町9番30号"), "萩原町9-30");
            assert_eq!(normalize_address("中字宮島１３１４番地１"), "中字宮島1314-1");
            assert_eq!(normalize_address("大字佐敷１７５番地"), "大字佐敷175");
            assert_eq!(normalize_address("渡鹿５丁目１の３７"), "渡鹿五丁目1-37");
            assert_eq!(normalize_address("X3番地の2"), "X3-2");
            assert_eq!(normalize_address("X3番の2"), "X3-2");
            assert_eq!(normalize_address("X７番１７号ビル"), "X7-17ビル");
        }

        #[test]
        fn no_lot_number_is_kept() {
            assert_eq!(normalize_address("城南町舞原無番地"), "城南町舞原無番地");
        }

        #[test]
        fn kanji_numerals_in_names_are_untouched() {
            assert_eq!(normalize_address("一の宮町宮地"), "一の宮町宮地");
            assert_eq!(normalize_address("一番町"), "一番町");
        }

        #[test]
        fn postal_code_is_dropped() {
            assert_eq!(normalize_address("〒862-0916 熊本市東区佐土原1-8-33"), "熊本市東区佐土原1-8-33");
            assert_eq!(normalize_address("〒８６２－０９１６熊本市"), "熊本市");
        }

        #[test]
        fn empty_and_degenerate_input() {
            assert_eq!(normalize_address(""), "");
            assert_eq!(normalize_address("　 "), "");
            assert_eq!(normalize_address("番地"), "番地");
            assert_eq!(normalize_address("〒"), "");
            assert_eq!(normalize_address("‐ー"), "-ー");
        }
    }

    mod keys {
        use super::*;

        #[test]
        fn oaza_marker_is_dropped_anywhere() {
            assert_eq!(match_key("大字上島"), "上島");
            assert_eq!(match_key("画図町大字重富575"), "画図町重富575");
        }

        #[test]
        fn ke_variants_fold() {
            assert_eq!(match_key("鶴ケ丘"), match_key("鶴ヶ丘"));
            assert_eq!(match_key("鶴が丘"), match_key("鶴ケ丘"));
            assert_eq!(match_key("武蔵ヶ丘"), match_key("武蔵ケ丘"));
        }

        #[test]
        fn no_variants_fold() {
            assert_eq!(match_key("光の森"), match_key("光ノ森"));
            assert_eq!(match_key("一之宮"), match_key("一の宮"));
        }

        #[test]
        fn small_tsu_and_okurigana_fold() {
            assert_eq!(match_key("四ッ山町"), "四ツ山町");
            assert_eq!(match_key("上通り町"), "上通町");
            // Only between kanji: a hiragana name keeps its り.
            assert_eq!(match_key("ひばりケ丘"), "ひばりケ丘");
        }

        #[test]
        fn old_character_forms_fold() {
            assert_eq!(match_key("髙森"), "高森");
            assert_eq!(match_key("長﨑"), "長崎");
            assert_eq!(match_key("龍ケ岳"), match_key("竜ヶ岳"));
        }

        #[test]
        fn digits_and_dashes_are_untouched() {
            assert_eq!(match_key("5-4-6"), "5-4-6");
        }
    }

    mod numbers {
        use super::*;

        #[test]
        fn kanji_numbers_round_trip() {
            for n in 1..=99 {
                let kanji = kanji_number(n).unwrap();
                assert_eq!(parse_kanji_number(&kanji), Some(n), "{kanji}");
            }
            assert_eq!(kanji_number(1).as_deref(), Some("一"));
            assert_eq!(kanji_number(10).as_deref(), Some("十"));
            assert_eq!(kanji_number(11).as_deref(), Some("十一"));
            assert_eq!(kanji_number(20).as_deref(), Some("二十"));
            assert_eq!(kanji_number(99).as_deref(), Some("九十九"));
        }

        #[test]
        fn out_of_range_and_malformed() {
            assert_eq!(kanji_number(0), None);
            assert_eq!(kanji_number(100), None);
            assert_eq!(parse_kanji_number(""), None);
            assert_eq!(parse_kanji_number("一十"), None);
            assert_eq!(parse_kanji_number("十十"), None);
            assert_eq!(parse_kanji_number("本"), None);
        }
    }

    mod prefecture {
        use super::*;

        #[test]
        fn splits_known_prefectures() {
            assert_eq!(split_prefecture("熊本県熊本市"), Some(("熊本県", "熊本市")));
            assert_eq!(split_prefecture("北海道札幌市"), Some(("北海道", "札幌市")));
            assert_eq!(split_prefecture("熊本市中央区"), None);
            assert_eq!(split_prefecture(""), None);
        }
    }
}
