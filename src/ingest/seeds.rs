//! Small tables drawn from the seed documents (public reports of the prefecture and the cancer hub
//! hospitals): cancer hub hospitals (がん診療連携拠点病院), cancer salons (がんサロン) and peer-support
//! rooms (がんピアおしゃべり相談室 etc.). Placements are approximate where a document gives only a name;
//! each row says its precision.

use std::path::Path;

use super::coordinate::PublishedCoordinate;
use super::{CsvRow, CsvTable, IngestError, Parsed};
use crate::model::{CancerHubLevel, LocationPrecision};

/// A cancer hub hospital designation.
#[derive(Debug, Clone, PartialEq)]
pub struct CancerHubRow {
    /// Name as the document writes it.
    pub name_in_seed: String,
    /// Designation level.
    pub level: CancerHubLevel,
    /// The 医療情報ネット ID of the hospital.
    pub mhlw_id: Option<String>,
    /// The hospital's official name.
    pub mhlw_name: Option<String>,
    /// 5-digit municipality code.
    pub municipality_code: Option<String>,
    /// Coordinate given by the table.
    pub coordinate: PublishedCoordinate,
    /// 1-based line.
    pub line: u64,
}

/// A cancer salon or peer-support place.
#[derive(Debug, Clone, PartialEq)]
pub struct GatheringRow {
    /// Display name.
    pub name: String,
    /// Where it is held (a hospital or a place name), as the table says.
    pub placed_at: Option<String>,
    /// 5-digit municipality code.
    pub municipality_code: Option<String>,
    /// Coordinate given by the table.
    pub coordinate: PublishedCoordinate,
    /// How precise the table says that coordinate is.
    pub precision: LocationPrecision,
    /// Schedule text (peer support), as published.
    pub schedule: Option<String>,
    /// Telephone.
    pub phone: Option<String>,
    /// Why the place was chosen, or other notes.
    pub note: Option<String>,
    /// 1-based line.
    pub line: u64,
}

/// Reads the cancer hub table (`name_in_seed,hub_level,mhlw_id,mhlw_name,municipality_code,lat,lon,…`).
pub fn read_cancer_hubs(
    path: &Path,
    source_id: &str,
    file_label: &str,
) -> Result<Parsed<CancerHubRow>, IngestError> {
    let table = CsvTable::open(path)?;
    let name = table.column("name_in_seed")?;
    let level = table.column("hub_level")?;
    let mhlw_id = table.column("mhlw_id")?;
    let mhlw_name = table.optional_column("mhlw_name");
    let muni = table.optional_column("municipality_code");
    let (lat, lon) = (table.column("lat")?, table.column("lon")?);
    let mut parsed = Parsed::new(source_id, file_label);
    for row in &table.rows {
        parsed.stats.read += 1;
        let Some(hub_name) = row.non_empty(name) else {
            parsed.drop_row(row.line, Some("name_in_seed"), None, "empty name");
            continue;
        };
        let hub_level = match row.get(level).parse::<CancerHubLevel>() {
            Ok(l) => l,
            Err(reason) => {
                parsed.drop_row(row.line, Some("hub_level"), Some(row.get(level)), reason);
                continue;
            }
        };
        parsed.accept(CancerHubRow {
            name_in_seed: hub_name.to_owned(),
            level: hub_level,
            mhlw_id: row.non_empty(mhlw_id).map(str::to_owned),
            mhlw_name: mhlw_name.and_then(|c| row.non_empty(c)).map(str::to_owned),
            municipality_code: muni.and_then(|c| row.non_empty(c)).map(str::to_owned),
            coordinate: PublishedCoordinate::parse(row.get(lat), row.get(lon)),
            line: row.line,
        });
    }
    Ok(parsed)
}

/// Reads the salon table (`name,host_kind,placed_at,municipality_code,lat,lon,location_precision,placement_note`).
pub fn read_salons(
    path: &Path,
    source_id: &str,
    file_label: &str,
) -> Result<Parsed<GatheringRow>, IngestError> {
    let table = CsvTable::open(path)?;
    let columns = GatheringColumns::find(&table, "name", Some("placed_at"), Some("placement_note"))?;
    Ok(read_gatherings(&table, source_id, file_label, &columns))
}

/// Reads the peer-support table (`service,host,municipality_code,lat,lon,location_precision,schedule_ja,phone,note`).
/// The display name is "service（host）".
pub fn read_peer_support(
    path: &Path,
    source_id: &str,
    file_label: &str,
) -> Result<Parsed<GatheringRow>, IngestError> {
    let table = CsvTable::open(path)?;
    let columns = GatheringColumns::find(&table, "service", Some("host"), Some("note"))?;
    Ok(read_gatherings(&table, source_id, file_label, &columns))
}

struct GatheringColumns {
    name: usize,
    host: Option<usize>,
    note: Option<usize>,
    municipality: Option<usize>,
    lat: usize,
    lon: usize,
    precision: usize,
    schedule: Option<usize>,
    phone: Option<usize>,
    name_includes_host: bool,
}

impl GatheringColumns {
    fn find(
        table: &CsvTable,
        name: &str,
        host: Option<&str>,
        note: Option<&str>,
    ) -> Result<Self, IngestError> {
        Ok(GatheringColumns {
            name: table.column(name)?,
            host: host.and_then(|h| table.optional_column(h)),
            note: note.and_then(|n| table.optional_column(n)),
            municipality: table.optional_column("municipality_code"),
            lat: table.column("lat")?,
            lon: table.column("lon")?,
            precision: table.column("location_precision")?,
            schedule: table.optional_column("schedule_ja"),
            phone: table.optional_column("phone"),
            name_includes_host: name == "service",
        })
    }
}

fn read_gatherings(
    table: &CsvTable,
    source_id: &str,
    file_label: &str,
    c: &GatheringColumns,
) -> Parsed<GatheringRow> {
    let mut parsed = Parsed::new(source_id, file_label);
    let optional = |row: &CsvRow, col: Option<usize>| col.and_then(|i| row.non_empty(i)).map(str::to_owned);
    for row in &table.rows {
        parsed.stats.read += 1;
        let Some(base_name) = row.non_empty(c.name) else {
            parsed.drop_row(row.line, Some(table.header()[c.name].as_str()), None, "empty name");
            continue;
        };
        let Some(precision) = LocationPrecision::parse(row.get(c.precision)) else {
            parsed.drop_row(
                row.line,
                Some("location_precision"),
                Some(row.get(c.precision)),
                "location_precision must be exact, town or municipality",
            );
            continue;
        };
        let host = optional(row, c.host);
        let name = match (&host, c.name_includes_host) {
            (Some(h), true) => format!("{base_name}（{h}）"),
            _ => base_name.to_owned(),
        };
        parsed.accept(GatheringRow {
            name,
            placed_at: host,
            municipality_code: optional(row, c.municipality),
            coordinate: PublishedCoordinate::parse(row.get(c.lat), row.get(c.lon)),
            precision,
            schedule: optional(row, c.schedule),
            phone: optional(row, c.phone),
            note: optional(row, c.note),
            line: row.line,
        });
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeds(file: &str) -> std::path::PathBuf {
        crate::test_data_dir().join("06_seed_tables").join(file)
    }

    #[test]
    fn real_cancer_hubs() {
        let parsed = read_cancer_hubs(&seeds("cancer_hub_hospitals_43.csv"), "cancer_hubs", "x").unwrap();
        assert_eq!(parsed.records.len(), 21);
        let count = |l| parsed.records.iter().filter(|r| r.level == l).count();
        assert_eq!(count(CancerHubLevel::Prefectural), 1);
        assert_eq!(count(CancerHubLevel::Regional), 6);
        assert_eq!(count(CancerHubLevel::PrefectureDesignated), 14);
        assert!(parsed.records.iter().all(|r| r.mhlw_id.is_some()));
    }

    #[test]
    fn real_salons_and_peer_support() {
        let salons = read_salons(&seeds("cancer_salons_43.csv"), "cancer_salons", "x").unwrap();
        assert_eq!(salons.records.len(), 30);
        assert_eq!(salons.stats.rejected, 0);
        let peer = read_peer_support(&seeds("peer_support_43.csv"), "peer_support", "x").unwrap();
        assert_eq!(peer.records.len(), 4);
        assert_eq!(peer.records[0].name, "がんピアおしゃべり相談室（熊本赤十字病院）");
        assert_eq!(peer.records[0].schedule.as_deref(), Some("毎月第1・3金曜日 11:00-12:30"));
        assert_eq!(peer.records[3].phone.as_deref(), Some("096-364-3355"));
    }

    #[test]
    fn bad_level_and_precision_are_rejected_with_lines() {
        let dir = tempfile::tempdir().unwrap();
        let hubs = dir.path().join("h.csv");
        std::fs::write(
            &hubs,
            "name_in_seed,hub_level,mhlw_id,lat,lon\nA,national,1,32,130\nB,regional,2,32,130\n",
        )
        .unwrap();
        let parsed = read_cancer_hubs(&hubs, "cancer_hubs", "h.csv").unwrap();
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(parsed.rejections[0].line, 2);
        assert_eq!(parsed.rejections[0].field.as_deref(), Some("hub_level"));

        let salons = dir.path().join("s.csv");
        std::fs::write(&salons, "name,placed_at,lat,lon,location_precision\nX,Y,32,130,approx\n").unwrap();
        let parsed = read_salons(&salons, "cancer_salons", "s.csv").unwrap();
        assert!(parsed.records.is_empty());
        assert!(parsed.rejections[0].reason.contains("exact, town or municipality"));
    }
}
