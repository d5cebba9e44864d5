//! kanwamap — GIS resource mapping for regional palliative care (地域緩和ケア) in Japan.
//!
//! The pipeline: official files → [`ingest`] → [`import`] (geocoding, joins) → [`store`] (SQLite,
//! the single source of truth) → [`atlas`] (an immutable in-memory snapshot with spatial indexes)
//! → [`api`] (HTTP) and the CLI.

pub mod analysis;
pub mod api;
pub mod atlas;
pub mod care_team;
pub mod geocode;
pub mod import;
pub mod ingest;
pub mod model;
pub mod spatial;
pub mod store;
pub mod tiles;
pub mod writer;

/// Where tests find the real data: `KANWAMAP_DATA_DIR`, else `var/data` in the repository (filled by
/// `scripts/fetch-data.sh`). Tests on real data fail loudly when it is missing rather than skip.
#[cfg(test)]
#[allow(dead_code, reason = "used by the real-data tests of several modules")]
pub(crate) fn test_data_dir() -> std::path::PathBuf {
    let dir = std::env::var_os("KANWAMAP_DATA_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("var/data"));
    assert!(
        dir.join("01_mhlw_facilities").is_dir(),
        "real data not found in {}: run scripts/fetch-data.sh or set KANWAMAP_DATA_DIR",
        dir.display()
    );
    dir
}
