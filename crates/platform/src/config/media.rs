//! The media context's settings (`[media]`). For now only what VR sessions need; the rest of
//! media (quotas, upload limits) adds its keys here.

use serde::{Deserialize, Serialize};

use super::{ConfigError, Limit};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MediaConfig {
    /// How long a DreamScape VR PIN (`POST /api/v1/vr/sessions`) stays valid, in seconds.
    pub vr_pin_ttl_secs: u64,
    /// PIN lookups and joins per client address (guessing a 6-digit PIN must stay slow).
    pub vr_lookups_per_ip: Limit,
    /// PIN creations per client address.
    pub vr_creations_per_ip: Limit,
}

impl Default for MediaConfig {
    fn default() -> Self {
        Self { vr_pin_ttl_secs: 600, vr_lookups_per_ip: Limit::new(20, 60), vr_creations_per_ip: Limit::new(30, 60) }
    }
}

pub(super) fn validate(config: &MediaConfig) -> Result<(), ConfigError> {
    if !(60..=86_400).contains(&config.vr_pin_ttl_secs) {
        return Err(ConfigError::key("media.vr_pin_ttl_secs", "must be between 60 and 86400"));
    }
    for (key, limit) in [
        ("media.vr_lookups_per_ip", config.vr_lookups_per_ip),
        ("media.vr_creations_per_ip", config.vr_creations_per_ip),
    ] {
        if limit.count == 0 || limit.window_secs == 0 {
            return Err(ConfigError::key(key, "count and window_secs must be at least 1"));
        }
    }
    Ok(())
}
