//! The platform with the contexts the log hears from, on a clock the tests move; reading the
//! log as an administrator; a paid reservation.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;
use testkit::accounts::{User, data};

/// 2030-01-02T09:00:00Z.
pub const START: &str = "2030-01-02T09:00:00Z";

pub struct Harness {
    pub app: TestApp,
    pub clock: Arc<kernel::ManualClock>,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for Harness {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

/// Identity, catalog, booking, payments and audit, on a manual clock at [`START`].
pub async fn spawn() -> Harness {
    spawn_tweaked(|_| {}).await
}

pub async fn spawn_tweaked(tweak: impl FnOnce(&mut platform::Config)) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let mut config = testkit::quick_config(&dir);
    tweak(&mut config);
    let contexts: Vec<Arc<dyn platform::Context>> = vec![
        Arc::new(identity::Identity),
        Arc::new(catalog::Catalog),
        Arc::new(booking::Booking),
        Arc::new(payments::Payments),
        Arc::new(audit::Audit),
    ];
    let clock = Arc::new(kernel::ManualClock::new(START.parse().unwrap()));
    let app = testkit::spawn_config_with_clock(config, contexts, clock.clone()).await;
    Harness { app, clock, _dir: dir }
}

pub fn db(app: &TestApp) -> &platform::db::Db {
    app.platform.db("audit").unwrap()
}

/// `GET /api/v1/admin/audit?{query}` as `admin`: the data (`entries`, `pagination`).
pub async fn page(app: &TestApp, admin: &User, query: &str) -> Value {
    app.drain_events().await;
    data(testkit::accounts::get(app, admin, &format!("/api/v1/admin/audit?{query}")).await).await
}

/// The entries `query` selects (one page of up to 200).
pub async fn entries(app: &TestApp, admin: &User, query: &str) -> Vec<Value> {
    let sep = if query.is_empty() { "" } else { "&" };
    page(app, admin, &format!("limit=200{sep}{query}")).await["entries"].as_array().unwrap().clone()
}

/// The entries of `action` about `subject`.
pub async fn of(app: &TestApp, admin: &User, action: &str, subject: &str) -> Vec<Value> {
    entries(app, admin, &format!("action={action}&subjectId={subject}")).await
}

/// `GET /api/v1/admin/audit/verify`.
pub async fn verified(app: &TestApp, admin: &User) -> Value {
    app.drain_events().await;
    data(testkit::accounts::get(app, admin, "/api/v1/admin/audit/verify").await).await
}

/// Signs in with a wrong password.
pub async fn fail_login(app: &TestApp, email: &str) {
    let r = app.post_json("/api/v1/auth/login", &json!({"email": email, "password": "Wrong-passw0rd"})).await;
    assert_eq!(r.status(), 401);
}

/// A published stay of 100.00 a night, instant book.
pub async fn listing(app: &TestApp, host: &User) -> String {
    let provider = json!({"displayName": "Host", "defaultCurrency": "EUR", "timezone": "Europe/Paris"});
    let _ = testkit::accounts::post(app, host, "/api/v1/providers", &provider).await;
    let body = json!({"kind": "stay", "title": "Canal flat", "description": "A bright flat on the canal, close to everything.",
        "address": {"line1": "1 Quai de Valmy", "city": "Paris", "country": "FR"}, "location": {"lat": 48.87, "lng": 2.36},
        "instantBook": true, "stay": {"propertyType": "apartment", "maxGuests": 2, "bedrooms": 1, "beds": 1,
        "bathrooms": 1, "nightlyPrice": 10000, "checkInTime": "15:00", "checkOutTime": "11:00"}});
    let l = data(testkit::accounts::post(app, host, "/api/v1/listings", &body).await).await;
    let id = l["listing"]["id"].as_str().unwrap().to_owned();
    data(testkit::accounts::call(app, Method::POST, host, &format!("/api/v1/listings/{id}/publish"), None).await).await;
    app.drain_events().await;
    id
}

/// A two-night reservation of `listing` paid with a good card: (payment intent id, total).
pub async fn paid(app: &TestApp, guest: &User, listing: &str) -> (String, i64) {
    let body = json!({"listingId": listing, "checkIn": "2030-05-01", "checkOut": "2030-05-03"});
    let r = data(testkit::accounts::post(app, guest, "/api/v1/reservations", &body).await).await;
    app.drain_events().await;
    let (reservation, total) = (r["reservation"]["id"].as_str().unwrap(), r["reservation"]["total"].as_i64().unwrap());
    let ask = json!({"amount": total, "currency": "eur", "bookingReference": reservation});
    let intent = data(testkit::accounts::post(app, guest, "/api/v1/payment/intent", &ask).await).await;
    let id = intent["paymentIntentId"].as_str().unwrap().to_owned();
    let confirm = json!({"paymentMethod": "pm_card_visa"});
    data(
        testkit::accounts::call(app, Method::POST, guest, &format!("/api/v1/payment/{id}/confirm"), Some(&confirm))
            .await,
    )
    .await;
    app.drain_events().await;
    (id, total)
}
