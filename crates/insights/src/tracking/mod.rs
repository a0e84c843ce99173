//! Event tracking: what clients tell us people looked at (pages, listings), searched and
//! clicked, sent in batches to `POST /api/v1/analytics/events`. Only with consent (GDPR): a
//! signed-in user's events are kept while their `analytics` consent (identity's, learnt from
//! `user.consent_changed`) is granted, an anonymous visitor's when the request says the
//! visitor agreed; robots are dropped by user agent. Raw events are kept for
//! `insights.tracked_retention_days`; listing views are counted per listing and local hour
//! for host dashboards. Searches are counted from search's own `search.performed` events,
//! not from tracked ones, so clients that block trackers do not skew conversion.

pub mod domain;
pub mod events;
pub mod http;
pub mod privacy;
pub mod service;
pub mod store;

use std::time::Duration;

use platform::config::{Config, Limit, Mode};

/// How often expired raw events are deleted.
pub const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// What tracking takes from the configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    pub per_ip: Limit,
    pub per_visitor: Limit,
    pub retention: chrono::Duration,
    /// `Secure` on the visitor cookie whatever the request's scheme (`auth.cookie_secure`;
    /// unset: in production mode).
    pub cookie_secure: bool,
}

impl Settings {
    pub fn from_config(config: &Config) -> Self {
        Settings {
            per_ip: config.insights.tracking_per_ip,
            per_visitor: config.insights.tracking_per_visitor,
            retention: config.insights.tracked_retention(),
            cookie_secure: config.auth.cookie_secure.unwrap_or(config.mode == Mode::Production),
        }
    }
}
