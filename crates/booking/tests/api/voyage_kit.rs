//! Voyage bookings made end to end: identity, notifications, catalog, booking and payments
//! (its sandbox processor) with a test travel supplier whose flight price can change.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use async_trait::async_trait;
use kernel::ApiError;
use platform::contracts::{Supplier, SupplierOffer, Traveller};
use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;

use crate::support::{User, call, data, publish};

/// One flight offer, `FL-1`, at `price` minor units a seat (299.50 EUR to start).
pub struct Flights {
    pub price: AtomicI64,
}

#[async_trait]
impl Supplier for Flights {
    async fn price(&self, kind: &str, item: &Value, quantity: i64) -> Result<SupplierOffer, ApiError> {
        match item["offerId"].as_str() {
            Some("FL-1") if kind == "flight" => Ok(SupplierOffer {
                offer_id: "FL-1".into(),
                kind: "flight".into(),
                title: "CDG → BCN".into(),
                price: self.price.load(Ordering::SeqCst) * quantity,
                currency: "EUR".into(),
                starts_at: Some("2030-05-01T07:00:00Z".parse().unwrap()),
                ends_at: Some("2030-05-01T09:05:00Z".parse().unwrap()),
                timezone: Some("Europe/Paris".into()),
                location: Some("Paris CDG".into()),
                details: vec![],
                refundable: true,
                payload: Value::Null,
            }),
            _ => Err(ApiError::new(409, "offer_unavailable", "This offer is gone")),
        }
    }

    async fn book(&self, _: &SupplierOffer, _: i64, _: &Traveller, key: &str) -> Result<String, ApiError> {
        Ok(format!("PNR-{}", &key[..8]))
    }

    async fn cancel(&self, _: &str, _: &str) -> Result<i64, ApiError> {
        Ok(0)
    }
}

pub struct Kit {
    pub app: TestApp,
    pub clock: Arc<kernel::ManualClock>,
    pub flights: Arc<Flights>,
    pub dir: tempfile::TempDir,
}

impl std::ops::Deref for Kit {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

/// The app on 2030-01-02 09:00 UTC, with payments and the test supplier.
pub async fn spawn() -> Kit {
    let (app, clock, dir) = crate::support::spawn_paying("2030-01-02T09:00:00Z", vec![]).await;
    let flights = Arc::new(Flights { price: AtomicI64::new(29_950) });
    app.platform.contracts.provide_supplier(flights.clone());
    Kit { app, clock, flights, dir }
}

/// A Paris flat (100.00 a night, cleaning 30.00, flexible) published by `host`.
pub async fn flat(app: &TestApp, host: &User) -> String {
    publish(app, host, &crate::support::stay()).await
}

/// The server's price of a reservation body, in major units.
pub async fn price_of(app: &TestApp, user: &User, body: &Value) -> f64 {
    let q = data(call(app, Method::POST, Some(&user.token), "/api/v1/reservations/quote", Some(body)).await).await;
    q["quote"]["guestTotal"].as_f64().unwrap() / 100.0
}

/// Adds nights at `flat` to `guest`'s cart, at the server's price.
pub async fn add_nights(app: &TestApp, guest: &User, flat: &str, check_in: &str, check_out: &str) {
    let nights = json!({"listingId": flat, "checkIn": check_in, "checkOut": check_out, "guests": 1});
    let price = price_of(app, guest, &nights).await;
    let item = json!({"itemType": "stay", "itemData": nights, "quantity": 1, "price": price, "currency": "EUR"});
    let r = call(app, Method::POST, Some(&guest.token), "/api/v1/cart/items", Some(&item)).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
}

/// Adds `seats` of the flight to Barcelona, at 299.50 a seat.
pub async fn add_flight(app: &TestApp, guest: &User, seats: i64) {
    let item = json!({"itemType": "flight", "itemData": {"offerId": "FL-1", "destination": "Barcelona"},
                      "quantity": seats, "price": 299.5, "currency": "EUR"});
    let r = call(app, Method::POST, Some(&guest.token), "/api/v1/cart/items", Some(&item)).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
}

/// Checks the cart out with `email` as contact: the checkout's `data`.
pub async fn checkout(app: &TestApp, guest: &User, email: &str, first: &str, last: &str) -> Value {
    let meta = json!({"metadata": {"contactEmail": email,
        "passengerDetails": [{"firstName": first, "lastName": last, "type": "adult"}]}});
    let out = data(call(app, Method::POST, Some(&guest.token), "/api/v1/cart/me/checkout", Some(&meta)).await).await;
    app.drain_events().await;
    out
}

/// Pays a checkout through the sandbox, as its guest.
pub async fn pay(app: &TestApp, guest: &User, checkout: &Value) {
    let intent = checkout["paymentIntentId"].as_str().unwrap();
    let card = json!({"paymentMethod": "pm_card_visa"});
    data(call(app, Method::POST, Some(&guest.token), &format!("/api/v1/payment/{intent}/confirm"), Some(&card)).await)
        .await;
    app.drain_events().await;
}

/// The messages in the mail outbox, as text.
pub fn mails(kit: &Kit) -> Vec<String> {
    let dir = platform::mail::FileMailer::outbox(kit.dir.path());
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok()).collect()
}
