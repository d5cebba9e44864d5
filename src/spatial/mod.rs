//! Spatial machinery: geodesic distances, the facility index for exact nearest search, polygon
//! location (point → municipality).

pub mod geodesy;
mod index;
pub mod locate;
pub mod mesh;

pub use index::{FacilityIndex, IndexedFacility, NearestQuery, Neighbor};
