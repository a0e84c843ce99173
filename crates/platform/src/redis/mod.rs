//! Redis, when configured (`redis.url`): what the instances of a split deployment share —
//! rate-limit counters, revoked sessions, hot-read caches.
//!
//! Everything here fails open. Redis being slow or gone never fails a request: each command is
//! bounded by `redis.timeout_ms`, and on error the caller falls back (local limits, a cache
//! miss). Errors are counted for `/metrics` and logged at most once every 30 seconds. The
//! process starts even if Redis is down; the connection is made in the background and then
//! re-made by the client after losses.

mod revocations;

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;

use crate::config::Config;

pub use revocations::sync_revocations;

/// What Redis was used for, as the `use` label of `sojourn_redis_errors_total`.
#[derive(Debug, Clone, Copy)]
pub enum Use {
    RateLimit = 0,
    Cache = 1,
    Revocations = 2,
}

const USES: [&str; 3] = ["ratelimit", "cache", "revocations"];
const WARN_EVERY_SECS: i64 = 30;

pub struct Redis {
    client: redis::Client,
    connection: OnceCell<ConnectionManager>,
    prefix: String,
    timeout: Duration,
    pub(crate) cache_ttl: Duration,
    up: AtomicBool,
    errors: [AtomicU64; 3],
    last_warning: AtomicI64,
    pub(crate) cache_hits: AtomicU64,
    pub(crate) cache_misses: AtomicU64,
}

impl Redis {
    /// `None` without `redis.url`. Connects in the background; never fails start-up for an
    /// unreachable server (only for an unusable URL).
    pub fn from_config(config: &Config) -> Result<Option<Arc<Self>>, String> {
        let Some(url) = &config.redis.url else { return Ok(None) };
        let client = redis::Client::open(url.as_str()).map_err(|e| format!("redis.url: {e}"))?;
        let redis = Arc::new(Self {
            client,
            connection: OnceCell::new(),
            prefix: config.redis.key_prefix.clone(),
            timeout: Duration::from_millis(config.redis.timeout_ms),
            cache_ttl: Duration::from_secs(config.redis.cache_ttl_secs),
            up: AtomicBool::new(false),
            errors: Default::default(),
            last_warning: AtomicI64::new(0),
            cache_hits: AtomicU64::new(0),
            cache_misses: AtomicU64::new(0),
        });
        let connecting = redis.clone();
        tokio::spawn(async move { connecting.connect_until_done().await });
        Ok(Some(redis))
    }

    async fn connect_until_done(&self) {
        let mut wait = Duration::from_millis(100);
        loop {
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(Some(self.timeout.max(Duration::from_secs(1))))
                .set_response_timeout(Some(self.timeout))
                .set_number_of_retries(2)
                .set_max_delay(Duration::from_secs(2));
            match self.client.get_connection_manager_with_config(config).await {
                Ok(manager) => {
                    let _ = self.connection.set(manager);
                    self.up.store(true, Ordering::Relaxed);
                    tracing::info!("connected to Redis");
                    return;
                }
                Err(error) => {
                    self.up.store(false, Ordering::Relaxed);
                    self.warn(&format!("cannot connect to Redis yet: {error}"));
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    /// `<prefix><name>`.
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    pub(crate) fn client(&self) -> &redis::Client {
        &self.client
    }

    /// Runs `command` on the shared connection within the timeout; `None` (counted, logged)
    /// when Redis is not connected, slow or failing.
    pub async fn run<T, F, Fut>(&self, purpose: Use, command: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        let Some(connection) = self.connection.get().cloned() else {
            self.failed(purpose, "not connected");
            return None;
        };
        match tokio::time::timeout(self.timeout, command(connection)).await {
            Ok(Ok(value)) => {
                self.up.store(true, Ordering::Relaxed);
                Some(value)
            }
            Ok(Err(error)) => {
                self.failed(purpose, &error.to_string());
                None
            }
            Err(_) => {
                self.failed(purpose, &format!("no answer within {} ms", self.timeout.as_millis()));
                None
            }
        }
    }

    fn failed(&self, purpose: Use, error: &str) {
        self.up.store(false, Ordering::Relaxed);
        if let Some(counter) = self.errors.get(purpose as usize) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        let name = USES.get(purpose as usize).copied().unwrap_or("other");
        self.warn(&format!("Redis unavailable for {name}, falling back: {error}"));
    }

    /// Logs at most once per `WARN_EVERY_SECS`, so an outage does not flood the logs.
    fn warn(&self, message: &str) {
        let now = chrono::Utc::now().timestamp();
        let last = self.last_warning.load(Ordering::Relaxed);
        if now - last >= WARN_EVERY_SECS
            && self.last_warning.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
        {
            tracing::warn!("{message}");
        }
    }

    /// Errors counted so far for `purpose`.
    pub fn errors(&self, purpose: Use) -> u64 {
        self.errors.get(purpose as usize).map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// `sojourn_redis_up` and `sojourn_redis_errors_total{use}` in Prometheus text.
    pub fn render_metrics(&self, out: &mut String) {
        out.push_str("# HELP sojourn_redis_up Whether the last Redis command succeeded (1) or not (0).\n");
        out.push_str("# TYPE sojourn_redis_up gauge\n");
        let _ = writeln!(out, "sojourn_redis_up {}", u8::from(self.up.load(Ordering::Relaxed)));
        out.push_str(
            "# HELP sojourn_redis_errors_total Redis commands that failed or timed out (the caller fell back).\n",
        );
        out.push_str("# TYPE sojourn_redis_errors_total counter\n");
        for (name, counter) in USES.iter().zip(&self.errors) {
            let _ = writeln!(out, "sojourn_redis_errors_total{{use=\"{name}\"}} {}", counter.load(Ordering::Relaxed));
        }
        out.push_str("# HELP sojourn_cache_hits_total Reads answered from the shared cache.\n");
        out.push_str("# TYPE sojourn_cache_hits_total counter\n");
        let _ = writeln!(out, "sojourn_cache_hits_total {}", self.cache_hits.load(Ordering::Relaxed));
        out.push_str("# HELP sojourn_cache_misses_total Reads the shared cache could not answer.\n");
        out.push_str("# TYPE sojourn_cache_misses_total counter\n");
        let _ = writeln!(out, "sojourn_cache_misses_total {}", self.cache_misses.load(Ordering::Relaxed));
    }
}
