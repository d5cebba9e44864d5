//! Administrative areas: municipalities and secondary medical areas (二次医療圏).

use geo::MultiPolygon;
use serde::{Deserialize, Serialize};

/// A municipality or ward (市区町村; the 5 wards of 熊本市 are separate), from 国土数値情報 N03.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Municipality {
    /// 5-digit 全国地方公共団体コード without the check digit, e.g. "43101".
    pub code: String,
    /// Name without the prefecture, e.g. "熊本市中央区", "阿蘇郡高森町".
    pub name: String,
    /// The secondary medical area this municipality belongs to, when the A38 table has it.
    pub area_code: Option<String>,
    /// Boundary (JGD2011 lon/lat).
    pub geometry: MultiPolygon<f64>,
}

/// A secondary medical area (二次医療圏): the unit of regional health planning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Area {
    /// 4-digit area code of 国土数値情報 A38, e.g. "4312".
    pub code: String,
    /// Area name, e.g. "熊本・上益城".
    pub name: String,
    /// 2-digit prefecture code.
    pub pref_code: String,
    /// Member municipality codes.
    pub municipality_codes: Vec<String>,
    /// 2020 census population (final counts), when known.
    pub population: Option<u64>,
    /// 2020 census population aged 65 and over, when known.
    pub population_65plus: Option<u64>,
    /// Population of the 500 m mesh cells assigned to the area, when mesh data was imported.
    pub mesh_population: Option<u64>,
    /// Mesh population aged 65 and over.
    pub mesh_population_65plus: Option<u64>,
    /// Whether the imported mesh covers the whole area (None when no mesh data was imported).
    pub population_complete: Option<bool>,
    /// Union of the member municipalities' boundaries.
    pub geometry: MultiPolygon<f64>,
}
