//! The split deployment, proven end to end: a gateway in front of identity, catalog, booking and
//! payments, each its own `sojourn` process, on PostgreSQL, NATS JetStream and Redis. A guest
//! books and pays through the gateway; events cross processes over NATS, and a record used
//! before its event arrived is answered `425 not_yet_replicated`, never 404; a rate limit holds
//! across two gateways (Redis); a logout at identity stops the token at the gateway; killing
//! booking gives fast 503s, and after its restart the payment made while it was down confirms
//! the reservation (nothing lost).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cluster;
mod realtime;
mod search;
mod travel;

use std::time::{Duration, Instant};

use cluster::{Engines, Role, Shared};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

struct Api {
    client: Client,
    base: String,
}

impl Api {
    async fn call(&self, method: Method, token: Option<&str>, path: &str, body: Option<&Value>) -> (StatusCode, Value) {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let response = req.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn ok(&self, method: Method, token: Option<&str>, path: &str, body: Option<&Value>) -> Value {
        let (status, body) = self.call(method, token, path, body).await;
        assert!(status.is_success(), "{path}: {status} {body}");
        body["data"].clone()
    }

    /// Asks right after the record was created elsewhere: the answer is a success, or `425
    /// not_yet_replicated` with `Retry-After` while the event is on its way — never a 404.
    /// Returns the data, how long the record took to reach the asking service and how many
    /// times it said "not yet".
    async fn replicated(
        &self,
        method: Method,
        token: &str,
        path: &str,
        body: Option<&Value>,
    ) -> (Value, Duration, u32) {
        let started = Instant::now();
        let mut early = 0;
        loop {
            let mut req = self.client.request(method.clone(), format!("{}{path}", self.base)).bearer_auth(token);
            if let Some(body) = body {
                req = req.json(body);
            }
            let response = req.send().await.unwrap();
            let status = response.status();
            let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
            let answer: Value = response.json().await.unwrap();
            if status.is_success() {
                return (answer["data"].clone(), started.elapsed(), early);
            }
            assert_eq!(status.as_u16(), 425, "{path}: {answer}");
            early += 1;
            assert_eq!((answer["code"].as_str(), retry_after.as_deref()), (Some("not_yet_replicated"), Some("1")));
            assert!(started.elapsed() < Duration::from_secs(10), "{path} not replicated in 10 s");
            // Sooner than Retry-After says, to measure the gap itself.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    async fn register(&self, email: &str) -> String {
        let body = json!({"email": email, "password": "Password1!"});
        let d = self.ok(Method::POST, None, "/api/v1/auth/register", Some(&body)).await;
        d["tokens"]["accessToken"].as_str().unwrap().to_owned()
    }
}

fn upstreams(roles: &[&Role]) -> Vec<(String, String)> {
    roles
        .iter()
        .map(|r| (format!("SOJOURN__GATEWAY__UPSTREAMS__{}__URLS", r.name.to_uppercase()), format!("[{}]", r.base())))
        .collect()
}

fn gateway(shared: &Shared, ups: &[(String, String)], jwks: &str, limit: u32) -> Role {
    let mut extra: Vec<(&str, String)> = vec![
        ("SOJOURN__AUTH__JWKS_URL", jwks.to_owned()),
        ("SOJOURN__GATEWAY__RATE_LIMIT__COUNT", limit.to_string()),
        ("SOJOURN__GATEWAY__RATE_LIMIT__WINDOW_SECS", "60".to_owned()),
    ];
    extra.extend(ups.iter().map(|(k, v)| (k.as_str(), v.clone())));
    shared.role("gateway", &extra)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_split_deployment_books_pays_survives_a_crash_and_limits_across_gateways() {
    let Some(engines) = Engines::from_env() else { return };
    let client = Client::new();
    let shared = Shared::create(&engines).await;

    let (identity, jwks) = shared.identity(&client).await;
    let verify = [("SOJOURN__AUTH__JWKS_URL", jwks.clone())];
    let mut catalog = shared.role("catalog", &verify);
    let booking_port = cluster::free_port();
    let booking_url = format!("http://127.0.0.1:{booking_port}");
    let mut payments = shared.role("payments", &[verify[0].clone(), ("SOJOURN__SERVICES__BOOKING_URL", booking_url)]);
    let mut booking = shared.role_on(
        booking_port,
        "booking",
        &[
            verify[0].clone(),
            ("SOJOURN__SERVICES__PAYMENTS_URL", payments.base()),
            ("SOJOURN__SERVICES__CATALOG_URL", catalog.base()),
        ],
    );
    for role in [&mut catalog, &mut payments, &mut booking] {
        role.start();
    }
    for role in [&mut catalog, &mut payments, &mut booking] {
        role.wait_ready(&client).await;
    }
    let services = upstreams(&[&identity, &catalog, &booking, &payments]);
    let mut front = gateway(&shared, &services, &jwks, 100_000);
    front.start();
    front.wait_ready(&client).await;
    let api = Api { client: client.clone(), base: front.base() };

    // Accounts at identity, a listing at catalog: all through the gateway.
    let host = api.register("host@example.com").await;
    let guest = api.register("guest@example.com").await;
    // DreamScape's client through the gateway: its trailing slashes and its `/api/health`.
    let favorites = api.ok(Method::GET, Some(&guest), "/api/v1/users/favorites/?limit=0", None).await;
    assert_eq!(favorites, json!([]), "{favorites}");
    let (status, health) = api.call(Method::GET, None, "/api/health/live", None).await;
    assert_eq!((status, &health["alive"]), (StatusCode::OK, &json!(true)), "{health}");
    let provider = json!({"displayName": "Host", "defaultCurrency": "EUR", "timezone": "Europe/Paris"});
    api.ok(Method::POST, Some(&host), "/api/v1/providers", Some(&provider)).await;
    let body = json!({"kind": "stay", "title": "Canal flat", "description": "A bright flat on the canal, close to everything.",
        "address": {"line1": "1 Quai de Valmy", "city": "Paris", "country": "FR"}, "location": {"lat": 48.87, "lng": 2.36},
        "instantBook": true, "stay": {"propertyType": "apartment", "maxGuests": 2, "bedrooms": 1, "beds": 1,
        "bathrooms": 1, "nightlyPrice": 10000, "checkInTime": "15:00", "checkOutTime": "11:00"}});
    let listing = api.ok(Method::POST, Some(&host), "/api/v1/listings", Some(&body)).await;
    let listing = listing["listing"]["id"].as_str().unwrap().to_owned();
    // Its host sees the draft's calendar at booking at once, or is told "not yet": booking asks
    // catalog, which knows the draft is theirs. Nobody else is told it exists.
    let calendar = format!("/api/v1/listings/{listing}/calendar");
    let (draft, draft_gap, draft_early) = api.replicated(Method::GET, &host, &calendar, None).await;
    assert_eq!(draft["listingId"], listing.as_str(), "{draft}");
    let (status, body) = api.call(Method::GET, Some(&guest), &calendar, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    api.ok(Method::POST, Some(&host), &format!("/api/v1/listings/{listing}/publish"), None).await;

    // Booking learns of the listing from catalog's event, over NATS: until then, asked at once,
    // it says "not yet" (425), never "no such listing".
    let day = |n: i64| (chrono::Utc::now().date_naive() + chrono::Duration::days(n)).to_string();
    let nights = json!({"listingId": listing, "checkIn": day(60), "checkOut": day(62)});
    let (_, listing_gap, listing_early) =
        api.replicated(Method::POST, &guest, "/api/v1/reservations/quote", Some(&nights)).await;
    let reservation = api.ok(Method::POST, Some(&guest), "/api/v1/reservations", Some(&nights)).await;
    let id = reservation["reservation"]["id"].as_str().unwrap().to_owned();
    let total = reservation["reservation"]["total"].as_i64().unwrap();
    // Payments learns of the reservation from booking's event, over NATS; the same rule holds.
    let ask = json!({"amount": total, "currency": "eur", "bookingReference": id});
    let (intent, reservation_gap, reservation_early) =
        api.replicated(Method::POST, &guest, "/api/v1/payment/intent", Some(&ask)).await;
    let intent = intent["paymentIntentId"].as_str().unwrap().to_owned();
    // The gaps, measured (printed for the record; bounded by the 10 s in `replicated`).
    eprintln!(
        "replication gap: draft → booking {draft_gap:?} ({draft_early} × 425), \
         listing → booking {listing_gap:?} ({listing_early} × 425), \
         reservation → payments {reservation_gap:?} ({reservation_early} × 425)"
    );
    // Payments' /metrics measure that gap for every event its consumers handle.
    let metrics = client.get(format!("{}/metrics", payments.base())).send().await.unwrap().text().await.unwrap();
    let handled = metrics
        .lines()
        .find_map(|l| l.strip_prefix("sojourn_event_delivery_lag_seconds_count "))
        .and_then(|n| n.parse::<u64>().ok());
    assert!(handled.is_some_and(|n| n >= 1), "no delivery lag in payments' metrics:\n{metrics}");
    // A stranger is not told the reservation exists, replicated or not.
    let stranger = api.register("stranger@example.com").await;
    let (status, body) = api.call(Method::POST, Some(&stranger), "/api/v1/payment/intent", Some(&ask)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    // An id nobody made is a 404 at once, not a 425.
    let unknown = json!({"listingId": uuid::Uuid::now_v7(), "checkIn": day(60), "checkOut": day(62)});
    let (status, body) = api.call(Method::POST, Some(&guest), "/api/v1/reservations/quote", Some(&unknown)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    // Booking dies: the gateway answers 503 at once, it does not hang.
    booking.kill();
    let path = format!("/api/v1/reservations/{id}");
    for _ in 0..5 {
        let started = Instant::now();
        let (status, body) = api.call(Method::GET, Some(&guest), &path, None).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(body["success"], false, "{body}");
        assert!(started.elapsed() < Duration::from_secs(2), "503 took {:?}", started.elapsed());
    }
    // The guest pays meanwhile; payments records it and publishes the event.
    let paid = json!({"paymentMethod": "pm_card_visa"});
    let confirmed = api.ok(Method::POST, Some(&guest), &format!("/api/v1/payment/{intent}/confirm"), Some(&paid)).await;
    assert_eq!(confirmed["status"], "succeeded", "{confirmed}");

    // Booking comes back and catches up from its durable consumer: the reservation is confirmed.
    booking.start();
    booking.wait_ready(&client).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = api.call(Method::GET, Some(&guest), &path, None).await;
        if status.is_success() && body["data"]["reservation"]["status"] == "confirmed" {
            break;
        }
        assert!(Instant::now() < deadline, "not confirmed after restart: {status} {body}\n{}", booking.logs());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // A logout at identity stops the token at the gateway too (revocations shared on Redis).
    api.ok(Method::POST, Some(&guest), "/api/v1/auth/logout", Some(&json!({}))).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (status, body) = api.call(Method::GET, Some(&guest), &path, None).await;
        if status == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(Instant::now() < deadline, "revoked token still accepted: {status} {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // A limit of 10 per client holds across two gateways sharing Redis.
    let mut left = gateway(&shared, &services, &jwks, 10);
    let mut right = gateway(&shared, &services, &jwks, 10);
    left.start();
    right.start();
    left.wait_ready(&client).await;
    right.wait_ready(&client).await;
    let mut statuses = Vec::new();
    for i in 0..30 {
        let side = if i % 2 == 0 { &left } else { &right };
        let url = format!("{}/api/v1/listings/{listing}", side.base());
        statuses.push(client.get(url).send().await.unwrap().status().as_u16());
    }
    let allowed = statuses.iter().filter(|s| **s == 200).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((allowed, limited), (10, 20), "{statuses:?}");
}
