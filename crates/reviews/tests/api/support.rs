//! Spawning identity + catalog + booking + reviews + notifications on a controllable clock; users, hosts,
//! published listings, reservations taken to completion; small HTTP helpers.

use std::sync::Arc;

use chrono::Duration;
use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;

/// The app on a manual clock (`app.clock`), dereferencing to its [`TestApp`].
pub type App = testkit::ClockedApp;

/// The app with its clock at 2027-01-04 09:00 UTC.
pub async fn spawn() -> App {
    testkit::spawn_clocked("2027-01-04T09:00:00Z", contexts()).await
}

/// The same with search running too.
pub async fn spawn_with_search() -> App {
    let mut all = contexts();
    all.push(Arc::new(search::Search));
    testkit::spawn_clocked("2027-01-04T09:00:00Z", all).await
}

fn contexts() -> Vec<Arc<dyn platform::Context>> {
    vec![
        Arc::new(identity::Identity),
        Arc::new(catalog::Catalog),
        Arc::new(booking::Booking),
        Arc::new(reviews::Reviews),
        Arc::new(notifications::Notifications),
    ]
}

pub use testkit::accounts::{User, admin, call, data, get, login, post, register, register_named};

/// A provider paying in EUR.
pub async fn host(app: &TestApp, email: &str) -> User {
    let user = register_named(app, email, "Henri", "Hôte").await;
    let body = json!({"displayName": "Host", "defaultCurrency": "EUR", "timezone": "Europe/Paris"});
    data(post(app, &user, "/api/v1/providers", &body).await).await;
    user
}

/// Creates and publishes an instant-book Paris flat as `owner`.
pub async fn publish(app: &TestApp, owner: &User) -> String {
    let stay = json!({"kind": "stay", "title": "Canal flat", "description": "A bright flat on the canal, close to everything.",
        "address": {"line1": "1 Quai de Valmy", "city": "Paris", "country": "FR"}, "location": {"lat": 48.87, "lng": 2.36},
        "cancellationPolicy": "flexible", "instantBook": true,
        "stay": {"propertyType": "apartment", "maxGuests": 2, "bedrooms": 1, "beds": 1, "bathrooms": 1,
                 "nightlyPrice": 10000, "cleaningFee": 3000, "minNights": 1, "checkInTime": "15:00", "checkOutTime": "11:00"}});
    let listing = data(post(app, owner, "/api/v1/listings", &stay).await).await;
    let id = listing["listing"]["id"].as_str().unwrap().to_owned();
    data(call(app, Method::POST, owner, &format!("/api/v1/listings/{id}/publish"), None).await).await;
    app.drain_events().await;
    id
}

/// Stands in for payments: `payment.authorized` for `reservation`, which confirms an
/// instant-book reservation.
pub async fn authorize(app: &TestApp, reservation: &str) {
    let data = json!({"paymentIntentId": format!("pi_{}", &reservation[..8]), "amount": 36_960, "currency": "EUR",
                      "reservationId": reservation});
    let event = kernel::EventEnvelope::new("payment.authorized", kernel::new_id(), chrono::Utc::now(), data);
    let db = app.platform.db("booking").unwrap();
    let mut tx = db.begin().await.unwrap();
    platform::events::enqueue(&mut tx, &event).await.unwrap();
    tx.commit().await.unwrap();
    app.drain_events().await;
    app.drain_events().await;
}

/// A confirmed reservation of `guest` for `nights` nights from `check_in`.
pub async fn confirmed(app: &TestApp, guest: &User, listing: &str, check_in: &str, check_out: &str) -> String {
    let body = json!({"listingId": listing, "checkIn": check_in, "checkOut": check_out, "guests": 1});
    let r = data(post(app, guest, "/api/v1/reservations", &body).await).await["reservation"].clone();
    let id = r["id"].as_str().unwrap().to_owned();
    app.drain_events().await;
    authorize(app, &id).await;
    id
}

/// The host marks the reservation completed (the clock must be past its end); events handled.
/// Booking's own sweep may have completed it first: that is as good.
pub async fn complete(app: &TestApp, host: &User, reservation: &str) {
    let (status, body) = testkit::json(
        call(app, Method::POST, host, &format!("/api/v1/reservations/{reservation}/complete"), None).await,
    )
    .await;
    if status != 200 {
        let now = data(get(app, host, &format!("/api/v1/reservations/{reservation}")).await).await;
        assert_eq!(now["reservation"]["status"], "completed", "{status}: {body}");
    }
    app.drain_events().await;
}

/// A finished stay: the parties, the listing and the completed reservation (clock just after
/// check-out, tokens fresh).
pub struct Stay {
    pub guest: User,
    pub host: User,
    pub listing: String,
    pub reservation: String,
}

/// One listing of `host`, stayed at by a new guest from Feb 1st to 4th and completed.
pub async fn completed_stay(app: &App) -> Stay {
    let host_user = host(app, "host@example.com").await;
    let guest = register_named(app, "guest@example.com", "Gina", "Guest").await;
    let listing = publish(app, &host_user).await;
    let reservation = confirmed(app, &guest, &listing, "2027-02-01", "2027-02-04").await;
    app.clock.set("2027-02-04T12:00:00Z".parse().unwrap());
    let host_user = login(app, &host_user).await;
    complete(app, &host_user, &reservation).await;
    Stay { guest: login(app, &guest).await, host: host_user, listing, reservation }
}

/// Moves the clock and signs the users in again.
pub async fn later(app: &App, by: Duration, users: &mut [&mut User]) {
    app.clock.advance(by);
    for u in users.iter_mut() {
        **u = login(app, u).await;
    }
}

/// A stay review body with all six categories at `rating`.
pub fn stay_review(reservation: &str, rating: i64, comment: &str) -> Value {
    json!({"reservationId": reservation, "rating": rating, "comment": comment, "privateNote": "Thanks for everything",
        "categories": {"cleanliness": rating, "accuracy": rating, "checkIn": rating, "communication": rating,
                       "location": rating, "value": rating}})
}

/// A host's review of a guest.
pub fn guest_review(reservation: &str, rating: i64) -> Value {
    json!({"reservationId": reservation, "rating": rating, "comment": "A considerate guest.",
        "categories": {"cleanliness": rating, "communication": rating, "respect": rating}})
}

/// Writes a review: (status, body).
pub async fn write(app: &TestApp, who: &User, body: &Value) -> (u16, Value) {
    let r = testkit::json(post(app, who, "/api/v1/reviews", body).await).await;
    app.drain_events().await;
    r
}

/// Writes a review that must be accepted; returns it.
pub async fn written(app: &TestApp, who: &User, body: &Value) -> Value {
    let (status, answer) = write(app, who, body).await;
    assert_eq!(status, 201, "{answer}");
    answer["data"]["review"].clone()
}

/// The events of `kind` reviews has published (its outbox), oldest first.
pub async fn events(app: &TestApp, kind: &str) -> Vec<Value> {
    let rows: Vec<(String,)> =
        platform::db::query("SELECT CAST(payload AS TEXT) FROM outbox WHERE event_type = $1 ORDER BY seq")
            .bind(kind)
            .fetch_all(app.platform.db("reviews").unwrap())
            .await
            .unwrap();
    rows.into_iter().map(|(p,)| serde_json::from_str::<Value>(&p).unwrap()["data"].clone()).collect()
}

/// Runs reviews' scheduled work as an administrator; returns `{windowsClosed, reminders}`.
pub async fn run_jobs(app: &TestApp, admin: &User) -> Value {
    let d = data(post(app, admin, "/api/v1/admin/reviews/jobs/run", &json!({})).await).await;
    app.drain_events().await;
    d
}

pub fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_else(|| panic!("{key} in {v}")).to_owned()
}

/// `n` guests who each stayed two nights at one listing of one host in March, all completed
/// (clock at April 1st, tokens fresh): (host, listing, [(guest, reservation)]).
pub async fn stays_on_one_listing(app: &App, n: usize) -> (User, String, Vec<(User, String)>) {
    let owner = host(app, "host@example.com").await;
    let listing = publish(app, &owner).await;
    let mut booked = Vec::new();
    for i in 0..n {
        let guest = register_named(app, &format!("guest{i}@example.com"), &format!("Guest{i}"), "Smith").await;
        let day = 1 + 3 * i;
        let (check_in, check_out) = (format!("2027-03-{day:02}"), format!("2027-03-{:02}", day + 2));
        let reservation = confirmed(app, &guest, &listing, &check_in, &check_out).await;
        booked.push((guest, reservation));
    }
    app.clock.set("2027-04-01T12:00:00Z".parse().unwrap());
    let owner = login(app, &owner).await;
    let mut fresh = Vec::new();
    for (guest, reservation) in booked {
        complete(app, &owner, &reservation).await;
        fresh.push((login(app, &guest).await, reservation));
    }
    (owner, listing, fresh)
}

/// Both sides review a reservation (published at once).
pub async fn both_review(app: &TestApp, guest: &User, host: &User, reservation: &str, rating: i64) -> Value {
    let review = written(app, guest, &stay_review(reservation, rating, &format!("Rated {rating}"))).await;
    written(app, host, &guest_review(reservation, 5)).await;
    review
}

/// The titles of `user`'s review notices, oldest first.
pub async fn notices(app: &TestApp, user: &User) -> Vec<String> {
    let d = data(get(app, user, "/api/v1/users/notifications?type=reviews&limit=50").await).await;
    let mut titles: Vec<String> =
        d["notifications"].as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap().to_owned()).collect();
    titles.reverse();
    titles
}
