//! Which travel supplier answers the voyage routes and prices the cart's flights and hotels.
//! The offline supplier needs nothing; Amadeus needs `travel.amadeus.client_id` here and the
//! `amadeus_client_secret` secret with the others.

use serde::{Deserialize, Serialize};

use super::ConfigError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TravelSupplier {
    /// Built-in: offers generated from bundled airports, cities and airlines; nothing to
    /// configure, nothing leaves the process.
    #[default]
    Offline,
    /// Amadeus Self-Service APIs.
    Amadeus,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TravelConfig {
    pub supplier: TravelSupplier,
    /// The offline supplier's seed: the same seed gives the same schedules, fares and hotels.
    pub offline_seed: u64,
    /// The currency offers are asked in when the client names none (ISO 4217).
    pub currency: String,
    pub amadeus: AmadeusConfig,
}

impl Default for TravelConfig {
    fn default() -> Self {
        Self {
            supplier: TravelSupplier::Offline,
            offline_seed: 1,
            currency: "EUR".into(),
            amadeus: AmadeusConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AmadeusConfig {
    /// `https://test.api.amadeus.com` (Amadeus's test environment) or
    /// `https://api.amadeus.com` (production); a local fake in tests.
    pub base_url: String,
    /// The API key of the Amadeus app (the secret is `amadeus_client_secret`).
    pub client_id: Option<String>,
    /// Per attempt.
    pub timeout_secs: u64,
    /// Attempts of a read (and of a write with an idempotency key) on 429, 5xx or no answer.
    pub max_attempts: u32,
    /// Consecutive failures that open the circuit, and how long it stays open.
    pub breaker_failures: u32,
    pub breaker_open_secs: u64,
    /// Answers kept for reuse (reference data, analytics, searches), at most this many.
    pub cache_entries: usize,
}

impl Default for AmadeusConfig {
    fn default() -> Self {
        Self {
            base_url: "https://test.api.amadeus.com".into(),
            client_id: None,
            timeout_secs: 15,
            max_attempts: 3,
            breaker_failures: 5,
            breaker_open_secs: 30,
            cache_entries: 2_000,
        }
    }
}

pub(super) fn validate(config: &TravelConfig) -> Result<(), ConfigError> {
    let currency_ok = config.currency.len() == 3 && config.currency.chars().all(|c| c.is_ascii_uppercase());
    if !currency_ok {
        return Err(ConfigError::key("travel.currency", "must be an ISO 4217 code such as EUR"));
    }
    let a = &config.amadeus;
    if !(a.base_url.starts_with("http://") || a.base_url.starts_with("https://")) {
        return Err(ConfigError::key("travel.amadeus.base_url", "must be an http:// or https:// URL"));
    }
    if !(1..=120).contains(&a.timeout_secs) {
        return Err(ConfigError::key("travel.amadeus.timeout_secs", "must be between 1 and 120 seconds"));
    }
    if !(1..=10).contains(&a.max_attempts) {
        return Err(ConfigError::key("travel.amadeus.max_attempts", "must be between 1 and 10"));
    }
    if !(1..=1000).contains(&a.breaker_failures) {
        return Err(ConfigError::key("travel.amadeus.breaker_failures", "must be between 1 and 1000"));
    }
    if !(1..=3600).contains(&a.breaker_open_secs) {
        return Err(ConfigError::key("travel.amadeus.breaker_open_secs", "must be between 1 and 3600"));
    }
    if a.cache_entries > 1_000_000 {
        return Err(ConfigError::key("travel.amadeus.cache_entries", "must be at most 1000000"));
    }
    if config.supplier == TravelSupplier::Amadeus && a.client_id.as_deref().is_none_or(str::is_empty) {
        return Err(ConfigError::key("travel.amadeus.client_id", "is required with the amadeus supplier"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_needs_nothing_and_amadeus_its_client_id() {
        assert!(validate(&TravelConfig::default()).is_ok());
        let mut config = TravelConfig { supplier: TravelSupplier::Amadeus, ..TravelConfig::default() };
        assert!(validate(&config).unwrap_err().to_string().contains("travel.amadeus.client_id"));
        config.amadeus.client_id = Some("key".into());
        assert!(validate(&config).is_ok());
        config.currency = "eur".into();
        assert!(validate(&config).unwrap_err().to_string().contains("travel.currency"));
    }
}
