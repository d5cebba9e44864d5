//! 介護サービス情報公表システム (long-term care service information) open data: service offices such as
//! 訪問看護ステーション (visiting-nurse stations, service code 130).
//!
//! The official file (`jigyosho_130.csv`) has 24 columns; derived copies keep a subset. Columns are
//! found by name so both load.

use std::path::Path;

use super::coordinate::PublishedCoordinate;
use super::{CsvTable, IngestError, Parsed};

/// One service office.
#[derive(Debug, Clone, PartialEq)]
pub struct CareOfficeRow {
    /// 介護保険事業所番号 (10 digits; the first two are the prefecture code).
    pub office_number: String,
    /// Office name (事業所名).
    pub name: String,
    /// Municipality name (市区町村名), when published.
    pub municipality_name: Option<String>,
    /// Address with 方書 (building) appended when published separately.
    pub address: String,
    /// Published coordinate, unvalidated.
    pub coordinate: PublishedCoordinate,
    /// Telephone.
    pub phone: Option<String>,
    /// Web site.
    pub url: Option<String>,
    /// 1-based line.
    pub line: u64,
}

/// Reads a 介護サービス情報公表 office file and keeps the rows of one prefecture.
pub fn read_care_offices(
    path: &Path,
    source_id: &str,
    file_label: &str,
    pref_code: &str,
) -> Result<Parsed<CareOfficeRow>, IngestError> {
    let table = CsvTable::open(path)?;
    let number = table.column("事業所番号")?;
    let name = table.column("事業所名")?;
    let address = table.column("住所")?;
    let lat = table.column("緯度")?;
    let lon = table.column("経度")?;
    let building = table.optional_column("方書（ビル名等）");
    let municipality = table.optional_column("市区町村名");
    let phone = table.optional_column("電話番号");
    let url = table.optional_column("URL");

    let mut parsed = Parsed::new(source_id, file_label);
    for row in &table.rows {
        parsed.stats.read += 1;
        let Some(office_number) = row.non_empty(number) else {
            parsed.drop_row(row.line, Some("事業所番号"), None, "empty 事業所番号");
            continue;
        };
        if office_number.len() != 10 || !office_number.chars().all(|c| c.is_ascii_digit()) {
            parsed.drop_row(row.line, Some("事業所番号"), Some(office_number), "事業所番号 is not 10 digits");
            continue;
        }
        if !office_number.starts_with(pref_code) {
            parsed.stats.other_prefecture += 1;
            continue;
        }
        let Some(office_name) = row.non_empty(name) else {
            parsed.drop_row(row.line, Some("事業所名"), None, "empty 事業所名");
            continue;
        };
        let Some(street) = row.non_empty(address) else {
            parsed.drop_row(row.line, Some("住所"), None, "empty 住所");
            continue;
        };
        let address = match building.and_then(|b| row.non_empty(b)) {
            Some(b) if !street.ends_with(b) => format!("{street} {b}"),
            _ => street.to_owned(),
        };
        parsed.accept(CareOfficeRow {
            office_number: office_number.to_owned(),
            name: office_name.to_owned(),
            municipality_name: municipality.and_then(|m| row.non_empty(m)).map(str::to_owned),
            address,
            coordinate: PublishedCoordinate::parse(row.get(lat), row.get(lon)),
            phone: phone.and_then(|p| row.non_empty(p)).map(str::to_owned),
            url: url.and_then(|u| row.non_empty(u)).map(str::to_owned),
            line: row.line,
        });
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_layout_with_building_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jigyosho_130.csv");
        std::fs::write(
            &path,
            "\u{feff}都道府県コード又は市町村コード,No,都道府県名,市区町村名,事業所名,事業所名カナ,サービスの種類,住所,方書（ビル名等）,緯度,経度,電話番号,FAX番号,法人番号,法人の名称,事業所番号,利用可能曜日,利用可能曜日特記事項,定員,URL\r\n\
             432016,1,熊本県,熊本市中央区,ステーションA,,訪問看護,熊本県熊本市中央区萩原町9番30号,2階,32.78,130.70,096-000-0000,,,,4360000001,,,,\r\n\
             132016,2,東京都,千代田区,ステーションB,,訪問看護,東京都千代田区,,35.6,139.7,,,,,1360000001,,,,\r\n\
             432016,3,熊本県,熊本市中央区,ステーションC,,訪問看護,熊本県熊本市,,x,y,,,,,43600001,,,,\r\n",
        )
        .unwrap();
        let parsed = read_care_offices(&path, "visiting_nurses", "jigyosho_130.csv", "43").unwrap();
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(parsed.records[0].address, "熊本県熊本市中央区萩原町9番30号 2階");
        assert_eq!(parsed.stats.other_prefecture, 1);
        assert_eq!(parsed.rejections.len(), 1);
        assert_eq!(parsed.rejections[0].line, 4);
        assert_eq!(parsed.rejections[0].field.as_deref(), Some("事業所番号"));
    }

    #[test]
    fn real_kumamoto_stations() {
        let path = crate::test_data_dir().join("07_care_services/kaigo_houmonkango_130_43_kumamoto.csv");
        let parsed = read_care_offices(&path, "visiting_nurses", "x", "43").unwrap();
        assert_eq!(parsed.records.len(), 407);
        assert_eq!(parsed.stats.rejected, 0);
    }
}
