//! A fake push service (RFC 8030) on 127.0.0.1, with browser-like subscribers.
//!
//! `subscriber()` makes what a browser makes when it subscribes: its own ECDH P-256 key pair
//! and 16-byte auth secret, and the subscription JSON to hand to the server. The service checks
//! each POST as a real one would — the VAPID token (RFC 8292: ES256 signature by `k`, `aud` =
//! this origin, `exp` in the future and at most 24 h away), `Content-Encoding: aes128gcm`,
//! `TTL`, the 4096-byte limit — and answers 201 with a `Location`. `received()` decrypts what
//! was accepted with the subscriber's private key, as the browser would. `fail_with()` makes a
//! subscriber's endpoint answer a given status (410 gone, 500, 429...) until `heal()`.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::agreement::{ECDH_P256, PrivateKey};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Value, json};

/// A browser's subscription at the fake: its id in the endpoint and the JSON to register.
#[derive(Debug, Clone)]
pub struct Subscriber {
    pub id: String,
    pub endpoint: String,
    /// `PushSubscription.toJSON()`: `{ endpoint, expirationTime, keys: { p256dh, auth } }`.
    pub json: Value,
}

/// One POST the service received, whatever it answered.
#[derive(Debug, Clone)]
pub struct Post {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub status: u16,
    /// Why it was refused, when the fake itself refused it.
    pub error: Option<String>,
}

struct Browser {
    private: PrivateKey,
    public: [u8; 65],
    auth: [u8; 16],
    /// The `applicationServerKey` it subscribed with, when given: pushes signed by another key
    /// are refused with 403, as real push services do.
    server_key: Option<String>,
}

#[derive(Default)]
struct Inner {
    browsers: HashMap<String, Browser>,
    failures: HashMap<String, (u16, Option<u64>)>,
    posts: Vec<Post>,
}

#[derive(Clone)]
struct Shared {
    origin: String,
    inner: Arc<Mutex<Inner>>,
}

pub struct FakePush {
    shared: Shared,
}

impl FakePush {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let shared = Shared { origin, inner: Arc::default() };
        let app = Router::new().route("/push/{id}", post(receive)).with_state(shared.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { shared }
    }

    /// `http://127.0.0.1:PORT`: the `aud` every token must carry.
    pub fn origin(&self) -> &str {
        &self.shared.origin
    }

    /// A new browser subscription (any VAPID key accepted).
    pub fn subscriber(&self) -> Subscriber {
        self.subscribe(None)
    }

    /// A new browser subscription bound to `application_server_key` (base64url), like
    /// `pushManager.subscribe({ applicationServerKey })`.
    pub fn subscriber_for_key(&self, application_server_key: &str) -> Subscriber {
        self.subscribe(Some(application_server_key.to_owned()))
    }

    fn subscribe(&self, server_key: Option<String>) -> Subscriber {
        let private = PrivateKey::generate(&ECDH_P256).unwrap();
        let public: [u8; 65] = private.compute_public_key().unwrap().as_ref().try_into().unwrap();
        let mut auth = [0u8; 16];
        aws_lc_rs::rand::fill(&mut auth).unwrap();
        let mut id = [0u8; 12];
        aws_lc_rs::rand::fill(&mut id).unwrap();
        let id = B64.encode(id);
        let endpoint = format!("{}/push/{id}", self.shared.origin);
        let json = json!({
            "endpoint": endpoint,
            "expirationTime": null,
            "keys": { "p256dh": B64.encode(public), "auth": B64.encode(auth) },
        });
        self.lock().browsers.insert(id.clone(), Browser { private, public, auth, server_key });
        Subscriber { id, endpoint, json }
    }

    /// Later POSTs to this subscriber's endpoint are answered `status`.
    pub fn fail_with(&self, sub: &Subscriber, status: u16) {
        self.lock().failures.insert(sub.id.clone(), (status, None));
    }

    /// Like [`Self::fail_with`], with `Retry-After: secs`.
    pub fn fail_with_retry_after(&self, sub: &Subscriber, status: u16, secs: u64) {
        self.lock().failures.insert(sub.id.clone(), (status, Some(secs)));
    }

    /// This subscriber's endpoint accepts pushes again.
    pub fn heal(&self, sub: &Subscriber) {
        self.lock().failures.remove(&sub.id);
    }

    /// Every POST received, in order.
    pub fn posts(&self) -> Vec<Post> {
        self.lock().posts.clone()
    }

    /// The payloads accepted for this subscriber (answered 201), decrypted with its keys.
    pub fn received(&self, sub: &Subscriber) -> Vec<Vec<u8>> {
        let inner = self.lock();
        let browser = &inner.browsers[&sub.id];
        let path = format!("/push/{}", sub.id);
        inner
            .posts
            .iter()
            .filter(|p| p.path == path && p.status == 201)
            .map(|p| {
                notifications::webpush::decrypt(&browser.private, &browser.public, &browser.auth, &p.body)
                    .unwrap_or_else(|e| panic!("the subscriber cannot decrypt a push: {e}"))
            })
            .collect()
    }

    /// [`Self::received`], each payload parsed as JSON.
    pub fn received_json(&self, sub: &Subscriber) -> Vec<Value> {
        self.received(sub).iter().map(|p| serde_json::from_slice(p).expect("a JSON payload")).collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.shared.inner.lock().unwrap()
    }
}

async fn receive(State(shared): State<Shared>, Path(id): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let mut inner = shared.inner.lock().unwrap();
    let (status, error, retry_after) = match (inner.browsers.get(&id), inner.failures.get(&id)) {
        (None, _) => (404, Some("no such subscription".to_owned()), None),
        (Some(_), Some(&(status, retry_after))) => (status, None, retry_after),
        (Some(browser), None) => match check(&shared.origin, browser, &headers, &body) {
            Ok(()) => (201, None, None),
            Err((status, why)) => (status, Some(why), None),
        },
    };
    let n = inner.posts.len();
    inner.posts.push(Post { path: format!("/push/{id}"), headers, body: body.to_vec(), status, error: error.clone() });
    let status = StatusCode::from_u16(status).unwrap();
    let mut response = (status, error.unwrap_or_default()).into_response();
    if status == StatusCode::CREATED {
        let location = format!("{}/message/{n}", shared.origin);
        response.headers_mut().insert("Location", HeaderValue::from_str(&location).unwrap());
    }
    if let Some(secs) = retry_after {
        response.headers_mut().insert("Retry-After", HeaderValue::from(secs));
    }
    response
}

/// What a push service checks before accepting a message.
fn check(origin: &str, browser: &Browser, headers: &HeaderMap, body: &[u8]) -> Result<(), (u16, String)> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if header("content-encoding") != Some("aes128gcm") {
        return Err((400, "Content-Encoding must be aes128gcm".into()));
    }
    if header("ttl").and_then(|t| t.parse::<u32>().ok()).is_none() {
        return Err((400, "a TTL is required".into()));
    }
    if let Some(urgency) = header("urgency")
        && !["very-low", "low", "normal", "high"].contains(&urgency)
    {
        return Err((400, "bad Urgency".into()));
    }
    if let Some(topic) = header("topic")
        && (topic.len() > 32 || !topic.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    {
        return Err((400, "bad Topic".into()));
    }
    if body.len() > 4096 {
        return Err((413, "payload too large".into()));
    }
    let key = verify_vapid(header("authorization").unwrap_or(""), origin).map_err(|why| (401, why))?;
    if browser.server_key.as_ref().is_some_and(|expected| *expected != key) {
        return Err((403, "signed by another key than the subscription's".into()));
    }
    Ok(())
}

/// Checks `vapid t=<JWT>, k=<key>`; returns `k`.
fn verify_vapid(authorization: &str, origin: &str) -> Result<String, String> {
    let params = authorization.strip_prefix("vapid ").ok_or("not a vapid authorization")?;
    let mut t = None;
    let mut k = None;
    for param in params.split(',') {
        match param.trim().split_once('=') {
            Some(("t", v)) => t = Some(v),
            Some(("k", v)) => k = Some(v),
            _ => {}
        }
    }
    let (t, k) = (t.ok_or("no t=")?, k.ok_or("no k=")?);
    let public = B64.decode(k).map_err(|_| "k is not base64url")?;
    let (signing_input, signature) = t.rsplit_once('.').ok_or("not a JWT")?;
    let signature = B64.decode(signature).map_err(|_| "bad signature encoding")?;
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &public)
        .verify(signing_input.as_bytes(), &signature)
        .map_err(|_| "the JWT signature does not verify with k")?;
    let (head, claims) = signing_input.split_once('.').ok_or("not a JWT")?;
    let decode = |part: &str| -> Result<Value, String> {
        serde_json::from_slice(&B64.decode(part).map_err(|_| "bad JWT encoding")?).map_err(|e| e.to_string())
    };
    if decode(head)?["alg"] != "ES256" {
        return Err("alg must be ES256".into());
    }
    let claims = decode(claims)?;
    if claims["aud"] != origin {
        return Err(format!("aud {} is not {origin}", claims["aud"]));
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let exp = claims["exp"].as_i64().ok_or("no exp")?;
    if exp <= now || exp > now + 24 * 3600 {
        return Err("exp must be in the future and at most 24 h away".into());
    }
    let sub = claims["sub"].as_str().unwrap_or("");
    if !(sub.starts_with("mailto:") || sub.starts_with("https://")) {
        return Err("sub must be a mailto: or https: URL".into());
    }
    Ok(k.to_owned())
}
