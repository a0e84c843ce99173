//! Spawning identity + catalog + insights on a manual clock; a host's published Paris listing;
//! posting batches as a browser would; reading the administrators' summary.

use std::sync::Arc;

use serde_json::{Value, json};
use testkit::TestApp;
use uuid::Uuid;

pub use testkit::accounts::{User, admin, data, get, login, post, register_named};

/// A desktop browser: tracked unless told otherwise.
pub const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
/// The clock of [`spawn`]: late evening in UTC, already the next day in Paris.
pub const NOW: &str = "2027-01-04T23:30:00Z";

pub type App = testkit::ClockedApp;

pub fn contexts() -> Vec<Arc<dyn platform::Context>> {
    vec![Arc::new(identity::Identity), Arc::new(catalog::Catalog), Arc::new(insights::Insights)]
}

pub async fn spawn() -> App {
    testkit::spawn_clocked(NOW, contexts()).await
}

/// A provider in Paris with one published listing (known to insights): (host, listing id).
pub async fn paris_listing(app: &TestApp) -> (User, String) {
    let host = register_named(app, "host@example.com", "Henri", "Hôte").await;
    let body = json!({"displayName": "Host", "defaultCurrency": "EUR", "timezone": "Europe/Paris"});
    data(post(app, &host, "/api/v1/providers", &body).await).await;
    let stay = json!({"kind": "stay", "title": "Canal flat", "description": "A bright flat on the canal, close to everything.",
        "address": {"line1": "1 Quai de Valmy", "city": "Paris", "country": "FR"}, "location": {"lat": 48.87, "lng": 2.36},
        "cancellationPolicy": "flexible", "instantBook": true,
        "stay": {"propertyType": "apartment", "maxGuests": 2, "bedrooms": 1, "beds": 1, "bathrooms": 1,
                 "nightlyPrice": 10000, "cleaningFee": 3000, "minNights": 1, "checkInTime": "15:00", "checkOutTime": "11:00"}});
    let listing = data(post(app, &host, "/api/v1/listings", &stay).await).await;
    let id = listing["listing"]["id"].as_str().unwrap().to_owned();
    let publish =
        app.call(reqwest::Method::POST, Some(&host.token), &format!("/api/v1/listings/{id}/publish"), None).await;
    data(publish).await;
    app.drain_events().await;
    (host, id)
}

/// An event of `kind` at `at` with a fresh client id.
pub fn event(kind: &str, at: &str) -> Value {
    json!({"id": Uuid::now_v7(), "type": kind, "at": at, "path": "/"})
}

pub fn view(listing: &str, at: &str) -> Value {
    json!({"id": Uuid::now_v7(), "type": "listing_view", "at": at, "listingId": listing, "path": format!("/listings/{listing}")})
}

/// `POST /api/v1/analytics/events` from a browser (unless `headers` name another
/// `User-Agent`), with a token when given.
pub async fn track(app: &TestApp, token: Option<&str>, headers: &[(&str, &str)], body: &Value) -> reqwest::Response {
    let mut request = app.client.post(app.url("/api/v1/analytics/events")).json(body);
    if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("user-agent")) {
        request = request.header("user-agent", BROWSER);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

/// The 202 answer's `data`.
pub async fn accepted(r: reqwest::Response) -> Value {
    let (status, body) = testkit::json(r).await;
    assert_eq!(status, 202, "{body}");
    body["data"].clone()
}

/// The administrators' summary for `query` (e.g. `from=2027-01-01&to=2027-01-31`).
pub async fn summary(app: &TestApp, admin: &User, query: &str) -> Value {
    data(get(app, admin, &format!("/api/v1/admin/analytics/tracked/summary?{query}")).await).await
}

/// The `sj_vid` value a response sets, if any.
pub fn minted_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("sj_vid="))
        .map(str::to_owned)
}

/// Raw rows of insights_tracked for `user` (the tests' only look behind the API: erasure).
pub async fn rows_of(app: &TestApp, user: &str) -> i64 {
    let (n,): (i64,) = platform::db::query("SELECT COUNT(*) FROM insights_tracked WHERE user_id = $1")
        .bind(user.parse::<Uuid>().unwrap())
        .fetch_one(app.platform.db("insights").unwrap())
        .await
        .unwrap();
    n
}
