//! A fake Amadeus for tests and benchmarks: an HTTP server on 127.0.0.1 that speaks Amadeus's
//! protocol — client-credentials tokens, bearer checks, required parameters and bodies refused
//! the way Amadeus refuses them — and answers every operation from a backend [`Provider`]
//! (normally the offline supplier). It records every request, and can be told to fail the next
//! calls (429, 500, or hang), so the adapter's retries, breaker and cache can be watched from
//! the outside.

mod rules;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use kernel::ApiError;
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use super::{IDEMPOTENCY_HEADER, TOKEN_PATH};
use crate::provider::{Operation, Provider, Request};

/// A failure the fake answers instead of the next API call (token requests are never failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `429` with `Retry-After`.
    TooManyRequests { retry_after_secs: u64 },
    /// `500` with an Amadeus system error.
    ServerError,
    /// Waits this long, then answers normally (the client has usually given up by then, while
    /// the backend still acts: an outcome the client does not know).
    Hang(Duration),
}

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// Decoded path (`/v1/booking/flight-orders/a/b` for an escaped id `a%2Fb`: see `raw_path`).
    pub path: String,
    pub raw_path: String,
    /// As sent, still encoded.
    pub raw_query: String,
    /// Decoded, in order.
    pub query: Vec<(String, String)>,
    pub authorization: Option<String>,
    pub idempotency_key: Option<String>,
    pub content_type: Option<String>,
    /// The JSON body, when it was JSON.
    pub body: Option<Value>,
    /// The form of a token request.
    pub form: Vec<(String, String)>,
}

impl Seen {
    /// The first value of query parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

struct Fake {
    backend: Arc<dyn Provider>,
    client_id: String,
    client_secret: String,
    /// Live tokens and when they expire.
    tokens: Mutex<HashMap<String, Instant>>,
    lifetime: AtomicU64,
    issued: AtomicU64,
    log: Mutex<Vec<Seen>>,
    faults: Mutex<VecDeque<Fault>>,
}

/// A running fake Amadeus; stopped when dropped.
pub struct FakeAmadeus {
    /// `http://127.0.0.1:port`: the adapter's `base_url`.
    pub url: String,
    fake: Arc<Fake>,
    server: JoinHandle<()>,
}

impl std::fmt::Debug for FakeAmadeus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeAmadeus").field("url", &self.url).finish_non_exhaustive()
    }
}

impl Drop for FakeAmadeus {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeAmadeus {
    /// Starts a fake accepting the app `client_id` / `client_secret`, answering from `backend`.
    /// Tokens last 1799 seconds, as Amadeus's do, until [`FakeAmadeus::set_token_lifetime`].
    pub async fn start(
        backend: Arc<dyn Provider>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> std::io::Result<Self> {
        let fake = Arc::new(Fake {
            backend,
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            tokens: Mutex::default(),
            lifetime: AtomicU64::new(1799),
            issued: AtomicU64::new(0),
            log: Mutex::default(),
            faults: Mutex::default(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let app = Router::new().fallback(handle).with_state(fake.clone());
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!(error = %e, "the fake Amadeus stopped");
            }
        });
        Ok(Self { url, fake, server })
    }

    /// The `expires_in` of tokens issued from now on.
    pub fn set_token_lifetime(&self, seconds: u64) {
        self.fake.lifetime.store(seconds, Ordering::SeqCst);
    }

    /// Makes every token issued so far invalid (Amadeus answers 401 to them).
    pub fn revoke_tokens(&self) {
        lock(&self.fake.tokens).clear();
    }

    /// Answers the next `n` API calls with `fault`, after any already queued.
    pub fn fail_next(&self, n: usize, fault: Fault) {
        lock(&self.fake.faults).extend(std::iter::repeat_n(fault, n));
    }

    /// Drops the failures still queued.
    pub fn clear_faults(&self) {
        lock(&self.fake.faults).clear();
    }

    /// Every request received, token requests included, in order.
    pub fn requests(&self) -> Vec<Seen> {
        lock(&self.fake.log).clone()
    }

    /// The API requests received (not the token requests).
    pub fn api_requests(&self) -> Vec<Seen> {
        self.requests().into_iter().filter(|r| r.path != TOKEN_PATH).collect()
    }

    /// Token requests received.
    pub fn token_requests(&self) -> usize {
        lock(&self.fake.log).iter().filter(|r| r.path == TOKEN_PATH).count()
    }

    /// Tokens issued.
    pub fn tokens_issued(&self) -> u64 {
        self.fake.issued.load(Ordering::SeqCst)
    }

    pub fn clear_log(&self) {
        lock(&self.fake.log).clear();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn json_response(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/vnd.amadeus+json"));
    response
}

/// An Amadeus error body with one error; `source` is `("parameter" | "pointer", value)`.
fn amadeus_error(status: u16, code: u32, title: &str, detail: &str, source: Option<(&str, &str)>) -> Response {
    let mut error = json!({ "status": status, "code": code, "title": title, "detail": detail });
    if let Some((kind, value)) = source {
        error["source"] = json!({ kind: value });
    }
    json_response(status, json!({ "errors": [error] }))
}

/// Our error as Amadeus would say it, with the same status.
fn from_api_error(error: &ApiError) -> Response {
    let status = if (400..600).contains(&error.status) { error.status } else { 500 };
    let code = match status {
        400 => 477,
        404 => 1797,
        409 | 422 => 34651,
        _ => 141,
    };
    let title = error.code.to_uppercase().replace('_', " ");
    let mut errors: Vec<Value> = error
        .details
        .iter()
        .map(|d| {
            let kind = if d.field.starts_with('/') { "pointer" } else { "parameter" };
            json!({ "status": status, "code": code, "title": title, "detail": d.message, "source": { kind: d.field } })
        })
        .collect();
    if errors.is_empty() {
        errors.push(json!({ "status": status, "code": code, "title": title, "detail": error.message }));
    }
    json_response(status, json!({ "errors": errors }))
}

async fn handle(State(fake): State<Arc<Fake>>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let raw_path = uri.path().to_owned();
    let raw_query = uri.query().unwrap_or("").to_owned();
    let is_token = raw_path == TOKEN_PATH && method == Method::POST;
    let text = String::from_utf8_lossy(&body).into_owned();
    let seen = Seen {
        method: method.as_str().to_owned(),
        path: rules::decode(&raw_path, false),
        raw_path: raw_path.clone(),
        query: rules::pairs(&raw_query),
        raw_query,
        authorization: header_text(&headers, "authorization"),
        idempotency_key: header_text(&headers, IDEMPOTENCY_HEADER),
        content_type: header_text(&headers, "content-type"),
        body: if is_token { None } else { serde_json::from_slice(&body).ok() },
        form: if is_token { rules::pairs(&text) } else { Vec::new() },
    };
    lock(&fake.log).push(seen.clone());
    if is_token {
        return token(&fake, &seen);
    }
    let fault = lock(&fake.faults).pop_front();
    match fault {
        Some(Fault::TooManyRequests { retry_after_secs }) => {
            let mut response = amadeus_error(429, 38194, "Too many requests", "The rate limit was exceeded", None);
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            return response;
        }
        Some(Fault::ServerError) => {
            return amadeus_error(500, 141, "SYSTEM ERROR HAS OCCURRED", "An internal error occurred", None);
        }
        Some(Fault::Hang(duration)) => tokio::time::sleep(duration).await,
        None => {}
    }
    let Some((op, id)) = rules::route(method.as_str(), &raw_path) else {
        return amadeus_error(404, 38196, "Resource not found", "The targeted resource does not exist", None);
    };
    if !authorized(&fake, seen.authorization.as_deref()) {
        return amadeus_error(401, 38192, "Invalid access token", "The access token provided is invalid", None);
    }
    if let Some(missing) = rules::required(op).iter().find(|name| seen.param(name).is_none_or(str::is_empty)) {
        let detail = format!("{missing} is required");
        return amadeus_error(400, 32171, "MANDATORY DATA MISSING", &detail, Some(("parameter", missing)));
    }
    let body = match rules::check_body(op, &body) {
        Ok(body) => body,
        Err((pointer, title, detail)) => {
            let code = if title == "INVALID FORMAT" { 477 } else { 32171 };
            return amadeus_error(400, code, title, &detail, Some(("pointer", &pointer)));
        }
    };
    let request = Request {
        op,
        id: id.map(|id| rules::decode(&id, false)),
        query: seen.query.clone(),
        body,
        key: seen.idempotency_key.clone(),
    };
    match fake.backend.call(&request).await {
        Ok(_) if method == Method::DELETE => StatusCode::NO_CONTENT.into_response(),
        Ok(answer) => {
            let created = matches!(op, Operation::FlightOrderCreate | Operation::HotelOrderCreate);
            json_response(if created { 201 } else { 200 }, answer)
        }
        Err(error) => from_api_error(&error),
    }
}

fn authorized(fake: &Fake, authorization: Option<&str>) -> bool {
    let Some(token) = authorization.and_then(|a| a.strip_prefix("Bearer ")) else { return false };
    lock(&fake.tokens).get(token).is_some_and(|expires| Instant::now() < *expires)
}

fn token(fake: &Fake, seen: &Seen) -> Response {
    let field = |name: &str| seen.form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    if field("grant_type") != Some("client_credentials") {
        let body = json!({ "error": "unsupported_grant_type", "error_description": "Only client_credentials is supported",
                           "code": 38187, "title": "Invalid parameters" });
        return json_response(400, body);
    }
    if field("client_id") != Some(fake.client_id.as_str())
        || field("client_secret") != Some(fake.client_secret.as_str())
    {
        let body = json!({ "error": "invalid_client", "error_description": "Client credentials are invalid",
                           "code": 38187, "title": "Invalid parameters" });
        return json_response(401, body);
    }
    let n = fake.issued.fetch_add(1, Ordering::SeqCst) + 1;
    let lifetime = fake.lifetime.load(Ordering::SeqCst);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let value = format!("fake{n}x{nanos:08x}");
    lock(&fake.tokens).insert(value.clone(), Instant::now() + Duration::from_secs(lifetime));
    json_response(
        200,
        json!({
            "type": "amadeusOAuth2Token",
            "username": "developer@sojourn.test",
            "application_name": "sojourn-fake",
            "client_id": fake.client_id,
            "token_type": "Bearer",
            "access_token": value,
            "expires_in": lifetime,
            "state": "approved",
            "scope": ""
        }),
    )
}
