//! Town-level geocoding (住所ジオコーディング) of facilities without official coordinates: an
//! address is normalised ([`normalize_address`]) and matched to the representative point of its
//! 大字・町丁目 in the Geolonia japanese-addresses gazetteer ([`Gazetteer`]), falling back to its
//! municipality.

mod gazetteer;
mod normalize;
pub mod several;

#[cfg(test)]
mod accuracy;

pub use gazetteer::{Gazetteer, GeocodeMatch, TownPoint, read_town_points};
pub use normalize::{kanji_number, match_key, normalize_address, parse_kanji_number, split_prefecture};

/// The Kumamoto gazetteer built from the real data, for the tests of this module: municipality
/// codes come from the 二次医療圏 table, names and towns from the town points, geometry is empty
/// (the N03 reader lives elsewhere).
#[cfg(test)]
pub(crate) fn kumamoto_gazetteer() -> &'static Gazetteer {
    use std::sync::OnceLock;

    use crate::ingest::CsvTable;
    use crate::model::Municipality;

    static GAZETTEER: OnceLock<Gazetteer> = OnceLock::new();
    GAZETTEER.get_or_init(|| {
        let dir = crate::test_data_dir();
        let towns =
            read_town_points(&dir.join("01_mhlw_facilities/aux/geolonia_town_points_43.csv"), "town_points")
                .expect("town points are readable");
        // The published file has 4 towns without a point (十禅寺四丁目, 世安一〜三丁目); nothing else
        // may be rejected.
        assert_eq!(towns.rejections.len(), 4, "{:?}", towns.rejections);
        assert!(towns.rejections.iter().all(|r| r.value.as_deref() == Some("")), "{:?}", towns.rejections);
        let table =
            CsvTable::open(&dir.join("02_secondary_medical_areas/municipality_to_iryoken2_43_kumamoto.csv"))
                .expect("municipality table is readable");
        let (code, name) = (table.column("muni_code").unwrap(), table.column("muni_name").unwrap());
        let mut cities: Vec<&str> = towns.records.iter().map(|t| t.city.as_str()).collect();
        cities.sort_unstable();
        cities.dedup();
        let municipalities: Vec<Municipality> = table
            .rows
            .iter()
            .map(|row| {
                let short = row.get(name);
                // The table writes 阿蘇郡高森町 as 高森町; the town points have the full name.
                let full = cities
                    .iter()
                    .find(|c| **c == short || c.rsplit_once('郡').is_some_and(|(_, s)| s == short))
                    .map_or(short, |c| c);
                Municipality {
                    code: row.get(code).to_owned(),
                    name: full.to_owned(),
                    area_code: None,
                    geometry: geo::MultiPolygon(Vec::new()),
                }
            })
            .collect();
        assert_eq!(municipalities.len(), 49, "Kumamoto has 45 municipalities, 熊本市 counted as its 5 wards");
        Gazetteer::new("熊本県", &municipalities, towns.records)
    })
}
