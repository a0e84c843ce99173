//! Which payment processor a deployment uses and how to reach it. The processor's secrets
//! (`stripe_secret_key`, `paypal_client_secret`, `payments_webhook_secret`) live with the
//! other secrets, never here.

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// The processor behind `/api/v1/payment`: one per deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Offline, Stripe-like test cards; nothing to configure.
    #[default]
    Sandbox,
    Stripe,
    Paypal,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PaymentsConfig {
    pub provider: Provider,
    pub stripe: StripeConfig,
    pub paypal: PaypalConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StripeConfig {
    /// Stripe's API; a local fake in tests.
    pub base_url: String,
    /// `pk_live_…` / `pk_test_…`, handed to clients by `GET /api/v1/payment/config`.
    pub publishable_key: Option<String>,
    /// Sent as `Stripe-Version`, so Stripe's answers keep the shape this code reads.
    pub api_version: String,
    pub timeout_secs: u64,
}

impl Default for StripeConfig {
    fn default() -> Self {
        Self {
            base_url: "https://api.stripe.com".into(),
            publishable_key: None,
            api_version: "2024-06-20".into(),
            timeout_secs: 20,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PaypalConfig {
    /// `https://api-m.paypal.com` live, `https://api-m.sandbox.paypal.com` for PayPal's sandbox.
    pub base_url: String,
    /// The REST app's client id (public: clients load PayPal's JS SDK with it).
    pub client_id: Option<String>,
    /// The id PayPal gave the webhook registered for `/api/v1/payment/webhook/paypal`;
    /// deliveries are verified against it.
    pub webhook_id: Option<String>,
    /// Where PayPal sends the buyer after approving, and after giving up.
    pub return_url: Option<String>,
    pub cancel_url: Option<String>,
    pub timeout_secs: u64,
}

impl Default for PaypalConfig {
    fn default() -> Self {
        Self {
            base_url: "https://api-m.sandbox.paypal.com".into(),
            client_id: None,
            webhook_id: None,
            return_url: None,
            cancel_url: None,
            timeout_secs: 20,
        }
    }
}

fn http_url(key: &str, url: &str) -> Result<(), ConfigError> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        Err(ConfigError::key(key, "must be an http:// or https:// URL"))
    }
}

pub(super) fn validate(config: &PaymentsConfig) -> Result<(), ConfigError> {
    http_url("payments.stripe.base_url", &config.stripe.base_url)?;
    http_url("payments.paypal.base_url", &config.paypal.base_url)?;
    for (key, url) in [
        ("payments.paypal.return_url", &config.paypal.return_url),
        ("payments.paypal.cancel_url", &config.paypal.cancel_url),
    ] {
        if let Some(url) = url {
            http_url(key, url)?;
        }
    }
    for (key, secs) in [
        ("payments.stripe.timeout_secs", config.stripe.timeout_secs),
        ("payments.paypal.timeout_secs", config.paypal.timeout_secs),
    ] {
        if !(1..=120).contains(&secs) {
            return Err(ConfigError::key(key, "must be between 1 and 120 seconds"));
        }
    }
    if config.provider == Provider::Paypal && config.paypal.client_id.as_deref().is_none_or(str::is_empty) {
        return Err(ConfigError::key("payments.paypal.client_id", "is required with the paypal provider"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sandbox_needs_nothing_and_paypal_its_client_id() {
        assert!(validate(&PaymentsConfig::default()).is_ok());
        let mut config = PaymentsConfig { provider: Provider::Paypal, ..PaymentsConfig::default() };
        assert!(validate(&config).unwrap_err().to_string().contains("payments.paypal.client_id"));
        config.paypal.client_id = Some("AbC123".into());
        assert!(validate(&config).is_ok());
        config.stripe.base_url = "api.stripe.com".into();
        assert!(validate(&config).unwrap_err().to_string().contains("payments.stripe.base_url"));
        config.stripe.base_url = "https://api.stripe.com".into();
        config.paypal.timeout_secs = 0;
        assert!(validate(&config).unwrap_err().to_string().contains("payments.paypal.timeout_secs"));
    }

    #[test]
    fn the_provider_reads_in_lower_case() {
        let config: PaymentsConfig = serde_json::from_str(r#"{"provider": "stripe"}"#).unwrap();
        assert_eq!(config.provider, Provider::Stripe);
        assert!(serde_json::from_str::<PaymentsConfig>(r#"{"provider": "square"}"#).is_err());
    }
}
