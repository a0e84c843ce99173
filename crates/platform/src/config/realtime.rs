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
