//! The town gazetteer: 大字・町丁目 (town: large section or city block) representative points of
//! Geolonia japanese-addresses, indexed by municipality, and the matcher that places an address
//! on one of them.

use std::collections::HashMap;
use std::path::Path;

use geo::InteriorPoint;

use super::normalize::{match_key, normalize_address, parse_kanji_number, split_prefecture};
use crate::ingest::{CsvTable, IngestError, Parsed};
use crate::model::{LocationPrecision, Municipality};

/// One representative point of a town, or of a 小字 (koaza: small section, a named part of a
/// town) when `koaza` is set.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TownPoint {
    /// Prefecture name, e.g. "熊本県".
    pub pref: String,
    /// Municipality name as Geolonia writes it (with 郡, with the ward of a designated city),
    /// e.g. "阿蘇郡高森町", "熊本市中央区".
    pub city: String,
    /// 大字・町丁目 name, e.g. "大江五丁目", "大字上島".
    pub town: String,
    /// 小字・通称 name, when the point is of a part of the town.
    pub koaza: Option<String>,
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lon: f64,
}

/// Reads town points from `geolonia_town_points_<pref>.csv` (columns `pref,city,town,koaza,lat,lng`)
/// or from Geolonia's own `latest.csv` layout (都道府県名, 市区町村名, 大字町丁目名, 小字・通称名,
/// 緯度, 経度). Rows with a missing name or a coordinate that is not a number inside Japan are
/// dropped with a reason.
pub fn read_town_points(path: &Path, source_id: &str) -> Result<Parsed<TownPoint>, IngestError> {
    let table = CsvTable::open(path)?;
    let pref = table.column_any(&["pref", "都道府県名"])?;
    let city = table.column_any(&["city", "市区町村名"])?;
    let town = table.column_any(&["town", "大字町丁目名"])?;
    let koaza = table.column_any(&["koaza", "小字・通称名"]).ok();
    let lat = table.column_any(&["lat", "緯度"])?;
    let lng = table.column_any(&["lng", "lon", "経度"])?;
    let header = |i: usize| table.header()[i].clone();
    let file = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into());
    let mut parsed = Parsed::new(source_id, &file);
    for row in &table.rows {
        parsed.stats.read += 1;
        let missing = [(pref, row.get(pref)), (city, row.get(city)), (town, row.get(town))]
            .into_iter()
            .find(|(_, v)| v.is_empty());
        if let Some((column, _)) = missing {
            parsed.drop_row(row.line, Some(&header(column)), None, "empty name");
            continue;
        }
        let Some(lat_value) = coordinate(row.get(lat), JAPAN_LAT) else {
            let reason = format!("latitude is not a number in {:?}", JAPAN_LAT);
            parsed.drop_row(row.line, Some(&header(lat)), Some(row.get(lat)), reason);
            continue;
        };
        let Some(lon_value) = coordinate(row.get(lng), JAPAN_LON) else {
            let reason = format!("longitude is not a number in {:?}", JAPAN_LON);
            parsed.drop_row(row.line, Some(&header(lng)), Some(row.get(lng)), reason);
            continue;
        };
        parsed.accept(TownPoint {
            pref: row.get(pref).to_owned(),
            city: row.get(city).to_owned(),
            town: row.get(town).to_owned(),
            koaza: koaza.and_then(|k| row.non_empty(k)).map(str::to_owned),
            lat: lat_value,
            lon: lon_value,
        });
    }
    Ok(parsed)
}

/// Latitudes of Japan (Okinotorishima to Etorofu, with a margin): a town point outside is an error.
const JAPAN_LAT: std::ops::RangeInclusive<f64> = 20.0..=46.0;
/// Longitudes of Japan (Yonaguni to Minamitorishima, with a margin).
const JAPAN_LON: std::ops::RangeInclusive<f64> = 122.0..=154.0;

fn coordinate(text: &str, range: std::ops::RangeInclusive<f64>) -> Option<f64> {
    text.parse::<f64>().ok().filter(|v| v.is_finite() && range.contains(v))
}

/// Where an address was placed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GeocodeMatch {
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lon: f64,
    /// [`LocationPrecision::Town`] when a town was found, else [`LocationPrecision::Municipality`].
    pub precision: LocationPrecision,
    /// 5-digit municipality code.
    pub municipality_code: String,
    /// Municipality name (without the prefecture), e.g. "阿蘇郡高森町".
    pub municipality_name: String,
    /// The gazetteer's town name, when a town was found.
    pub town: Option<String>,
    /// The koaza name, when the address named one that the gazetteer has a point for.
    pub koaza: Option<String>,
    /// The address as [`normalize_address`] wrote it (for candidates: municipality + town name).
    pub normalized: String,
    /// How sure the match is, 0..=1: 1.0 town and koaza; 0.95 town followed by a lot number (0.85
    /// when the address omitted the merged-town prefix, e.g. 植木 for 植木町植木); 0.9 a 丁目 implied
    /// by the first number; 0.8 a 丁目 number the gazetteer lacks (placed at the medoid of the other
    /// 丁目); 0.7 town followed by other text; 0.6 the address's town part is only the start of
    /// gazetteer names that lie close together (世安 → 世安町; 長嶺 → 長嶺東/西/南 …, placed at
    /// their medoid); 0.3 municipality only.
    pub score: f64,
}

/// A town of one municipality.
#[derive(Debug, Clone)]
struct Town {
    name: String,
    lat: f64,
    lon: f64,
    /// Koaza points, as (key, name, lat, lon).
    koaza: Vec<(String, String, f64, f64)>,
}

/// The 丁目 (city blocks) sharing one base name, e.g. 大江一丁目 … 大江六丁目 under "大江".
#[derive(Debug, Clone, Default)]
struct ChomeBase {
    /// Town index by 丁目 number.
    by_number: HashMap<u32, usize>,
    /// Whether a town with the bare base name also exists (八代市萩原町 and 萩原町一丁目).
    has_plain: bool,
    /// Display name of the base.
    name: String,
    /// Medoid of the 丁目 points, for a number the gazetteer does not list.
    point: (f64, f64),
}

/// One municipality with its towns.
#[derive(Debug, Clone)]
struct Muni {
    code: String,
    name: String,
    /// Fallback point: medoid of the town points, else an interior point of the boundary.
    point: Option<(f64, f64)>,
    towns: Vec<Town>,
    town_keys: HashMap<String, usize>,
    /// Town names without the merged-town prefix they carry in the gazetteer (植木町鞍掛 → 鞍掛,
    /// 松橋町久具 → 松橋久具), which addresses often omit; only names unique in the municipality.
    alias_keys: HashMap<String, usize>,
    /// 丁目 bases, also under the base with or without a trailing 町 (東屋形 = 東屋形町).
    chome: HashMap<String, ChomeBase>,
    /// Town keys sorted, for the prefix fallback.
    sorted_keys: Vec<(String, usize)>,
    max_town_key_chars: usize,
}

/// What an autocomplete key points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Entry {
    muni: usize,
    town: Option<usize>,
}

/// A town found in an address.
#[derive(Debug, Clone)]
struct TownHit {
    town: String,
    koaza: Option<String>,
    lat: f64,
    lon: f64,
    score: f64,
    /// Bytes of the key consumed, to prefer the longer of two hits.
    consumed: usize,
}

/// The result of reading an address up to the town.
struct Resolution {
    normalized: String,
    muni: usize,
    town: Option<TownHit>,
}

/// A prefecture's municipalities and towns, indexed for address matching.
#[derive(Debug, Clone)]
pub struct Gazetteer {
    pref_key: String,
    munis: Vec<Muni>,
    /// Municipality keys (full name, name without 郡, designated city without ward) → indexes.
    muni_keys: HashMap<String, Vec<usize>>,
    max_muni_key_chars: usize,
    /// Sorted (key, entry) pairs for prefix search.
    autocomplete: Vec<(String, Entry)>,
    unplaced_towns: usize,
}

impl Gazetteer {
    /// Builds the gazetteer of prefecture `pref_name` (e.g. "熊本県") from its municipalities (names
    /// without the prefecture, as in the model) and the town points. Town points of other
    /// prefectures are ignored; those whose city matches no municipality are counted in
    /// [`Gazetteer::unplaced_town_count`].
    pub fn new(pref_name: &str, municipalities: &[Municipality], towns: Vec<TownPoint>) -> Gazetteer {
        Gazetteer::of(pref_name, &municipalities.iter().collect::<Vec<_>>(), towns)
    }

    /// [`Gazetteer::new`] from borrowed municipalities: a registry of many prefectures builds one
    /// gazetteer per prefecture from its own municipalities without copying their boundaries.
    pub fn of(pref_name: &str, municipalities: &[&Municipality], towns: Vec<TownPoint>) -> Gazetteer {
        let mut munis: Vec<Muni> = municipalities
            .iter()
            .map(|m| Muni {
                code: m.code.clone(),
                name: m.name.clone(),
                point: None,
                towns: Vec::new(),
                town_keys: HashMap::new(),
                alias_keys: HashMap::new(),
                chome: HashMap::new(),
                sorted_keys: Vec::new(),
                max_town_key_chars: 0,
            })
            .collect();
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for (i, m) in municipalities.iter().enumerate() {
            let key = match_key(&normalize_address(&m.name));
            by_name.entry(without_gun(&key).to_owned()).or_insert(i);
            by_name.entry(key).or_insert(i);
        }

        // Group points by (municipality, town), keeping file order.
        let mut unplaced_towns = 0;
        let mut town_index: HashMap<(usize, String), usize> = HashMap::new();
        let mut pending_koaza: Vec<Vec<Vec<(String, f64, f64)>>> = vec![Vec::new(); munis.len()];
        let mut has_base: Vec<Vec<bool>> = vec![Vec::new(); munis.len()];
        for p in towns.into_iter().filter(|p| p.pref == pref_name) {
            let city_key = match_key(&normalize_address(&p.city));
            let Some(&mi) = by_name.get(&city_key).or_else(|| by_name.get(without_gun(&city_key))) else {
                unplaced_towns += 1;
                continue;
            };
            let muni = &mut munis[mi];
            let ti = *town_index.entry((mi, p.town.clone())).or_insert_with(|| {
                muni.towns.push(Town { name: p.town.clone(), lat: p.lat, lon: p.lon, koaza: Vec::new() });
                pending_koaza[mi].push(Vec::new());
                has_base[mi].push(false);
                muni.towns.len() - 1
            });
            match p.koaza {
                Some(koaza) => pending_koaza[mi][ti].push((koaza, p.lat, p.lon)),
                None if !has_base[mi][ti] => {
                    has_base[mi][ti] = true;
                    let town = &mut muni.towns[ti];
                    (town.lat, town.lon) = (p.lat, p.lon);
                }
                None => {}
            }
        }
        for (mi, muni) in munis.iter_mut().enumerate() {
            for (ti, town) in muni.towns.iter_mut().enumerate() {
                let koaza = std::mem::take(&mut pending_koaza[mi][ti]);
                if !has_base[mi][ti] {
                    // A town known only by its koaza (人吉市下原田町): stand at their medoid.
                    let points: Vec<(f64, f64)> = koaza.iter().map(|k| (k.1, k.2)).collect();
                    if let Some(p) = medoid(&points) {
                        (town.lat, town.lon) = p;
                    }
                }
                town.koaza = koaza
                    .into_iter()
                    .map(|(name, lat, lon)| (match_key(&normalize_address(&name)), name, lat, lon))
                    .collect();
                // Longest first, so the first koaza that matches is the longest.
                town.koaza.sort_by_key(|k| std::cmp::Reverse(k.0.chars().count()));
            }
            index_towns(muni);
            let points: Vec<(f64, f64)> = muni.towns.iter().map(|t| (t.lat, t.lon)).collect();
            muni.point = medoid(&points)
                .or_else(|| municipalities[mi].geometry.interior_point().map(|p| (p.y(), p.x())));
        }

        let mut muni_keys: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, m) in munis.iter().enumerate() {
            for key in muni_key_variants(&m.name) {
                let slot = muni_keys.entry(key).or_default();
                if !slot.contains(&i) {
                    slot.push(i);
                }
            }
        }
        let max_muni_key_chars = muni_keys.keys().map(|k| k.chars().count()).max().unwrap_or(0);
        let autocomplete = autocomplete_keys(&munis);
        Gazetteer {
            pref_key: match_key(&normalize_address(pref_name)),
            munis,
            muni_keys,
            max_muni_key_chars,
            autocomplete,
            unplaced_towns,
        }
    }

    /// Number of towns (大字・町丁目, not counting koaza) in the gazetteer.
    pub fn town_count(&self) -> usize {
        self.munis.iter().map(|m| m.towns.len()).sum()
    }

    /// Town points of this prefecture whose city matched no municipality (e.g. a municipality
    /// missing from the boundary data); they cannot be used.
    pub fn unplaced_town_count(&self) -> usize {
        self.unplaced_towns
    }

    /// Places an address: on its town when the gazetteer has it, else on its municipality. `None`
    /// when the address names another prefecture, no municipality of this one, only a designated
    /// city without a ward and no town that tells the ward, or a municipality without any point.
    pub fn geocode(&self, address: &str) -> Option<GeocodeMatch> {
        let resolution = self.resolve(address)?;
        let muni = &self.munis[resolution.muni];
        let (lat, lon, precision, town, koaza, score) = match resolution.town {
            Some(hit) => (hit.lat, hit.lon, LocationPrecision::Town, Some(hit.town), hit.koaza, hit.score),
            None => {
                let (lat, lon) = muni.point?;
                (lat, lon, LocationPrecision::Municipality, None, None, MUNICIPALITY_SCORE)
            }
        };
        Some(GeocodeMatch {
            lat,
            lon,
            precision,
            municipality_code: muni.code.clone(),
            municipality_name: muni.name.clone(),
            town,
            koaza,
            normalized: resolution.normalized,
            score,
        })
    }

    /// The municipality (code, name) of an address, or `None` under the same conditions as
    /// [`Gazetteer::geocode`] (except that a municipality without a point still counts).
    pub fn municipality_of(&self, address: &str) -> Option<(&str, &str)> {
        let resolution = self.resolve(address)?;
        let muni = &self.munis[resolution.muni];
        Some((muni.code.as_str(), muni.name.as_str()))
    }

    /// Up to `limit` places whose "municipality + town" name (the municipality with or without
    /// 郡, a designated city with or without its ward, or the town alone) starts with `query`, best
    /// first (score = the share of the name typed). A query that is already a whole address (e.g.
    /// with an implied 丁目 and a lot number, which no name starts with) also lists the town it
    /// geocodes to, with its geocode score. For address autocomplete.
    pub fn candidates(&self, query: &str, limit: usize) -> Vec<GeocodeMatch> {
        if limit == 0 {
            return Vec::new();
        }
        let normalized = normalize_address(query);
        let key = match_key(&normalized);
        let key = match split_prefecture(&key) {
            Some((pref, rest)) if pref == self.pref_key => rest,
            Some(_) => return Vec::new(),
            None => key.as_str(),
        };
        if key.is_empty() {
            return Vec::new();
        }
        let mut best: HashMap<Entry, f64> = HashMap::new();
        if let Some(r) = self.resolve(query)
            && let Some(hit) = &r.town
        {
            let muni = &self.munis[r.muni];
            if let Some(&ti) = muni.town_keys.get(&match_key(&normalize_address(&hit.town))) {
                best.insert(Entry { muni: r.muni, town: Some(ti) }, hit.score);
            }
        }
        let query_chars = key.chars().count() as f64;
        let start = self.autocomplete.partition_point(|(k, _)| k.as_str() < key);
        for (k, entry) in self.autocomplete[start..].iter().take_while(|(k, _)| k.starts_with(key)) {
            // The share of the name typed so far: an exact name scores 1.
            let score = query_chars / k.chars().count() as f64;
            let slot = best.entry(*entry).or_insert(score);
            *slot = slot.max(score);
        }
        let mut found: Vec<GeocodeMatch> =
            best.into_iter().filter_map(|(entry, score)| self.entry_match(entry, score)).collect();
        found.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.precision.cmp(&b.precision).reverse())
                .then_with(|| a.normalized.cmp(&b.normalized))
        });
        found.truncate(limit);
        found
    }

    /// The match describing an autocomplete entry.
    fn entry_match(&self, entry: Entry, score: f64) -> Option<GeocodeMatch> {
        let muni = &self.munis[entry.muni];
        let (lat, lon, precision, town) = match entry.town {
            Some(ti) => {
                let t = &muni.towns[ti];
                (t.lat, t.lon, LocationPrecision::Town, Some(t.name.clone()))
            }
            None => {
                let (lat, lon) = muni.point?;
                (lat, lon, LocationPrecision::Municipality, None)
            }
        };
        Some(GeocodeMatch {
            lat,
            lon,
            precision,
            municipality_code: muni.code.clone(),
            municipality_name: muni.name.clone(),
            normalized: format!("{}{}", muni.name, town.as_deref().unwrap_or("")),
            town,
            koaza: None,
            score,
        })
    }

    /// Reads an address up to its municipality and town.
    fn resolve(&self, address: &str) -> Option<Resolution> {
        let normalized = normalize_address(address);
        let key = match_key(&normalized);
        let rest = match split_prefecture(&key) {
            Some((pref, rest)) if pref == self.pref_key => rest,
            Some(_) => return None,
            None => key.as_str(),
        };
        // The longest municipality name at the start of the address.
        let (candidates, rest) = prefixes(rest, self.max_muni_key_chars)
            .find_map(|end| self.muni_keys.get(&rest[..end]).map(|c| (c, &rest[end..])))?;
        let mut best: Option<(usize, Option<TownHit>)> = None;
        for &mi in candidates {
            let hit = match_town(&self.munis[mi], rest);
            let better = match (&best, &hit) {
                (None, _) => true,
                (Some((_, None)), Some(_)) => true,
                (Some((_, Some(b))), Some(h)) => (h.score, h.consumed) > (b.score, b.consumed),
                _ => false,
            };
            if better {
                best = Some((mi, hit));
            }
        }
        let (muni, town) = best?;
        if town.is_none() && candidates.len() > 1 {
            // A designated city without its ward, and no town to tell which ward.
            return None;
        }
        Some(Resolution { normalized, muni, town })
    }
}

/// The score of a municipality-only match.
const MUNICIPALITY_SCORE: f64 = 0.3;

/// Score of a town followed by a lot number.
const TOWN_SCORE: f64 = 0.95;
/// Score of a town found under its alias (merged-town prefix omitted).
const ALIAS_SCORE: f64 = 0.85;
/// What a koaza adds to a town's score.
const KOAZA_BONUS: f64 = 0.05;
/// Score of a 丁目 implied by the first number.
const IMPLIED_CHOME_SCORE: f64 = 0.9;
/// Score of a 丁目 the gazetteer lacks, placed at the medoid of its siblings.
const MISSING_CHOME_SCORE: f64 = 0.8;
/// Score of a town followed by text that does not end a place name.
const UNBOUNDED_SCORE: f64 = 0.7;
/// Score of a town part that only starts some gazetteer names.
const PREFIX_SCORE: f64 = 0.6;
/// How far from their medoid the towns of a prefix fallback may lie.
const PREFIX_SPREAD_KM: f64 = 3.0;

/// Finds the town at the start of `rest` (the address after its municipality), with its koaza.
///
/// The longest town name wins, but a name followed by a lot number, 字, 番 or 無番地 (a real
/// boundary) beats a longer-or-equal one followed by other text, which is kept only as a fallback.
/// A 丁目 base followed by a number (大江5-4-6) is 丁目 5 when the base has no plain town of its
/// own, or when three numbers follow (chome-block-lot). When nothing matches, the address's town
/// part (up to the first number) may still start the names of a few neighbouring towns.
fn match_town(muni: &Muni, rest: &str) -> Option<TownHit> {
    let rest = rest.strip_prefix('字').unwrap_or(rest);
    let mut fallback: Option<TownHit> = None;
    for end in prefixes(rest, muni.max_town_key_chars) {
        let (name, after) = rest.split_at(end);
        if let Some(base) = muni.chome.get(name)
            && let Some(hit) = chome_hit(muni, base, after, end)
        {
            return Some(hit);
        }
        let found = muni
            .town_keys
            .get(name)
            .map(|&ti| (ti, TOWN_SCORE))
            .or_else(|| muni.alias_keys.get(name).map(|&ti| (ti, ALIAS_SCORE)));
        let Some((ti, score)) = found else {
            continue;
        };
        let town = &muni.towns[ti];
        let after_ji = after.strip_prefix('字').unwrap_or(after);
        let koaza = town.koaza.iter().find(|k| {
            after_ji.strip_prefix(k.0.as_str()).is_some_and(|tail| tail.is_empty() || is_boundary(tail))
        });
        let mut hit = TownHit {
            town: town.name.clone(),
            koaza: None,
            lat: town.lat,
            lon: town.lon,
            score,
            consumed: end,
        };
        if let Some((_, koaza_name, lat, lon)) = koaza {
            (hit.koaza, hit.lat, hit.lon, hit.score) =
                (Some(koaza_name.clone()), *lat, *lon, score + KOAZA_BONUS);
            return Some(hit);
        }
        if after.is_empty() || is_boundary(after) {
            return Some(hit);
        }
        if fallback.is_none() {
            hit.score = UNBOUNDED_SCORE;
            fallback = Some(hit);
        }
    }
    // A town followed by more name (浜 in 浜町) loses to towns that the whole name starts (浜町一丁目…).
    match (fallback, prefix_hit(muni, rest)) {
        (Some(f), Some(p)) if p.consumed > f.consumed => Some(p),
        (Some(f), _) => Some(f),
        (None, p) => p,
    }
}

/// The 丁目 of `base` named by the start of `after`: an arabic number (implied 丁目, taken when the
/// base has no plain town or three numbers follow) or a kanji number with 丁目.
fn chome_hit(muni: &Muni, base: &ChomeBase, after: &str, consumed: usize) -> Option<TownHit> {
    let number = match leading_number(after) {
        Some((n, _)) if !base.has_plain || numeric_parts(after) >= 3 => n,
        Some(_) => return None,
        None => {
            let digits: String = after.chars().take_while(|c| is_kanji_digit(*c)).collect();
            after[digits.len()..].strip_prefix("丁目")?;
            parse_kanji_number(&digits)?
        }
    };
    let (town, lat, lon, score) = match base.by_number.get(&number) {
        Some(&ti) => {
            let t = &muni.towns[ti];
            (t.name.clone(), t.lat, t.lon, IMPLIED_CHOME_SCORE)
        }
        None => (base.name.clone(), base.point.0, base.point.1, MISSING_CHOME_SCORE),
    };
    Some(TownHit { town, koaza: None, lat, lon, score, consumed })
}

/// The last resort: the address's town part (before the first number, without a trailing 丁目)
/// starts the names of towns that lie within [`PREFIX_SPREAD_KM`] of their medoid (世安 → 世安町,
/// 坪井 → 坪井一〜六丁目). Parts of one character are too ambiguous to try.
fn prefix_hit(muni: &Muni, rest: &str) -> Option<TownHit> {
    let part_end = rest.find(|c: char| c.is_ascii_digit() || c == '-').unwrap_or(rest.len());
    let mut part = &rest[..part_end];
    if let Some(head) = part.strip_suffix("丁目").or_else(|| part.strip_suffix('丁')) {
        part = head.trim_end_matches(is_kanji_digit);
    }
    if part.chars().count() < 2 {
        return None;
    }
    let start = muni.sorted_keys.partition_point(|(k, _)| k.as_str() < part);
    let mut towns: Vec<usize> =
        muni.sorted_keys[start..].iter().take_while(|(k, _)| k.starts_with(part)).map(|(_, t)| *t).collect();
    towns.sort_unstable();
    towns.dedup();
    let points: Vec<(f64, f64)> = towns.iter().map(|&ti| (muni.towns[ti].lat, muni.towns[ti].lon)).collect();
    let (lat, lon) = medoid(&points)?;
    if points.iter().any(|p| km_between(*p, (lat, lon)) > PREFIX_SPREAD_KM) {
        return None;
    }
    let town = match towns.as_slice() {
        [only] => muni.towns[*only].name.clone(),
        _ => part.to_owned(),
    };
    Some(TownHit { town, koaza: None, lat, lon, score: PREFIX_SCORE, consumed: part.len() })
}

/// Distance in km between two (lat, lon) points, equirectangular: exact enough within a town.
fn km_between(a: (f64, f64), b: (f64, f64)) -> f64 {
    const KM_PER_DEGREE: f64 = 111.195;
    let dx = (a.1 - b.1) * ((a.0 + b.0) / 2.0).to_radians().cos();
    KM_PER_DEGREE * (dx * dx + (a.0 - b.0) * (a.0 - b.0)).sqrt()
}

/// Whether the text after a town name starts with something that ends a place name: a lot
/// number (arabic or kanji), a kanji 丁目, a dash, 字, 番地 or 無番地, or a bracket.
fn is_boundary(after: &str) -> bool {
    let mut chars = after.chars();
    match chars.next() {
        None => true,
        Some(c) if c.is_ascii_digit() || matches!(c, '-' | '字' | '番' | '無' | '(' | '[') => true,
        Some(c) if is_kanji_digit(c) => {
            // 五一一 (a lot number in kanji) or 一丁目 (a 丁目 the gazetteer does not split the town
            // into), not 一の宮 (a name).
            let next = chars.find(|c| !is_kanji_digit(*c));
            next.is_none_or(|c| c.is_ascii_digit() || matches!(c, '-' | '番' | '丁'))
        }
        Some(_) => false,
    }
}

fn is_kanji_digit(c: char) -> bool {
    "〇一二三四五六七八九十百千".contains(c)
}

/// The number at the start of `s`, with its length in bytes.
fn leading_number(s: &str) -> Option<(u32, usize)> {
    let len = s.bytes().take_while(u8::is_ascii_digit).count();
    if len == 0 {
        return None;
    }
    s[..len].parse().ok().map(|n| (n, len))
}

/// How many dash-separated numbers start `s` (`5-4-6` → 3, `9-30ビル` → 2).
fn numeric_parts(s: &str) -> usize {
    let mut parts = 0;
    let mut rest = s;
    while let Some((_, len)) = leading_number(rest) {
        parts += 1;
        match rest[len..].strip_prefix('-') {
            Some(next) => rest = next,
            None => break,
        }
    }
    parts
}

/// Byte ends of the prefixes of `s` of at most `max_chars` characters, longest first.
fn prefixes(s: &str, max_chars: usize) -> impl Iterator<Item = usize> + '_ {
    let ends: Vec<usize> =
        s.char_indices().map(|(i, c)| i + c.len_utf8()).take(max_chars).collect::<Vec<_>>();
    ends.into_iter().rev()
}

/// The part of a municipality key after its 郡 (district), e.g. "高森町" for "阿蘇郡高森町".
fn without_gun(key: &str) -> &str {
    key.split_once('郡').map_or(key, |(_, rest)| if rest.is_empty() { key } else { rest })
}

/// The keys under which a municipality is found at the start of an address: its full name, its
/// name without 郡 or 支庁, and for a ward of a designated city (政令指定都市の区) the city alone.
fn muni_key_variants(name: &str) -> Vec<String> {
    let key = match_key(&normalize_address(name));
    let mut variants = vec![key.clone()];
    let short = without_gun(&key);
    if short != key {
        variants.push(short.to_owned());
    }
    // The islands of Tokyo carry their 支庁 (subprefecture) in the boundary data (大島支庁大島町);
    // addresses never write it.
    if let Some((_, rest)) = key.split_once("支庁")
        && !rest.is_empty()
    {
        variants.push(rest.to_owned());
    }
    if let Some((city, ward)) = key.split_once('市')
        && ward.ends_with('区')
        && !ward.is_empty()
    {
        variants.push(format!("{city}市"));
    }
    variants
}

/// Builds the town, alias and 丁目 lookup tables of one municipality.
fn index_towns(muni: &mut Muni) {
    let mut chome: HashMap<String, ChomeBase> = HashMap::new();
    let keys: Vec<String> = muni.towns.iter().map(|t| match_key(&normalize_address(&t.name))).collect();
    for (ti, (town, key)) in muni.towns.iter().zip(&keys).enumerate() {
        muni.max_town_key_chars = muni.max_town_key_chars.max(key.chars().count());
        if let Some((base, number)) = split_chome(&town.name) {
            let base_key = match_key(&normalize_address(base));
            let entry = chome.entry(base_key).or_default();
            entry.name = base.to_owned();
            entry.by_number.insert(number, ti);
        }
        muni.town_keys.entry(key.clone()).or_insert(ti);
    }
    for (base_key, base) in chome.iter_mut() {
        base.has_plain = muni.town_keys.contains_key(base_key);
        let points: Vec<(f64, f64)> =
            base.by_number.values().map(|&ti| (muni.towns[ti].lat, muni.towns[ti].lon)).collect();
        base.point = medoid(&points).unwrap_or_default();
    }
    // 東屋形町四丁目 for 東屋形四丁目, 四ツ山三丁目 for 四ツ山町三丁目.
    let chome_aliases: Vec<(String, ChomeBase)> = chome
        .iter()
        .map(|(k, b)| match k.strip_suffix('町') {
            Some(short) => (short.to_owned(), b.clone()),
            None => (format!("{k}町"), b.clone()),
        })
        .filter(|(k, _)| !k.is_empty() && !muni.town_keys.contains_key(k))
        .collect();
    for (key, base) in chome_aliases {
        chome.entry(key).or_insert(base);
    }
    muni.chome = chome;

    // Aliases without a merged-town prefix (X町Y → Y and XY), when X町 heads two or more towns.
    let mut prefix_count: HashMap<&str, usize> = HashMap::new();
    let splits: Vec<Option<(&str, &str)>> = keys.iter().map(|k| split_merged_prefix(k)).collect();
    for (prefix, _) in splits.iter().flatten() {
        *prefix_count.entry(prefix).or_default() += 1;
    }
    let mut alias_count: HashMap<String, (usize, usize)> = HashMap::new();
    for (ti, split) in splits.iter().enumerate() {
        let Some((prefix, tail)) = split else {
            continue;
        };
        if prefix_count.get(prefix).copied().unwrap_or(0) < 2 {
            continue;
        }
        let without_cho = format!("{}{tail}", prefix.strip_suffix('町').unwrap_or(prefix));
        for alias in [tail.to_string(), without_cho] {
            alias_count.entry(alias).and_modify(|e| e.1 += 1).or_insert((ti, 1));
        }
    }
    muni.alias_keys = alias_count
        .into_iter()
        .filter(|(alias, (_, count))| *count == 1 && !muni.town_keys.contains_key(alias))
        .map(|(alias, (ti, _))| (alias, ti))
        .collect();
    for alias in muni.alias_keys.keys() {
        muni.max_town_key_chars = muni.max_town_key_chars.max(alias.chars().count());
    }
    muni.sorted_keys = keys.into_iter().enumerate().map(|(ti, k)| (k, ti)).collect();
    muni.sorted_keys.sort();
}

/// Splits a town key at its first 町 into the merged-town prefix and the rest ("植木町鞍掛" →
/// ("植木町", "鞍掛")), when both parts are real names (the rest not a bare 丁目 number).
fn split_merged_prefix(key: &str) -> Option<(&str, &str)> {
    let at = key.find('町')?;
    let (prefix, tail) = key.split_at(at + '町'.len_utf8());
    let starts_with_number = tail.chars().next().is_some_and(is_kanji_digit);
    (at > 0 && tail.chars().count() >= 2 && !starts_with_number).then_some((prefix, tail))
}

/// Splits "大江五丁目" into ("大江", 5).
fn split_chome(town: &str) -> Option<(&str, u32)> {
    let head = town.strip_suffix("丁目")?;
    let digits_start =
        head.char_indices().rev().take_while(|(_, c)| is_kanji_digit(*c)).last().map(|(i, _)| i)?;
    let number = parse_kanji_number(&head[digits_start..])?;
    let base = &head[..digits_start];
    (!base.is_empty()).then_some((base, number))
}

/// The point nearest the mean of `points` (lat, lon): always one of the points, so always a real
/// place, unlike a centroid that can fall in the sea between islands.
fn medoid(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    if points.is_empty() {
        return None;
    }
    let n = points.len() as f64;
    let mean_lat = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_lon = points.iter().map(|p| p.1).sum::<f64>() / n;
    let scale = mean_lat.to_radians().cos();
    let dist = |p: &(f64, f64)| {
        let (dy, dx) = (p.0 - mean_lat, (p.1 - mean_lon) * scale);
        dy * dy + dx * dx
    };
    points.iter().copied().min_by(|a, b| dist(a).total_cmp(&dist(b)))
}

/// The sorted prefix-search keys: for each municipality key variant, the municipality alone and
/// each of its towns after it; and each town alone.
fn autocomplete_keys(munis: &[Muni]) -> Vec<(String, Entry)> {
    let mut keys = Vec::new();
    for (mi, muni) in munis.iter().enumerate() {
        let town_keys: Vec<(usize, String)> = muni
            .towns
            .iter()
            .enumerate()
            .map(|(ti, t)| (ti, match_key(&normalize_address(&t.name))))
            .collect();
        for prefix in muni_key_variants(&muni.name).into_iter().chain([String::new()]) {
            if !prefix.is_empty() {
                keys.push((prefix.clone(), Entry { muni: mi, town: None }));
            }
            for (ti, town_key) in &town_keys {
                keys.push((format!("{prefix}{town_key}"), Entry { muni: mi, town: Some(*ti) }));
            }
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geocode::kumamoto_gazetteer;

    fn town(city: &str, town: &str, koaza: Option<&str>, lat: f64, lon: f64) -> TownPoint {
        TownPoint {
            pref: "熊本県".into(),
            city: city.into(),
            town: town.into(),
            koaza: koaza.map(Into::into),
            lat,
            lon,
        }
    }

    fn municipality(code: &str, name: &str) -> Municipality {
        Municipality {
            code: code.into(),
            name: name.into(),
            area_code: None,
            geometry: geo::MultiPolygon(Vec::new()),
        }
    }

    /// Geocodes on the real Kumamoto gazetteer and returns (municipality, town, precision).
    fn place(address: &str) -> (String, Option<String>, LocationPrecision) {
        let m = kumamoto_gazetteer().geocode(address).unwrap_or_else(|| panic!("{address} did not geocode"));
        (m.municipality_name, m.town, m.precision)
    }

    fn at_town(address: &str, municipality: &str, expected_town: &str) {
        assert_eq!(
            place(address),
            (municipality.to_owned(), Some(expected_town.to_owned()), LocationPrecision::Town),
            "{address}"
        );
    }

    mod reader {
        use super::*;

        fn read(text: &str) -> Result<Parsed<TownPoint>, IngestError> {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("towns.csv");
            std::fs::write(&path, text).unwrap();
            read_town_points(&path, "town_points")
        }

        #[test]
        fn reads_points_and_koaza() {
            let parsed = read(
                "pref,city,town,koaza,lat,lng\n熊本県,上益城郡嘉島町,大字上島,,32.738423,130.753633\n\
                 熊本県,上益城郡嘉島町,大字上島,長池,32.737941,130.743983\n",
            )
            .unwrap();
            assert_eq!(parsed.records.len(), 2);
            assert_eq!(parsed.records[0].koaza, None);
            assert_eq!(parsed.records[1].koaza.as_deref(), Some("長池"));
            assert_eq!(parsed.records[1].lon, 130.743983);
            assert_eq!((parsed.stats.read, parsed.stats.accepted, parsed.stats.rejected), (2, 2, 0));
            assert_eq!(parsed.stats.file, "towns.csv");
        }

        #[test]
        fn bad_coordinates_and_names_are_dropped_with_reasons() {
            let parsed = read(
                "pref,city,town,koaza,lat,lng\n熊本県,熊本市中央区,世安一丁目,,,\n\
                 熊本県,熊本市中央区,A,,abc,130.7\n熊本県,熊本市中央区,B,,0.0,0.0\n\
                 熊本県,熊本市中央区,C,,32.7,200\n熊本県,熊本市中央区,,,32.7,130.7\n\
                 熊本県,熊本市中央区,D,,NaN,130.7\n熊本県,熊本市中央区,E,,32.7,130.7\n",
            )
            .unwrap();
            assert_eq!(parsed.records.len(), 1);
            assert_eq!(parsed.records[0].town, "E");
            let lines: Vec<(u64, Option<&str>)> =
                parsed.rejections.iter().map(|r| (r.line, r.field.as_deref())).collect();
            assert_eq!(
                lines,
                vec![
                    (2, Some("lat")),
                    (3, Some("lat")),
                    (4, Some("lat")),
                    (5, Some("lng")),
                    (6, Some("town")),
                    (7, Some("lat"))
                ]
            );
            assert!(parsed.rejections.iter().all(|r| !r.reason.is_empty()));
            assert_eq!(parsed.stats.rejected, 6);
        }

        #[test]
        fn reads_geolonia_latest_layout() {
            let parsed = read(
                "都道府県コード,都道府県名,市区町村コード,市区町村名,大字町丁目名,小字・通称名,緯度,経度\n\
                 43,熊本県,43101,熊本市中央区,大江一丁目,,32.808913,130.726683\n",
            )
            .unwrap();
            assert_eq!(parsed.records[0].city, "熊本市中央区");
            assert_eq!(parsed.records[0].town, "大江一丁目");
        }

        #[test]
        fn missing_column_and_missing_file_are_errors() {
            let err = read("pref,city,town,lat\n").unwrap_err();
            assert!(matches!(err, IngestError::MissingColumn { .. }), "{err}");
            let err = read_town_points(Path::new("/nonexistent/towns.csv"), "t").unwrap_err();
            assert!(matches!(err, IngestError::Io { .. }), "{err}");
        }

        #[test]
        fn header_only_file_is_empty() {
            let parsed = read("pref,city,town,koaza,lat,lng\n").unwrap();
            assert!(parsed.records.is_empty() && parsed.rejections.is_empty());
        }
    }

    mod helpers {
        use super::*;

        #[test]
        fn medoid_is_one_of_the_points() {
            // Two islands and a mainland town: the mean falls in the sea, the medoid does not.
            let points = [(32.0, 130.0), (32.0, 130.2), (32.1, 130.1)];
            assert_eq!(medoid(&points), Some((32.1, 130.1)));
            assert_eq!(medoid(&[]), None);
            assert_eq!(medoid(&[(1.0, 2.0)]), Some((1.0, 2.0)));
        }

        #[test]
        fn chome_names_split() {
            assert_eq!(split_chome("大江五丁目"), Some(("大江", 5)));
            assert_eq!(split_chome("武蔵ケ丘北十一丁目"), Some(("武蔵ケ丘北", 11)));
            assert_eq!(split_chome("城南町さんさん二丁目"), Some(("城南町さんさん", 2)));
            assert_eq!(split_chome("大江本町"), None);
            assert_eq!(split_chome("五丁目"), None);
        }

        #[test]
        fn numbers_after_a_town() {
            assert_eq!(numeric_parts("5-4-6"), 3);
            assert_eq!(numeric_parts("9-30ビル"), 2);
            assert_eq!(numeric_parts("953"), 1);
            assert_eq!(numeric_parts("本町"), 0);
            assert_eq!(leading_number("12-3"), Some((12, 2)));
            assert_eq!(leading_number(""), None);
        }

        #[test]
        fn boundaries() {
            for ok in ["", "1-2", "-1", "字宮島", "番地", "無番地", "五一一", "一丁目1", "(ビル)"]
            {
                assert!(is_boundary(ok), "{ok}");
            }
            for not in ["本町", "ノ宮町", "町", "一ノ宮"] {
                assert!(!is_boundary(not), "{not}");
            }
        }

        #[test]
        fn municipality_keys() {
            assert_eq!(without_gun("阿蘇郡高森町"), "高森町");
            assert_eq!(without_gun("八代市"), "八代市");
            assert_eq!(muni_key_variants("阿蘇郡高森町"), vec!["阿蘇郡高森町", "高森町"]);
            assert_eq!(muni_key_variants("熊本市中央区"), vec!["熊本市中央区", "熊本市"]);
            assert_eq!(muni_key_variants("上天草市"), vec!["上天草市"]);
        }

        #[test]
        fn merged_town_prefixes() {
            assert_eq!(split_merged_prefix("植木町鞍掛"), Some(("植木町", "鞍掛")));
            assert_eq!(split_merged_prefix("本町一丁目"), None);
            assert_eq!(split_merged_prefix("大江本町"), None);
            assert_eq!(split_merged_prefix("町田"), None);
        }
    }

    mod synthetic {
        use super::*;

        #[test]
        fn empty_gazetteer_matches_nothing() {
            let g = Gazetteer::new("熊本県", &[], Vec::new());
            assert_eq!(g.geocode("熊本県熊本市中央区大江1-1"), None);
            assert_eq!(g.municipality_of("熊本市"), None);
            assert!(g.candidates("熊本", 10).is_empty());
            assert_eq!(g.town_count(), 0);
        }

        #[test]
        fn municipality_without_towns_uses_its_polygon_or_has_no_point() {
            let ring = vec![(130.0, 32.0), (130.1, 32.0), (130.1, 32.1), (130.0, 32.1), (130.0, 32.0)];
            let square = geo::Polygon::new(geo::LineString::from(ring), Vec::new());
            let with_polygon = Municipality {
                geometry: geo::MultiPolygon(vec![square]),
                ..municipality("43531", "天草郡苓北町")
            };
            let without = municipality("43513", "球磨郡球磨村");
            let g = Gazetteer::new("熊本県", &[with_polygon, without], Vec::new());
            let m = g.geocode("苓北町志岐1215").unwrap();
            assert_eq!(m.precision, LocationPrecision::Municipality);
            assert!((32.0..=32.1).contains(&m.lat) && (130.0..=130.1).contains(&m.lon), "{m:?}");
            assert_eq!(g.geocode("球磨郡球磨村一勝地"), None, "no point to give");
            assert_eq!(g.municipality_of("球磨郡球磨村一勝地"), Some(("43513", "球磨郡球磨村")));
        }

        #[test]
        fn a_subprefecture_in_the_boundary_name_is_not_needed_in_the_address() {
            let oshima = municipality("13361", "大島支庁大島町");
            let g = Gazetteer::of("東京都", &[&oshima], Vec::new());
            assert_eq!(g.municipality_of("東京都大島町元町1-1"), Some(("13361", "大島支庁大島町")));
            assert_eq!(g.municipality_of("大島支庁大島町元町"), Some(("13361", "大島支庁大島町")));
        }

        #[test]
        fn towns_of_other_prefectures_and_unknown_cities_are_left_out() {
            let mut saitama = town("さいたま市浦和区", "高砂一丁目", None, 35.86, 139.65);
            saitama.pref = "埼玉県".into();
            let towns = vec![
                saitama,
                town("幻市", "X", None, 32.0, 130.0),
                town("八代市", "萩原町", None, 32.5, 130.6),
            ];
            let g = Gazetteer::new("熊本県", &[municipality("43202", "八代市")], towns);
            assert_eq!(g.town_count(), 1);
            assert_eq!(g.unplaced_town_count(), 1);
        }

        #[test]
        fn town_known_only_by_koaza_stands_at_their_medoid() {
            let towns = vec![
                town("人吉市", "下原田町", Some("上野"), 32.23, 130.73),
                town("人吉市", "下原田町", Some("堀"), 32.24, 130.72),
                town("人吉市", "下原田町", Some("羽田"), 32.232, 130.732),
            ];
            let g = Gazetteer::new("熊本県", &[municipality("43203", "人吉市")], towns);
            let m = g.geocode("人吉市下原田町1125-2").unwrap();
            assert_eq!((m.lat, m.lon, m.koaza), (32.232, 130.732, None));
            let m = g.geocode("人吉市下原田町字堀1").unwrap();
            assert_eq!((m.lat, m.lon, m.koaza.as_deref(), m.score), (32.24, 130.72, Some("堀"), 1.0));
        }

        #[test]
        fn municipality_point_is_the_medoid_of_its_towns() {
            let towns = vec![
                town("天草市", "A", None, 32.0, 130.0),
                town("天草市", "B", None, 32.0, 130.2),
                town("天草市", "C", None, 32.1, 130.1),
            ];
            let g = Gazetteer::new("熊本県", &[municipality("43215", "天草市")], towns);
            let m = g.geocode("天草市どこか").unwrap();
            assert_eq!(
                (m.lat, m.lon, m.precision, m.score),
                (32.1, 130.1, LocationPrecision::Municipality, 0.3)
            );
        }
    }

    mod real_addresses {
        use super::*;

        #[test]
        fn mhlw_form_with_prefecture_and_gun() {
            at_town("熊本県阿蘇郡高森町高森２１８６ー１", "阿蘇郡高森町", "大字高森");
        }

        #[test]
        fn gun_may_be_omitted() {
            at_town("高森町高森２１８６ー１", "阿蘇郡高森町", "大字高森");
            at_town("熊本県高森町高森2186-1", "阿蘇郡高森町", "大字高森");
        }

        #[test]
        fn kijun_form_without_prefecture_implies_chome() {
            at_town("熊本市東区佐土原１－８－３３", "熊本市東区", "佐土原一丁目");
        }

        #[test]
        fn oaza_marker_in_address() {
            at_town("山鹿市大字山鹿５１１", "山鹿市", "山鹿");
        }

        #[test]
        fn oaza_marker_only_in_gazetteer() {
            at_town("上益城郡御船町御船995", "上益城郡御船町", "大字御船");
            at_town("熊本市東区画図町重富575", "熊本市東区", "画図町大字重富");
            at_town("熊本市東区画図町大字重富５７５", "熊本市東区", "画図町大字重富");
        }

        #[test]
        fn koaza_after_ji_and_banchi() {
            at_town("上天草市大矢野町中字宮島１３１４番地１", "上天草市", "大矢野町中");
        }

        #[test]
        fn koaza_refines_the_town() {
            let m =
                kumamoto_gazetteer().geocode("上益城郡嘉島町上島長池２２３２イオンモール熊本１Ｆ").unwrap();
            assert_eq!((m.town.as_deref(), m.koaza.as_deref()), (Some("大字上島"), Some("長池")));
            assert_eq!((m.lat, m.lon, m.score), (32.737941, 130.743983, 1.0));
        }

        #[test]
        fn implied_chome() {
            at_town("熊本市中央区大江５－４－６", "熊本市中央区", "大江五丁目");
            // 大江本町 is a town of its own, not a 丁目 of 大江.
            at_town("熊本県熊本市中央区大江本町８ー１５", "熊本市中央区", "大江本町");
        }

        #[test]
        fn explicit_chome_in_arabic_and_kanji() {
            at_town("熊本市東区月出１丁目５－１２", "熊本市東区", "月出一丁目");
            at_town("熊本市東区月出一丁目5-12", "熊本市東区", "月出一丁目");
        }

        #[test]
        fn chome_of_a_town_that_also_has_a_plain_part() {
            // 八代市 has 萩原町 and 萩原町一丁目, 二丁目: three numbers mean chome-block-lot.
            at_town("熊本県八代市萩原町１ー８ー４０", "八代市", "萩原町一丁目");
            at_town("八代市萩原町1-8", "八代市", "萩原町");
        }

        #[test]
        fn ban_and_go() {
            at_town("熊本県熊本市中央区萩原町9番30号", "熊本市中央区", "萩原町");
        }

        #[test]
        fn no_lot_number() {
            at_town("熊本市南区城南町舞原無番地", "熊本市南区", "城南町舞原");
        }

        #[test]
        fn municipality_without_a_town_in_the_address() {
            assert_eq!(
                place("球磨郡湯前町９５３－１"),
                ("球磨郡湯前町".to_owned(), None, LocationPrecision::Municipality)
            );
            let m = kumamoto_gazetteer().geocode("球磨郡湯前町９５３－１").unwrap();
            assert_eq!((m.municipality_code.as_str(), m.score), ("43506", 0.3));
        }

        #[test]
        fn building_after_the_lot_number() {
            at_town("熊本市東区東本町１－１　田上ビル２階", "熊本市東区", "東本町");
        }

        #[test]
        fn ward_of_the_designated_city() {
            let m = kumamoto_gazetteer().geocode("熊本市中央区大江5-4-6").unwrap();
            assert_eq!(
                (m.municipality_code.as_str(), m.municipality_name.as_str()),
                ("43101", "熊本市中央区")
            );
            assert_eq!(
                kumamoto_gazetteer().municipality_of("熊本市中央区どこか"),
                Some(("43101", "熊本市中央区"))
            );
        }

        #[test]
        fn designated_city_without_ward_takes_the_ward_of_the_town() {
            at_town("熊本市大江5-4-6", "熊本市中央区", "大江五丁目");
            at_town("熊本県熊本市月出1丁目", "熊本市東区", "月出一丁目");
            assert_eq!(kumamoto_gazetteer().geocode("熊本市存在しない町1"), None);
            assert_eq!(kumamoto_gazetteer().municipality_of("熊本市"), None);
        }

        #[test]
        fn other_prefecture_never_matches() {
            let g = kumamoto_gazetteer();
            assert_eq!(g.geocode("福岡県大牟田市有明町2-3"), None);
            assert_eq!(
                g.geocode("福岡県熊本市中央区大江5-4-6"),
                None,
                "a Kumamoto town under another prefecture"
            );
            assert_eq!(g.geocode("鹿児島県出水市高森町1"), None);
            assert_eq!(g.municipality_of("大分県竹田市"), None);
            assert_eq!(g.geocode("大牟田市有明町2-3"), None, "a municipality of no Kumamoto name");
        }

        #[test]
        fn ke_variants() {
            // The gazetteer writes 武蔵ケ丘 in 熊本市北区 and 武蔵ヶ丘 in 菊陽町.
            at_town("熊本市北区武蔵ヶ丘1丁目2-3", "熊本市北区", "武蔵ケ丘一丁目");
            at_town("菊池郡菊陽町武蔵ケ丘2-1-1", "菊池郡菊陽町", "武蔵ヶ丘二丁目");
            at_town("熊本市北区武蔵が丘3-1-1", "熊本市北区", "武蔵ケ丘三丁目");
        }

        #[test]
        fn merged_town_prefix_omitted() {
            at_town("熊本県熊本市北区鞍掛１５２２ー１", "熊本市北区", "植木町鞍掛");
            at_town("熊本県宇城市松橋久具７５８－４", "宇城市", "松橋町久具");
        }

        #[test]
        fn chome_base_with_or_without_cho() {
            at_town("熊本県荒尾市東屋形町四丁目２番地３２号", "荒尾市", "東屋形四丁目");
            at_town("荒尾市四ッ山町三丁目６番３号", "荒尾市", "四ツ山町三丁目");
        }

        #[test]
        fn okurigana_variant() {
            at_town("熊本県熊本市中央区上通り町７ー１０上通パレス草人木２Ｆ", "熊本市中央区", "上通町");
        }

        #[test]
        fn chome_missing_from_the_gazetteer() {
            // 十禅寺二丁目 lies in 南区; the address's 中央区 has 十禅寺一丁目 only (四丁目 has no point).
            let m = kumamoto_gazetteer().geocode("熊本県熊本市中央区十禅寺２ー３ー４０").unwrap();
            assert_eq!((m.town.as_deref(), m.score), (Some("十禅寺"), 0.8));
        }

        #[test]
        fn town_part_that_only_starts_gazetteer_names() {
            // 世安一〜三丁目 are published without a point: 世安町 is next door.
            let m = kumamoto_gazetteer().geocode("熊本市中央区世安１丁目２番３８号").unwrap();
            assert_eq!(
                (m.town.as_deref(), m.score, m.precision),
                (Some("世安町"), 0.6, LocationPrecision::Town)
            );
            // 長嶺 is split into 長嶺東/西/南 …丁目, all within a few km.
            let m = kumamoto_gazetteer().geocode("熊本県熊本市東区長嶺８丁目１－４７").unwrap();
            assert_eq!((m.town.as_deref(), m.score), (Some("長嶺"), 0.6));
            // 浜 is a town, but 浜町 names 浜町一〜三丁目.
            at_town("熊本県水俣市浜町", "水俣市", "浜町");
        }

        #[test]
        fn degenerate_input() {
            let g = kumamoto_gazetteer();
            assert_eq!(g.geocode(""), None);
            assert_eq!(g.geocode("　"), None);
            assert_eq!(g.geocode("熊本県"), None);
            assert_eq!(g.geocode("-1-2-3"), None);
            assert_eq!(g.geocode("ｘｙｚ"), None);
        }

        #[test]
        fn normalized_address_is_reported() {
            let m = kumamoto_gazetteer().geocode("熊本県熊本市中央区萩原町9番30号").unwrap();
            assert_eq!(m.normalized, "熊本県熊本市中央区萩原町9-30");
        }

        #[test]
        fn hospital_municipality_codes_match_the_official_ones() {
            let path =
                crate::test_data_dir().join("01_mhlw_facilities/hospital_facility_20250601_43_kumamoto.csv");
            let table = CsvTable::open(&path).unwrap();
            let (address, pref, city) = (
                table.column("所在地").unwrap(),
                table.column("都道府県コード").unwrap(),
                table.column("市区町村コード").unwrap(),
            );
            for row in &table.rows {
                let official = format!("{}{:0>3}", row.get(pref), row.get(city));
                let found = kumamoto_gazetteer().municipality_of(row.get(address)).map(|(code, _)| code);
                assert_eq!(found, Some(official.as_str()), "line {}: {}", row.line, row.get(address));
            }
        }
    }

    mod candidates {
        use super::*;

        #[test]
        fn prefix_of_municipality_and_town() {
            let found = kumamoto_gazetteer().candidates("熊本市中央区大江", 20);
            let towns: Vec<&str> = found.iter().filter_map(|m| m.town.as_deref()).collect();
            for t in ["大江一丁目", "大江六丁目", "大江本町"] {
                assert!(towns.contains(&t), "{towns:?}");
            }
            assert!(found.iter().all(|m| m.municipality_code == "43101"));
            assert!(found.windows(2).all(|w| w[0].score >= w[1].score), "best first");
        }

        #[test]
        fn exact_municipality_first() {
            let found = kumamoto_gazetteer().candidates("阿蘇郡高森町", 5);
            assert_eq!(found.len(), 5);
            assert_eq!(found[0].precision, LocationPrecision::Municipality);
            assert_eq!((found[0].municipality_name.as_str(), found[0].score), ("阿蘇郡高森町", 1.0));
            // Without 郡, and with the prefecture, the same.
            let short = kumamoto_gazetteer().candidates("熊本県高森町", 5);
            assert_eq!(short[0].municipality_code, found[0].municipality_code);
        }

        #[test]
        fn town_alone_and_variants() {
            let found = kumamoto_gazetteer().candidates("武蔵ヶ丘北", 10);
            assert_eq!(found.len(), 3, "{found:?}");
            assert!(found.iter().all(|m| m.municipality_name == "菊池郡菊陽町"));
        }

        #[test]
        fn a_full_address_lists_its_town_first() {
            let found = kumamoto_gazetteer().candidates("熊本市中央区大江5-4-6", 3);
            assert_eq!(found[0].town.as_deref(), Some("大江五丁目"));
        }

        #[test]
        fn designated_city_without_ward() {
            let found = kumamoto_gazetteer().candidates("熊本市大江本", 3);
            assert_eq!(found[0].town.as_deref(), Some("大江本町"));
            assert_eq!(found[0].normalized, "熊本市中央区大江本町");
        }

        #[test]
        fn degenerate_queries() {
            let g = kumamoto_gazetteer();
            assert!(g.candidates("", 10).is_empty());
            assert!(g.candidates("熊本", 0).is_empty());
            assert!(g.candidates("福岡県大牟田", 10).is_empty());
            assert!(g.candidates("存在しない", 10).is_empty());
            assert_eq!(g.candidates("熊本", 7).len(), 7);
        }
    }
}
