//! The human summary printed at the end of an import.

use std::fmt::Write as _;

use super::ImportReport;

/// The end-of-import summary: rows read, accepted and rejected per source, facilities by kind and
/// precision, capabilities, the 施設基準 join.
pub fn summary_text(report: &ImportReport) -> String {
    let mut out = String::new();
    let (read, accepted, rejected) = report.totals();
    let replaced =
        report.rejections.iter().filter(|r| r.disposition == crate::ingest::Disposition::Replaced).count();
    match report.prefectures.len() {
        0 | 1 => {
            let _ = writeln!(out, "Import of prefecture {}", report.prefecture);
        }
        n => {
            let _ = writeln!(out, "Import of {n} prefectures ({}) into one registry", report.prefecture);
        }
    }
    let _ = writeln!(
        out,
        "{:<26} {:>8} {:>9} {:>9} {:>12}  file",
        "source", "read", "accepted", "rejected", "other pref."
    );
    for s in &report.sources {
        let _ = writeln!(
            out,
            "{:<26} {:>8} {:>9} {:>9} {:>12}  {}",
            s.source, s.read, s.accepted, s.rejected, s.other_prefecture, s.file
        );
    }
    let _ = writeln!(
        out,
        "{:<26} {read:>8} {accepted:>9} {rejected:>9}   ({replaced} rows kept with a replaced field)",
        "total"
    );
    if !report.missing_sources.is_empty() {
        let _ = writeln!(out, "optional sources without a file: {}", report.missing_sources.join(", "));
    }
    if report.prefectures.len() > 1 {
        write_prefecture_table(&mut out, report);
    }
    let _ =
        writeln!(out, "\n{:<16} {:>7} {:>7} {:>7} {:>13}", "kind", "total", "exact", "town", "municipality");
    for (kind, s) in &report.facilities_by_kind {
        let _ =
            writeln!(out, "{kind:<16} {:>7} {:>7} {:>7} {:>13}", s.total, s.exact, s.town, s.municipality);
    }
    let _ = writeln!(out, "\ncapabilities:");
    for (capability, n) in &report.capabilities {
        let _ = writeln!(out, "  {capability:<26} {n:>6}");
    }
    if let Some(k) = &report.kijun {
        let rate =
            |part: usize, whole: usize| if whole == 0 { 0.0 } else { 100.0 * part as f64 / whole as f64 };
        let _ = writeln!(
            out,
            "\n施設基準 join: {} of {} facilities matched to 医療情報ネット ({:.1} %); with a tracked filing {} of {} ({:.1} %); {} merged into a facility already listed, {} added from the address; {} skipped (no tracked filing, no match), {} dropped",
            k.matched,
            k.facilities,
            rate(k.matched, k.facilities),
            k.matched_with_capabilities,
            k.with_capabilities,
            rate(k.matched_with_capabilities, k.with_capabilities),
            k.merged,
            k.added,
            k.skipped_without_capability,
            k.dropped
        );
        let kinds: Vec<String> = k.kinds.iter().map(|(kind, n)| format!("{kind} {n}")).collect();
        let _ = writeln!(
            out,
            "  kinds: {}; {} kept off a match of the other kind, {} with conflicting kind evidence",
            kinds.join(", "),
            k.kind_refusals,
            k.kind_conflicts
        );
        if !k.merged_by_evidence.is_empty() {
            let merged: Vec<String> = k.merged_by_evidence.iter().map(|(e, n)| format!("{e} {n}")).collect();
            let _ = writeln!(out, "  merged by: {}", merged.join(", "));
        }
    }
    if let Some(p) = &report.population {
        let meshes: Vec<String> = p.present_meshes.iter().map(u16::to_string).collect();
        let _ = writeln!(
            out,
            "\n500 m mesh population: {} cells, {} people ({} cells by the 1 km coastal rule); 1st-order meshes present: {}",
            p.cells,
            p.population,
            p.coastal_cells,
            meshes.join(", ")
        );
        for (reason, (cells, people)) in &p.unassigned {
            let _ = writeln!(out, "  not the prefecture's: {cells} cells, {people} people ({reason})");
        }
        let _ = writeln!(
            out,
            "  {:<6} {:>7} {:>10} {:>10} {:>8} {:>9}  complete",
            "area", "cells", "mesh", "census", "diff", "65+"
        );
        for a in &p.areas {
            let diff = a
                .census_population
                .map_or(String::from("-"), |c| format!("{:+}", a.population as i64 - c as i64));
            let _ = writeln!(
                out,
                "  {:<6} {:>7} {:>10} {:>10} {:>8} {:>9}  {}{}",
                a.area_code,
                a.cells,
                a.population,
                a.census_population.map_or(String::from("-"), |c| c.to_string()),
                diff,
                a.population_65plus,
                if a.complete { "yes" } else { "NO" },
                if a.missing_meshes.is_empty() {
                    String::new()
                } else {
                    format!(" (missing 1st-order meshes {:?})", a.missing_meshes)
                }
            );
        }
    }
    for problem in &report.problems {
        let _ = writeln!(out, "problem: {problem}");
    }
    out
}

/// One line per prefecture: areas (with a complete mesh population), facilities by kind, mesh
/// population and how many sources had a file for it (which ones: `prefectures` in the JSON summary).
fn write_prefecture_table(out: &mut String, report: &ImportReport) {
    const KINDS: [&str; 7] =
        ["hospital", "clinic", "dental", "pharmacy", "visiting_nurse", "salon", "peer_support"];
    let _ = writeln!(
        out,
        "\n{:<13} {:>5} {:>8} {:>8} {:>7} {:>7} {:>8} {:>6} {:>6} {:>5} {:>12}  sources",
        "prefecture",
        "areas",
        "complete",
        "hospital",
        "clinic",
        "dental",
        "pharmacy",
        "nurse",
        "salon",
        "peer",
        "mesh pop."
    );
    for p in &report.prefectures {
        let n = |kind: &str| p.facilities_by_kind.get(kind).map_or(0, |k| k.total);
        let counts = KINDS.map(n);
        let _ = writeln!(
            out,
            "{:<13} {:>5} {:>8} {:>8} {:>7} {:>7} {:>8} {:>6} {:>6} {:>5} {:>12}  {} of {}",
            format!("{} {}", p.code, p.name),
            p.areas,
            p.areas_population_complete,
            counts[0],
            counts[1],
            counts[2],
            counts[3],
            counts[4],
            counts[5],
            counts[6],
            p.mesh_population,
            p.present_sources.len(),
            p.present_sources.len() + p.missing_sources.len()
        );
    }
}
