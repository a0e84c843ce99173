//! Spawning identity + catalog + booking + messaging on a controllable clock; users, hosts,
//! published listings, reservations; small HTTP helpers and a multipart body builder.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;

/// The app on a manual clock (`app.clock`), dereferencing to its [`TestApp`].
pub type App = testkit::ClockedApp;

/// The app with its clock at 2027-01-04 09:00 UTC.
pub async fn spawn() -> App {
    let contexts: Vec<Arc<dyn platform::Context>> = vec![
        Arc::new(identity::Identity),
        Arc::new(catalog::Catalog),
        Arc::new(booking::Booking),
        Arc::new(messaging::Messaging),
        Arc::new(notifications::Notifications),
    ];
    testkit::spawn_clocked("2027-01-04T09:00:00Z", contexts).await
}

pub use testkit::accounts::{User, admin, call, data, get, login, post, register};

/// A provider paying in EUR.
pub async fn host(app: &TestApp, email: &str) -> User {
    let user = register(app, email).await;
    let body = json!({"displayName": "Host", "defaultCurrency": "EUR", "timezone": "Europe/Paris"});
    data(post(app, &user, "/api/v1/providers", &body).await).await;
    user
}

/// A Paris flat at 100.00 a night; `instant_book` false makes reservations requests to book.
pub fn stay(instant_book: bool) -> Value {
    json!({"kind": "stay", "title": "Canal flat", "description": "A bright flat on the canal, close to everything.",
           "address": {"line1": "1 Quai de Valmy", "city": "Paris", "country": "FR"}, "location": {"lat": 48.87, "lng": 2.36},
           "cancellationPolicy": "flexible", "instantBook": instant_book,
           "stay": {"propertyType": "apartment", "maxGuests": 2, "bedrooms": 1, "beds": 1, "bathrooms": 1,
                    "nightlyPrice": 10000, "cleaningFee": 3000, "minNights": 1, "checkInTime": "15:00", "checkOutTime": "11:00"}})
}

/// Creates and publishes a stay as `owner`; messaging and booking have seen it on return.
pub async fn publish(app: &TestApp, owner: &User, instant_book: bool) -> String {
    let listing = data(post(app, owner, "/api/v1/listings", &stay(instant_book)).await).await;
    let id = listing["listing"]["id"].as_str().unwrap().to_owned();
    data(call(app, Method::POST, owner, &format!("/api/v1/listings/{id}/publish"), None).await).await;
    app.drain_events().await;
    id
}

/// A reservation of `guest`, just created (events handled).
pub async fn reserve(app: &TestApp, guest: &User, listing: &str, check_in: &str, check_out: &str) -> Value {
    let body = json!({"listingId": listing, "checkIn": check_in, "checkOut": check_out, "guests": 1});
    let r = data(post(app, guest, "/api/v1/reservations", &body).await).await["reservation"].clone();
    app.drain_events().await;
    r
}

/// Stands in for payments: `payment.<kind>` for `reservation`, handled by booking and then
/// by messaging on return.
pub async fn payment_event(app: &TestApp, kind: &str, reservation: &str, amount: i64) {
    let data = json!({"paymentIntentId": format!("pi_{}", &reservation[..8]), "amount": amount, "currency": "EUR",
                      "reservationId": reservation});
    let event = kernel::EventEnvelope::new(format!("payment.{kind}"), kernel::new_id(), chrono::Utc::now(), data);
    let db = app.platform.db("booking").unwrap();
    let mut tx = db.begin().await.unwrap();
    platform::events::enqueue(&mut tx, &event).await.unwrap();
    tx.commit().await.unwrap();
    app.drain_events().await;
    app.drain_events().await;
}

/// `POST /api/v1/reservations/{r}/{action}` (accept, decline, cancel), events handled.
pub async fn act(app: &TestApp, who: &User, reservation: &str, action: &str) -> Value {
    let r = data(
        call(app, Method::POST, who, &format!("/api/v1/reservations/{reservation}/{action}"), Some(&json!({}))).await,
    )
    .await;
    app.drain_events().await;
    r["reservation"].clone()
}

/// Opens an enquiry about `listing` as `guest`: (status, conversation).
pub async fn enquire(app: &TestApp, guest: &User, listing: &str, message: &str) -> (u16, Value) {
    let (status, body) = testkit::json(
        post(app, guest, "/api/v1/conversations", &json!({"listingId": listing, "message": message})).await,
    )
    .await;
    (status, body["data"]["conversation"].clone())
}

/// Sends a JSON message: (status, body).
pub async fn send(app: &TestApp, who: &User, conversation: &str, body: &str) -> (u16, Value) {
    testkit::json(
        post(app, who, &format!("/api/v1/conversations/{conversation}/messages"), &json!({"body": body})).await,
    )
    .await
}

/// Sends a message and returns it as its author reads it.
pub async fn sent(app: &TestApp, who: &User, conversation: &str, body: &str) -> Value {
    let (status, answer) = send(app, who, conversation, body).await;
    assert_eq!(status, 201, "{answer}");
    answer["data"]["message"].clone()
}

/// The conversation's messages as `who` reads them, newest first (one page of 100).
pub async fn messages(app: &TestApp, who: &User, conversation: &str) -> Vec<Value> {
    let d = data(get(app, who, &format!("/api/v1/conversations/{conversation}/messages?limit=100")).await).await;
    d["messages"].as_array().unwrap().clone()
}

pub fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_else(|| panic!("{key} in {v}")).to_owned()
}

/// A multipart body with a `body` field and files `(field, file name, content type, bytes)`.
pub fn multipart(body: Option<&str>, files: &[(&str, &str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "sojourn-test-boundary-7d1f";
    let mut out = Vec::new();
    if let Some(b) = body {
        out.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n{b}\r\n").as_bytes(),
        );
    }
    for (field, name, content_type, bytes) in files {
        out.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        out.extend_from_slice(bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), out)
}

/// Posts a multipart message.
pub async fn send_files(
    app: &TestApp,
    who: &User,
    conversation: &str,
    body: Option<&str>,
    files: &[(&str, &str, &str, &[u8])],
) -> reqwest::Response {
    let (content_type, bytes) = multipart(body, files);
    app.client
        .post(app.url(&format!("/api/v1/conversations/{conversation}/messages")))
        .bearer_auth(&who.token)
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .unwrap()
}

pub const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R'];
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
pub const EXE: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00This program cannot be run in DOS mode.";
