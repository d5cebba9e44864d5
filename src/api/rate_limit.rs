//! A token-bucket rate limit per bearer token: a pharmacy can save its list many times in a minute
//! (a few clicks), but a leaked or looping client cannot flood the single database writer.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Writes allowed per token: `per_minute` on average, bursts of up to `per_minute` at once.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<i64, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    /// A limit of `per_minute` writes per token; 0 disables the limit.
    pub fn new(per_minute: u32) -> Self {
        RateLimiter { per_minute, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one write for `key` at `now`: Ok, or Err with the wait until the next write is allowed.
    pub fn check(&self, key: i64, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let bucket = buckets.entry(key).or_insert(Bucket { tokens: capacity, at: now });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_average_rate() {
        let limiter = RateLimiter::new(6);
        let t0 = Instant::now();
        for _ in 0..6 {
            assert!(limiter.check(1, t0).is_ok());
        }
        let wait = limiter.check(1, t0).unwrap_err();
        assert!((wait.as_secs_f64() - 10.0).abs() < 1e-6, "{wait:?}");
        assert!(limiter.check(2, t0).is_ok(), "another token has its own bucket");
        assert!(limiter.check(1, t0 + Duration::from_secs(10)).is_ok());
        assert!(limiter.check(1, t0 + Duration::from_secs(10)).is_err());
    }

    #[test]
    fn zero_means_unlimited() {
        let limiter = RateLimiter::new(0);
        let t0 = Instant::now();
        assert!((0..10_000).all(|_| limiter.check(1, t0).is_ok()));
    }
}
