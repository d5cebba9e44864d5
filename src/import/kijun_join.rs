//! Attaching the 施設基準 filings (届出受理医療機関名簿) to the registry without listing a facility
//! twice. Three steps, each reported entry by entry ([`JoinEntry`]):
//!
//! 1. **Join.** Every 施設基準 facility is looked up among the hospitals and clinics already in the
//!    registry (医療情報ネット) by name, municipality and address ([`JoinIndex`]), never onto a
//!    facility of the other kind ([`crate::ingest::kijun_kind`]). All matches are applied first, so
//!    that the phone numbers they bring are known to the next step.
//! 2. **Duplicate check.** A facility with a tracked filing that matched nothing is compared with
//!    every hospital and clinic of the registry, those added by step 3 included. The same phone and
//!    the same address (up to the house number) is the same facility, whatever else differs; the same
//!    phone, or the same address, with a similar name is the same facility unless the kinds conflict
//!    or (for an address) the phones differ. Exactly one such facility takes the filings, phone and
//!    source (a merge); several are an ambiguity and nothing is merged.
//! 3. **Addition.** Otherwise the facility is added, placed by the geocoder, and its two nearest
//!    hospitals or clinics are listed with the reason each was not taken.
//!
//! Everything here works on the facilities in memory, so that the same logic runs on the official
//! files in the import and on generated rows in the tests.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use super::join::{
    JoinCandidate, JoinIndex, JoinQuery, kinds_conflict, names_similar, normalize_address,
    normalize_facility_name,
};
use super::placement::Placed;
use crate::ingest::kijun::KijunFacility;
use crate::ingest::kijun_kind::{KindBasis, KindDecision};
use crate::model::{Capability, Facility, FacilityKind, SourceRef};
use crate::spatial::geodesy::geodesic_distance_m;

/// How many nearest hospitals or clinics are listed for an added facility.
const NEAREST: usize = 2;

/// Fewest digits of a usable telephone number (Japanese numbers have 10, mobile and IP numbers 11).
const MIN_PHONE_DIGITS: usize = 10;

/// How the 施設基準 filings joined onto the registry (counts; the entries are in [`KijunJoin`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct KijunSummary {
    /// Facilities in the 施設基準 list (of this prefecture).
    pub facilities: usize,
    /// Of them, with at least one filing kanwamap tracks.
    pub with_capabilities: usize,
    /// Matched to a 医療情報ネット hospital or clinic by the join.
    pub matched: usize,
    /// Matched, among those with a tracked filing.
    pub matched_with_capabilities: usize,
    /// Not matched, but found already in the registry by the duplicate check (phone, address) and
    /// merged into it.
    pub merged: usize,
    /// Added as new facilities (tracked filing, no match, no duplicate), placed by the geocoder.
    pub added: usize,
    /// Not imported: no tracked filing and no match.
    pub skipped_without_capability: usize,
    /// Not imported: a tracked filing, but the address could not be placed or the id was taken.
    pub dropped: usize,
    /// Matches by method.
    pub by_method: BTreeMap<String, usize>,
    /// Merges by evidence.
    pub merged_by_evidence: BTreeMap<String, usize>,
    /// Facilities whose kind evidence kept them off a match of the other kind.
    pub kind_refusals: usize,
    /// Facilities whose kind evidence disagrees with itself (e.g. 19 beds and a hospital filing).
    pub kind_conflicts: usize,
    /// Facilities by decided kind and basis, e.g. `hospital by beds`.
    pub kinds: BTreeMap<String, usize>,
}

impl KijunSummary {
    /// Adds another list's counts (another prefecture's), for a report of several prefectures.
    pub fn add(&mut self, part: &KijunSummary) {
        self.facilities += part.facilities;
        self.with_capabilities += part.with_capabilities;
        self.matched += part.matched;
        self.matched_with_capabilities += part.matched_with_capabilities;
        self.merged += part.merged;
        self.added += part.added;
        self.skipped_without_capability += part.skipped_without_capability;
        self.dropped += part.dropped;
        self.kind_refusals += part.kind_refusals;
        self.kind_conflicts += part.kind_conflicts;
        for (sum, add) in [
            (&mut self.by_method, &part.by_method),
            (&mut self.merged_by_evidence, &part.merged_by_evidence),
            (&mut self.kinds, &part.kinds),
        ] {
            for (key, n) in add {
                *sum.entry(key.clone()).or_default() += n;
            }
        }
    }
}

/// What became of one 施設基準 facility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinOutcome {
    /// Matched to a 医療情報ネット hospital or clinic by the join.
    Joined,
    /// Not matched by the join, but found already in the registry by the duplicate check.
    Merged,
    /// Added as a new facility, placed from its address.
    Added,
    /// Not imported: no tracked filing and no match.
    Skipped,
    /// Not imported: a tracked filing, but no place for its address or its id was taken.
    Dropped,
}

impl JoinOutcome {
    /// The string used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            JoinOutcome::Joined => "joined",
            JoinOutcome::Merged => "merged",
            JoinOutcome::Added => "added",
            JoinOutcome::Skipped => "skipped",
            JoinOutcome::Dropped => "dropped",
        }
    }
}

/// A hospital or clinic near an added facility, and why the filings did not go onto it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NearCandidate {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: FacilityKind,
    /// Straight-line (geodesic) distance from where the added facility was placed, in metres.
    pub distance_m: f64,
    /// Why it was not taken.
    pub refused_because: String,
}

/// One 施設基準 facility and what became of it, for the join report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JoinEntry {
    /// 医療機関番号 (the facility's number in the list).
    pub code: String,
    /// Line of its first row.
    pub line: u64,
    /// Name as published.
    pub name: String,
    /// Address as published.
    pub address: String,
    /// Telephone number as published.
    pub phone: Option<String>,
    /// The 受理記号 of its tracked filings (those that give a capability).
    pub filings: Vec<String>,
    /// Its kind, with the evidence.
    pub kind: KindDecision,
    /// What became of it.
    pub outcome: JoinOutcome,
    /// The facility that carries its filings (matched, merged into or added), if any.
    pub facility_id: Option<String>,
    /// That facility's name.
    pub facility_name: Option<String>,
    /// The evidence of the match or merge, or why it was added, skipped or dropped.
    pub evidence: String,
    /// A facility the join would have matched but for a kind conflict, with the reason.
    pub kind_refusal: Option<String>,
    /// For an added facility: the nearest hospitals or clinics and why each was refused.
    pub nearest: Vec<NearCandidate>,
}

/// The result of [`join_kijun`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KijunJoin {
    /// Counts.
    pub summary: KijunSummary,
    /// One entry per 施設基準 facility, in list order.
    pub entries: Vec<JoinEntry>,
    /// Added facilities whose id was already taken (id, line): reported as rejections.
    pub id_clashes: Vec<(String, u64)>,
}

/// The digits of a telephone number (NFKC, so full-width digits count; `+81` read as `0`), or `None`
/// when fewer than 10 remain.
pub fn phone_digits(phone: &str) -> Option<String> {
    let text: String = phone.nfkc().collect();
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let digits = match digits.strip_prefix("81") {
        Some(rest) if text.trim_start().starts_with('+') => format!("0{rest}"),
        _ => digits,
    };
    (digits.len() >= MIN_PHONE_DIGITS).then_some(digits)
}

/// Whether a facility takes part in the join: hospitals and clinics.
fn joinable(f: &Facility) -> bool {
    matches!(f.kind, FacilityKind::Hospital | FacilityKind::Clinic)
}

/// Joins the 施設基準 facilities onto `book` (every facility read so far, by id): applies the matches,
/// merges the duplicates, adds the rest. `municipality_of` gives the municipality code of an address,
/// `place` the location of an added facility (`None` drops it; the caller records why).
pub fn join_kijun(
    book: &mut BTreeMap<String, Facility>,
    kijun: Vec<KijunFacility>,
    source: &str,
    municipality_of: &dyn Fn(&str) -> Option<String>,
    place: &mut dyn FnMut(&KijunFacility) -> Option<Placed>,
) -> KijunJoin {
    let index = JoinIndex::new(book.values().filter(|f| joinable(f)).map(|f| JoinCandidate {
        id: f.id.0.clone(),
        name: f.name.clone(),
        municipality_code: f.municipality_code.clone(),
        address: f.address.clone(),
        kind: Some(f.kind),
    }));
    let facts: Vec<Facts> = kijun.iter().map(|f| Facts::of(f, municipality_of)).collect();
    let queries: Vec<JoinQuery<'_>> = kijun.iter().zip(&facts).map(|(f, facts)| facts.query(f)).collect();
    // One-to-one: two filings never land on the same 医療情報ネット facility.
    let matches = index.find_all(queries.iter().copied());
    let mut out = KijunJoin {
        summary: KijunSummary { facilities: kijun.len(), ..KijunSummary::default() },
        ..KijunJoin::default()
    };
    let mut lookup = Lookup::new(book);
    let mut entries: Vec<JoinEntry> = kijun.iter().zip(&facts).map(|(f, facts)| facts.entry(f)).collect();
    for ((entry, query), facts) in entries.iter_mut().zip(&queries).zip(&facts) {
        entry.kind_refusal = index.kind_refusal(query).map(|refused| {
            let name = book.get(&refused.id).map_or("", |f| f.name.as_str());
            format!("{name} ({}): {}", refused.id, index.explain(query, &refused.id))
        });
        out.summary.kind_refusals += usize::from(entry.kind_refusal.is_some());
        out.summary.kind_conflicts += usize::from(!facts.kind.conflicts.is_empty());
        let kind_key = format!("{} by {}", facts.kind.kind.as_str(), facts.kind.basis.as_str());
        *out.summary.kinds.entry(kind_key).or_default() += 1;
        out.summary.with_capabilities += usize::from(!facts.capabilities.is_empty());
    }

    // 1. The join's matches, all before any addition (their phones count in step 2).
    for (((f, facts), found), entry) in kijun.iter().zip(&facts).zip(&matches).zip(&mut entries) {
        let Some(found) = found else { continue };
        out.summary.matched += 1;
        out.summary.matched_with_capabilities += usize::from(!facts.capabilities.is_empty());
        *out.summary.by_method.entry(format!("{:?}", found.method)).or_default() += 1;
        let Some(target) = book.get_mut(&found.id) else { continue };
        entry.outcome = JoinOutcome::Joined;
        entry.evidence = found.method.describe().to_owned();
        let note = attach(target, f, facts, source, &mut lookup);
        if let Some(note) = note {
            entry.evidence = format!("{}; {note}", entry.evidence);
        }
        entry.facility_id = Some(found.id.clone());
        entry.facility_name = Some(target.name.clone());
    }

    // 2 and 3. Unmatched facilities with a tracked filing: merged when already listed, else added.
    for (((f, facts), found), (entry, query)) in
        kijun.iter().zip(&facts).zip(&matches).zip(entries.iter_mut().zip(&queries))
    {
        if found.is_some() {
            continue;
        }
        if facts.capabilities.is_empty() {
            out.summary.skipped_without_capability += 1;
            entry.outcome = JoinOutcome::Skipped;
            entry.evidence = "no tracked filing and no match".to_owned();
            continue;
        }
        let probe = Probe::of(f, facts);
        let check = lookup.duplicates(&probe, book);
        if let Some((id, evidence)) = check.merge {
            let Some(target) = book.get_mut(&id) else { continue };
            let note = attach(target, f, facts, source, &mut lookup);
            out.summary.merged += 1;
            *out.summary.merged_by_evidence.entry(evidence.clone()).or_default() += 1;
            entry.outcome = JoinOutcome::Merged;
            entry.evidence = note.map_or(evidence.clone(), |n| format!("{evidence}; {n}"));
            entry.facility_id = Some(id);
            entry.facility_name = Some(target.name.clone());
            continue;
        }
        let id = f.id();
        if book.contains_key(&id.0) {
            out.summary.dropped += 1;
            out.id_clashes.push((id.0.clone(), f.first_line));
            entry.outcome = JoinOutcome::Dropped;
            entry.evidence = format!("duplicate facility id {id}");
            continue;
        }
        let Some(placed) = place(f) else {
            out.summary.dropped += 1;
            entry.outcome = JoinOutcome::Dropped;
            entry.evidence = "no match, and the address could not be placed".to_owned();
            continue;
        };
        let new = Facility {
            id: id.clone(),
            kind: facts.kind.kind,
            name: f.name.clone(),
            name_kana: None,
            address: Some(f.address.clone()),
            municipality_code: facts.municipality.clone().or(placed.geocoded_municipality),
            area_code: None,
            pref_code: f.pref_code.clone(),
            location: placed.location,
            phone: f.phone.clone(),
            url: None,
            beds: f.beds_total,
            schedule: None,
            capabilities: facts.capabilities.clone(),
            sources: vec![SourceRef { source: source.to_owned(), line: f.first_line }],
        };
        entry.nearest = nearest(&new, book, &index, query, &probe, &check.refusals);
        out.summary.added += 1;
        entry.outcome = JoinOutcome::Added;
        entry.evidence = match &check.ambiguity {
            Some(ambiguity) => format!("no match; {ambiguity}"),
            None => "no match and no duplicate".to_owned(),
        };
        entry.facility_id = Some(id.0.clone());
        entry.facility_name = Some(new.name.clone());
        lookup.add(&new);
        book.insert(id.0, new);
    }
    out.entries = entries;
    out
}

/// What the join needs to know of a 施設基準 facility, computed once.
struct Facts {
    municipality: Option<String>,
    kind: KindDecision,
    capabilities: Vec<crate::model::CapabilityEntry>,
}

impl Facts {
    fn of(f: &KijunFacility, municipality_of: &dyn Fn(&str) -> Option<String>) -> Self {
        Facts { municipality: municipality_of(&f.address), kind: f.kind(), capabilities: f.capabilities() }
    }

    /// The join query: the kind only when evidence says it.
    fn query<'a>(&'a self, f: &'a KijunFacility) -> JoinQuery<'a> {
        JoinQuery {
            name: &f.name,
            municipality_code: self.municipality.as_deref(),
            address: Some(&f.address),
            kind: self.kind.is_evidenced().then_some(self.kind.kind),
            kind_from_name: self.kind.basis == KindBasis::Name,
        }
    }

    /// The report entry before anything is decided.
    fn entry(&self, f: &KijunFacility) -> JoinEntry {
        let mut filings: Vec<String> = f
            .filings
            .iter()
            .filter(|x| Capability::from_filing_code(&x.code).is_some())
            .map(|x| x.code.clone())
            .collect();
        filings.dedup();
        JoinEntry {
            code: f.code.clone(),
            line: f.first_line,
            name: f.name.clone(),
            address: f.address.clone(),
            phone: f.phone.clone(),
            filings,
            kind: self.kind.clone(),
            outcome: JoinOutcome::Skipped,
            facility_id: None,
            facility_name: None,
            evidence: String::new(),
            kind_refusal: None,
            nearest: Vec::new(),
        }
    }
}

/// Gives `target` the facility's capabilities, source and (when it has none) phone; returns a note
/// when the phone was withheld because another facility at the same address already has it.
fn attach(
    target: &mut Facility,
    f: &KijunFacility,
    facts: &Facts,
    source: &str,
    lookup: &mut Lookup,
) -> Option<String> {
    for entry in &facts.capabilities {
        target.add_capability(entry.clone());
    }
    target.sources.push(SourceRef { source: source.to_owned(), line: f.first_line });
    if target.phone.is_some() {
        return None;
    }
    let phone = f.phone.as_deref()?;
    if let (Some(digits), Some(address)) =
        (phone_digits(phone), target.address.as_deref().and_then(normalize_address))
        && let Some(holder) = lookup.holder(&digits, &address, &target.id.0)
    {
        return Some(format!("phone not copied: {holder} at the same address has it"));
    }
    target.phone = Some(phone.to_owned());
    lookup.add(target);
    None
}

/// A 施設基準 facility as the duplicate check compares it.
struct Probe {
    name_key: String,
    phone: Option<String>,
    address: Option<String>,
    kind: Option<FacilityKind>,
    kind_from_name: bool,
}

impl Probe {
    fn of(f: &KijunFacility, facts: &Facts) -> Self {
        Probe {
            name_key: normalize_facility_name(&f.name),
            phone: f.phone.as_deref().and_then(phone_digits),
            address: normalize_address(&f.address),
            kind: facts.kind.is_evidenced().then_some(facts.kind.kind),
            kind_from_name: facts.kind.basis == KindBasis::Name,
        }
    }
}

/// The duplicate check's view of one facility of the registry.
enum Verdict {
    /// The same facility; the smaller the tier, the stronger the evidence.
    Same { tier: u8, evidence: String },
    /// Not the same, with the reason.
    Other(String),
}

/// Compares a probe with a facility of the registry (see the module documentation).
fn verdict(p: &Probe, f: &Facility) -> Verdict {
    let phone = f.phone.as_deref().and_then(phone_digits);
    let address = f.address.as_deref().and_then(normalize_address);
    let same_phone = p.phone.is_some() && p.phone == phone;
    let same_address = p.address.is_some() && p.address == address;
    let key = normalize_facility_name(&f.name);
    let conflict = kinds_conflict(p.kind, p.kind_from_name, Some(f.kind), &f.name);
    // Worded as the join words it, so that a candidate refused by both is explained once.
    let kind_text = || {
        let of = if p.kind_from_name { "name" } else { "row" };
        format!(
            "kind conflict: {} evidence vs {} {of}",
            p.kind.map_or("unknown", FacilityKind::as_str),
            f.kind.as_str()
        )
    };
    if same_phone && same_address {
        // One phone line at one address is one facility: merged even when the kinds disagree.
        let evidence = "same phone and address".to_owned();
        return Verdict::Same {
            tier: 0,
            evidence: if conflict {
                format!("{evidence} ({}; merged all the same)", kind_text())
            } else {
                evidence
            },
        };
    }
    if !same_phone && !same_address {
        let names = if names_similar(&p.name_key, &key) {
            format!("similar names {} and {}", p.name_key, key)
        } else {
            format!("names {} vs {} share no name token", p.name_key, key)
        };
        return Verdict::Other(format!("{names}, and neither the phone nor the address is the same"));
    }
    let what = if same_phone { "phone" } else { "address" };
    if conflict {
        return Verdict::Other(kind_text());
    }
    if !names_similar(&p.name_key, &key) {
        return Verdict::Other(format!("same {what} but names {} vs {key} share no name token", p.name_key));
    }
    if same_phone {
        return Verdict::Same { tier: 1, evidence: "same phone and a similar name".to_owned() };
    }
    if let (Some(a), Some(b)) = (&p.phone, &phone) {
        return Verdict::Other(format!("same address and a similar name, but another phone ({a} vs {b})"));
    }
    Verdict::Same { tier: 2, evidence: "same address and a similar name".to_owned() }
}

/// What the duplicate check found for one probe.
#[derive(Default)]
struct Check {
    /// The one facility to merge into, with the evidence.
    merge: Option<(String, String)>,
    /// Several facilities with the same evidence: nothing merged.
    ambiguity: Option<String>,
    /// Why each facility sharing the phone or address was not taken.
    refusals: HashMap<String, String>,
}

/// Hospitals and clinics of the registry by phone digits and by address key, kept up to date as
/// phones are copied and facilities added.
struct Lookup {
    by_phone: HashMap<String, Vec<String>>,
    by_address: HashMap<String, Vec<String>>,
}

impl Lookup {
    fn new(book: &BTreeMap<String, Facility>) -> Self {
        let mut lookup = Lookup { by_phone: HashMap::new(), by_address: HashMap::new() };
        for f in book.values() {
            lookup.add(f);
        }
        lookup
    }

    /// Indexes a facility's phone and address (again after its phone changed).
    fn add(&mut self, f: &Facility) {
        if !joinable(f) {
            return;
        }
        let push = |map: &mut HashMap<String, Vec<String>>, key: Option<String>| {
            if let Some(key) = key {
                let ids = map.entry(key).or_default();
                if !ids.contains(&f.id.0) {
                    ids.push(f.id.0.clone());
                }
            }
        };
        push(&mut self.by_phone, f.phone.as_deref().and_then(phone_digits));
        push(&mut self.by_address, f.address.as_deref().and_then(normalize_address));
    }

    /// Another facility than `except` with this phone at this address.
    fn holder(&self, phone: &str, address: &str, except: &str) -> Option<&str> {
        let at_address = self.by_address.get(address)?;
        self.by_phone
            .get(phone)?
            .iter()
            .find(|id| *id != except && at_address.contains(id))
            .map(String::as_str)
    }

    /// The duplicate check of one probe against every facility sharing its phone or address.
    fn duplicates(&self, p: &Probe, book: &BTreeMap<String, Facility>) -> Check {
        let mut ids: Vec<&String> = Vec::new();
        for (map, key) in [(&self.by_phone, &p.phone), (&self.by_address, &p.address)] {
            if let Some(found) = key.as_ref().and_then(|k| map.get(k)) {
                ids.extend(found.iter().filter(|id| !ids.contains(id)).collect::<Vec<_>>());
            }
        }
        let mut check = Check::default();
        let mut same: Vec<(u8, String, String)> = Vec::new();
        for id in ids {
            let Some(f) = book.get(id) else { continue };
            match verdict(p, f) {
                Verdict::Same { tier, evidence } => same.push((tier, id.clone(), evidence)),
                Verdict::Other(reason) => {
                    check.refusals.insert(id.clone(), reason);
                }
            }
        }
        let Some(best) = same.iter().map(|(tier, ..)| *tier).min() else { return check };
        let strongest: Vec<&(u8, String, String)> = same.iter().filter(|(tier, ..)| *tier == best).collect();
        match strongest.as_slice() {
            [(_, id, evidence)] => check.merge = Some((id.clone(), evidence.clone())),
            several => {
                let ambiguity = format!("ambiguous: {} candidates with {}", several.len(), several[0].2);
                for (_, id, _) in several {
                    check.refusals.insert(id.clone(), ambiguity.clone());
                }
                check.ambiguity = Some(ambiguity);
            }
        }
        // Weaker evidence than the strongest is not taken either.
        for (tier, id, evidence) in &same {
            if *tier > best {
                check
                    .refusals
                    .insert(id.clone(), format!("{evidence}, but another candidate has stronger evidence"));
            }
        }
        check
    }
}

/// The [`NEAREST`] hospitals or clinics nearest to an added facility, with why each was not taken:
/// the join's reason for 医療情報ネット facilities, the duplicate check's for those sharing the phone
/// or address, both when both apply.
fn nearest(
    new: &Facility,
    book: &BTreeMap<String, Facility>,
    index: &JoinIndex,
    query: &JoinQuery<'_>,
    probe: &Probe,
    refusals: &HashMap<String, String>,
) -> Vec<NearCandidate> {
    let mut near: Vec<(f64, &Facility)> = book
        .values()
        .filter(|f| joinable(f) && f.id != new.id)
        .map(|f| (geodesic_distance_m(new.location.lat, new.location.lon, f.location.lat, f.location.lon), f))
        .collect();
    near.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
    near.into_iter()
        .take(NEAREST)
        .map(|(distance_m, f)| {
            let in_join = index.explain(query, &f.id.0);
            let from_join = !in_join.starts_with("not a candidate");
            let duplicate = refusals.get(&f.id.0).cloned();
            let refused_because = match (from_join, duplicate) {
                (true, Some(d)) if d == in_join => in_join,
                (true, Some(d)) => format!("{in_join}; duplicate check: {d}"),
                (true, None) => in_join,
                (false, Some(d)) => format!("duplicate check: {d}"),
                (false, None) => match verdict(probe, f) {
                    Verdict::Other(reason) => reason,
                    Verdict::Same { evidence, .. } => evidence,
                },
            };
            NearCandidate {
                id: f.id.0.clone(),
                name: f.name.clone(),
                kind: f.kind,
                distance_m: distance_m.round(),
                refused_because,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geocode::Gazetteer;
    use crate::ingest::kijun::Filing;
    use crate::model::{FacilityId, Location, LocationPrecision};

    /// The gazetteer of the synthetic rows' municipalities (names only: no town points, no polygons),
    /// which resolves their addresses as the import does.
    fn municipalities() -> Gazetteer {
        let municipalities: Vec<crate::model::Municipality> = [
            ("43101", "熊本市中央区"),
            ("43102", "熊本市東区"),
            ("43202", "八代市"),
            ("43443", "上益城郡益城町"),
        ]
        .into_iter()
        .map(|(code, name)| crate::model::Municipality {
            code: code.to_owned(),
            name: name.to_owned(),
            area_code: None,
            geometry: geo::MultiPolygon::new(Vec::new()),
        })
        .collect();
        Gazetteer::new("熊本県", &municipalities, Vec::new())
    }

    /// A point derived from the address key, the same for every writing of one address.
    fn point_of(address: &str) -> Location {
        let key = normalize_address(address).unwrap_or_default();
        let hash = key.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
        let (dy, dx) = (f64::from(hash % 1000) / 10_000.0, f64::from((hash / 1000) % 1000) / 10_000.0);
        Location::new(32.7 + dy, 130.6 + dx, LocationPrecision::Town)
    }

    /// A 医療情報ネット hospital or clinic (no phone: the MHLW files have none).
    fn mhlw(id: &str, kind: FacilityKind, name: &str, municipality: &str, address: &str) -> Facility {
        Facility {
            id: FacilityId(id.to_owned()),
            kind,
            name: name.to_owned(),
            name_kana: None,
            address: Some(address.to_owned()),
            municipality_code: Some(municipality.to_owned()),
            area_code: None,
            pref_code: "43".to_owned(),
            location: Location { precision: LocationPrecision::Exact, ..point_of(address) },
            phone: None,
            url: None,
            beds: None,
            schedule: None,
            capabilities: Vec::new(),
            sources: vec![SourceRef { source: "mhlw".to_owned(), line: 2 }],
        }
    }

    /// A 施設基準 facility with its filings as (受理届出名称, 受理記号).
    fn kijun(
        code: &str,
        name: &str,
        address: &str,
        phone: &str,
        beds: &str,
        filings: &[(&str, &str)],
    ) -> KijunFacility {
        KijunFacility {
            pref_code: "43".to_owned(),
            code: code.to_owned(),
            name: name.to_owned(),
            postal_code: None,
            address: address.to_owned(),
            phone: Some(phone.to_owned()).filter(|p| !p.is_empty()),
            fax: None,
            beds_text: Some(beds.to_owned()).filter(|b| !b.is_empty()),
            beds_total: beds.chars().filter(char::is_ascii_digit).collect::<String>().parse().ok(),
            filings: filings
                .iter()
                .map(|(name, code)| Filing {
                    name: (*name).to_owned(),
                    code: (*code).to_owned(),
                    number: None,
                    since: None,
                    remarks: Vec::new(),
                    line: 2,
                })
                .collect(),
            first_line: 2,
        }
    }

    const CLINIC_HOME_CARE: (&str, &str) = ("別添1の「第9」の1の(2)に規定する在宅療養支援診療所", "支援診２");
    const HOSPITAL_HOME_CARE: (&str, &str) =
        ("別添1の「第14の2」の1の(3)に規定する在宅療養支援病院", "支援病３");
    const SHARED_HOME_PALLIATIVE: &str =
        "別添1の「第14の2」の2の(2)に規定する在宅緩和ケア充実診療所・病院加算";
    const UNTRACKED: (&str, &str) = ("医療ＤＸ推進体制整備加算", "医療ＤＸ");

    fn book_of(facilities: Vec<Facility>) -> BTreeMap<String, Facility> {
        facilities.into_iter().map(|f| (f.id.0.clone(), f)).collect()
    }

    /// Runs the join as the import does, with the synthetic municipalities and placement.
    fn run(book: &mut BTreeMap<String, Facility>, rows: Vec<KijunFacility>) -> KijunJoin {
        let municipalities = municipalities();
        let municipality_of = |a: &str| municipalities.municipality_of(a).map(|(code, _)| code.to_owned());
        let mut place = |f: &KijunFacility| {
            normalize_address(&f.address)
                .map(|_| Placed { location: point_of(&f.address), geocoded_municipality: None })
        };
        join_kijun(book, rows, "kijun_ika", &municipality_of, &mut place)
    }

    /// Every pair of hospitals or clinics that share phone digits and address key.
    fn shared_phone_and_address(book: &BTreeMap<String, Facility>) -> Vec<(String, String)> {
        let mut seen: HashMap<(String, String), String> = HashMap::new();
        let mut pairs = Vec::new();
        for f in book.values().filter(|f| joinable(f)) {
            let (Some(phone), Some(address)) =
                (f.phone.as_deref().and_then(phone_digits), f.address.as_deref().and_then(normalize_address))
            else {
                continue;
            };
            if let Some(other) = seen.insert((phone, address), f.id.0.clone()) {
                pairs.push((other, f.id.0.clone()));
            }
        }
        pairs
    }

    mod phones {
        use super::*;

        #[test]
        fn digits_of_any_writing() {
            assert_eq!(phone_digits("096-358-7000").as_deref(), Some("0963587000"));
            assert_eq!(phone_digits("０９６－３５８－７０００").as_deref(), Some("0963587000"));
            assert_eq!(phone_digits("(096)358-7000").as_deref(), Some("0963587000"));
            assert_eq!(phone_digits("096 358 7000").as_deref(), Some("0963587000"));
            assert_eq!(phone_digits("+81-96-358-7000").as_deref(), Some("0963587000"));
            assert_eq!(phone_digits("090-1234-5678").as_deref(), Some("09012345678"));
            assert_eq!(phone_digits("358-7000"), None, "too short to identify a line");
            assert_eq!(phone_digits(""), None);
        }
    }

    mod join_step {
        use super::*;

        #[test]
        fn a_match_takes_capabilities_phone_and_source() {
            let mut book = book_of(vec![mhlw(
                "mhlw-1",
                FacilityKind::Hospital,
                "青葉大学病院",
                "43101",
                "熊本県熊本市中央区本荘１丁目１番１号",
            )]);
            let row = kijun(
                "0100001",
                "学校法人　青葉学園　青葉大学病院",
                "熊本市中央区本荘１－１－１",
                "096-344-2111",
                "一般　　800",
                &[HOSPITAL_HOME_CARE],
            );
            let out = run(&mut book, vec![row]);
            assert_eq!(book.len(), 1, "the university hospital is not listed twice");
            let hospital = &book["mhlw-1"];
            assert_eq!(hospital.phone.as_deref(), Some("096-344-2111"));
            assert!(hospital.capability(Capability::HomeCareSupport).is_some());
            assert_eq!(hospital.sources.len(), 2);
            let entry = &out.entries[0];
            assert_eq!((entry.outcome, entry.facility_id.as_deref()), (JoinOutcome::Joined, Some("mhlw-1")));
            assert_eq!(entry.evidence, "same name");
            assert_eq!(entry.filings, ["支援病３"]);
            assert_eq!((out.summary.matched, out.summary.matched_with_capabilities), (1, 1));
        }

        #[test]
        fn a_clinic_filing_never_lands_on_a_hospital_row() {
            // The failure seen on another prefecture: a clinic with 支援診２ and the shared 在宅緩和ケア
            // 充実 filing (coded 在緩診病 there) and no beds was made a hospital.
            let mut book = book_of(vec![mhlw(
                "mhlw-1",
                FacilityKind::Hospital,
                "あおば在宅クリニック",
                "43101",
                "熊本県熊本市中央区大江１－１",
            )]);
            let row = kijun(
                "0100002",
                "あおば在宅クリニック",
                "熊本市中央区大江９－９",
                "096-000-0002",
                "",
                &[CLINIC_HOME_CARE, (SHARED_HOME_PALLIATIVE, "在緩診病")],
            );
            let out = run(&mut book, vec![row]);
            let entry = &out.entries[0];
            assert_eq!((entry.kind.kind, entry.kind.basis), (FacilityKind::Clinic, KindBasis::Filings));
            assert_eq!(entry.outcome, JoinOutcome::Added);
            assert_eq!(book["kijun-430100002"].kind, FacilityKind::Clinic);
            let refusal = entry.kind_refusal.as_deref().unwrap_or_default();
            assert!(refusal.contains("mhlw-1") && refusal.contains("kind conflict"), "{refusal}");
            assert_eq!(out.summary.kind_refusals, 1);
            assert!(book["mhlw-1"].capabilities.is_empty());
        }

        #[test]
        fn a_phone_is_not_copied_where_another_facility_at_the_address_has_it() {
            let address = "熊本県熊本市中央区大江１－１";
            let mut with_phone = mhlw("mhlw-1", FacilityKind::Clinic, "青葉クリニック", "43101", address);
            with_phone.phone = Some("096-111-1111".to_owned());
            let mut book =
                book_of(vec![with_phone, mhlw("mhlw-2", FacilityKind::Clinic, "桜井内科", "43101", address)]);
            let row = kijun(
                "0100003",
                "桜井内科",
                "熊本市中央区大江１－１",
                "096-111-1111",
                "",
                &[CLINIC_HOME_CARE],
            );
            let out = run(&mut book, vec![row]);
            assert_eq!(book["mhlw-2"].phone, None);
            assert!(
                out.entries[0].evidence.contains("phone not copied: mhlw-1"),
                "{}",
                out.entries[0].evidence
            );
            assert!(shared_phone_and_address(&book).is_empty());
        }
    }

    mod duplicate_check {
        use super::*;

        #[test]
        fn the_same_phone_and_address_is_one_facility() {
            let mut book = BTreeMap::new();
            let rows = vec![
                kijun(
                    "0100001",
                    "みどり在宅クリニック",
                    "熊本市東区佐土原１－８－３３",
                    "096-222-0001",
                    "",
                    &[CLINIC_HOME_CARE],
                ),
                // Renamed and renumbered (a new 開設者), listed again.
                kijun(
                    "0100009",
                    "医療法人緑会　ながみね在宅診療所",
                    "熊本市東区佐土原１丁目８番３３号",
                    "０９６－２２２－０００１",
                    "",
                    &[CLINIC_HOME_CARE],
                ),
            ];
            let out = run(&mut book, rows);
            assert_eq!(book.len(), 1);
            let entry = &out.entries[1];
            assert_eq!(entry.outcome, JoinOutcome::Merged);
            assert_eq!(entry.facility_id.as_deref(), Some("kijun-430100001"));
            assert_eq!(entry.evidence, "same phone and address");
            assert_eq!(out.summary.merged_by_evidence["same phone and address"], 1);
            assert_eq!(book["kijun-430100001"].sources.len(), 2);
        }

        #[test]
        fn the_same_address_and_a_similar_name_is_one_facility() {
            // Not joined: the 医療情報ネット row has no municipality the join could use.
            let mut row = mhlw(
                "mhlw-1",
                FacilityKind::Clinic,
                "ひかり内科医院",
                "43101",
                "熊本県熊本市中央区水前寺２－２－２",
            );
            row.municipality_code = None;
            let mut book = book_of(vec![row]);
            let out = run(
                &mut book,
                vec![kijun(
                    "0100001",
                    "ひかり内科・循環器内科",
                    "熊本市中央区水前寺２－２－２",
                    "096-333-0001",
                    "",
                    &[CLINIC_HOME_CARE],
                )],
            );
            assert_eq!(book.len(), 1);
            assert_eq!(out.entries[0].outcome, JoinOutcome::Merged);
            assert_eq!(out.entries[0].evidence, "same address and a similar name");
            assert_eq!(book["mhlw-1"].phone.as_deref(), Some("096-333-0001"));
        }

        #[test]
        fn the_same_phone_and_a_similar_name_is_one_facility() {
            let mut book = BTreeMap::new();
            let rows = vec![
                kijun(
                    "0100001",
                    "若葉クリニック",
                    "熊本市中央区大江１－１",
                    "096-444-0001",
                    "",
                    &[CLINIC_HOME_CARE],
                ),
                kijun(
                    "0100002",
                    "若葉クリニック分院",
                    "熊本市中央区大江１－１－１０１",
                    "096-444-0001",
                    "",
                    &[CLINIC_HOME_CARE],
                ),
            ];
            let out = run(&mut book, rows);
            assert_eq!(out.entries[1].evidence, "same phone and a similar name");
            assert_eq!(book.len(), 1);
        }

        #[test]
        fn what_is_not_clear_is_added_with_the_reason() {
            let address = "熊本県八代市大手町１－７－１８";
            let mut other_phone =
                mhlw("mhlw-2", FacilityKind::Clinic, "大手町こどもクリニック", "43202", address);
            other_phone.phone = Some("0965-00-0002".to_owned());
            // A row the join cannot use (no municipality): only the duplicate check sees it.
            other_phone.municipality_code = None;
            let mut book = book_of(vec![
                mhlw("mhlw-1", FacilityKind::Hospital, "大手町病院", "43202", address),
                other_phone,
                mhlw("mhlw-3", FacilityKind::Clinic, "松本眼科", "43202", address),
            ]);
            let row = kijun(
                "0100001",
                "大手町腎クリニック",
                "八代市大手町１－７－１８",
                "0965-00-0001",
                "",
                &[CLINIC_HOME_CARE],
            );
            let out = run(&mut book, vec![row]);
            let entry = &out.entries[0];
            assert_eq!(entry.outcome, JoinOutcome::Added);
            assert_eq!(book.len(), 4);
            let reasons: HashMap<&str, &str> =
                entry.nearest.iter().map(|c| (c.id.as_str(), c.refused_because.as_str())).collect();
            assert_eq!(entry.nearest.len(), 2);
            assert!(entry.nearest.iter().all(|c| c.distance_m == 0.0), "all at the same address");
            assert_eq!(
                reasons.get("mhlw-1").copied(),
                Some("kind conflict: clinic evidence vs hospital row")
            );
            assert!(
                reasons
                    .get("mhlw-2")
                    .is_some_and(|r| r.ends_with("but another phone (0965000001 vs 0965000002)")),
                "{reasons:?}"
            );
        }

        #[test]
        fn two_candidates_with_equal_evidence_are_an_ambiguity() {
            let address = "熊本県熊本市中央区大江５－５";
            let mut row_a = mhlw("mhlw-1", FacilityKind::Clinic, "大江内科", "43101", address);
            let mut row_b = mhlw("mhlw-2", FacilityKind::Clinic, "大江眼科", "43101", address);
            row_a.municipality_code = None;
            row_b.municipality_code = None;
            let mut book = book_of(vec![row_a, row_b]);
            let out = run(
                &mut book,
                vec![kijun(
                    "0100001",
                    "大江クリニック",
                    "熊本市中央区大江５－５",
                    "096-555-0001",
                    "",
                    &[CLINIC_HOME_CARE],
                )],
            );
            let entry = &out.entries[0];
            assert_eq!(entry.outcome, JoinOutcome::Added);
            assert_eq!(
                entry.evidence,
                "no match; ambiguous: 2 candidates with same address and a similar name"
            );
            assert!(
                entry.nearest.iter().all(|c| c.refused_because.contains("ambiguous: 2 candidates")),
                "{:?}",
                entry.nearest
            );
        }
    }

    mod additions {
        use super::*;

        #[test]
        fn untracked_unmatched_facilities_are_skipped_and_unplaceable_ones_dropped() {
            let mut book = BTreeMap::new();
            let rows = vec![
                kijun("0100001", "青葉医院", "熊本市中央区大江１－１", "096-666-0001", "", &[UNTRACKED]),
                kijun("0100002", "桜井医院", "どこか", "096-666-0002", "", &[CLINIC_HOME_CARE]),
                kijun(
                    "0100003",
                    "松本病院",
                    "熊本市中央区大江３－３",
                    "096-666-0003",
                    "一般　　60",
                    &[HOSPITAL_HOME_CARE],
                ),
            ];
            let out = run(&mut book, rows);
            let outcomes: Vec<JoinOutcome> = out.entries.iter().map(|e| e.outcome).collect();
            assert_eq!(outcomes, [JoinOutcome::Skipped, JoinOutcome::Dropped, JoinOutcome::Added]);
            let s = &out.summary;
            assert_eq!(
                (s.facilities, s.with_capabilities, s.skipped_without_capability, s.dropped, s.added),
                (3, 2, 1, 1, 1)
            );
            assert_eq!(book["kijun-430100003"].kind, FacilityKind::Hospital);
            assert!(out.entries[2].nearest.is_empty(), "nothing else to be near");
        }

        #[test]
        fn an_added_facility_lists_its_two_nearest_nearest_first() {
            let mut book = book_of(vec![
                mhlw("mhlw-1", FacilityKind::Clinic, "遠い医院", "43202", "熊本県八代市大手町９－９"),
                mhlw("mhlw-2", FacilityKind::Clinic, "近い医院", "43101", "熊本県熊本市中央区大江１－２"),
                mhlw("mhlw-3", FacilityKind::Clinic, "隣の医院", "43101", "熊本県熊本市中央区大江１－１"),
            ]);
            let row = kijun(
                "0100001",
                "新しい診療所",
                "熊本市中央区大江１－１",
                "096-777-0001",
                "",
                &[CLINIC_HOME_CARE],
            );
            let out = run(&mut book, vec![row]);
            let nearest = &out.entries[0].nearest;
            let new = &book["kijun-430100001"];
            let distance = |id: &str| {
                let f = &book[id];
                geodesic_distance_m(new.location.lat, new.location.lon, f.location.lat, f.location.lon)
                    .round()
            };
            let mut expected: Vec<(f64, &str)> =
                ["mhlw-1", "mhlw-2", "mhlw-3"].iter().map(|id| (distance(id), *id)).collect();
            expected.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
            let got: Vec<(f64, &str)> = nearest.iter().map(|c| (c.distance_m, c.id.as_str())).collect();
            assert_eq!(got, expected[..2]);
            assert!(nearest.iter().all(|c| !c.refused_because.is_empty()));
        }

        #[test]
        fn an_id_already_taken_is_reported() {
            let mut taken = mhlw(
                "kijun-430100001",
                FacilityKind::Pharmacy,
                "青葉薬局",
                "43101",
                "熊本県熊本市中央区大江１－１",
            );
            taken.kind = FacilityKind::Pharmacy;
            let mut book = book_of(vec![taken]);
            let out = run(
                &mut book,
                vec![kijun(
                    "0100001",
                    "青葉医院",
                    "熊本市中央区大江２－２",
                    "096-888-0001",
                    "",
                    &[CLINIC_HOME_CARE],
                )],
            );
            assert_eq!(out.id_clashes, [("kijun-430100001".to_owned(), 2)]);
            assert_eq!(out.entries[0].outcome, JoinOutcome::Dropped);
            assert_eq!(book["kijun-430100001"].kind, FacilityKind::Pharmacy);
        }

        #[test]
        fn no_rows_change_nothing() {
            let mut book = book_of(vec![mhlw(
                "mhlw-1",
                FacilityKind::Clinic,
                "青葉医院",
                "43101",
                "熊本県熊本市中央区大江１－１",
            )]);
            let before = book.clone();
            let out = run(&mut book, Vec::new());
            assert_eq!(book, before);
            assert!(out.entries.is_empty());
            assert_eq!(out.summary, KijunSummary::default());
        }
    }

    /// A registry never holds one facility twice: generated 医療情報ネット rows and 施設基準
    /// facilities, the same facility written many ways (legal forms, variants, widths, addresses,
    /// phones) and listed up to three times, different facilities sometimes in one building.
    mod no_facility_twice {
        use super::*;
        use proptest::prelude::*;

        /// Facility names as (common, variant) writings; no two share their first characters, so
        /// two facilities never share a name token.
        const NAMES: &[(&str, &str)] = &[
            ("高田", "髙田"),
            ("渡辺", "渡邊"),
            ("桜井", "櫻井"),
            ("浜田", "濱田"),
            ("みどり", "みどり"),
            ("ABC", "ＡＢＣ"),
            ("若葉", "若葉"),
            ("広瀬", "廣瀬"),
        ];
        /// Operators' corporate names, sharing nothing with the facility names.
        const CORPORATE: &[&str] = &["朝日会", "仁愛会", "慈恵会", "青山学園"];
        /// Places: municipality code, with prefecture (and district), as the 施設基準 list writes it,
        /// town, founder prefix of a public hospital there.
        const PLACES: &[(&str, &str, &str, &str, &str)] = &[
            ("43101", "熊本県熊本市中央区", "熊本市中央区", "大江", "熊本市立"),
            ("43102", "熊本県熊本市東区", "熊本市東区", "佐土原", "熊本市立"),
            ("43202", "熊本県八代市", "八代市", "大手町", "八代市立"),
            ("43443", "熊本県上益城郡益城町", "上益城郡益城町", "惣領", "益城町立"),
        ];

        /// One real facility.
        #[derive(Debug, Clone)]
        struct Truth {
            hospital: bool,
            place: usize,
            house: (u32, u32, u32),
            in_mhlw: bool,
            mhlw_writing: Writing,
            listings: Vec<(Writing, bool)>,
        }

        /// How one source writes a facility.
        #[derive(Debug, Clone)]
        struct Writing {
            name_style: usize,
            corporate: usize,
            variant: bool,
            full_width: bool,
            address_style: usize,
            phone_style: usize,
            shared_filing: Option<bool>,
        }

        fn writing() -> impl Strategy<Value = Writing> {
            (
                0..10usize,
                0..CORPORATE.len(),
                any::<bool>(),
                any::<bool>(),
                0..4usize,
                0..4usize,
                any::<Option<bool>>(),
            )
                .prop_map(
                    |(
                        name_style,
                        corporate,
                        variant,
                        full_width,
                        address_style,
                        phone_style,
                        shared_filing,
                    )| Writing {
                        name_style,
                        corporate,
                        variant,
                        full_width,
                        address_style,
                        phone_style,
                        shared_filing,
                    },
                )
        }

        fn truth() -> impl Strategy<Value = Truth> {
            (
                any::<bool>(),
                0..PLACES.len(),
                (1..3u32, 1..3u32, 1..3u32),
                any::<bool>(),
                writing(),
                prop::collection::vec((writing(), any::<bool>()), 0..4),
            )
                .prop_map(|(hospital, place, house, in_mhlw, mhlw_writing, listings)| Truth {
                    hospital,
                    place,
                    house,
                    in_mhlw,
                    mhlw_writing,
                    listings,
                })
        }

        fn full_width(s: &str) -> String {
            s.chars()
                .map(|c| match c {
                    '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
                    ' ' => '　',
                    c => c,
                })
                .collect()
        }

        fn name(i: usize, t: &Truth, w: &Writing) -> String {
            let (common, variant) = NAMES[i];
            let proper = if w.variant { variant } else { common };
            let suffix =
                if t.hospital { "病院" } else { ["クリニック", "内科医院", "診療所"][i % 3] };
            let facility = format!("{proper}{suffix}");
            let corporate = CORPORATE[w.corporate];
            let sp = if w.full_width { "　" } else { " " };
            let founder = PLACES[t.place].4;
            match w.name_style {
                0 => facility,
                1 => format!("医療法人{sp}{corporate}{sp}{facility}"),
                2 => format!("医療法人社団{corporate}{facility}"),
                3 => format!("{facility}（医療法人{corporate}）"),
                4 => format!("{facility}{sp}社会医療法人{corporate}"),
                5 => format!("（医）{corporate}{facility}"),
                6 => format!("一般財団法人{sp}{corporate}{sp}{facility}"),
                7 => format!("学校法人{sp}{corporate}{sp}{facility}"),
                8 if t.hospital => format!("{founder}{sp}{facility}"),
                _ if t.hospital => format!("国民健康保険{sp}{facility}"),
                _ => format!("{facility}{sp}医療法人{corporate}"),
            }
        }

        fn address(t: &Truth, w: &Writing, with_prefecture: bool) -> String {
            let (_, full, listed, town, _) = PLACES[t.place];
            let place = if with_prefecture { full } else { listed };
            let (c, b, g) = t.house;
            let kanji = ["〇", "一", "二", "三"][c as usize];
            match w.address_style {
                0 => format!("{place}{town}{c}丁目{b}番{g}号"),
                1 => format!("{place}{town}{c}-{b}-{g}"),
                2 => format!("{place}{town}{}", full_width(&format!("{c}-{b}-{g}"))),
                _ => format!("{place}{town}{kanji}丁目{b}番地{g}"),
            }
        }

        fn phone(i: usize, w: &Writing) -> String {
            let (a, b) = (300 + i, 1000 + i);
            match w.phone_style {
                0 => format!("096-{a}-{b}"),
                1 => format!("(096){a}-{b}"),
                2 => full_width(&format!("096-{a}-{b}")),
                _ => format!("096 {a} {b}"),
            }
        }

        /// The 医療情報ネット rows and 施設基準 facilities of a universe; 施設基準 codes are
        /// `i * 10 + k` for the k-th listing of facility i.
        fn sources(universe: &[Truth]) -> (BTreeMap<String, Facility>, Vec<KijunFacility>) {
            let mut book = BTreeMap::new();
            let mut rows = Vec::new();
            for (i, t) in universe.iter().enumerate() {
                let kind = if t.hospital { FacilityKind::Hospital } else { FacilityKind::Clinic };
                if t.in_mhlw {
                    let w = &t.mhlw_writing;
                    let f = mhlw(
                        &format!("mhlw-{i}"),
                        kind,
                        &name(i, t, w),
                        PLACES[t.place].0,
                        &address(t, w, true),
                    );
                    book.insert(f.id.0.clone(), f);
                }
                for (k, (w, tracked)) in t.listings.iter().enumerate() {
                    let beds = if t.hospital {
                        format!("一般　　{}", 20 + i * 37)
                    } else if w.variant {
                        String::new()
                    } else {
                        format!("一般　　{}", 1 + i)
                    };
                    let home_care = if t.hospital { HOSPITAL_HOME_CARE } else { CLINIC_HOME_CARE };
                    let mut filings = vec![if *tracked { home_care } else { UNTRACKED }];
                    if let Some(clinic_code) = w.shared_filing {
                        filings.push((
                            SHARED_HOME_PALLIATIVE,
                            if clinic_code { "在緩診実" } else { "在緩診病" },
                        ));
                    }
                    rows.push(kijun(
                        &format!("{:07}", i * 10 + k),
                        &name(i, t, w),
                        &address(t, w, false),
                        &phone(i, w),
                        &beds,
                        &filings,
                    ));
                }
            }
            (book, rows)
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn every_facility_once_and_no_two_sharing_phone_and_address(
                universe in prop::collection::vec(truth(), 1..NAMES.len())
            ) {
                let (mut book, rows) = sources(&universe);
                let out = run(&mut book, rows);
                prop_assert!(shared_phone_and_address(&book).is_empty(), "{:?}", shared_phone_and_address(&book));
                for (i, t) in universe.iter().enumerate() {
                    let kind = if t.hospital { FacilityKind::Hospital } else { FacilityKind::Clinic };
                    let mine: Vec<&JoinEntry> =
                        out.entries.iter().filter(|e| e.code.parse::<usize>().ok().map(|c| c / 10) == Some(i)).collect();
                    let added: Vec<&str> = mine
                        .iter()
                        .filter(|e| e.outcome == JoinOutcome::Added)
                        .filter_map(|e| e.facility_id.as_deref())
                        .collect();
                    let expected_home = if t.in_mhlw { Some(format!("mhlw-{i}")) } else { added.first().map(|id| (*id).to_owned()) };
                    prop_assert!(added.len() <= usize::from(!t.in_mhlw), "facility {} added {:?}: {:#?}", i, added, mine);
                    for e in &mine {
                        prop_assert_eq!(e.kind.kind, kind, "{}", e.name);
                        let carried = matches!(e.outcome, JoinOutcome::Joined | JoinOutcome::Merged | JoinOutcome::Added);
                        let tracked = !e.filings.is_empty();
                        prop_assert!(carried || !tracked, "{:#?}", e);
                        if carried {
                            prop_assert_eq!(&e.facility_id, &expected_home, "{:#?}", e);
                            let home = e.facility_id.as_ref().and_then(|id| book.get(id));
                            prop_assert_eq!(home.map(|f| f.kind), Some(kind));
                        }
                    }
                }
            }
        }
    }
}
