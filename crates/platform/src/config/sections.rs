//! Configuration sections for accounts, rate limits, mail and media storage. Defaults follow
//! current guidance (OWASP 2024 for Argon2id) and DreamScape's token lifetimes.

use serde::{Deserialize, Serialize};

use super::ConfigError;
use crate::secrets::Secret;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// `iss` of issued access tokens, and the only issuer accepted.
    pub issuer: String,
    /// `aud` of issued access tokens, and the only audience accepted.
    pub audience: String,
    pub access_token_ttl_secs: u64,
    /// Refresh-token lifetime without "remember me" (DreamScape: 7 days).
    pub refresh_token_ttl_secs: u64,
    /// Refresh-token lifetime with "remember me" (DreamScape: 30 days).
    pub remember_me_ttl_secs: u64,
    /// `Secure` attribute on the refresh cookie. Unset: on in production mode, off in development
    /// (browsers drop `Secure` cookies on plain-HTTP localhost).
    pub cookie_secure: Option<bool>,
    /// How many verified access tokens are remembered, to skip signature checks on repeat use.
    pub verify_cache_size: usize,
    pub email_verification_ttl_secs: u64,
    pub password_reset_ttl_secs: u64,
    pub password_hash: PasswordHashConfig,
    /// A process that does not run identity can verify access tokens with the issuer's public
    /// keys instead of sharing its secret: `http(s)://identity.internal/.well-known/jwks.json`.
    pub jwks_url: Option<String>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            issuer: "sojourn".into(),
            audience: "sojourn".into(),
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_secs: 7 * 24 * 3600,
            remember_me_ttl_secs: 30 * 24 * 3600,
            cookie_secure: None,
            verify_cache_size: 10_000,
            email_verification_ttl_secs: 24 * 3600,
            password_reset_ttl_secs: 3600,
            password_hash: PasswordHashConfig::default(),
            jwks_url: None,
        }
    }
}

/// Argon2id cost. Defaults: OWASP 2024 (19 MiB, 2 passes, 1 lane).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordHashConfig {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// Hashes computed at once; the rest queue, so logins never take every core from other
    /// requests. 0 = one less than the number of cores (at least 1).
    pub max_concurrent: usize,
}

impl Default for PasswordHashConfig {
    fn default() -> Self {
        Self { memory_kib: 19_456, iterations: 2, parallelism: 1, max_concurrent: 0 }
    }
}

/// `count` requests per `window_secs`, per key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    pub count: u32,
    pub window_secs: u64,
}

impl Limit {
    pub const fn new(count: u32, window_secs: u64) -> Self {
        Self { count, window_secs }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    /// `false` turns every rate limit off (load tests, contract test runs).
    pub enabled: bool,
    pub login_per_ip: Limit,
    pub login_per_account: Limit,
    pub register_per_ip: Limit,
    /// Password reset and verification mails, per IP and per address.
    pub email_per_ip: Limit,
    pub email_per_account: Limit,
    /// Refresh-token exchanges (`POST /api/v1/auth/refresh`), per IP.
    pub token_per_ip: Limit,
    /// Failed logins on one account before each further attempt is slowed down.
    pub failures_before_delay: u32,
    /// Longest added delay on a failing account, in milliseconds.
    pub max_failure_delay_ms: u64,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            login_per_ip: Limit::new(30, 60),
            login_per_account: Limit::new(10, 15 * 60),
            register_per_ip: Limit::new(10, 3600),
            email_per_ip: Limit::new(10, 3600),
            email_per_account: Limit::new(3, 3600),
            token_per_ip: Limit::new(300, 60),
            failures_before_delay: 3,
            max_failure_delay_ms: 3_000,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// `From:` of every message (`Name <address>` or a bare address).
    pub from: String,
    /// Unset: messages are written as `.eml` files under `<data_dir>/mail/outbox`, one per
    /// message. Set: delivered through this SMTP server — `smtps://user:pass@host:465` (TLS),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS), or `smtp://host:25` (plain, for a
    /// relay on localhost only). A secret: never printed.
    pub smtp_url: Option<Secret>,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self { from: "Sojourn <no-reply@sojourn.localhost>".into(), smtp_url: None }
    }
}

/// Turning addresses into coordinates for listings that give none.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GeocodingConfig {
    /// A Nominatim-compatible search endpoint, e.g. `https://nominatim.example.org/search`.
    /// Unset: listings must give their coordinates.
    pub url: Option<String>,
    /// Sent as `User-Agent` (Nominatim's usage policy asks for one that identifies you).
    pub user_agent: Option<String>,
}

/// Fees and timings of reservations.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BookingConfig {
    /// Guest service fee, in basis points of the booking's base (1 200 = 12 %).
    pub guest_fee_bps: i64,
    /// Host service fee, in basis points of the base, kept from the host's payout.
    pub host_fee_bps: i64,
    /// How long an unpaid reservation holds its inventory.
    pub hold_minutes: i64,
    /// How long a host has to accept a request to book.
    pub request_hours: i64,
    /// How long a restaurant has to accept a menu order before it is cancelled and refunded.
    pub order_accept_minutes: i64,
    /// How often the scheduler looks for holds to expire and stays to complete.
    pub jobs_interval_secs: u64,
    /// A cart left alone this long is emptied (DreamScape: 30 minutes).
    pub cart_idle_minutes: i64,
}

impl Default for BookingConfig {
    fn default() -> Self {
        Self {
            guest_fee_bps: 1200,
            host_fee_bps: 300,
            hold_minutes: 15,
            request_hours: 24,
            order_accept_minutes: 10,
            jobs_interval_secs: 30,
            cart_idle_minutes: 30,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// Where `GET /media/{*key}` is reached from outside (a CDN or proxy in front of it, say).
    /// Unset: `<server.public_url>/media`.
    pub public_base_url: Option<String>,
    /// `local`: files under `<data_dir>/media`. `s3`: an S3-compatible bucket (`storage.s3`).
    pub backend: StorageBackend,
    pub s3: S3Config,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageBackend {
    #[default]
    Local,
    S3,
}

/// An S3-compatible bucket (path-style requests). The secret key is the secret
/// `s3_secret_access_key`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct S3Config {
    /// e.g. `https://s3.eu-west-3.amazonaws.com` or `http://minio:9000`.
    pub endpoint: Option<String>,
    pub bucket: String,
    pub region: String,
    pub access_key_id: Option<String>,
}

impl Default for S3Config {
    fn default() -> Self {
        Self { endpoint: None, bucket: "sojourn-media".into(), region: "us-east-1".into(), access_key_id: None }
    }
}

impl StorageConfig {
    /// The base of media URLs: `public_base_url`, or `<public_url>/media`.
    pub fn base_url(&self, public_url: &str) -> String {
        match &self.public_base_url {
            Some(url) => url.clone(),
            None => format!("{public_url}/media"),
        }
    }
}

pub(super) fn validate(config: &super::Config) -> Result<(), ConfigError> {
    let auth = &config.auth;
    for (key, value) in [("auth.issuer", &auth.issuer), ("auth.audience", &auth.audience)] {
        if value.is_empty() || value.len() > 200 {
            return Err(ConfigError::key(key, "must be 1 to 200 characters"));
        }
    }
    let ttls = [
        ("auth.access_token_ttl_secs", auth.access_token_ttl_secs, 60, 24 * 3600),
        ("auth.refresh_token_ttl_secs", auth.refresh_token_ttl_secs, 300, 365 * 24 * 3600),
        ("auth.remember_me_ttl_secs", auth.remember_me_ttl_secs, 300, 365 * 24 * 3600),
        ("auth.email_verification_ttl_secs", auth.email_verification_ttl_secs, 60, 30 * 24 * 3600),
        ("auth.password_reset_ttl_secs", auth.password_reset_ttl_secs, 60, 7 * 24 * 3600),
    ];
    for (key, value, min, max) in ttls {
        if !(min..=max).contains(&value) {
            return Err(ConfigError::key(key, format!("must be between {min} and {max}")));
        }
    }
    if let Some(url) = &auth.jwks_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return Err(ConfigError::key("auth.jwks_url", "must be an http:// or https:// URL"));
    }
    if !(16..=10_000_000).contains(&auth.verify_cache_size) {
        return Err(ConfigError::key("auth.verify_cache_size", "must be between 16 and 10000000"));
    }
    let hash = &auth.password_hash;
    if !(1..=16).contains(&hash.parallelism) {
        return Err(ConfigError::key("auth.password_hash.parallelism", "must be between 1 and 16"));
    }
    if !(8 * hash.parallelism..=4 * 1024 * 1024).contains(&hash.memory_kib) {
        return Err(ConfigError::key("auth.password_hash.memory_kib", "must be between 8 × parallelism and 4194304"));
    }
    if !(1..=100).contains(&hash.iterations) {
        return Err(ConfigError::key("auth.password_hash.iterations", "must be between 1 and 100"));
    }
    if hash.max_concurrent > 1024 {
        return Err(ConfigError::key("auth.password_hash.max_concurrent", "must be at most 1024"));
    }
    let limits = &config.rate_limit;
    for (key, limit) in [
        ("rate_limit.login_per_ip", limits.login_per_ip),
        ("rate_limit.login_per_account", limits.login_per_account),
        ("rate_limit.register_per_ip", limits.register_per_ip),
        ("rate_limit.email_per_ip", limits.email_per_ip),
        ("rate_limit.email_per_account", limits.email_per_account),
        ("rate_limit.token_per_ip", limits.token_per_ip),
    ] {
        if limit.count == 0 || !(1..=7 * 24 * 3600).contains(&limit.window_secs) {
            return Err(ConfigError::key(key, "count must be at least 1 and window_secs between 1 and 604800"));
        }
    }
    if limits.max_failure_delay_ms > 60_000 {
        return Err(ConfigError::key("rate_limit.max_failure_delay_ms", "must be at most 60000"));
    }
    if let Some(url) = &config.geocoding.url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return Err(ConfigError::key("geocoding.url", "must be an http:// or https:// URL"));
    }
    let booking = &config.booking;
    for (key, bps) in [("booking.guest_fee_bps", booking.guest_fee_bps), ("booking.host_fee_bps", booking.host_fee_bps)]
    {
        if !(0..=5000).contains(&bps) {
            return Err(ConfigError::key(key, "must be between 0 and 5000 basis points (50 %)"));
        }
    }
    if !(1..=7 * 24 * 60).contains(&booking.cart_idle_minutes) {
        return Err(ConfigError::key("booking.cart_idle_minutes", "must be between 1 and 10080 (a week)"));
    }
    if !(1..=24 * 60).contains(&booking.hold_minutes) {
        return Err(ConfigError::key("booking.hold_minutes", "must be between 1 and 1440"));
    }
    if !(1..=168).contains(&booking.request_hours) {
        return Err(ConfigError::key("booking.request_hours", "must be between 1 and 168"));
    }
    if !(1..=240).contains(&booking.order_accept_minutes) {
        return Err(ConfigError::key("booking.order_accept_minutes", "must be between 1 and 240"));
    }
    if !(1..=3600).contains(&booking.jobs_interval_secs) {
        return Err(ConfigError::key("booking.jobs_interval_secs", "must be between 1 and 3600"));
    }
    if config.mail.from.parse::<lettre::message::Mailbox>().is_err() {
        return Err(ConfigError::key("mail.from", "must be an address such as `Sojourn <no-reply@example.com>`"));
    }
    if let Some(url) = &config.mail.smtp_url
        && !["smtp://", "smtps://"].iter().any(|p| url.expose().starts_with(p))
    {
        return Err(ConfigError::key("mail.smtp_url", "must start with smtp:// or smtps://"));
    }
    if let Some(url) = &config.storage.public_base_url
        && (!(url.starts_with("http://") || url.starts_with("https://"))
            || url.ends_with('/')
            || url.parse::<axum::http::Uri>().is_err())
    {
        return Err(ConfigError::key(
            "storage.public_base_url",
            "must be http(s)://host[:port][/path] without a trailing /",
        ));
    }
    let s3 = &config.storage.s3;
    if config.storage.backend == StorageBackend::S3 {
        let endpoint_ok = s3.endpoint.as_deref().is_some_and(|u| {
            (u.starts_with("http://") || u.starts_with("https://"))
                && u.parse::<axum::http::Uri>().is_ok_and(|p| p.authority().is_some() && p.path() == "/")
        });
        if !endpoint_ok {
            return Err(ConfigError::key(
                "storage.s3.endpoint",
                "required with storage.backend = \"s3\": http(s)://host[:port]",
            ));
        }
        let bucket_ok = (3..=63).contains(&s3.bucket.len())
            && s3.bucket.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
        if !bucket_ok {
            return Err(ConfigError::key("storage.s3.bucket", "3–63 lowercase letters, digits, `-` and `.`"));
        }
        if s3.access_key_id.as_deref().is_none_or(str::is_empty) {
            return Err(ConfigError::key("storage.s3.access_key_id", "required with storage.backend = \"s3\""));
        }
        if s3.region.is_empty() || !s3.region.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(ConfigError::key("storage.s3.region", "a region name such as us-east-1"));
        }
    }
    Ok(())
}
