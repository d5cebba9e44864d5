//! Encoded tiles and a bounded cache of them. The cache lives in the snapshot (like the coverage
//! cache), so a new snapshot starts empty and never serves tiles of old data.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use sha2::{Digest, Sha256};

use super::layer::TileKey;

/// One encoded tile as served: the plain MVT bytes, the same gzipped, and a strong ETag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedTile {
    /// The MVT bytes (empty for an empty tile).
    pub plain: Bytes,
    /// The bytes gzipped (empty for an empty tile).
    pub gzip: Bytes,
    /// The hex SHA-256 prefix (128 bits) of the plain bytes, without quotes.
    pub hash: String,
}

impl EncodedTile {
    /// Gzips and hashes an encoded tile.
    pub fn new(plain: Vec<u8>) -> Self {
        let digest = Sha256::digest(&plain);
        let hash = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        let gzip = if plain.is_empty() {
            Vec::new()
        } else {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            // Writing to a Vec cannot fail.
            let _ = encoder.write_all(&plain);
            encoder.finish().unwrap_or_default()
        };
        EncodedTile { plain: Bytes::from(plain), gzip: Bytes::from(gzip), hash }
    }

    /// Whether the tile has no feature.
    pub fn is_empty(&self) -> bool {
        self.plain.is_empty()
    }

    /// Bytes held.
    fn size(&self) -> usize {
        self.plain.len() + self.gzip.len() + self.hash.len() + 64
    }
}

/// The default budget: 64 MiB of tiles per snapshot (a few tens of thousands of Kumamoto tiles).
pub const DEFAULT_CACHE_BYTES: usize = 64 << 20;

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<TileKey, Arc<EncodedTile>>,
    bytes: usize,
}

/// A cache of encoded tiles bounded by bytes. When full, arbitrary entries (the hash map's
/// iteration order, effectively random) are evicted until the new tile fits: no bookkeeping on the
/// hit path, and hot tiles come back after one render.
#[derive(Debug)]
pub struct TileCache {
    entries: Mutex<Entries>,
    budget: usize,
}

impl TileCache {
    /// An empty cache holding at most `budget` bytes.
    pub fn new(budget: usize) -> Self {
        TileCache { entries: Mutex::new(Entries::default()), budget }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // Inserts and removals keep the map and the byte count consistent between statements that
        // cannot panic, so a poisoned lock still guards consistent data.
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The cached tile.
    pub fn get(&self, key: &TileKey) -> Option<Arc<EncodedTile>> {
        self.lock().map.get(key).cloned()
    }

    /// Stores a tile (keeping one already stored for the key) and returns the stored one.
    pub fn insert(&self, key: TileKey, tile: EncodedTile) -> Arc<EncodedTile> {
        let size = tile.size();
        let mut entries = self.lock();
        if let Some(existing) = entries.map.get(&key) {
            return Arc::clone(existing);
        }
        while entries.bytes + size > self.budget {
            let Some(victim) = entries.map.keys().next().cloned() else { break };
            if let Some(old) = entries.map.remove(&victim) {
                entries.bytes -= old.size();
            }
        }
        let tile = Arc::new(tile);
        if size <= self.budget {
            entries.bytes += size;
            entries.map.insert(key, Arc::clone(&tile));
        }
        tile
    }

    /// Tiles held.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }
}
