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
}

pub(super) fn validate(config: &ServicesConfig) -> Result<(), ConfigError> {
    if let Some(url) = &config.payments_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return Err(ConfigError::key("services.payments_url", "must be an http:// or https:// URL"));
    }
    Ok(())
}
