//! The embedded backend: GCRA state in this process's memory, sharded by key.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kernel::Clock;

use super::{RetryAfter, retry_after, spacing};
use crate::config::Limit;

const SHARDS: usize = 16;
const MAX_KEYS_PER_SHARD: usize = 50_000;

pub struct LocalLimiter {
    clock: Arc<dyn Clock>,
    /// Key → theoretical arrival time (unix milliseconds) of the next request.
    shards: Vec<Mutex<HashMap<String, i64>>>,
}

impl LocalLimiter {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock, shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect() }
    }

    fn shard(&self, key: &str) -> Option<&Mutex<HashMap<String, i64>>> {
        let h = key.bytes().fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(usize::from(b)));
        self.shards.get(h % SHARDS)
    }

    /// Counts one request against `key`; refuses when `limit` is exhausted.
    pub fn check(&self, key: &str, limit: Limit) -> Result<(), RetryAfter> {
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
