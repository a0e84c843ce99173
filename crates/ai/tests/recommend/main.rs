//! The recommender through HTTP with identity, catalog, booking, payments and ai running: a
//! traveller completes onboarding (identity's routes) and has relevant recommendations at
//! once; views, other travellers' bookings and their own booking change them; who may ask;
//! public lists without a token; bad input. Runs on SQLite, and on PostgreSQL when
//! `SOJOURN_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access;
mod journey;
mod similar;

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};
use tempfile::TempDir;
use testkit::TestApp;
use testkit::accounts::{User, call, data, post};

pub struct Kit {
    pub app: TestApp,
    _dir: TempDir,
}

impl std::ops::Deref for Kit {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

pub async fn spawn() -> Kit {
    let dir = tempfile::tempdir().unwrap();
    let config = testkit::quick_config(&dir);
    let contexts: Vec<Arc<dyn platform::Context>> = vec![
        Arc::new(identity::Identity),
        Arc::new(catalog::Catalog),
        Arc::new(booking::Booking),
        Arc::new(payments::Payments),
        Arc::new(ai::Ai),
    ];
    let clock = Arc::new(kernel::ManualClock::new("2030-01-02T12:00:00Z".parse().unwrap()));
    let app = testkit::spawn_config_with_clock(config, contexts, clock).await;
    Kit { app, _dir: dir }
}

pub async fn settle(app: &TestApp) {
    app.drain_events().await;
    app.drain_events().await;
}

/// A call as `user` (or anonymous): status and bare body.
pub async fn ask(app: &TestApp, user: Option<&User>, method: Method, path: &str, body: Option<&Value>) -> (u16, Value) {
    testkit::json(app.call(method, user.map(|u| u.token.as_str()), path, body).await).await
}

/// A published instant-book flat at `price` (minor units) a night in `city`.
pub async fn flat(app: &TestApp, host: &User, city: &str, country: &str, price: i64) -> String {
    let body = json!({"kind": "stay", "title": format!("Flat in {city}"), "description": "A bright flat, close to everything you need.",
        "address": {"line1": "1 Main Street", "city": city, "country": country}, "location": {"lat": 48.87, "lng": 2.36},
        "instantBook": true, "cancellationPolicy": "flexible", "amenities": ["wifi", "sea_view"],
        "stay": {"propertyType": "apartment", "maxGuests": 2, "bedrooms": 1, "beds": 1,
        "bathrooms": 1, "nightlyPrice": price, "checkInTime": "15:00", "checkOutTime": "11:00"}});
    let made = data(post(app, host, "/api/v1/listings", &body).await).await;
    let id = made["listing"]["id"].as_str().unwrap().to_owned();
    data(call(app, Method::POST, host, &format!("/api/v1/listings/{id}/publish"), None).await).await;
    settle(app).await;
    id
}

/// A reservation of `listing` paid on the sandbox (so confirmed); its id.
pub async fn book(app: &TestApp, guest: &User, listing: &str, check_in: &str, check_out: &str) -> String {
    let body = json!({"listingId": listing, "checkIn": check_in, "checkOut": check_out});
    let r = data(post(app, guest, "/api/v1/reservations", &body).await).await;
    settle(app).await;
    let id = r["reservation"]["id"].as_str().unwrap().to_owned();
    let ask = json!({"amount": r["reservation"]["total"], "currency": "eur", "bookingReference": id});
    let intent = data(post(app, guest, "/api/v1/payment/intent", &ask).await).await;
    let path = format!("/api/v1/payment/{}/confirm", intent["paymentIntentId"].as_str().unwrap());
    data(post(app, guest, &path, &json!({"paymentMethod": "pm_card_visa"})).await).await;
    settle(app).await;
    id
}

/// Onboarding through identity's own steps, completed; its event handled.
pub async fn onboard(app: &TestApp, user: &User, styles: &[&str], regions: &[&str], level: &str) {
    for (step, d) in [
        ("travel_style", json!({"styles": styles})),
        ("destinations", json!({"regions": regions})),
        ("budget", json!({"level": level, "currency": "EUR"})),
    ] {
        data(post(app, user, "/api/v1/users/onboarding/progress", &json!({"step": step, "data": d})).await).await;
    }
    data(post(app, user, "/api/v1/users/onboarding/complete", &json!({})).await).await;
    settle(app).await;
}

/// The destination ids of a list of recommendations.
pub fn ids(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|r| r["destinationId"].as_str().unwrap().to_owned()).collect()
}
