//! Suppression (秘匿処理) resolved: one figure per cell and nobody counted twice. In the 2020 mesh
//! every cell publishes its own total; a suppressed cell (秘匿, `HTKSYORI` 2) withholds its age
//! items, which its host (合算先) publishes as the sum over the host and its merged cells. The
//! host's figure is allocated over the group by the largest-remainder method.

use std::collections::BTreeMap;

use crate::ingest::estat_mesh::{MeshRecord, Suppression};
use crate::spatial::mesh::MeshCode;

/// The figures of one cell after suppression is resolved: every person counted exactly once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellCounts {
    /// The 500 m cell.
    pub code: MeshCode,
    /// Total population (the cell's own published figure).
    pub total: u32,
    /// Population aged 65 and over (allocated within a suppression group).
    pub age65: u32,
    /// Population aged 75 and over (allocated within a suppression group).
    pub age75: u32,
}

/// Problems grouped by kind, so that a thousand border cells give one line, not a thousand.
#[derive(Default)]
struct ProblemLog {
    kinds: BTreeMap<&'static str, Vec<String>>,
}

impl ProblemLog {
    /// Details listed per kind; the rest are counted.
    const SHOWN: usize = 10;

    fn push(&mut self, kind: &'static str, detail: String) {
        self.kinds.entry(kind).or_default().push(detail);
    }

    fn finish(self) -> Vec<String> {
        self.kinds
            .into_iter()
            .map(|(kind, details)| {
                let shown = details.iter().take(Self::SHOWN).cloned().collect::<Vec<_>>().join("; ");
                let more = details.len().saturating_sub(Self::SHOWN);
                let more = if more > 0 { format!("; … and {more} more") } else { String::new() };
                format!("{kind} ({}): {shown}{more}", details.len())
            })
            .collect()
    }
}

/// Resolves suppression (秘匿処理) over the cells of every file read, returning one [`CellCounts`]
/// per cell, sorted by code, and the problems found (one line per kind).
///
/// * A cell published by several files is kept once (the first record); differing figures are a
///   problem.
/// * Totals are each cell's own. A suppressed total (`*`, possible in other census years) counts
///   0 on the cell (its host carries it) and is a problem.
/// * Age items of a group (a host and every cell whose `HTKSAKI` chain ends at it) are the host's
///   published value, allocated over the group's cells by the largest-remainder method (ties to the
///   lower mesh code): 65+ in proportion to the cells' own totals, 75+ in proportion to the 65+
///   shares (so no cell gets more 75+ than 65+, nor more 65+ than people when the host's figures
///   are consistent); a group without people keeps everything on the host. The sums are exactly
///   the host's figures.
/// * A chain that leaves the data or loops leaves the cell's age items at 0, as a problem.
pub fn resolve_suppression(records: Vec<MeshRecord>) -> (Vec<CellCounts>, Vec<String>) {
    let mut log = ProblemLog::default();
    let cells = dedupe(records, &mut log);

    // Suppressed cell → the host at the end of its chain.
    let mut groups: BTreeMap<MeshCode, Vec<MeshCode>> = BTreeMap::new();
    for (code, record) in &cells {
        if let Suppression::Suppressed { host } = record.suppression {
            match final_host(&cells, *code, host) {
                Ok(end) => groups.entry(end).or_default().push(*code),
                Err(detail) => log.push("suppressed cells whose age items are lost (counted 0)", detail),
            }
            if record.age65.is_some() || record.age75.is_some() {
                log.push(
                    "suppressed cells publishing age items (ignored: the host's figure counts them)",
                    code.to_string(),
                );
            }
        }
    }
    check_member_lists(&cells, &groups, &mut log);

    let mut out: BTreeMap<MeshCode, CellCounts> = BTreeMap::new();
    for (code, record) in &cells {
        if record.total.is_none() {
            log.push("cells with a suppressed total (counted 0 here, in the host's total)", code.to_string());
        }
        let own = CellCounts { code: *code, total: record.total.unwrap_or(0), age65: 0, age75: 0 };
        out.insert(*code, own);
    }
    for (code, record) in &cells {
        if matches!(record.suppression, Suppression::Suppressed { .. }) {
            continue;
        }
        if record.age65.is_none() || record.age75.is_none() {
            log.push("published cells without a 65+ or 75+ figure (counted 0)", code.to_string());
        }
        let members = groups.get(code).map_or(&[][..], Vec::as_slice);
        let weights: Vec<(MeshCode, u32)> = std::iter::once(*code)
            .chain(members.iter().copied())
            .map(|c| (c, out.get(&c).map_or(0, |cell| cell.total)))
            .collect();
        let age65 = allocate(record.age65.unwrap_or(0), &weights);
        // 75+ within 65+: by the 65+ shares (themselves by totals), which equals sharing by totals
        // up to rounding but never gives a cell more people aged 75+ than aged 65+.
        let within65: Vec<(MeshCode, u32)> =
            weights.iter().map(|(c, _)| *c).zip(age65.iter().copied()).collect();
        let age75 = allocate(record.age75.unwrap_or(0), &within65);
        for (((cell, _), a65), a75) in weights.iter().zip(age65).zip(age75) {
            if let Some(counts) = out.get_mut(cell) {
                counts.age65 = a65;
                counts.age75 = a75;
            }
        }
    }
    (out.into_values().collect(), log.finish())
}

/// One record per cell: the first; a later one with other figures is a problem.
fn dedupe(records: Vec<MeshRecord>, log: &mut ProblemLog) -> BTreeMap<MeshCode, MeshRecord> {
    let mut cells: BTreeMap<MeshCode, MeshRecord> = BTreeMap::new();
    for record in records {
        match cells.entry(record.code) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(record);
            }
            std::collections::btree_map::Entry::Occupied(first) => {
                let first = first.get();
                let figures = |r: &MeshRecord| (r.suppression.clone(), r.total, r.age65, r.age75);
                if figures(first) != figures(&record) {
                    log.push(
                        "cells published twice with different figures (the first is kept)",
                        format!(
                            "{}: {} {} / {} {}",
                            record.code,
                            place(first),
                            describe(first),
                            place(&record),
                            describe(&record)
                        ),
                    );
                }
            }
        }
    }
    cells
}

fn place(record: &MeshRecord) -> String {
    if record.line == 0 { record.file.to_string() } else { format!("{}:{}", record.file, record.line) }
}

fn describe(record: &MeshRecord) -> String {
    let n = |v: Option<u32>| v.map_or_else(|| "*".to_owned(), |v| v.to_string());
    let flag = match &record.suppression {
        Suppression::None => "0".to_owned(),
        Suppression::Host { .. } => "1".to_owned(),
        Suppression::Suppressed { host } => format!("2→{host}"),
    };
    format!("[{flag} total {} 65+ {} 75+ {}]", n(record.total), n(record.age65), n(record.age75))
}

/// The cell at the end of a suppressed cell's `HTKSAKI` chain: the first cell that is not itself
/// suppressed. Errors name the cell and why its chain ends nowhere.
fn final_host(
    cells: &BTreeMap<MeshCode, MeshRecord>,
    start: MeshCode,
    first: MeshCode,
) -> Result<MeshCode, String> {
    let mut seen = vec![start];
    let mut current = first;
    loop {
        let Some(record) = cells.get(&current) else {
            let via = if current == first { String::new() } else { format!(" via {first}") };
            return Err(format!("{start}: host {current}{via} is not in the data"));
        };
        let Suppression::Suppressed { host } = record.suppression else {
            return Ok(current);
        };
        if seen.contains(&current) {
            return Err(format!("{start}: HTKSAKI chain loops at {current}"));
        }
        seen.push(current);
        current = host;
    }
}

/// Compares each host's `GASSAN` list with the cells that point to it.
fn check_member_lists(
    cells: &BTreeMap<MeshCode, MeshRecord>,
    groups: &BTreeMap<MeshCode, Vec<MeshCode>>,
    log: &mut ProblemLog,
) {
    for (code, record) in cells {
        match &record.suppression {
            Suppression::Host { members } => {
                for member in members {
                    match cells.get(member).map(|r| &r.suppression) {
                        None => log.push(
                            "merged cells (GASSAN) not in the data: their age items stay with the cells present",
                            format!("{member} of host {code}"),
                        ),
                        Some(Suppression::Suppressed { host }) if host == code => {}
                        Some(_) => log.push(
                            "merged cells (GASSAN) that do not point back to their host (HTKSAKI)",
                            format!("{member} of host {code}"),
                        ),
                    }
                }
            }
            Suppression::None if groups.contains_key(code) => log.push(
                "hosts not marked as 合算先 (HTKSYORI 0) although cells are merged into them (used as hosts)",
                code.to_string(),
            ),
            _ => {}
        }
    }
}

/// Splits `value` over `weights` (the first entry is the host) by the largest-remainder method:
/// each gets the floor of its exact share, then the units left go to the largest remainders, ties
/// to the lower mesh code. The shares sum to `value`; with all weights 0 the host keeps it all.
fn allocate(value: u32, weights: &[(MeshCode, u32)]) -> Vec<u32> {
    let mut shares = vec![0u32; weights.len()];
    let total: u64 = weights.iter().map(|(_, w)| u64::from(*w)).sum();
    if weights.is_empty() {
        return shares;
    }
    if total == 0 {
        shares[0] = value;
        return shares;
    }
    let value64 = u64::from(value);
    let mut given = 0u64;
    let mut remainders = Vec::with_capacity(weights.len());
    for (i, (code, weight)) in weights.iter().enumerate() {
        let exact = value64 * u64::from(*weight);
        // The floor of a share never exceeds `value`, so it fits in u32.
        let share = u32::try_from(exact / total).expect("a share is at most the value shared");
        shares[i] = share;
        given += u64::from(share);
        remainders.push((exact % total, *code, i));
    }
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let left = usize::try_from(value64 - given).unwrap_or(usize::MAX);
    for &(_, _, i) in remainders.iter().take(left) {
        shares[i] += 1;
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use std::sync::Arc;

    mod allocation {
        use super::*;
        use proptest::prelude::*;

        #[test]
        fn largest_remainder_with_ties_to_the_lower_code() {
            let w = |pairs: &[(&str, u32)]| pairs.iter().map(|(c, w)| (code(c), *w)).collect::<Vec<_>>();
            // 10 over 1:1:1 → 3.33 each; the one unit left goes to the lowest code.
            assert_eq!(
                allocate(10, &w(&[("493001004", 5), ("493001001", 5), ("493001003", 5)])),
                vec![3, 4, 3]
            );
            // 7 over 2:1 → 4.67, 2.33 → 5, 2.
            assert_eq!(allocate(7, &w(&[("493001004", 2), ("493001001", 1)])), vec![5, 2]);
            assert_eq!(
                allocate(9, &w(&[("493001004", 0), ("493001001", 0)])),
                vec![9, 0],
                "no people: host keeps"
            );
            assert_eq!(allocate(0, &w(&[("493001004", 3)])), vec![0]);
            assert!(allocate(5, &[]).is_empty());
        }

        proptest! {
            #[test]
            fn shares_sum_to_the_value_and_stay_within_one_of_the_exact_share(
                value in 0u32..100_000,
                weights in proptest::collection::vec(0u32..5_000, 1..8),
            ) {
                let codes = ["493001001", "493001002", "493001003", "493001004", "493001011", "493001012", "493001013", "493001014"];
                let weights: Vec<(MeshCode, u32)> = weights.iter().zip(codes).map(|(w, c)| (code(c), *w)).collect();
                let shares = allocate(value, &weights);
                prop_assert_eq!(shares.iter().map(|s| u64::from(*s)).sum::<u64>(), u64::from(value));
                let total: u64 = weights.iter().map(|(_, w)| u64::from(*w)).sum();
                if total > 0 {
                    for (share, (_, w)) in shares.iter().zip(&weights) {
                        let exact = f64::from(value) * f64::from(*w) / total as f64;
                        prop_assert!((f64::from(*share) - exact).abs() < 1.0 + 1e-9);
                    }
                }
            }
        }
    }

    mod suppression {
        use super::*;

        #[test]
        fn host_and_two_members_share_the_hosts_figure_by_total() {
            // Host total 6, members 3 and 1; the host publishes 65+ 20 and 75+ 9 for all three.
            let (cells, problems) = resolve_suppression(vec![
                suppressed("493001003", "493001004", 3),
                host("493001004", &["493001003", "493001001"], 6, 20, 9),
                suppressed("493001001", "493001004", 1),
                published("493001002", 130, 46, 30),
            ]);
            assert!(problems.is_empty(), "{problems:?}");
            let got = by_code(&cells);
            // 65+: 20 × 6/10 = 12, × 3/10 = 6, × 1/10 = 2; 75+ by those: 9 × 12/20 = 5.4, 2.7, 0.9
            // → 5, 3, 1 (remainders .9 and .7 win the unit left).
            assert_eq!(got["493001004"], (6, 12, 5));
            assert_eq!(got["493001003"], (3, 6, 3));
            assert_eq!(got["493001001"], (1, 2, 1));
            assert_eq!(got["493001002"], (130, 46, 30));
            let sum = |f: fn(&CellCounts) -> u32| cells.iter().map(f).sum::<u32>();
            assert_eq!((sum(|c| c.total), sum(|c| c.age65), sum(|c| c.age75)), (140, 66, 39), "conservation");
        }

        #[test]
        fn a_group_without_people_keeps_everything_on_the_host() {
            let (cells, problems) = resolve_suppression(vec![
                host("493001004", &["493001003"], 0, 2, 1),
                suppressed("493001003", "493001004", 0),
            ]);
            assert!(problems.is_empty(), "{problems:?}");
            let got = by_code(&cells);
            assert_eq!((got["493001004"], got["493001003"]), ((0, 2, 1), (0, 0, 0)));
        }

        #[test]
        fn a_chain_ends_at_the_first_cell_that_is_not_suppressed() {
            let (cells, problems) = resolve_suppression(vec![
                suppressed("493001001", "493001002", 2),
                suppressed("493001002", "493001003", 2),
                host("493001003", &["493001002"], 4, 8, 4),
            ]);
            // 001 is listed by nobody but points into the chain: fine, but 002 lists nothing.
            assert!(problems.is_empty(), "{problems:?}");
            let got = by_code(&cells);
            assert_eq!(got["493001003"], (4, 4, 2));
            assert_eq!(got["493001002"], (2, 2, 1));
            assert_eq!(got["493001001"], (2, 2, 1));
        }

        #[test]
        fn a_missing_host_or_a_loop_leaves_age_items_at_zero_and_is_reported() {
            let (cells, problems) = resolve_suppression(vec![
                suppressed("493001001", "493007774", 5),
                suppressed("493001011", "493001012", 1),
                suppressed("493001012", "493001011", 1),
                published("493001002", 10, 3, 1),
            ]);
            let got = by_code(&cells);
            assert_eq!(got["493001001"], (5, 0, 0), "total kept, age items lost");
            assert_eq!((got["493001011"], got["493001012"]), ((1, 0, 0), (1, 0, 0)));
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert!(problems[0].contains("(3)") && problems[0].contains("493007774 is not in the data"));
            assert!(problems[0].contains("loops"), "{}", problems[0]);
        }

        #[test]
        fn duplicates_across_files_are_kept_once_and_disagreements_reported() {
            let mut again = published("493001002", 130, 46, 30);
            again.file = Arc::from("b.geojson");
            again.line = 0;
            let mut other = published("493001011", 37, 14, 7);
            other.file = Arc::from("b.geojson");
            other.line = 0;
            let (cells, problems) = resolve_suppression(vec![
                published("493001002", 130, 46, 30),
                published("493001011", 37, 14, 6),
                again,
                other,
            ]);
            assert_eq!(by_code(&cells).len(), 2);
            assert_eq!(by_code(&cells)["493001011"], (37, 14, 6), "the first is kept");
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert!(
                problems[0].contains("t.csv:2")
                    && problems[0].contains("b.geojson [0 total 37 65+ 14 75+ 7]")
            );
        }

        #[test]
        fn a_suppressed_total_counts_zero_and_is_reported() {
            let (cells, problems) = resolve_suppression(vec![
                record("493001003", Suppression::Suppressed { host: code("493001004") }, None, None, None),
                host("493001004", &["493001003"], 9, 4, 2),
            ]);
            let got = by_code(&cells);
            assert_eq!((got["493001003"], got["493001004"]), ((0, 0, 0), (9, 4, 2)));
            assert!(problems.iter().any(|p| p.contains("suppressed total")), "{problems:?}");
        }

        #[test]
        fn inconsistent_member_lists_are_reported() {
            let (_, problems) = resolve_suppression(vec![
                host("493001004", &["493001003", "493001001"], 6, 2, 1),
                published("493001003", 3, 1, 0),
                suppressed("493001011", "493001012", 1),
                published("493001012", 3, 1, 0),
            ]);
            let text = problems.join("\n");
            assert!(
                text.contains("493001001 of host 493001004") && text.contains("not in the data"),
                "{text}"
            );
            assert!(
                text.contains("493001003 of host 493001004") && text.contains("do not point back"),
                "{text}"
            );
            assert!(text.contains("not marked as 合算先") && text.contains("493001012"), "{text}");
        }

        #[test]
        fn empty_input() {
            assert_eq!(resolve_suppression(Vec::new()), (Vec::new(), Vec::new()));
        }
    }
}
