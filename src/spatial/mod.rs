//! Spatial machinery: geodesic distances, the facility index for exact nearest search.

pub mod geodesy;
mod index;

pub use index::{FacilityIndex, IndexedFacility, NearestQuery, Neighbor};
