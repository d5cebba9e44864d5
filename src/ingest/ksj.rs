//! 国土数値情報 (KSJ, National Land Numerical Information of MLIT): municipality boundaries from
//! 行政区域 N03 (administrative areas), membership of secondary medical areas (二次医療圏) from
//! 医療圏 A38 (medical areas), and the areas built from both.
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

use super::area_population::AreaPopulation;
use super::codes::{pad_code, prefecture_code, prefecture_code_of_name, prefecture_name};
use super::{CsvRow, CsvTable, IngestError, Parsed, decode_text};
use crate::model::{Area, Municipality};

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

/// The municipalities and secondary medical areas of one prefecture, with everything that did not
/// fit together.
#[derive(Debug, Clone)]
pub struct AreasBuilt {
    /// Municipalities sorted by code, each with its area when the membership table has it.
    pub municipalities: Vec<Municipality>,
    /// Areas sorted by code, each the union of its member municipalities' boundaries.
    pub areas: Vec<Area>,
    /// Inconsistencies between boundaries, membership and population, one sentence each, for the
    /// import report.
    pub problems: Vec<String>,
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

/// Builds the municipalities and secondary medical areas of prefecture `pref_code` ("43").
///
/// An area's polygon is the union of its members' boundaries; its population comes from
/// `population`. Nothing is dropped silently: a municipality without a membership row is kept with
/// no area, a membership row without a boundary keeps its code in the area, and both, like
/// disagreeing names or a missing population, are listed in [`AreasBuilt::problems`].
pub fn build_areas(
    pref_code: &str,
    boundaries: Vec<MunicipalityBoundary>,
    membership: &[AreaMembership],
    population: &[AreaPopulation],
) -> AreasBuilt {
    let pref = pad_code(pref_code, 2).unwrap_or_else(|| pref_code.to_owned());
    let mut problems = Vec::new();

    let mut member_of: BTreeMap<&str, &AreaMembership> = BTreeMap::new();
    for row in membership {
        if !row.muni_code.starts_with(&pref) {
            problems.push(format!(
                "membership row {} {} is not in prefecture {pref}; ignored",
                row.muni_code, row.muni_name
            ));
        } else if let Some(first) = member_of.get(row.muni_code.as_str()) {
            problems.push(format!(
                "municipality {} {} is listed in areas {} and {}; the first is used",
                row.muni_code, row.muni_name, first.area_code, row.area_code
            ));
        } else {
            member_of.insert(&row.muni_code, row);
        }
    }

    let mut boundaries = boundaries;
    boundaries.sort_by(|a, b| a.code.cmp(&b.code));
    let mut municipalities = Vec::with_capacity(boundaries.len());
    for boundary in boundaries {
        let area_code = match member_of.get(boundary.code.as_str()) {
            Some(row) => {
                if !same_municipality_name(&boundary.name, &row.muni_name) {
                    problems.push(format!(
                        "municipality {} is '{}' in the boundaries but '{}' in the membership table",
                        boundary.code, boundary.name, row.muni_name
                    ));
                }
                Some(row.area_code.clone())
            }
            None => {
                problems.push(format!(
                    "municipality {} {} has no 二次医療圏 membership row; it belongs to no area",
                    boundary.code, boundary.name
                ));
                None
            }
        };
        // The union takes its fill rule from the first ring's winding, so every member must follow
        // one convention; read_n03 already does, other callers may not.
        let geometry = boundary.geometry.orient(Direction::Default);
        municipalities.push(Municipality { code: boundary.code, name: boundary.name, area_code, geometry });
    }
    let geometry_of: HashMap<&str, &MultiPolygon<f64>> =
        municipalities.iter().map(|m| (m.code.as_str(), &m.geometry)).collect();

    // Area drafts: name and members, in code order.
    let mut drafts: BTreeMap<&str, (&str, Vec<&str>)> = BTreeMap::new();
    for row in member_of.values() {
        if !geometry_of.contains_key(row.muni_code.as_str()) {
            problems.push(format!(
                "municipality {} {} of area {} has no boundary; the area polygon lacks it",
                row.muni_code, row.muni_name, row.area_code
            ));
        }
        let (name, members) = drafts.entry(&row.area_code).or_insert((&row.area_name, Vec::new()));
        if *name != row.area_name {
            problems.push(format!(
                "area {} is named '{name}' and '{}' in the membership table; the first is used",
                row.area_code, row.area_name
            ));
        }
        members.push(&row.muni_code);
    }

    let member_geometries: Vec<Vec<&MultiPolygon<f64>>> = drafts
        .values()
        .map(|(_, members)| members.iter().filter_map(|code| geometry_of.get(code).copied()).collect())
        .collect();
    let unions = union_all(&member_geometries);

    let population_of: HashMap<&str, &AreaPopulation> =
        population.iter().map(|p| (p.area_code.as_str(), p)).collect();
    let mut areas = Vec::with_capacity(drafts.len());
    for ((code, (name, members)), geometry) in drafts.into_iter().zip(unions) {
        let pop = population_of.get(code);
        match pop {
            None => problems.push(format!("area {code} {name} has no population row")),
            Some(p) if p.area_name != name => problems.push(format!(
                "area {code} is '{name}' in the membership table but '{}' in the population table",
                p.area_name
            )),
            Some(_) => {}
        }
        if geometry.0.is_empty() {
            problems.push(format!("area {code} {name} has no member boundary; its polygon is empty"));
        }
        areas.push(Area {
            code: code.to_owned(),
            name: name.to_owned(),
            pref_code: pref.clone(),
            municipality_codes: members.into_iter().map(str::to_owned).collect(),
            population: pop.map(|p| p.population),
            population_65plus: pop.map(|p| p.population_65plus),
            geometry,
            mesh_population: None,
            mesh_population_65plus: None,
            population_complete: None,
        });
    }
    for p in population {
        if p.area_code.starts_with(&pref) && !areas.iter().any(|a| a.code == p.area_code) {
            problems.push(format!(
                "population row for area {} {} matches no area of the membership table",
                p.area_code, p.area_name
            ));
        }
    }
    drop(geometry_of);
    AreasBuilt { municipalities, areas, problems }
}

/// Whether two names denote the same municipality: equal, or equal once the county (郡) prefix
/// that N03 writes and A38 omits is removed (`北足立郡伊奈町` and `伊奈町`).
fn same_municipality_name(a: &str, b: &str) -> bool {
    let county_then = |long: &str, short: &str| long.strip_suffix(short).is_some_and(|c| c.ends_with('郡'));
    a == b || county_then(a, b) || county_then(b, a)
}

/// The union of each group of polygons, groups spread over the available cores.
///
/// Each area's union is independent, so they run on scoped threads taking the next unfinished
/// group, largest first, which balances well with a handful of groups on a few cores.
fn union_all(groups: &[Vec<&MultiPolygon<f64>>]) -> Vec<MultiPolygon<f64>> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let size = |g: &Vec<&MultiPolygon<f64>>| -> usize {
        g.iter().flat_map(|m| m.iter()).map(|p| p.exterior().0.len()).sum()
    };
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(size(&groups[i])));
    let results: Mutex<Vec<Option<MultiPolygon<f64>>>> = Mutex::new(vec![None; groups.len()]);
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(groups.len()).max(1);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let union = geo::unary_union(groups[i].iter().copied());
                    results.lock().expect("no union thread panics while holding the lock")[i] = Some(union);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("all union threads have ended")
        .into_iter()
        .map(|u| u.unwrap_or_else(|| MultiPolygon::new(Vec::new())))
        .collect()
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
    use geo::{Area as _, ChamberlainDuquetteArea, GeodesicArea, Validation};
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

    fn square(x: f64, y: f64, size: f64) -> MultiPolygon<f64> {
        MultiPolygon::new(vec![
            geo::Rect::new(Coord { x, y }, Coord { x: x + size, y: y + size }).to_polygon(),
        ])
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

    mod build_areas {
        use super::*;

        fn boundary(code: &str, name: &str, geometry: MultiPolygon<f64>) -> MunicipalityBoundary {
            MunicipalityBoundary { code: code.into(), name: name.into(), geometry }
        }

        fn member(muni: &str, name: &str, area: &str, area_name: &str) -> AreaMembership {
            AreaMembership {
                muni_code: muni.into(),
                muni_name: name.into(),
                area_code: area.into(),
                area_name: area_name.into(),
            }
        }

        fn population(area: &str, name: &str, n: u64) -> AreaPopulation {
            AreaPopulation {
                area_code: area.into(),
                area_name: name.into(),
                population: n,
                population_65plus: n / 3,
            }
        }

        #[test]
        fn unions_members_sorts_and_attaches_population() {
            let clockwise = square(1.0, 0.0, 1.0).orient(Direction::Reversed);
            let built = build_areas(
                "43",
                vec![
                    boundary("43203", "c", square(5.0, 0.0, 1.0)),
                    boundary("43201", "a", square(0.0, 0.0, 1.0)),
                    boundary("43202", "b", clockwise),
                ],
                &[
                    member("43201", "a", "4312", "X"),
                    member("43202", "b", "4312", "X"),
                    member("43203", "c", "4302", "Y"),
                ],
                &[population("4302", "Y", 30), population("4312", "X", 60)],
            );
            assert!(built.problems.is_empty(), "{:?}", built.problems);
            let codes: Vec<&str> = built.municipalities.iter().map(|m| m.code.as_str()).collect();
            assert_eq!(codes, ["43201", "43202", "43203"]);
            assert_eq!(built.municipalities[1].area_code.as_deref(), Some("4312"));
            let areas: Vec<(&str, usize, Option<u64>)> = built
                .areas
                .iter()
                .map(|a| (a.code.as_str(), a.municipality_codes.len(), a.population))
                .collect();
            assert_eq!(areas, [("4302", 1, Some(30)), ("4312", 2, Some(60))]);
            let merged = &built.areas[1].geometry;
            assert_eq!(merged.0.len(), 1, "adjacent squares merge, whatever their winding");
            assert!((merged.unsigned_area() - 2.0).abs() < 1e-9);
            assert_eq!(built.areas[1].population_65plus, Some(20));
            assert_eq!(built.areas[1].pref_code, "43");
        }

        #[test]
        fn reports_every_mismatch_and_drops_nothing() {
            let built = build_areas(
                "43",
                vec![
                    boundary("43201", "a", square(0.0, 0.0, 1.0)),
                    boundary("43999", "orphan", square(3.0, 0.0, 1.0)),
                ],
                &[
                    member("43201", "a2", "4312", "X"),
                    member("43202", "b", "4312", "X"),
                    member("43203", "c", "4302", "Y"),
                    member("43201", "a", "4302", "Y"),
                ],
                &[population("4312", "X2", 10), population("4309", "Z", 5)],
            );
            let problems = built.problems.join("\n");
            for needle in [
                "43201 a is listed in areas 4312 and 4302",
                "43201 is 'a' in the boundaries but 'a2'",
                "43999 orphan has no 二次医療圏 membership row",
                "43202 b of area 4312 has no boundary",
                "43203 c of area 4302 has no boundary",
                "area 4312 is 'X' in the membership table but 'X2' in the population table",
                "area 4302 Y has no population row",
                "area 4302 Y has no member boundary",
                "population row for area 4309 Z matches no area",
            ] {
                assert!(problems.contains(needle), "missing '{needle}' in\n{problems}");
            }
            assert_eq!(built.problems.len(), 9, "{problems}");
            assert_eq!(built.municipalities.len(), 2);
            assert_eq!(built.municipalities[1].area_code, None);
            assert_eq!(built.areas[1].municipality_codes, ["43201", "43202"]);
            assert!(built.areas[0].geometry.0.is_empty());
        }

        #[test]
        fn a_county_prefix_does_not_make_names_differ() {
            assert!(same_municipality_name("北足立郡伊奈町", "伊奈町"));
            assert!(same_municipality_name("上郡町", "赤穂郡上郡町"), "郡 inside the name itself");
            assert!(!same_municipality_name("大和郡山市", "郡山市"));
            assert!(!same_municipality_name("阿蘇郡高森町", "南阿蘇村"));
        }

        #[test]
        fn empty_input_builds_nothing() {
            let built = build_areas("43", Vec::new(), &[], &[]);
            assert!(built.municipalities.is_empty() && built.areas.is_empty() && built.problems.is_empty());
        }
    }

    /// An OGC validity check for large MultiPolygons. geo's `Validation` compares every pair of
    /// segments of a ring and every pair of parts, which takes minutes on 天草's 1,800 islands
    /// and 30,000-vertex coastlines; this finds the same faults through an R-tree of segments.
    mod validity {
        use super::*;
        use geo::coordinate_position::{CoordPos, coord_pos_relative_to_ring};
        use geo::line_intersection::{LineIntersection, line_intersection};
        use geo::{BoundingRect, Line};
        use rstar::primitives::{GeomWithData, Rectangle};
        use rstar::{RTree, RTreeObject};

        /// (part, ring, segment index) of a segment; ring 0 is the exterior.
        type Segment = GeomWithData<Rectangle<[f64; 2]>, (usize, usize, usize)>;

        fn rings(polygon: &Polygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
            std::iter::once(polygon.exterior()).chain(polygon.interiors())
        }

        fn rectangle(rect: geo::Rect<f64>) -> Rectangle<[f64; 2]> {
            Rectangle::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y])
        }

        /// Rings are closed with 4+ finite coordinates; no ring crosses or touches itself; rings
        /// never cross or share a stretch of boundary (they may touch at points); holes lie in
        /// their exterior; no part lies in another.
        pub(super) fn problems(geometry: &MultiPolygon<f64>) -> Vec<String> {
            let mut problems = Vec::new();
            let mut segments = Vec::new();
            for (p, polygon) in geometry.iter().enumerate() {
                for (r, ring) in rings(polygon).enumerate() {
                    if ring.0.len() < 4 || !ring.is_closed() {
                        problems.push(format!("part {p} ring {r}: not a closed ring of 4+ coordinates"));
                    }
                    if ring.coords().any(|c| !(c.x.is_finite() && c.y.is_finite())) {
                        problems.push(format!("part {p} ring {r}: non-finite coordinate"));
                    }
                    for (i, line) in ring.lines().enumerate() {
                        segments.push(Segment::new(rectangle(line.bounding_rect()), (p, r, i)));
                    }
                }
            }
            let line_of = |(p, r, i): (usize, usize, usize)| -> Line<f64> {
                let ring = rings(&geometry.0[p]).nth(r).expect("segment keys come from these rings");
                Line::new(ring.0[i], ring.0[i + 1])
            };
            let ring_len = |(p, r, _): (usize, usize, usize)| {
                rings(&geometry.0[p]).nth(r).expect("segment keys come from these rings").0.len() - 1
            };
            let tree = RTree::bulk_load(segments);
            for a in tree.iter() {
                for b in tree.locate_in_envelope_intersecting(&a.envelope()) {
                    if b.data <= a.data {
                        continue;
                    }
                    let (ka, kb) = (a.data, b.data);
                    let same_ring = (ka.0, ka.1) == (kb.0, kb.1);
                    let n = ring_len(ka);
                    let adjacent = same_ring && (kb.2 == ka.2 + 1 || (ka.2 == 0 && kb.2 == n - 1));
                    let fault = match line_intersection(line_of(ka), line_of(kb)) {
                        None => None,
                        Some(LineIntersection::SinglePoint { is_proper: true, .. }) => Some("cross"),
                        Some(LineIntersection::SinglePoint { .. }) if same_ring && !adjacent => {
                            Some("touch (ring touches itself)")
                        }
                        Some(LineIntersection::SinglePoint { .. }) => None,
                        Some(LineIntersection::Collinear { intersection })
                            if intersection.start != intersection.end =>
                        {
                            Some("share a stretch of boundary")
                        }
                        Some(LineIntersection::Collinear { .. }) if same_ring && !adjacent => {
                            Some("touch (ring touches itself)")
                        }
                        Some(LineIntersection::Collinear { .. }) => None,
                    };
                    if let Some(fault) = fault {
                        problems.push(format!("segments {ka:?} and {kb:?} {fault}"));
                    }
                }
            }
            for (p, polygon) in geometry.iter().enumerate() {
                for (h, hole) in polygon.interiors().iter().enumerate() {
                    if !lies_in(hole, polygon.exterior()) {
                        problems.push(format!("part {p} hole {h} is outside its exterior"));
                    }
                }
            }
            let parts = RTree::bulk_load(
                geometry
                    .iter()
                    .enumerate()
                    .filter_map(|(p, polygon)| {
                        Some(GeomWithData::new(rectangle(polygon.bounding_rect()?), p))
                    })
                    .collect(),
            );
            for a in parts.iter() {
                for b in parts.locate_in_envelope_intersecting(&a.envelope()) {
                    let (outer, inner) = (&geometry.0[a.data], &geometry.0[b.data]);
                    let in_a_hole = outer.interiors().iter().any(|hole| lies_in(inner.exterior(), hole));
                    if a.data != b.data && lies_in(inner.exterior(), outer.exterior()) && !in_a_hole {
                        problems.push(format!("part {} lies in part {}", b.data, a.data));
                    }
                }
            }
            problems
        }

        /// Whether `ring` lies inside `outer`, judged by its first vertex not on `outer` (rings
        /// that neither cross nor share boundary are wholly inside or outside each other).
        fn lies_in(ring: &LineString<f64>, outer: &LineString<f64>) -> bool {
            ring.coords()
                .map(|c| coord_pos_relative_to_ring(*c, outer))
                .find(|pos| *pos != CoordPos::OnBoundary)
                .is_some_and(|pos| pos == CoordPos::Inside)
        }

        /// The check agrees with geo's `Validation` on small geometries.
        #[test]
        fn agrees_with_geo_validation() {
            use geo::wkt;
            let cases: Vec<MultiPolygon<f64>> = vec![
                wkt!(MULTIPOLYGON(((0. 0.,4. 0.,4. 4.,0. 4.,0. 0.),(1. 1.,2. 1.,2. 2.,1. 2.,1. 1.)),((5. 0.,6. 0.,6. 1.,5. 0.)))),
                wkt!(MULTIPOLYGON(((0. 0.,2. 2.,2. 0.,0. 2.,0. 0.)))),
                wkt!(MULTIPOLYGON(((0. 0.,2. 0.,2. 2.,0. 2.,0. 0.)),((1. 1.,3. 1.,3. 3.,1. 3.,1. 1.)))),
                wkt!(MULTIPOLYGON(((0. 0.,2. 0.,2. 2.,0. 2.,0. 0.)),((2. 0.,3. 0.,3. 2.,2. 2.,2. 0.)))),
                wkt!(MULTIPOLYGON(((0. 0.,2. 0.,2. 2.,0. 2.,0. 0.)),((2. 2.,3. 2.,3. 3.,2. 3.,2. 2.)))),
                wkt!(MULTIPOLYGON(((0. 0.,4. 0.,4. 4.,0. 4.,0. 0.)),((1. 1.,2. 1.,2. 2.,1. 2.,1. 1.)))),
                wkt!(MULTIPOLYGON(((0. 0.,4. 0.,4. 4.,0. 4.,0. 0.),(1. 1.,2. 1.,2. 2.,1. 2.,1. 1.)),((1.2 1.2,1.8 1.2,1.8 1.8,1.2 1.8,1.2 1.2)))),
                wkt!(MULTIPOLYGON(((0. 0.,4. 0.,4. 4.,0. 4.,0. 0.),(3. 3.,5. 3.,5. 5.,3. 5.,3. 3.)))),
                wkt!(MULTIPOLYGON(((0. 0.,4. 0.,4. 4.,0. 4.,0. 0.),(5. 5.,6. 5.,6. 6.,5. 6.,5. 5.)))),
                wkt!(MULTIPOLYGON(((0. 0.,4. 0.,4. 4.,2. 0.,0. 4.,0. 0.)))),
            ];
            let valid: Vec<usize> = (0..cases.len()).filter(|&i| cases[i].is_valid()).collect();
            assert_eq!(valid, [0, 4, 6], "the cases cover both outcomes");
            for (i, case) in cases.iter().enumerate() {
                assert_eq!(problems(case).is_empty(), case.is_valid(), "case {i}: {:?}", problems(case));
            }
        }
    }

    mod real_data {
        use super::*;
        use crate::ingest::area_population::read_area_population;

        fn data(path: &str) -> PathBuf {
            crate::test_data_dir().join(path)
        }

        fn kumamoto() -> (Parsed<MunicipalityBoundary>, AreasBuilt) {
            let boundaries = read_n03(
                &data("03_municipality_boundaries/N03-22_220101_43_kumamoto_municipalities.geojson"),
                "municipality_boundaries",
                "43",
            )
            .expect("readable N03");
            let membership = read_a38_membership(
                &data("02_secondary_medical_areas/municipality_to_iryoken2_43_kumamoto.csv"),
                "medical_areas",
                "43",
            )
            .expect("readable A38");
            assert!(membership.rejections.is_empty(), "{:?}", membership.rejections);
            let population = read_area_population(
                &data("02_secondary_medical_areas/population_iryoken2_2020census_ALLJAPAN.csv"),
                "area_population",
                "43",
            )
            .expect("readable population");
            let built =
                build_areas("43", boundaries.records.clone(), &membership.records, &population.records);
            (boundaries, built)
        }

        #[test]
        fn kumamoto_municipalities_areas_and_populations() {
            let (boundaries, built) = kumamoto();
            assert!(boundaries.rejections.is_empty(), "{:?}", boundaries.rejections);
            assert_eq!(boundaries.records.len(), 49);
            assert_eq!(boundaries.stats.accepted, 49);
            let amakusa = boundaries.records.iter().find(|b| b.code == "43215").expect("天草市");
            assert_eq!((amakusa.name.as_str(), amakusa.geometry.0.len()), ("天草市", 1506));
            assert!(boundaries.records.iter().any(|b| b.name == "阿蘇郡高森町"));
            assert!(built.problems.is_empty(), "{:?}", built.problems);
            assert_eq!(built.municipalities.len(), 49);
            assert!(built.municipalities.iter().all(|m| m.area_code.is_some()));

            let areas: Vec<(&str, &str)> =
                built.areas.iter().map(|a| (a.code.as_str(), a.name.as_str())).collect();
            assert_eq!(
                areas,
                [
                    ("4302", "宇城"),
                    ("4303", "有明"),
                    ("4304", "鹿本"),
                    ("4305", "菊池"),
                    ("4306", "阿蘇"),
                    ("4308", "八代"),
                    ("4309", "芦北"),
                    ("4310", "球磨"),
                    ("4311", "天草"),
                    ("4312", "熊本・上益城"),
                ]
            );
            let kumamoto = &built.areas[9];
            assert_eq!(
                kumamoto.municipality_codes,
                ["43101", "43102", "43103", "43104", "43105", "43441", "43442", "43443", "43444", "43447"]
            );
            assert_eq!(built.areas.iter().map(|a| a.population.expect("population")).sum::<u64>(), 1_738_301);
            assert_eq!(built.areas.iter().map(|a| a.municipality_codes.len()).sum::<usize>(), 49);
        }

        #[test]
        fn kumamoto_area_polygons_are_valid_unions_of_their_members() {
            let (_, built) = kumamoto();
            let area_of: HashMap<&str, f64> = built
                .municipalities
                .iter()
                .map(|m| (m.code.as_str(), m.geometry.geodesic_area_unsigned()))
                .collect();
            let mut total_km2 = 0.0;
            for area in &built.areas {
                let problems = validity::problems(&area.geometry);
                assert!(problems.is_empty(), "{} {}: {problems:?}", area.code, area.name);
                let union = area.geometry.geodesic_area_unsigned();
                let members: f64 = area.municipality_codes.iter().map(|c| area_of[c.as_str()]).sum();
                assert!(
                    (union - members).abs() / members < 1e-3,
                    "{}: union {union} vs members {members}",
                    area.code
                );
                let spherical = area.geometry.chamberlain_duquette_unsigned_area();
                assert!((spherical - union).abs() / union < 1e-2, "{}: {spherical} vs {union}", area.code);
                total_km2 += union / 1e6;
            }
            // 国土地理院 全国都道府県市区町村別面積調: 熊本県 7,409 km² (N03 gives 7,409.5).
            assert!((total_km2 - 7_409.0).abs() < 7_409.0 * 0.002, "{total_km2} km²");
        }

        #[test]
        fn saitama_from_the_national_files() {
            let boundaries = read_n03(
                &data("03_municipality_boundaries/N03-21_210101_ALLJAPAN_simplified0.1pct_smartnews.geojson"),
                "municipality_boundaries",
                "11",
            )
            .expect("readable national N03");
            assert!(boundaries.rejections.is_empty(), "{:?}", boundaries.rejections);
            assert_eq!(boundaries.records.len(), 72, "63 municipalities with さいたま市's 10 wards apart");
            assert_eq!(boundaries.stats.read, 1897);
            assert_eq!(boundaries.stats.other_prefecture, 1897 - 72);
            assert!(boundaries.records.iter().any(|b| b.code == "11101" && b.name == "さいたま市西区"));
            let membership = read_a38_membership(
                &data("02_secondary_medical_areas/municipality_to_iryoken2_A38-20_ALLJAPAN.csv"),
                "medical_areas",
                "11",
            )
            .expect("readable A38");
            assert!(membership.rejections.is_empty(), "{:?}", membership.rejections);
            let population = read_area_population(
                &data("02_secondary_medical_areas/population_iryoken2_2020census_ALLJAPAN.csv"),
                "area_population",
                "11",
            )
            .expect("readable population");
            let built = build_areas("11", boundaries.records, &membership.records, &population.records);
            assert!(built.problems.is_empty(), "{:?}", built.problems);
            assert_eq!(built.areas.len(), 10);
            assert_eq!(built.areas[0].code, "1101");
            assert_eq!(built.areas[9].name, "秩父");
            assert!(built.areas.iter().all(|a| a.geometry.is_valid() && a.population.is_some()));
            // 埼玉県 3,798 km²; the 0.1 % simplification keeps the total (3,797.3 km²).
            let km2: f64 = built.areas.iter().map(|a| a.geometry.geodesic_area_unsigned()).sum::<f64>() / 1e6;
            assert!((km2 - 3_798.0).abs() < 3_798.0 * 0.01, "{km2} km²");
        }
    }
}
