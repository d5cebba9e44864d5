//! Analyses over the Atlas: pure functions of the snapshot's cells, facilities and areas.

pub mod coverage;
