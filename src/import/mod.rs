//! Turning ingested records into the registry: joins between sources (and, later, geocoding and the
//! import pipeline).

pub mod join;
