//! The typed configuration tree. Defaults live here, in code; `load` layers a `sojourn.toml`
//! and environment variables over them. Every key is documented in `docs/configuration.md`.

mod ai;
mod audit;
mod gateway;
mod insights;
mod jobs;
mod load;
mod media;
mod notifications;
mod payments;
mod realtime;
mod sections;
mod services;
mod trace;
mod travel;
mod web;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize};

use crate::secrets::Secret;

pub use ai::{AiConfig, AiModelConfig, RecommendConfig, WeatherConfig};
pub use audit::AuditConfig;
pub use gateway::{Balance, GatewayConfig, UpstreamConfig};
pub use insights::InsightsConfig;
pub use jobs::JobsConfig;
pub use load::{ConfigError, Overrides, load};
pub use media::MediaConfig;
pub use notifications::{NotificationsConfig, PushConfig, SmsConfig, SmsProvider, minutes_of};
pub use payments::{PaymentsConfig, PaypalConfig, Provider as PaymentProvider, StripeConfig};
pub use realtime::RealtimeConfig;
pub use sections::{
    AuthConfig, BookingConfig, GeocodingConfig, Limit, MailConfig, PasswordHashConfig, RateLimitConfig, S3Config,
    StorageBackend, StorageConfig,
};
pub use services::ServicesConfig;
pub use trace::TraceConfig;
pub use travel::{AmadeusConfig, TravelConfig, TravelSupplier};
pub use web::{DEFAULT_WEB_CSP, RESERVED_SEGMENTS, WebMount, validate as validate_web};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Secrets are generated and stored under the data directory on first start.
    Development,
    /// Secrets must be configured; the process refuses to start without them.
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub mode: Mode,
    pub data_dir: PathBuf,
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub redis: RedisConfig,
    pub nats: UrlConfig,
    pub log: LogConfig,
    pub cors: CorsConfig,
    pub events: EventsConfig,
    pub auth: AuthConfig,
    pub rate_limit: RateLimitConfig,
    pub mail: MailConfig,
    pub storage: StorageConfig,
    pub geocoding: GeocodingConfig,
    pub booking: BookingConfig,
    pub payments: PaymentsConfig,
    /// The travel supplier (offline or Amadeus).
    pub travel: TravelConfig,
    /// Email, SMS and push delivery.
    pub notifications: NotificationsConfig,
    /// Panoramas, videos, tours and VR sessions: sizes, quotas, ffmpeg.
    pub media: MediaConfig,
    /// The durable job queue's workers.
    pub jobs: JobsConfig,
    /// Tracked events: retention and rate limits.
    pub insights: InsightsConfig,
    /// Recommendations, the assistant and the model-backed tools.
    pub ai: AiConfig,
    /// The audit log's retention.
    pub audit: AuditConfig,
    /// OpenTelemetry traces over OTLP (off unless `trace.otlp_endpoint` is set).
    pub trace: TraceConfig,
    pub services: ServicesConfig,
    /// Sockets (`/socket.io/`, `/ws`): frame, rate and memory limits.
    pub realtime: RealtimeConfig,
    /// The gateway role: upstreams and edge policies.
    pub gateway: GatewayConfig,
    /// Per-context overrides (`contexts.booking.database_url`), so each service can own its
    /// database.
    pub contexts: BTreeMap<String, ContextConfig>,
    /// Named secrets (`jwt_signing_key`, ...). In development, missing ones are generated.
    pub secrets: BTreeMap<String, Secret>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            mode: Mode::Development,
            data_dir: PathBuf::from("./data"),
            server: ServerConfig::default(),
            database: DatabaseConfig::default(),
            redis: RedisConfig::default(),
            nats: UrlConfig::default(),
            log: LogConfig::default(),
            cors: CorsConfig::default(),
            events: EventsConfig::default(),
            auth: AuthConfig::default(),
            rate_limit: RateLimitConfig::default(),
            mail: MailConfig::default(),
            storage: StorageConfig::default(),
            geocoding: GeocodingConfig::default(),
            booking: BookingConfig::default(),
            payments: PaymentsConfig::default(),
            travel: TravelConfig::default(),
            notifications: NotificationsConfig::default(),
            media: MediaConfig::default(),
            jobs: JobsConfig::default(),
            insights: InsightsConfig::default(),
            ai: AiConfig::default(),
            audit: AuditConfig::default(),
            trace: TraceConfig::default(),
            services: ServicesConfig::default(),
            realtime: RealtimeConfig::default(),
            gateway: GatewayConfig::default(),
            contexts: BTreeMap::new(),
            secrets: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    pub host: String,
    pub port: u16,
    /// Largest accepted request body.
    pub body_limit_bytes: usize,
    /// Byte budget of each context's in-process cache of hot public answers (`platform::hot`);
    /// 0 turns it off.
    pub hot_cache_bytes: usize,
    /// A request still running after this is answered 408 and dropped.
    pub request_timeout_secs: u64,
    /// On SIGTERM, how long in-flight requests get to finish.
    pub shutdown_grace_secs: u64,
    /// Send `Strict-Transport-Security` (set when TLS is terminated in front of Sojourn).
    pub hsts: bool,
    /// Where users reach this deployment: links sent by email and media URLs are built on it.
    /// Unset: the address the server listens on (see [`ServerConfig::public_url`]).
    pub public_url: Option<String>,
    /// Replaced by `trusted_proxies`: `true` is refused at start-up (it let any client choose
    /// its address); `false` is accepted and means nothing.
    pub trust_forwarded_for: bool,
    /// Proxies (addresses or CIDR ranges) whose `X-Forwarded-For` and `X-Forwarded-Proto` are
    /// believed. Empty: never (the client is the TCP peer). A list, or one comma-separated
    /// string in the environment.
    #[serde(deserialize_with = "list_or_csv")]
    pub trusted_proxies: Vec<String>,
    /// A client has this long to send a whole request head (from its first byte), or the
    /// connection is closed (slowloris).
    pub header_read_timeout_secs: u64,
    /// A kept-alive connection with no request in flight is closed after this long.
    pub idle_timeout_secs: u64,
    /// A built single-page app served at `/` for every path the API does not own (see
    /// `docs/web-apps.md`). Unset: unknown paths are JSON 404s.
    pub web_root: Option<PathBuf>,
    /// More directories under their own paths (`[[server.mounts]]`): apps or plain files.
    pub mounts: Vec<WebMount>,
    /// `Content-Security-Policy` of the web apps' answers.
    pub web_csp: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            host: "0.0.0.0".into(),
            port: 3000,
            body_limit_bytes: 1024 * 1024,
            hot_cache_bytes: 16 * 1024 * 1024,
            request_timeout_secs: 30,
            shutdown_grace_secs: 10,
            hsts: false,
            public_url: None,
            trust_forwarded_for: false,
            trusted_proxies: Vec::new(),
            header_read_timeout_secs: 10,
            idle_timeout_secs: 60,
            web_root: None,
            mounts: Vec::new(),
            web_csp: DEFAULT_WEB_CSP.into(),
        }
    }
}

impl ServerConfig {
    /// Where users reach this deployment, without a trailing `/`: `public_url` when set, else
    /// `http://` and the address the server listens on — `localhost` for a wildcard host such as
    /// `0.0.0.0`, with the configured `port`, or the bound one once [`Self::listening_on`] has
    /// recorded it (port 0 in tests, `--port`, `PORT`).
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.clone(),
            None => local_url(&self.host, self.port),
        }
    }

    /// Records the address the server actually listens on: an unset `public_url` becomes that
    /// address, so the links and media URLs it hands out reach it. An explicit one is kept.
    pub fn listening_on(&mut self, addr: std::net::SocketAddr) {
        if self.public_url.is_none() {
            self.public_url = Some(local_url(&addr.ip().to_string(), addr.port()));
        }
    }
}

/// `http://host:port` for a listening address; a wildcard address becomes `localhost` (a
/// client cannot connect to `0.0.0.0`), an IPv6 one is bracketed.
fn local_url(host: &str, port: u16) -> String {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    let host = match host.parse::<std::net::IpAddr>() {
        Ok(ip) if ip.is_unspecified() => "localhost".to_owned(),
        Ok(std::net::IpAddr::V6(ip)) => format!("[{ip}]"),
        Ok(ip) => ip.to_string(),
        Err(_) if host.is_empty() => "localhost".to_owned(),
        Err(_) => host.to_owned(),
    };
    format!("http://{host}:{port}")
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// Unset: one SQLite file per context under `data_dir`. `postgres://...`: one schema per
    /// context on that server.
    pub url: Option<String>,
    /// PostgreSQL schema name = prefix + context name.
    pub schema_prefix: String,
    pub max_connections: u32,
    pub sqlite_readers: u32,
    pub busy_timeout_ms: u64,
    pub acquire_timeout_ms: u64,
    /// PostgreSQL cancels any statement running longer than this (0 = no limit).
    pub statement_timeout_ms: u64,
    /// SQLite's `synchronous`: `full` (default; acknowledged commits survive a power loss),
    /// `normal` (faster; an OS crash can roll back the last commits) or `extra`.
    pub sqlite_synchronous: crate::db::SqliteSync,
}

/// Settings of one context that override the shared ones.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContextConfig {
    /// This context's own database (`postgres://...` or `sqlite://DIR`) instead of `database.url`.
    pub database_url: Option<String>,
    /// Pool size for this context instead of `database.max_connections`.
    pub max_connections: Option<u32>,
    /// This process's name among replicas of a context that keeps state per process (search's
    /// index): its durable event consumers are named after it, so every replica receives every
    /// event instead of sharing them. Give each replica its own (e.g. the pod's name) and its
    /// own database. Lowercase letters, digits and `-`, at most 40.
    pub instance: Option<String>,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: None,
            schema_prefix: String::new(),
            max_connections: 10,
            sqlite_readers: 4,
            busy_timeout_ms: 5_000,
            acquire_timeout_ms: 5_000,
            statement_timeout_ms: 30_000,
            sqlite_synchronous: crate::db::SqliteSync::Full,
        }
    }
}

/// Redis, shared by the instances of a split deployment: rate-limit counters, revoked
/// sessions, hot-read caches. Optional and fail-open: when it is down, limits fall back to each
/// process's own and caches miss.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedisConfig {
    pub url: Option<String>,
    /// Prepended to every key and channel (several deployments can share one Redis).
    pub key_prefix: String,
    /// Longest wait for one Redis command or connection before falling back.
    pub timeout_ms: u64,
    /// How long a cached read (listing detail) is kept at most.
    pub cache_ttl_secs: u64,
}

impl Default for RedisConfig {
    fn default() -> Self {
        Self { url: None, key_prefix: "sojourn:".into(), timeout_ms: 250, cache_ttl_secs: 300 }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UrlConfig {
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    pub format: LogFormat,
    /// `tracing` filter directives, e.g. `info` or `info,sqlx=warn`.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self { format: LogFormat::Pretty, level: "info".into() }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CorsConfig {
    /// Origins allowed to call the API from a browser, with credentials (the refresh cookie).
    /// A list, or one comma-separated string in the environment.
    #[serde(deserialize_with = "list_or_csv")]
    pub allowed_origins: Vec<String>,
}

impl Default for CorsConfig {
    fn default() -> Self {
        Self {
            allowed_origins: vec![
                "http://localhost:3000".into(),
                "http://localhost:5173".into(),
                "http://127.0.0.1:5173".into(),
            ],
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventsConfig {
    /// How often the outbox relay looks for events when nothing woke it.
    pub poll_interval_ms: u64,
    /// Events published per outbox per pass.
    pub batch_size: u32,
    /// Run the relay in the background (tests may turn it off and `drain()` by hand).
    pub relay_enabled: bool,
    /// With the in-process bus: a request that commits events is answered once this
    /// process's consumers have handled them, so the next request sees its effects everywhere.
    pub read_your_writes: bool,
    /// The longest a request waits for that (the events still go out after).
    pub settle_timeout_ms: u64,
    /// With `nats.url`: the JetStream stream holding the events.
    pub nats_stream: String,
    /// With `nats.url`: events are published to `<prefix>.<event type>`.
    pub nats_subject_prefix: String,
    /// With `nats.url`: events leave the stream after this many days, handled or not.
    pub nats_max_age_days: u32,
    /// With `nats.url`: deliveries of one event to one consumer before JetStream gives up.
    pub nats_max_deliver: i64,
    /// With `nats.url`: while the bus is unreachable, `/health/ready` stays ready (reporting
    /// `degraded`) until the oldest event waiting in an outbox is this old; 0 = always ready.
    pub outage_ready_secs: u64,
}

impl Default for EventsConfig {
    fn default() -> Self {
        Self {
            poll_interval_ms: 1000,
            batch_size: 100,
            relay_enabled: true,
            read_your_writes: true,
            settle_timeout_ms: 2000,
            nats_stream: "SOJOURN_EVENTS".into(),
            nats_subject_prefix: "sojourn.events".into(),
            nats_max_age_days: 7,
            nats_max_deliver: 1440,
            outage_ready_secs: 900,
        }
    }
}

pub(crate) fn list_or_csv<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        List(Vec<String>),
        Csv(String),
    }
    Ok(match Raw::deserialize(d)? {
        Raw::List(items) => items,
        Raw::Csv(s) => s.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_url_defaults_to_where_the_server_listens() {
        let mut server = ServerConfig::default();
        assert_eq!(server.public_url(), "http://localhost:3000", "before binding: the configured port");
        server.port = 0;
        server.listening_on("0.0.0.0:4123".parse().unwrap());
        assert_eq!(server.public_url(), "http://localhost:4123", "a wildcard address is reached on localhost");

        let mut server = ServerConfig { host: "127.0.0.1".into(), ..ServerConfig::default() };
        server.listening_on("127.0.0.1:5001".parse().unwrap());
        assert_eq!(server.public_url(), "http://127.0.0.1:5001");
        let mut server = ServerConfig { host: "::1".into(), port: 8080, ..ServerConfig::default() };
        assert_eq!(server.public_url(), "http://[::1]:8080");
        server.listening_on("[::]:8081".parse().unwrap());
        assert_eq!(server.public_url(), "http://localhost:8081");

        let mut server =
            ServerConfig { public_url: Some("https://stay.example.com".into()), ..ServerConfig::default() };
        server.listening_on("127.0.0.1:5002".parse().unwrap());
        assert_eq!(server.public_url(), "https://stay.example.com", "an explicit setting wins");
    }
}
