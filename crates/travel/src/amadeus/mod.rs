//! The Amadeus adapter: the Self-Service APIs over HTTP, as a [`Provider`].
//!
//! Calls carry an OAuth2 client-credentials token, cached and renewed a little before it
//! expires by one caller at a time, and renewed once more when Amadeus refuses it (the call is
//! then repeated once). Reads are retried on 429, 5xx and no answer, with exponential backoff
//! and jitter (a 429's `Retry-After` honoured, within a few seconds); a write is retried only
//! when it carries an idempotency key or when Amadeus cannot have acted on it (no connection,
//! 429). A circuit breaker fails calls at once while Amadeus keeps failing, and answers of
//! cacheable operations are kept in memory a while. Whatever goes wrong at Amadeus or with our
//! credentials reaches the caller as `503` with `Retry-After`; the token and the client secret
//! are never logged nor put into an error.

mod breaker;
mod cache;
mod errors;
#[cfg(any(test, feature = "fake"))]
pub mod fake;
mod token;

use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

use async_trait::async_trait;
use kernel::{ApiError, FieldError};
use platform::config::AmadeusConfig;
use platform::secrets::Secret;
use reqwest::Method;
use reqwest::header::{ACCEPT, RETRY_AFTER};
use serde_json::Value;

use crate::provider::{Provider, Request};
use breaker::Breaker;
use cache::Cache;
use token::Tokens;

/// The path of Amadeus's token endpoint.
pub const TOKEN_PATH: &str = "/v1/security/oauth2/token";

/// The header carrying a write's idempotency key (`Request::key`). Amadeus Self-Service may
/// well ignore it: what keeps a booking from being made twice is that a write whose outcome is
/// unknown (sent, then a 5xx or no answer) is never retried unless it carries a key — the
/// caller then gets `503` and must find out (e.g. by reading the order) before trying again.
pub const IDEMPOTENCY_HEADER: &str = "X-Idempotency-Key";

/// First backoff before a retry; doubled each time, up to [`BACKOFF_CAP`].
const BACKOFF_BASE: Duration = Duration::from_millis(100);
const BACKOFF_CAP: Duration = Duration::from_secs(2);
/// The longest a 429's `Retry-After` is waited out before retrying.
const RETRY_AFTER_CAP: u64 = 5;

/// Amadeus Self-Service, reached with an app's client credentials.
pub struct Amadeus {
    http: reqwest::Client,
    base_url: String,
    client_id: String,
    client_secret: Secret,
    max_attempts: u32,
    tokens: Tokens,
    breaker: Breaker,
    cache: Cache,
}

impl fmt::Debug for Amadeus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Amadeus")
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

/// What one exchange came to.
enum Exchange {
    /// Amadeus answered: its status, body (`None` when empty or not JSON) and `Retry-After`.
    Answer { status: u16, body: Option<Value>, retry_after: Option<u64> },
    /// No answer. `unsent` when the request cannot have reached Amadeus (no connection).
    Silent { unsent: bool },
}

/// What an attempt came to: a final result, or a failure worth another attempt after `wait`.
enum Step {
    Done(Result<Value, ApiError>),
    Again { error: ApiError, wait: Option<Duration> },
}

impl Amadeus {
    /// An adapter for the Amadeus app `config.client_id` with its `client_secret`, one pooled
    /// HTTP client with `config.timeout_secs` per attempt.
    pub fn new(config: &AmadeusConfig, client_secret: Secret) -> Result<Self, String> {
        let client_id = config
            .client_id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .ok_or("travel.amadeus.client_id is required")?;
        if client_secret.expose().trim().is_empty() {
            return Err("the Amadeus client secret (amadeus_client_secret) is empty".into());
        }
        let timeout = Duration::from_secs(config.timeout_secs.max(1));
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| format!("cannot build the Amadeus HTTP client: {e}"))?;
        Ok(Self {
            http,
            base_url: config.base_url.trim_end_matches('/').to_owned(),
            client_id: client_id.to_owned(),
            client_secret,
            max_attempts: config.max_attempts.max(1),
            tokens: Tokens::default(),
            breaker: Breaker::new(config.breaker_failures, Duration::from_secs(config.breaker_open_secs)),
            cache: Cache::new(config.cache_entries),
        })
    }

    /// Cache (hits, misses) of cacheable operations so far.
    pub fn cache_stats(&self) -> (u64, u64) {
        self.cache.stats()
    }

    /// Access tokens obtained from Amadeus so far.
    pub fn tokens_fetched(&self) -> u64 {
        self.tokens.fetched()
    }

    /// The URL of `request`: its path with `{id}` escaped, and its query.
    fn url(&self, request: &Request) -> Result<String, ApiError> {
        let (_, path) = request.op.route();
        let mut url = self.base_url.clone();
        if path.contains("{id}") {
            let id = request.id.as_deref().filter(|id| !id.is_empty());
            let id = id.ok_or_else(|| ApiError::validation(vec![FieldError::new("id", "is required")]))?;
            url.push_str(&path.replace("{id}", &escape(id)));
        } else {
            url.push_str(path);
        }
        for (i, (name, value)) in request.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(&escape(name));
            url.push('=');
            url.push_str(&escape(value));
        }
        Ok(url)
    }

    /// Sends `request` (not the token request), and reads the answer.
    async fn exchange(&self, method: &Method, url: &str, request: &Request, token: &str) -> Exchange {
        let mut builder = self
            .http
            .request(method.clone(), url)
            .bearer_auth(token)
            .header(ACCEPT, "application/vnd.amadeus+json, application/json");
        if request.op.writes()
            && let Some(key) = &request.key
        {
            builder = builder.header(IDEMPOTENCY_HEADER, key);
        }
        if *method == Method::POST
            && let Some(body) = &request.body
        {
            builder = builder.json(body);
        }
        self.read(&format!("{:?}", request.op), builder).await
    }

    async fn read(&self, op: &str, builder: reqwest::RequestBuilder) -> Exchange {
        let response = match builder.send().await {
            Ok(response) => response,
            Err(e) => {
                let unsent = e.is_connect();
                tracing::warn!(op, timeout = e.is_timeout(), unsent, error = %e.without_url(), "Amadeus did not answer");
                return Exchange::Silent { unsent };
            }
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        match response.bytes().await {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => {
                Exchange::Answer { status, body: None, retry_after }
            }
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(body) => Exchange::Answer { status, body: Some(body), retry_after },
                Err(_) if (200..300).contains(&status) => {
                    tracing::warn!(op, status, "Amadeus answered a body that is not JSON");
                    // Counted as a failure below, like a 5xx.
                    Exchange::Answer { status: 502, body: None, retry_after: None }
                }
                Err(_) => Exchange::Answer { status, body: None, retry_after },
            },
            Err(e) => {
                tracing::warn!(op, status, error = %e.without_url(), "Amadeus's answer was cut short");
                Exchange::Silent { unsent: false }
            }
        }
    }

    /// Asks Amadeus for a token: its value and lifetime, or the step to take when none comes.
    async fn fetch_token(&self) -> Result<(String, Duration), Step> {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose()),
        ];
        let builder = self.http.post(format!("{}{TOKEN_PATH}", self.base_url)).form(&form);
        match self.read("token", builder).await {
            Exchange::Answer { status: 200..=299, body: Some(body), .. } => {
                let value = body.get("access_token").and_then(Value::as_str).filter(|t| !t.is_empty());
                let Some(value) = value else {
                    tracing::error!("Amadeus answered a token request without access_token");
                    self.breaker.failure();
                    return Err(Step::Done(Err(errors::unavailable(None))));
                };
                self.breaker.success();
                // At most a day, whatever Amadeus says (its tokens last 30 minutes).
                let lifetime = body.get("expires_in").and_then(Value::as_u64).unwrap_or(0).min(86_400);
                Ok((value.to_owned(), Duration::from_secs(lifetime)))
            }
            Exchange::Answer { status: 429, retry_after, .. } => {
                self.breaker.success();
                let error = errors::unavailable(retry_after);
                Err(Step::Again { error, wait: retry_after.map(|s| Duration::from_secs(s.min(RETRY_AFTER_CAP))) })
            }
            Exchange::Answer { status: status @ 400..=499, body, .. } => {
                self.breaker.success();
                let reason = body.as_ref().and_then(|b| b.get("error")).and_then(Value::as_str).unwrap_or("-");
                tracing::error!(
                    status,
                    reason,
                    "Amadeus refused our client credentials: check travel.amadeus.client_id and amadeus_client_secret"
                );
                Err(Step::Done(Err(errors::unavailable(None))))
            }
            Exchange::Answer { status, .. } => {
                tracing::warn!(status, "Amadeus failed a token request");
                self.breaker.failure();
                Err(Step::Again { error: errors::unavailable(None), wait: None })
            }
            Exchange::Silent { .. } => {
                self.breaker.failure();
                Err(Step::Again { error: errors::unavailable(None), wait: None })
            }
        }
    }

    /// Counts a failure; when it opened the circuit, the seconds until it may close.
    fn failed(&self) -> Option<u64> {
        let opened = self.breaker.failure();
        if opened {
            tracing::error!(seconds = self.breaker.open_secs(), "Amadeus keeps failing: circuit open");
        }
        opened.then(|| self.breaker.open_secs())
    }

    async fn token(&self) -> Result<String, Step> {
        self.tokens.get(|| self.fetch_token()).await
    }

    /// One attempt: a token (renewed once if Amadeus refuses it), the exchange, its verdict.
    async fn attempt(&self, method: &Method, url: &str, request: &Request, retry_safe: bool) -> Step {
        let op = request.op;
        if let Err(seconds) = self.breaker.admit() {
            tracing::debug!(?op, seconds, "Amadeus circuit open: failing fast");
            return Step::Done(Err(errors::unavailable(Some(seconds))));
        }
        let token = match self.token().await {
            Ok(token) => token,
            Err(step) => return step,
        };
        let mut exchange = self.exchange(method, url, request, &token).await;
        if let Exchange::Answer { status: 401, .. } = exchange {
            self.tokens.forget(&token);
            let token = match self.token().await {
                Ok(token) => token,
                Err(step) => return step,
            };
            exchange = self.exchange(method, url, request, &token).await;
        }
        match exchange {
            Exchange::Silent { unsent } => {
                let error = errors::unavailable(self.failed());
                if retry_safe || unsent { Step::Again { error, wait: None } } else { Step::Done(Err(error)) }
            }
            Exchange::Answer { status: 200..=299, body, .. } => {
                self.breaker.success();
                Step::Done(Ok(body.unwrap_or(Value::Null)))
            }
            // Rate limited: Amadeus did not act on it, whatever it was.
            Exchange::Answer { status: 429, retry_after, body } => {
                self.breaker.success();
                tracing::warn!(?op, status = 429, code = %errors::code(body.as_ref()), "Amadeus rate limit");
                let retry_after = retry_after.map(|s| s.min(RETRY_AFTER_CAP));
                Step::Again { error: errors::unavailable(retry_after), wait: retry_after.map(Duration::from_secs) }
            }
            Exchange::Answer { status: status @ (401 | 403), body, .. } => {
                self.breaker.success();
                tracing::error!(?op, status, code = %errors::code(body.as_ref()), "Amadeus refused our access token: check the Amadeus app's credentials and rights");
                Step::Done(Err(errors::unavailable(None)))
            }
            Exchange::Answer { status: status @ 400..=499, body, .. } => {
                self.breaker.success();
                tracing::info!(?op, status, code = %errors::code(body.as_ref()), "Amadeus refused a request");
                Step::Done(Err(errors::refusal(status, body.as_ref())))
            }
            Exchange::Answer { status, body, retry_after } => {
                tracing::warn!(?op, status, code = %errors::code(body.as_ref()), "Amadeus failed");
                let error = errors::unavailable(self.failed().or(retry_after.map(|s| s.min(RETRY_AFTER_CAP))));
                if retry_safe { Step::Again { error, wait: None } } else { Step::Done(Err(error)) }
            }
        }
    }

    /// Calls Amadeus, with the retries the operation allows.
    async fn send(&self, request: &Request) -> Result<Value, ApiError> {
        let (method, _) = request.op.route();
        let method = Method::from_bytes(method.as_bytes()).map_err(|_| ApiError::internal())?;
        let url = self.url(request)?;
        // A write without a key is never repeated once Amadeus may have received it.
        let retry_safe = !request.op.writes() || request.key.is_some();
        let mut attempt = 1;
        loop {
            match self.attempt(&method, &url, request, retry_safe).await {
                Step::Done(result) => return result,
                Step::Again { error, .. } if attempt >= self.max_attempts => return Err(error),
                Step::Again { wait, .. } => {
                    tokio::time::sleep(wait.unwrap_or_else(|| backoff(attempt))).await;
                    attempt += 1;
                }
            }
        }
    }
}

#[async_trait]
impl Provider for Amadeus {
    fn name(&self) -> &'static str {
        "amadeus"
    }

    async fn call(&self, request: &Request) -> Result<Value, ApiError> {
        if request.op.offline_only() {
            return Err(errors::not_offered(request.op));
        }
        let Some(ttl) = request.op.cacheable() else {
            return self.send(request).await;
        };
        let key = cache::key(request);
        if let Some(value) = self.cache.get(&key) {
            return Ok(value);
        }
        let _flight = self.cache.fly(&key).await;
        if let Some(value) = self.cache.get(&key) {
            return Ok(value);
        }
        self.cache.miss();
        let value = self.send(request).await?;
        self.cache.put(key, value.clone(), ttl);
        Ok(value)
    }
}

/// The wait before attempt `attempt + 1`: exponential, with jitter (half to all of it).
fn backoff(attempt: u32) -> Duration {
    let full = BACKOFF_BASE.saturating_mul(1 << attempt.saturating_sub(1).min(16)).min(BACKOFF_CAP);
    let random = RandomState::new().hash_one(std::time::Instant::now());
    let millis = u64::try_from(full.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(millis / 2 + random % (millis / 2 + 1))
}

/// Percent-encodes everything but unreserved characters (and `,`, which Amadeus's lists use),
/// for path segments and query names and values (`page[limit]` → `page%5Blimit%5D`).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b',') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_only_unreserved_characters() {
        assert_eq!(escape("page[limit]"), "page%5Blimit%5D");
        assert_eq!(escape("a b&c=d/é,x"), "a%20b%26c%3Dd%2F%C3%A9,x");
        assert_eq!(escape("PAR-1_2.3~"), "PAR-1_2.3~");
    }

    #[test]
    fn backoff_grows_with_jitter_and_a_cap() {
        for _ in 0..50 {
            let first = backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100), "{first:?}");
            let third = backoff(3);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400), "{third:?}");
            assert!(backoff(30) <= BACKOFF_CAP);
        }
    }
}
