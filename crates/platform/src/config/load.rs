//! Layering: defaults in code → `sojourn.toml` (or `--config FILE`) → conventional variables
//! (`DATABASE_URL`, `REDIS_URL`, `NATS_URL`, `PORT`, `SOJOURN_DATA_DIR`) → `SOJOURN__SECTION__KEY`
//! variables → command-line flags. Later layers win.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};

use super::Config;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid configuration: {0}")]
    Invalid(String),
    #[error("invalid configuration key `{key}`: {message}")]
    Key { key: String, message: String },
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
}

impl ConfigError {
    pub(super) fn key(key: &str, message: impl Into<String>) -> Self {
        ConfigError::Key { key: key.to_owned(), message: message.into() }
    }
}

/// Values given on the command line; they override every other source.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub port: Option<u16>,
    pub data_dir: Option<PathBuf>,
}

/// Builds the configuration from every source, then validates it.
pub fn load(overrides: &Overrides) -> Result<Config, ConfigError> {
    let mut figment = Figment::from(Serialized::defaults(Config::default()));
    match &overrides.config_file {
        Some(path) if !path.exists() => return Err(ConfigError::MissingFile(path.clone())),
        Some(path) => figment = figment.merge(Toml::file_exact(path)),
        None if Path::new("sojourn.toml").exists() => figment = figment.merge(Toml::file_exact("sojourn.toml")),
        None => {}
    }
    let conventional =
        Env::raw().only(&["DATABASE_URL", "REDIS_URL", "NATS_URL", "PORT", "SOJOURN_DATA_DIR"]).map(|key| {
            match key.as_str().to_ascii_lowercase().as_str() {
                "database_url" => "database.url".into(),
                "redis_url" => "redis.url".into(),
                "nats_url" => "nats.url".into(),
                "port" => "server.port".into(),
                _ => "data_dir".into(),
            }
        });
    figment = figment.merge(conventional).merge(Env::prefixed("SOJOURN__").split("__"));
    if let Some(port) = overrides.port {
        figment = figment.merge(Serialized::default("server.port", port));
    }
    if let Some(dir) = &overrides.data_dir {
        figment = figment.merge(Serialized::default("data_dir", dir));
    }
    let config: Config = figment.extract().map_err(|errors| {
        let all: Vec<String> = errors.into_iter().map(|e| describe(&e)).collect();
        ConfigError::Invalid(all.join("; "))
    })?;
    validate(&config)?;
    Ok(config)
}

/// figment's own message plus the dotted key and the source that set it.
fn describe(e: &figment::Error) -> String {
    let key = e.path.join(".");
    let source = e.metadata.as_ref().map(|m| m.name.to_string()).unwrap_or_default();
    match (key.is_empty(), source.is_empty()) {
        (true, _) => e.kind.to_string(),
        (false, true) => format!("`{key}`: {}", e.kind),
        (false, false) => format!("`{key}` (from {source}): {}", e.kind),
    }
}

/// Rules serde cannot express. Each error names the key to fix.
pub fn validate(config: &Config) -> Result<(), ConfigError> {
    if config.server.host.parse::<std::net::IpAddr>().is_err() {
        return Err(ConfigError::key("server.host", "must be an IP address such as 0.0.0.0 or 127.0.0.1"));
    }
    if config.server.hot_cache_bytes > 4 * 1024 * 1024 * 1024 {
        return Err(ConfigError::key("server.hot_cache_bytes", "must be between 0 and 4294967296"));
    }
    if !(1024..=64 * 1024 * 1024).contains(&config.server.body_limit_bytes) {
        return Err(ConfigError::key("server.body_limit_bytes", "must be between 1024 and 67108864"));
    }
    if !(1..=3600).contains(&config.server.request_timeout_secs) {
        return Err(ConfigError::key("server.request_timeout_secs", "must be between 1 and 3600"));
    }
    if config.server.shutdown_grace_secs > 600 {
        return Err(ConfigError::key("server.shutdown_grace_secs", "must be at most 600"));
    }
    if config.server.trust_forwarded_for {
        return Err(ConfigError::key(
            "server.trust_forwarded_for",
            "is no longer supported: list the proxies whose X-Forwarded-For to believe in server.trusted_proxies \
             (addresses or CIDR ranges, e.g. [\"10.0.0.0/8\"])",
        ));
    }
    if let Err(e) = crate::http::TrustedProxies::parse(&config.server.trusted_proxies) {
        return Err(ConfigError::key(
            "server.trusted_proxies",
            format!("each entry must be an IP address or CIDR range: {e}"),
        ));
    }
    if !(1..=300).contains(&config.server.header_read_timeout_secs) {
        return Err(ConfigError::key("server.header_read_timeout_secs", "must be between 1 and 300"));
    }
    if !(1..=3600).contains(&config.server.idle_timeout_secs) {
        return Err(ConfigError::key("server.idle_timeout_secs", "must be between 1 and 3600"));
    }
    if config.events.outage_ready_secs > 7 * 24 * 3600 {
        return Err(ConfigError::key("events.outage_ready_secs", "must be between 0 and 604800"));
    }
    check_database_url("database.url", config.database.url.as_deref())?;
    for (name, ctx) in &config.contexts {
        let plain = !name.is_empty()
            && name.len() <= 32
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !plain {
            return Err(ConfigError::key(&format!("contexts.{name}"), "context names are lowercase identifiers"));
        }
        check_database_url(&format!("contexts.{name}.database_url"), ctx.database_url.as_deref())?;
        if ctx.max_connections.is_some_and(|n| !(1..=1000).contains(&n)) {
            return Err(ConfigError::key(&format!("contexts.{name}.max_connections"), "must be between 1 and 1000"));
        }
        let instance_ok = |i: &str| {
            (1..=40).contains(&i.len()) && i.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        };
        if ctx.instance.as_deref().is_some_and(|i| !instance_ok(i)) {
            return Err(ConfigError::key(
                &format!("contexts.{name}.instance"),
                "lowercase letters, digits and `-`, 1 to 40 characters",
            ));
        }
    }
    validate_events(&config.events)?;
    let redis = &config.redis;
    let prefix_ok = redis.key_prefix.len() <= 64 && !redis.key_prefix.chars().any(|c| c.is_whitespace() || c == '*');
    if !prefix_ok {
        return Err(ConfigError::key("redis.key_prefix", "at most 64 characters, no spaces or `*`"));
    }
    if !(1..=10_000).contains(&redis.timeout_ms) {
        return Err(ConfigError::key("redis.timeout_ms", "must be between 1 and 10000"));
    }
    if !(1..=86_400).contains(&redis.cache_ttl_secs) {
        return Err(ConfigError::key("redis.cache_ttl_secs", "must be between 1 and 86400"));
    }
    super::gateway::validate(&config.gateway)?;
    super::realtime::validate(&config.realtime)?;
    if config.database.statement_timeout_ms > 3_600_000 {
        return Err(ConfigError::key("database.statement_timeout_ms", "must be at most 3600000 (0 = no limit)"));
    }
    let prefix = &config.database.schema_prefix;
    let prefix_ok = prefix.len() <= 40
        && prefix.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !prefix.starts_with(|c: char| c.is_ascii_digit());
    if !prefix_ok {
        return Err(ConfigError::key(
            "database.schema_prefix",
            "lowercase letters, digits and _ only, not starting with a digit (max 40)",
        ));
    }
    if !(1..=1000).contains(&config.database.max_connections) {
        return Err(ConfigError::key("database.max_connections", "must be between 1 and 1000"));
    }
    if !(1..=64).contains(&config.database.sqlite_readers) {
        return Err(ConfigError::key("database.sqlite_readers", "must be between 1 and 64"));
    }
    for (key, url, schemes) in [
        // No TLS client is built in for Redis: keep it on the private network.
        ("redis.url", &config.redis.url, &["redis://"][..]),
        ("nats.url", &config.nats.url, &["nats://", "tls://"][..]),
    ] {
        if let Some(url) = url
            && !schemes.iter().any(|s| url.starts_with(s))
        {
            return Err(ConfigError::key(key, format!("must start with {}", schemes.join(" or "))));
        }
    }
    for origin in &config.cors.allowed_origins {
        let valid = (origin.starts_with("http://") || origin.starts_with("https://"))
            && !origin.ends_with('/')
            && origin.parse::<axum::http::HeaderValue>().is_ok();
        if !valid {
            return Err(ConfigError::key(
                "cors.allowed_origins",
                format!("`{origin}` is not an origin (scheme://host[:port], no trailing slash)"),
            ));
        }
    }
    if config.log.level.parse::<tracing_subscriber::EnvFilter>().is_err() {
        return Err(ConfigError::key("log.level", "is not a valid filter (e.g. `info` or `info,sqlx=warn`)"));
    }
    if !(10..=600_000).contains(&config.events.poll_interval_ms) {
        return Err(ConfigError::key("events.poll_interval_ms", "must be between 10 and 600000"));
    }
    if !(1..=10_000).contains(&config.events.batch_size) {
        return Err(ConfigError::key("events.batch_size", "must be between 1 and 10000"));
    }
    if !(1..=60_000).contains(&config.events.settle_timeout_ms) {
        return Err(ConfigError::key("events.settle_timeout_ms", "must be between 1 and 60000"));
    }
    if !(1..=600_000).contains(&config.database.busy_timeout_ms) {
        return Err(ConfigError::key("database.busy_timeout_ms", "must be between 1 and 600000"));
    }
    if !(1..=600_000).contains(&config.database.acquire_timeout_ms) {
        return Err(ConfigError::key("database.acquire_timeout_ms", "must be between 1 and 600000"));
    }
    if let Some(public) = &config.server.public_url
        && (!(public.starts_with("http://") || public.starts_with("https://")) || public.ends_with('/'))
    {
        return Err(ConfigError::key("server.public_url", "must be http(s)://host[:port][/path] without a trailing /"));
    }
    super::sections::validate(config)?;
    super::web::validate(&config.server)?;
    super::payments::validate(&config.payments)?;
    super::travel::validate(&config.travel)?;
    super::notifications::validate(&config.notifications)?;
    super::media::validate(&config.media)?;
    super::jobs::validate(&config.jobs)?;
    super::insights::validate(&config.insights)?;
    super::ai::validate(&config.ai)?;
    super::trace::validate(&config.trace)?;
    super::services::validate(&config.services)
}

fn validate_events(events: &super::EventsConfig) -> Result<(), ConfigError> {
    let stream_ok = !events.nats_stream.is_empty()
        && events.nats_stream.len() <= 64
        && events.nats_stream.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !stream_ok {
        return Err(ConfigError::key("events.nats_stream", "letters, digits, _ and - only (max 64)"));
    }
    let token_ok = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if events.nats_subject_prefix.len() > 100 || !events.nats_subject_prefix.split('.').all(token_ok) {
        return Err(ConfigError::key(
            "events.nats_subject_prefix",
            "dot-separated tokens of letters, digits, _ and - (no wildcards)",
        ));
    }
    if !(1..=3650).contains(&events.nats_max_age_days) {
        return Err(ConfigError::key("events.nats_max_age_days", "must be between 1 and 3650"));
    }
    if events.nats_max_deliver != -1 && !(1..=1_000_000).contains(&events.nats_max_deliver) {
        return Err(ConfigError::key("events.nats_max_deliver", "must be -1 (unlimited) or between 1 and 1000000"));
    }
    Ok(())
}

fn check_database_url(key: &str, url: Option<&str>) -> Result<(), ConfigError> {
    let Some(url) = url else { return Ok(()) };
    let ok = ["postgres://", "postgresql://"].iter().any(|p| url.starts_with(p))
        || (url.starts_with("sqlite://") && url.len() > 9 && !url.contains('?') && !url.contains(":memory:"));
    if ok {
        Ok(())
    } else {
        Err(ConfigError::key(
            key,
            "must be postgres://..., postgresql://... or sqlite://DIR (a directory for one file per context)",
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::result_large_err)]
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let config = Config::default();
        validate(&config).unwrap();
        assert_eq!(config.server.port, 3000);
        assert_eq!(config.data_dir, PathBuf::from("./data"));
    }

    #[test]
    fn file_then_env_then_flags() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("custom.toml", "[server]\nport = 4000\nhsts = true\n[log]\nformat = \"json\"")?;
            jail.set_env("SOJOURN__SERVER__REQUEST_TIMEOUT_SECS", "7");
            jail.set_env("DATABASE_URL", "postgres://localhost/x");
            jail.set_env("SOJOURN__CORS__ALLOWED_ORIGINS", "https://a.example, https://b.example");
            let overrides = Overrides { config_file: Some("custom.toml".into()), ..Overrides::default() };
            let c = load(&overrides).unwrap();
            assert_eq!(c.server.port, 4000);
            assert!(c.server.hsts);
            assert_eq!(c.log.format, super::super::LogFormat::Json);
            assert_eq!(c.server.request_timeout_secs, 7);
            assert_eq!(c.database.url.as_deref(), Some("postgres://localhost/x"));
            assert_eq!(c.cors.allowed_origins, vec!["https://a.example", "https://b.example"]);

            jail.set_env("SOJOURN_DATA_DIR", "/srv/sojourn");
            assert_eq!(load(&overrides).unwrap().data_dir, PathBuf::from("/srv/sojourn"));
            jail.set_env("PORT", "5000");
            assert_eq!(load(&overrides).unwrap().server.port, 5000);
            jail.set_env("SOJOURN__SERVER__PORT", "5001");
            assert_eq!(load(&overrides).unwrap().server.port, 5001);
            let flags = Overrides { port: Some(5002), ..overrides };
            assert_eq!(load(&flags).unwrap().server.port, 5002);
            Ok(())
        });
    }

    #[test]
    fn forwarded_for_is_trusted_only_from_listed_proxies() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("SOJOURN__SERVER__TRUSTED_PROXIES", "10.0.0.0/8, ::1");
            let c = load(&Overrides::default()).unwrap();
            assert_eq!(c.server.trusted_proxies, vec!["10.0.0.0/8", "::1"]);
            assert_eq!((c.server.header_read_timeout_secs, c.server.idle_timeout_secs), (10, 60));
            jail.set_env("SOJOURN__SERVER__TRUSTED_PROXIES", "10.0.0.0/8, proxy.local");
            let err = load(&Overrides::default()).unwrap_err().to_string();
            assert!(err.contains("server.trusted_proxies") && err.contains("proxy.local"), "{err}");
            jail.set_env("SOJOURN__SERVER__TRUSTED_PROXIES", "");
            assert!(load(&Overrides::default()).unwrap().server.trusted_proxies.is_empty());
            // The old switch believed the first hop, which any client writes: refused, with the way out.
            jail.set_env("SOJOURN__SERVER__TRUST_FORWARDED_FOR", "true");
            let err = load(&Overrides::default()).unwrap_err().to_string();
            assert!(err.contains("server.trust_forwarded_for") && err.contains("server.trusted_proxies"), "{err}");
            jail.set_env("SOJOURN__SERVER__TRUST_FORWARDED_FOR", "false");
            assert!(load(&Overrides::default()).is_ok());
            for (var, value, key) in [
                ("SOJOURN__SERVER__HEADER_READ_TIMEOUT_SECS", "0", "server.header_read_timeout_secs"),
                ("SOJOURN__SERVER__IDLE_TIMEOUT_SECS", "3601", "server.idle_timeout_secs"),
                ("SOJOURN__EVENTS__OUTAGE_READY_SECS", "604801", "events.outage_ready_secs"),
            ] {
                jail.set_env(var, value);
                let err = load(&Overrides::default()).unwrap_err().to_string();
                assert!(err.contains(key), "{err}");
                jail.set_env(var, "1");
            }
            Ok(())
        });
    }

    #[test]
    fn errors_name_the_key() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("SOJOURN__SERVER__PORT", "not-a-port");
            let err = load(&Overrides::default()).unwrap_err().to_string();
            assert!(err.contains("server.port"), "{err}");
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.set_env("SOJOURN__LOG__FORMAT", "xml");
            let err = load(&Overrides::default()).unwrap_err().to_string();
            assert!(err.contains("log.format"), "{err}");
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.set_env("SOJOURN__SERVER__PROT", "1");
            let err = load(&Overrides::default()).unwrap_err().to_string();
            assert!(err.contains("prot"), "{err}");
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.set_env("DATABASE_URL", "mysql://x");
            let err = load(&Overrides::default()).unwrap_err().to_string();
            assert!(err.contains("database.url"), "{err}");
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.set_env("SOJOURN__STORAGE__PUBLIC_BASE_URL", "https://cdn.example.com/media/");
            let err = load(&Overrides::default()).unwrap_err().to_string();
            assert!(err.contains("storage.public_base_url"), "{err}");
            jail.set_env("SOJOURN__STORAGE__PUBLIC_BASE_URL", "https://cdn.example.com/media");
            let c = load(&Overrides::default()).unwrap();
            assert_eq!(c.storage.base_url(&c.server.public_url()), "https://cdn.example.com/media");
            Ok(())
        });
        let missing = Overrides { config_file: Some("/nonexistent/sojourn.toml".into()), ..Overrides::default() };
        assert!(matches!(load(&missing), Err(ConfigError::MissingFile(_))));
    }

    #[test]
    fn sqlite_durability_is_full_unless_chosen_otherwise() {
        use crate::db::SqliteSync;
        assert_eq!(Config::default().database.sqlite_synchronous, SqliteSync::Full);
        figment::Jail::expect_with(|jail| {
            jail.set_env("SOJOURN__DATABASE__SQLITE_SYNCHRONOUS", "normal");
            assert_eq!(load(&Overrides::default()).unwrap().database.sqlite_synchronous, SqliteSync::Normal);
            jail.set_env("SOJOURN__DATABASE__SQLITE_SYNCHRONOUS", "extra");
            assert_eq!(load(&Overrides::default()).unwrap().database.sqlite_synchronous, SqliteSync::Extra);
            jail.set_env("SOJOURN__DATABASE__SQLITE_SYNCHRONOUS", "off");
            let err = load(&Overrides::default()).unwrap_err().to_string();
            assert!(err.contains("database.sqlite_synchronous"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn a_context_can_be_given_its_own_database_from_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("DATABASE_URL", "postgres://db/shared");
            jail.set_env("SOJOURN__CONTEXTS__BOOKING__DATABASE_URL", "postgres://bookings-db/booking");
            jail.set_env("SOJOURN__CONTEXTS__BOOKING__MAX_CONNECTIONS", "20");
            let c = load(&Overrides::default()).unwrap();
            let booking = &c.contexts["booking"];
            assert_eq!(booking.database_url.as_deref(), Some("postgres://bookings-db/booking"));
            assert_eq!(booking.max_connections, Some(20));
            assert_eq!(c.database.url.as_deref(), Some("postgres://db/shared"));

            jail.set_env("SOJOURN__CONTEXTS__BOOKING__DATABASE_URL", "mysql://x");
            let err = load(&Overrides::default()).unwrap_err().to_string();
            assert!(err.contains("contexts.booking.database_url"), "{err}");
            jail.set_env("SOJOURN__CONTEXTS__BOOKING__DATABASE_URL", "postgres://bookings-db/booking");
            jail.set_env("SOJOURN__CONTEXTS__BOOKING__POOL", "1");
            let err = load(&Overrides::default()).unwrap_err().to_string();
            assert!(err.contains("pool"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn a_replica_names_itself_with_a_plain_instance_name() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("SOJOURN__CONTEXTS__SEARCH__INSTANCE", "search-0");
            let c = load(&Overrides::default()).unwrap();
            assert_eq!(c.contexts["search"].instance.as_deref(), Some("search-0"));
            for bad in ["Search_0", "", "a.b", &"x".repeat(41)] {
                jail.set_env("SOJOURN__CONTEXTS__SEARCH__INSTANCE", bad);
                let err = load(&Overrides::default()).unwrap_err().to_string();
                assert!(err.contains("contexts.search.instance"), "{bad}: {err}");
            }
            Ok(())
        });
    }
}
