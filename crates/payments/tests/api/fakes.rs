//! Local stand-ins for Stripe's and PayPal's APIs: they answer like the real ones for the calls
//! we make and record every request, so tests can assert what was sent (form fields, keys,
//! idempotency headers). Failures can be injected per path prefix.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Recorded {
    /// A form field of the body (Stripe).
    pub fn field(&self, name: &str) -> Option<String> {
        url_pairs(&self.body).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

fn url_pairs(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(raw: &str) -> String {
    let bytes = raw.replace('+', " ").into_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Default)]
pub struct Inner {
    pub requests: Vec<Recorded>,
    /// Path prefix → how many more requests to it fail with 500.
    pub failures: HashMap<String, usize>,
    /// Path prefix → (status, body) answered instead, for good.
    pub refusals: HashMap<String, (u16, Value)>,
    /// The processor's objects by id (Stripe's intents, PayPal's orders).
    pub objects: HashMap<String, Value>,
    /// Idempotency key → the first answer, as the real APIs replay it.
    pub replays: HashMap<String, (u16, Value)>,
    pub next: u64,
}

/// One fake processor API on a local port.
#[derive(Clone)]
pub struct Fake {
    inner: Arc<Mutex<Inner>>,
    pub url: String,
}

impl Fake {
    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.lock().unwrap().requests.clone()
    }

    /// Requests whose path starts with `prefix`.
    pub fn to(&self, method: &str, prefix: &str) -> Vec<Recorded> {
        self.requests().into_iter().filter(|r| r.method == method && r.path.starts_with(prefix)).collect()
    }

    /// The next `times` requests to paths starting with `prefix` fail with a 500.
    pub fn fail(&self, prefix: &str, times: usize) {
        self.inner.lock().unwrap().failures.insert(prefix.to_owned(), times);
    }

    /// Requests to paths starting with `prefix` are refused with `status` and `body`.
    pub fn refuse(&self, prefix: &str, status: u16, body: Value) {
        self.inner.lock().unwrap().refusals.insert(prefix.to_owned(), (status, body));
    }

    /// Runs `f` on the fake's state.
    pub fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        f(&mut self.inner.lock().unwrap())
    }

    /// A fresh id: `prefix` and a counter.
    pub fn id(&self, prefix: &str) -> String {
        let mut inner = self.inner.lock().unwrap();
        inner.next += 1;
        format!("{prefix}{}", inner.next)
    }
}

pub async fn start(router: Router<Fake>, inner: Arc<Mutex<Inner>>) -> Fake {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let fake = Fake { inner, url };
    let app = router.with_state(fake.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    fake
}

/// Records the request; answers an injected failure or refusal if one applies.
pub fn record(fake: &Fake, method: &Method, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Option<Response> {
    let path = uri.path().to_owned();
    let mut inner = fake.inner.lock().unwrap();
    inner.requests.push(Recorded {
        method: method.to_string(),
        path: path.clone(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
            .collect(),
        body: String::from_utf8_lossy(body).into_owned(),
    });
    if let Some((_, left)) = inner.failures.iter_mut().find(|(p, left)| path.starts_with(p.as_str()) && **left > 0) {
        *left -= 1;
        return Some(
            (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(json!({"error": {"message": "boom"}}))).into_response(),
        );
    }
    if let Some((_, (status, body))) = inner.refusals.iter().find(|(p, _)| path.starts_with(p.as_str())) {
        return Some((StatusCode::from_u16(*status).unwrap(), axum::Json(body.clone())).into_response());
    }
    None
}

pub fn reply(status: u16, body: Value) -> Response {
    (StatusCode::from_u16(status).unwrap(), axum::Json(body)).into_response()
}

// ---------- Stripe ----------

/// A fake of Stripe's API: payment intents, refunds, Connect transfers. Test cards behave as
/// in Stripe's test mode; `Idempotency-Key` replays the first answer.
pub async fn stripe() -> Fake {
    let inner = Arc::new(Mutex::new(Inner::default()));
    start(Router::new().fallback(stripe_handler), inner).await
}

async fn stripe_handler(
    State(fake): State<Fake>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = record(&fake, &method, &uri, &headers, &body) {
        return r;
    }
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    if let Some(k) = &key
        && let Some((status, body)) = fake.inner.lock().unwrap().replays.get(k).cloned()
    {
        return reply(status, body);
    }
    let form: HashMap<String, String> = url_pairs(&String::from_utf8_lossy(&body)).into_iter().collect();
    let segments: Vec<&str> = uri.path().trim_start_matches('/').split('/').collect();
    let (status, answer) = match (method.as_str(), segments.as_slice()) {
        ("POST", ["v1", "payment_intents"]) => {
            let id = fake.id("pi_stripe_");
            let intent = json!({"id": id, "object": "payment_intent", "client_secret": format!("{id}_secret_fake"),
                "amount": form.get("amount").and_then(|a| a.parse::<i64>().ok()), "currency": form.get("currency"),
                "capture_method": form.get("capture_method"), "status": "requires_payment_method"});
            fake.inner.lock().unwrap().objects.insert(id, intent.clone());
            (200, intent)
        }
        ("POST", ["v1", "payment_intents", id, action]) => {
            let Some(mut intent) = fake.inner.lock().unwrap().objects.get(*id).cloned() else {
                return reply(
                    404,
                    json!({"error": {"type": "invalid_request_error", "code": "resource_missing", "message": "No such payment_intent"}}),
                );
            };
            let manual = intent["capture_method"] == "manual";
            let next = match (*action, form.get("payment_method").map(String::as_str)) {
                ("confirm", Some("pm_card_chargeDeclined")) => {
                    return reply(
                        402,
                        json!({"error": {"type": "card_error", "code": "card_declined",
                        "decline_code": "generic_decline", "message": "Your card was declined."}}),
                    );
                }
                ("confirm", Some("pm_card_threeDSecure2Required")) => "requires_action",
                ("confirm", _) if manual => "requires_capture",
                ("confirm", _) | ("capture", _) => "succeeded",
                ("cancel", _) => "canceled",
                _ => return reply(404, json!({"error": {"type": "invalid_request_error", "message": "unknown"}})),
            };
            intent["status"] = json!(next);
            if next == "requires_action" {
                intent["next_action"] =
                    json!({"type": "redirect_to_url", "redirect_to_url": {"url": "https://hooks.stripe.test/3ds"}});
            }
            fake.inner.lock().unwrap().objects.insert((*id).to_owned(), intent.clone());
            (200, intent)
        }
        ("POST", ["v1", "refunds"]) => (
            200,
            json!({"id": fake.id("re_stripe_"), "object": "refund", "status": "succeeded",
            "amount": form.get("amount").and_then(|a| a.parse::<i64>().ok()), "payment_intent": form.get("payment_intent")}),
        ),
        ("POST", ["v1", "transfers"]) => (
            200,
            json!({"id": fake.id("tr_stripe_"), "object": "transfer",
            "amount": form.get("amount").and_then(|a| a.parse::<i64>().ok()), "destination": form.get("destination")}),
        ),
        _ => (404, json!({"error": {"type": "invalid_request_error", "message": "Unrecognized request URL"}})),
    };
    if let Some(k) = key {
        fake.inner.lock().unwrap().replays.insert(k, (status, answer.clone()));
    }
    reply(status, answer)
}
