//! e-Stat 地域メッシュ統計 (grid-square statistics) of the 2020 census: population on the 500 m grid
//! (4th-order mesh, 2分の1地域メッシュ), table T001101 (人口及び世帯).
//!
//! Two layouts are read:
//! * the official download `tblT001101H{1st mesh}.txt/.csv`: a header of column codes (`KEY_CODE,
//!   HTKSYORI, HTKSAKI, GASSAN, T001101001, …, T001101050`), then one or more label rows with the
//!   Japanese item names and an empty `KEY_CODE`, then one row per populated cell of the whole
//!   1st-order mesh (every prefecture in it); CP932 or UTF-8;
//! * a GeoJSON conversion with one feature per cell and the properties `mesh_code, HTKSYORI,
//!   HTKSAKI, GASSAN, T001101001, T001101019, T001101022, …` (`;`-separated `GASSAN`, `null` for a
//!   suppressed value). The mesh code is authoritative; the geometry is not read.
//!
//! 秘匿処理 (suppression, for confidentiality): `HTKSYORI` 0 = published as is, 1 = 合算先 (a host
//! cell that also carries the detailed items of the cells listed in `GASSAN`, 合算元), 2 = suppressed:
//! the detailed items are `*` and counted in the cell `HTKSAKI`. In 2020 every cell still publishes
//! its own total population; see `crate::import::cells` for how groups are resolved.

use std::path::Path;
use std::sync::Arc;

use geojson::{FeatureCollection, JsonObject, JsonValue};

use super::{CsvRow, CsvTable, IngestError, Parsed, decode_text, parse_count};
use crate::spatial::mesh::MeshCode;

/// Column of the mesh code.
pub const KEY_CODE: &str = "KEY_CODE";
/// Column of the suppression flag (秘匿処理).
pub const HTKSYORI: &str = "HTKSYORI";
/// Column naming the host a suppressed cell is merged into (秘匿先 / 合算先).
pub const HTKSAKI: &str = "HTKSAKI";
/// Column listing the cells merged into a host (合算元).
pub const GASSAN: &str = "GASSAN";
/// Total population (人口総数).
pub const TOTAL: &str = "T001101001";
/// Population aged 65 and over (65歳以上人口 総数).
pub const AGE65: &str = "T001101019";
/// Population aged 75 and over (75歳以上人口 総数).
pub const AGE75: &str = "T001101022";

/// How a cell's figures are published (秘匿処理).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Suppression {
    /// `HTKSYORI` 0: every item is the cell's own.
    None,
    /// `HTKSYORI` 1, 合算先: the detailed items also count the listed cells (合算元, `GASSAN`).
    Host {
        /// The cells merged into this one, as listed in `GASSAN`.
        members: Vec<MeshCode>,
    },
    /// `HTKSYORI` 2: the detailed items are withheld and counted in `host` (`HTKSAKI`).
    Suppressed {
        /// The cell that carries this cell's detailed items.
        host: MeshCode,
    },
}

/// One cell as published, before suppression is resolved. A `None` count is a suppressed value
/// (`*` in the CSV, `null` in GeoJSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeshRecord {
    /// The 500 m cell.
    pub code: MeshCode,
    /// How the figures are published.
    pub suppression: Suppression,
    /// Total population (T001101001).
    pub total: Option<u32>,
    /// Population aged 65 and over (T001101019).
    pub age65: Option<u32>,
    /// Population aged 75 and over (T001101022).
    pub age75: Option<u32>,
    /// 1-based line in the CSV; 0 for GeoJSON.
    pub line: u64,
    /// The file the record comes from (its name), for reports about cells published twice.
    pub file: Arc<str>,
}

/// The 1st-order mesh a file of the official layout declares by its name (`tblT001101H4930.txt`,
/// `tblT001101H4930_…csv` → 4930): the file covers that whole 80 km square, so a cell missing from
/// it is unpopulated rather than unknown.
pub fn declared_first_order_mesh(path: &Path) -> Option<u16> {
    let name = path.file_name()?.to_str()?;
    let rest = &name[name.find("tblT001101H")? + "tblT001101H".len()..];
    let digits = rest.get(..4)?;
    let after = rest[4..].chars().next();
    // Exactly four digits: "H49301" would be a different (finer) declaration.
    if !digits.bytes().all(|b| b.is_ascii_digit()) || after.is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Reads the official T001101 CSV layout (by column name; CP932 or UTF-8).
///
/// Label rows (an empty or digit-free `KEY_CODE` and no numeric total) are skipped without being
/// counted; a row with a bad mesh code, an unknown `HTKSYORI`, a missing `HTKSAKI` on a suppressed
/// cell or a value that is neither a count nor `*` is rejected naming its line and field. An
/// unreadable `GASSAN` member is dropped from the list (the link that matters is the member's own
/// `HTKSAKI`) and reported as a replaced field.
pub fn read_mesh_csv(path: &Path, source_id: &str) -> Result<Parsed<MeshRecord>, IngestError> {
    let table = CsvTable::open(path)?;
    let columns = Columns {
        code: table.column(KEY_CODE)?,
        flag: table.column(HTKSYORI)?,
        host: table.column(HTKSAKI)?,
        members: table.column(GASSAN)?,
        total: table.column(TOTAL)?,
        age65: table.column(AGE65)?,
        age75: table.column(AGE75)?,
    };
    let file = file_name(path);
    let file_arc: Arc<str> = Arc::from(file.as_str());
    let mut parsed = Parsed::new(source_id, &file);
    for row in &table.rows {
        if is_label_row(row, &columns) {
            continue;
        }
        parsed.stats.read += 1;
        let fields = RawFields {
            code: Some(row.get(columns.code).to_owned()),
            flag: row.get(columns.flag).to_owned(),
            host: row.get(columns.host).to_owned(),
            members: row.get(columns.members).to_owned(),
            total: Some(Raw::Text(row.get(columns.total).to_owned())),
            age65: Some(Raw::Text(row.get(columns.age65).to_owned())),
            age75: Some(Raw::Text(row.get(columns.age75).to_owned())),
        };
        match fields.record(row.line, &file_arc) {
            Ok((record, ignored)) => {
                for (value, reason) in ignored {
                    parsed.replace_field(row.line, GASSAN, &value, reason);
                }
                parsed.accept(record);
            }
            Err(bad) => parsed.drop_row(row.line, Some(bad.field), bad.value.as_deref(), bad.reason),
        }
    }
    Ok(parsed)
}

/// Reads the GeoJSON layout: one feature per cell with the T001101 properties.
///
/// Rejections carry line 0 and name the feature index in the reason. A feature lacking one of the
/// properties `mesh_code`, `T001101001`, `T001101019`, `T001101022` is rejected (a `null` value is a
/// suppressed one, an absent key a different layout).
pub fn read_mesh_geojson(path: &Path, source_id: &str) -> Result<Parsed<MeshRecord>, IngestError> {
    let text = decode_text(path)?;
    let collection: FeatureCollection =
        serde_json::from_str(&text).map_err(|e| IngestError::json(path, &e))?;
    drop(text);
    let file = file_name(path);
    let file_arc: Arc<str> = Arc::from(file.as_str());
    let mut parsed = Parsed::new(source_id, &file);
    for (index, feature) in collection.features.into_iter().enumerate() {
        parsed.stats.read += 1;
        let properties = feature.properties.unwrap_or_default();
        let fields = RawFields {
            code: text_property(&properties, "mesh_code"),
            flag: text_property(&properties, HTKSYORI).unwrap_or_default(),
            host: text_property(&properties, HTKSAKI).unwrap_or_default(),
            members: text_property(&properties, GASSAN).unwrap_or_default(),
            total: properties.get(TOTAL).map(Raw::Json),
            age65: properties.get(AGE65).map(Raw::Json),
            age75: properties.get(AGE75).map(Raw::Json),
        };
        let code = fields.code.clone().unwrap_or_else(|| "null".into());
        match fields.record(0, &file_arc) {
            Ok((record, ignored)) => {
                for (value, reason) in ignored {
                    parsed.replace_field(0, GASSAN, &value, format!("feature {index} ({code}): {reason}"));
                }
                parsed.accept(record);
            }
            Err(bad) => {
                let reason = format!("feature {index} (mesh_code {code}): {}", bad.reason);
                parsed.drop_row(0, Some(bad.field), bad.value.as_deref(), reason);
            }
        }
    }
    Ok(parsed)
}

struct Columns {
    code: usize,
    flag: usize,
    host: usize,
    members: usize,
    total: usize,
    age65: usize,
    age75: usize,
}

/// A row repeating the item names (e-Stat puts one under the header): no code and no numeric total.
/// A row with a number in the total but no code is data with a missing code, and is rejected.
fn is_label_row(row: &CsvRow, columns: &Columns) -> bool {
    let code = row.get(columns.code);
    let codeless = code.is_empty() || !code.chars().any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c));
    let total = row.get(columns.total);
    codeless && total != "*" && parse_count(total).is_none()
}

/// A count as published: CSV text or a GeoJSON value.
enum Raw<'a> {
    Text(String),
    Json(&'a JsonValue),
}

/// The fields of one cell, from either layout, before validation.
struct RawFields<'a> {
    /// `None` when the property is absent (GeoJSON).
    code: Option<String>,
    flag: String,
    host: String,
    members: String,
    /// `None` when the property is absent (GeoJSON).
    total: Option<Raw<'a>>,
    age65: Option<Raw<'a>>,
    age75: Option<Raw<'a>>,
}

/// A rejected row: the field to blame, its value and why.
struct Bad {
    field: &'static str,
    value: Option<String>,
    reason: String,
}

impl Bad {
    fn new(field: &'static str, value: &str, reason: impl Into<String>) -> Self {
        Bad { field, value: Some(value.to_owned()), reason: reason.into() }
    }
}

/// GASSAN members that could not be read: (value, reason).
type Ignored = Vec<(String, String)>;

impl RawFields<'_> {
    fn record(self, line: u64, file: &Arc<str>) -> Result<(MeshRecord, Ignored), Bad> {
        let raw_code = self.code.ok_or_else(|| Bad {
            field: "mesh_code",
            value: None,
            reason: "no mesh_code property".into(),
        })?;
        let code_field = if line == 0 { "mesh_code" } else { KEY_CODE };
        let code: MeshCode = raw_code.parse().map_err(|e| Bad::new(code_field, &raw_code, format!("{e}")))?;
        let mut ignored = Vec::new();
        let suppression = match self.flag.trim() {
            // Some conversions leave the flag empty for ordinary cells.
            "" | "0" => Suppression::None,
            "1" => {
                let mut members = Vec::new();
                for part in self.members.split([';', ',', ' ', '　']).filter(|p| !p.trim().is_empty()) {
                    match part.parse::<MeshCode>() {
                        Ok(member) => members.push(member),
                        Err(e) => ignored.push((part.to_owned(), format!("{e}; member ignored"))),
                    }
                }
                Suppression::Host { members }
            }
            "2" => {
                let host = self.host.trim();
                let host = host.parse::<MeshCode>().map_err(|e| {
                    Bad::new(HTKSAKI, host, format!("suppressed cell (HTKSYORI 2) without a valid host: {e}"))
                })?;
                Suppression::Suppressed { host }
            }
            other => return Err(Bad::new(HTKSYORI, other, "HTKSYORI is not 0, 1 or 2")),
        };
        let total = count(TOTAL, self.total)?;
        let age65 = count(AGE65, self.age65)?;
        let age75 = count(AGE75, self.age75)?;
        let record = MeshRecord { code, suppression, total, age65, age75, line, file: Arc::clone(file) };
        Ok((record, ignored))
    }
}

/// A published count: `Some(n)`, or `None` for a suppressed value (`*`, JSON `null`).
fn count(field: &'static str, raw: Option<Raw<'_>>) -> Result<Option<u32>, Bad> {
    let not_a_count = |value: &str| Bad::new(field, value, "not a count (a whole number ≥ 0) or '*'");
    match raw {
        None => Err(Bad { field, value: None, reason: format!("no {field} property") }),
        Some(Raw::Text(text)) => match text.trim() {
            "*" => Ok(None),
            t => parse_count(t).map(Some).ok_or_else(|| not_a_count(t)),
        },
        Some(Raw::Json(value)) => match value {
            JsonValue::Null => Ok(None),
            JsonValue::Number(n) => n
                .as_u64()
                .and_then(|v| u32::try_from(v).ok())
                .map(Some)
                .ok_or_else(|| not_a_count(&n.to_string())),
            JsonValue::String(s) if s.trim() == "*" => Ok(None),
            JsonValue::String(s) => parse_count(s).map(Some).ok_or_else(|| not_a_count(s)),
            other => Err(not_a_count(&other.to_string())),
        },
    }
}

/// A property as text: strings trimmed, integers printed (codes sometimes lose their quotes);
/// `None` for absent or null.
fn text_property(properties: &JsonObject, key: &str) -> Option<String> {
    match properties.get(key)? {
        JsonValue::String(s) => Some(s.trim().to_owned()),
        JsonValue::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |f| f.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Disposition;
    use std::path::PathBuf;

    fn code(s: &str) -> MeshCode {
        s.parse().expect("valid test code")
    }

    fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write fixture");
        path
    }

    /// The official header, shortened to the columns read plus one more.
    const HEADER: &str = "KEY_CODE,HTKSYORI,HTKSAKI,GASSAN,T001101001,T001101002,T001101019,T001101022\n";
    const LABELS: &str =
        ",,,,　人口（総数）,　人口（総数）　男,　６５歳以上人口　総数,　７５歳以上人口　総数\n";

    mod csv_layout {
        use super::*;

        fn read(body: &str) -> Parsed<MeshRecord> {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = write(&dir, "tblT001101H4930.txt", format!("{HEADER}{LABELS}{body}").as_bytes());
            read_mesh_csv(&path, "population_mesh").expect("readable fixture")
        }

        #[test]
        fn reads_cells_skips_the_label_row_and_keeps_lines() {
            let parsed = read(
                "493001002,0,,,130,66,46,30\n493001003,2,493001004,,3,2,*,*\n493001004,1,,493001003,140,70,52,22\n",
            );
            assert!(parsed.rejections.is_empty(), "{:?}", parsed.rejections);
            assert_eq!((parsed.stats.read, parsed.stats.accepted, parsed.stats.rejected), (3, 3, 0));
            let r = &parsed.records;
            assert_eq!(
                (r[0].code, r[0].total, r[0].age65, r[0].age75, r[0].line),
                (code("493001002"), Some(130), Some(46), Some(30), 3)
            );
            assert_eq!(r[1].suppression, Suppression::Suppressed { host: code("493001004") });
            assert_eq!((r[1].total, r[1].age65, r[1].age75), (Some(3), None, None));
            assert_eq!(r[2].suppression, Suppression::Host { members: vec![code("493001003")] });
            assert_eq!(&*r[2].file, "tblT001101H4930.txt");
        }

        #[test]
        fn rejects_bad_codes_flags_hosts_and_values_with_line_and_field() {
            let parsed = read(concat!(
                "49300100,0,,,1,1,0,0\n",    // 8 digits
                "493001012,3,,,1,1,0,0\n",   // unknown flag
                "493001013,2,,,1,1,*,*\n",   // suppressed without host
                "493001014,0,,,12a,1,0,0\n", // non-numeric total
                "493001021,0,,,5,2,-1,0\n",  // negative 65+
                ",0,,,7,3,1,0\n",            // data without a code
                "493001022,0,,,4,2,1,0\n",   // good
            ));
            let got: Vec<(u64, Option<&str>, Option<&str>)> =
                parsed.rejections.iter().map(|r| (r.line, r.field.as_deref(), r.value.as_deref())).collect();
            assert_eq!(
                got,
                vec![
                    (3, Some("KEY_CODE"), Some("49300100")),
                    (4, Some("HTKSYORI"), Some("3")),
                    (5, Some("HTKSAKI"), Some("")),
                    (6, Some("T001101001"), Some("12a")),
                    (7, Some("T001101019"), Some("-1")),
                    (8, Some("KEY_CODE"), Some("")),
                ]
            );
            assert!(parsed.rejections.iter().all(|r| r.disposition == Disposition::Dropped));
            assert_eq!((parsed.stats.read, parsed.stats.accepted, parsed.stats.rejected), (7, 1, 6));
        }

        #[test]
        fn an_unreadable_member_is_dropped_from_the_list_and_reported() {
            let parsed = read("493001004,1,,493001003;49300X;493001001,140,70,52,22\n");
            assert_eq!(
                parsed.records[0].suppression,
                Suppression::Host { members: vec![code("493001003"), code("493001001")] }
            );
            assert_eq!(parsed.rejections.len(), 1);
            assert_eq!(parsed.rejections[0].disposition, Disposition::Replaced);
            assert_eq!(parsed.rejections[0].value.as_deref(), Some("49300X"));
        }

        #[test]
        fn cp932_file_is_decoded() {
            let text = format!("{HEADER}{LABELS}493001002,0,,,130,66,46,30\n");
            let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
            assert!(!unmappable, "the labels are CP932 characters");
            assert!(std::str::from_utf8(&bytes).is_err(), "the fixture really is CP932");
            let dir = tempfile::tempdir().expect("temp dir");
            let path = write(&dir, "tblT001101H4930.txt", &bytes);
            let parsed = read_mesh_csv(&path, "population_mesh").expect("readable");
            assert_eq!(parsed.records.len(), 1);
            assert!(parsed.rejections.is_empty());
        }

        #[test]
        fn header_only_and_label_only_files_have_no_records() {
            assert_eq!(read("").stats.read, 0);
            let parsed = read(",,,,人口,男,65,75\n");
            assert_eq!((parsed.stats.read, parsed.records.len(), parsed.rejections.len()), (0, 0, 0));
        }

        #[test]
        fn missing_column_is_a_file_error() {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = write(&dir, "m.csv", b"KEY_CODE,HTKSYORI,HTKSAKI,GASSAN,T001101001\n");
            let err = read_mesh_csv(&path, "s").unwrap_err().to_string();
            assert!(err.contains("T001101019"), "{err}");
        }
    }

    mod geojson_layout {
        use super::*;

        fn feature(props: &str) -> String {
            format!(
                r#"{{"type":"Feature","properties":{{{props}}},"geometry":{{"type":"Polygon","coordinates":[[[130.0,32.0],[130.1,32.0],[130.1,32.1],[130.0,32.0]]]}}}}"#
            )
        }

        fn read(features: &[String]) -> Parsed<MeshRecord> {
            let dir = tempfile::tempdir().expect("temp dir");
            let text = format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","));
            let path = write(&dir, "mesh.geojson", text.as_bytes());
            read_mesh_geojson(&path, "population_mesh").expect("readable fixture")
        }

        #[test]
        fn reads_cells_with_nulls_as_suppressed() {
            let parsed = read(&[
                feature(
                    r#""mesh_code":"482927981","HTKSYORI":"2","HTKSAKI":"482927984","GASSAN":"","T001101001":1,"T001101019":null,"T001101022":null"#,
                ),
                feature(
                    r#""mesh_code":482927984,"HTKSYORI":1,"HTKSAKI":"","GASSAN":"482927981;482927982","T001101001":20,"T001101019":9,"T001101022":"4""#,
                ),
            ]);
            assert!(parsed.rejections.is_empty(), "{:?}", parsed.rejections);
            let r = &parsed.records;
            assert_eq!(r[0].suppression, Suppression::Suppressed { host: code("482927984") });
            assert_eq!((r[0].total, r[0].age65, r[0].line), (Some(1), None, 0));
            assert_eq!(
                r[1].suppression,
                Suppression::Host { members: vec![code("482927981"), code("482927982")] }
            );
            assert_eq!((r[1].total, r[1].age65, r[1].age75), (Some(20), Some(9), Some(4)));
        }

        #[test]
        fn rejects_bad_features_naming_the_index() {
            let parsed = read(&[
                feature(
                    r#""mesh_code":"48292798","HTKSYORI":"0","T001101001":1,"T001101019":0,"T001101022":0"#,
                ),
                feature(r#""mesh_code":"482927981","HTKSYORI":"0","T001101019":0,"T001101022":0"#),
                feature(
                    r#""mesh_code":"482927982","HTKSYORI":"0","T001101001":1.5,"T001101019":0,"T001101022":0"#,
                ),
                feature(r#""HTKSYORI":"0","T001101001":1,"T001101019":0,"T001101022":0"#),
            ]);
            assert!(parsed.records.is_empty());
            let got: Vec<(&str, &str)> = parsed
                .rejections
                .iter()
                .map(|r| (r.field.as_deref().unwrap_or(""), r.reason.split(':').next().unwrap_or("")))
                .collect();
            assert_eq!(
                got,
                vec![
                    ("mesh_code", "feature 0 (mesh_code 48292798)"),
                    ("T001101001", "feature 1 (mesh_code 482927981)"),
                    ("T001101001", "feature 2 (mesh_code 482927982)"),
                    ("mesh_code", "feature 3 (mesh_code null)"),
                ]
            );
            assert!(parsed.rejections.iter().all(|r| r.line == 0));
        }

        #[test]
        fn empty_collection_and_broken_json() {
            assert_eq!(read(&[]).stats.read, 0);
            let dir = tempfile::tempdir().expect("temp dir");
            let path = write(&dir, "bad.geojson", b"{\"type\":\"FeatureCollection\",");
            assert!(matches!(read_mesh_geojson(&path, "s"), Err(IngestError::Truncated { .. })), "cut short");
            let path = write(&dir, "worse.geojson", b"{\"type\":\"FeatureCollection\",]");
            assert!(matches!(read_mesh_geojson(&path, "s"), Err(IngestError::Json { .. })));
        }
    }

    mod file_names {
        use super::*;

        #[test]
        fn declared_first_order_mesh_from_the_official_name() {
            let got = |n: &str| declared_first_order_mesh(Path::new(n));
            assert_eq!(got("04_population/tblT001101H4930_2020census_500m_mesh_4930.csv"), Some(4930));
            assert_eq!(got("tblT001101H5339.txt"), Some(5339));
            assert_eq!(got("tblT001101H49301.txt"), None);
            assert_eq!(got("estat_2020_500m_mesh_4930_kumamoto_part.geojson"), None);
            assert_eq!(got("tblT001101H49"), None);
        }
    }

    mod real_data {
        use super::*;

        fn dir() -> PathBuf {
            crate::test_data_dir().join("04_population")
        }

        #[test]
        fn the_4930_csv_has_11945_cells_after_its_label_row() {
            let parsed = read_mesh_csv(&dir().join("tblT001101H4930_2020census_500m_mesh_4930.csv"), "m")
                .expect("readable");
            assert!(
                parsed.rejections.is_empty(),
                "{:?}",
                &parsed.rejections[..parsed.rejections.len().min(5)]
            );
            assert_eq!(parsed.records.len(), 11_945);
            assert_eq!(parsed.stats.read, 11_945);
            assert_eq!(parsed.records[0].line, 3, "header and label row come first");
            assert!(parsed.records.iter().all(|r| r.code.first_order() == 4930 && r.total.is_some()));
        }

        #[test]
        fn the_two_geojson_files_have_11505_cells_and_1738025_people() {
            let mut cells = 0;
            let mut total = 0u64;
            for name in [
                "estat_2020_500m_mesh_4930_kumamoto_part.geojson",
                "estat_2020_500m_mesh_kumamoto_4829_4830_4831_4931.geojson",
            ] {
                let parsed = read_mesh_geojson(&dir().join(name), "m").expect("readable");
                assert!(parsed.rejections.is_empty(), "{name}: {:?}", parsed.rejections);
                cells += parsed.records.len();
                total += parsed.records.iter().map(|r| u64::from(r.total.unwrap_or(0))).sum::<u64>();
            }
            assert_eq!((cells, total), (11_505, 1_738_025));
        }
    }
}
