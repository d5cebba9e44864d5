//! 医療情報ネット (MHLW medical information network) open-data facility files.
//!
//! Reads the official layouts of the 定義書 (hospital 01-1, clinic 02-1, dental 03-1, pharmacy 05: the
//! columns `ID`, `正式名称` or `名称`, `都道府県コード`, `市区町村コード`, `所在地`, `所在地座標（緯度）`,
//! `所在地座標（経度）`, the home-page column, `合計病床数`) and the derived per-prefecture lists that
//! carry only `id, name, address, url` (no coordinates). Columns are found by name, so both load.

use std::path::Path;

use super::coordinate::{PublishedCoordinate, parse_count};
use super::{CsvTable, IngestError, Parsed};

/// One facility row of a 医療情報ネット file.
#[derive(Debug, Clone, PartialEq)]
pub struct MhlwFacilityRow {
    /// The MHLW facility ID (not a permanent key, but stable within a release).
    pub mhlw_id: String,
    /// Official name (正式名称 / 名称).
    pub name: String,
    /// Name in katakana (フリガナ).
    pub name_kana: Option<String>,
    /// 2-digit prefecture code.
    pub pref_code: String,
    /// 5-digit municipality code (prefecture + 市区町村コード), when published.
    pub municipality_code: Option<String>,
    /// Address (所在地).
    pub address: String,
    /// Published coordinate, unvalidated.
    pub coordinate: PublishedCoordinate,
    /// Home page.
    pub url: Option<String>,
    /// Total beds (合計病床数), hospitals and clinics with beds.
    pub beds_total: Option<u32>,
    /// 1-based line in the file.
    pub line: u64,
}

/// Reads a 医療情報ネット facility file and keeps the rows of one prefecture.
pub fn read_mhlw_facilities(
    path: &Path,
    source_id: &str,
    file_label: &str,
    pref_code: &str,
) -> Result<Parsed<MhlwFacilityRow>, IngestError> {
    let table = CsvTable::open(path)?;
    let id = table.column_any(&["ID", "id"])?;
    let name = table.column_any(&["正式名称", "名称", "name"])?;
    let address = table.column_any(&["所在地", "address"])?;
    let kana = table.optional_column("正式名称（フリガナ）").or(table.optional_column("フリガナ"));
    let pref = table.optional_column("都道府県コード");
    let city = table.optional_column("市区町村コード");
    let lat = table.optional_column("所在地座標（緯度）");
    let lon = table.optional_column("所在地座標（経度）");
    let url = table
        .optional_column("案内用ホームページアドレス")
        .or(table.optional_column("薬局のホームページアドレス"))
        .or(table.optional_column("url"));
    let beds = table.optional_column("合計病床数");

    let mut parsed = Parsed::new(source_id, file_label);
    for row in &table.rows {
        parsed.stats.read += 1;
        let Some(mhlw_id) = row.non_empty(id) else {
            parsed.drop_row(row.line, Some(table.header()[id].as_str()), None, "empty facility ID");
            continue;
        };
        // The official layout has 都道府県コード; the derived lists do not, but every MHLW ID starts
        // with the prefecture code.
        let row_pref = match pref.and_then(|p| row.non_empty(p)) {
            Some(p) => format!("{p:0>2}"),
            None => mhlw_id.chars().take(2).collect(),
        };
        if row_pref != pref_code {
            parsed.stats.other_prefecture += 1;
            continue;
        }
        let Some(facility_name) = row.non_empty(name) else {
            parsed.drop_row(row.line, Some(table.header()[name].as_str()), None, "empty facility name");
            continue;
        };
        let Some(facility_address) = row.non_empty(address) else {
            parsed.drop_row(row.line, Some(table.header()[address].as_str()), None, "empty address");
            continue;
        };
        let municipality_code = match city.and_then(|c| row.non_empty(c)) {
            Some(c) if c.len() <= 3 && c.chars().all(|ch| ch.is_ascii_digit()) => {
                Some(format!("{row_pref}{c:0>3}"))
            }
            Some(c) => {
                parsed.drop_row(
                    row.line,
                    Some("市区町村コード"),
                    Some(c),
                    "市区町村コード is not a 3-digit code",
                );
                continue;
            }
            None => None,
        };
        let coordinate = match (lat, lon) {
            (Some(lat), Some(lon)) => PublishedCoordinate::parse(row.get(lat), row.get(lon)),
            _ => PublishedCoordinate::Missing,
        };
        parsed.accept(MhlwFacilityRow {
            mhlw_id: mhlw_id.to_owned(),
            name: facility_name.to_owned(),
            name_kana: kana.and_then(|k| row.non_empty(k)).map(str::to_owned),
            pref_code: row_pref,
            municipality_code,
            address: facility_address.to_owned(),
            coordinate,
            url: url.and_then(|u| row.non_empty(u)).map(str::to_owned),
            beds_total: beds.and_then(|b| row.non_empty(b)).and_then(parse_count),
            line: row.line,
        });
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    mod official_layout {
        use super::*;

        #[test]
        fn filters_prefecture_and_reads_fields() {
            let dir = tempfile::tempdir().unwrap();
            let path = write(
                &dir,
                "h.csv",
                "\u{feff}\"ID\",\"正式名称\",\"正式名称（フリガナ）\",\"都道府県コード\",\"市区町村コード\",\"所在地\",\"所在地座標（緯度）\",\"所在地座標（経度）\",\"案内用ホームページアドレス\",\"合計病床数\"\n\
                 \"0111010000020\",\"市立札幌病院\",\"シリツ\",\"01\",\"101\",\"北海道札幌市\",0.0,0.0,\"\",\"672\"\n\
                 \"431143310013\",\"伊井産婦人科\",\"イイ\",\"43\",\"101\",\"熊本県熊本市中央区大江本町８ー１５\",32.794724,130.723046,\"http://x\",\"０\"\n\
                 \"\",\"名無し\",\"\",\"43\",\"101\",\"熊本県\",32.7,130.7,\"\",\"\"\n\
                 \"431143310014\",\"\",\"\",\"43\",\"101\",\"熊本県\",32.7,130.7,\"\",\"\"\n",
            );
            let parsed = read_mhlw_facilities(&path, "mhlw_hospitals", "h.csv", "43").unwrap();
            assert_eq!(parsed.stats.read, 4);
            assert_eq!(parsed.stats.other_prefecture, 1);
            assert_eq!(parsed.stats.accepted, 1);
            assert_eq!(parsed.stats.rejected, 2);
            let row = &parsed.records[0];
            assert_eq!(row.municipality_code.as_deref(), Some("43101"));
            assert_eq!(row.coordinate, PublishedCoordinate::Value { lat: 32.794724, lon: 130.723046 });
            assert_eq!(row.beds_total, Some(0), "full-width digits are read");
            assert_eq!(row.line, 3);
            let lines: Vec<u64> = parsed.rejections.iter().map(|r| r.line).collect();
            assert_eq!(lines, vec![4, 5]);
            assert!(parsed.rejections[0].reason.contains("ID"));
        }

        #[test]
        fn missing_required_column_is_a_file_error() {
            let dir = tempfile::tempdir().unwrap();
            let path = write(&dir, "bad.csv", "ID,名称\n1,a\n");
            let err = read_mhlw_facilities(&path, "s", "bad.csv", "43").unwrap_err().to_string();
            assert!(err.contains("所在地") && err.contains("bad.csv"), "{err}");
        }
    }

    mod pharmacy_layout {
        use super::*;

        /// The 05 pharmacy file of the 定義書 names its columns 名称 / フリガナ / 薬局のホームページアドレス.
        #[test]
        fn official_pharmacy_columns() {
            let dir = tempfile::tempdir().unwrap();
            let path = write(
                &dir,
                "05.csv",
                "\u{feff}\"ID\",\"名称\",\"フリガナ\",\"ローマ字\",\"機関区分\",\"都道府県コード\",\"市区町村コード\",\"所在地\",\"所在地座標（緯度）\",\"所在地座標（経度）\",\"薬局のホームページアドレス\"\n\
                 \"4354300000486\",\"ツツミ薬局\",\"ツツミヤッキョク\",\"Tsutsumi\",\"5\",\"43\",\"428\",\"熊本県阿蘇郡高森町高森１９９０－１\",\"３２．８２\",\"131.12\",\"https://example.jp\"\n",
            );
            let parsed = read_mhlw_facilities(&path, "mhlw_pharmacies", "05.csv", "43").unwrap();
            let row = &parsed.records[0];
            assert_eq!(row.name, "ツツミ薬局");
            assert_eq!(row.name_kana.as_deref(), Some("ツツミヤッキョク"));
            assert_eq!(row.municipality_code.as_deref(), Some("43428"));
            assert_eq!(row.coordinate, PublishedCoordinate::Value { lat: 32.82, lon: 131.12 });
            assert_eq!(row.url.as_deref(), Some("https://example.jp"));
            assert_eq!(row.beds_total, None);
        }
    }

    mod derived_layout {
        use super::*;

        #[test]
        fn prefecture_from_id_and_no_coordinate() {
            let dir = tempfile::tempdir().unwrap();
            let path = write(
                &dir,
                "c.csv",
                "id,name,address,pref,city,url,departments\n\
                 432243560545,南郷谷リハビリテーションクリニック,熊本県阿蘇郡高森町高森２１８６ー１,熊本県,阿蘇郡高森町高森,,内科\n\
                 112243560545,埼玉のクリニック,埼玉県さいたま市,埼玉県,さいたま市,,内科\n",
            );
            let parsed = read_mhlw_facilities(&path, "mhlw_clinics", "c.csv", "43").unwrap();
            assert_eq!(parsed.records.len(), 1);
            assert_eq!(parsed.records[0].coordinate, PublishedCoordinate::Missing);
            assert_eq!(parsed.records[0].municipality_code, None);
            assert_eq!(parsed.stats.other_prefecture, 1);
        }
    }

    mod real_data {
        use super::*;

        #[test]
        fn national_hospital_file_gives_199_kumamoto_hospitals_with_coordinates() {
            let path = crate::test_data_dir()
                .join("01_mhlw_facilities/01-1_hospital_facility_info_20250601_ALLJAPAN.csv");
            let parsed = read_mhlw_facilities(&path, "mhlw_hospitals", "x", "43").unwrap();
            assert_eq!(parsed.stats.read, 7587);
            assert_eq!(parsed.records.len(), 199);
            assert_eq!(parsed.stats.other_prefecture, 7587 - 199);
            assert!(parsed.records.iter().all(|r| matches!(r.coordinate, PublishedCoordinate::Value { .. })));
            assert!(
                parsed
                    .records
                    .iter()
                    .all(|r| r.municipality_code.as_deref().is_some_and(|c| c.starts_with("43")))
            );

            // Hokkaido has placeholder coordinates; they are read as published (validated later).
            let hokkaido = read_mhlw_facilities(&path, "mhlw_hospitals", "x", "01").unwrap();
            assert!(
                hokkaido
                    .records
                    .iter()
                    .any(|r| r.coordinate == PublishedCoordinate::Value { lat: 0.0, lon: 0.0 })
            );
        }

        #[test]
        fn derived_lists_read_completely() {
            let dir = crate::test_data_dir().join("01_mhlw_facilities");
            for (file, expected) in [
                ("mhlw_derived_clinic_20250601_43_kumamoto_NO_OFFICIAL_COORDS.csv", 1191),
                ("mhlw_derived_dental_20250601_43_kumamoto_NO_OFFICIAL_COORDS.csv", 818),
                ("mhlw_derived_pharmacy_20250601_43_kumamoto_NO_OFFICIAL_COORDS.csv", 870),
            ] {
                let parsed = read_mhlw_facilities(&dir.join(file), "s", file, "43").unwrap();
                assert_eq!(parsed.records.len(), expected, "{file}");
                assert_eq!(parsed.stats.rejected, 0, "{file}: {:?}", parsed.rejections);
            }
        }
    }
}
