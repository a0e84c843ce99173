//! Shared helpers: spawning identity + notifications, registering through identity's API,
//! calling the notification endpoints with a bearer token, publishing synthetic events.

use std::sync::Arc;

use kernel::EventEnvelope;
use platform::config::Config;
use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;

pub const PASSWORD: &str = "Password1!";
pub const INBOX: &str = "/api/v1/users/notifications";
pub const PREFS: &str = "/api/v1/users/notification-preferences";
/// Sojourn's whole type × channel grid of the same preferences.
pub const CHANNELS: &str = "/api/v1/users/notification-preferences/channels";
/// The `internal_api_key` of the test app: what other services present to notify.
pub const INTERNAL_KEY: &str = "internal-key-for-the-notifications-tests-0123456789";

/// Cheap password hashing, no rate limits, and a known internal key.
pub fn fast(c: &mut Config) {
    c.auth.password_hash.memory_kib = 1024;
    c.auth.password_hash.iterations = 1;
    c.rate_limit.enabled = false;
    // No quiet hours unless a test sets a reader's: push and SMS go whatever the time of day.
    c.notifications.quiet_hours_start = "00:00".into();
    c.notifications.quiet_hours_end = "00:00".into();
    c.secrets
        .insert(platform::contracts::http::INTERNAL_API_KEY.to_owned(), platform::secrets::Secret::new(INTERNAL_KEY));
}

pub async fn spawn() -> TestApp {
    let contexts: Vec<Arc<dyn platform::Context>> =
        vec![Arc::new(identity::Identity), Arc::new(notifications::Notifications)];
    testkit::spawn_with(contexts, fast).await
}

/// A registered user: its access token and id.
#[derive(Debug, Clone)]
pub struct User {
    pub token: String,
    pub id: String,
}

/// Registers through identity (with an optional first name) and delivers the events.
pub async fn register_named(app: &TestApp, email: &str, first_name: Option<&str>) -> User {
    let mut body = json!({"email": email, "password": PASSWORD});
    if let Some(name) = first_name {
        body["firstName"] = json!(name);
    }
    let (status, body) = testkit::json(app.post_json("/api/v1/auth/register", &body).await).await;
    assert_eq!(status, 201, "register {email}: {body}");
    let stats = app.drain_events().await;
    assert_eq!(stats.failed, 0, "{stats:?}");
    User {
        token: body["data"]["tokens"]["accessToken"].as_str().expect("accessToken").to_owned(),
        id: body["data"]["user"]["id"].as_str().expect("user id").to_owned(),
    }
}

pub async fn register(app: &TestApp, email: &str) -> User {
    register_named(app, email, None).await
}

/// Sends `method path` with the bearer token and an optional JSON body.
pub async fn call(app: &TestApp, method: Method, path: &str, token: &str, body: Option<&Value>) -> reqwest::Response {
    app.call(method, Some(token), path, body).await
}

/// `(status, body)` of a call.
pub async fn send(app: &TestApp, method: Method, path: &str, token: &str, body: Option<&Value>) -> (u16, Value) {
    testkit::json(call(app, method, path, token, body).await).await
}

/// `data` of a call that must answer 200.
pub async fn data(app: &TestApp, method: Method, path: &str, token: &str, body: Option<&Value>) -> Value {
    let (status, body) = send(app, method.clone(), path, token, body).await;
    assert_eq!(status, 200, "{method} {path}: {body}");
    assert_eq!(body["success"], true, "{body}");
    body["data"].clone()
}

/// `data` of `GET /api/v1/users/notifications{query}`.
pub async fn inbox(app: &TestApp, user: &User, query: &str) -> Value {
    data(app, Method::GET, &format!("{INBOX}{query}"), &user.token, None).await
}

/// The notifications array of `GET /api/v1/users/notifications{query}`.
pub async fn items(app: &TestApp, user: &User, query: &str) -> Vec<Value> {
    inbox(app, user, query).await["notifications"].as_array().expect("notifications").clone()
}

/// `data.count` of the unread count (the same number as `data.unreadCount`).
pub async fn unread(app: &TestApp, user: &User) -> i64 {
    let d = data(app, Method::GET, &format!("{INBOX}/unread-count"), &user.token, None).await;
    assert_eq!(d["count"], d["unreadCount"], "{d}");
    d["count"].as_i64().expect("count")
}

/// Registers `email` and makes it an administrator (the role is read at sign-in).
pub async fn admin(app: &TestApp, email: &str) -> User {
    let user = register(app, email).await;
    let db = app.platform.db("identity").expect("identity db");
    platform::db::query("UPDATE users SET role = 'admin' WHERE email = $1").bind(email).execute(db).await.unwrap();
    let (status, body) =
        testkit::json(app.post_json("/api/v1/auth/login", &json!({"email": email, "password": PASSWORD})).await).await;
    assert_eq!(status, 200, "login {email}: {body}");
    User { token: body["data"]["tokens"]["accessToken"].as_str().expect("accessToken").to_owned(), id: user.id }
}

/// Sends a request without a body or `Content-Type`, as DreamScape's web client sends its
/// bodiless PATCHes.
pub async fn bodiless(app: &TestApp, method: Method, path: &str, token: &str) -> (u16, Value) {
    testkit::json(app.client.request(method, app.url(path)).bearer_auth(token).send().await.expect("request")).await
}

/// Sets `user`'s profile language (through identity, whose event tells notifications).
pub async fn speaks(app: &TestApp, user: &User, language: &str) {
    let body = json!({"settings": {"language": language}});
    // DreamScape's settings answer has no envelope.
    let (status, saved) = send(app, Method::PUT, "/api/v1/users/profile", &user.token, Some(&body)).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(app.drain_events().await.failed, 0);
}

/// Publishes an identity-shaped event for `user` straight to the bus (as a redelivery would).
pub async fn publish(app: &TestApp, event: &EventEnvelope) {
    app.platform.bus.publish(event).await.expect("delivered");
}

pub fn user_event(kind: &str, user: &User, mut data: Value) -> EventEnvelope {
    data["userId"] = json!(user.id);
    EventEnvelope::new(kind, &user.id, chrono::Utc::now(), data)
}

/// Gives `user` `n` more account-security notifications (through `user.mfa_enabled` events).
pub async fn add_security_notices(app: &TestApp, user: &User, n: usize) {
    for _ in 0..n {
        publish(app, &user_event("user.mfa_enabled", user, json!({}))).await;
    }
}

/// The `field` of each validation detail.
pub fn detail_fields(body: &Value) -> Vec<String> {
    body["details"]
        .as_array()
        .map(|d| d.iter().map(|e| e["field"].as_str().unwrap_or_default().to_owned()).collect())
        .unwrap_or_default()
}

/// Writes `event` into an outbox (identity's, standing in for the context that owns it) and
/// delivers it; no consumer may fail on it.
pub async fn deliver(app: &TestApp, event: &EventEnvelope) {
    let db = app.platform.db("identity").expect("identity db");
    let mut tx = db.begin().await.unwrap();
    platform::events::enqueue(&mut tx, event).await.unwrap();
    tx.commit().await.unwrap();
    let stats = app.drain_events().await;
    assert_eq!(stats.failed, 0, "{stats:?}");
}

/// Forgets what `consumer` has handled (as pruning the dedupe records would): how many.
pub async fn forget_handled(app: &TestApp, consumer: &str) -> u64 {
    let db = app.platform.db("notifications").expect("notifications db");
    platform::db::query("DELETE FROM processed_events WHERE consumer = $1").bind(consumer).execute(db).await.unwrap()
}
