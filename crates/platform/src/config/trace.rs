//! `[trace]`: OpenTelemetry traces over OTLP/HTTP. Off unless `otlp_endpoint` is set, so a
//! process that does not trace pays one branch per request and nothing else.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ConfigError;
use crate::secrets::Secret;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TraceConfig {
    /// Base URL of an OTLP/HTTP receiver (an OpenTelemetry Collector, Jaeger, Tempo…); spans
    /// are POSTed as JSON to `{otlp_endpoint}/v1/traces`. Unset: no tracing.
    pub otlp_endpoint: Option<String>,
    /// `service.name` of this process's spans. Unset: `sojourn`, or `sojourn-<context>` for a
    /// process running one context, `sojourn-gateway` for the gateway.
    pub service_name: Option<String>,
    /// Share of new traces recorded (0 to 1). A request that arrives with a `traceparent`
    /// follows its caller's decision instead.
    pub sample_ratio: f64,
    /// Headers sent with every export (a collector's `authorization`): secrets, never logged.
    pub headers: BTreeMap<String, Secret>,
}

impl Default for TraceConfig {
    fn default() -> Self {
        Self { otlp_endpoint: None, service_name: None, sample_ratio: 1.0, headers: BTreeMap::new() }
    }
}

pub(super) fn validate(config: &TraceConfig) -> Result<(), ConfigError> {
    if let Some(url) = &config.otlp_endpoint
        && !((url.starts_with("http://") || url.starts_with("https://")) && url.len() > 8)
    {
        return Err(ConfigError::key("trace.otlp_endpoint", "must be an http:// or https:// URL"));
    }
    // The endpoint is logged at start-up: credentials belong in `trace.headers`.
    if let Some(url) = &config.otlp_endpoint
        && url.split("://").nth(1).and_then(|rest| rest.split('/').next()).is_some_and(|host| host.contains('@'))
    {
        return Err(ConfigError::key("trace.otlp_endpoint", "no credentials in the URL: use trace.headers"));
    }
    if !(0.0..=1.0).contains(&config.sample_ratio) {
        return Err(ConfigError::key("trace.sample_ratio", "must be between 0 and 1"));
    }
    if let Some(name) = &config.service_name
        && (name.trim().is_empty() || name.len() > 100)
    {
        return Err(ConfigError::key("trace.service_name", "must be 1 to 100 characters"));
    }
    for (name, value) in &config.headers {
        let valid = axum::http::HeaderName::from_bytes(name.as_bytes()).is_ok()
            && axum::http::HeaderValue::from_str(value.expose()).is_ok();
        if !valid {
            // The name only: the value is a secret.
            return Err(ConfigError::key("trace.headers", format!("`{name}` is not a valid header")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_by_default_and_checked_when_on() {
        let config = TraceConfig::default();
        assert!(config.otlp_endpoint.is_none() && validate(&config).is_ok());
        let mut bad = TraceConfig { otlp_endpoint: Some("collector:4318".into()), ..TraceConfig::default() };
        assert!(validate(&bad).is_err());
        bad.otlp_endpoint = Some("http://user:secret@collector:4318".into());
        assert!(validate(&bad).is_err(), "credentials go in headers");
        bad.otlp_endpoint = Some("http://collector:4318".into());
        bad.sample_ratio = 1.5;
        assert!(validate(&bad).is_err());
        bad.sample_ratio = 0.25;
        bad.headers.insert("bad header".into(), Secret::new("x"));
        assert!(validate(&bad).is_err());
    }
}
