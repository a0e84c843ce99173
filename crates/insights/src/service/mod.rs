//! Insights' use cases: tracking, dashboards, KPIs and reports. Handlers parse and render;
//! the rules are here and in the modules below.

pub mod admin;
mod admin_store;
pub mod host;
pub mod host_statement;
mod host_store;

use std::sync::Arc;

use kernel::Clock;
use platform::db::Db;
use platform::ratelimit::RateLimiter;

#[derive(Clone)]
pub struct Insights {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub limits: Arc<RateLimiter>,
    /// Tracking's configuration (limits, retention, cookie).
    pub tracking: Arc<crate::tracking::Settings>,
}
