//! Facility names compared across sources: the 厚生局 施設基準 list (届出受理医療機関名簿) writes the
//! name of the legal entity that runs a facility in front of it, 医療情報ネット sometimes does and
//! sometimes does not, and either may add a municipal founder (`〇〇市立`), an insurer label (国保), a
//! bracketed note, full-width letters or an old character form. [`normalize_facility_name`] removes
//! all of that, so that the same facility gives the same key from both sources.
//!
//! The rules are written from the forms of Japanese law and public administration, not from the
//! names of one prefecture: a legal form (法人格) and the corporate name that follows it, an
//! organisation that runs hospitals by itself (日本赤十字社, 共済組合, 厚生連 …), a founder
//! (`〇〇市立`, `〇〇組合立`, `〇〇医師会立`), the 国民健康保険 label; each spaced (full- or half-width)
//! or glued, in front of the facility name or behind it.

use unicode_normalization::UnicodeNormalization;

/// Legal-entity forms (法人格) that a corporate name follows (`医療法人　朝日野会　朝日野総合病院`,
/// `学校法人〇〇学園〇〇大学病院`). The longest matching form is taken, so `医療法人社団` is removed
/// whole. 社団法人/財団法人 are the forms before the 2008 reform; a bare 社団/財団 is how some lists
/// abbreviate 医療法人社団/財団.
const FORMS: &[&str] = &[
    "医療法人",
    "医療法人社団",
    "医療法人財団",
    "社団医療法人",
    "財団医療法人",
    "特定医療法人",
    "特定医療法人社団",
    "特定医療法人財団",
    "社会医療法人",
    "社会医療法人社団",
    "社会医療法人財団",
    "社会福祉法人",
    "学校法人",
    "宗教法人",
    "一般社団法人",
    "一般財団法人",
    "公益社団法人",
    "公益財団法人",
    "社団法人",
    "財団法人",
    "特定非営利活動法人",
    "国立大学法人",
    "公立大学法人",
    "株式会社",
    "有限会社",
    "合同会社",
    "合資会社",
    "合名会社",
    "社団",
    "財団",
];

/// Forms of public bodies: what follows is an organisation (国立病院機構 …) or the facility itself,
/// never a corporate `〇〇会` name (`独立行政法人国立病院機構`, `地方独立行政法人さんむ医療センター`).
const PUBLIC_FORMS: &[&str] = &["独立行政法人", "地方独立行政法人", "国立研究開発法人"];

/// Forms whose corporate name is a university (学校法人 大学, 国立大学法人 大学): the university's name
/// usually begins the hospital's name too (`国立大学法人山形大学医学部附属病院`), so it is removed only
/// when it is repeated (`学校法人日本大学　日本大学医学部附属板橋病院`).
const UNIVERSITY_FORMS: &[&str] = &["学校法人", "国立大学法人", "公立大学法人"];

/// Abbreviations of legal forms written in brackets (`（医）常磐会いわき湯本病院`, `㈱`), with the form
/// they stand for. NFKC has turned `（医）` into `(医)` and `㈱` into `(株)` before they are looked up.
const ABBREVIATED_FORMS: &[(&str, &str)] = &[
    ("(医)", "医療法人"),
    ("(医社)", "医療法人社団"),
    ("(医財)", "医療法人財団"),
    ("(特医)", "特定医療法人"),
    ("(社医)", "社会医療法人"),
    ("(福)", "社会福祉法人"),
    ("(社福)", "社会福祉法人"),
    ("(学)", "学校法人"),
    ("(宗)", "宗教法人"),
    ("(社)", "社団法人"),
    ("(財)", "財団法人"),
    ("(一社)", "一般社団法人"),
    ("(一財)", "一般財団法人"),
    ("(公社)", "公益社団法人"),
    ("(公財)", "公益財団法人"),
    ("(独)", "独立行政法人"),
    ("(地独)", "地方独立行政法人"),
    ("(株)", "株式会社"),
    ("(有)", "有限会社"),
    ("(同)", "合同会社"),
    ("(資)", "合資会社"),
    ("(名)", "合名会社"),
    ("(NPO)", "特定非営利活動法人"),
];

/// Organisations that run facilities under their own name, and are written whole: the national
/// hospital organisations (国立病院機構 NHO, 地域医療機能推進機構 JCHO, 労働者健康安全機構 JOHAS — one
/// MHLW row writes `労働者健康安全` without 機構), the Red Cross (日本赤十字社) and the 恩賜財団 of
/// 済生会.
const ORGANISATIONS: &[&str] = &[
    "国立病院機構",
    "地域医療機能推進機構",
    "労働者健康安全機構",
    "労働者健康安全",
    "日本赤十字社",
    "恩賜財団",
    "済生会支部",
];

/// Endings of organisations that are written with a place or employer in front
/// (`国家公務員共済組合連合会`, `秋田県厚生農業協同組合連合会`, `ＪＡ北海道厚生連`, `青森保健生活協同組合`,
/// `ＳＵＢＡＲＵ健康保険組合`, `東急株式会社`, `宮城県立病院機構`, `日本赤十字社　山梨県支部`): the
/// organisation runs from the start of the name to the ending.
const ORGANISATION_ENDINGS: &[&str] = &[
    "共済組合連合会",
    "共済組合",
    "健康保険組合連合会",
    "健康保険組合",
    "厚生農業協同組合連合会",
    "農業協同組合連合会",
    "厚生連",
    "生活協同組合連合会",
    "生活協同組合",
    "株式会社",
    "有限会社",
    "合同会社",
    "病院機構",
];

/// Endings of organisations only recognised right after another organisation or a public form: a
/// branch (支部) of the Red Cross or 済生会, a 機構 after 独立行政法人.
const BRANCH_ENDINGS: &[&str] = &["支部", "機構"];

/// Most characters a place or employer in front of an organisation ending may have
/// (`身延町早川町国民健康保険病院一部事務組合` is the longest kind seen).
const MAX_PREFIX_CHARS: usize = 20;

/// Endings of a corporate name glued to the facility name after a legal form (`尚和会龍田病院`,
/// `北海道社会事業協会小樽病院`, `〇〇学園〇〇大学病院`).
const CORPORATE_ENDINGS: &[&str] = &["会", "学園", "学院", "財団", "事業団", "基金"];

/// Most characters a glued corporate name may have: longer runs are facility names that happen to
/// contain 会.
const MAX_CORPORATE_CHARS: usize = 12;

/// Corporate names ending in 会 that are part of the public facility name and are kept when glued:
/// 医師会 (`熊本市医師会熊本地域医療センター`) and 済生会 (`済生会熊本病院`).
const KEPT_KAI: &[&str] = &["医師会", "済生会"];

/// Founders written in front of a public facility: a municipality, prefecture, 組合 (a municipal
/// association) or 医師会 followed by 立 (`熊本市立`, `〇〇町立`, `南那須地区広域行政事務組合立`,
/// `天草郡市医師会立`), or a bare `市立`/`公立`.
const FOUNDER_ENDINGS: &[&str] =
    &["市立", "町立", "村立", "区立", "県立", "府立", "都立", "道立", "組合立", "医師会立", "公立"];

/// What a bare founder may be followed by and still be removed: the city's own 市民病院.
const CITIZENS: &[&str] = &["市民", "町民", "村民", "区民"];

/// The 国民健康保険 (national health insurance) label of municipal hospitals, written in full or as
/// 国保, sometimes with 直営 (run directly): `国民健康保険　和水町立病院`, `今金町国保病院`.
const NATIONAL_INSURANCE: &[&str] = &["国民健康保険直営", "国民健康保険", "国保直営", "国保"];

/// What may stand before 国保 when it is the insurance label and not part of a word: the start, a
/// municipality or founder, or a facility word (`総合病院国保旭中央病院`).
const BEFORE_NATIONAL_INSURANCE: &[char] = &['市', '町', '村', '区', '島', '郡', '立', '院', ' '];

/// What may follow 国保 when it is the insurance label inside a name (`八雲町熊石国民健康保険病院`).
const AFTER_NATIONAL_INSURANCE: &[&str] = &["病院", "診療所", "医院", "クリニック", "中央", "総合"];

/// Words that many facility names share; they are not evidence that two names agree.
pub(crate) const GENERIC_WORDS: &[&str] = &[
    "耳鼻咽喉科",
    "クリニック",
    "ホスピタル",
    "メディカル",
    "リハビリテーション",
    "医療センター",
    "センター",
    "産婦人科",
    "小児科",
    "皮膚科",
    "泌尿器",
    "消化器",
    "循環器",
    "診療所",
    "内科",
    "外科",
    "眼科",
    "整形",
    "胃腸",
    "病院",
    "医院",
    "医療",
    "総合",
    "記念",
    "附属",
    "分院",
    "科",
];

/// Words that, after a founder, do not name a facility by themselves: `八代市立病院`,
/// `水俣市立総合医療センター`, `〇〇県立中央病院`, `〇〇県立こども病院` keep their founder, because
/// without it they would be any city's hospital.
const PUBLIC_GENERIC_WORDS: &[&str] = &[
    "中央",
    "市民",
    "町民",
    "村民",
    "区民",
    "県民",
    "府民",
    "都民",
    "道民",
    "こども",
    "子ども",
    "小児",
    "がん",
    "精神",
    "第一",
    "第二",
    "国保",
];

/// What may remain after a corporate name without being a facility name of its own
/// (`医療法人　悠紀会病院` is the 悠紀会病院, not a 病院).
const GENERIC_REMAINDERS: &[&str] = &["病院", "医院", "診療所", "クリニック", "ホスピタル"];

/// Words that end a facility name: a segment ending in one is a facility, not a corporate name
/// (`医療法人　瀬口医院　ささ小児科`), and a legal form after one starts a trailing entity.
const FACILITY_ENDINGS: &[&str] =
    &["病院", "医院", "診療所", "クリニック", "ホスピタル", "センター", "科", "療養所", "分院"];

/// 旧字体 and 異体字 (old and variant character forms) unified with the common form, chosen by one
/// rule: the old forms of 常用漢字 that 人名用漢字 別表第二 lists as variants (澤, 櫻, 廣, 國, 邊,
/// 齋, 齊, 會, 醫, 惠, 榮, 眞, 壽 …), and the forms outside JIS X 0208 (髙, 﨑, 德, 濵) that one
/// system keeps and another replaces by the common form. Pairs that are separate names in their
/// own right (嶋/島, 冨/富, 峯/峰, 渕/淵, 斉/斎) are not unified: two clinics `中嶋医院` and `中島医院`
/// may well be neighbours. NFKC already maps the CJK compatibility forms (U+F900…) that have a
/// canonical decomposition.
const VARIANTS: &[(char, char)] = &[
    ('髙', '高'),
    ('﨑', '崎'),
    ('嵜', '崎'),
    ('邊', '辺'),
    ('邉', '辺'),
    ('齋', '斎'),
    ('齊', '斉'),
    ('澤', '沢'),
    ('濱', '浜'),
    ('濵', '浜'),
    ('櫻', '桜'),
    ('廣', '広'),
    ('國', '国'),
    ('德', '徳'),
    ('會', '会'),
    ('醫', '医'),
    ('惠', '恵'),
    ('榮', '栄'),
    ('眞', '真'),
    ('壽', '寿'),
    ('實', '実'),
    ('圓', '円'),
    ('禮', '礼'),
    ('縣', '県'),
    ('學', '学'),
    ('團', '団'),
    ('藝', '芸'),
    ('龍', '竜'),
    ('瀨', '瀬'),
    ('當', '当'),
    ('來', '来'),
    ('與', '与'),
    ('豐', '豊'),
    ('關', '関'),
    ('淺', '浅'),
    ('黑', '黒'),
    ('萬', '万'),
    ('條', '条'),
    ('濟', '済'),
    ('靜', '静'),
    ('藏', '蔵'),
    ('兒', '児'),
    ('佛', '仏'),
    ('驛', '駅'),
    ('舊', '旧'),
    ('樂', '楽'),
    ('區', '区'),
    ('發', '発'),
];

/// Characters written for the katakana long vowel (`リハビリテ－ション`; NFKC has already turned the
/// full-width hyphen and the half-width `ｰ` into `-` and `ー`).
const DASHES: &[char] = &['-', '−', '‐', '‑', '‒', '–', '—', '―', '─', '━', '⁃'];

/// Normalises a facility name for comparison, so that the 施設基準 and 医療情報ネット writings of one
/// facility give the same key:
///
/// - NFKC (全角/半角), whitespace of any width, `・`, dashes written for `ー`, `ヶ`/`ヵ`/`が` between
///   kanji as `ケ`, the 旧字体/異体字 of `VARIANTS`, Latin letters lower-cased;
/// - a bracketed legal form (`（医）`, `㈱`) read as the form, any other bracketed note removed,
///   quotes (`「」`, `『』`) kept as their content;
/// - in front: legal forms (医療法人 … 株式会社, see `FORMS`) with the corporate name that follows
///   (`〇〇会`, `〇〇学園`, a university repeated in the name), organisations (国立病院機構,
///   日本赤十字社 and its 支部, `〇〇共済組合`, `〇〇厚生連`, `〇〇生活協同組合`, `〇〇株式会社` …),
///   founders (`〇〇市立`, `〇〇組合立`, `〇〇医師会立`, `公立`) and the 国民健康保険/国保 label — each
///   spaced or glued, and each only when a facility name remains;
/// - behind: a legal entity after the facility name (`〇〇病院　医療法人〇〇会`, `〇〇病院医療法人〇〇会`).
///
/// A founder stays when only a generic name would remain (`八代市立病院` is not `病院`), and a
/// `市民病院` keeps its municipality (`八戸市立市民病院` → `八戸市民病院`): `〇〇市立病院` and
/// `〇〇市民病院` are two names, both sources write the one the hospital is licensed under.
/// `之` and `の` are not unified: they distinguish real names.
///
/// `医療法人　朝日野会　朝日野総合病院` → `朝日野総合病院`; `独立行政法人国立病院機構熊本南病院` →
/// `熊本南病院`; `学校法人　〇〇学園　〇〇大学病院` → `〇〇大学病院`.
pub fn normalize_facility_name(s: &str) -> String {
    let text = prepare(s);
    let mut rest = text.trim();
    let mut entity: Option<&str> = None;
    rest = strip_entities(rest, &mut entity);
    let rest = strip_trailing_entity(rest);
    let key = compact_key(&rest);
    if !key.is_empty() {
        return key;
    }
    // A name that is nothing but an entity (`医療法人社団　誠寛会`) compares by the corporate name, or
    // as itself when there is none.
    let fallback = compact_key(entity.unwrap_or(""));
    if fallback.is_empty() { compact_key(&text) } else { fallback }
}

/// The name as written, entity and all, with only widths, spaces, brackets and character variants
/// unified: tells apart facilities whose [`normalize_facility_name`] keys are equal because only their
/// operators differ (`独立行政法人国立病院機構高知病院` and `高知病院`).
pub(crate) fn literal_name_key(s: &str) -> String {
    compact_key(&prepare(s))
}

/// NFKC, variant characters, dashes and small ケ unified, bracketed forms expanded, notes removed,
/// whitespace collapsed to single ASCII spaces, `〇〇市立市民病院` written `〇〇市民病院`.
fn prepare(s: &str) -> String {
    let mut expanded: String = s.nfkc().collect();
    for (abbreviation, form) in ABBREVIATED_FORMS {
        if expanded.contains(abbreviation) {
            expanded = expanded.replace(abbreviation, &format!(" {form} "));
        }
    }
    let chars: Vec<char> = expanded.chars().collect();
    let mut text = String::with_capacity(expanded.len());
    for (i, &c) in chars.iter().enumerate() {
        let unified = VARIANTS.iter().find(|(old, _)| *old == c).map_or(c, |(_, new)| *new);
        let unified = match unified {
            'ヶ' | 'ヵ' => 'ケ',
            // 緑が丘 / 緑ヶ丘: が between two kanji is the same place-name particle.
            'が' if i > 0 && is_kanji(chars[i - 1]) && chars.get(i + 1).is_some_and(|n| is_kanji(*n)) => {
                'ケ'
            }
            c if DASHES.contains(&c) => 'ー',
            c if c.is_whitespace() => ' ',
            c => c,
        };
        text.push(unified);
    }
    let mut text = remove_brackets(&text);
    // The city's own 市民病院 is the same hospital with or without its founder: `八戸市立市民病院`
    // and `八戸市民病院` (a 市立病院 is another name and stays).
    for (founded, citizens) in [("市立市民", "市民"), ("町立町民", "町民"), ("村立村民", "村民")]
    {
        if text.contains(founded) {
            text = text.replace(founded, citizens);
        }
    }
    let text = text.split(' ').filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ");
    // Inside the name, before founders are read (`奈井江町立国民健康保険病院` is the 町立病院).
    remove_inner_national_insurance(&text)
}

/// Whether a character is a CJK ideograph (kanji).
fn is_kanji(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '々')
}

/// Removes `(…)`, `[…]`, `【…】`, `〔…〕`, `〈…〉`, `《…》` with their content, and the marks of `「…」`
/// and `『…』` (a quoted part belongs to the name: `新都市医療研究会「君津」会`). An unclosed bracket
/// is kept as text.
fn remove_brackets(s: &str) -> String {
    const PAIRS: &[(char, char)] =
        &[('(', ')'), ('[', ']'), ('【', '】'), ('〔', '〕'), ('〈', '〉'), ('《', '》')];
    let unquoted: String = s.chars().filter(|c| !matches!(c, '「' | '」' | '『' | '』')).collect();
    let mut out = String::with_capacity(unquoted.len());
    let mut rest = unquoted.as_str();
    while let Some((start, open)) = rest.char_indices().find(|(_, c)| PAIRS.iter().any(|(o, _)| o == c)) {
        let close = PAIRS.iter().find(|(o, _)| *o == open).map_or(open, |(_, c)| *c);
        let after_open = &rest[start + open.len_utf8()..];
        match after_open.find(close) {
            Some(end) => {
                out.push_str(&rest[..start]);
                // Keep a space so that tokens on both sides stay apart.
                out.push(' ');
                rest = &after_open[end + close.len_utf8()..];
            }
            None => {
                out.push_str(&rest[..start + open.len_utf8()]);
                rest = after_open;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The key of what remains: no whitespace, no `・`/`、`, lower case.
fn compact_key(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '・' | '、'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The longest item of `list` that `text` starts with.
fn longest_prefix<'l>(text: &str, list: &[&'l str]) -> Option<&'l str> {
    list.iter().filter(|item| text.starts_with(**item)).max_by_key(|item| item.len()).copied()
}

/// Whether `rest` names a facility on its own: at least two characters and not a bare generic word
/// (`病院`).
fn is_a_name(rest: &str) -> bool {
    let rest = rest.trim();
    let first_segment = rest.split(' ').next().unwrap_or("");
    rest.chars().count() >= 2
        && !GENERIC_REMAINDERS.contains(&first_segment)
        && !GENERIC_REMAINDERS.contains(&rest)
}

/// Whether `rest` names a facility without its founder: something is left once the generic and
/// public-generic words are taken out (`上天草総合病院` is a name, `総合医療センター` is not).
fn is_a_public_name(rest: &str) -> bool {
    let compact = compact_key(rest);
    if !is_a_name(&compact) {
        return false;
    }
    let mut parts = vec![compact];
    for word in GENERIC_WORDS.iter().chain(PUBLIC_GENERIC_WORDS) {
        parts = parts.iter().flat_map(|p| p.split(word).map(str::to_owned).collect::<Vec<_>>()).collect();
    }
    parts.iter().any(|p| p.chars().count() >= 2 || p.chars().any(is_kanji))
}

/// What the previous step removed, which decides what may follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum After {
    /// Nothing yet: a spaced `〇〇会` may still be a corporate name (`高森会　阿蘇やまなみ病院`).
    Start,
    /// A legal form that a corporate name follows.
    Form { university: bool },
    /// A public form (独立行政法人 …): an organisation may follow, not a corporate name.
    PublicForm,
    /// An organisation: a branch (支部) or, after 恩賜財団, the 済生会 may follow.
    Organisation,
    /// A corporate name: nothing more of the entity follows but founders and the insurance label.
    Corporate,
}

/// Removes everything in front of the facility name that names its operator: legal forms,
/// corporate names, organisations, founders, the 国民健康保険 label. `entity` keeps the last corporate
/// name removed, for names that are nothing else.
fn strip_entities<'t>(text: &'t str, entity: &mut Option<&'t str>) -> &'t str {
    let mut rest = text.trim_start();
    let mut after = After::Start;
    loop {
        if let Some(form) = longest_prefix(rest, FORMS) {
            let candidate = rest[form.len()..].trim_start();
            // `社団`/`財団` alone are forms only before a name (not `財団病院`).
            if !candidate.is_empty() {
                after = After::Form { university: UNIVERSITY_FORMS.contains(&form) };
                rest = candidate;
                continue;
            }
        }
        if let Some(form) = longest_prefix(rest, PUBLIC_FORMS) {
            after = After::PublicForm;
            rest = rest[form.len()..].trim_start();
            continue;
        }
        if let Some(next) = strip_organisation(rest, after) {
            after = After::Organisation;
            rest = next;
            continue;
        }
        if let Some((corporate, next)) = strip_corporate_name(rest, after) {
            *entity = Some(corporate);
            after = After::Corporate;
            rest = next;
            continue;
        }
        if let Some(next) = strip_national_insurance(rest) {
            rest = next;
            continue;
        }
        if let Some(next) = strip_founder(rest) {
            rest = next;
            continue;
        }
        break;
    }
    rest
}

/// Removes an organisation at the start: a known one (`国立病院機構`), one ending in an organisation
/// ending within the first segment and the first `MAX_PREFIX_CHARS` characters
/// (`秋田県厚生農業協同組合連合会`, `ＪＡ北海道厚生連`), or a branch (`山梨県支部`) after an
/// organisation or public form. Only when a facility name of its own remains
/// (`日本赤十字社医療センター` stays).
fn strip_organisation(rest: &str, after: After) -> Option<&str> {
    if let Some(org) = longest_prefix(rest, ORGANISATIONS) {
        let next = rest[org.len()..].trim_start();
        if is_a_public_name(next) {
            return Some(next);
        }
    }
    let branches: &[&str] = match after {
        After::Organisation | After::PublicForm => BRANCH_ENDINGS,
        _ => &[],
    };
    let first = rest.split(' ').next().unwrap_or(rest);
    // The organisation ends at the end of the furthest ending found in the first segment whose
    // prefix is no facility name (`〇〇病院健康保険組合` is not an organisation in front).
    let end = ORGANISATION_ENDINGS
        .iter()
        .chain(branches)
        .filter_map(|ending| {
            let at = first.find(ending)?;
            let prefix = &first[..at];
            let plausible = prefix.chars().count() <= MAX_PREFIX_CHARS
                && !FACILITY_ENDINGS.iter().any(|w| prefix.contains(w));
            plausible.then_some(at + ending.len())
        })
        .max()?;
    let next = rest[end..].trim_start();
    is_a_public_name(next).then_some(next)
}

/// Removes a corporate name at the start, returning it and the rest:
///
/// - spaced, after a legal form: the first segment, unless it ends like a facility
///   (`医療法人　瀬口医院　ささ小児科`) or is a university, and is not repeated by the name that
///   follows (`医療法人　札幌円山整形外科　札幌円山整形外科病院`, `学校法人日本大学　日本大学…病院`);
/// - spaced, after an organisation or at the start: a first segment ending in a corporate ending
///   (`高森会　阿蘇やまなみ病院`, `済生会　北上済生会病院` after 恩賜財団), but at the start not the
///   kept 医師会/済生会;
/// - glued, after a legal form: the shortest run ending in a corporate ending (`尚和会龍田病院`),
///   unless it is a kept name (`済生会熊本病院`); a university only when the name repeats it
///   (`近畿大学近畿大学病院`).
fn strip_corporate_name(rest: &str, after: After) -> Option<(&str, &str)> {
    if matches!(after, After::Corporate | After::PublicForm) {
        return None;
    }
    let is_kept = |name: &str| KEPT_KAI.iter().any(|k| name.ends_with(k));
    let corporate_ending = |name: &str| CORPORATE_ENDINGS.iter().any(|e| name.ends_with(e));
    if let Some((first, more)) = rest.split_once(' ') {
        let more = more.trim_start();
        let facility_like = FACILITY_ENDINGS.iter().any(|w| first.ends_with(w));
        let repeated = more.starts_with(first);
        let corporate = match after {
            After::Form { university: true } if first.ends_with("大学") => repeated,
            After::Form { .. } => !facility_like || repeated,
            After::Organisation => corporate_ending(first),
            _ => corporate_ending(first) && !is_kept(first),
        };
        if corporate && first.chars().count() >= 2 && is_a_name(more) {
            return Some((first, more));
        }
    }
    let After::Form { university } = after else { return None };
    let first = rest.split(' ').next().unwrap_or(rest);
    if university && let Some(at) = first.find("大学") {
        let name = &first[..at + "大学".len()];
        let next = &rest[name.len()..];
        if next.starts_with(name) {
            return Some((name, next));
        }
    }
    // Glued: the first corporate ending within the first few characters. 会 after 社 is 社会
    // (`北海道社会事業協会`), not an ending.
    let chars: Vec<(usize, char)> = first.char_indices().collect();
    for (n, &(index, c)) in chars.iter().enumerate().take(MAX_CORPORATE_CHARS).skip(1) {
        let end = index + c.len_utf8();
        let name = &first[..end];
        if !corporate_ending(name) || (c == '会' && chars[n - 1].1 == '社') {
            continue;
        }
        if is_kept(name) {
            return None;
        }
        let next = rest[end..].trim_start();
        if is_a_name(next) {
            return Some((name, next));
        }
    }
    None
}

/// Removes the 国民健康保険 label in front (`国民健康保険　和水町立病院`, `国保水俣市立総合医療センター`)
/// when a name remains.
fn strip_national_insurance(rest: &str) -> Option<&str> {
    let label = longest_prefix(rest, NATIONAL_INSURANCE)?;
    let next = rest[label.len()..].trim_start();
    is_a_name(next).then_some(next)
}

/// Removes 国保 labels that stand inside the name after a municipality, founder or facility word, or
/// before a facility word: `今金町国保病院` → `今金町病院`, `せたな町立国保病院` → `せたな町立病院`,
/// `八雲町熊石国民健康保険病院` → `八雲町熊石病院`; 国保 inside a word (`四国保健`) is left alone.
fn remove_inner_national_insurance(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'outer: while !rest.is_empty() {
        if !out.is_empty() {
            let after_place = out.chars().last().is_some_and(|c| BEFORE_NATIONAL_INSURANCE.contains(&c));
            for label in NATIONAL_INSURANCE {
                let Some(after) = rest.strip_prefix(label) else { continue };
                let before_facility = AFTER_NATIONAL_INSURANCE.iter().any(|w| after.starts_with(w));
                if (after_place || before_facility) && !after.trim().is_empty() {
                    rest = after;
                    continue 'outer;
                }
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

/// Removes a founder at the start (`熊本市立`, `天草郡市医師会立`, `南那須地区広域行政事務組合立`)
/// when a public name remains; a bare `市立`/`公立` only before the city's own 市民病院. A public university (`横浜市立大学附属病院`,
/// `京都府立医科大学附属病院`) keeps its founder: it is its name.
fn strip_founder(rest: &str) -> Option<&str> {
    let first = rest.split(' ').next().unwrap_or(rest);
    let (at, ending) = FOUNDER_ENDINGS
        .iter()
        .filter_map(|e| first.find(e).map(|at| (at, *e)))
        .min_by_key(|(at, e)| (*at, std::cmp::Reverse(e.len())))?;
    let place = &first[..at];
    if place.chars().count() > MAX_PREFIX_CHARS || FACILITY_ENDINGS.iter().any(|w| place.contains(w)) {
        return None;
    }
    // `公立` stands alone at the start (`公立八女総合病院`); `〇〇公立` is not a founder.
    if ending == "公立" && !place.is_empty() {
        return None;
    }
    let next = rest[at + ending.len()..].trim_start();
    // A bare founder names its city by what follows (`市立函館病院` is not the 函館病院 of another
    // operator), unless that is the city's own 市民病院 (`市立千歳市民病院`).
    let names_a_city = matches!(ending, "市立" | "町立" | "村立" | "区立" | "公立");
    if place.is_empty() && names_a_city && !CITIZENS.iter().any(|c| next.contains(c)) {
        return None;
    }
    if next.contains("大学") || next.starts_with("医大") {
        return None;
    }
    is_a_public_name(next).then_some(next)
}

/// Whether a segment names a legal entity: it starts with a legal form or an organisation, or ends
/// with an organisation ending.
fn is_entity_segment(segment: &str) -> bool {
    longest_prefix(segment, FORMS).is_some()
        || longest_prefix(segment, PUBLIC_FORMS).is_some()
        || longest_prefix(segment, ORGANISATIONS).is_some()
        || ORGANISATION_ENDINGS.iter().any(|e| segment.ends_with(e))
}

/// Removes a legal entity behind the facility name — from the first segment after the first that is
/// an entity (`〇〇病院　医療法人〇〇会`, `〇〇病院 医療法人 〇〇会`, `〇〇病院　〇〇健康保険組合`), or
/// from a legal form glued right after a facility word (`〇〇医院医療法人〇〇会`).
fn strip_trailing_entity(rest: &str) -> String {
    let segments: Vec<&str> = rest.split(' ').filter(|s| !s.is_empty()).collect();
    let keep = (1..segments.len()).find(|&i| is_entity_segment(segments[i])).unwrap_or(segments.len());
    let head = segments[..keep].join(" ");
    let mut cut = head.len();
    for ending in FACILITY_ENDINGS {
        for (found, _) in head.match_indices(ending) {
            let end = found + ending.len();
            let tail = head[end..].trim_start();
            if !tail.is_empty() && is_entity_segment(tail) {
                cut = cut.min(end);
            }
        }
    }
    head[..cut].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        normalize_facility_name(s)
    }

    /// Facility names without any entity, each a key of its own.
    const PLAIN: &[&str] =
        &["朝日野総合病院", "さくら内科クリニック", "西村医院", "みどり診療所", "熊本南病院"];

    mod plain_names {
        use super::*;

        #[test]
        fn a_plain_name_is_its_own_key() {
            for name in PLAIN {
                assert_eq!(n(name), *name);
            }
        }

        #[test]
        fn empty_and_entity_only_names() {
            assert_eq!(n(""), "");
            assert_eq!(n("医療法人"), "医療法人", "a bare form compares as itself");
            assert_eq!(n("医療法人社団　誠寛会"), "誠寛会", "an entity alone compares by its corporate name");
            assert_eq!(n("医療法人社団誠寛会"), n("誠寛会"));
            assert_eq!(n("（医院"), "(医院", "an unclosed bracket stays");
        }
    }

    /// Every legal form, in front (spaced full-width, spaced half-width, glued) and behind (spaced,
    /// bracketed, glued), with a corporate name, gives the facility's own key.
    mod legal_forms {
        use super::*;

        /// Forms followed by a corporate name `〇〇会`.
        const FORMS_WITH_CORPORATE_NAME: &[&str] = &[
            "医療法人",
            "医療法人社団",
            "医療法人財団",
            "社団医療法人",
            "特定医療法人",
            "特定医療法人社団",
            "特定医療法人財団",
            "社会医療法人",
            "社会医療法人社団",
            "社会医療法人財団",
            "社会福祉法人",
            "宗教法人",
            "一般社団法人",
            "一般財団法人",
            "公益社団法人",
            "公益財団法人",
            "社団法人",
            "財団法人",
            "特定非営利活動法人",
            "株式会社",
            "有限会社",
            "合同会社",
            "学校法人",
        ];

        fn variants(form: &str, corporate: &str, name: &str) -> Vec<String> {
            vec![
                format!("{form}{corporate}{name}"),
                format!("{form}　{corporate}　{name}"),
                format!("{form} {corporate} {name}"),
                format!("{form}{corporate}　{name}"),
                format!("{form}　{corporate}{name}"),
                format!("{name}　{form}{corporate}"),
                format!("{name} {form} {corporate}"),
                format!("{name}{form}{corporate}"),
                format!("{name}（{form}{corporate}）"),
                format!("{name}({form}　{corporate})"),
            ]
        }

        #[test]
        fn forms_with_a_corporate_name_in_front_and_behind() {
            for form in FORMS_WITH_CORPORATE_NAME {
                for corporate in ["朝日会", "青葉学園", "聖心学院"] {
                    for name in PLAIN {
                        for written in variants(form, corporate, name) {
                            assert_eq!(n(&written), *name, "{written}");
                        }
                    }
                }
            }
        }

        #[test]
        fn a_form_glued_behind_a_facility_word() {
            assert_eq!(n("みなみ医院医療法人南会"), "みなみ医院");
            assert_eq!(n("みなみ医院　医療法人南会"), "みなみ医院");
            assert_eq!(n("西村病院社会医療法人西村会"), "西村病院");
        }

        #[test]
        fn bracketed_abbreviations_of_forms() {
            assert_eq!(n("（医）常磐会いわき湯本病院"), "いわき湯本病院");
            assert_eq!(n("(医社)石福会四倉病院"), "四倉病院");
            assert_eq!(n("（福）青葉会　青葉病院"), "青葉病院");
            assert_eq!(n("㈱ＩＳＥＫＩ　Ｍ＆Ｄ診療所"), n("株式会社ＩＳＥＫＩ　Ｍ＆Ｄ診療所"));
            assert_eq!(n("医療法人仁医会（財団）釜石厚生病院"), "釜石厚生病院", "a note on the form");
        }

        #[test]
        fn public_forms_and_national_organisations() {
            for form in PUBLIC_FORMS {
                for org in ["国立病院機構", "地域医療機能推進機構", "労働者健康安全機構"]
                {
                    for sep in ["", "　", " "] {
                        let written = format!("{form}{sep}{org}{sep}熊本南病院");
                        assert_eq!(n(&written), "熊本南病院", "{written}");
                    }
                }
            }
            assert_eq!(n("国立病院機構熊本南病院"), "熊本南病院");
            assert_eq!(n("独立行政法人労働者健康安全熊本労災病院"), "熊本労災病院");
            assert_eq!(n("地方独立行政法人さんむ医療センター"), "さんむ医療センター");
            assert_eq!(n("地方独立行政法人宮城県立病院機構　宮城県立がんセンター"), "宮城県立がんセンター");
            assert_eq!(
                n("地方独立行政法人東京都立病院機構東京都立大久保病院"),
                n("東京都立大久保病院"),
                "a prefectural hospital organisation"
            );
            assert_eq!(n("国立研究開発法人　国立がん研究センター東病院"), "国立がん研究センター東病院");
        }

        #[test]
        fn a_public_form_is_not_followed_by_a_corporate_name() {
            // After 独立行政法人 a 会 belongs to the facility.
            assert_eq!(n("独立行政法人　青葉会館診療所"), "青葉会館診療所");
        }

        #[test]
        fn a_corporate_name_that_is_the_facility_name_stays() {
            assert_eq!(n("医療法人　悠紀会病院"), "悠紀会病院", "会 followed by a bare 病院 is the name");
            assert_eq!(n("医療法人　竹下内科医院"), "竹下内科医院");
            assert_eq!(n("医療法人　瀬口医院　ささ小児科"), "瀬口医院ささ小児科");
            assert_eq!(n("恵和会　病院"), "恵和会病院", "a bare generic word is not a name");
            assert_eq!(n("仁誠会クリニック光の森"), "仁誠会クリニック光の森", "no legal form: kept");
            assert_eq!(n("医療法人ブレス　本田レディースクリニック"), "本田レディースクリニック");
            assert_eq!(n("医療法人　札幌円山整形外科　札幌円山整形外科病院"), "札幌円山整形外科病院");
        }

        #[test]
        fn a_spaced_corporate_name_without_a_form() {
            assert_eq!(n("高森会　阿蘇やまなみ病院"), "阿蘇やまなみ病院");
            assert_eq!(n("青葉学園　青葉こども病院"), "青葉こども病院");
        }
    }

    mod universities {
        use super::*;

        #[test]
        fn a_school_corporation_in_front_of_a_university_hospital() {
            // The failure seen on another prefecture: the 施設基準 list writes the 学校法人 and its
            // 学園, 医療情報ネット only the hospital.
            for written in [
                "学校法人　青葉学園　青葉大学病院",
                "学校法人青葉学園　青葉大学病院",
                "学校法人青葉学園青葉大学病院",
                "学校法人 青葉学園 青葉大学病院",
                "青葉大学病院　学校法人青葉学園",
            ] {
                assert_eq!(n(written), "青葉大学病院", "{written}");
            }
        }

        #[test]
        fn a_university_is_removed_only_when_the_name_repeats_it() {
            assert_eq!(n("学校法人日本大学　日本大学医学部附属板橋病院"), "日本大学医学部附属板橋病院");
            assert_eq!(n("学校法人近畿大学近畿大学病院"), "近畿大学病院");
            assert_eq!(n("国立大学法人山形大学医学部附属病院"), "山形大学医学部附属病院");
            assert_eq!(n("国立大学法人　富山大学附属病院"), "富山大学附属病院");
            assert_eq!(n("国立大学法人　東京大学　医学部附属病院"), "東京大学医学部附属病院");
            assert_eq!(
                n("公立大学法人横浜市立大学附属病院"),
                "横浜市立大学附属病院",
                "the founder is the name"
            );
            assert_eq!(n("京都府立医科大学附属病院"), "京都府立医科大学附属病院");
        }
    }

    /// Organisations that run hospitals under their own name, with and without a place in front.
    mod organisations {
        use super::*;

        #[test]
        fn organisations_in_front_spaced_or_glued_and_behind() {
            for org in [
                "国家公務員共済組合連合会",
                "地方職員共済組合",
                "公立学校共済組合",
                "警察共済組合",
                "ＳＵＢＡＲＵ健康保険組合",
                "青葉健康保険組合連合会",
                "秋田県厚生農業協同組合連合会",
                "ＪＡ北海道厚生連",
                "熊本県厚生連",
                "盛岡医療生活協同組合",
                "青森保健生活協同組合",
                "青葉消費生活協同組合",
                "東急株式会社",
                "青葉有限会社",
                "日本赤十字社",
                "日本赤十字社　山梨県支部",
                "日本赤十字社栃木県支部",
                "社会福祉法人　恩賜財団　済生会支部",
            ] {
                for sep in ["", "　", " "] {
                    let written = format!("{org}{sep}青葉中央病院");
                    assert_eq!(n(&written), "青葉中央病院", "{written}");
                }
                for sep in ["", "　", " "] {
                    let behind = format!("青葉中央病院{sep}{org}");
                    assert_eq!(n(&behind), "青葉中央病院", "{behind}");
                }
            }
        }

        #[test]
        fn saiseikai_after_its_foundation_is_glued_to_the_name_or_spaced_from_it() {
            assert_eq!(n("社会福祉法人恩賜財団済生会　青葉中央病院"), "青葉中央病院");
            assert_eq!(n("社会福祉法人恩賜財団済生会青葉中央病院"), "済生会青葉中央病院");
            assert_eq!(n("済生会支部北海道済生会小樽病院"), "北海道済生会小樽病院");
        }

        #[test]
        fn an_organisation_with_only_a_generic_name_after_it_stays() {
            assert_eq!(n("熊本県厚生連診療所"), "熊本県厚生連診療所");
            assert_eq!(n("日本赤十字社医療センター"), "日本赤十字社医療センター");
        }

        #[test]
        fn saiseikai_and_medical_associations_are_part_of_the_name() {
            assert_eq!(n("社会福祉法人恩賜財団済生会熊本病院"), "済生会熊本病院");
            assert_eq!(n("済生会熊本病院"), "済生会熊本病院");
            assert_eq!(n("社会福祉法人恩賜財団済生会　北上済生会病院"), "北上済生会病院");
            assert_eq!(n("一般社団法人熊本市医師会熊本地域医療センター"), "熊本市医師会熊本地域医療センター");
            assert_eq!(n("熊本市医師会熊本地域医療センター"), "熊本市医師会熊本地域医療センター");
            assert_eq!(n("公益社団法人函館市医師会　函館市医師会病院"), "函館市医師会病院");
            assert_eq!(n("日本赤十字社熊本健康管理センター"), "熊本健康管理センター");
        }
    }

    /// Founders (`〇〇市立` …) and the 国民健康保険 label.
    mod public_founders {
        use super::*;

        #[test]
        fn founders_in_front_of_a_proper_name() {
            for founder in
                ["天草市立", "和水町立", "西原村立", "熊本県立", "東京都立", "北海道立", "大阪府立"]
            {
                for sep in ["", "　", " "] {
                    let written = format!("{founder}{sep}栖本病院");
                    assert_eq!(n(&written), "栖本病院", "{written}");
                }
            }
            assert_eq!(n("南那須地区広域行政事務組合立　那須南病院"), "那須南病院");
            assert_eq!(n("吾妻広域町村圏振興整備組合立中之条病院"), "中之条病院");
            assert_eq!(n("組合立　諏訪中央病院"), "諏訪中央病院");
            assert_eq!(n("天草郡市医師会立苓北医師会病院"), "苓北医師会病院");
            assert_eq!(n("一般社団法人天草郡市医師会立　天草地域医療センター"), "天草地域医療センター");
        }

        #[test]
        fn a_founder_with_only_a_generic_name_after_it_stays() {
            assert_eq!(n("八代市立病院"), "八代市立病院");
            assert_eq!(n("八代市医師会立病院"), "八代市医師会立病院");
            assert_eq!(n("国保水俣市立総合医療センター"), "水俣市立総合医療センター");
            assert_eq!(n("青森県立中央病院"), "青森県立中央病院");
            assert_eq!(n("宮城県立こども病院"), "宮城県立こども病院");
        }

        #[test]
        fn city_hospital_and_citizens_hospital_are_two_names() {
            // Both sources write the name the hospital is licensed under: `砂川市立病院` is never
            // written `砂川市民病院`. What varies is the founder in front of a 市民病院.
            assert_ne!(n("砂川市立病院"), n("砂川市民病院"));
            assert_eq!(n("市立千歳市民病院"), n("千歳市民病院"));
            assert_eq!(n("熊本市立熊本市民病院"), "熊本市民病院");
            assert_eq!(n("八戸市立市民病院"), n("八戸市民病院"), "the city's own 市民病院");
            assert_eq!(n("八戸市民病院"), "八戸市民病院");
            assert_eq!(n("市立札幌病院"), "市立札幌病院", "a bare founder names its city");
            assert_ne!(n("市立函館病院"), n("社会福祉法人北海道社会事業協会　函館病院"));
            assert_eq!(n("公立八女総合病院"), "公立八女総合病院");
            assert_eq!(n("天草市立牛深市民病院"), "牛深市民病院");
        }

        #[test]
        fn the_national_insurance_label() {
            assert_eq!(n("国民健康保険　和水町立病院"), n("国民健康保険和水町立病院"));
            assert_eq!(n("国民健康保険和水町立病院"), "和水町立病院");
            assert_eq!(n("国保　水俣市立総合医療センター"), "水俣市立総合医療センター");
            assert_eq!(n("木古内町国民健康保険病院"), n("木古内町国保病院"));
            assert_eq!(n("せたな町立国保病院"), "せたな町立病院");
            assert_eq!(n("国保直営総合病院君津中央病院"), "総合病院君津中央病院");
            assert_eq!(n("国民健康保険天草市立御所浦診療所"), "御所浦診療所");
            assert_eq!(n("四国保健クリニック"), "四国保健クリニック", "国保 inside a word");
            assert_eq!(n("奈井江町立国民健康保険病院"), "奈井江町立病院");
            assert_eq!(n("八雲町熊石国民健康保険病院"), n("八雲町熊石国保病院"));
            assert_eq!(n("日高町立門別国民健康保険病院"), "門別病院");
        }
    }

    /// Character-level variants.
    mod characters {
        use super::*;

        #[test]
        fn every_variant_character_gives_the_common_form() {
            for (old, new) in VARIANTS {
                let written = format!("医療法人{old}会　{old}田病院");
                let common = format!("{new}田病院");
                assert_eq!(n(&written), common, "{written}");
                assert_eq!(n(&format!("{old}田病院")), n(&common));
            }
        }

        #[test]
        fn names_of_their_own_are_not_unified() {
            assert_ne!(n("中嶋医院"), n("中島医院"));
            assert_ne!(n("斉藤医院"), n("斎藤医院"));
            assert_ne!(n("玉之内医院"), n("玉の内医院"), "之 and の are different names");
        }

        #[test]
        fn widths_spaces_brackets_and_small_ke() {
            assert_eq!(n("ＡＢＣクリニック（旧　中央医院）"), "abcクリニック");
            assert_eq!(n("ABCｸﾘﾆｯｸ"), "abcクリニック", "half-width katakana");
            assert_eq!(n("ひかりヶ丘眼科・内科医院"), n("医療法人社団栄康会　ひかりケ丘眼科・内科医院"));
            assert_eq!(n("緑が丘病院"), n("緑ヶ丘病院"));
            assert_eq!(n("緑ヵ丘病院"), n("緑ケ丘病院"));
            assert_eq!(n("熊本　第一　病院"), "熊本第一病院");
            assert_eq!(n("熊本 第一\t病院"), "熊本第一病院");
            for bracket in ["（分院）", "【分院】", "〔分院〕", "[分院]", "〈分院〉", "《分院》"]
            {
                assert_eq!(n(&format!("青葉病院{bracket}")), "青葉病院", "{bracket}");
            }
            assert_eq!(n("新都市医療研究会「君津」会　玄々堂君津病院"), "玄々堂君津病院");
            assert_eq!(n("医療法人新都市医療研究会「君津」会　玄々堂君津病院"), "玄々堂君津病院");
        }

        #[test]
        fn dashes_for_the_long_vowel() {
            for dash in ['-', '－', '−', '‐', '―', '–', '—', 'ｰ', '─'] {
                assert_eq!(n(&format!("リハビリテ{dash}ション病院")), "リハビリテーション病院", "{dash}");
            }
        }
    }
}
