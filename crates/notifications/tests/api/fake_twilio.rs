//! A fake of Twilio's Messaging API (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`)
//! on a local port, strict about what it receives as Twilio is: HTTP Basic auth with the
//! account's sid and token (401, code 20003, otherwise), the account in the path (404, 20404),
//! a form with an E.164 `To` (400, 21211), a non-empty `Body` (400, 21602) of at most 1600
//! characters (400, 21617), and a `From` or a `MessagingServiceSid` (400, 21603). What it took
//! is recorded and answered 201 with an `SM…` sid, as Twilio does. Failures are scripted with
//! [`FakeTwilio::fail_next`].

#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};

/// A message the fake took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentSms {
    /// The `SM…` sid it answered.
    pub sid: String,
    pub to: String,
    pub from: Option<String>,
    pub messaging_service_sid: Option<String>,
    pub body: String,
}

#[derive(Default)]
struct Inner {
    messages: Vec<SentSms>,
    /// Statuses to answer instead of taking the next requests, in order.
    failures: VecDeque<u16>,
    /// `Retry-After` (seconds) sent with scripted failures.
    retry_after: Option<u64>,
    /// Every request that reached the fake, accepted or not.
    requests: usize,
}

struct Shared {
    sid: String,
    /// The `Authorization` header Twilio would accept.
    authorization: String,
    inner: Mutex<Inner>,
}

pub struct FakeTwilio {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeTwilio {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeTwilio {
    /// Starts a fake of the account `sid` whose auth token is `token`.
    pub async fn start(sid: &str, token: &str) -> FakeTwilio {
        let credentials = base64::engine::general_purpose::STANDARD.encode(format!("{sid}:{token}"));
        let shared = Arc::new(Shared {
            sid: sid.to_owned(),
            authorization: format!("Basic {credentials}"),
            inner: Mutex::new(Inner::default()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the fake Twilio");
        let addr = listener.local_addr().expect("local addr");
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeTwilio { addr, shared, task }
    }

    /// What `TwilioSettings::api_base` is set to.
    pub fn api_base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every message taken, oldest first.
    pub fn messages(&self) -> Vec<SentSms> {
        self.shared.inner.lock().unwrap().messages.clone()
    }

    /// How many requests reached the fake, refused ones included.
    pub fn requests(&self) -> usize {
        self.shared.inner.lock().unwrap().requests
    }

    /// Waits until `to` got at least `count` messages; returns them all (oldest first).
    pub async fn wait_for(&self, to: &str, count: usize, timeout: Duration) -> Vec<SentSms> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let got: Vec<SentSms> = self.messages().into_iter().filter(|m| m.to == to).collect();
            if got.len() >= count {
                return got;
            }
            if tokio::time::Instant::now() >= deadline {
                panic!("expected {count} SMS to {to} within {timeout:?}, got {}", got.len());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The next `n` requests are answered `status` (with Twilio's error body) and not taken.
    pub fn fail_next(&self, status: u16, n: usize) {
        let mut inner = self.shared.inner.lock().unwrap();
        inner.failures.extend(std::iter::repeat_n(status, n));
    }

    /// Scripted failures carry `Retry-After: secs` from now on (`None`: no header).
    pub fn retry_after(&self, secs: Option<u64>) {
        self.shared.inner.lock().unwrap().retry_after = secs;
    }
}

fn error(status: u16, code: u32, message: &str) -> Response {
    let body = json!({"code": code, "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status});
    (StatusCode::from_u16(status).unwrap(), axum::Json(body)).into_response()
}

/// E.164 as Twilio checks `To`: `+`, then 8–15 digits, the first not 0.
fn e164(to: &str) -> bool {
    to.strip_prefix('+')
        .is_some_and(|d| (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0'))
}

/// The fields of an `application/x-www-form-urlencoded` body (decoded by `url`'s parser).
fn form(body: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(body);
    let url = reqwest::Url::parse(&format!("http://form.invalid/?{text}")).unwrap();
    url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

fn new_sid() -> String {
    format!("SM{}", uuid::Uuid::now_v7().simple())
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let scripted = {
        let mut inner = shared.inner.lock().unwrap();
        inner.requests += 1;
        inner.failures.pop_front().map(|status| (status, inner.retry_after))
    };
    if let Some((status, after)) = scripted {
        let mut response = match status {
            429 => error(429, 20429, "Too Many Requests"),
            s if s >= 500 => error(s, 20500, "Internal Server Error"),
            s => error(s, 21211, "The 'To' number is not a valid phone number."),
        };
        if let Some(secs) = after {
            response.headers_mut().insert(header::RETRY_AFTER, secs.to_string().parse().unwrap());
        }
        return response;
    }
    let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if authorization != Some(shared.authorization.as_str()) {
        return error(401, 20003, "Authenticate");
    }
    let expected = format!("/2010-04-01/Accounts/{}/Messages.json", shared.sid);
    if method != Method::POST || uri.path() != expected {
        return error(404, 20404, "The requested resource was not found");
    }
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form_type {
        return error(400, 20001, "Unsupported content type");
    }
    let fields = form(&body);
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let to = field("To").unwrap_or_default();
    let text = field("Body").unwrap_or_default();
    let from = field("From").filter(|v| !v.is_empty());
    let service = field("MessagingServiceSid").filter(|v| !v.is_empty());
    if !e164(&to) {
        return error(400, 21211, &format!("The 'To' number {to} is not a valid phone number."));
    }
    if text.is_empty() {
        return error(400, 21602, "Message body is required.");
    }
    if text.chars().count() > 1600 {
        return error(400, 21617, "The concatenated message body exceeds the 1600 character limit.");
    }
    if from.is_none() && service.is_none() {
        return error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message.");
    }
    let sid = new_sid();
    let message = SentSms { sid: sid.clone(), to, from, messaging_service_sid: service, body: text };
    shared.inner.lock().unwrap().messages.push(message.clone());
    let reply: Value = json!({
        "account_sid": shared.sid, "api_version": "2010-04-01", "body": message.body,
        "date_created": "Thu, 24 Aug 2023 05:01:45 +0000", "date_sent": null, "date_updated": "Thu, 24 Aug 2023 05:01:45 +0000",
        "direction": "outbound-api", "error_code": null, "error_message": null, "from": message.from,
        "messaging_service_sid": message.messaging_service_sid, "num_media": "0", "num_segments": "1", "price": null,
        "price_unit": "USD", "sid": sid, "status": "queued", "to": message.to,
        "uri": format!("/2010-04-01/Accounts/{}/Messages/{sid}.json", shared.sid),
    });
    (StatusCode::CREATED, axum::Json(reply)).into_response()
}
