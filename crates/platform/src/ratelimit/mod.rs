//! Rate limits: GCRA (generic cell rate algorithm) per key. One timestamp per key, exact
//! `Retry-After`, bursts up to the full count. State lives in this process by default; with
//! `redis.url` set it lives in Redis so a limit holds across every instance of a service.

mod local;
mod redis;

use std::sync::Arc;

use kernel::{ApiError, Clock};

use crate::config::Limit;
pub use local::LocalLimiter;
pub use redis::RedisLimiter;

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

/// Every rate limit of a process goes through this: shared counters on Redis when configured,
/// this process's own otherwise — and whenever Redis fails (fail open, never a 5xx).
pub struct RateLimiter {
    enabled: bool,
    clock: Arc<dyn Clock>,
    local: LocalLimiter,
    shared: Option<RedisLimiter>,
}

impl RateLimiter {
    pub fn new(enabled: bool, clock: Arc<dyn Clock>) -> Self {
        Self { enabled, local: LocalLimiter::new(clock.clone()), clock, shared: None }
    }

    /// Counts on `redis` (shared by every instance), falling back to local counting.
    pub fn with_redis(mut self, redis: Option<Arc<crate::redis::Redis>>) -> Self {
        self.shared = redis.map(RedisLimiter::new);
        self
    }

    fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Counts one request against `key`; refuses when `limit` is exhausted.
    pub async fn check(&self, key: &str, limit: Limit) -> Result<(), RetryAfter> {
        if !self.enabled {
            return Ok(());
        }
        if let Some(shared) = &self.shared
            && let Ok(verdict) = shared.check(key, limit, self.now_ms()).await
        {
            return verdict.map_or(Ok(()), Err);
        }
        self.local.check(key, limit)
    }

    /// Whether `key` would currently be refused, without counting a request.
    pub async fn would_refuse(&self, key: &str, limit: Limit) -> Option<RetryAfter> {
        if !self.enabled {
            return None;
        }
        if let Some(shared) = &self.shared
            && let Ok(verdict) = shared.would_refuse(key, limit, self.now_ms()).await
        {
            return verdict;
        }
        self.local.would_refuse(key, limit)
    }

    /// Forgets `key` (e.g. failures of an account after a successful login).
    pub async fn reset(&self, key: &str) {
        if let Some(shared) = &self.shared {
            shared.reset(key).await;
        }
        self.local.reset(key);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use kernel::ManualClock;

    #[tokio::test]
    async fn allows_the_burst_then_refuses_with_exact_retry_after() {
        let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
        let limiter = RateLimiter::new(true, clock.clone());
        let limit = Limit::new(5, 60);
        for _ in 0..5 {
            limiter.check("k", limit).await.unwrap();
        }
        assert_eq!(limiter.check("k", limit).await, Err(RetryAfter(12)));
        assert!(limiter.check("other", limit).await.is_ok());
        clock.advance(chrono::Duration::seconds(12));
        assert!(limiter.check("k", limit).await.is_ok());
        assert!(limiter.check("k", limit).await.is_err());
        limiter.reset("k").await;
        assert!(limiter.check("k", limit).await.is_ok());
    }

    #[tokio::test]
    async fn disabled_never_refuses() {
        let limiter = RateLimiter::new(false, Arc::new(kernel::SystemClock));
        for _ in 0..100 {
            assert!(limiter.check("k", Limit::new(1, 3600)).await.is_ok());
        }
    }
}
