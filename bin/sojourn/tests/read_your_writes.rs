//! Read your writes across contexts in one process: what a client was just told exists can be
//! used at once through any other context, with no retry. Each sequence a new user hit is raced
//! many times with the background relay off, so only a request's own wait for its events can
//! make the next request succeed (and no test here drains the relay by hand).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;

async fn spawn() -> TestApp {
    spawn_tweaked(|_| {}).await
}

async fn spawn_tweaked(tweak: impl FnOnce(&mut platform::Config)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut config = testkit::quick_config(&dir);
    // No background relay (the harness default, said again because the tests rely on it).
    config.events.relay_enabled = false;
    tweak(&mut config);
    let contexts: Vec<Arc<dyn platform::Context>> = vec![
        Arc::new(identity::Identity),
        Arc::new(notifications::Notifications),
        Arc::new(catalog::Catalog),
        Arc::new(booking::Booking),
        Arc::new(payments::Payments),
    ];
    let mut app = testkit::spawn_config(config, contexts).await;
    app.data_dir = Some(dir);
    app
}

async fn call(app: &TestApp, method: Method, token: Option<&str>, path: &str, body: Option<&Value>) -> (u16, Value) {
    testkit::json(app.call(method, token, path, body).await).await
}

async fn ok(app: &TestApp, method: Method, token: Option<&str>, path: &str, body: Option<&Value>) -> Value {
    let (status, answer) = call(app, method, token, path, body).await;
    assert!((200..300).contains(&status), "{path}: {status} {answer}");
    answer["data"].clone()
}

async fn register(app: &TestApp, email: &str) -> String {
    let body = json!({"email": email, "password": "Password1!"});
    let d = ok(app, Method::POST, None, "/api/v1/auth/register", Some(&body)).await;
    d["tokens"]["accessToken"].as_str().unwrap().to_owned()
}

async fn host(app: &TestApp, email: &str) -> String {
    let token = register(app, email).await;
    let provider = json!({"displayName": "Host", "defaultCurrency": "EUR", "timezone": "Europe/Paris"});
    ok(app, Method::POST, Some(&token), "/api/v1/providers", Some(&provider)).await;
    token
}

/// Creates and publishes `body`; no waiting for booking to hear of it.
async fn publish(app: &TestApp, host: &str, body: &Value) -> String {
    let listing = ok(app, Method::POST, Some(host), "/api/v1/listings", Some(body)).await;
    let id = listing["listing"]["id"].as_str().unwrap().to_owned();
    ok(app, Method::POST, Some(host), &format!("/api/v1/listings/{id}/publish"), None).await;
    id
}

fn stay() -> Value {
    json!({"kind": "stay", "title": "Canal flat", "description": "A bright flat on the canal, close to everything.",
           "address": {"line1": "1 Quai de Valmy", "city": "Paris", "country": "FR"}, "location": {"lat": 48.87, "lng": 2.36},
           "instantBook": true,
           "stay": {"propertyType": "apartment", "maxGuests": 2, "bedrooms": 1, "beds": 1, "bathrooms": 1,
                    "nightlyPrice": 10000, "minNights": 1, "checkInTime": "15:00", "checkOutTime": "11:00"}})
}

fn product(n: usize) -> Value {
    json!({"kind": "product", "title": format!("Travel mug {n}"), "description": "An insulated mug that keeps coffee hot for hours.",
           "address": {"line1": "3 Rue de Rivoli", "city": "Paris", "country": "FR"}, "instantBook": true,
           "product": {"sku": format!("MUG-{n}"), "stockQuantity": 5, "price": 4000, "condition": "new",
                       "shippingOptions": [{"name": "Post", "price": 500, "estimatedDays": 3}]}})
}

fn activity() -> Value {
    json!({"kind": "activity", "title": "Old town walk", "description": "Two hours through the old town with a local guide.",
           "address": {"line1": "Place du Tertre", "city": "Paris", "country": "FR"}, "location": {"lat": 48.88, "lng": 2.34},
           "instantBook": true, "activity": {"durationMinutes": 120, "pricePerPerson": 2500, "maxParticipants": 10}})
}

fn day(n: u64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Days::new(n)).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_payment_opens_right_after_its_reservation_is_made() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com").await;
    let flat = publish(&app, &owner, &stay()).await;
    let emails: Vec<String> = (0..8).map(|i| format!("guest{i}@example.com")).collect();
    let guests: Vec<String> = join_all(emails.iter().map(|e| register(&app, e))).await;

    // 8 guests at once, 5 rounds: each reserves its own night, then opens the payment at once.
    for round in 0..5_u64 {
        let attempts = guests.iter().enumerate().map(|(i, guest)| {
            let (app, flat) = (&app, &flat);
            async move {
                let from = 30 + round * 8 + i as u64;
                let ask = json!({"listingId": flat, "checkIn": day(from), "checkOut": day(from + 1)});
                let made = ok(app, Method::POST, Some(guest), "/api/v1/reservations", Some(&ask)).await;
                let r = &made["reservation"];
                let intent = json!({"amount": r["total"], "currency": "eur", "bookingReference": r["id"]});
                let (status, answer) =
                    call(app, Method::POST, Some(guest), "/api/v1/payment/intent", Some(&intent)).await;
                assert_eq!(status, 200, "round {round}, guest {i}: {answer}");
                let paid = json!({"paymentMethod": "pm_card_visa"});
                let path = format!("/api/v1/payment/{}/confirm", answer["data"]["paymentIntentId"].as_str().unwrap());
                assert_eq!(ok(app, Method::POST, Some(guest), &path, Some(&paid)).await["status"], "succeeded");
                // The payment's outcome is the reservation's at once, too.
                let id = r["id"].as_str().unwrap();
                let seen = ok(app, Method::GET, Some(guest), &format!("/api/v1/reservations/{id}"), None).await;
                assert_eq!(seen["reservation"]["status"], "confirmed", "round {round}, guest {i}: {seen}");
            }
        });
        join_all(attempts).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_product_sells_right_after_it_is_published() {
    let app = spawn().await;
    let shop = host(&app, "shop@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let sales = (0..12).map(|n| {
        let (app, shop, guest) = (&app, &shop, &guest);
        async move {
            let mug = publish(app, shop, &product(n)).await;
            let (status, seen) =
                call(app, Method::GET, None, &format!("/api/v1/listings/{mug}/availability"), None).await;
            assert_eq!(status, 200, "product {n}: {seen}");
            assert_eq!(seen["data"]["availability"]["stock"]["remaining"], 5, "product {n}: {seen}");
            let to = json!({"name": "Ana Lima", "line1": "12 Rue de la Paix", "city": "Paris", "postalCode": "75002",
                            "country": "FR"});
            let units = json!({"listingId": mug, "quantity": 2, "shippingOption": "Post", "deliveryAddress": to});
            let (status, made) = call(app, Method::POST, Some(guest), "/api/v1/reservations", Some(&units)).await;
            assert_eq!(status, 201, "product {n}: {made}");
        }
    });
    join_all(sales).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_session_is_offered_right_after_it_is_added() {
    let app = spawn().await;
    let guide = host(&app, "guide@example.com").await;
    let walk = publish(&app, &guide, &activity()).await;
    let added = (0..10_u64).map(|n| {
        let (app, guide, walk) = (&app, &guide, &walk);
        async move {
            let starts = format!("{}T09:00:00Z", day(20 + n));
            let body = json!({"startsAt": starts, "capacity": 4});
            let path = format!("/api/v1/listings/{walk}/sessions");
            let session = ok(app, Method::POST, Some(guide), &path, Some(&body)).await["session"]["id"].clone();
            let from = format!("{}T00:00:00Z", day(20 + n));
            let to = format!("{}T00:00:00Z", day(21 + n));
            let path = format!("/api/v1/listings/{walk}/availability?from={from}&to={to}");
            let seen = ok(app, Method::GET, None, &path, None).await;
            let ids: Vec<&Value> =
                seen["availability"]["sessions"].as_array().unwrap().iter().map(|s| &s["sessionId"]).collect();
            assert_eq!(ids, [&session], "session {n}: {seen}");
        }
    });
    join_all(added).await;
}

#[tokio::test]
async fn without_the_wait_the_gap_is_answered_425_and_metrics_count_the_waits() {
    // The switch is real: with it off (and no relay), payments has not heard of the reservation.
    // It asks booking, which has it: "not yet" (425), not "no such booking" (404).
    let app = spawn_tweaked(|c| c.events.read_your_writes = false).await;
    let owner = host(&app, "host@example.com").await;
    let flat = publish(&app, &owner, &stay()).await;
    app.drain_events().await;
    let guest = register(&app, "guest@example.com").await;
    let ask = json!({"listingId": flat, "checkIn": day(40), "checkOut": day(41)});
    let r = ok(&app, Method::POST, Some(&guest), "/api/v1/reservations", Some(&ask)).await["reservation"].clone();
    let intent = json!({"amount": r["total"], "currency": "eur", "bookingReference": r["id"]});
    let response = app.client.post(app.url("/api/v1/payment/intent")).bearer_auth(&guest).json(&intent).send().await;
    let response = response.unwrap();
    assert_eq!(response.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("1"));
    let (status, answer) = testkit::json(response).await;
    assert_eq!((status, answer["code"].as_str()), (425, Some("not_yet_replicated")), "{answer}");
    // Someone else's reservation stays unknown to them.
    let stranger = register(&app, "stranger@example.com").await;
    let (status, _) = call(&app, Method::POST, Some(&stranger), "/api/v1/payment/intent", Some(&intent)).await;
    assert_eq!(status, 404);
    app.drain_events().await;
    let (status, answer) = call(&app, Method::POST, Some(&guest), "/api/v1/payment/intent", Some(&intent)).await;
    assert_eq!(status, 200, "{answer}");

    // With it on, each write that committed events waited, and /metrics says how long.
    let app = spawn().await;
    host(&app, "host@example.com").await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    let count = metrics
        .lines()
        .find_map(|l| l.strip_prefix("sojourn_events_settle_seconds_count "))
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no settle count in {metrics}"));
    assert!(count >= 2, "registering and becoming a provider both commit events: {count}");
    assert!(metrics.contains("sojourn_events_settle_timeouts_total 0"), "{metrics}");
}
