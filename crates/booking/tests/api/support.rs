//! Spawning identity + catalog + booking on a controllable clock, making users, providers and
//! published listings of every kind, and standing in for the payments context.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;

/// The app on a manual clock (`app.clock`), dereferencing to its [`TestApp`].
pub type App = testkit::ClockedApp;

/// The app, its clock starting at `now`.
pub async fn spawn_at(now: &str) -> App {
    // Tests run the scheduler themselves (POST /api/v1/admin/booking/jobs/run).
    let contexts: Vec<Arc<dyn platform::Context>> = vec![
        Arc::new(identity::Identity),
        Arc::new(notifications::Notifications),
        Arc::new(catalog::Catalog),
        Arc::new(booking::Booking),
    ];
    testkit::spawn_clocked(now, contexts).await
}

/// The app with its clock at 2027-01-04 09:00 UTC (a Monday).
pub async fn spawn() -> App {
    spawn_at("2027-01-04T09:00:00Z").await
}

#[derive(Clone)]
pub struct User {
    pub id: String,
    pub token: String,
}

pub async fn call(
    app: &TestApp,
    method: Method,
    token: Option<&str>,
    path: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    app.call(method, token, path, body).await
}

pub async fn data(r: reqwest::Response) -> Value {
    let (status, body) = testkit::json(r).await;
    assert!((200..300).contains(&status), "{status}: {body}");
    body["data"].clone()
}

pub async fn register(app: &TestApp, email: &str) -> User {
    let body = json!({"email": email, "password": "Password1!"});
    let d = data(app.post_json("/api/v1/auth/register", &body).await).await;
    User {
        id: d["user"]["id"].as_str().unwrap().to_owned(),
        token: d["tokens"]["accessToken"].as_str().unwrap().to_owned(),
    }
}

/// A user made administrator (through the identity database), signed in again.
pub async fn admin(app: &TestApp, email: &str) -> User {
    let user = register(app, email).await;
    platform::db::query("UPDATE users SET role = 'admin' WHERE id = $1")
        .bind(user.id.parse::<uuid::Uuid>().unwrap())
        .execute(app.platform.db("identity").unwrap())
        .await
        .unwrap();
    let login = json!({"email": email, "password": "Password1!"});
    let d = data(app.post_json("/api/v1/auth/login", &login).await).await;
    User { id: user.id, token: d["tokens"]["accessToken"].as_str().unwrap().to_owned() }
}

/// A provider in `timezone`, paying in EUR.
pub async fn host(app: &TestApp, email: &str, timezone: &str) -> User {
    let user = register(app, email).await;
    let body = json!({"displayName": "Host", "defaultCurrency": "EUR", "timezone": timezone});
    data(call(app, Method::POST, Some(&user.token), "/api/v1/providers", Some(&body)).await).await;
    user
}

/// A Paris flat at 100.00 a night, 2 guests, cleaning 30.00, min 1 night.
pub fn stay() -> Value {
    json!({"kind": "stay", "title": "Canal flat", "description": "A bright flat on the canal, close to everything.",
           "address": {"line1": "1 Quai de Valmy", "city": "Paris", "country": "FR"}, "location": {"lat": 48.87, "lng": 2.36},
           "cancellationPolicy": "flexible", "instantBook": true,
           "stay": {"propertyType": "apartment", "maxGuests": 2, "bedrooms": 1, "beds": 1, "bathrooms": 1,
                    "nightlyPrice": 10000, "cleaningFee": 3000, "minNights": 1, "checkInTime": "15:00", "checkOutTime": "11:00"}})
}

/// A bistro open every day 12:00–14:00 and 19:00–23:00, 90-minute slots, 2 tables of 2 and 1 of 4.
pub fn restaurant() -> Value {
    let days: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| json!({"day": d, "periods": [{"open": "12:00", "close": "14:00"}, {"open": "19:00", "close": "23:00"}]}))
        .collect();
    json!({"kind": "restaurant", "title": "Bistro", "description": "Small bistro with a seasonal menu and natural wine.",
           "address": {"line1": "2 Rue Oberkampf", "city": "Paris", "country": "FR"}, "location": {"lat": 48.86, "lng": 2.37},
           "instantBook": true,
           "restaurant": {"cuisine": ["french"], "openingHours": days, "tables": [{"seats": 2, "count": 2}, {"seats": 4, "count": 1}],
                          "slotMinutes": 90}})
}

/// A walking tour, 120 minutes, 25.00 a person, 10 people.
pub fn activity() -> Value {
    json!({"kind": "activity", "title": "Old town walk", "description": "Two hours through the old town with a local guide.",
           "address": {"line1": "Place du Tertre", "city": "Paris", "country": "FR"}, "location": {"lat": 48.88, "lng": 2.34},
           "instantBook": true, "cancellationPolicy": "moderate",
           "activity": {"durationMinutes": 120, "pricePerPerson": 2500, "maxParticipants": 10}})
}

/// A shuttle with 10 seats at 15.00 on the route Paris → Lyon.
pub fn transport() -> Value {
    json!({"kind": "transport", "title": "Shuttle", "description": "A comfortable shuttle between the two cities.",
           "address": {"line1": "Gare de Lyon", "city": "Paris", "country": "FR"}, "location": {"lat": 48.84, "lng": 2.37},
           "instantBook": true,
           "transport": {"vehicle": {"type": "minibus", "seats": 10}, "routes": [{"origin": "Paris", "destination": "Lyon"}],
                         "pricePerSeat": 1500}})
}

/// A product at 40.00 with `stock` units.
pub fn product(stock: i64) -> Value {
    json!({"kind": "product", "title": "Travel mug", "description": "An insulated mug that keeps coffee hot for hours.",
           "address": {"line1": "3 Rue de Rivoli", "city": "Paris", "country": "FR"}, "instantBook": true,
           "product": {"sku": "MUG-1", "stockQuantity": stock, "price": 4000, "condition": "new",
                       "shippingOptions": [{"name": "Post", "price": 500, "estimatedDays": 3}]}})
}

/// Where the test shoppers' parcels go: Paris, served by [`product`]'s `Post` option.
pub fn paris() -> Value {
    json!({"name": "Ana Lima", "line1": "12 Rue de la Paix", "city": "Paris", "postalCode": "75002", "country": "FR"})
}

/// The body ordering `quantity` units of the product `listing`, by post to [`paris`].
pub fn order(listing: &str, quantity: i64) -> Value {
    json!({"listingId": listing, "quantity": quantity, "shippingOption": "Post", "deliveryAddress": paris()})
}

/// Creates and publishes `body` as `owner`; booking has seen it when this returns.
pub async fn publish(app: &TestApp, owner: &User, body: &Value) -> String {
    let listing = data(call(app, Method::POST, Some(&owner.token), "/api/v1/listings", Some(body)).await).await;
    let id = listing["listing"]["id"].as_str().unwrap().to_owned();
    data(call(app, Method::POST, Some(&owner.token), &format!("/api/v1/listings/{id}/publish"), None).await).await;
    app.drain_events().await;
    id
}

/// Adds a session (activity) or trip (transport) and returns its id; booking has seen it.
pub async fn add_session(app: &TestApp, owner: &User, listing: &str, starts_at: &str, capacity: i64) -> String {
    let body = json!({"startsAt": starts_at, "capacity": capacity});
    let d = data(
        call(app, Method::POST, Some(&owner.token), &format!("/api/v1/listings/{listing}/sessions"), Some(&body)).await,
    )
    .await;
    app.drain_events().await;
    d["session"]["id"].as_str().unwrap().to_owned()
}

pub async fn add_trip(
    app: &TestApp,
    owner: &User,
    listing: &str,
    departs_at: &str,
    arrives_at: &str,
    seats: i64,
) -> String {
    let body = json!({"origin": "Paris", "destination": "Lyon", "departsAt": departs_at, "arrivesAt": arrives_at, "seats": seats});
    let d = data(
        call(app, Method::POST, Some(&owner.token), &format!("/api/v1/listings/{listing}/trips"), Some(&body)).await,
    )
    .await;
    app.drain_events().await;
    d["trip"]["id"].as_str().unwrap().to_owned()
}

/// `POST /api/v1/reservations` as `guest`.
pub async fn reserve(app: &TestApp, guest: &User, body: &Value) -> reqwest::Response {
    call(app, Method::POST, Some(&guest.token), "/api/v1/reservations", Some(body)).await
}

/// Stands in for the payments context: publishes `payment.<kind>` for `reservation` and
/// waits until booking handled it.
pub async fn payment_event(app: &TestApp, kind: &str, reservation: &str, amount: i64) {
    let data = json!({"paymentIntentId": format!("pi_{}", &reservation[..8]), "amount": amount, "currency": "EUR",
                      "reservationId": reservation});
    let event = kernel::EventEnvelope::new(format!("payment.{kind}"), kernel::new_id(), chrono::Utc::now(), data);
    let db = app.platform.db("booking").unwrap();
    let mut tx = db.begin().await.unwrap();
    platform::events::enqueue(&mut tx, &event).await.unwrap();
    tx.commit().await.unwrap();
    app.drain_events().await;
}

/// Runs the scheduler now, as an administrator.
pub async fn run_jobs(app: &TestApp, admin: &User) -> Value {
    data(call(app, Method::POST, Some(&admin.token), "/api/v1/admin/booking/jobs/run", None).await).await
}

/// The `field` of every entry in an error body's `details`.
pub fn cap_fields(error: &Value) -> Vec<String> {
    error["details"].as_array().into_iter().flatten().filter_map(|d| d["field"].as_str().map(str::to_owned)).collect()
}

/// `email` signed in again with a fresh access token (they expire 15 minutes after sign-in on
/// the test clock).
pub async fn login(app: &TestApp, email: &str) -> User {
    let d = data(app.post_json("/api/v1/auth/login", &json!({"email": email, "password": "Password1!"})).await).await;
    User {
        id: d["user"]["id"].as_str().unwrap().to_owned(),
        token: d["tokens"]["accessToken"].as_str().unwrap().to_owned(),
    }
}

/// The app with payments (its sandbox processor) besides identity, notifications, catalog and
/// booking, and `extra` contexts, its clock at `now`: (app, clock, data directory).
pub async fn spawn_paying(
    now: &str,
    extra: Vec<Arc<dyn platform::Context>>,
) -> (TestApp, Arc<kernel::ManualClock>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = testkit::quick_config(&dir);
    config.secrets.insert(
        "payments_webhook_secret".into(),
        platform::secrets::Secret::new("whsec_booking_tests_0123456789abcdef"),
    );
    let mut contexts: Vec<Arc<dyn platform::Context>> = vec![
        Arc::new(identity::Identity),
        Arc::new(notifications::Notifications),
        Arc::new(catalog::Catalog),
        Arc::new(booking::Booking),
        Arc::new(payments::Payments),
    ];
    contexts.extend(extra);
    let clock = Arc::new(kernel::ManualClock::new(now.parse().unwrap()));
    let app = testkit::spawn_config_with_clock(config, contexts, clock.clone()).await;
    (app, clock, dir)
}

/// Every journal of payments' ledger sums to zero (payments runs in the app).
pub async fn assert_ledger_balanced(app: &TestApp) {
    let (journals, unbalanced): (i64, i64) = platform::db::query(
        "SELECT CAST((SELECT COUNT(*) FROM ledger_journals) AS BIGINT), CAST((SELECT COUNT(*) FROM \
         (SELECT journal_id FROM ledger_entries GROUP BY journal_id HAVING SUM(amount) <> 0) AS u) AS BIGINT)",
    )
    .fetch_one(app.platform.db("payments").unwrap())
    .await
    .unwrap();
    assert!(journals > 0);
    assert_eq!(unbalanced, 0, "every journal sums to zero");
}
