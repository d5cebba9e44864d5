//! The tiles of a snapshot: the geometry they are cut from (prepared once per registry part) and
//! the rendered tiles (kept in a bounded cache with the part they depend on: the registry part for
//! most, the stock snapshot for tiles filtered by opioid stock or pharmacy services).

use std::sync::Arc;

use super::cache::{DEFAULT_CACHE_BYTES, EncodedTile, TileCache};
use super::layer::{TileKey, TileRequest};
use super::render::render;
use super::source::TileSource;
use crate::atlas::{Atlas, now_unix};

/// The tile cache of one stock snapshot: stock-filtered tiles are few (a pharmacy search), and the
/// cache is dropped with the snapshot at the next stock write.
const STOCK_TILE_CACHE_BYTES: usize = 8 << 20;

/// The geometry vector tiles are cut from, prepared the first time a tile of the snapshot is asked
/// for (so snapshots that never serve tiles never pay for it).
pub fn tile_source(atlas: &Atlas) -> Arc<TileSource> {
    atlas.registry_memo().get_or_init(|| {
        TileSource::new(atlas.facilities(), atlas.areas(), atlas.municipalities(), atlas.cells())
    })
}

/// A tile from the snapshot's tile cache, when it is there (cheap: no rendering).
pub fn cached_tile(atlas: &Atlas, request: &TileRequest) -> Option<Arc<EncodedTile>> {
    let (cache, key) = cache_for(atlas, request);
    cache.get(&key)
}

/// A vector tile, rendered once per request key and snapshot (the cache is bounded; evicted tiles
/// are rendered again). May take milliseconds on a miss (tens when the layer needs a coverage not
/// computed yet): call from a blocking context.
pub fn tile(atlas: &Atlas, request: &TileRequest) -> Arc<EncodedTile> {
    if let Some(hit) = cached_tile(atlas, request) {
        return hit;
    }
    let bytes = render(atlas, &tile_source(atlas), request);
    let (cache, key) = cache_for(atlas, request);
    cache.insert(key, EncodedTile::new(bytes))
}

/// The cache a tile belongs in: the registry part's (the tile cache type is memoised once per
/// memo, and only this module keeps one there) or, for tiles filtered by stock, the stock
/// snapshot's, keyed by the hour as the staleness rule requires.
fn cache_for(atlas: &Atlas, request: &TileRequest) -> (Arc<TileCache>, TileKey) {
    if request.params().providers.concerns_stock() {
        let cache = atlas.stock_memo().get_or_init(|| TileCache::new(STOCK_TILE_CACHE_BYTES));
        (cache, request.key().at_hour(now_unix() / 3600))
    } else {
        (atlas.registry_memo().get_or_init(|| TileCache::new(DEFAULT_CACHE_BYTES)), request.key())
    }
}
