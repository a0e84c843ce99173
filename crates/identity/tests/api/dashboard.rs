//! DreamScape's admin dashboard's recent transactions (WEB-CLIENT row M4; the figures, M1–M3,
//! are insights' and tested there) and a user's bookings and revenue, from the read model
//! identity keeps of the booking and payments contexts' events: first
//! with those events published on the bus as the two contexts write them (any order, some
//! twice), then with real bookings and payments made through catalog, booking and payments.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use testkit::{TestApp, expect_error};

use crate::backoffice::{call, data, get, record_search};
use crate::support::{Session, admin, register};

/// An app whose clock stands at 2030-01-10T12:00:00Z until moved.
async fn spawn_at_noon(contexts: Vec<Arc<dyn platform::Context>>) -> (TestApp, Arc<kernel::ManualClock>) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = crate::support::scratch_config(&dir);
    config.secrets.insert(
        "payments_webhook_secret".into(),
        platform::secrets::Secret::new("whsec_dashboard_tests_0123456789abcdef"),
    );
    let clock = Arc::new(kernel::ManualClock::new(noon()));
    let mut app = testkit::spawn_config_with_clock(config, contexts, clock.clone()).await;
    app.data_dir = Some(dir);
    (app, clock)
}

fn noon() -> DateTime<Utc> {
    "2030-01-10T12:00:00Z".parse().unwrap()
}

/// Writes `event` to identity's outbox, as booking or payments write theirs, and waits until
/// it is delivered.
async fn deliver(app: &TestApp, event: &kernel::EventEnvelope) {
    let db = app.platform.db("identity").unwrap();
    let mut tx = db.begin().await.unwrap();
    platform::events::enqueue(&mut tx, event).await.unwrap();
    tx.commit().await.unwrap();
    app.drain_events().await;
}

async fn publish(app: &TestApp, kind: &str, aggregate: &str, at: DateTime<Utc>, data: Value) -> kernel::EventEnvelope {
    let event = kernel::EventEnvelope::new(kind, aggregate, at, data);
    deliver(app, &event).await;
    event
}

/// `booking.<kind>` for a reservation of `guest` as booking's event view carries it.
#[allow(clippy::too_many_arguments)]
async fn reservation(
    app: &TestApp,
    kind: &str,
    id: &str,
    guest: &Session,
    what: &str,
    state: &str,
    total: i64,
    city: &str,
    created: DateTime<Utc>,
    at: DateTime<Utc>,
) {
    let r = json!({"id": id, "guestId": guest.user_id(), "kind": what, "status": state, "total": total, "currency": "EUR",
                   "createdAt": created, "destination": city, "listingTitle": "A place"});
    publish(app, &format!("booking.{kind}"), id, at, json!({"reservation": r})).await;
}

async fn payment(
    app: &TestApp,
    kind: &str,
    id: &str,
    guest: &Session,
    reference: &str,
    amount: i64,
    at: DateTime<Utc>,
) -> kernel::EventEnvelope {
    let data = json!({"paymentIntentId": id, "amount": amount, "currency": "EUR", "bookingReference": reference,
                      "status": "succeeded", "userId": guest.user_id(), "paymentMethod": "card", "createdAt": at});
    publish(app, &format!("payment.{kind}"), reference, at, data).await
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn the_dashboard_counts_what_the_events_say() {
    let (app, clock) = spawn_at_noon(crate::support::contexts()).await;
    let app = &app;
    let boss = admin(app, "boss@example.com").await;
    let guest = register(app, "guest@example.com").await;
    let names = json!({"firstName": "Gina", "lastName": "Guest"});
    data(call(app, Method::PUT, &boss.access, &format!("/api/v1/admin/users/{}", guest.user_id()), Some(&names)).await)
        .await;
    for _ in 0..4 {
        record_search(app, &guest.access).await;
    }
    let t = noon();
    let (r0, r1, r2, r3) = (
        kernel::new_id().to_string(),
        kernel::new_id().to_string(),
        kernel::new_id().to_string(),
        kernel::new_id().to_string(),
    );

    // The week before: one confirmed booking, paid 100.00.
    let before = t - Duration::days(8);
    reservation(app, "created", &r0, &guest, "stay", "confirmed", 10_000, "Rome", before, before).await;
    payment(app, "succeeded", "pi_0", &guest, &r0, 10_000, before).await;

    // This week: a stay in Paris, paid and confirmed...
    let (t1, t2) = (t - Duration::hours(2), t - Duration::hours(2) + Duration::minutes(1));
    reservation(app, "created", &r1, &guest, "stay", "pending_payment", 20_000, "Paris", t1, t1).await;
    payment(app, "created", "pi_1", &guest, &r1, 20_000, t1).await;
    let paid = payment(app, "succeeded", "pi_1", &guest, &r1, 20_000, t2).await;
    reservation(app, "confirmed", &r1, &guest, "stay", "confirmed", 20_000, "Paris", t1, t2).await;
    // ... an activity in Lisbon, cancelled ...
    let t3 = t - Duration::minutes(90);
    reservation(app, "created", &r2, &guest, "activity", "pending_payment", 5_000, "Lisbon", t3, t3).await;
    reservation(app, "cancelled", &r2, &guest, "activity", "cancelled", 5_000, "Lisbon", t3, t3 + Duration::minutes(5))
        .await;
    // ... and a DreamScape booking (a stay in Paris and a flight): its checkout is heard of
    // before its reservation, and paid.
    let (t4, t5) = (t - Duration::hours(1), t - Duration::minutes(50));
    let trip = kernel::new_id().to_string();
    let voyage = json!({"bookingReference": "DS-TEST0001", "userId": guest.user_id(), "total": 45_000, "currency": "EUR",
                        "reservationIds": [r3], "types": ["stay", "flight"]});
    publish(app, "voyage.created", &trip, t4, voyage).await;
    reservation(app, "created", &r3, &guest, "stay", "pending_payment", 15_000, "Paris", t4, t4).await;
    payment(app, "created", "pi_2", &guest, "DS-TEST0001", 45_000, t4).await;
    payment(app, "succeeded", "pi_2", &guest, "DS-TEST0001", 45_000, t5).await;
    reservation(app, "confirmed", &r3, &guest, "stay", "confirmed", 15_000, "Paris", t4, t5).await;
    let booked =
        json!({"bookingReference": "DS-TEST0001", "userId": guest.user_id(), "total": 45_000, "currency": "EUR"});
    publish(app, "voyage.booked", &trip, t5, booked).await;
    // Two more DreamScape bookings: one whose payment was never opened (DRAFT), one whose
    // payment is heard of before the checkout (PENDING_PAYMENT).
    let t6 = t - Duration::minutes(30);
    let draft = json!({"bookingReference": "DS-DRAFT001", "userId": guest.user_id(), "total": 9_900, "currency": "EUR",
                       "reservationIds": [], "types": ["flight"]});
    publish(app, "voyage.created", &kernel::new_id().to_string(), t6, draft).await;
    payment(app, "created", "pi_3", &guest, "DS-EARLY001", 7_000, t6).await;
    let early = json!({"bookingReference": "DS-EARLY001", "userId": guest.user_id(), "total": 7_000, "currency": "EUR",
                       "reservationIds": [], "types": ["hotel"]});
    publish(app, "voyage.created", &kernel::new_id().to_string(), t6, early).await;
    clock.advance(Duration::minutes(1));

    // M4
    let recent = get(app, &boss.access, "/api/v1/admin/dashboard/recent-transactions?limit=10&period=7d").await;
    assert_eq!(ids(&recent), ["pi_3", "pi_2", "pi_1"]);
    let trip_payment = &recent[1];
    for (field, value) in [
        ("userEmail", json!("guest@example.com")),
        ("userName", json!("Gina Guest")),
        ("amount", json!(450.0)),
        ("currency", json!("EUR")),
        ("status", json!("SUCCEEDED")),
        ("paymentMethod", json!("card")),
        ("bookingReference", json!("DS-TEST0001")),
    ] {
        assert_eq!(trip_payment[field], value, "{field}: {trip_payment}");
    }
    assert_eq!(recent[0]["status"], "PENDING");
    assert_eq!(ids(&get(app, &boss.access, "/api/v1/admin/dashboard/recent-transactions?limit=1").await), ["pi_3"]);
    let bad = call(app, Method::GET, &boss.access, "/api/v1/admin/dashboard/recent-transactions?limit=0", None).await;
    expect_error(bad, 400, "validation_failed").await;
    let bad = "/api/v1/admin/dashboard/recent-transactions?period=custom";
    let body = expect_error(call(app, Method::GET, &boss.access, bad, None).await, 400, "validation_failed").await;
    assert_eq!(body["message"], "startDate and endDate required for custom period");
    let custom = "/api/v1/admin/dashboard/recent-transactions?period=custom&startDate=2030-01-01&endDate=2030-01-10";
    assert_eq!(ids(&get(app, &boss.access, custom).await), ["pi_3", "pi_2", "pi_1", "pi_0"]);

    // Redelivered or repeated news changes nothing; a full refund takes the revenue back.
    app.platform.bus.publish(&paid).await.unwrap();
    payment(app, "succeeded", "pi_1", &guest, &r1, 20_000, t2).await;
    let user = get(app, &boss.access, &format!("/api/v1/admin/users/{}", guest.user_id())).await;
    assert_eq!(user["revenueGenerated"], json!(750.0), "{user}");
    let refund = json!({"refundId": "re_1", "paymentIntentId": "pi_1", "amount": 20_000, "currency": "EUR",
                        "reservationId": r1, "bookingReference": r1, "reason": "requested_by_customer", "source": "platform"});
    publish(app, "payment.refunded", &r1, t, refund).await;
    let recent = get(app, &boss.access, "/api/v1/admin/dashboard/recent-transactions").await;
    assert_eq!(recent[2]["status"], "REFUNDED");

    // M7 and M12: the guest's bookings, revenue and activity.
    let user = get(app, &boss.access, &format!("/api/v1/admin/users/{}", guest.user_id())).await;
    assert_eq!((user["bookingsCount"].clone(), user["revenueGenerated"].clone()), (json!(6), json!(550.0)), "{user}");
    let path = format!("/api/v1/admin/users/{}/activity?page=1&limit=20", guest.user_id());
    let activity = get(app, &boss.access, &path).await;
    assert_eq!(activity["pagination"]["total"], 14, "4 searches, 6 bookings, 4 payments: {activity}");
    let items = activity["items"].as_array().unwrap();
    let trip_item = items.iter().find(|i| i["label"] == "Booking DS-TEST0001").unwrap();
    assert_eq!(trip_item["id"], format!("booking-{trip}"));
    assert_eq!((trip_item["type"].as_str(), trip_item["status"].as_str()), (Some("booking"), Some("CONFIRMED")));
    assert_eq!((trip_item["amount"].clone(), trip_item["currency"].clone()), (json!(450.0), json!("EUR")));
    assert_eq!(trip_item["detail"], "PACKAGE · Paris");
    let pay_item = items.iter().find(|i| i["id"] == "payment-pi_2").unwrap();
    assert_eq!((pay_item["type"].as_str(), pay_item["amount"].as_f64()), (Some("payment"), Some(450.0)));
    let dates: Vec<&str> = items.iter().map(|i| i["createdAt"].as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first: {dates:?}");
    let page =
        get(app, &boss.access, &format!("/api/v1/admin/users/{}/activity?page=3&limit=5", guest.user_id())).await;
    assert_eq!((page["items"].as_array().unwrap().len(), page["pagination"]["totalPages"].clone()), (4, json!(3)));
}

// ---------------------------------------------------------------------------------------------
// With the booking and payments contexts

async fn post(app: &TestApp, token: &str, path: &str, body: &Value) -> Value {
    let response = call(app, Method::POST, token, path, Some(body)).await;
    let (status, body) = testkit::json(response).await;
    assert!((200..300).contains(&status), "{path}: {status} {body}");
    body["data"].clone()
}

async fn pay(app: &TestApp, token: &str, intent: &str) {
    post(app, token, &format!("/api/v1/payment/{intent}/confirm"), &json!({"paymentMethod": "pm_card_visa"})).await;
    app.drain_events().await;
}

#[tokio::test]
async fn the_dashboard_after_real_bookings_and_payments() {
    let contexts: Vec<Arc<dyn platform::Context>> = vec![
        Arc::new(identity::Identity),
        Arc::new(catalog::Catalog),
        Arc::new(booking::Booking),
        Arc::new(payments::Payments),
    ];
    let (app, clock) = spawn_at_noon(contexts).await;
    let app = &app;
    let boss = admin(app, "boss@example.com").await;
    let host = register(app, "host@example.com").await;
    let guest = register(app, "guest@example.com").await;
    record_search(app, &guest.access).await;
    record_search(app, &guest.access).await;
    let provider = json!({"displayName": "Host", "defaultCurrency": "EUR", "timezone": "Europe/Paris"});
    post(app, &host.access, "/api/v1/providers", &provider).await;
    let listing = json!({"kind": "stay", "title": "Canal flat", "description": "A bright flat on the canal, close to everything.",
        "address": {"line1": "1 Quai de Valmy", "city": "Paris", "country": "FR"}, "location": {"lat": 48.87, "lng": 2.36},
        "instantBook": true, "cancellationPolicy": "flexible", "stay": {"propertyType": "apartment", "maxGuests": 2,
        "bedrooms": 1, "beds": 1, "bathrooms": 1, "nightlyPrice": 10000, "checkInTime": "15:00", "checkOutTime": "11:00"}});
    let flat =
        post(app, &host.access, "/api/v1/listings", &listing).await["listing"]["id"].as_str().unwrap().to_owned();
    post(app, &host.access, &format!("/api/v1/listings/{flat}/publish"), &json!({})).await;
    app.drain_events().await;

    // A DreamScape booking: the cart checked out and paid on the sandbox.
    let nights = json!({"listingId": flat, "checkIn": "2030-05-01", "checkOut": "2030-05-03", "guests": 2});
    let quote = post(app, &guest.access, "/api/v1/reservations/quote", &nights).await;
    let price = quote["quote"]["guestTotal"].as_i64().unwrap();
    #[allow(clippy::cast_precision_loss)]
    let major = price as f64 / 100.0;
    let item = json!({"itemType": "stay", "itemData": nights, "quantity": 1, "price": major, "currency": "EUR"});
    post(app, &guest.access, "/api/v1/cart/items", &item).await;
    let out = post(app, &guest.access, "/api/v1/cart/me/checkout", &json!({})).await;
    let reference = out["bookingReference"].as_str().unwrap().to_owned();
    app.drain_events().await;
    pay(app, &guest.access, out["paymentIntentId"].as_str().unwrap()).await;

    // A reservation of ours, paid through payments.
    let later = json!({"listingId": flat, "checkIn": "2030-06-01", "checkOut": "2030-06-03"});
    let r = post(app, &guest.access, "/api/v1/reservations", &later).await;
    let (id, total) =
        (r["reservation"]["id"].as_str().unwrap().to_owned(), r["reservation"]["total"].as_i64().unwrap());
    app.drain_events().await;
    let ask = json!({"amount": total, "currency": "eur", "bookingReference": id});
    let intent = post(app, &guest.access, "/api/v1/payment/intent", &ask).await;
    pay(app, &guest.access, intent["paymentIntentId"].as_str().unwrap()).await;
    clock.advance(Duration::minutes(1));

    #[allow(clippy::cast_precision_loss)]
    let revenue = (price + total) as f64 / 100.0;
    let recent = get(app, &boss.access, "/api/v1/admin/dashboard/recent-transactions").await;
    let recent = recent.as_array().unwrap();
    assert_eq!(recent.len(), 2, "{recent:?}");
    assert!(
        recent.iter().all(|t| t["userEmail"] == "guest@example.com"
            && t["status"] == "SUCCEEDED"
            && t["paymentMethod"] == "card")
    );
    assert!(recent.iter().any(|t| t["bookingReference"] == reference.as_str()), "{recent:?}");

    let user = get(app, &boss.access, &format!("/api/v1/admin/users/{}", guest.user_id())).await;
    assert_eq!((user["bookingsCount"].as_i64(), user["revenueGenerated"].as_f64()), (Some(2), Some(revenue)), "{user}");
    let activity = get(app, &boss.access, &format!("/api/v1/admin/users/{}/activity", guest.user_id())).await;
    let kinds: Vec<&str> = activity["items"].as_array().unwrap().iter().map(|i| i["type"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "booking").count(), 2, "{activity}");
    assert_eq!(kinds.iter().filter(|k| **k == "payment").count(), 2, "{activity}");
    let trip =
        activity["items"].as_array().unwrap().iter().find(|i| i["label"] == format!("Booking {reference}")).unwrap();
    assert_eq!((trip["status"].as_str(), trip["detail"].as_str()), (Some("CONFIRMED"), Some("HOTEL · Paris")));
}
