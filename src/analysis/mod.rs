//! Analyses over population and providers: spatial accessibility scores (E2SFCA) and the regions
//! that no provider reaches.

pub mod access;
pub mod gaps;
