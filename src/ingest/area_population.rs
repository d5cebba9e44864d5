//! Population per secondary medical area (二次医療圏) from the 2020 census (令和2年国勢調査, final
//! counts): `population_iryoken2_2020census_ALLJAPAN.csv` with the columns `area_code, area_name,
//! pref_code, population_2020, …, pop_65plus, pop_total_census`.

use std::path::Path;

use super::codes::{pad_code, prefecture_code};
use super::{CsvRow, CsvTable, IngestError, Parsed};

/// The population of one secondary medical area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaPopulation {
    /// 4-digit area code, e.g. "4312".
    pub area_code: String,
    /// Area name as published, e.g. "熊本・上益城".
    pub area_name: String,
    /// Total population, 2020 census.
    pub population: u64,
    /// Population aged 65 and over, 2020 census.
    pub population_65plus: u64,
}

/// Reads the area population table, keeping the areas of prefecture `pref_code` ("43").
///
/// A row with a missing area code, or a non-numeric count, is rejected naming its line and field.
/// Rows of other prefectures are counted as `other_prefecture`.
pub fn read_area_population(
    path: &Path,
    source_id: &str,
    pref_code: &str,
) -> Result<Parsed<AreaPopulation>, IngestError> {
    let pref = prefecture_code(pref_code).ok_or_else(|| IngestError::Layout {
        path: path.to_owned(),
        message: format!("prefecture code '{pref_code}' is not 01..47"),
    })?;
    let table = CsvTable::open(path)?;
    let columns = Columns {
        area_code: table.column("area_code")?,
        area_name: table.column("area_name")?,
        pref_code: table.optional_column("pref_code"),
        population: table.column_any(&["population_2020", "pop_total_census"])?,
        population_65plus: table.column("pop_65plus")?,
    };
    let file = path.file_name().map_or_else(|| path.display().to_string(), |f| f.to_string_lossy().into());
    let mut parsed = Parsed::new(source_id, &file);
    let header = table.header().to_vec();
    for row in &table.rows {
        parsed.stats.read += 1;
        match read_row(row, &columns, &header, &pref) {
            Ok(Some(record)) => parsed.accept(record),
            Ok(None) => parsed.stats.other_prefecture += 1,
            Err(bad) => parsed.drop_row(row.line, Some(&bad.field), Some(&bad.value), bad.reason),
        }
    }
    Ok(parsed)
}

struct Columns {
    area_code: usize,
    area_name: usize,
    pref_code: Option<usize>,
    population: usize,
    population_65plus: usize,
}

/// Why a row was rejected.
struct BadField {
    field: String,
    value: String,
    reason: String,
}

impl BadField {
    fn new(header: &[String], column: usize, row: &CsvRow, reason: impl Into<String>) -> Self {
        BadField {
            field: header.get(column).cloned().unwrap_or_default(),
            value: row.get(column).to_owned(),
            reason: reason.into(),
        }
    }
}

/// `Ok(None)` for a row of another prefecture.
fn read_row(
    row: &CsvRow,
    columns: &Columns,
    header: &[String],
    pref: &str,
) -> Result<Option<AreaPopulation>, BadField> {
    let area_code = pad_code(row.get(columns.area_code), 4)
        .ok_or_else(|| BadField::new(header, columns.area_code, row, "area code is not a 4-digit number"))?;
    // The prefecture column is authoritative when present; an area code's first two digits are
    // its prefecture otherwise.
    let row_pref = match columns.pref_code.map(|c| (c, row.get(c))) {
        Some((c, value)) if !value.is_empty() => prefecture_code(value)
            .ok_or_else(|| BadField::new(header, c, row, "prefecture code is not 01..47"))?,
        _ => area_code[..2].to_owned(),
    };
    if row_pref != pref {
        return Ok(None);
    }
    if !area_code.starts_with(pref) {
        return Err(BadField::new(
            header,
            columns.area_code,
            row,
            format!("area code does not start with its prefecture code {pref}"),
        ));
    }
    let area_name = row.get(columns.area_name);
    if area_name.is_empty() {
        return Err(BadField::new(header, columns.area_name, row, "area name is empty"));
    }
    let count = |column: usize| {
        row.get(column)
            .parse::<u64>()
            .map_err(|_| BadField::new(header, column, row, "count is not a non-negative integer"))
    };
    let population = count(columns.population)?;
    let population_65plus = count(columns.population_65plus)?;
    if population_65plus > population {
        return Err(BadField::new(
            header,
            columns.population_65plus,
            row,
            format!("population aged 65+ exceeds the total {population}"),
        ));
    }
    Ok(Some(AreaPopulation { area_code, area_name: area_name.to_owned(), population, population_65plus }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Disposition;

    const HEADER: &str =
        "area_code,area_name,pref_code,pref_name,population_2020,pop_65plus,pop_total_census\n";

    fn read(body: &str, pref: &str) -> Parsed<AreaPopulation> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("pop.csv");
        std::fs::write(&path, format!("{HEADER}{body}")).expect("write fixture");
        read_area_population(&path, "area_population", pref).expect("readable fixture")
    }

    mod rows {
        use super::*;

        #[test]
        fn keeps_the_prefecture_and_counts_the_others() {
            let parsed =
                read("4302,宇城,43,熊本県,102546,38000,102546\n0101,南渡島,01,北海道,359223,1,1\n", "43");
            assert_eq!(
                parsed.records,
                vec![AreaPopulation {
                    area_code: "4302".into(),
                    area_name: "宇城".into(),
                    population: 102546,
                    population_65plus: 38000,
                }]
            );
            assert_eq!((parsed.stats.read, parsed.stats.accepted, parsed.stats.other_prefecture), (2, 1, 1));
        }

        #[test]
        fn pads_codes_that_lost_their_leading_zero() {
            let parsed = read("101,南渡島,1,北海道,359223,128031,359223\n", "01");
            assert_eq!(parsed.records[0].area_code, "0101");
        }

        #[test]
        fn rejects_non_numeric_counts_with_line_and_field() {
            let parsed = read(
                "4302,宇城,43,熊本県,102546,38000,1\n4303,有明,43,熊本県,１５３８６２,1,1\n4304,鹿本,43,熊本県,49025,-,1\n",
                "43",
            );
            assert_eq!(parsed.records.len(), 1);
            let lines: Vec<(u64, Option<&str>)> =
                parsed.rejections.iter().map(|r| (r.line, r.field.as_deref())).collect();
            assert_eq!(lines, vec![(3, Some("population_2020")), (4, Some("pop_65plus"))]);
            assert!(parsed.rejections.iter().all(|r| r.disposition == Disposition::Dropped));
        }

        #[test]
        fn rejects_bad_codes_and_impossible_counts() {
            let parsed = read(
                "43A2,宇城,43,熊本県,1,0,1\n4303,,43,熊本県,1,0,1\n4304,鹿本,43,熊本県,10,11,10\n",
                "43",
            );
            assert!(parsed.records.is_empty());
            let fields: Vec<_> = parsed.rejections.iter().map(|r| r.field.as_deref()).collect();
            assert_eq!(fields, vec![Some("area_code"), Some("area_name"), Some("pop_65plus")]);
        }

        #[test]
        fn empty_file_gives_no_records() {
            let parsed = read("", "43");
            assert!(parsed.records.is_empty() && parsed.rejections.is_empty());
        }
    }

    mod file {
        use super::*;

        #[test]
        fn missing_column_is_an_error() {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("pop.csv");
            std::fs::write(&path, "area_code,area_name,population_2020\n4302,宇城,1\n").expect("write");
            let err = read_area_population(&path, "s", "43").unwrap_err().to_string();
            assert!(err.contains("pop_65plus"), "{err}");
        }

        #[test]
        fn unknown_prefecture_is_an_error() {
            let err = read_area_population(Path::new("x.csv"), "s", "99").unwrap_err().to_string();
            assert!(err.contains("99"), "{err}");
        }
    }

    mod real_data {
        use super::*;

        fn path() -> std::path::PathBuf {
            crate::test_data_dir()
                .join("02_secondary_medical_areas/population_iryoken2_2020census_ALLJAPAN.csv")
        }

        #[test]
        fn kumamoto_areas_sum_to_the_census_total() {
            let parsed = read_area_population(&path(), "area_population", "43").expect("readable");
            assert!(parsed.rejections.is_empty(), "{:?}", parsed.rejections);
            assert_eq!(parsed.records.len(), 10);
            assert_eq!(parsed.records.iter().map(|a| a.population).sum::<u64>(), 1_738_301);
            assert_eq!(parsed.stats.read, 339);
            assert_eq!(parsed.stats.other_prefecture, 329);
        }

        #[test]
        fn saitama_has_ten_areas() {
            let parsed = read_area_population(&path(), "area_population", "11").expect("readable");
            assert!(parsed.rejections.is_empty(), "{:?}", parsed.rejections);
            assert_eq!(parsed.records.len(), 10);
        }
    }
}
