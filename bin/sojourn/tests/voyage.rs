//! DreamScape's cart → checkout → payment → booking, across identity, catalog, booking and
//! payments, with a test travel supplier: a mixed cart paid through the sandbox ends
//! CONFIRMED; the last night raced by two carts goes to one; the documents are real; nobody
//! else sees a booking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use kernel::ApiError;
use platform::contracts::{Supplier, SupplierOffer, Traveller};
use reqwest::Method;
use serde_json::{Value, json};
use testkit::{TestApp, expect_error};

/// A supplier with one flight offer (`FL-1`, 299.50 EUR a seat) and one hotel offer that is
/// gone (`HT-GONE`). It records what it books and cancels.
#[derive(Default)]
struct TestSupplier {
    /// (key, confirmation, price).
    booked: Mutex<Vec<(String, String, i64)>>,
    cancelled: Mutex<Vec<String>>,
}

#[async_trait]
impl Supplier for TestSupplier {
    async fn price(&self, kind: &str, item: &Value, quantity: i64) -> Result<SupplierOffer, ApiError> {
        match item["offerId"].as_str() {
            Some("FL-1") if kind == "flight" => Ok(SupplierOffer {
                offer_id: "FL-1".into(),
                kind: "flight".into(),
                title: "CDG → BCN, VY 8739".into(),
                price: 29_950 * quantity,
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

    async fn book(&self, offer: &SupplierOffer, _: i64, _: &Traveller, key: &str) -> Result<String, ApiError> {
        let mut booked = self.booked.lock().unwrap();
        if let Some((_, confirmation, _)) = booked.iter().find(|(k, _, _)| k == key) {
            return Ok(confirmation.clone());
        }
        let confirmation = format!("PNR{}", booked.len() + 1);
        booked.push((key.to_owned(), confirmation.clone(), offer.price));
        Ok(confirmation)
    }

    async fn cancel(&self, confirmation: &str, _: &str) -> Result<i64, ApiError> {
        self.cancelled.lock().unwrap().push(confirmation.to_owned());
        let booked = self.booked.lock().unwrap();
        Ok(booked.iter().find(|(_, c, _)| c == confirmation).map_or(0, |(_, _, price)| *price))
    }
}

async fn spawn() -> (TestApp, Arc<TestSupplier>) {
    let (app, supplier, _) = spawn_with_clock().await;
    (app, supplier)
}

async fn spawn_with_clock() -> (TestApp, Arc<TestSupplier>, Arc<kernel::ManualClock>) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = testkit::quick_config(&dir);
    config.secrets.insert(
        "payments_webhook_secret".into(),
        platform::secrets::Secret::new("whsec_voyage_tests_0123456789abcdef"),
    );
    let contexts: Vec<Arc<dyn platform::Context>> = vec![
        Arc::new(identity::Identity),
        Arc::new(catalog::Catalog),
        Arc::new(booking::Booking),
        Arc::new(payments::Payments),
    ];
    let clock = Arc::new(kernel::ManualClock::new("2030-01-02T09:00:00Z".parse().unwrap()));
    let mut app = testkit::spawn_config_with_clock(config, contexts, clock.clone()).await;
    app.data_dir = Some(dir);
    let supplier = Arc::new(TestSupplier::default());
    app.platform.contracts.provide_supplier(supplier.clone());
    (app, supplier, clock)
}

async fn call(app: &TestApp, method: Method, token: &str, path: &str, body: Option<&Value>) -> reqwest::Response {
    app.call(method, Some(token), path, body).await
}

async fn data(r: reqwest::Response) -> Value {
    let (status, body) = testkit::json(r).await;
    assert!((200..300).contains(&status), "{status}: {body}");
    body["data"].clone()
}

async fn register(app: &TestApp, email: &str) -> (String, String) {
    let body = json!({"email": email, "password": "Password1!"});
    let d = data(app.post_json("/api/v1/auth/register", &body).await).await;
    (d["tokens"]["accessToken"].as_str().unwrap().to_owned(), d["user"]["id"].as_str().unwrap().to_owned())
}

async fn publish(app: &TestApp, host: &str, body: &Value) -> String {
    let provider = json!({"displayName": "Host", "defaultCurrency": "EUR", "timezone": "Europe/Paris"});
    let _ = call(app, Method::POST, host, "/api/v1/providers", Some(&provider)).await;
    let l = data(call(app, Method::POST, host, "/api/v1/listings", Some(body)).await).await;
    let id = l["listing"]["id"].as_str().unwrap().to_owned();
    data(call(app, Method::POST, host, &format!("/api/v1/listings/{id}/publish"), None).await).await;
    app.drain_events().await;
    id
}

fn stay() -> Value {
    json!({"kind": "stay", "title": "Canal flat", "description": "A bright flat on the canal, close to everything.",
           "address": {"line1": "1 Quai de Valmy", "city": "Paris", "country": "FR"}, "location": {"lat": 48.87, "lng": 2.36},
           "cancellationPolicy": "flexible", "instantBook": true,
           "stay": {"propertyType": "apartment", "maxGuests": 2, "bedrooms": 1, "beds": 1, "bathrooms": 1,
                    "nightlyPrice": 10000, "cleaningFee": 3000, "minNights": 1, "checkInTime": "15:00", "checkOutTime": "11:00"}})
}

fn restaurant() -> Value {
    let days: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| json!({"day": d, "periods": [{"open": "19:00", "close": "23:00"}]}))
        .collect();
    json!({"kind": "restaurant", "title": "Bistro", "description": "Small bistro with a seasonal menu and natural wine.",
           "address": {"line1": "2 Rue Oberkampf", "city": "Paris", "country": "FR"}, "location": {"lat": 48.86, "lng": 2.37},
           "instantBook": true,
           "restaurant": {"cuisine": ["french"], "openingHours": days, "tables": [{"seats": 2, "count": 2}], "slotMinutes": 90}})
}

/// What the server quotes for a reservation body, in major units.
async fn price_of(app: &TestApp, token: &str, body: &Value) -> f64 {
    let q = data(call(app, Method::POST, token, "/api/v1/reservations/quote", Some(body)).await).await;
    q["quote"]["guestTotal"].as_f64().unwrap() / 100.0
}

async fn add(app: &TestApp, token: &str, item: Value) -> reqwest::Response {
    call(app, Method::POST, token, "/api/v1/cart/items", Some(&item)).await
}

#[tokio::test]
async fn a_mixed_cart_checked_out_and_paid_is_confirmed_and_exports() {
    let (app, supplier) = spawn().await;
    let (host, _) = register(&app, "host@example.com").await;
    let (guest, guest_id) = register(&app, "guest@example.com").await;
    let (stranger, _) = register(&app, "stranger@example.com").await;
    let flat = publish(&app, &host, &stay()).await;
    let bistro = publish(&app, &host, &restaurant()).await;

    let nights = json!({"listingId": flat, "checkIn": "2030-05-01", "checkOut": "2030-05-03", "guests": 2});
    let flat_price = price_of(&app, &guest, &nights).await;
    // A wrong price is refused with the current one; the right one is accepted.
    let wrong = json!({"itemType": "stay", "itemData": nights, "quantity": 1, "price": 1.0, "currency": "EUR"});
    let refused = expect_error(add(&app, &guest, wrong).await, 409, "price_changed").await;
    assert!(refused["message"].as_str().unwrap().contains(&format!("{flat_price:.2}")), "{refused}");
    let item = json!({"itemType": "stay", "itemData": nights, "quantity": 1, "price": flat_price, "currency": "EUR"});
    assert_eq!(add(&app, &guest, item).await.status(), 201);
    let table = json!({"listingId": bistro, "slotStart": "2030-05-01T17:00:00Z", "partySize": 2});
    let dinner = json!({"itemType": "restaurant", "itemData": table, "quantity": 1, "price": 0.0});
    assert_eq!(add(&app, &guest, dinner).await.status(), 201);
    let flight = json!({"itemType": "flight", "itemData": {"offerId": "FL-1"}, "quantity": 2, "price": 299.5, "currency": "EUR"});
    assert_eq!(add(&app, &guest, flight).await.status(), 201);
    let gone = json!({"itemType": "hotel", "itemData": {"offerId": "HT-GONE"}, "quantity": 1, "price": 80.0});
    expect_error(add(&app, &guest, gone).await, 409, "offer_unavailable").await;

    // The cart is the caller's alone; its totals are the server's prices.
    let cart = data(call(&app, Method::GET, &guest, &format!("/api/v1/cart/{guest_id}"), None).await).await;
    assert_eq!(cart["itemCount"], 3, "{cart}");
    let total = flat_price + 599.0;
    assert!((cart["totals"][0]["amount"].as_f64().unwrap() - total).abs() < 1e-9, "{cart}");
    expect_error(call(&app, Method::GET, &stranger, &format!("/api/v1/cart/{guest_id}"), None).await, 404, "not_found")
        .await;
    // The same routes answer under DreamScape's other prefixes.
    assert_eq!(data(call(&app, Method::GET, &guest, "/api/cart/me", None).await).await["itemCount"], 3);
    assert_eq!(data(call(&app, Method::GET, &guest, "/api/v1/voyage/cart/me", None).await).await["itemCount"], 3);

    // Checkout: one booking, one payment for everything.
    let meta = json!({"metadata": {"contactEmail": "guest@example.com",
        "passengerDetails": [{"firstName": "Łukasz", "lastName": "Дмитриев", "type": "adult"}]}});
    let checkout = call(&app, Method::POST, &guest, "/api/v1/cart/me/checkout", Some(&meta)).await;
    let out = data(checkout).await;
    let reference = out["bookingReference"].as_str().unwrap().to_owned();
    assert!(reference.starts_with("DS-") && reference.len() == 11, "{out}");
    assert!((out["amount"].as_f64().unwrap() - total).abs() < 1e-9);
    assert!(out["clientSecret"].as_str().is_some_and(|s| s.contains("_secret_")));
    assert_eq!(out["booking"]["status"], "PENDING_PAYMENT");
    assert_eq!(data(call(&app, Method::GET, &guest, "/api/v1/cart/me", None).await).await["itemCount"], 0);
    app.drain_events().await;
    // Not paid yet: confirming is refused, whatever the client says.
    let path = format!("/api/v1/bookings/{reference}");
    expect_error(
        call(&app, Method::POST, &guest, &format!("{path}/confirm"), Some(&json!({}))).await,
        409,
        "payment_incomplete",
    )
    .await;

    // The sandbox pays it; the booking is confirmed and the flight booked at the supplier.
    let intent = out["paymentIntentId"].as_str().unwrap();
    let paid = json!({"paymentMethod": "pm_card_visa"});
    data(call(&app, Method::POST, &guest, &format!("/api/v1/payment/{intent}/confirm"), Some(&paid)).await).await;
    app.drain_events().await;
    let booking = data(call(&app, Method::GET, &guest, &path, None).await).await;
    assert_eq!(booking["status"], "CONFIRMED", "{booking}");
    assert_eq!(supplier.booked.lock().unwrap().len(), 1);
    let items = booking["items"].as_array().unwrap();
    assert_eq!(
        items.iter().map(|i| i["status"].as_str().unwrap()).collect::<Vec<_>>(),
        ["confirmed", "confirmed", "booked"]
    );
    assert_eq!(
        data(call(&app, Method::POST, &guest, &format!("{path}/confirm"), Some(&json!({}))).await).await["status"],
        "CONFIRMED"
    );
    let mine = data(call(&app, Method::GET, &guest, "/api/v1/bookings", None).await).await;
    assert_eq!(mine["bookings"][0]["bookingReference"], reference.as_str());

    // The documents: a PDF that parses and an iCalendar file in Paris time.
    let pdf = call(&app, Method::GET, &guest, &format!("{path}/pdf"), None).await;
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let parsed = lopdf::Document::load_mem(&bytes).unwrap();
    let text = parsed.extract_text(&[1]).unwrap();
    assert!(text.contains(&reference) && text.contains("Łukasz Дмитриев") && text.contains("Canal flat"), "{text}");
    let ics = call(&app, Method::GET, &guest, &format!("{path}/ics"), None).await;
    assert!(ics.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let ics = ics.text().await.unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.trim_end().ends_with("END:VCALENDAR"));
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2, "the stay and the dinner are dated: {ics}");
    assert!(ics.contains("DTSTART;TZID=Europe/Paris:20300501T150000"), "{ics}");
    assert!(ics.contains("BEGIN:VTIMEZONE") && ics.contains("TZID:Europe/Paris"));

    // Nobody else sees it.
    for suffix in ["", "/pdf", "/ics"] {
        expect_error(call(&app, Method::GET, &stranger, &format!("{path}{suffix}"), None).await, 404, "not_found")
            .await;
    }
    expect_error(call(&app, Method::DELETE, &stranger, &path, None).await, 404, "not_found").await;

    // Cancelled: the flexible stay far ahead and the flight come back in full.
    let cancelled = data(call(&app, Method::DELETE, &guest, &path, None).await).await;
    assert_eq!(cancelled["status"], "CANCELLED", "{cancelled}");
    assert_eq!(supplier.cancelled.lock().unwrap().as_slice(), ["PNR1"]);
    app.drain_events().await;
    let payment = data(call(&app, Method::GET, &guest, &format!("/api/v1/payment/{intent}"), None).await).await;
    assert_eq!(payment["amountRefunded"], payment["amount"], "{payment}");
    // The ledger: the capture split between host, platform and suppliers, all given back.
    let root = admin(&app, "root@example.com").await;
    let ledger = data(call(&app, Method::GET, &root, "/api/v1/payment/ledger/balances", None).await).await;
    let accounts = ledger["balances"].as_array().unwrap();
    assert!(accounts.iter().any(|b| b["account"] == "suppliers_payable"), "{ledger}");
    assert!(accounts.iter().all(|b| b["balance"] == 0), "everything refunded nets to zero: {ledger}");
}

#[tokio::test]
async fn the_last_night_raced_by_two_carts_goes_to_one() {
    let (app, _) = spawn().await;
    let (host, _) = register(&app, "host@example.com").await;
    let flat = publish(&app, &host, &stay()).await;
    let nights = json!({"listingId": flat, "checkIn": "2030-06-01", "checkOut": "2030-06-02", "guests": 1});
    let mut guests = Vec::new();
    for n in 0..2 {
        let (token, _) = register(&app, &format!("guest{n}@example.com")).await;
        let price = price_of(&app, &token, &nights).await;
        let item = json!({"itemType": "stay", "itemData": nights, "quantity": 1, "price": price});
        assert_eq!(add(&app, &token, item).await.status(), 201);
        guests.push(token);
    }
    let runs = guests.iter().map(|g| call(&app, Method::POST, g, "/api/v1/cart/me/checkout", None));
    let answers = futures_util::future::join_all(runs).await;
    let mut statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
    let loser = answers.into_iter().find(|r| r.status() == 409).unwrap();
    let body: Value = loser.json().await.unwrap();
    assert_eq!(body["code"], "items_unavailable");
    assert!(body["details"][0]["field"].as_str().unwrap().starts_with("items."), "the item is named: {body}");
    // The loser's cart still holds it; nothing of theirs was held.
    let carts: Vec<i64> =
        futures_util::future::join_all(guests.iter().map(|g| call(&app, Method::GET, g, "/api/v1/cart/me", None)))
            .await
            .into_iter()
            .map(|r| r.status().as_u16() as i64)
            .collect();
    assert_eq!(carts, [200, 200]);
}

fn product() -> Value {
    json!({"kind": "product", "title": "Travel mug", "description": "An insulated mug that keeps coffee hot for hours.",
           "address": {"line1": "3 Rue de Rivoli", "city": "Paris", "country": "FR"}, "instantBook": true,
           "product": {"sku": "MUG-1", "stockQuantity": 5, "price": 4000, "condition": "new",
                       "shippingOptions": [{"name": "Post", "price": 500, "estimatedDays": 3}]}})
}

/// `quantity` mugs by post to Paris: a product's reservation body.
fn mugs(listing: &str, quantity: i64) -> Value {
    let to = json!({"name": "Ana Lima", "line1": "12 Rue de la Paix", "city": "Paris", "postalCode": "75002", "country": "FR"});
    json!({"listingId": listing, "quantity": quantity, "shippingOption": "Post", "deliveryAddress": to})
}

#[tokio::test]
async fn cart_lines_are_checked_priced_again_on_change_and_forgotten_when_idle() {
    let (app, _, clock) = spawn_with_clock().await;
    let (host, _) = register(&app, "host@example.com").await;
    let (guest, _) = register(&app, "guest@example.com").await;
    let (stranger, _) = register(&app, "stranger@example.com").await;
    let mug = publish(&app, &host, &product()).await;
    let flat = publish(&app, &host, &stay()).await;
    let one = price_of(&app, &guest, &mugs(&mug, 1)).await;

    // Bad lines: a stay counted twice, an unknown type, a body of another kind, a host's own
    // listing, unknown fields; all 4xx in the standard envelope.
    let nights = json!({"listingId": flat, "checkIn": "2030-05-01", "checkOut": "2030-05-03"});
    let twice = json!({"itemType": "stay", "itemData": nights, "quantity": 2, "price": 1.0});
    expect_error(add(&app, &guest, twice).await, 400, "validation_failed").await;
    let odd = json!({"itemType": "spaceship", "itemData": {"offerId": "X"}, "quantity": 1, "price": 1.0});
    expect_error(add(&app, &guest, odd).await, 400, "validation_failed").await;
    let mismatch =
        json!({"itemType": "stay", "itemData": {"listingId": mug, "quantity": 1}, "quantity": 1, "price": one});
    expect_error(add(&app, &guest, mismatch).await, 400, "validation_failed").await;
    let own = json!({"itemType": "product", "itemData": mugs(&mug, 1), "quantity": 1, "price": one});
    expect_error(add(&app, &host, own).await, 422, "own_listing").await;
    let extra = json!({"itemType": "product", "itemData": {"listingId": mug}, "price": one, "colour": "red"});
    assert_eq!(add(&app, &guest, extra).await.status(), 400);

    // Three mugs: the quantity is the listing's units, priced again when it changes.
    let line = json!({"itemType": "product", "itemData": mugs(&mug, 1), "quantity": 1, "price": one});
    let added = data(add(&app, &guest, line).await).await;
    let item = added["item"]["id"].as_str().unwrap().to_owned();
    let three = price_of(&app, &guest, &mugs(&mug, 3)).await;
    let path = format!("/api/v1/cart/me/items/{item}");
    let cart = data(call(&app, Method::PUT, &guest, &path, Some(&json!({"quantity": 3}))).await).await;
    assert_eq!(cart["items"][0]["quantity"], 3);
    assert!((cart["items"][0]["total"].as_f64().unwrap() - three).abs() < 1e-9, "{cart}");
    assert_eq!(cart["items"][0]["itemData"]["quantity"], 3);
    expect_error(call(&app, Method::PUT, &guest, &path, Some(&json!({"quantity": 0}))).await, 400, "validation_failed")
        .await;
    expect_error(call(&app, Method::PUT, &stranger, &path, Some(&json!({"quantity": 1}))).await, 404, "not_found")
        .await;
    let theirs = format!("/api/v1/cart/me/items/{item}");
    expect_error(call(&app, Method::DELETE, &stranger, &theirs, None).await, 404, "not_found").await;
    expect_error(call(&app, Method::POST, &stranger, "/api/v1/cart/me/checkout", None).await, 422, "cart_empty").await;

    // Left alone past 30 minutes, the cart is emptied.
    clock.advance(chrono::Duration::minutes(31));
    let guest = login(&app, "guest@example.com").await;
    let cart = data(call(&app, Method::GET, &guest, "/api/v1/cart/me", None).await).await;
    assert_eq!((cart["itemCount"].as_i64(), cart["expiresAt"].is_null()), (Some(0), true), "{cart}");
}

#[tokio::test]
async fn a_request_to_book_listing_is_refused_by_the_cart_and_booked_on_its_own() {
    let (app, _) = spawn().await;
    let (host, _) = register(&app, "host@example.com").await;
    let (guest, _) = register(&app, "guest@example.com").await;
    let mut asked = stay();
    asked["instantBook"] = json!(false);
    let asked = publish(&app, &host, &asked).await;
    let flat = publish(&app, &host, &stay()).await;
    let request = json!({"listingId": asked, "checkIn": "2030-05-01", "checkOut": "2030-05-03", "guests": 2});
    let request_line =
        json!({"itemType": "stay", "itemData": request, "price": price_of(&app, &guest, &request).await});

    // Alone: refused when added, so there is never a cart that cannot be checked out.
    let refused = expect_error(add(&app, &guest, request_line.clone()).await, 422, "request_to_book").await;
    assert!(refused["message"].as_str().unwrap().contains("POST /api/v1/reservations"), "{refused}");
    assert_eq!(refused["details"][0]["field"], "itemData.listingId", "{refused}");
    assert_eq!(data(call(&app, Method::GET, &guest, "/api/v1/cart/me", None).await).await["itemCount"], 0);
    expect_error(call(&app, Method::POST, &guest, "/api/v1/cart/me/checkout", None).await, 422, "cart_empty").await;

    // Mixed with an instant-book stay: only that one goes in; it checks out and is paid.
    let nights = json!({"listingId": flat, "checkIn": "2030-05-01", "checkOut": "2030-05-03", "guests": 2});
    let line = json!({"itemType": "stay", "itemData": nights, "price": price_of(&app, &guest, &nights).await});
    assert_eq!(add(&app, &guest, line).await.status(), 201);
    expect_error(add(&app, &guest, request_line).await, 422, "request_to_book").await;
    let out = data(call(&app, Method::POST, &guest, "/api/v1/cart/me/checkout", None).await).await;
    assert_eq!(out["booking"]["items"].as_array().map(Vec::len), Some(1), "{out}");
    let intent = out["paymentIntentId"].as_str().unwrap();
    let card = json!({"paymentMethod": "pm_card_visa"});
    data(call(&app, Method::POST, &guest, &format!("/api/v1/payment/{intent}/confirm"), Some(&card)).await).await;
    app.drain_events().await;
    let reference = out["bookingReference"].as_str().unwrap();
    let booking = data(call(&app, Method::GET, &guest, &format!("/api/v1/bookings/{reference}"), None).await).await;
    assert_eq!(booking["status"], "CONFIRMED", "{booking}");

    // The request is booked on its own, and waits for its host.
    let made = call(&app, Method::POST, &guest, "/api/v1/reservations", Some(&request)).await;
    let made = data(made).await;
    assert_eq!(
        (made["reservation"]["status"].as_str(), made["reservation"]["instantBook"].as_bool()),
        (Some("pending_payment"), Some(false))
    );

    // A listing that turns request-to-book after it was added is named at checkout.
    let later = json!({"listingId": flat, "checkIn": "2030-06-01", "checkOut": "2030-06-03", "guests": 2});
    let line = json!({"itemType": "stay", "itemData": later, "price": price_of(&app, &guest, &later).await});
    let item = data(add(&app, &guest, line).await).await["item"]["id"].as_str().unwrap().to_owned();
    let change = json!({"instantBook": false});
    data(call(&app, Method::PUT, &host, &format!("/api/v1/listings/{flat}"), Some(&change)).await).await;
    app.drain_events().await;
    let gone = expect_error(
        call(&app, Method::POST, &guest, "/api/v1/cart/me/checkout", None).await,
        409,
        "items_unavailable",
    )
    .await;
    assert_eq!(gone["details"][0]["field"], format!("items.{item}"), "{gone}");
    assert!(gone["details"][0]["message"].as_str().unwrap().contains("POST /api/v1/reservations"), "{gone}");
}

async fn login(app: &TestApp, email: &str) -> String {
    let body = json!({"email": email, "password": "Password1!"});
    data(app.post_json("/api/v1/auth/login", &body).await).await["tokens"]["accessToken"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn one_idempotency_key_makes_one_booking_however_often_it_is_sent() {
    let (app, _) = spawn().await;
    let (host, _) = register(&app, "host@example.com").await;
    let (guest, _) = register(&app, "guest@example.com").await;
    let flat = publish(&app, &host, &stay()).await;
    let nights = json!({"listingId": flat, "checkIn": "2030-07-01", "checkOut": "2030-07-04"});
    let price = price_of(&app, &guest, &nights).await;
    assert_eq!(add(&app, &guest, json!({"itemType": "stay", "itemData": nights, "price": price})).await.status(), 201);
    let send = || {
        app.client
            .post(app.url("/api/v1/cart/me/checkout"))
            .bearer_auth(&guest)
            .header("Idempotency-Key", "checkout-7f3a")
            .json(&json!({}))
            .send()
    };
    let answers = futures_util::future::join_all((0..5).map(|_| send())).await;
    let mut references = Vec::new();
    for r in answers {
        references.push(data(r.unwrap()).await["bookingReference"].as_str().unwrap().to_owned());
    }
    references.dedup();
    assert_eq!(references.len(), 1, "one booking: {references:?}");
    let mine = data(call(&app, Method::GET, &guest, "/api/v1/bookings", None).await).await;
    assert_eq!(mine["pagination"]["total"], 1, "{mine}");
    let other = app
        .client
        .post(app.url("/api/v1/cart/me/checkout"))
        .bearer_auth(&guest)
        .header("Idempotency-Key", "checkout-7f3a")
        .json(&json!({"metadata": {"contactEmail": "other@example.com"}}))
        .send()
        .await
        .unwrap();
    expect_error(other, 422, "idempotency_key_reused").await;
}

async fn admin(app: &TestApp, email: &str) -> String {
    let (_, id) = register(app, email).await;
    platform::db::query("UPDATE users SET role = 'admin' WHERE id = $1")
        .bind(id.parse::<uuid::Uuid>().unwrap())
        .execute(app.platform.db("identity").unwrap())
        .await
        .unwrap();
    login(app, email).await
}

#[tokio::test]
async fn a_booking_paid_after_its_holds_ran_out_fails_and_is_refunded_in_full() {
    let (app, supplier, clock) = spawn_with_clock().await;
    let (host, _) = register(&app, "host@example.com").await;
    let (guest, _) = register(&app, "guest@example.com").await;
    admin(&app, "root@example.com").await;
    let flat = publish(&app, &host, &stay()).await;
    let nights = json!({"listingId": flat, "checkIn": "2030-08-01", "checkOut": "2030-08-03"});
    let price = price_of(&app, &guest, &nights).await;
    assert_eq!(add(&app, &guest, json!({"itemType": "stay", "itemData": nights, "price": price})).await.status(), 201);
    let flight = json!({"itemType": "flight", "itemData": {"offerId": "FL-1"}, "quantity": 1, "price": 299.5});
    assert_eq!(add(&app, &guest, flight).await.status(), 201);
    let out = data(call(&app, Method::POST, &guest, "/api/v1/cart/me/checkout", None).await).await;
    let reference = out["bookingReference"].as_str().unwrap().to_owned();
    let intent = out["paymentIntentId"].as_str().unwrap().to_owned();
    app.drain_events().await;

    // The hold runs out before the guest pays.
    clock.advance(chrono::Duration::minutes(16));
    let root = login(&app, "root@example.com").await;
    let jobs = data(call(&app, Method::POST, &root, "/api/v1/admin/booking/jobs/run", None).await).await;
    assert_eq!(jobs["expiredHolds"], 1, "{jobs}");
    app.drain_events().await;
    let guest = login(&app, "guest@example.com").await;
    let paid = json!({"paymentMethod": "pm_card_visa"});
    data(call(&app, Method::POST, &guest, &format!("/api/v1/payment/{intent}/confirm"), Some(&paid)).await).await;
    app.drain_events().await;

    let booking = data(call(&app, Method::GET, &guest, &format!("/api/v1/bookings/{reference}"), None).await).await;
    assert_eq!(booking["status"], "FAILED", "{booking}");
    assert!(supplier.booked.lock().unwrap().is_empty(), "nothing booked at the supplier");
    let payment = data(call(&app, Method::GET, &guest, &format!("/api/v1/payment/{intent}"), None).await).await;
    assert_eq!(payment["amountRefunded"], payment["amount"], "everything went back: {payment}");
    // The nights are on sale again.
    let q = call(&app, Method::POST, &guest, "/api/v1/reservations/quote", Some(&nights)).await;
    assert_eq!(q.status(), 200);
}

#[tokio::test]
async fn booking_in_its_own_process_asks_payments_over_http() {
    const KEY: &str = "internal-key-for-the-split-test-0123456789";
    let secret = || platform::secrets::Secret::new(KEY);
    // The payments service alone.
    let dir = tempfile::tempdir().unwrap();
    let mut config = testkit::test_config(&dir);
    config
        .secrets
        .insert("payments_webhook_secret".into(), platform::secrets::Secret::new("whsec_split_tests_0123456789abcdef"));
    config.secrets.insert("internal_api_key".into(), secret());
    let clock = Arc::new(kernel::ManualClock::new("2030-01-02T09:00:00Z".parse().unwrap()));
    let payments_app =
        testkit::spawn_config_with_clock(config, vec![Arc::new(payments::Payments)], clock.clone()).await;
    // Identity, catalog and booking, with payments elsewhere.
    let dir2 = tempfile::tempdir().unwrap();
    let mut config = testkit::test_config(&dir2);
    config.auth.password_hash.memory_kib = 1024;
    config.auth.password_hash.iterations = 1;
    config.rate_limit.enabled = false;
    config.services.payments_url = Some(payments_app.base.clone());
    config.secrets.insert("internal_api_key".into(), secret());
    let contexts: Vec<Arc<dyn platform::Context>> =
        vec![Arc::new(identity::Identity), Arc::new(catalog::Catalog), Arc::new(booking::Booking)];
    let app = testkit::spawn_config_with_clock(config, contexts, clock).await;

    let (host, _) = register(&app, "host@example.com").await;
    let (guest, _) = register(&app, "guest@example.com").await;
    let flat = publish(&app, &host, &stay()).await;
    let nights = json!({"listingId": flat, "checkIn": "2030-05-01", "checkOut": "2030-05-03"});
    let price = price_of(&app, &guest, &nights).await;
    assert_eq!(add(&app, &guest, json!({"itemType": "stay", "itemData": nights, "price": price})).await.status(), 201);
    let out = data(call(&app, Method::POST, &guest, "/api/v1/cart/me/checkout", None).await).await;
    assert!(out["clientSecret"].as_str().is_some_and(|s| s.contains("_secret_")), "{out}");
    assert_eq!(out["booking"]["status"], "PENDING_PAYMENT");
    let reference = out["bookingReference"].as_str().unwrap();
    // Confirming asks the payments service, which has not been paid.
    let confirm = call(&app, Method::POST, &guest, &format!("/api/v1/bookings/{reference}/confirm"), None).await;
    let refused = expect_error(confirm, 409, "payment_incomplete").await;
    assert!(refused["message"].as_str().unwrap().contains("requires_payment_method"), "{refused}");
    // The internal endpoints want the key.
    let anonymous = payments_app
        .client
        .get(payments_app.url(&format!("/internal/v1/payment-groups/{reference}")))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let wrong = payments_app
        .client
        .get(payments_app.url(&format!("/internal/v1/payment-groups/{reference}")))
        .bearer_auth("not-the-key")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
}
