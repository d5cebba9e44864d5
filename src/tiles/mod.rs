//! Vector tiles (Mapbox Vector Tile 2.1) of the registry: tile math, the MVT encoder and decoder,
//! clipping, simplification, clustering, the per-snapshot prepared geometry and the tile cache.

pub mod cache;
pub mod clip;
pub mod cluster;
pub mod layer;
pub mod math;
pub mod mvt;
pub mod render;
pub mod simplify;
pub mod snapshot;
pub mod source;
