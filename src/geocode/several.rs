//! One address over the gazetteers of several prefectures (a registry of many prefectures keeps one
//! gazetteer per prefecture): the prefecture an address names decides, else the best match of all.

use std::collections::VecDeque;

use super::gazetteer::{Gazetteer, GeocodeMatch};
use super::normalize::{match_key, normalize_address, split_prefecture};
use crate::model::LocationPrecision;

/// The prefecture an address starts with (`熊本県…` → `熊本県`), if it names one.
pub fn named_prefecture(address: &str) -> Option<&'static str> {
    split_prefecture(&match_key(&normalize_address(address))).map(|(name, _)| name)
}

/// Where an address is, over some gazetteers (those of the prefecture it names, or every one): the
/// best match. When two prefectures match equally well (a municipality name both have, e.g. 美里町
/// in 熊本県 and 宮城県, and no town to tell them apart) there is no answer: the address must name
/// its prefecture.
pub fn best_match(gazetteers: &[&Gazetteer], address: &str) -> Option<GeocodeMatch> {
    let mut found: Vec<GeocodeMatch> = gazetteers.iter().filter_map(|g| g.geocode(address)).collect();
    found.sort_by(|a, b| b.score.total_cmp(&a.score));
    match found.as_slice() {
        [best, second, ..] if second.score == best.score => None,
        _ => found.into_iter().next(),
    }
}

/// Places whose name starts with what was typed, or that a whole address resolves to, over some
/// gazetteers; best first, at most `limit`.
pub fn candidates(gazetteers: &[&Gazetteer], query: &str, limit: usize) -> Vec<GeocodeMatch> {
    let lists: Vec<Vec<GeocodeMatch>> =
        gazetteers.iter().map(|g| candidates_of(g, query, limit)).filter(|l| !l.is_empty()).collect();
    merge_by_score(lists, limit)
}

/// One gazetteer's candidates for a query: the names it starts, led by the town a whole address
/// resolves to (a koaza point may be finer than any name it starts); a municipality-only answer is
/// a last resort.
fn candidates_of(gazetteer: &Gazetteer, query: &str, limit: usize) -> Vec<GeocodeMatch> {
    let mut found = gazetteer.candidates(query, limit);
    if let Some(best) = gazetteer.geocode(query)
        && !found.iter().any(|c| c.lat == best.lat && c.lon == best.lon)
        && limit > 0
    {
        if best.precision == LocationPrecision::Town {
            found.insert(0, best);
            found.truncate(limit);
        } else if found.is_empty() {
            found.push(best);
        }
    }
    found
}

/// Merges lists of candidates (each in its own order, one per prefecture) into one of at most
/// `limit`: repeatedly the head with the highest score (the first list on ties), so a single list
/// keeps its order exactly.
fn merge_by_score(lists: Vec<Vec<GeocodeMatch>>, limit: usize) -> Vec<GeocodeMatch> {
    let mut lists: Vec<VecDeque<GeocodeMatch>> = lists.into_iter().map(Into::into).collect();
    let mut merged = Vec::new();
    while merged.len() < limit {
        let next = lists
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.front().map(|c| (i, c.score)))
            .reduce(|best, other| if other.1 > best.1 { other } else { best });
        let Some((i, _)) = next else { break };
        merged.extend(lists[i].pop_front());
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_named_prefecture_is_read_whatever_the_writing() {
        assert_eq!(named_prefecture("福岡県大牟田市有明町2丁目3"), Some("福岡県"));
        assert_eq!(named_prefecture("　熊本県　熊本市"), Some("熊本県"));
        assert_eq!(named_prefecture("大牟田市有明町"), None);
        assert_eq!(named_prefecture(""), None);
    }

    #[test]
    fn merging_keeps_each_list_in_order() {
        let m = |code: &str, score: f64| GeocodeMatch {
            lat: 0.0,
            lon: 0.0,
            precision: LocationPrecision::Town,
            municipality_code: code.into(),
            municipality_name: String::new(),
            town: None,
            koaza: None,
            normalized: String::new(),
            score,
        };
        // A list led by a whole-address match scoring below the names after it stays as it is.
        let single = vec![m("a", 0.9), m("b", 1.0), m("c", 0.5)];
        assert_eq!(merge_by_score(vec![single.clone()], 5), single);
        let merged = merge_by_score(vec![vec![m("a", 0.9), m("c", 0.5)], vec![m("x", 0.95), m("y", 0.6)]], 3);
        let codes: Vec<&str> = merged.iter().map(|c| c.municipality_code.as_str()).collect();
        assert_eq!(codes, ["x", "a", "y"]);
        assert!(merge_by_score(vec![], 3).is_empty());
    }
}
