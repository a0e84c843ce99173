//! The "not yet" answer across processes, made deterministic: catalog and booking run as two
//! apps with in-process buses, so catalog's events never reach booking. Booking has then not
//! heard of any listing, and must ask catalog (over HTTP, `services.catalog_url`, the internal
//! key) before answering: `425 not_yet_replicated` with `Retry-After` for what the caller may
//! see, `404` for the rest.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use platform::secrets::Secret;
use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;

const KEY: &str = "records-test-internal-key-0123456789abcdef";

async fn app(
    dir: &tempfile::TempDir,
    contexts: Vec<Arc<dyn platform::Context>>,
    catalog_url: Option<String>,
) -> TestApp {
    let mut config = testkit::quick_config(dir);
    // One signing key for both, as one identity would sign for every service.
    config.secrets.insert("jwt_signing_key".into(), Secret::new("records-test-signing-key-0123456789abcdef"));
    config.secrets.insert("internal_api_key".into(), Secret::new(KEY));
    config.services.catalog_url = catalog_url;
    testkit::spawn_config(config, contexts).await
}

async fn call(
    app: &TestApp,
    method: Method,
    token: Option<&str>,
    path: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    app.call(method, token, path, body).await
}

async fn ok(app: &TestApp, method: Method, token: Option<&str>, path: &str, body: Option<&Value>) -> Value {
    let (status, answer) = testkit::json(call(app, method, token, path, body).await).await;
    assert!((200..300).contains(&status), "{path}: {status} {answer}");
    answer["data"].clone()
}

async fn register(app: &TestApp, email: &str) -> String {
    let body = json!({"email": email, "password": "Password1!"});
    ok(app, Method::POST, None, "/api/v1/auth/register", Some(&body)).await["tokens"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn listing(catalog: &TestApp, host: &str, publish: bool) -> String {
    let body = json!({"kind": "stay", "title": "Canal flat", "description": "A bright flat on the canal, close to everything.",
        "address": {"line1": "1 Quai de Valmy", "city": "Paris", "country": "FR"}, "location": {"lat": 48.87, "lng": 2.36},
        "instantBook": true, "stay": {"propertyType": "apartment", "maxGuests": 2, "bedrooms": 1, "beds": 1,
        "bathrooms": 1, "nightlyPrice": 10000, "checkInTime": "15:00", "checkOutTime": "11:00"}});
    let id = ok(catalog, Method::POST, Some(host), "/api/v1/listings", Some(&body)).await["listing"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    if publish {
        ok(catalog, Method::POST, Some(host), &format!("/api/v1/listings/{id}/publish"), None).await;
    }
    id
}

/// The status, `Retry-After` and code of an answer.
async fn answer(r: reqwest::Response) -> (u16, Option<String>, Value) {
    let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    let (status, body) = testkit::json(r).await;
    (status, retry, body["code"].clone())
}

#[tokio::test]
async fn a_reader_that_has_not_heard_asks_the_owner_and_answers_not_yet() {
    let (catalog_dir, booking_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let catalog = app(&catalog_dir, vec![Arc::new(identity::Identity), Arc::new(catalog::Catalog)], None).await;
    let booking = app(&booking_dir, vec![Arc::new(booking::Booking)], Some(catalog.base.clone())).await;

    let host = register(&catalog, "host@example.com").await;
    let guest = register(&catalog, "guest@example.com").await;
    let provider = json!({"displayName": "Host", "defaultCurrency": "EUR", "timezone": "Europe/Paris"});
    ok(&catalog, Method::POST, Some(&host), "/api/v1/providers", Some(&provider)).await;
    let published = listing(&catalog, &host, true).await;
    let draft = listing(&catalog, &host, false).await;
    let day = |n: u64| (chrono::Utc::now().date_naive() + chrono::Days::new(n)).to_string();
    let nights = |id: &str| json!({"listingId": id, "checkIn": day(30), "checkOut": day(32)});
    let quote = |token: String, id: String| {
        let booking = &booking;
        let body = nights(&id);
        async move {
            answer(call(booking, Method::POST, Some(&token), "/api/v1/reservations/quote", Some(&body)).await).await
        }
    };
    let not_yet = (425, Some("1".to_owned()), json!("not_yet_replicated"));
    let missing = (404, None, json!("not_found"));

    // Published at catalog, unheard of at booking: "not yet", to anyone.
    assert_eq!(quote(guest.clone(), published.clone()).await, not_yet);
    let path = format!("/api/v1/listings/{published}/calendar");
    assert_eq!(answer(call(&booking, Method::GET, None, &path, None).await).await, not_yet);
    // A draft: "not yet" to its host only; to anyone else it does not exist.
    let path = format!("/api/v1/listings/{draft}/calendar");
    assert_eq!(answer(call(&booking, Method::GET, Some(&host), &path, None).await).await, not_yet);
    assert_eq!(answer(call(&booking, Method::GET, Some(&guest), &path, None).await).await, missing);
    assert_eq!(quote(guest.clone(), draft.clone()).await, missing);
    // Nobody made this one.
    assert_eq!(quote(guest.clone(), uuid::Uuid::now_v7().to_string()).await, missing);

    // The internal endpoint is for our services only.
    let url = catalog.url(&format!("/internal/v1/records/listing/{published}"));
    assert_eq!(catalog.client.get(&url).send().await.unwrap().status(), 401);
    let wrong = catalog.client.get(&url).bearer_auth("records-test-internal-key-0123456789abcdeX").send().await;
    assert_eq!(wrong.unwrap().status(), 401);
    let known: Value = catalog.client.get(&url).bearer_auth(KEY).send().await.unwrap().json().await.unwrap();
    assert_eq!(known["data"]["public"], true, "{known}");
    let bad = catalog.url("/internal/v1/records/listing/not-an-id");
    let (status, body) = testkit::json(catalog.client.get(&bad).bearer_auth(KEY).send().await.unwrap()).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("bad_request")), "{body}");
    let unknown = catalog.url(&format!("/internal/v1/records/invoice/{published}"));
    assert_eq!(catalog.client.get(&unknown).bearer_auth(KEY).send().await.unwrap().status(), 404);
    // Booking's process answers for reservations, not listings.
    let url = booking.url(&format!("/internal/v1/records/listing/{published}"));
    assert_eq!(booking.client.get(&url).bearer_auth(KEY).send().await.unwrap().status(), 404);

    // Catalog down: booking cannot tell "not yet" from "never", and says what it knows.
    catalog.shutdown().await.unwrap();
    assert_eq!(quote(guest.clone(), published.clone()).await, missing);
}
