//! Spawning identity + catalog, registering users, making providers and listings.

use std::sync::Arc;

use serde_json::{Value, json};
use testkit::TestApp;

pub async fn spawn() -> TestApp {
    testkit::spawn_with(vec![Arc::new(identity::Identity), Arc::new(catalog::Catalog)], |c| {
        c.auth.password_hash.memory_kib = 1024;
        c.auth.password_hash.iterations = 1;
        c.rate_limit.enabled = false;
    })
    .await
}

pub struct User {
    pub id: String,
    pub token: String,
}

pub async fn register(app: &TestApp, email: &str) -> User {
    let body = json!({"email": email, "password": "Password1!"});
    let (status, body) = testkit::json(app.post_json("/api/v1/auth/register", &body).await).await;
    assert_eq!(status, 201, "{body}");
    User {
        id: body["data"]["user"]["id"].as_str().unwrap().to_owned(),
        token: body["data"]["tokens"]["accessToken"].as_str().unwrap().to_owned(),
    }
}

pub async fn call(
    app: &TestApp,
    method: reqwest::Method,
    token: Option<&str>,
    path: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    app.call(method, token, path, body).await
}

pub async fn data(response: reqwest::Response) -> Value {
    let (status, body) = testkit::json(response).await;
    assert!((200..300).contains(&status), "{status}: {body}");
    body["data"].clone()
}

/// A registered user who is also a provider.
pub async fn host(app: &TestApp, email: &str) -> User {
    let user = register(app, email).await;
    let body = json!({"displayName": "Canal Stays", "kind": "individual", "defaultCurrency": "EUR", "timezone": "Europe/Paris"});
    data(call(app, reqwest::Method::POST, Some(&user.token), "/api/v1/providers", Some(&body)).await).await;
    user
}

/// The example stay, complete enough to publish.
pub fn loft() -> Value {
    json!({ "kind": "stay", "title": "Loft by the canal", "description": "Bright loft, two bedrooms, by the canal.",
      "address": { "line1": "12 Quai de Valmy", "city": "Paris", "postalCode": "75010", "country": "FR" },
      "location": { "lat": 48.8721, "lng": 2.3631 }, "timezone": "Europe/Paris", "currency": "EUR",
      "cancellationPolicy": "moderate", "instantBook": true, "amenities": ["wifi", "kitchen"],
      "stay": { "propertyType": "apartment", "maxGuests": 4, "bedrooms": 2, "beds": 2, "bathrooms": 1,
                "nightlyPrice": 12000, "cleaningFee": 3000, "minNights": 1, "maxNights": 30,
                "weeklyDiscountPercent": 10, "monthlyDiscountPercent": 20,
                "checkInTime": "15:00", "checkOutTime": "11:00" } })
}

pub async fn create_listing(app: &TestApp, token: &str, body: &Value) -> Value {
    data(call(app, reqwest::Method::POST, Some(token), "/api/v1/listings", Some(body)).await).await["listing"].clone()
}

/// Puts a `review.*` event in catalog's outbox and relays it, as the reviews context would
/// publish it; returns its id.
pub async fn review_event(app: &TestApp, event_type: &str, listing: &str, data: Value) -> uuid::Uuid {
    let event = kernel::EventEnvelope::new(event_type, listing, chrono::Utc::now(), data);
    let db = app.platform.db("catalog").unwrap();
    let mut tx = db.begin().await.unwrap();
    platform::events::enqueue(&mut tx, &event).await.unwrap();
    tx.commit().await.unwrap();
    app.drain_events().await;
    event.id
}
