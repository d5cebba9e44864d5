//! Where people live: 2020 census population on the 500 m grid (地域メッシュ統計).

use serde::{Deserialize, Serialize};

/// One populated 500 m cell (2分の1地域メッシュ) with its census counts, after e-Stat's suppression
/// (秘匿処理) has been resolved so that every person is counted exactly once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopulationCell {
    /// 9-digit JIS X 0410 500 m mesh code.
    pub code: String,
    /// Latitude of the cell centre.
    pub lat: f64,
    /// Longitude of the cell centre.
    pub lon: f64,
    /// Total population (人口総数).
    pub population: u32,
    /// Population aged 65 and over.
    pub population_65plus: u32,
    /// Population aged 75 and over.
    pub population_75plus: u32,
    /// The municipality the cell belongs to.
    pub municipality_code: Option<String>,
    /// The secondary medical area the cell belongs to.
    pub area_code: Option<String>,
}
