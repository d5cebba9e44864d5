//! 国土数値情報 (KSJ, National Land Numerical Information of MLIT): municipality boundaries from
//! 行政区域 N03 (administrative areas), membership of secondary medical areas (二次医療圏) from
//! 医療圏 A38 (medical areas). The areas are built from both by the import
//! ([`crate::import`]).
//!
//! N03 GeoJSON comes in three layouts, all read by [`read_n03`]:
//! * the official per-prefecture file: properties `N03_001` (prefecture), `N03_002` (支庁・振興局,
//!   Hokkaido subprefecture), `N03_003` (郡 or 政令市, county or designated city), `N03_004`
//!   (市区町村, municipality or ward), `N03_007` (code), one feature per polygon part;
//! * the national simplified file with the same properties, filtered to one prefecture;
//! * a per-prefecture file with one MultiPolygon per municipality and properties `N03_007` and
//!   `name` (the full name, prefecture included: `熊本県熊本市中央区`).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use geo::orient::Direction;
use geo::{Coord, LineString, MultiPolygon, Orient, Polygon};
use geojson::{FeatureCollection, GeometryValue, JsonObject, JsonValue};

use super::codes::{pad_code, prefecture_code, prefecture_code_of_name, prefecture_name};
use super::{CsvRow, CsvTable, IngestError, Parsed, decode_text};

/// The boundary of one municipality or ward (市区町村), as read from N03.
#[derive(Debug, Clone, PartialEq)]
pub struct MunicipalityBoundary {
    /// 5-digit 全国地方公共団体コード (local government code) without the check digit, e.g. "43101".
    pub code: String,
    /// Name without the prefecture, e.g. "熊本市中央区", "阿蘇郡高森町".
    pub name: String,
    /// All polygon parts of the municipality (JGD2011 lon/lat), exteriors counter-clockwise and
    /// holes clockwise.
    pub geometry: MultiPolygon<f64>,
}

/// One row of the A38 membership table: which secondary medical area a municipality belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaMembership {
    /// 5-digit municipality code, e.g. "43101".
    pub muni_code: String,
    /// Municipality name as published, e.g. "熊本市中央区".
    pub muni_name: String,
    /// 4-digit area code, e.g. "4312".
    pub area_code: String,
    /// Area name, e.g. "熊本・上益城".
    pub area_name: String,
}

/// Reads N03 municipality boundaries of prefecture `pref_code` ("43") from any of the three
/// layouts described in the [module documentation](self).
///
/// Polygon parts are grouped by `N03_007` into one MultiPolygon per municipality, so
/// `records.len()` can be smaller than `stats.accepted` (which counts features). Features of other
/// prefectures count as `other_prefecture`; a feature without a code (所属未定地/境界未定地,
/// undetermined boundary) or with an invalid geometry is rejected with its reason. GeoJSON has no
/// useful line numbers, so rejections carry line 0 and name the feature index in the reason.
pub fn read_n03(
    path: &Path,
    source_id: &str,
    pref_code: &str,
) -> Result<Parsed<MunicipalityBoundary>, IngestError> {
    let pref = checked_prefecture(path, pref_code)?;
    let pref_name = prefecture_name(&pref).expect("checked_prefecture returns a known code");
    read_n03_with(path, source_id, |properties| n03_identity(properties, &pref, pref_name))
}

/// Reads the N03 municipality boundaries of every prefecture except `pref_code`, in one pass over a
/// national file: the neighbours of a prefecture, e.g. to tell a coastal 500 m cell from a cell
/// across a land border. Features of `pref_code` count as `other_prefecture`, and so do features
/// without a code (所属未定地, which belong to no municipality); other problems are rejections as in
/// [`read_n03`].
pub fn read_n03_other_prefectures(
    path: &Path,
    source_id: &str,
    pref_code: &str,
) -> Result<Parsed<MunicipalityBoundary>, IngestError> {
    let own = checked_prefecture(path, pref_code)?;
    read_n03_with(path, source_id, |properties| {
        let Some(feature_pref) = properties
            .get("N03_007")
            .and_then(text_property)
            .and_then(|code| pad_code(&code, 5))
            .and_then(|code| prefecture_code(&code[..2]))
        else {
            return Ok(None);
        };
        if feature_pref == own {
            return Ok(None);
        }
        let name = prefecture_name(&feature_pref).expect("prefecture_code returns a known code");
        n03_identity(properties, &feature_pref, name)
    })
}

/// The N03 reader behind [`read_n03`] and [`read_n03_other_prefectures`]: `identity` gives a
/// feature's (code, name), `Ok(None)` to skip it as another prefecture's.
fn read_n03_with(
    path: &Path,
    source_id: &str,
    identity: impl Fn(&JsonObject) -> Result<Option<(String, String)>, Bad>,
) -> Result<Parsed<MunicipalityBoundary>, IngestError> {
    let text = decode_text(path)?;
    let collection: FeatureCollection =
        serde_json::from_str(&text).map_err(|e| IngestError::json(path, &e))?;
    drop(text);

    let mut parsed = Parsed::new(source_id, &file_name(path));
    let mut groups: BTreeMap<String, (String, Vec<Polygon<f64>>)> = BTreeMap::new();
    for (index, feature) in collection.features.into_iter().enumerate() {
        parsed.stats.read += 1;
        let properties = feature.properties.unwrap_or_default();
        let part = match identity(&properties) {
            Ok(Some(identity)) => feature
                .geometry
                .ok_or_else(|| Bad::new("geometry", None, "feature has no geometry"))
                .and_then(|g| polygons(&g.value))
                .map(|polygons| (identity, polygons)),
            Ok(None) => {
                parsed.stats.other_prefecture += 1;
                continue;
            }
            Err(bad) => Err(bad),
        };
        match part {
            Ok(((code, name), polygons)) => {
                let (group_name, parts) =
                    groups.entry(code.clone()).or_insert_with(|| (name.clone(), Vec::new()));
                if *group_name != name {
                    let reason = format!(
                        "feature {index}: N03_007 {code} is named '{group_name}' by an earlier feature, '{name}' here"
                    );
                    parsed.drop_row(0, Some("N03_007"), Some(&code), reason);
                    continue;
                }
                parts.extend(polygons);
                parsed.stats.accepted += 1;
            }
            Err(bad) => {
                let code = properties.get("N03_007").and_then(text_property).unwrap_or_else(|| "null".into());
                let reason = format!("feature {index} (N03_007 {code}): {}", bad.reason);
                parsed.drop_row(0, Some(bad.field), bad.value.as_deref(), reason);
            }
        }
    }
    parsed.records = groups
        .into_iter()
        .map(|(code, (name, parts))| MunicipalityBoundary { code, name, geometry: MultiPolygon::new(parts) })
        .collect();
    Ok(parsed)
}

/// A rejected feature or row: the field to blame, its value and why.
struct Bad {
    field: &'static str,
    value: Option<String>,
    reason: String,
}

impl Bad {
    fn new(field: &'static str, value: Option<&str>, reason: impl Into<String>) -> Self {
        Bad { field, value: value.map(str::to_owned), reason: reason.into() }
    }
}

/// The code and name of a feature of prefecture `pref`; `Ok(None)` for another prefecture.
fn n03_identity(
    properties: &JsonObject,
    pref: &str,
    pref_name: &str,
) -> Result<Option<(String, String)>, Bad> {
    let get = |key: &str| properties.get(key).and_then(text_property);
    let stated_pref_name = get("N03_001");
    let stated_pref = stated_pref_name.as_deref().and_then(prefecture_code_of_name);
    let raw_code = get("N03_007");
    let Some(raw_code) = raw_code else {
        // Without a code the prefecture can only come from its name; a codeless feature elsewhere
        // is someone else's concern.
        let full_name = get("name");
        let named_pref = stated_pref.or_else(|| full_name.as_deref().and_then(prefecture_prefix));
        if named_pref.as_deref().is_some_and(|p| p != pref) {
            return Ok(None);
        }
        let what = get("N03_004").or(full_name);
        return Err(Bad::new(
            "N03_007",
            what.as_deref(),
            "no 行政区域コード (N03_007 is null: 所属未定地/境界未定地, an area of undetermined boundary)",
        ));
    };
    let code = pad_code(&raw_code, 5)
        .ok_or_else(|| Bad::new("N03_007", Some(&raw_code), "N03_007 is not a 5-digit municipality code"))?;
    let code_pref = &code[..2];
    if let Some(stated) = &stated_pref
        && stated != code_pref
        && (stated == pref || code_pref == pref)
    {
        return Err(Bad::new(
            "N03_001",
            stated_pref_name.as_deref(),
            format!("prefecture name does not match code {code}"),
        ));
    }
    if code_pref != pref {
        return Ok(None);
    }

    let official = ["N03_003", "N03_004", "N03_005"];
    let name = if official.iter().any(|k| properties.contains_key(*k)) {
        // 政令市 wards are N03_003 "熊本市" + N03_004 "中央区"; newer editions put the ward in N03_005
        // with the city in N03_004, so a repeated part is skipped.
        let mut name = String::new();
        let mut last: Option<String> = None;
        for part in official.iter().filter_map(|k| get(k)) {
            if last.as_deref() != Some(part.as_str()) {
                name.push_str(&part);
            }
            last = Some(part);
        }
        name
    } else {
        let full = get("name").unwrap_or_default();
        full.strip_prefix(pref_name).unwrap_or(&full).to_owned()
    };
    if name.is_empty() {
        return Err(Bad::new("N03_004", None, "no municipality name (N03_003/N03_004 or name)"));
    }
    Ok(Some((code, name)))
}

/// A property as text: strings trimmed, integers printed (codes sometimes lose their quotes);
/// `None` for null, empty or other values.
fn text_property(value: &JsonValue) -> Option<String> {
    match value {
        JsonValue::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        JsonValue::Number(n) if n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

/// The code of the prefecture a full name starts with ("熊本県熊本市" → "43").
fn prefecture_prefix(full_name: &str) -> Option<String> {
    (1..=47)
        .map(|i| format!("{i:02}"))
        .find(|code| prefecture_name(code).is_some_and(|name| full_name.starts_with(name)))
}

/// The polygons of a GeoJSON geometry, exteriors counter-clockwise (so that every later union sees
/// one winding convention).
fn polygons(geometry: &GeometryValue) -> Result<Vec<Polygon<f64>>, Bad> {
    let polygons = match geometry {
        GeometryValue::Polygon { coordinates } => vec![polygon(coordinates)?],
        GeometryValue::MultiPolygon { coordinates } => {
            coordinates.iter().map(|p| polygon(p)).collect::<Result<Vec<_>, _>>()?
        }
        other => {
            return Err(Bad::new(
                "geometry",
                Some(other.type_name()),
                format!("geometry is a {}, not a Polygon or MultiPolygon", other.type_name()),
            ));
        }
    };
    if polygons.is_empty() {
        return Err(Bad::new("geometry", None, "MultiPolygon has no polygons"));
    }
    Ok(polygons.into_iter().map(|p| p.orient(Direction::Default)).collect())
}

fn polygon(rings: &[Vec<geojson::Position>]) -> Result<Polygon<f64>, Bad> {
    let mut rings = rings.iter().map(|r| ring(r));
    let exterior = rings.next().ok_or_else(|| Bad::new("geometry", None, "polygon has no rings"))??;
    let interiors = rings.collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, interiors))
}

fn ring(positions: &[geojson::Position]) -> Result<LineString<f64>, Bad> {
    let mut coords = Vec::with_capacity(positions.len() + 1);
    for position in positions {
        let &[x, y, ..] = position.as_slice() else {
            let value = format!("{:?}", position.as_slice());
            return Err(Bad::new("geometry", Some(&value), "position has fewer than 2 coordinates"));
        };
        if !(x.is_finite() && y.is_finite() && (-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y)) {
            let value = format!("[{x}, {y}]");
            return Err(Bad::new("geometry", Some(&value), "coordinate is not a longitude/latitude"));
        }
        coords.push(Coord { x, y });
    }
    if coords.first() != coords.last() {
        coords.push(coords[0]);
    }
    // A closed ring needs three distinct corners plus the closing repeat.
    if coords.len() < 4 {
        let value = format!("{} positions", positions.len());
        return Err(Bad::new("geometry", Some(&value), "ring has fewer than 3 distinct positions"));
    }
    Ok(LineString::new(coords))
}

/// Reads the municipality → secondary medical area table (`muni_code, muni_name, area_code,
/// area_name, pref_code, pref_name, mapping_source`), keeping prefecture `pref_code`.
///
/// Codes that lost their leading zeros in a spreadsheet (`1101` for `01101`) are padded to 5
/// (municipality) and 4 (area) digits and must then start with the row's prefecture code.
/// A municipality listed twice is rejected the second time.
pub fn read_a38_membership(
    path: &Path,
    source_id: &str,
    pref_code: &str,
) -> Result<Parsed<AreaMembership>, IngestError> {
    let pref = checked_prefecture(path, pref_code)?;
    let table = CsvTable::open(path)?;
    let columns = MembershipColumns {
        muni_code: table.column("muni_code")?,
        muni_name: table.column("muni_name")?,
        area_code: table.column("area_code")?,
        area_name: table.column("area_name")?,
        pref_code: table.optional_column("pref_code"),
    };
    let mut parsed = Parsed::new(source_id, &file_name(path));
    let mut seen: HashMap<String, u64> = HashMap::new();
    for row in &table.rows {
        parsed.stats.read += 1;
        match membership_row(row, &columns, &pref) {
            Ok(Some(record)) => {
                if let Some(first) = seen.get(&record.muni_code) {
                    let reason = format!("municipality already listed on line {first}");
                    parsed.drop_row(row.line, Some("muni_code"), Some(&record.muni_code), reason);
                    continue;
                }
                seen.insert(record.muni_code.clone(), row.line);
                parsed.accept(record);
            }
            Ok(None) => parsed.stats.other_prefecture += 1,
            Err(bad) => parsed.drop_row(row.line, Some(bad.field), bad.value.as_deref(), bad.reason),
        }
    }
    Ok(parsed)
}

struct MembershipColumns {
    muni_code: usize,
    muni_name: usize,
    area_code: usize,
    area_name: usize,
    pref_code: Option<usize>,
}

/// `Ok(None)` for a row of another prefecture.
fn membership_row(
    row: &CsvRow,
    columns: &MembershipColumns,
    pref: &str,
) -> Result<Option<AreaMembership>, Bad> {
    let raw_muni = row.get(columns.muni_code);
    let muni_code = pad_code(raw_muni, 5)
        .ok_or_else(|| Bad::new("muni_code", Some(raw_muni), "not a 5-digit municipality code"))?;
    // The prefecture column decides membership of the prefecture; the code prefix must agree.
    let row_pref = match columns.pref_code.map(|c| row.get(c)).filter(|v| !v.is_empty()) {
        Some(value) => prefecture_code(value)
            .ok_or_else(|| Bad::new("pref_code", Some(value), "prefecture code is not 01..47"))?,
        None => muni_code[..2].to_owned(),
    };
    if row_pref != pref {
        return Ok(None);
    }
    if !muni_code.starts_with(pref) {
        return Err(Bad::new("muni_code", Some(raw_muni), format!("code is not in prefecture {pref}")));
    }
    let raw_area = row.get(columns.area_code);
    let area_code = pad_code(raw_area, 4).filter(|code| code.starts_with(pref)).ok_or_else(|| {
        Bad::new("area_code", Some(raw_area), format!("not a 4-digit area code of prefecture {pref}"))
    })?;
    let muni_name = row.get(columns.muni_name);
    if muni_name.is_empty() {
        return Err(Bad::new("muni_name", None, "municipality name is empty"));
    }
    let area_name = row.get(columns.area_name);
    if area_name.is_empty() {
        return Err(Bad::new("area_name", None, "area name is empty"));
    }
    Ok(Some(AreaMembership {
        muni_code,
        muni_name: muni_name.to_owned(),
        area_code,
        area_name: area_name.to_owned(),
    }))
}

fn checked_prefecture(path: &Path, pref_code: &str) -> Result<String, IngestError> {
    prefecture_code(pref_code).ok_or_else(|| IngestError::Layout {
        path: path.to_owned(),
        message: format!("prefecture code '{pref_code}' is not 01..47"),
    })
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |f| f.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Area as _;
    use std::path::PathBuf;

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write fixture");
        path
    }

    /// A GeoJSON polygon ring: a square of `size` degrees at (x, y).
    fn square_ring(x: f64, y: f64, size: f64) -> String {
        format!("[[{x},{y}],[{},{y}],[{},{}],[{x},{}],[{x},{y}]]", x + size, x + size, y + size, y + size)
    }

    mod read_n03 {
        use super::*;

        /// The official layout: one feature per polygon part, null codes for undetermined areas.
        fn official_fixture() -> String {
            let feature = |props: &str, geometry: &str| {
                format!(r#"{{"type":"Feature","properties":{{{props}}},"geometry":{geometry}}}"#)
            };
            let polygon = |x: f64, y: f64| {
                format!(r#"{{"type":"Polygon","coordinates":[{}]}}"#, square_ring(x, y, 0.01))
            };
            let features = [
                feature(
                    r#""N03_001":"熊本県","N03_002":null,"N03_003":"熊本市","N03_004":"中央区","N03_007":"43101""#,
                    &polygon(130.70, 32.80),
                ),
                feature(
                    r#""N03_001":"熊本県","N03_002":null,"N03_003":"阿蘇郡","N03_004":"高森町","N03_007":"43433""#,
                    &polygon(131.10, 32.80),
                ),
                // A second part of 中央区, further in the file.
                feature(
                    r#""N03_001":"熊本県","N03_002":null,"N03_003":"熊本市","N03_004":"中央区","N03_007":"43101""#,
                    &polygon(130.72, 32.80),
                ),
                feature(
                    r#""N03_001":"熊本県","N03_002":null,"N03_003":null,"N03_004":"所属未定地","N03_007":null"#,
                    &polygon(130.50, 32.50),
                ),
                feature(
                    r#""N03_001":"埼玉県","N03_002":null,"N03_003":"さいたま市","N03_004":"西区","N03_007":"11101""#,
                    &polygon(139.50, 35.90),
                ),
                feature(
                    r#""N03_001":"千葉県","N03_002":null,"N03_003":null,"N03_004":"所属未定地","N03_007":null"#,
                    &polygon(140.00, 35.50),
                ),
                feature(
                    r#""N03_001":"熊本県","N03_002":null,"N03_003":"球磨郡","N03_004":"球磨村","N03_007":"43513""#,
                    r#"{"type":"Point","coordinates":[130.6,32.3]}"#,
                ),
                feature(
                    r#""N03_001":"熊本県","N03_002":null,"N03_003":"天草郡","N03_004":"苓北町","N03_007":"43531""#,
                    r#"{"type":"Polygon","coordinates":[[[130.0,32.5],[130.1,95.0],[130.1,32.6],[130.0,32.5]]]}"#,
                ),
                feature(
                    r#""N03_001":"熊本県","N03_002":null,"N03_003":"天草郡","N03_004":"苓北町","N03_007":"43531""#,
                    r#"{"type":"Polygon","coordinates":[[[130.0,32.5],[130.1,32.5],[130.0,32.5]]]}"#,
                ),
                feature(r#""N03_001":"熊本県","N03_004":"水俣市","N03_007":"43205""#, "null"),
            ];
            format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(",\n"))
        }

        #[test]
        fn official_layout_groups_parts_by_code_and_builds_names() {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = write(&dir, "N03-22_43_220101.geojson", &official_fixture());
            let parsed = read_n03(&path, "municipality_boundaries", "43").expect("readable");
            let names: Vec<(&str, &str, usize)> = parsed
                .records
                .iter()
                .map(|b| (b.code.as_str(), b.name.as_str(), b.geometry.0.len()))
                .collect();
            assert_eq!(names, vec![("43101", "熊本市中央区", 2), ("43433", "阿蘇郡高森町", 1)]);
            let stats = &parsed.stats;
            assert_eq!((stats.read, stats.accepted, stats.rejected, stats.other_prefecture), (10, 3, 5, 2));
        }

        #[test]
        fn official_layout_rejects_codeless_and_invalid_features_with_reasons() {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = write(&dir, "N03-22_43_220101.geojson", &official_fixture());
            let parsed = read_n03(&path, "municipality_boundaries", "43").expect("readable");
            let reasons: Vec<String> = parsed.rejections.iter().map(|r| r.reason.clone()).collect();
            assert_eq!(reasons.len(), 5, "{reasons:#?}");
            assert!(reasons[0].starts_with("feature 3 (N03_007 null)") && reasons[0].contains("所属未定地"));
            assert_eq!(parsed.rejections[0].value.as_deref(), Some("所属未定地"));
            assert!(reasons[1].contains("Point"), "{}", reasons[1]);
            assert!(reasons[2].contains("not a longitude/latitude"), "{}", reasons[2]);
            assert_eq!(parsed.rejections[2].value.as_deref(), Some("[130.1, 95]"));
            assert!(reasons[3].contains("fewer than 3 distinct"), "{}", reasons[3]);
            assert!(reasons[4].contains("no geometry") && reasons[4].contains("43205"), "{}", reasons[4]);
            assert!(parsed.rejections.iter().all(|r| r.line == 0 && r.file == "N03-22_43_220101.geojson"));
        }

        #[test]
        fn other_prefectures_are_read_in_one_pass_without_the_own() {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = write(&dir, "N03-22_220101.geojson", &official_fixture());
            let parsed = read_n03_other_prefectures(&path, "neighbours", "43").expect("readable");
            let names: Vec<(&str, &str)> =
                parsed.records.iter().map(|b| (b.code.as_str(), b.name.as_str())).collect();
            assert_eq!(names, vec![("11101", "さいたま市西区")]);
            assert!(parsed.rejections.is_empty(), "own and codeless features are skipped, not rejected");
            let stats = &parsed.stats;
            assert_eq!((stats.read, stats.accepted, stats.rejected, stats.other_prefecture), (10, 1, 0, 9));
            let own = read_n03_other_prefectures(&path, "neighbours", "11").expect("readable");
            assert_eq!(own.records.len(), 2, "from Saitama's side, Kumamoto's two valid codes");
        }

        #[test]
        fn per_municipality_layout_strips_the_prefecture_from_the_name() {
            let dir = tempfile::tempdir().expect("temp dir");
            let text = format!(
                r#"{{"type":"FeatureCollection","features":[
                {{"type":"Feature","properties":{{"N03_007":"43433","name":"熊本県阿蘇郡高森町","parts":1}},
                  "geometry":{{"type":"MultiPolygon","coordinates":[[{}]]}}}},
                {{"type":"Feature","properties":{{"N03_007":43101,"name":"熊本県熊本市中央区","parts":2}},
                  "geometry":{{"type":"MultiPolygon","coordinates":[[{}],[{}]]}}}}]}}"#,
                square_ring(131.1, 32.8, 0.01),
                square_ring(130.7, 32.8, 0.01),
                square_ring(130.72, 32.8, 0.01)
            );
            let path = write(&dir, "kumamoto.geojson", &text);
            let parsed = read_n03(&path, "s", "43").expect("readable");
            let names: Vec<(&str, &str, usize)> = parsed
                .records
                .iter()
                .map(|b| (b.code.as_str(), b.name.as_str(), b.geometry.0.len()))
                .collect();
            assert_eq!(names, vec![("43101", "熊本市中央区", 2), ("43433", "阿蘇郡高森町", 1)]);
        }

        #[test]
        fn newer_layout_with_ward_in_n03_005_gives_the_same_name() {
            let dir = tempfile::tempdir().expect("temp dir");
            let text = format!(
                r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"N03_001":"熊本県",
                "N03_003":null,"N03_004":"熊本市","N03_005":"中央区","N03_007":"43101"}},
                "geometry":{{"type":"Polygon","coordinates":[{}]}}}}]}}"#,
                square_ring(130.7, 32.8, 0.01)
            );
            let parsed = read_n03(&write(&dir, "n.geojson", &text), "s", "43").expect("readable");
            assert_eq!(parsed.records[0].name, "熊本市中央区");
        }

        #[test]
        fn a_part_naming_its_code_differently_is_rejected() {
            let dir = tempfile::tempdir().expect("temp dir");
            let feature = |name: &str, x: f64| {
                format!(
                    r#"{{"type":"Feature","properties":{{"N03_001":"熊本県","N03_003":"熊本市","N03_004":"{name}",
                    "N03_007":"43101"}},"geometry":{{"type":"Polygon","coordinates":[{}]}}}}"#,
                    square_ring(x, 32.8, 0.01)
                )
            };
            let text = format!(
                r#"{{"type":"FeatureCollection","features":[{},{}]}}"#,
                feature("中央区", 130.7),
                feature("東区", 130.8)
            );
            let parsed = read_n03(&write(&dir, "n.geojson", &text), "s", "43").expect("readable");
            assert_eq!(parsed.records.len(), 1);
            assert_eq!(parsed.records[0].geometry.0.len(), 1);
            assert!(parsed.rejections[0].reason.contains("named '熊本市中央区' by an earlier feature"));
        }

        #[test]
        fn exteriors_are_counter_clockwise() {
            let dir = tempfile::tempdir().expect("temp dir");
            // Clockwise exterior as some exports write it.
            let text = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"N03_007":"43101",
                "name":"熊本県熊本市中央区"},"geometry":{"type":"Polygon","coordinates":[[[130,32],[130,33],[131,33],[131,32],[130,32]]]}}]}"#;
            let parsed = read_n03(&write(&dir, "n.geojson", text), "s", "43").expect("readable");
            assert!(parsed.records[0].geometry.signed_area() > 0.0);
        }

        #[test]
        fn empty_collection_gives_nothing() {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = write(&dir, "n.geojson", r#"{"type":"FeatureCollection","features":[]}"#);
            let parsed = read_n03(&path, "s", "43").expect("readable");
            assert!(parsed.records.is_empty() && parsed.rejections.is_empty());
        }

        #[test]
        fn file_level_errors() {
            let dir = tempfile::tempdir().expect("temp dir");
            let broken = write(&dir, "broken.geojson", r#"{"type":"FeatureCollection","features":[{"#);
            assert!(matches!(read_n03(&broken, "s", "43"), Err(IngestError::Truncated { line: 1, .. })));
            let garbled = write(&dir, "garbled.geojson", r#"{"type":"FeatureCollection","features":[}]}"#);
            assert!(matches!(read_n03(&garbled, "s", "43"), Err(IngestError::Json { .. })));
            let point = write(&dir, "point.geojson", r#"{"type":"Point","coordinates":[1,2]}"#);
            assert!(matches!(read_n03(&point, "s", "43"), Err(IngestError::Json { .. })));
            assert!(matches!(read_n03(&dir.path().join("none"), "s", "43"), Err(IngestError::Io { .. })));
            assert!(matches!(read_n03(&broken, "s", "50"), Err(IngestError::Layout { .. })));
        }
    }

    mod read_a38_membership {
        use super::*;

        const HEADER: &str = "muni_code,muni_name,area_code,area_name,pref_code,pref_name,mapping_source\n";

        fn read(body: &str, pref: &str) -> Parsed<AreaMembership> {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = write(&dir, "m.csv", &format!("{HEADER}{body}"));
            read_a38_membership(&path, "medical_areas", pref).expect("readable")
        }

        #[test]
        fn pads_codes_and_filters_the_prefecture() {
            let parsed = read(
                "1101,札幌市中央区,104,札幌,1,北海道,A38b_001\n43101,熊本市中央区,4312,熊本・上益城,43,熊本県,A38b_001\n",
                "01",
            );
            assert_eq!(
                parsed.records,
                vec![AreaMembership {
                    muni_code: "01101".into(),
                    muni_name: "札幌市中央区".into(),
                    area_code: "0104".into(),
                    area_name: "札幌".into(),
                }]
            );
            assert_eq!(parsed.stats.other_prefecture, 1);
        }

        #[test]
        fn rejects_bad_codes_duplicates_and_empty_names() {
            let parsed = read(
                "43101,熊本市中央区,4312,熊本・上益城,43,熊本県,x\n\
                 43101,熊本市中央区,4312,熊本・上益城,43,熊本県,x\n\
                 4310A,x,4312,y,43,熊本県,x\n\
                 11101,さいたま市西区,4312,y,43,熊本県,x\n\
                 43102,熊本市東区,1104,y,43,熊本県,x\n\
                 43103,,4312,y,43,熊本県,x\n\
                 43104,熊本市南区,4312,,43,熊本県,x\n\
                 43105,熊本市北区,4312,y,4x,熊本県,x\n",
                "43",
            );
            assert_eq!(parsed.records.len(), 1);
            let got: Vec<(u64, Option<&str>)> =
                parsed.rejections.iter().map(|r| (r.line, r.field.as_deref())).collect();
            assert_eq!(
                got,
                vec![
                    (3, Some("muni_code")),
                    (4, Some("muni_code")),
                    (5, Some("muni_code")),
                    (6, Some("area_code")),
                    (7, Some("muni_name")),
                    (8, Some("area_name")),
                    (9, Some("pref_code")),
                ]
            );
            assert!(parsed.rejections[0].reason.contains("line 2"));
        }

        #[test]
        fn without_a_prefecture_column_the_code_decides() {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = write(
                &dir,
                "m.csv",
                "muni_code,muni_name,area_code,area_name\n43101,a,4312,b\n11101,c,1104,d\n",
            );
            let parsed = read_a38_membership(&path, "s", "43").expect("readable");
            assert_eq!(parsed.records.len(), 1);
            assert_eq!(parsed.stats.other_prefecture, 1);
        }

        #[test]
        fn missing_column_is_an_error() {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = write(&dir, "m.csv", "muni_code,muni_name,area_code\n43101,a,4312\n");
            let err = read_a38_membership(&path, "s", "43").unwrap_err().to_string();
            assert!(err.contains("area_name"), "{err}");
        }
    }
}
