//! Merging the imports of several prefectures into one registry and one report.
//!
//! Each prefecture is imported on its own ([`super::pipeline`]); national files (the 医療情報ネット
//! hospital file, the A38 table, the national boundaries) are read by every prefecture and filtered
//! to it. The merge takes every prefecture's facilities, areas, municipalities, cells and town points;
//! it keeps one of anything two prefectures both claim (a facility id, a municipality code, a 500 m
//! cell on their border) and says so, and it counts each file once: a national file's rows are read
//! once however many prefectures took some of them.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use geo::{Contains, Point};

use super::kijun_join::KijunSummary;
use super::mesh_library::MeshLibrary;
use super::pipeline::{ImportOptions, ImportOutcome, PrefectureImport};
use super::report::{ImportReport, PopulationSummary, PrefectureReport};
use super::run::{count_capabilities, summarize_kinds};
use crate::ingest::{Disposition, Rejection, SourceSpec, SourceStats};
use crate::model::{PopulationCell, all_prefecture_codes, prefecture_name};
use crate::store::{Registry, SourceRecord};

/// The label of a selection for reports and the import history: `all`, or the codes joined by `,`.
pub fn selection_label(prefectures: &[String]) -> String {
    let all: Vec<String> = all_prefecture_codes().collect();
    if prefectures == all.as_slice() { "all".to_owned() } else { prefectures.join(",") }
}

/// Merges the prefectures' imports (in prefecture order) into one outcome.
pub(super) fn merge(
    options: &ImportOptions,
    runs: Vec<PrefectureImport>,
    meshes: &MeshLibrary,
) -> ImportOutcome {
    let several = runs.len() > 1;
    let mut report =
        ImportReport { prefecture: selection_label(&options.prefectures), ..ImportReport::default() };
    let mut registry = Registry::default();
    let mut used: Vec<(String, SourceSpec)> = Vec::new();
    let mut per_run_stats: Vec<Vec<SourceStats>> = Vec::new();
    let mut per_run_rejections: Vec<Vec<Rejection>> = Vec::new();
    let mut missing: Option<BTreeSet<String>> = None;
    let mut cell_claims: Vec<CellClaim> = Vec::new();
    let mut facility_ids: HashMap<String, String> = HashMap::new();
    let mut municipality_codes: HashSet<String> = HashSet::new();
    let mut area_codes: HashSet<String> = HashSet::new();
    let mut kijun: Option<KijunSummary> = None;
    let mut population_areas = Vec::new();
    let mut present_meshes = BTreeSet::new();
    let mut coastal = 0;

    for run in runs {
        let PrefectureImport { pref, registry: part, report: part_report, used: part_used, own_boundaries } =
            run;
        let tag = |problem: &str| {
            if several {
                format!("[{pref} {}] {problem}", prefecture_name(&pref).unwrap_or_default())
            } else {
                problem.to_owned()
            }
        };
        report.prefectures.push(prefecture_report(&pref, &part, &part_report, &part_used));
        report.problems.extend(part_report.problems.iter().map(|p| tag(p)));
        let part_missing: BTreeSet<String> = part_report.missing_sources.iter().cloned().collect();
        missing = Some(match missing {
            None => part_missing,
            Some(m) => m.intersection(&part_missing).cloned().collect(),
        });
        if let Some(k) = &part_report.kijun {
            kijun = Some(add_kijun(kijun.unwrap_or_default(), k));
        }
        report.kijun_join.extend(part_report.kijun_join.iter().cloned());
        if let Some(p) = &part_report.population {
            population_areas.extend(p.areas.iter().cloned());
            present_meshes.extend(p.present_meshes.iter().copied());
            coastal += p.coastal_cells;
        }
        let mut rejections = part_report.rejections;
        for facility in part.facilities {
            if let Some(first) = facility_ids.get(facility.id.as_str()) {
                let source = facility.sources.first();
                rejections.push(Rejection {
                    source: source.map_or_else(String::new, |s| s.source.clone()),
                    file: String::new(),
                    line: source.map_or(0, |s| s.line),
                    field: Some("id".into()),
                    value: Some(facility.id.0.clone()),
                    reason: format!(
                        "facility id also listed for prefecture {first}; the first was kept (prefecture {pref} dropped)"
                    ),
                    disposition: Disposition::Dropped,
                });
                continue;
            }
            facility_ids.insert(facility.id.0.clone(), pref.clone());
            registry.facilities.push(facility);
        }
        for municipality in part.municipalities {
            if municipality_codes.insert(municipality.code.clone()) {
                registry.municipalities.push(municipality);
            } else {
                report.problems.push(tag(&format!(
                    "municipality {} is also given by another prefecture; the first was kept",
                    municipality.code
                )));
            }
        }
        for area in part.areas {
            if area_codes.insert(area.code.clone()) {
                registry.areas.push(area);
            } else {
                report.problems.push(tag(&format!(
                    "area {} is also given by another prefecture; the first was kept",
                    area.code
                )));
            }
        }
        registry.towns.extend(part.towns);
        let rank = |cell: &PopulationCell| {
            let contains = cell.municipality_code.as_deref().is_some_and(|code| {
                registry
                    .municipalities
                    .iter()
                    .find(|m| m.code == code)
                    .is_some_and(|m| m.geometry.contains(&Point::new(cell.lon, cell.lat)))
            });
            (own_boundaries, contains)
        };
        cell_claims.extend(part.cells.into_iter().map(|cell| CellClaim {
            rank: rank(&cell),
            pref: pref.clone(),
            cell,
        }));
        used.extend(part_used.iter().map(|(spec, _)| (pref.clone(), spec.clone())));
        per_run_stats.push(part_report.sources);
        per_run_rejections.push(rejections);
    }

    let (cells, contested) = settle_cells(cell_claims);
    if !contested.is_empty() {
        let shown: Vec<&str> = contested.iter().take(10).map(String::as_str).collect();
        report.problems.push(format!(
            "{} border cells were claimed by two prefectures and kept once (the prefecture with its own \
             full-resolution boundaries, then the one whose polygon contains the centre): {}{}",
            contested.len(),
            shown.join(", "),
            if contested.len() > shown.len() { ", …" } else { "" }
        ));
        recount_mesh_population(&mut registry, &cells);
    }
    registry.cells = cells;
    registry.facilities.sort_by(|a, b| a.id.cmp(&b.id));
    registry.areas.sort_by(|a, b| a.code.cmp(&b.code));
    registry.municipalities.sort_by(|a, b| a.code.cmp(&b.code));

    let (mut stats, mut rejections) = merge_counts(per_run_stats, per_run_rejections, meshes);
    for file in meshes.files() {
        let label = label_of(options, &file.file.path);
        rejections.extend(file.rejections.iter().map(|r| Rejection { file: label.clone(), ..r.clone() }));
    }
    // Rejections in source order, then by line, whichever step found them.
    let order: HashMap<String, usize> =
        stats.iter().enumerate().map(|(i, s)| (s.source.clone(), i)).collect();
    rejections.sort_by_key(|r| (order.get(&r.source).copied().unwrap_or(usize::MAX), r.line));
    stats.sort_by_key(|s| (manifest_position(options, &s.source), s.file.clone()));

    // One credit per source, in manifest order, however many files and prefectures it had, naming
    // the publishers of the prefectures that used it (the 施設基準 list of each 地方厚生局).
    let mut users: BTreeMap<String, (SourceSpec, Vec<String>)> = BTreeMap::new();
    for (pref, spec) in &used {
        let entry = users.entry(spec.id.clone()).or_insert_with(|| (spec.clone(), Vec::new()));
        if !entry.1.contains(pref) {
            entry.1.push(pref.clone());
        }
    }
    let mut specs: Vec<(SourceSpec, Vec<String>)> = users.into_values().collect();
    specs.sort_by_key(|(s, _)| manifest_position(options, &s.id));
    registry.sources = specs
        .iter()
        .map(|(spec, prefs)| SourceRecord::from_spec(&spec.for_prefectures(prefs), &stats))
        .collect();

    report.facilities_by_kind = summarize_kinds(&registry.facilities);
    report.capabilities = count_capabilities(&registry.facilities);
    report.kijun = kijun;
    report.missing_sources = missing.unwrap_or_default().into_iter().collect();
    report.missing_sources.sort_by_key(|id| manifest_position(options, id));
    if !meshes.is_empty() {
        report.population =
            Some(merged_population(&registry, meshes, population_areas, present_meshes, coastal));
    }
    report.sources = stats;
    report.rejections = rejections;
    ImportOutcome { registry, report }
}

/// A cell as one prefecture assigned it, with how strong its claim is.
struct CellClaim {
    /// (the prefecture's boundaries are its own full-resolution file, the municipality polygon
    /// contains the centre): higher wins.
    rank: (bool, bool),
    pref: String,
    cell: PopulationCell,
}

/// One cell per code: the strongest claim, ties to the lower prefecture code. Returns the cells by
/// code and the codes that were claimed more than once.
fn settle_cells(claims: Vec<CellClaim>) -> (Vec<PopulationCell>, Vec<String>) {
    let mut best: BTreeMap<String, CellClaim> = BTreeMap::new();
    let mut contested = BTreeSet::new();
    for claim in claims {
        match best.get(&claim.cell.code) {
            None => {
                best.insert(claim.cell.code.clone(), claim);
            }
            Some(held) => {
                contested.insert(claim.cell.code.clone());
                let stronger = claim.rank > held.rank || (claim.rank == held.rank && claim.pref < held.pref);
                if stronger {
                    best.insert(claim.cell.code.clone(), claim);
                }
            }
        }
    }
    (best.into_values().map(|c| c.cell).collect(), contested.into_iter().collect())
}

/// Sets every area's mesh population again from the cells it finally has (after border cells
/// claimed twice were settled).
fn recount_mesh_population(registry: &mut Registry, cells: &[PopulationCell]) {
    let mut sums: HashMap<&str, (u64, u64)> = HashMap::new();
    for cell in cells {
        if let Some(area) = cell.area_code.as_deref() {
            let entry = sums.entry(area).or_default();
            entry.0 += u64::from(cell.population);
            entry.1 += u64::from(cell.population_65plus);
        }
    }
    for area in registry.areas.iter_mut().filter(|a| a.mesh_population.is_some()) {
        let (total, age65) = sums.get(area.code.as_str()).copied().unwrap_or_default();
        area.mesh_population = Some(total);
        area.mesh_population_65plus = Some(age65);
    }
}

/// Counts per (source, file) over all prefectures: a file that several prefectures read (a
/// national file) has its rows once — read as the largest count any of them saw, accepted and
/// rejected summed over the prefectures (a row rejected by the reader itself, whatever the
/// prefecture, once), the rest other prefectures' rows. Mesh files are counted from the library.
fn merge_counts(
    per_run_stats: Vec<Vec<SourceStats>>,
    per_run_rejections: Vec<Vec<Rejection>>,
    meshes: &MeshLibrary,
) -> (Vec<SourceStats>, Vec<Rejection>) {
    let mesh_sources: HashSet<&str> = meshes.files().iter().map(|f| f.file.source_id.as_str()).collect();
    let mut by_file: BTreeMap<(String, String), Vec<SourceStats>> = BTreeMap::new();
    for stats in per_run_stats.into_iter().flatten() {
        by_file.entry((stats.source.clone(), stats.file.clone())).or_default().push(stats);
    }
    let mut merged: BTreeMap<(String, String), (SourceStats, usize)> = BTreeMap::new();
    for (key, runs) in by_file {
        let readers = runs.len();
        let mut total = runs[0].clone();
        let split: u64 = runs.iter().map(|s| s.accepted + s.rejected).sum();
        let read = runs.iter().map(|s| s.read).max().unwrap_or(0);
        if readers > 1 && !mesh_sources.contains(key.0.as_str()) && split <= read {
            // A national file: each prefecture took its own rows.
            total.read = read;
            total.accepted = runs.iter().map(|s| s.accepted).sum();
            total.rejected = runs.iter().map(|s| s.rejected).sum();
        } else if readers > 1 {
            // A file whose rows every prefecture used whole (mesh files, the neighbours' outlines).
            total.read = read;
            total.accepted = runs.iter().map(|s| s.accepted).max().unwrap_or(0);
            total.rejected = runs.iter().map(|s| s.rejected).max().unwrap_or(0);
            total.other_prefecture = runs.iter().map(|s| s.other_prefecture).min().unwrap_or(0);
        }
        merged.insert(key, (total, readers));
    }
    // A rejection that several prefectures report for the same row of the same file is one.
    let mut rejections = Vec::new();
    let mut seen: HashMap<(String, String, u64, Option<String>, String), usize> = HashMap::new();
    for rejection in per_run_rejections.into_iter().flatten() {
        let key = (
            rejection.source.clone(),
            rejection.file.clone(),
            rejection.line,
            rejection.field.clone(),
            rejection.reason.clone(),
        );
        let count = seen.entry(key).or_default();
        *count += 1;
        if *count == 1 {
            rejections.push(rejection);
        } else if rejection.disposition == Disposition::Dropped
            && let Some((total, _)) = merged.get_mut(&(rejection.source.clone(), rejection.file.clone()))
        {
            total.rejected = total.rejected.saturating_sub(1);
        }
    }
    let stats = merged
        .into_values()
        .map(|(mut total, readers)| {
            if readers > 1 && total.accepted + total.rejected + total.other_prefecture != total.read {
                total.other_prefecture = total.read.saturating_sub(total.accepted + total.rejected);
            }
            total
        })
        .collect();
    (stats, rejections)
}

fn add_kijun(mut sum: KijunSummary, part: &KijunSummary) -> KijunSummary {
    sum.add(part);
    sum
}

/// The mesh population of the whole import: the cells kept, and the cells the files hold that no
/// imported prefecture took.
fn merged_population(
    registry: &Registry,
    meshes: &MeshLibrary,
    areas: Vec<super::cells::AreaMeshPopulation>,
    present_meshes: BTreeSet<u16>,
    coastal: usize,
) -> PopulationSummary {
    let kept: HashSet<&str> = registry.cells.iter().map(|c| c.code.as_str()).collect();
    let mut left: BTreeMap<String, u64> = BTreeMap::new();
    for record in meshes.files().iter().flat_map(|f| f.records()) {
        let code = record.code.to_string();
        if !kept.contains(code.as_str()) {
            let total = u64::from(record.total.unwrap_or(0));
            let entry = left.entry(code).or_default();
            *entry = (*entry).max(total);
        }
    }
    let mut unassigned = BTreeMap::new();
    if !left.is_empty() {
        unassigned.insert("assigned to no imported prefecture".to_owned(), (left.len(), left.values().sum()));
    }
    let mut present = present_meshes;
    for file in meshes.files() {
        present.extend(file.first_order.iter().copied());
    }
    PopulationSummary {
        cells: registry.cells.len(),
        population: registry.cells.iter().map(|c| u64::from(c.population)).sum(),
        coastal_cells: coastal,
        present_meshes: present.into_iter().collect(),
        unassigned,
        areas,
    }
}

/// One prefecture's line of the report.
fn prefecture_report(
    pref: &str,
    part: &Registry,
    report: &ImportReport,
    used: &[(SourceSpec, String)],
) -> PrefectureReport {
    let mut present_sources: Vec<String> = Vec::new();
    let mut files = BTreeMap::new();
    for (spec, file) in used {
        if !present_sources.contains(&spec.id) {
            present_sources.push(spec.id.clone());
        }
        files.entry(spec.id.clone()).or_insert_with(|| file.clone());
    }
    let mut accepted_by_source = BTreeMap::new();
    for stats in &report.sources {
        *accepted_by_source.entry(stats.source.clone()).or_default() += stats.accepted;
    }
    PrefectureReport {
        code: pref.to_owned(),
        name: prefecture_name(pref).unwrap_or_default().to_owned(),
        present_sources,
        missing_sources: report.missing_sources.clone(),
        accepted_by_source,
        files,
        facilities_by_kind: summarize_kinds(&part.facilities),
        capabilities: count_capabilities(&part.facilities),
        kijun: report.kijun.clone(),
        areas: part.areas.len(),
        areas_population_complete: part.areas.iter().filter(|a| a.population_complete == Some(true)).count(),
        mesh_population: part.cells.iter().map(|c| u64::from(c.population)).sum(),
    }
}

fn manifest_position(options: &ImportOptions, id: &str) -> usize {
    options.manifest.sources.iter().position(|s| s.id == id).unwrap_or(usize::MAX)
}

fn label_of(options: &ImportOptions, path: &std::path::Path) -> String {
    path.strip_prefix(&options.data_dir).unwrap_or(path).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(code: &str, muni: &str) -> PopulationCell {
        PopulationCell {
            code: code.into(),
            lat: 33.0,
            lon: 130.5,
            population: 10,
            population_65plus: 3,
            population_75plus: 1,
            municipality_code: Some(muni.into()),
            area_code: Some(muni[..4].into()),
        }
    }

    mod labels {
        use super::*;

        #[test]
        fn all_or_the_codes() {
            assert_eq!(selection_label(&all_prefecture_codes().collect::<Vec<_>>()), "all");
            assert_eq!(selection_label(&["11".into(), "43".into()]), "11,43");
            assert_eq!(selection_label(&["43".into()]), "43");
        }
    }

    mod border_cells {
        use super::*;

        fn claim(pref: &str, rank: (bool, bool), code: &str) -> CellClaim {
            CellClaim { rank, pref: pref.into(), cell: cell(code, &format!("{pref}201")) }
        }

        #[test]
        fn one_claim_per_cell_the_strongest_wins() {
            let (cells, contested) = settle_cells(vec![
                claim("40", (false, true), "493000001"),
                claim("43", (true, true), "493000001"),
                claim("43", (true, false), "493000002"),
                claim("40", (false, true), "493000003"),
            ]);
            let owners: Vec<(&str, &str)> =
                cells.iter().map(|c| (c.code.as_str(), c.municipality_code.as_deref().unwrap())).collect();
            assert_eq!(owners, vec![("493000001", "43201"), ("493000002", "43201"), ("493000003", "40201")]);
            assert_eq!(contested, vec!["493000001"]);
        }

        #[test]
        fn equal_claims_go_to_the_lower_code_whatever_the_order() {
            let (a, _) = settle_cells(vec![claim("43", (false, true), "1"), claim("40", (false, true), "1")]);
            let (b, _) = settle_cells(vec![claim("40", (false, true), "1"), claim("43", (false, true), "1")]);
            assert_eq!(a, b);
            assert_eq!(a[0].municipality_code.as_deref(), Some("40201"));
        }

        #[test]
        fn nothing_to_settle() {
            assert_eq!(settle_cells(Vec::new()), (Vec::new(), Vec::new()));
        }
    }

    mod counts {
        use super::*;

        fn stats(
            source: &str,
            file: &str,
            read: u64,
            accepted: u64,
            rejected: u64,
            other: u64,
        ) -> SourceStats {
            SourceStats {
                source: source.into(),
                file: file.into(),
                read,
                accepted,
                rejected,
                other_prefecture: other,
            }
        }

        fn dropped(source: &str, file: &str, line: u64, reason: &str) -> Rejection {
            Rejection {
                source: source.into(),
                file: file.into(),
                line,
                field: Some("正式名称".into()),
                value: None,
                reason: reason.into(),
                disposition: Disposition::Dropped,
            }
        }

        #[test]
        fn a_national_file_counts_its_rows_once() {
            let library = MeshLibrary::default();
            // 100 rows: 40 of prefecture A (1 rejected for A), 30 of B, 1 row rejected by the reader
            // whatever the prefecture (reported by both).
            let a = vec![stats("h", "national.csv", 100, 39, 2, 59)];
            let b = vec![stats("h", "national.csv", 100, 30, 1, 69)];
            let ra = vec![
                dropped("h", "national.csv", 7, "placeholder 0,0"),
                dropped("h", "national.csv", 99, "empty name"),
            ];
            let rb = vec![dropped("h", "national.csv", 99, "empty name")];
            let (merged, rejections) = merge_counts(vec![a, b], vec![ra, rb], &library);
            assert_eq!(merged, vec![stats("h", "national.csv", 100, 69, 2, 29)]);
            assert_eq!(rejections.len(), 2, "the shared rejection once: {rejections:?}");
        }

        #[test]
        fn a_file_every_prefecture_uses_whole_counts_once() {
            let library = MeshLibrary::default();
            // The neighbours' outlines: each prefecture reads all 1,897 features and keeps the
            // 1,850 of the other prefectures.
            let runs = vec![
                vec![stats("n", "japan.geojson", 1897, 1850, 0, 47)],
                vec![stats("n", "japan.geojson", 1897, 1840, 0, 57)],
            ];
            let (merged, _) = merge_counts(runs, vec![Vec::new(), Vec::new()], &library);
            assert_eq!(merged, vec![stats("n", "japan.geojson", 1897, 1850, 0, 47)]);
        }

        #[test]
        fn own_files_keep_their_counts() {
            let library = MeshLibrary::default();
            let a = vec![stats("k", "own_43.csv", 10, 9, 1, 0)];
            let b = vec![stats("k", "own_11.csv", 5, 5, 0, 0)];
            let (merged, _) =
                merge_counts(vec![a.clone(), b.clone()], vec![Vec::new(), Vec::new()], &library);
            assert_eq!(merged, vec![b[0].clone(), a[0].clone()]);
        }
    }
}
