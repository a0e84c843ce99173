//! The realtime channel's limits (`[realtime]`): what one socket may cost the server.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RealtimeConfig {
    /// Largest frame a client may send (bytes); a larger one closes the socket.
    pub max_frame_bytes: usize,
    /// Sockets one user may hold at once (tabs, devices); the next one is refused.
    pub max_connections_per_user: usize,
    /// Events a socket may emit per second (sustained); bursts up to twice that.
    pub emits_per_second: u32,
    /// Events waiting to be written to one socket; a client that falls further behind is
    /// dropped (`slow_consumer`) rather than buffered without bound.
    pub queue_capacity: usize,
    /// Events kept per user for reconnection catch-up.
    pub history_per_user: usize,
    /// How long those events are kept (seconds).
    pub history_ttl_secs: u64,
    /// Engine.IO heartbeat: a ping every `ping_interval_ms`, an answer within `ping_timeout_ms`.
    pub ping_interval_ms: u64,
    pub ping_timeout_ms: u64,
    /// Time a new socket has to authenticate (Socket.IO CONNECT, or the first `/ws` frame).
    pub auth_timeout_ms: u64,
    /// How often revoked sessions are looked for among open sockets.
    pub revocation_check_ms: u64,
    /// NATS subject of the cross-process fan-out (with `nats.url`).
    pub nats_subject: String,
}

impl Default for RealtimeConfig {
    fn default() -> Self {
        Self {
            max_frame_bytes: 64 * 1024,
            max_connections_per_user: 20,
            emits_per_second: 20,
            queue_capacity: 256,
            history_per_user: 100,
            history_ttl_secs: 600,
            ping_interval_ms: 25_000,
            ping_timeout_ms: 20_000,
            auth_timeout_ms: 10_000,
            revocation_check_ms: 250,
            nats_subject: "sojourn.realtime".into(),
        }
    }
}

pub(super) fn validate(config: &RealtimeConfig) -> Result<(), super::ConfigError> {
    let within = |key: &str, value: u64, low: u64, high: u64| {
        if (low..=high).contains(&value) {
            Ok(())
        } else {
            Err(super::ConfigError::key(&format!("realtime.{key}"), format!("must be between {low} and {high}")))
        }
    };
    let size = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
    within("max_frame_bytes", size(config.max_frame_bytes), 1024, 16 * 1024 * 1024)?;
    within("max_connections_per_user", size(config.max_connections_per_user), 1, 100_000)?;
    within("emits_per_second", u64::from(config.emits_per_second), 1, 10_000)?;
    within("queue_capacity", size(config.queue_capacity), 1, 100_000)?;
    within("history_per_user", size(config.history_per_user), 0, 10_000)?;
    within("history_ttl_secs", config.history_ttl_secs, 0, 86_400)?;
    within("ping_interval_ms", config.ping_interval_ms, 100, 600_000)?;
    within("ping_timeout_ms", config.ping_timeout_ms, 100, 600_000)?;
    within("auth_timeout_ms", config.auth_timeout_ms, 100, 600_000)?;
    within("revocation_check_ms", config.revocation_check_ms, 10, 1_000)?;
    let subject_ok = !config.nats_subject.is_empty()
        && config.nats_subject.len() <= 128
        && config
            .nats_subject
            .split('.')
            .all(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
    if !subject_ok {
        return Err(super::ConfigError::key(
            "realtime.nats_subject",
            "must be a NATS subject of letters, digits, `_`, `-` and dots",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pass_and_out_of_range_values_name_their_key() {
        assert!(validate(&RealtimeConfig::default()).is_ok());
        let too_small = RealtimeConfig { max_frame_bytes: 10, ..RealtimeConfig::default() };
        assert!(validate(&too_small).is_err_and(|e| e.to_string().contains("realtime.max_frame_bytes")));
        let bad_subject = RealtimeConfig { nats_subject: "a..b".into(), ..RealtimeConfig::default() };
        assert!(validate(&bad_subject).is_err_and(|e| e.to_string().contains("realtime.nats_subject")));
    }
}
