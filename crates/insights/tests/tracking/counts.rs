//! What tracking counts: listing views by the listing's local day and hour, server-side
//! searches by UTC day; the raw events' retention; who may read the summary.

use chrono::Duration;
use serde_json::json;
use testkit::expect_error;
use uuid::Uuid;

use crate::support::*;

#[tokio::test]
async fn views_land_on_the_listings_local_day_and_hour() {
    let app = spawn().await;
    let boss = admin(&app, "admin@example.com").await;
    let (_, paris) = paris_listing(&app).await;
    let unknown = Uuid::now_v7().to_string();
    // 23:20 UTC is 00:20 the next day in Paris. A time three days old is not believed: it
    // counts at the server's time (23:30 UTC). A listing insights does not know counts in UTC.
    let events = json!([
        view(&paris, "2027-01-04T23:20:00Z"),
        view(&paris, "2027-01-01T10:00:00Z"),
        view(&paris, "2027-01-04T21:59:00Z"),
        view(&unknown, "2027-01-04T23:20:00Z")
    ]);
    let d = accepted(track(&app, None, &[("x-analytics-consent", "granted")], &json!({"events": events})).await).await;
    assert_eq!(d["accepted"], 4, "{d}");

    let s = summary(&app, &boss, &format!("from=2027-01-04&to=2027-01-05&listingId={paris}")).await;
    assert_eq!(
        s["hours"],
        json!([{"day": "2027-01-04", "hour": 22, "views": 1}, {"day": "2027-01-05", "hour": 0, "views": 2}]),
        "{s}"
    );
    let s = summary(&app, &boss, &format!("from=2027-01-04&to=2027-01-04&listingId={unknown}")).await;
    assert_eq!(s["hours"], json!([{"day": "2027-01-04", "hour": 23, "views": 1}]), "{s}");
    let s = summary(&app, &boss, "from=2027-01-05&to=2027-01-05").await;
    assert_eq!(s["listings"], json!([{"listingId": paris, "views": 2}]), "only Paris's local Jan 5th: {s}");
    assert!(s.get("hours").is_none());
}

/// Stands in for search: a `search.counted` event as a search instance's flush publishes it.
async fn counted(app: &App, days: serde_json::Value) {
    let data = json!({ "days": days });
    let event = kernel::EventEnvelope::new("search.counted", Uuid::now_v7(), chrono::Utc::now(), data);
    let db = app.platform.db("identity").unwrap();
    let mut tx = db.begin().await.unwrap();
    platform::events::enqueue(&mut tx, &event).await.unwrap();
    tx.commit().await.unwrap();
    app.drain_events().await;
}

#[tokio::test]
async fn searches_are_counted_from_search_counts_not_tracked_ones() {
    let app = spawn().await;
    let boss = admin(&app, "admin@example.com").await;
    counted(&app, json!([{"day": "2027-01-03", "searches": 1}, {"day": "2027-01-04", "searches": 2}])).await;
    // A malformed day is skipped, the rest counts.
    counted(&app, json!([{"day": "yesterday", "searches": 5}, {"day": "2027-01-04", "searches": -3}])).await;
    let tracked = json!({"consent": "granted", "events": [event("search", "2027-01-04T22:00:00Z")]});
    accepted(track(&app, None, &[], &tracked).await).await;
    let s = summary(&app, &boss, "from=2027-01-04&to=2027-01-04").await;
    assert_eq!((s["searches"].as_i64(), s["events"]["search"].as_i64()), (Some(2), Some(1)), "{s}");
    assert_eq!(summary(&app, &boss, "from=2027-01-03&to=2027-01-04").await["searches"], 3);
}

/// The real search and travel contexts: anonymous and signed-in searches count, listings and
/// flights and hotels alike; next pages and a signed-in caller's history event do not count.
#[tokio::test]
async fn every_first_page_search_counts_signed_in_or_not() {
    let mut all = contexts();
    all.push(std::sync::Arc::new(search::Search));
    all.push(std::sync::Arc::new(travel::Travel));
    let app = testkit::spawn_clocked(NOW, all).await;
    let boss = admin(&app, "admin@example.com").await;
    let guest = register_named(&app, "gina@example.com", "Gina", "Guest").await;
    // The index's first build answers `503 search_warming_up` for a moment; a next page
    // (not counted) waits it out.
    let warm = std::time::Instant::now();
    while app.get("/api/v1/search/listings?offset=20").await.status() == 503 {
        assert!(warm.elapsed() < std::time::Duration::from_secs(10), "search never warmed up");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    for path in ["/api/v1/search/listings?city=Paris", "/api/v1/search/listings?q=canal", "/api/v1/search/listings"] {
        assert_eq!(app.get(path).await.status(), 200, "{path}");
    }
    assert_eq!(get(&app, &guest, "/api/v1/search/listings?city=Lyon").await.status(), 200);
    assert_eq!(app.get("/api/v1/search/listings?city=Paris&offset=20").await.status(), 200, "a next page");
    let flights = "/api/v1/flights/search?originLocationCode=PAR&destinationLocationCode=NYC&departureDate=2027-03-10";
    let hotels = "/api/v1/hotels/search?cityCode=NYC&checkInDate=2027-03-10&checkOutDate=2027-03-12";
    assert_eq!(app.get(flights).await.status(), 200);
    assert_eq!(app.get(hotels).await.status(), 200);
    assert_eq!(app.get(&format!("{hotels}&page=2")).await.status(), 200, "a next page");
    assert_eq!(app.get("/api/v1/flights/search?originLocationCode=PAR").await.status(), 400, "not a search");
    // Search flushes its counts about every 2 seconds.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        app.drain_events().await;
        let s = summary(&app, &boss, "from=2027-01-04&to=2027-01-04").await;
        if s["searches"] == 6 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "searches never reached 6: {s}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    app.drain_events().await;
    assert_eq!(summary(&app, &boss, "from=2027-01-04&to=2027-01-04").await["searches"], 6, "nothing more");
}

async fn run_jobs(app: &App, admin: &User) -> serde_json::Value {
    data(post(app, admin, "/api/v1/admin/analytics/jobs/run", &json!({})).await).await
}

#[tokio::test]
async fn raw_events_expire_after_the_retention_and_view_counts_stay() {
    let app = spawn().await;
    let (_, paris) = paris_listing(&app).await;
    let events = json!([view(&paris, "2027-01-04T23:00:00Z"), event("page_view", "2027-01-04T23:00:00Z")]);
    accepted(track(&app, None, &[("x-analytics-consent", "granted")], &json!({"events": events})).await).await;
    let boss = admin(&app, "admin@example.com").await;
    assert_eq!(run_jobs(&app, &boss).await["purged"], 0, "still within 90 days");

    app.clock.advance(Duration::days(90) + Duration::minutes(1));
    let boss = login(&app, &boss).await;
    assert_eq!(run_jobs(&app, &boss).await["purged"], 2);
    let s = summary(&app, &boss, "from=2027-01-04&to=2027-01-05").await;
    assert_eq!((s["total"].as_i64(), &s["listings"][0]["views"]), (Some(0), &json!(1)), "{s}");
}

#[tokio::test]
async fn only_administrators_read_the_summary_and_periods_are_checked() {
    let app = spawn().await;
    let gina = register_named(&app, "gina@example.com", "Gina", "Guest").await;
    let boss = admin(&app, "admin@example.com").await;
    let path = "/api/v1/admin/analytics/tracked/summary";
    expect_error(app.get(path).await, 401, "unauthorized").await;
    expect_error(get(&app, &gina, path).await, 403, "forbidden").await;
    expect_error(post(&app, &gina, "/api/v1/admin/analytics/jobs/run", &json!({})).await, 403, "forbidden").await;
    for (query, field) in [
        ("from=2027-02-01&to=2027-01-01", "from"),
        ("from=2024-01-01&to=2026-01-01", "to"),
        ("from=01/01/2027", "from"),
        ("listingId=42", "listingId"),
    ] {
        let body = expect_error(get(&app, &boss, &format!("{path}?{query}")).await, 400, "validation_failed").await;
        assert_eq!(body["details"][0]["field"], field, "{query}: {body}");
    }
    let s = summary(&app, &boss, "").await;
    assert_eq!((s["from"].as_str(), s["to"].as_str()), (Some("2026-12-06"), Some("2027-01-04")), "the last 30 days");
}
