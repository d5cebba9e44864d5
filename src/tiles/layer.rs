//! The tile layers kanwamap serves, their zooms, properties and query parameters, and a tile
//! request with its cache key.

use super::math::TileId;
use crate::analysis::coverage::{CoverageParams, ProviderSet};
use crate::model::PrefectureSet;

/// A layer of `/tiles/{layer}/{z}/{x}/{y}.mvt`; each tile holds one MVT layer of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TileLayer {
    /// Facilities as points, clustered on a grid below z11.
    Facilities,
    /// Secondary medical areas (二次医療圏) with the coverage of a provider set.
    Areas,
    /// Municipalities (市区町村).
    Municipalities,
    /// Populated 500 m census cells with their distance to the nearest provider.
    Coverage,
}

/// The type of a layer property as TileJSON's `vector_layers.fields` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// A string.
    String,
    /// A number (uint or double in the tile).
    Number,
    /// A boolean.
    Boolean,
}

impl FieldType {
    /// The TileJSON name: `String`, `Number`, `Boolean`.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::String => "String",
            FieldType::Number => "Number",
            FieldType::Boolean => "Boolean",
        }
    }
}

impl TileLayer {
    /// Every layer.
    pub const ALL: [TileLayer; 4] =
        [TileLayer::Facilities, TileLayer::Areas, TileLayer::Municipalities, TileLayer::Coverage];

    /// The URL and MVT layer name.
    pub fn name(self) -> &'static str {
        match self {
            TileLayer::Facilities => "facilities",
            TileLayer::Areas => "areas",
            TileLayer::Municipalities => "municipalities",
            TileLayer::Coverage => "coverage",
        }
    }

    /// The layer of a name.
    pub fn from_name(name: &str) -> Option<TileLayer> {
        TileLayer::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The lowest zoom with content (tiles below it are empty).
    pub fn min_zoom(self) -> u8 {
        match self {
            TileLayer::Coverage => 7,
            _ => 0,
        }
    }

    /// The highest zoom the layer adds detail at; clients overzoom beyond it (tiles above it are
    /// still served, with the same data).
    pub fn max_zoom(self) -> u8 {
        match self {
            TileLayer::Facilities => 16,
            _ => 14,
        }
    }

    /// The query parameters the layer accepts (every layer can be restricted to prefectures).
    pub fn parameters(self) -> &'static [&'static str] {
        match self {
            TileLayer::Facilities => &["kind", "needs", "include_stale", "prefecture"],
            TileLayer::Areas | TileLayer::Coverage => {
                &["kind", "needs", "include_stale", "radius_km", "min_providers", "prefecture"]
            }
            TileLayer::Municipalities => &["prefecture"],
        }
    }

    /// The feature properties and their types.
    pub fn fields(self) -> &'static [(&'static str, FieldType)] {
        use FieldType::{Boolean, Number, String};
        match self {
            TileLayer::Facilities => &[
                ("id", String),
                ("name", String),
                ("kind", String),
                ("capabilities", String),
                ("precision", String),
                ("home_care", Boolean),
                ("cluster", Boolean),
                ("point_count", Number),
                ("kinds", String),
            ],
            TileLayer::Areas => &[
                ("code", String),
                ("name", String),
                ("population", Number),
                ("covered_share", Number),
                ("covered_share_65plus", Number),
                ("population_complete", Boolean),
            ],
            TileLayer::Municipalities => &[("code", String), ("name", String), ("area_code", String)],
            TileLayer::Coverage => &[
                ("mesh", String),
                ("population", Number),
                ("population_65plus", Number),
                ("nearest_m", Number),
                ("covered", Boolean),
            ],
        }
    }

    /// A one-line description for TileJSON.
    pub fn description(self) -> &'static str {
        match self {
            TileLayer::Facilities => {
                "Palliative-care resources; below z11 points are clustered on a grid (cluster=true, point_count, kinds)"
            }
            TileLayer::Areas => {
                "Secondary medical areas (二次医療圏) with the covered population share of the requested provider set"
            }
            TileLayer::Municipalities => "Municipalities (市区町村) with their secondary medical area",
            TileLayer::Coverage => {
                "Populated 500 m census cells: distance to the nearest provider of the requested set and whether enough providers are within the radius"
            }
        }
    }
}

/// One tile of one layer for one parameter set.
#[derive(Debug, Clone, PartialEq)]
pub struct TileRequest {
    layer: TileLayer,
    tile: TileId,
    params: CoverageParams,
    prefectures: Option<PrefectureSet>,
}

/// The default parameters of layers that ignore some or all of them, so that equal tiles share one
/// cache entry.
fn neutral_params(providers: ProviderSet) -> CoverageParams {
    CoverageParams { providers, radius_m: 16_000.0, min_providers: 1 }
}

impl TileRequest {
    /// A request; parameters a layer does not use are dropped (facilities use only the provider
    /// set, municipalities nothing).
    pub fn new(layer: TileLayer, tile: TileId, params: CoverageParams) -> Self {
        let params = match layer {
            TileLayer::Areas | TileLayer::Coverage => params,
            TileLayer::Facilities => neutral_params(params.providers),
            TileLayer::Municipalities => neutral_params(ProviderSet::default()),
        };
        TileRequest { layer, tile, params, prefectures: None }
    }

    /// The same request restricted to the features of some prefectures (`None`: all). Areas keep
    /// the coverage computed over the whole registry: providers across a border still count.
    pub fn with_prefectures(mut self, prefectures: Option<PrefectureSet>) -> Self {
        self.prefectures = prefectures;
        self
    }

    /// The prefectures the tile is restricted to, if any.
    pub fn prefectures(&self) -> Option<PrefectureSet> {
        self.prefectures
    }

    /// Whether a feature of the prefecture a code starts with (a prefecture, area or municipality
    /// code) belongs in the tile.
    pub fn keeps_code(&self, code: &str) -> bool {
        self.prefectures.is_none_or(|p| p.contains_code(code))
    }

    /// The layer.
    pub fn layer(&self) -> TileLayer {
        self.layer
    }

    /// The tile.
    pub fn tile(&self) -> TileId {
        self.tile
    }

    /// The parameters the layer uses.
    pub fn params(&self) -> &CoverageParams {
        &self.params
    }

    /// The cache key.
    pub fn key(&self) -> TileKey {
        TileKey {
            layer: self.layer,
            tile: self.tile,
            providers: self.params.providers.clone(),
            radius_bits: self.params.radius_m.to_bits(),
            min_providers: self.params.min_providers,
            prefectures: self.prefectures,
            hour: 0,
        }
    }
}

/// A tile request as a hashable key (the radius by its bit pattern).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TileKey {
    layer: TileLayer,
    tile: TileId,
    providers: ProviderSet,
    radius_bits: u64,
    min_providers: usize,
    prefectures: Option<PrefectureSet>,
    /// The hour a stock-dependent tile was rendered in (0 otherwise): entries crossing the 30-day
    /// staleness line change the tile within the hour.
    hour: i64,
}

impl TileKey {
    /// The key of a stock-dependent tile rendered in `hour` (Unix hours).
    pub fn at_hour(mut self, hour: i64) -> TileKey {
        self.hour = hour;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unused_parameters_share_a_key() {
        for layer in TileLayer::ALL {
            assert_eq!(TileLayer::from_name(layer.name()), Some(layer));
        }
        assert_eq!(TileLayer::from_name("roads"), None);
        let tile = TileId::new(10, 883, 413).unwrap();
        let a = CoverageParams { providers: ProviderSet::default(), radius_m: 4000.0, min_providers: 2 };
        let b = neutral_params(ProviderSet::default());
        assert_eq!(
            TileRequest::new(TileLayer::Municipalities, tile, a.clone()).key(),
            TileRequest::new(TileLayer::Municipalities, tile, b.clone()).key()
        );
        assert_eq!(
            TileRequest::new(TileLayer::Facilities, tile, a.clone()).key(),
            TileRequest::new(TileLayer::Facilities, tile, b.clone()).key()
        );
        assert_ne!(
            TileRequest::new(TileLayer::Coverage, tile, a).key(),
            TileRequest::new(TileLayer::Coverage, tile, b.clone()).key()
        );
        let kumamoto = PrefectureSet::from_codes(["43"]);
        let restricted =
            TileRequest::new(TileLayer::Municipalities, tile, b.clone()).with_prefectures(kumamoto);
        assert_ne!(restricted.key(), TileRequest::new(TileLayer::Municipalities, tile, b).key());
        assert!(restricted.keeps_code("43101") && !restricted.keeps_code("40202"));
    }
}
