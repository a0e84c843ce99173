//! Where the other contexts are when they run as their own services: a context that asks
//! another a synchronous question (see `crate::contracts`) calls it over HTTP at this base URL
//! when that context is not in the same process. Calls carry the `internal_api_key` secret.

use serde::{Deserialize, Serialize};

use super::ConfigError;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServicesConfig {
    /// The payments service, e.g. `http://payments.internal:8080`.
    pub payments_url: Option<String>,
    /// The booking service: payments asks it about reservations it has not heard of yet;
    /// search reads its availability feed.
    pub booking_url: Option<String>,
    /// The catalog service: booking asks it about listings it has not heard of yet; search
    /// reads its listings feed.
    pub catalog_url: Option<String>,
    /// The reviews service: search reads its ratings feed.
    pub reviews_url: Option<String>,
    /// The travel service: booking's cart prices, books and cancels flights and hotels there.
    pub travel_url: Option<String>,
}

impl ServicesConfig {
    /// Whether this process calls any other service (and so needs `internal_api_key`).
    pub fn any(&self) -> bool {
        self.payments_url.is_some()
            || self.booking_url.is_some()
            || self.catalog_url.is_some()
            || self.reviews_url.is_some()
            || self.travel_url.is_some()
    }
}

pub(super) fn validate(config: &ServicesConfig) -> Result<(), ConfigError> {
    for (key, url) in [
        ("services.payments_url", &config.payments_url),
        ("services.booking_url", &config.booking_url),
        ("services.catalog_url", &config.catalog_url),
        ("services.reviews_url", &config.reviews_url),
        ("services.travel_url", &config.travel_url),
    ] {
        if let Some(url) = url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::key(key, "must be an http:// or https:// URL"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reviews_url_is_a_service_to_call_and_must_be_http() {
        let mut c = ServicesConfig { reviews_url: Some("http://reviews.internal:3000".into()), ..Default::default() };
        assert!(c.any(), "calling reviews needs the internal key");
        assert!(validate(&c).is_ok());
        c.reviews_url = Some("reviews.internal:3000".into());
        let err = validate(&c).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("services.reviews_url"), "{err}");
    }
}
