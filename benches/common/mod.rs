//! What the benches share: a seeded generator, the data directory, and the real hospital
//! coordinates that synthetic national-scale sets are scattered around.

#![allow(dead_code, reason = "each bench uses a subset")]

use std::path::PathBuf;

use kanwamap::ingest::PublishedCoordinate;

/// A small deterministic generator (xorshift64*), so the benches need no RNG dependency and runs
/// compare.
pub struct Rng(pub u64);

impl Rng {
    /// A number in [0, 1).
    pub fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A point uniformly in a lat/lon box.
    pub fn in_box(&mut self, lat: (f64, f64), lon: (f64, f64)) -> (f64, f64) {
        (lat.0 + self.next() * (lat.1 - lat.0), lon.0 + self.next() * (lon.1 - lon.0))
    }
}

/// `KANWAMAP_DATA_DIR`, else `var/data` (filled by scripts/fetch-data.sh).
pub fn data_dir() -> PathBuf {
    std::env::var_os("KANWAMAP_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("var/data"))
}

/// `cargo bench` passes --bench; test runs of the benches (debug, once each) get sets 100 times
/// smaller, where the national scale would take minutes.
pub fn scale(n: usize) -> usize {
    if std::env::args().any(|a| a == "--bench") { n } else { (n / 100).max(1) }
}

/// The 7,317 real hospital coordinates of the national 医療情報ネット file (placeholders excluded).
pub fn hospital_anchors() -> Vec<(f64, f64)> {
    let path = data_dir().join("01_mhlw_facilities/01-1_hospital_facility_info_20250601_ALLJAPAN.csv");
    let mut anchors = Vec::new();
    for pref in 1..=47 {
        let parsed =
            kanwamap::ingest::mhlw::read_mhlw_facilities(&path, "bench", "bench", &format!("{pref:02}"))
                .expect("national hospital file (run scripts/fetch-data.sh)");
        anchors.extend(parsed.records.iter().filter_map(|r| match r.coordinate {
            PublishedCoordinate::Value { lat, lon } if lat != 0.0 => Some((lat, lon)),
            _ => None,
        }));
    }
    anchors
}
