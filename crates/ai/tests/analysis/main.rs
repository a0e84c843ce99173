//! ai's analysis part through HTTP: review sentiment kept from reviews' events, trip purpose of
//! reservations booked and paid through identity, catalog, booking and payments, the offline
//! text tools, image analysis on generated PNG and JPEG bytes, and the model-backed tools
//! against the fake OpenAI-compatible server (and their `503` without a model).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(dead_code)] // support helpers serve several modules

mod files;
mod purpose;
mod sentiment;
mod text;

use std::sync::Arc;

use ai::llm::fake::FakeModel;
use reqwest::Method;
use serde_json::{Value, json};
use tempfile::TempDir;
use testkit::TestApp;
pub use testkit::accounts::{User, admin, call, data, get, post, register};

pub struct Kit {
    pub app: TestApp,
    pub clock: Arc<kernel::ManualClock>,
    _dir: TempDir,
}

impl std::ops::Deref for Kit {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

/// The app with identity, catalog, booking, payments, reviews and ai, on a clock at Monday
/// 1 March 2027, 09:00 UTC; with `model`, ai's model (chat, vision and transcription) is the
/// fake.
pub async fn spawn(model: Option<&FakeModel>) -> Kit {
    build(model, false).await
}

/// [`spawn`] without a model, with rate limits on.
pub async fn spawn_limited() -> Kit {
    build(None, true).await
}

async fn build(model: Option<&FakeModel>, limits: bool) -> Kit {
    let dir = tempfile::tempdir().unwrap();
    let mut config = testkit::quick_config(&dir);
    config.rate_limit.enabled = limits;
    config.secrets.insert(
        "payments_webhook_secret".into(),
        platform::secrets::Secret::new("whsec_analysis_tests_0123456789abcdef"),
    );
    if let Some(fake) = model {
        config.ai.model.base_url = Some(fake.base_url());
        config.ai.model.model = Some("fake-chat".into());
        config.ai.model.vision_model = Some("fake-vision".into());
        config.ai.model.transcription_model = Some("fake-whisper".into());
    }
    let contexts: Vec<Arc<dyn platform::Context>> = vec![
        Arc::new(identity::Identity),
        Arc::new(catalog::Catalog),
        Arc::new(booking::Booking),
        Arc::new(payments::Payments),
        Arc::new(reviews::Reviews),
        Arc::new(ai::Ai),
    ];
    let clock = Arc::new(kernel::ManualClock::new("2027-03-01T09:00:00Z".parse().unwrap()));
    let app = testkit::spawn_config_with_clock(config, contexts, clock.clone()).await;
    Kit { app, clock, _dir: dir }
}

/// Every committed event published and handled (twice: handlers publish more).
pub async fn settle(app: &TestApp) {
    app.drain_events().await;
    app.drain_events().await;
}

/// A provider account.
pub async fn host(app: &TestApp, email: &str) -> User {
    let user = register(app, email).await;
    let body = json!({"displayName": "Host", "defaultCurrency": "EUR", "timezone": "Europe/Paris"});
    data(post(app, &user, "/api/v1/providers", &body).await).await;
    user
}

/// A published instant-book flat for up to six guests; its id.
pub async fn flat(app: &TestApp, owner: &User, city: &str) -> String {
    let body = json!({"kind": "stay", "title": format!("Flat in {city}"), "description": "A bright flat, close to everything you need.",
        "address": {"line1": "1 Main Street", "city": city, "country": "FR"}, "location": {"lat": 48.87, "lng": 2.36},
        "timezone": "Europe/Paris", "currency": "EUR", "instantBook": true, "cancellationPolicy": "flexible",
        "stay": {"propertyType": "apartment", "maxGuests": 6, "bedrooms": 3, "beds": 4,
        "bathrooms": 1, "nightlyPrice": 10000, "checkInTime": "15:00", "checkOutTime": "11:00"}});
    let made = data(post(app, owner, "/api/v1/listings", &body).await).await;
    let id = made["listing"]["id"].as_str().unwrap().to_owned();
    data(call(app, Method::POST, owner, &format!("/api/v1/listings/{id}/publish"), None).await).await;
    settle(app).await;
    id
}

/// A stay paid on the sandbox (so confirmed); its id.
pub async fn paid(app: &TestApp, guest: &User, listing: &str, check_in: &str, check_out: &str, guests: u32) -> String {
    let body = json!({"listingId": listing, "checkIn": check_in, "checkOut": check_out, "guests": guests});
    let r = data(post(app, guest, "/api/v1/reservations", &body).await).await["reservation"].clone();
    settle(app).await;
    let id = r["id"].as_str().unwrap().to_owned();
    let ask = json!({"amount": r["total"], "currency": "eur", "bookingReference": id});
    let intent = data(post(app, guest, "/api/v1/payment/intent", &ask).await).await;
    let pi = intent["paymentIntentId"].as_str().unwrap();
    data(post(app, guest, &format!("/api/v1/payment/{pi}/confirm"), &json!({"paymentMethod": "pm_card_visa"})).await)
        .await;
    settle(app).await;
    let now = data(get(app, guest, &format!("/api/v1/reservations/{id}")).await).await["reservation"].clone();
    assert_eq!(now["status"], "confirmed", "{now}");
    id
}

/// Publishes an event as if another context had (ai's own outbox; every consumer gets it).
pub async fn inject(app: &TestApp, kind: &str, data: Value) {
    let event = kernel::EventEnvelope::new(kind, kernel::new_id(), chrono::Utc::now(), data);
    let db = app.platform.db("ai").unwrap();
    let mut tx = db.begin().await.unwrap();
    platform::events::enqueue(&mut tx, &event).await.unwrap();
    tx.commit().await.unwrap();
    settle(app).await;
}

/// A bare-JSON 2xx answer (panics with the answer otherwise).
pub async fn bare(r: reqwest::Response) -> Value {
    let (status, body) = testkit::json(r).await;
    assert!((200..300).contains(&status), "{status}: {body}");
    body
}

/// `POST path` with `body` (of `content_type`) as `user`.
pub async fn send(app: &TestApp, user: &User, path: &str, content_type: &str, body: Vec<u8>) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(&user.token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// A multipart body: `file` (name, type, bytes) and text fields; (content type, body).
pub fn multipart(file: Option<(&str, &str, &[u8])>, fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "analysis-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    if let Some((filename, kind, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {kind}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Every route of the part is described for clients and fuzzers: its own operation id, the
/// `AI` tag, and a security requirement where a token is needed.
#[test]
fn the_routes_are_documented() {
    use platform::Context as _;
    let doc = serde_json::to_value(ai::Ai.openapi()).unwrap();
    let mut ids = Vec::new();
    for (path, methods) in doc["paths"].as_object().unwrap() {
        for (method, op) in methods.as_object().unwrap() {
            let Some(id) = op["operationId"].as_str().filter(|id| id.starts_with("ai_an_")) else { continue };
            assert_eq!(op["tags"], json!(["AI"]), "{method} {path}");
            let public = id == "ai_an_listing_sentiment" || id == "ai_an_purpose_of_input";
            assert_eq!(op.get("security").is_some(), !public, "{method} {path}");
            ids.push(id.to_owned());
        }
    }
    ids.sort();
    assert_eq!(
        ids,
        [
            "ai_an_image_analyze",
            "ai_an_image_describe",
            "ai_an_listing_sentiment",
            "ai_an_photo_duplicates",
            "ai_an_purpose_of_input",
            "ai_an_reservation_purpose",
            "ai_an_text_tool",
            "ai_an_transcribe"
        ]
    );
}
