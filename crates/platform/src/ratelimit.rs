//! Rate limits: GCRA (generic cell rate algorithm) per key, in memory. One timestamp per key,
//! exact `Retry-After`, bursts up to the full count. Shared counters across instances come with
//! the Redis backend; this one is the embedded default.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kernel::{ApiError, Clock};

use crate::config::Limit;

const SHARDS: usize = 16;
const MAX_KEYS_PER_SHARD: usize = 50_000;

pub struct RateLimiter {
    enabled: bool,
    clock: Arc<dyn Clock>,
    /// Key → theoretical arrival time (unix milliseconds) of the next request.
    shards: Vec<Mutex<HashMap<String, i64>>>,
}

/// Refused: retry after this many seconds (rounded up, at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

impl From<RetryAfter> for ApiError {
    fn from(r: RetryAfter) -> Self {
        ApiError::from_code(kernel::ErrorCode::RateLimited, "Too many requests, try again later").with_retry_after(r.0)
    }
}

/// The window and the spacing between requests, in milliseconds.
fn spacing(limit: Limit) -> (i64, i64) {
    let window = i64::try_from(limit.window_secs).unwrap_or(i64::MAX / 4).saturating_mul(1000);
    (window, (window / i64::from(limit.count.max(1))).max(1))
}

fn retry_after(wait_ms: i64) -> RetryAfter {
    RetryAfter(u64::try_from(wait_ms.max(0)).unwrap_or(0).div_ceil(1000).max(1))
}

impl RateLimiter {
    pub fn new(enabled: bool, clock: Arc<dyn Clock>) -> Self {
        Self { enabled, clock, shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect() }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    fn shard(&self, key: &str) -> Option<&Mutex<HashMap<String, i64>>> {
        let h = key.bytes().fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(usize::from(b)));
        self.shards.get(h % SHARDS)
    }

    /// Counts one request against `key`; refuses when `limit` is exhausted.
    pub fn check(&self, key: &str, limit: Limit) -> Result<(), RetryAfter> {
        if !self.enabled {
            return Ok(());
        }
        let now = self.clock.now().timestamp_millis();
        let (window, interval) = spacing(limit);
        let Some(shard) = self.shard(key) else { return Ok(()) };
        let Ok(mut map) = shard.lock() else { return Ok(()) };
        if map.len() >= MAX_KEYS_PER_SHARD {
            map.retain(|_, tat| *tat > now);
        }
        let tat = map.get(key).copied().unwrap_or(now).max(now);
        let next = tat + interval;
        if next - now > window {
            let wait_ms = next - now - window;
            return Err(retry_after(wait_ms));
        }
        map.insert(key.to_owned(), next);
        Ok(())
    }

    /// Whether `key` would currently be refused, without counting a request.
    pub fn would_refuse(&self, key: &str, limit: Limit) -> Option<RetryAfter> {
        if !self.enabled {
            return None;
        }
        let now = self.clock.now().timestamp_millis();
        let (window, interval) = spacing(limit);
        let tat = self.shard(key)?.lock().ok()?.get(key).copied()?.max(now);
        let wait = tat + interval - now - window;
        (wait > 0).then(|| retry_after(wait))
    }

    /// Forgets `key` (e.g. failures of an account after a successful login).
    pub fn reset(&self, key: &str) {
        if let Some(Ok(mut map)) = self.shard(key).map(Mutex::lock) {
            map.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use kernel::ManualClock;

    #[test]
    fn allows_the_burst_then_refuses_with_exact_retry_after() {
        let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
        let limiter = RateLimiter::new(true, clock.clone());
        let limit = Limit::new(5, 60);
        for _ in 0..5 {
            limiter.check("k", limit).unwrap();
        }
        assert_eq!(limiter.check("k", limit), Err(RetryAfter(12)));
        assert!(limiter.check("other", limit).is_ok());
        clock.advance(chrono::Duration::seconds(12));
        assert!(limiter.check("k", limit).is_ok());
        assert!(limiter.check("k", limit).is_err());
        limiter.reset("k");
        assert!(limiter.check("k", limit).is_ok());
    }

    #[test]
    fn disabled_never_refuses() {
        let limiter = RateLimiter::new(false, Arc::new(kernel::SystemClock));
        for _ in 0..100 {
            assert!(limiter.check("k", Limit::new(1, 3600)).is_ok());
        }
    }
}
