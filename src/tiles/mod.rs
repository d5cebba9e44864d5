//! Vector tiles (Mapbox Vector Tile 2.1) of the registry: tile math, the MVT encoder and decoder,
//! clipping, simplification, clustering, the per-snapshot prepared geometry and the tile cache.

pub mod clip;
pub mod math;
pub mod mvt;
pub mod simplify;
