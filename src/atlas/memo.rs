//! Values derived from a snapshot, kept with the part of it they depend on.
//!
//! The Atlas is data; what the layers above compute from it (coverage per parameter set, the
//! tiles' prepared geometry and tile cache) is theirs. A [`Memo`] lets each of them keep its
//! derived values *with* a snapshot without the Atlas knowing their types: they live as long as the
//! snapshot part they were computed from and are dropped with it, so a result is never served for
//! data it was not computed from, and no cache needs invalidating.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

type Slot = Arc<OnceLock<Arc<dyn Any + Send + Sync>>>;

/// One value of each type, built on first use. Cheap to look up; the lock is held only to find or
/// add a slot, never while a value is built, so a slow build (a whole-prefecture analysis) blocks
/// neither readers of other types nor other snapshots.
#[derive(Default)]
pub struct Memo {
    slots: Mutex<HashMap<TypeId, Slot>>,
}

impl fmt::Debug for Memo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Memo").field("values", &lock(&self.slots).len()).finish()
    }
}

impl Memo {
    /// The value of type `T`, built by `init` the first time (concurrent first calls wait for one
    /// build rather than each running their own).
    ///
    /// ```
    /// use kanwamap::atlas::Memo;
    /// #[derive(Debug, PartialEq)]
    /// struct Prepared(u32);
    /// let memo = Memo::default();
    /// assert_eq!(*memo.get_or_init(|| Prepared(1)), Prepared(1));
    /// assert_eq!(*memo.get_or_init(|| Prepared(2)), Prepared(1), "built once");
    /// ```
    pub fn get_or_init<T: Any + Send + Sync>(&self, init: impl FnOnce() -> T) -> Arc<T> {
        let slot = Arc::clone(lock(&self.slots).entry(TypeId::of::<T>()).or_default());
        let value = Arc::clone(slot.get_or_init(|| Arc::new(init()) as Arc<dyn Any + Send + Sync>));
        // The slot of `TypeId::of::<T>()` only ever holds a `T`.
        value.downcast::<T>().unwrap_or_else(|_| unreachable!("a memo slot holds the type it is keyed by"))
    }
}

/// Most results a [`Cache`] keeps; a planner explores a few provider sets and radii, so a small bound
/// keeps memory flat without evicting what is in use.
pub const CACHE_CAPACITY: usize = 64;

/// Results by key (e.g. an analysis per parameter set), each computed once. Bounded: when full, a
/// new key empties it.
pub struct Cache<K, V> {
    entries: Mutex<HashMap<K, Arc<OnceLock<Arc<V>>>>>,
}

impl<K, V> Default for Cache<K, V> {
    fn default() -> Self {
        Cache { entries: Mutex::new(HashMap::new()) }
    }
}

impl<K, V> fmt::Debug for Cache<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cache").field("entries", &lock(&self.entries).len()).finish()
    }
}

impl<K: Hash + Eq, V> Cache<K, V> {
    /// The cached value, or `compute()` stored and returned. The map lock is not held while
    /// computing, so a slow analysis never blocks readers of other keys; concurrent requests for
    /// the same new key wait for one computation instead of each running their own (a burst of
    /// map tiles needing one coverage would otherwise start dozens of identical computations).
    pub fn get_or_compute(&self, key: K, compute: impl FnOnce() -> V) -> Arc<V> {
        let cell = {
            let mut entries = lock(&self.entries);
            if !entries.contains_key(&key) && entries.len() >= CACHE_CAPACITY {
                entries.clear();
            }
            Arc::clone(entries.entry(key).or_default())
        };
        Arc::clone(cell.get_or_init(|| Arc::new(compute())))
    }
}

/// A lock that a panic elsewhere cannot leave unusable: the maps are only ever changed by single
/// inserts and clears, which leave them consistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    mod memo {
        use super::*;

        #[test]
        fn one_value_per_type_built_once() {
            let memo = Memo::default();
            let mut builds = 0;
            let a = memo.get_or_init(|| {
                builds += 1;
                7_u32
            });
            let b = memo.get_or_init(|| {
                builds += 1;
                8_u32
            });
            assert_eq!((*a, *b, builds), (7, 7, 1));
            assert_eq!(*memo.get_or_init(|| "text"), "text", "another type, another slot");
        }

        #[test]
        fn concurrent_first_calls_build_once() {
            let memo = Memo::default();
            let builds = std::sync::atomic::AtomicUsize::new(0);
            std::thread::scope(|scope| {
                for _ in 0..8 {
                    scope.spawn(|| {
                        memo.get_or_init(|| {
                            builds.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(20));
                            vec![1_u8; 3]
                        })
                    });
                }
            });
            assert_eq!(builds.into_inner(), 1);
        }
    }

    mod cache {
        use super::*;

        #[test]
        fn computes_each_key_once_and_stays_bounded() {
            let cache: Cache<usize, usize> = Cache::default();
            assert_eq!(*cache.get_or_compute(1, || 10), 10);
            assert_eq!(*cache.get_or_compute(1, || 11), 10);
            for key in 0..CACHE_CAPACITY * 2 {
                cache.get_or_compute(key, || key);
            }
            assert!(lock(&cache.entries).len() <= CACHE_CAPACITY);
        }
    }
}
