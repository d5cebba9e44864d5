//! Spatial queries over areas and facilities.

pub mod locate;
