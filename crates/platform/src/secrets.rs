//! Secrets: never printed, compared in constant time, and — in development mode — generated
//! once per data directory so that `sojourn serve` works with nothing configured while tokens
//! survive restarts. Production mode refuses to invent them.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config::{Config, ConfigError, Mode};

/// The secrets the platform itself needs. Contexts declare theirs through `Context::secrets`.
pub const PLATFORM_SECRETS: &[&str] = &["jwt_signing_key"];

/// Shortest acceptable secret, in bytes.
pub const MIN_SECRET_LEN: usize = 32;

/// Credentials a third party issues, whose length is not ours to choose (Amadeus's API secrets
/// have 16 characters): they need only be set, not [`MIN_SECRET_LEN`] long.
pub const ISSUED_SECRETS: &[&str] = &["amadeus_client_secret", "twilio_auth_token", "ai_api_key"];

/// A secret string. `Debug` and `Display` print `[redacted]`.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The raw value, for the code that signs or verifies with it. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Constant-time equality (for the length of the longer input).
    pub fn ct_eq(&self, other: &[u8]) -> bool {
        constant_time_eq(self.0.as_bytes(), other)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Compares two byte strings without an early exit, so timing does not reveal the position
/// of the first difference.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let len = a.len().max(b.len());
    let mut diff = u8::from(a.len() != b.len());
    for i in 0..len {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= x ^ y;
    }
    std::hint::black_box(diff) == 0
}

/// The resolved set of secrets for this process.
#[derive(Clone, Debug, Default)]
pub struct Secrets {
    values: BTreeMap<String, Secret>,
}

impl Secrets {
    pub fn get(&self, name: &str) -> Option<&Secret> {
        self.values.get(name)
    }

    #[doc(hidden)]
    pub fn for_tests(values: BTreeMap<String, Secret>) -> Self {
        Self { values }
    }
}

const SECRETS_FILE: &str = "secrets.json";

fn random_secret() -> Result<Secret, ConfigError> {
    let mut bytes = [0u8; 48];
    getrandom::fill(&mut bytes).map_err(|e| ConfigError::Invalid(format!("no randomness available: {e}")))?;
    Ok(Secret(bytes.iter().map(|b| format!("{b:02x}")).collect()))
}

/// Resolves every `required` secret: configured values first; then, in development mode, the
/// ones stored in `<data_dir>/secrets.json`, generating and storing any that are missing.
pub fn resolve(config: &Config, required: &[&str]) -> Result<Secrets, ConfigError> {
    let mut values = config.secrets.clone();
    for (name, value) in &values {
        let shortest = if ISSUED_SECRETS.contains(&name.as_str()) { 1 } else { MIN_SECRET_LEN };
        if value.expose().len() < shortest {
            return Err(ConfigError::Key {
                key: format!("secrets.{name}"),
                message: format!("must be at least {shortest} characters"),
            });
        }
    }
    let missing: Vec<&str> = required.iter().copied().filter(|n| !values.contains_key(*n)).collect();
    if missing.is_empty() {
        return Ok(Secrets { values });
    }
    if config.mode == Mode::Production {
        let names: Vec<String> =
            missing.iter().map(|n| format!("secrets.{n} (SOJOURN__SECRETS__{})", n.to_ascii_uppercase())).collect();
        return Err(ConfigError::Invalid(format!("production mode requires {}", names.join(", "))));
    }
    let path = config.data_dir.join(SECRETS_FILE);
    let mut stored = read_store(&path)?;
    let mut changed = false;
    for name in missing {
        if !stored.contains_key(name) {
            stored.insert(name.to_owned(), random_secret()?);
            changed = true;
        }
        if let Some(v) = stored.get(name) {
            values.insert(name.to_owned(), v.clone());
        }
    }
    if changed {
        write_store(&path, &stored)?;
        tracing::info!(path = %path.display(), "generated development secrets");
    }
    Ok(Secrets { values })
}

fn read_store(path: &Path) -> Result<BTreeMap<String, Secret>, ConfigError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| ConfigError::Invalid(format!("{} is not valid JSON: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(ConfigError::Invalid(format!("cannot read {}: {e}", path.display()))),
    }
}

fn write_store(path: &Path, values: &BTreeMap<String, Secret>) -> Result<(), ConfigError> {
    let fail = |e: std::io::Error| ConfigError::Invalid(format!("cannot write {}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let json = serde_json::to_vec_pretty(values).map_err(|e| ConfigError::Invalid(e.to_string()))?;
    let tmp = path.with_extension("json.tmp");
    {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp).map_err(fail)?;
        file.write_all(&json).map_err(fail)?;
        file.sync_all().map_err(fail)?;
    }
    std::fs::rename(&tmp, path).map_err(fail)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2-hunter2-hunter2-hunter2-xx");
        assert_eq!(format!("{s:?} {s}"), "[redacted] [redacted]");
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(Secret::new("xyz").ct_eq(b"xyz"));
    }

    #[test]
    fn development_secrets_are_generated_once_per_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config { data_dir: dir.path().to_path_buf(), ..Config::default() };
        let first = resolve(&config, &["jwt_signing_key"]).unwrap();
        let key = first.get("jwt_signing_key").unwrap().expose().to_owned();
        assert!(key.len() >= MIN_SECRET_LEN);
        let again = resolve(&config, &["jwt_signing_key", "webhook_key"]).unwrap();
        assert_eq!(again.get("jwt_signing_key").unwrap().expose(), key);
        assert!(again.get("webhook_key").is_some());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SECRETS_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn production_refuses_to_invent_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config { data_dir: dir.path().to_path_buf(), mode: Mode::Production, ..Config::default() };
        let err = resolve(&config, &["jwt_signing_key"]).unwrap_err().to_string();
        assert!(err.contains("SOJOURN__SECRETS__JWT_SIGNING_KEY"), "{err}");
        assert!(!dir.path().join(SECRETS_FILE).exists());
        config.secrets.insert("jwt_signing_key".into(), Secret::new("short"));
        assert!(resolve(&config, &["jwt_signing_key"]).unwrap_err().to_string().contains("secrets.jwt_signing_key"));
        config.secrets.insert("jwt_signing_key".into(), Secret::new("x".repeat(40)));
        assert!(resolve(&config, &["jwt_signing_key"]).is_ok());
    }
}
