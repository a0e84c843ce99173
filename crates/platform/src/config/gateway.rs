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
    /// Serving threads, each a single-threaded runtime with its own listening socket
    /// (`SO_REUSEPORT`) and its own upstream connections; 0 = one per core.
    pub threads: usize,
    /// A client's request head must arrive whole within this long (slow-header attacks).
    pub header_timeout_secs: u64,
    /// A client connection idle this long between requests is closed.
    pub keep_alive_secs: u64,
    /// Upgraded (WebSocket) connections spliced at once; an upgrade beyond gets `503`.
    pub max_websockets: usize,
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
            threads: 0,
            header_timeout_secs: 30,
            keep_alive_secs: 75,
            max_websockets: 50_000,
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
    if config.threads > 256 {
        return Err(ConfigError::key("gateway.threads", "must be at most 256 (0 = one per core)"));
    }
    if !(1..=60_000).contains(&config.health_timeout_ms) {
        return Err(ConfigError::key("gateway.health_timeout_ms", "must be between 1 and 60000"));
    }
    if !(1..=3600).contains(&config.header_timeout_secs) {
        return Err(ConfigError::key("gateway.header_timeout_secs", "must be between 1 and 3600"));
    }
    if !(1..=3600).contains(&config.keep_alive_secs) {
        return Err(ConfigError::key("gateway.keep_alive_secs", "must be between 1 and 3600"));
    }
    if !(1..=10_000_000).contains(&config.max_websockets) {
        return Err(ConfigError::key("gateway.max_websockets", "must be between 1 and 10000000"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::result_large_err)]
    use super::super::{Overrides, load};
    use super::*;

    #[test]
    fn upstreams_come_from_the_environment_as_a_list_or_csv() {
        figment::Jail::expect_with(|jail| {
            jail.set_env(
                "SOJOURN__GATEWAY__UPSTREAMS__BOOKING__URLS",
                "[http://127.0.0.1:4001, http://127.0.0.1:4002]",
            );
            jail.set_env("SOJOURN__GATEWAY__UPSTREAMS__BOOKING__BALANCE", "least_connections");
            jail.set_env("SOJOURN__GATEWAY__UPSTREAMS__CATALOG__URLS", "http://catalog-1:3000,http://catalog-2:3000");
            jail.set_env("SOJOURN__GATEWAY__UPSTREAMS__IDENTITY__URLS", "http://identity:3000");
            jail.set_env("SOJOURN__GATEWAY__RETRIES", "2");
            let c = load(&Overrides::default()).unwrap();
            let booking = &c.gateway.upstreams["booking"];
            assert_eq!(booking.urls, vec!["http://127.0.0.1:4001", "http://127.0.0.1:4002"]);
            assert_eq!(booking.balance, Balance::LeastConnections);
            let catalog = &c.gateway.upstreams["catalog"];
            assert_eq!(catalog.urls, vec!["http://catalog-1:3000", "http://catalog-2:3000"]);
            assert_eq!(catalog.balance, Balance::RoundRobin);
            assert_eq!(c.gateway.upstreams["identity"].urls, vec!["http://identity:3000"]);
            assert_eq!(c.gateway.retries, 2);
            assert_eq!(c.gateway.breaker_failures, 5, "defaults kept");
            Ok(())
        });
    }

    #[test]
    fn upstreams_come_from_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "gw.toml",
                "[gateway]\ntimeout_secs = 5\n[gateway.upstreams.payments]\nurls = [\"http://pay:3000\"]\n",
            )?;
            let overrides = Overrides { config_file: Some("gw.toml".into()), ..Overrides::default() };
            let c = load(&overrides).unwrap();
            assert_eq!(c.gateway.upstreams["payments"].urls, vec!["http://pay:3000"]);
            assert_eq!(c.gateway.timeout_secs, 5);
            Ok(())
        });
    }

    #[test]
    fn bad_upstreams_are_refused_with_their_key() {
        for (key, value, named) in [
            ("SOJOURN__GATEWAY__UPSTREAMS__BOOKING__URLS", "[]", "gateway.upstreams.booking.urls"),
            ("SOJOURN__GATEWAY__UPSTREAMS__BOOKING__URLS", "ftp://b:21", "gateway.upstreams.booking.urls"),
            ("SOJOURN__GATEWAY__UPSTREAMS__BOOKING__URLS", "http://b:3000/api", "gateway.upstreams.booking.urls"),
            ("SOJOURN__GATEWAY__UPSTREAMS__BOOKING__URLS", "http://b:3000/", "gateway.upstreams.booking.urls"),
            ("SOJOURN__GATEWAY__UPSTREAMS__BOOKING__BALANCE", "random", "balance"),
            ("SOJOURN__GATEWAY__UPSTREAMS__BOOKING__URL", "http://b:3000", "url"),
            ("SOJOURN__GATEWAY__MEDIA_UPSTREAM", "catalog", "gateway.media_upstream"),
            ("SOJOURN__GATEWAY__TIMEOUT_SECS", "0", "gateway.timeout_secs"),
            ("SOJOURN__GATEWAY__RETRIES", "6", "gateway.retries"),
            ("SOJOURN__GATEWAY__BREAKER_FAILURES", "0", "gateway.breaker_failures"),
            ("SOJOURN__GATEWAY__RATE_LIMIT__COUNT", "0", "gateway.rate_limit"),
            ("SOJOURN__GATEWAY__HEADER_TIMEOUT_SECS", "0", "gateway.header_timeout_secs"),
            ("SOJOURN__GATEWAY__KEEP_ALIVE_SECS", "3601", "gateway.keep_alive_secs"),
            ("SOJOURN__GATEWAY__MAX_WEBSOCKETS", "0", "gateway.max_websockets"),
        ] {
            figment::Jail::expect_with(|jail| {
                jail.set_env("SOJOURN__GATEWAY__UPSTREAMS__BOOKING__URLS", "http://b:3000");
                jail.set_env(key, value);
                let err = load(&Overrides::default()).unwrap_err().to_string();
                assert!(err.contains(named), "{key}={value}: {err}");
                Ok(())
            });
        }
    }
}
