//! DreamScape's admin dashboard figures (`/api/v1/admin/dashboard/stats`, `revenue-chart`,
//! `bookings-by-destination`; WEB-CLIENT rows M1–M3), served by insights, through HTTP with
//! identity, catalog, booking, payments and insights running: accounts, listings, reservations
//! paid on the sandbox or cancelled, DreamScape cart checkouts (bookings by reference) paid or
//! not, a refund; searches as search publishes them. Every figure is computed by hand from the
//! amounts booking and payments answered. Then who may ask, and bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access;
mod events;

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};
use tempfile::TempDir;
use testkit::TestApp;
use testkit::accounts::{User, admin, call, data, get, login, post, register};

pub struct Kit {
    pub app: TestApp,
    clock: Arc<kernel::ManualClock>,
    _dir: TempDir,
}

impl std::ops::Deref for Kit {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

impl Kit {
    fn at(&self, instant: &str) {
        self.clock.set(instant.parse().unwrap());
    }
}

pub async fn spawn() -> Kit {
    let dir = tempfile::tempdir().unwrap();
    let mut config = testkit::quick_config(&dir);
    config.secrets.insert(
        "payments_webhook_secret".into(),
        platform::secrets::Secret::new("whsec_dsdash_tests_0123456789abcdef"),
    );
    let contexts: Vec<Arc<dyn platform::Context>> = vec![
        Arc::new(identity::Identity),
        Arc::new(catalog::Catalog),
        Arc::new(booking::Booking),
        Arc::new(payments::Payments),
        Arc::new(insights::Insights),
    ];
    let clock = Arc::new(kernel::ManualClock::new("2030-01-02T12:00:00Z".parse().unwrap()));
    let app = testkit::spawn_config_with_clock(config, contexts, clock.clone()).await;
    Kit { app, clock, _dir: dir }
}

/// A provider's published instant-book flat at 100.00 a night in `city`, flexible policy.
async fn flat(app: &TestApp, host: &User, city: &str) -> String {
    let body = json!({"kind": "stay", "title": format!("Flat in {city}"), "description": "A bright flat, close to everything you need.",
        "address": {"line1": "1 Main Street", "city": city, "country": "FR"}, "location": {"lat": 48.87, "lng": 2.36},
        "instantBook": true, "cancellationPolicy": "flexible",
        "stay": {"propertyType": "apartment", "maxGuests": 2, "bedrooms": 1, "beds": 1,
        "bathrooms": 1, "nightlyPrice": 10000, "checkInTime": "15:00", "checkOutTime": "11:00"}});
    let made = data(post(app, host, "/api/v1/listings", &body).await).await;
    let id = made["listing"]["id"].as_str().unwrap().to_owned();
    data(call(app, Method::POST, host, &format!("/api/v1/listings/{id}/publish"), None).await).await;
    app.drain_events().await;
    id
}

async fn settle(app: &TestApp) {
    app.drain_events().await;
    app.drain_events().await;
}

/// A reservation waiting for payment: (its id, its total).
async fn reserve(app: &TestApp, guest: &User, listing: &str, check_in: &str, check_out: &str) -> (String, i64) {
    let body = json!({"listingId": listing, "checkIn": check_in, "checkOut": check_out});
    let r = data(post(app, guest, "/api/v1/reservations", &body).await).await;
    settle(app).await;
    (r["reservation"]["id"].as_str().unwrap().to_owned(), r["reservation"]["total"].as_i64().unwrap())
}

async fn pay(app: &TestApp, guest: &User, intent: &str) {
    let path = format!("/api/v1/payment/{intent}/confirm");
    data(post(app, guest, &path, &json!({"paymentMethod": "pm_card_visa"})).await).await;
    settle(app).await;
}

/// A reservation paid on the sandbox (so confirmed): (its id, its total).
async fn paid(app: &TestApp, guest: &User, listing: &str, check_in: &str, check_out: &str) -> (String, i64) {
    let (id, total) = reserve(app, guest, listing, check_in, check_out).await;
    let ask = json!({"amount": total, "currency": "eur", "bookingReference": id});
    let intent = data(post(app, guest, "/api/v1/payment/intent", &ask).await).await;
    pay(app, guest, intent["paymentIntentId"].as_str().unwrap()).await;
    (id, total)
}

/// A DreamScape cart of one stay checked out (its payment opened): (reference, intent, total).
async fn checkout(
    app: &TestApp,
    guest: &User,
    listing: &str,
    check_in: &str,
    check_out: &str,
) -> (String, String, i64) {
    let nights = json!({"listingId": listing, "checkIn": check_in, "checkOut": check_out, "guests": 1});
    let quote = data(post(app, guest, "/api/v1/reservations/quote", &nights).await).await;
    let price = quote["quote"]["guestTotal"].as_i64().unwrap();
    #[allow(clippy::cast_precision_loss)]
    let major = price as f64 / 100.0;
    let item = json!({"itemType": "stay", "itemData": nights, "quantity": 1, "price": major, "currency": "EUR"});
    data(post(app, guest, "/api/v1/cart/items", &item).await).await;
    let out = data(post(app, guest, "/api/v1/cart/me/checkout", &json!({})).await).await;
    settle(app).await;
    let reference = out["bookingReference"].as_str().unwrap().to_owned();
    (reference, out["paymentIntentId"].as_str().unwrap().to_owned(), price)
}

/// One search on the UTC day of `at`, as search's flush publishes its counts (search is not run
/// here; crates/insights/tests/tracking/counts.rs runs it).
async fn searched(app: &TestApp, _user: &User, at: &str) {
    let day = &at[..10];
    let data = json!({"days": [{"day": day, "searches": 1}]});
    let event = kernel::EventEnvelope::new("search.counted", kernel::new_id(), at.parse().unwrap(), data);
    let db = app.platform.db("identity").unwrap();
    let mut tx = db.begin().await.unwrap();
    platform::events::enqueue(&mut tx, &event).await.unwrap();
    tx.commit().await.unwrap();
    settle(app).await;
}

async fn answer(app: &TestApp, user: &User, path: &str) -> Value {
    data(get(app, user, path).await).await
}

fn euros(minor: i64) -> Value {
    #[allow(clippy::cast_precision_loss)]
    let major = minor as f64 / 100.0;
    json!(major)
}

#[tokio::test]
async fn the_dashboard_counts_what_happened() {
    let kit = spawn().await;
    let app = &*kit;

    // The week before (2 January): accounts, three flats, one reservation paid; one search.
    let boss = admin(app, "boss@example.com").await;
    let host = register(app, "host@example.com").await;
    let provider = json!({"displayName": "Host", "defaultCurrency": "EUR", "timezone": "Europe/Paris"});
    data(post(app, &host, "/api/v1/providers", &provider).await).await;
    let (rome, paris, lisbon) =
        (flat(app, &host, "Rome").await, flat(app, &host, "Paris").await, flat(app, &host, "Lisbon").await);
    let early = register(app, "early@example.com").await;
    let (_, rome_total) = paid(app, &early, &rome, "2030-03-01", "2030-03-03").await;
    searched(app, &early, "2030-01-02T13:00:00Z").await;

    // This week (9 and 10 January).
    kit.at("2030-01-09T12:00:00Z");
    let guest = register(app, "guest@example.com").await;
    kit.at("2030-01-10T10:00:00Z");
    let guest = login(app, &guest).await;
    for minute in 0..4 {
        searched(app, &guest, &format!("2030-01-10T09:0{minute}:00Z")).await;
    }
    // A reservation of ours in Paris, paid; one in Lisbon, cancelled before paying.
    let (paris_id, paris_total) = paid(app, &guest, &paris, "2030-03-01", "2030-03-04").await;
    let (lisbon_id, _) = reserve(app, &guest, &lisbon, "2030-03-01", "2030-03-02").await;
    data(post(app, &guest, &format!("/api/v1/reservations/{lisbon_id}/cancel"), &json!({})).await).await;
    settle(app).await;
    // A DreamScape booking of a stay in Paris, paid: its reservation counts through it only.
    kit.at("2030-01-10T11:00:00Z");
    let guest = login(app, &guest).await;
    let (_, trip_intent, trip_total) = checkout(app, &guest, &paris, "2030-04-01", "2030-04-03").await;
    pay(app, &guest, &trip_intent).await;
    // Another in Lisbon, checked out (its payment opened) but not paid.
    let (_, _, _) = checkout(app, &guest, &lisbon, "2030-04-01", "2030-04-02").await;

    kit.at("2030-01-10T12:00:00Z");
    let boss = login(app, &boss).await;

    // M1
    let stats = answer(app, &boss, "/api/v1/admin/dashboard/stats?period=7d").await;
    assert_eq!(
        stats["users"],
        json!({"total": 4, "active": 0, "inactive": 4, "newInPeriod": 1, "evolution": -67}),
        "1 new against 3 the week before: {stats}"
    );
    assert_eq!(stats["bookings"]["total"], 4, "{stats}");
    assert_eq!(
        stats["bookings"]["byStatus"],
        json!({"DRAFT": 0, "PENDING_PAYMENT": 1, "PENDING": 0, "CONFIRMED": 2, "CANCELLED": 1, "COMPLETED": 0, "FAILED": 0}),
        "{stats}"
    );
    assert_eq!(stats["bookings"]["evolution"], 300, "4 against 1");
    let revenue = paris_total + trip_total;
    let revenue_evolution = ((revenue - rome_total) as f64 / rome_total as f64 * 100.0).round() as i64;
    assert_eq!(stats["revenue"], json!({"total": euros(revenue), "currency": "EUR", "evolution": revenue_evolution}));
    assert_eq!(stats["conversionRate"], json!({"rate": 50.0, "evolution": -50}), "2 for 4 searches against 1 for 1");
    assert_eq!(stats["avgBookingValue"], json!({"amount": euros(revenue / 2), "currency": "EUR"}));
    // The same bookings whatever the period's spelling.
    let last_day = answer(app, &boss, "/api/v1/admin/dashboard/stats?period=24h").await;
    assert_eq!(last_day["bookings"]["total"], 4);
    let custom = "/api/v1/admin/dashboard/stats?period=custom&startDate=2030-01-01&endDate=2030-01-10";
    assert_eq!(answer(app, &boss, custom).await["bookings"]["total"], 5);
    assert_eq!(answer(app, &boss, "/api/v1/admin/dashboard/stats").await, stats, "7d by default");

    // M2, M3
    let chart = answer(app, &boss, "/api/v1/admin/dashboard/revenue-chart?period=7d").await;
    assert_eq!(chart, json!([{"date": "2030-01-10", "revenue": euros(revenue)}]));
    let chart = answer(app, &boss, "/api/v1/admin/dashboard/revenue-chart?period=30d").await;
    assert_eq!(
        chart,
        json!([{"date": "2030-01-02", "revenue": euros(rome_total)}, {"date": "2030-01-10", "revenue": euros(revenue)}])
    );
    let places = answer(app, &boss, "/api/v1/admin/dashboard/bookings-by-destination?limit=5&period=7d").await;
    assert_eq!(
        places,
        json!([{"destination": "Paris", "count": 2}, {"destination": "Lisbon", "count": 1}]),
        "the cancelled Lisbon reservation left out"
    );
    let places = answer(app, &boss, "/api/v1/admin/dashboard/bookings-by-destination?limit=1").await;
    assert_eq!(places, json!([{"destination": "Paris", "count": 2}]));

    // The Paris reservation cancelled by its guest: refunded, its revenue goes.
    let guest = login(app, &guest).await;
    let cancelled = data(post(app, &guest, &format!("/api/v1/reservations/{paris_id}/cancel"), &json!({})).await).await;
    settle(app).await;
    let refunded: Vec<(i64,)> = platform::db::query("SELECT amount FROM insights_money WHERE kind = 'refund'")
        .fetch_all(app.platform.db("insights").unwrap())
        .await
        .unwrap();
    assert_eq!(refunded.len(), 1, "{cancelled}");
    let refunded = refunded[0].0;
    assert!(refunded > 0 && refunded <= paris_total, "{refunded}");
    let boss = login(app, &boss).await;
    let stats = answer(app, &boss, "/api/v1/admin/dashboard/stats").await;
    assert_eq!(stats["revenue"]["total"], euros(revenue - refunded), "{stats}");
    assert_eq!(stats["bookings"]["byStatus"]["CANCELLED"], 2, "{stats}");
    assert_eq!(stats["avgBookingValue"]["amount"], euros(trip_total), "{stats}");
    let chart = answer(app, &boss, "/api/v1/admin/dashboard/revenue-chart").await;
    assert_eq!(chart, json!([{"date": "2030-01-10", "revenue": euros(revenue - refunded)}]));
    let places = answer(app, &boss, "/api/v1/admin/dashboard/bookings-by-destination").await;
    assert_eq!(places, json!([{"destination": "Lisbon", "count": 1}, {"destination": "Paris", "count": 1}]));
}
