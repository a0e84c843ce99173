//! The gateway role (`sojourn serve --only gateway`): where each context's instances are, and
//! how the gateway treats them (timeouts, retries, circuit breaker, per-client rate limit).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ConfigError, Limit, list_or_csv};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Balance {
    #[default]
    RoundRobin,
    LeastConnections,
}

/// The instances of one context's service.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpstreamConfig {
    /// Base URLs, e.g. `["http://booking-1:3000", "http://booking-2:3000"]` (or one
    /// comma-separated string in the environment).
    #[serde(deserialize_with = "list_or_csv")]
    pub urls: Vec<String>,
    pub balance: Balance,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GatewayConfig {
    /// By context name (`identity`, `catalog`, `booking`, ...).
    pub upstreams: BTreeMap<String, UpstreamConfig>,
    pub connect_timeout_ms: u64,
    /// An upstream that has not started answering after this long gets `504`.
    pub timeout_secs: u64,
    /// Further attempts on another instance for bodiless GET/HEAD/OPTIONS that could not be sent.
    pub retries: u32,
    /// Consecutive failures that open an instance's circuit breaker.
    pub breaker_failures: u32,
    /// How long an open breaker refuses before letting one trial request through.
    pub breaker_open_secs: u64,
    /// Requests per client address (off with `rate_limit.enabled = false`).
    pub rate_limit: Limit,
    /// Per-instance timeout of the aggregated `/health/ready`.
    pub health_timeout_ms: u64,
    /// Which upstream serves `/media/...` (default `catalog` when configured).
    pub media_upstream: Option<String>,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self {
            upstreams: BTreeMap::new(),
            connect_timeout_ms: 1_000,
            timeout_secs: 30,
            retries: 1,
            breaker_failures: 5,
            breaker_open_secs: 10,
            rate_limit: Limit::new(1_200, 60),
            health_timeout_ms: 1_000,
            media_upstream: None,
        }
    }
}

pub(super) fn validate(config: &GatewayConfig) -> Result<(), ConfigError> {
    for (name, upstream) in &config.upstreams {
        let key = format!("gateway.upstreams.{name}.urls");
        if upstream.urls.is_empty() {
            return Err(ConfigError::key(&key, "needs at least one URL"));
        }
        for url in &upstream.urls {
            // Plain HTTP inside the deployment's network; TLS ends at the edge in front.
            let ok = url.starts_with("http://")
                && !url.ends_with('/')
                && url.parse::<axum::http::Uri>().is_ok_and(|u| u.authority().is_some() && u.path() == "/");
            if !ok {
                return Err(ConfigError::key(
                    &key,
                    format!("`{url}` is not an http:// base URL (http://host:port, no path)"),
                ));
            }
        }
    }
    if let Some(media) = &config.media_upstream
        && !config.upstreams.contains_key(media)
    {
        return Err(ConfigError::key("gateway.media_upstream", format!("`{media}` is not a configured upstream")));
    }
    if !(1..=60_000).contains(&config.connect_timeout_ms) {
        return Err(ConfigError::key("gateway.connect_timeout_ms", "must be between 1 and 60000"));
    }
    if !(1..=3600).contains(&config.timeout_secs) {
        return Err(ConfigError::key("gateway.timeout_secs", "must be between 1 and 3600"));
    }
    if config.retries > 5 {
        return Err(ConfigError::key("gateway.retries", "must be at most 5"));
    }
    if !(1..=1000).contains(&config.breaker_failures) {
        return Err(ConfigError::key("gateway.breaker_failures", "must be between 1 and 1000"));
    }
    if !(1..=3600).contains(&config.breaker_open_secs) {
        return Err(ConfigError::key("gateway.breaker_open_secs", "must be between 1 and 3600"));
    }
    if config.rate_limit.count == 0 || !(1..=86_400).contains(&config.rate_limit.window_secs) {
        return Err(ConfigError::key("gateway.rate_limit", "count ≥ 1 and window_secs between 1 and 86400"));
    }
    if !(1..=60_000).contains(&config.health_timeout_ms) {
        return Err(ConfigError::key("gateway.health_timeout_ms", "must be between 1 and 60000"));
    }
    Ok(())
}
