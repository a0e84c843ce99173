//! `[insights]`: how long raw tracked events are kept, and how many tracking batches a client
//! may send. The rollups built from tracked events (views per listing and hour) hold no
//! personal data and are kept; only the raw rows expire.

use serde::{Deserialize, Serialize};

use super::{ConfigError, Limit};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InsightsConfig {
    /// Raw tracked events received longer ago than this many days are deleted by an hourly job.
    pub tracked_retention_days: u32,
    /// Tracking batches (`POST /api/v1/analytics/events`) per client address.
    pub tracking_per_ip: Limit,
    /// Tracking batches per visitor id.
    pub tracking_per_visitor: Limit,
}

impl Default for InsightsConfig {
    fn default() -> Self {
        Self {
            tracked_retention_days: 90,
            tracking_per_ip: Limit::new(300, 60),
            tracking_per_visitor: Limit::new(60, 60),
        }
    }
}

impl InsightsConfig {
    /// How long raw tracked events are kept.
    pub fn tracked_retention(&self) -> chrono::Duration {
        chrono::Duration::days(i64::from(self.tracked_retention_days))
    }
}

pub(super) fn validate(config: &InsightsConfig) -> Result<(), ConfigError> {
    if !(1..=3650).contains(&config.tracked_retention_days) {
        return Err(ConfigError::key("insights.tracked_retention_days", "must be between 1 and 3650"));
    }
    for (key, limit) in [
        ("insights.tracking_per_ip", config.tracking_per_ip),
        ("insights.tracking_per_visitor", config.tracking_per_visitor),
    ] {
        if limit.count == 0 || !(1..=604_800).contains(&limit.window_secs) {
            return Err(ConfigError::key(key, "count must be at least 1 and window_secs between 1 and 604800"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ninety_days_by_default_and_bounds_are_checked() {
        let config = InsightsConfig::default();
        assert_eq!(config.tracked_retention(), chrono::Duration::days(90));
        assert!(validate(&config).is_ok());
        let forever = InsightsConfig { tracked_retention_days: 0, ..InsightsConfig::default() };
        assert!(validate(&forever).is_err_and(|e| e.to_string().contains("insights.tracked_retention_days")));
        let none = InsightsConfig { tracking_per_visitor: Limit::new(0, 60), ..InsightsConfig::default() };
        assert!(validate(&none).is_err_and(|e| e.to_string().contains("insights.tracking_per_visitor")));
    }
}
