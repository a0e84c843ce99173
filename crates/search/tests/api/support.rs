//! Spawning identity + catalog + search on a controllable clock; hosts, published listings,
//! and a search helper that waits (at most one second) for the index to catch up.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;

/// The app on a manual clock (`app.clock`), dereferencing to its [`TestApp`].
pub type App = testkit::ClockedApp;

pub async fn spawn() -> App {
    testkit::spawn_clocked("2027-01-04T09:00:00Z", contexts()).await
}

/// Identity, catalog and search.
pub fn contexts() -> Vec<Arc<dyn platform::Context>> {
    vec![Arc::new(identity::Identity), Arc::new(catalog::Catalog), Arc::new(search::Search)]
}

pub async fn data(r: reqwest::Response) -> Value {
    let (status, body) = testkit::json(r).await;
    assert!((200..300).contains(&status), "{status}: {body}");
    body["data"].clone()
}

/// A signed-up provider paying in EUR; returns its access token.
pub async fn host(app: &TestApp, email: &str) -> String {
    let body = json!({"email": email, "password": "Password1!"});
    let d = data(app.post_json("/api/v1/auth/register", &body).await).await;
    let token = d["tokens"]["accessToken"].as_str().unwrap().to_owned();
    let body = json!({"displayName": "Host", "defaultCurrency": "EUR", "timezone": "Europe/Paris"});
    data(app.call(Method::POST, Some(&token), "/api/v1/providers", Some(&body)).await).await;
    token
}

/// A complete stay; `over` is merged into it (top-level keys, and `stay` keys).
pub fn stay(title: &str, description: &str, city: &str, country: &str, (lat, lng): (f64, f64), over: Value) -> Value {
    let mut v = json!({"kind": "stay", "title": title, "description": description,
        "address": {"line1": "1 Rue", "city": city, "country": country}, "location": {"lat": lat, "lng": lng},
        "cancellationPolicy": "flexible", "instantBook": false,
        "stay": {"propertyType": "apartment", "maxGuests": 2, "bedrooms": 1, "beds": 1, "bathrooms": 1,
                 "nightlyPrice": 10000, "cleaningFee": 3000, "minNights": 1, "checkInTime": "15:00", "checkOutTime": "11:00"}});
    for (k, val) in over.as_object().cloned().unwrap_or_default() {
        if k == "stay" {
            for (sk, sv) in val.as_object().cloned().unwrap_or_default() {
                v["stay"][sk] = sv;
            }
        } else {
            v[k] = val;
        }
    }
    v
}

/// Creates and publishes `body` as the host; returns the listing id (events drained).
pub async fn publish(app: &TestApp, token: &str, body: &Value) -> String {
    let listing = data(app.call(Method::POST, Some(token), "/api/v1/listings", Some(body)).await).await;
    let id = listing["listing"]["id"].as_str().unwrap().to_owned();
    data(app.call(Method::POST, Some(token), &format!("/api/v1/listings/{id}/publish"), None).await).await;
    app.drain_events().await;
    id
}

/// `GET /api/v1/search/listings?{query}` → (status, body); waits out the index's first build
/// (`503 search_warming_up`, a few milliseconds on an empty catalogue) for up to five seconds.
pub async fn search_raw(app: &TestApp, query: &str) -> (u16, Value) {
    answered(app, &format!("/api/v1/search/listings?{query}")).await
}

/// `GET path` → (status, body), once the index's first build is done (see [`search_raw`]).
pub async fn answered(app: &TestApp, path: &str) -> (u16, Value) {
    let start = Instant::now();
    loop {
        let (status, body) = testkit::json(app.get(path).await).await;
        if status != 503 || body["code"] != "search_warming_up" || start.elapsed() > Duration::from_secs(5) {
            return (status, body);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Puts `event_type` with `data` in search's own outbox and relays it: stands for another
/// context's event (booking's availability, reviews' rating).
pub async fn inject(app: &TestApp, event_type: &str, aggregate: &str, data: Value) {
    let db = app.platform.db("search").expect("search db");
    let event = kernel::EventEnvelope::new(event_type, aggregate, chrono::Utc::now(), data);
    let mut tx = db.begin().await.unwrap();
    platform::events::enqueue(&mut tx, &event).await.unwrap();
    tx.commit().await.unwrap();
    app.drain_events().await;
}

/// The ids of the hits of `query`.
pub async fn ids(app: &TestApp, query: &str) -> Vec<String> {
    let (status, body) = search_raw(app, query).await;
    assert_eq!(status, 200, "{body}");
    body["data"]["listings"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().to_owned()).collect()
}

/// Polls `query` until `ok` holds of its `data`, failing after one second: the freshness
/// promise (a change is searchable within one second of its event).
pub async fn eventually(app: &TestApp, query: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let (status, body) = search_raw(app, query).await;
        assert_eq!(status, 200, "{body}");
        if ok(&body["data"]) {
            return body["data"].clone();
        }
        assert!(start.elapsed() < Duration::from_secs(1), "not within a second: {query} → {body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn has(d: &Value, id: &str) -> bool {
    d["listings"].as_array().unwrap().iter().any(|h| h["id"] == id)
}

/// A small catalogue: a Paris apartment, a Lyon house, a Paris room (Montmartre, 4 guests,
/// instant book, wifi) and a Nantes French "appartement".
pub struct Catalogue {
    pub paris: String,
    pub lyon: String,
    pub montmartre: String,
    pub nantes: String,
}

pub async fn catalogue(app: &App) -> Catalogue {
    let token = host(app, "host@example.com").await;
    let paris = publish(
        app,
        &token,
        &stay(
            "Bright apartment in the Marais",
            "Quiet apartment, running water and a balcony.",
            "Paris",
            "FR",
            (48.857, 2.357),
            json!({"amenities": ["wifi", "kitchen"], "stay": {"nightlyPrice": 12000}}),
        ),
    )
    .await;
    app.clock.advance(chrono::Duration::minutes(1));
    let lyon = publish(
        app,
        &token,
        &stay("Family house by the river", "A large house with a garden.", "Lyon", "FR", (45.764, 4.835),
            json!({"amenities": ["kitchen", "parking"], "stay": {"maxGuests": 6, "bedrooms": 3, "nightlyPrice": 20000}})),
    )
    .await;
    app.clock.advance(chrono::Duration::minutes(1));
    let montmartre = publish(
        app,
        &token,
        &stay("Room under the roofs", "Small room near Sacré-Cœur.", "Paris", "FR", (48.886, 2.343),
            json!({"amenities": ["wifi"], "instantBook": true, "stay": {"maxGuests": 4, "bedrooms": 2, "nightlyPrice": 8000}})),
    )
    .await;
    app.clock.advance(chrono::Duration::minutes(1));
    let nantes = publish(
        app,
        &token,
        &stay(
            "Appartement lumineux",
            "Un appartement calme près de la gare.",
            "Nantes",
            "FR",
            (47.218, -1.553),
            json!({"stay": {"nightlyPrice": 9000}}),
        ),
    )
    .await;
    // Each publish drained its events; wait until the last one is searchable (by a word that
    // names no city: a search naming one would count towards popular destinations, or not,
    // depending on whether the places were recounted yet).
    eventually(app, "q=lumineux", |d| has(d, &nantes)).await;
    Catalogue { paris, lyon, montmartre, nantes }
}

/// A signed-up account made an administrator; returns its access token.
pub async fn administrator(app: &TestApp, email: &str) -> String {
    let body = json!({"email": email, "password": "Password1!"});
    let d = data(app.post_json("/api/v1/auth/register", &body).await).await;
    let id: uuid::Uuid = d["user"]["id"].as_str().unwrap().parse().unwrap();
    platform::db::query("UPDATE users SET role = 'admin' WHERE id = $1")
        .bind(id)
        .execute(app.platform.db("identity").unwrap())
        .await
        .unwrap();
    let d = data(app.post_json("/api/v1/auth/login", &body).await).await;
    d["tokens"]["accessToken"].as_str().unwrap().to_owned()
}

/// Runs an administrator's reindex from the feeds and waits for it (not an earlier build) to
/// finish; returns the status after.
pub async fn reindex(app: &TestApp, admin: &str) -> Value {
    let status = || async { data(app.call(Method::GET, Some(admin), "/api/v1/admin/search/status", None).await).await };
    let before = status().await["lastRebuild"]["startedAt"].clone();
    let r = app.call(Method::POST, Some(admin), "/api/v1/admin/search/reindex", None).await;
    assert_eq!(r.status().as_u16(), 202);
    let start = Instant::now();
    loop {
        let s = status().await;
        let last = &s["lastRebuild"];
        if !s["rebuilding"].as_bool().unwrap() && last["startedAt"] != before && last["finishedAt"].is_string() {
            return s;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "the reindex did not finish: {s}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
