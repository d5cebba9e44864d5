//! Analyses over the Atlas: pure functions of the snapshot's cells, facilities and areas —
//! coverage within a radius, spatial accessibility scores (E2SFCA), and the regions no provider
//! reaches.

pub mod access;
pub mod area_access;
pub mod coverage;
pub mod gaps;
pub mod snapshot;
