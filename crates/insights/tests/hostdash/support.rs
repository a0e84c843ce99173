//! The scenario the host dashboard suites share: a host with a Paris listing (EUR) and a New
//! York listing (USD), four reservations paid on the sandbox around March 2026 (across the
//! February/March boundary and both DST changes), one cancelled with a partial refund, views,
//! enquiries and guests' ratings; everything through the real contexts' HTTP APIs.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};
pub use testkit::accounts::{User, admin, call, data, get, login, post, register};

pub type App = testkit::ClockedApp;

pub fn contexts() -> Vec<Arc<dyn platform::Context>> {
    vec![
        Arc::new(identity::Identity),
        Arc::new(catalog::Catalog),
        Arc::new(booking::Booking),
        Arc::new(payments::Payments),
        Arc::new(messaging::Messaging),
        Arc::new(insights::Insights),
    ]
}

/// A host (provider) publishing stays.
pub async fn host(app: &App, email: &str) -> User {
    let user = register(app, email).await;
    let body = json!({"displayName": "Host", "defaultCurrency": "EUR", "timezone": "Europe/Paris"});
    data(post(app, &user, "/api/v1/providers", &body).await).await;
    user
}

/// A published instant-book stay at 100.00 a night and 30.01 of cleaning (so that shares of
/// the nights leave remainders), moderate policy; its id.
pub async fn publish(app: &App, owner: &User, title: &str, timezone: &str, currency: &str) -> String {
    let body = json!({"kind": "stay", "title": title, "description": "A bright flat, close to everything you need.",
        "address": {"line1": "1 Main Street", "city": "Somewhere", "country": "FR"}, "location": {"lat": 48.87, "lng": 2.36},
        "timezone": timezone, "currency": currency, "cancellationPolicy": "moderate", "instantBook": true,
        "stay": {"propertyType": "apartment", "maxGuests": 2, "bedrooms": 1, "beds": 1, "bathrooms": 1,
                 "nightlyPrice": 10000, "cleaningFee": 3001, "checkInTime": "15:00", "checkOutTime": "11:00"}});
    let l = data(post(app, owner, "/api/v1/listings", &body).await).await;
    let id = l["listing"]["id"].as_str().unwrap().to_owned();
    data(call(app, Method::POST, owner, &format!("/api/v1/listings/{id}/publish"), None).await).await;
    app.drain_events().await;
    id
}

/// A reservation paid with the sandbox's card: (its id, the reservation as booking shows it).
pub async fn paid(app: &App, guest: &User, listing: &str, check_in: &str, check_out: &str) -> (String, Value) {
    let body = json!({"listingId": listing, "checkIn": check_in, "checkOut": check_out, "guests": 1});
    let r = data(post(app, guest, "/api/v1/reservations", &body).await).await["reservation"].clone();
    app.drain_events().await;
    let id = r["id"].as_str().unwrap().to_owned();
    let ask = json!({"amount": r["total"], "currency": r["currency"], "bookingReference": id});
    let intent = data(post(app, guest, "/api/v1/payment/intent", &ask).await).await;
    let pi = intent["paymentIntentId"].as_str().unwrap().to_owned();
    data(post(app, guest, &format!("/api/v1/payment/{pi}/confirm"), &json!({"paymentMethod": "pm_card_visa"})).await)
        .await;
    app.drain_events().await;
    app.drain_events().await;
    let now = data(get(app, guest, &format!("/api/v1/reservations/{id}")).await).await["reservation"].clone();
    assert_eq!(now["status"], "confirmed", "{now}");
    (id, now)
}

/// Night `i` of `n`'s share of `total`, the remainder on the first night.
pub fn share(total: i64, n: i64, i: i64) -> i64 {
    let each = total / n;
    if i == 0 { total - each * (n - 1) } else { each }
}

pub fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or_else(|| panic!("an integer, not {v}"))
}

/// The amounts of a quote: (base, guest total, fees, host payout).
pub fn amounts(q: &Value) -> (i64, i64, i64, i64) {
    (int(&q["base"]), int(&q["guestTotal"]), int(&q["guestServiceFee"]) + int(&q["hostFee"]), int(&q["hostPayout"]))
}

/// Publishes an event to every context as if reviews had (the reviews context is not run here).
pub async fn inject(app: &App, kind: &str, data: Value) {
    let event = kernel::EventEnvelope::new(kind, kernel::new_id(), chrono::Utc::now(), data);
    let db = app.platform.db("catalog").unwrap();
    let mut tx = db.begin().await.unwrap();
    platform::events::enqueue(&mut tx, &event).await.unwrap();
    tx.commit().await.unwrap();
    app.drain_events().await;
}

/// Listing views as tracking records them (its hourly table, the listing's local day).
pub async fn views(app: &App, listing: &str, day: &str, hour: i64, n: i64) {
    platform::db::query("INSERT INTO insights_views_hourly (listing_id, day, hour, views) VALUES ($1, $2, $3, $4)")
        .bind(listing.parse::<uuid::Uuid>().unwrap())
        .bind(day.parse::<chrono::NaiveDate>().unwrap())
        .bind(hour)
        .bind(n)
        .execute(app.platform.db("insights").unwrap())
        .await
        .unwrap();
}

/// Everything the scenario made, for the suites' hand computations.
pub struct Scenario {
    pub host: User,
    pub admin: User,
    pub paris: String,
    pub york: String,
    /// Paris, 27 → 31 March (4 nights over the European DST change), booked 6 March (Paris).
    pub r1: Value,
    /// Paris, 27 February → 2 March (3 nights over the period boundary), booked 10 February.
    pub r2: Value,
    /// Paris, 10 → 12 March, booked 10 February, cancelled 6 March (Paris) for a partial refund.
    pub r3: Value,
    /// The cancellation's refund, as booking answered it.
    pub refund: Value,
    /// New York, 7 → 9 March (2 nights over the American DST change), booked 5 March (New York).
    pub r4: Value,
    /// The payout run of 10 March.
    pub payouts: Value,
}

pub async fn scenario(app: &App) -> Scenario {
    let host = host(app, "host@example.com").await;
    let paris = publish(app, &host, "Loft, \"Le Marais\"", "Europe/Paris", "EUR").await;
    let york = publish(app, &host, "Brooklyn walk-up", "America/New_York", "USD").await;
    let (a, b, c) = (
        register(app, "a@example.com").await,
        register(app, "b@example.com").await,
        register(app, "c@example.com").await,
    );
    let (_, r2) = paid(app, &b, &paris, "2026-02-27", "2026-03-02").await;
    let (id3, r3) = paid(app, &c, &paris, "2026-03-10", "2026-03-12").await;

    // 5 March 23:30 UTC: 6 March 00:30 in Paris, 5 March 18:30 in New York.
    app.clock.set("2026-03-05T23:30:00Z".parse().unwrap());
    let (a, c, host) = (login(app, &a).await, login(app, &c).await, login(app, &host).await);
    let (_, r1) = paid(app, &a, &paris, "2026-03-27", "2026-03-31").await;
    let (_, r4) = paid(app, &a, &york, "2026-03-07", "2026-03-09").await;
    let cancelled = data(call(app, Method::POST, &c, &format!("/api/v1/reservations/{id3}/cancel"), None).await).await;
    let refund = cancelled["reservation"]["refund"].clone();
    app.drain_events().await;
    app.drain_events().await;

    // Two enquiries about the Paris flat; the host answers one two hours later.
    let ask = |text: &str| json!({"listingId": paris, "message": text});
    let asked = data(post(app, &a, "/api/v1/conversations", &ask("Is it quiet at night?")).await).await;
    data(post(app, &c, "/api/v1/conversations", &ask("Is there a lift?")).await).await;
    app.drain_events().await;
    app.clock.set("2026-03-06T01:30:00Z".parse().unwrap());
    let host = login(app, &host).await;
    let conversation = asked["conversation"]["id"].as_str().unwrap();
    let reply = json!({"body": "Very quiet."});
    data(post(app, &host, &format!("/api/v1/conversations/{conversation}/messages"), &reply).await).await;
    app.drain_events().await;

    // Guests' ratings of the Paris flat (4 and 5, the 5 hidden later) and a host's (not counted).
    let review = |rating: i64, role: &str| {
        json!({"reviewId": kernel::new_id(), "listingId": paris, "authorRole": role, "rating": rating,
               "publishedAt": "2026-03-20T10:00:00Z", "authorId": kernel::new_id(), "subjectId": kernel::new_id()})
    };
    let hidden = review(5, "guest");
    inject(app, "review.published", review(4, "guest")).await;
    inject(app, "review.published", hidden.clone()).await;
    inject(app, "review.published", review(1, "host")).await;
    inject(app, "review.moderated", json!({"reviewId": hidden["reviewId"], "action": "hidden"})).await;

    views(app, &paris, "2026-03-03", 10, 30).await;
    views(app, &paris, "2026-03-03", 11, 10).await;
    views(app, &paris, "2026-02-15", 9, 10).await;
    views(app, &york, "2026-03-04", 20, 8).await;

    // The payout run of 10 March pays the February stay (EUR) and the New York one (USD).
    app.clock.set("2026-03-10T12:00:00Z".parse().unwrap());
    let admin = admin(app, "root@example.com").await;
    let payouts = data(post(app, &admin, "/api/v1/admin/payouts/run", &json!({})).await).await;
    app.drain_events().await;
    let host = login(app, &host).await;
    Scenario { host, admin, paris, york, r1, r2, r3, refund, r4, payouts }
}
