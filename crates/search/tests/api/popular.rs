//! Popular destinations: searches naming a known city (its `city` filter or a word of `q`) and
//! confirmed bookings, per day, ranked by bookings × 10 + searches, over a window of days.

use std::time::Duration;

use kernel::Clock;

use serde_json::{Value, json};
use testkit::TestApp;

use super::support::*;

async fn popular(app: &TestApp, query: &str) -> Vec<Value> {
    let (status, body) = testkit::json(app.get(&format!("/api/v1/search/popular?{query}")).await).await;
    assert_eq!(status, 200, "{body}");
    body["data"]["destinations"].as_array().unwrap().clone()
}

fn ranked(list: &[Value]) -> Vec<(String, i64, i64, i64)> {
    list.iter()
        .map(|d| {
            let n = |k: &str| d[k].as_i64().unwrap();
            (d["city"].as_str().unwrap().to_owned(), n("bookings"), n("searches"), n("score"))
        })
        .collect()
}

fn row(city: &str, bookings: i64, searches: i64) -> (String, i64, i64, i64) {
    (city.to_owned(), bookings, searches, bookings * 10 + searches)
}

/// Waits until search knows the catalogue's places (they are recounted just after a change).
async fn places_known(app: &TestApp) {
    for _ in 0..100 {
        let (_, body) = testkit::json(app.get("/api/v1/search/suggest?q=nantes").await).await;
        if body["data"]["suggestions"][0]["type"] == "city" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the places were not counted");
}

/// booking's `booking.confirmed`, as it carries the reservation, written to `db`'s outbox.
async fn confirmed(app: &App, db: &str, event: &kernel::EventEnvelope) {
    let db = app.platform.db(db).unwrap();
    let mut tx = db.begin().await.unwrap();
    platform::events::enqueue(&mut tx, event).await.unwrap();
    tx.commit().await.unwrap();
    app.drain_events().await;
}

fn booking(app: &App, listing: &str, destination: &str) -> kernel::EventEnvelope {
    let reservation =
        json!({"id": kernel::new_id(), "listingId": listing, "status": "confirmed", "destination": destination});
    kernel::EventEnvelope::new(
        "booking.confirmed",
        kernel::new_id(),
        app.clock.now(),
        json!({"reservation": reservation}),
    )
}

#[tokio::test]
async fn searches_and_bookings_rank_destinations_over_the_window() {
    let app = spawn().await;
    let c = catalogue(&app).await;
    places_known(&app).await;
    assert_eq!(popular(&app, "").await, Vec::<Value>::new());

    for query in ["city=Paris", "city=paris&kind=stay", "q=apartment%20in%20PARIS", "q=house%20lyon"] {
        ids(&app, query).await;
    }
    // Not counted: a next page (the same search), an unknown city, no city at all.
    for query in ["city=Paris&offset=1", "city=Atlantis", "q=apartment", "sort=newest"] {
        search_raw(&app, query).await;
    }
    // A booking in Nantes, delivered twice (from two outboxes): counted once.
    let nantes = booking(&app, &c.nantes, "Nantes");
    confirmed(&app, "catalog", &nantes).await;
    confirmed(&app, "identity", &nantes).await;
    // A booking of a listing search does not have: its destination names the place.
    confirmed(&app, "catalog", &booking(&app, &kernel::new_id().to_string(), "lyon")).await;
    // Neither the listing nor the destination known: not counted.
    confirmed(&app, "catalog", &booking(&app, &kernel::new_id().to_string(), "Atlantis")).await;

    let list = popular(&app, "").await;
    assert_eq!(ranked(&list), vec![row("Lyon", 1, 1), row("Nantes", 1, 0), row("Paris", 0, 3)]);
    assert_eq!(list[0]["country"], "FR");
    assert_eq!(ranked(&popular(&app, "limit=1").await), vec![row("Lyon", 1, 1)]);

    // Thirty days on, a new search; the default window (30 days) holds only it, 90 days all.
    app.clock.advance(chrono::Duration::days(30));
    ids(&app, "city=Nantes").await;
    assert_eq!(ranked(&popular(&app, "").await), vec![row("Nantes", 0, 1)]);
    assert_eq!(
        ranked(&popular(&app, "days=31").await),
        vec![row("Lyon", 1, 1), row("Nantes", 1, 1), row("Paris", 0, 3)]
    );
    assert_eq!(ranked(&popular(&app, "days=1").await), vec![row("Nantes", 0, 1)]);
}

#[tokio::test]
async fn counted_searches_are_written_within_seconds_and_outlive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = testkit::quick_config(&dir);
    let first = testkit::spawn_config(config.clone(), contexts()).await;
    let token = host(&first, "counts@example.com").await;
    let body = stay(
        "Old port flat",
        "By the sea, a quiet and comfortable place to stay.",
        "Marseille",
        "FR",
        (43.29, 5.37),
        json!({}),
    );
    publish(&first, &token, &body).await;
    for _ in 0..100 {
        let (_, body) = testkit::json(first.get("/api/v1/search/suggest?q=marseille").await).await;
        if body["data"]["suggestions"][0]["type"] == "city" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for _ in 0..5 {
        ids(&first, "city=Marseille").await;
    }
    // Counted in memory, written at the next flush (every 2 s).
    tokio::time::sleep(search::discover::popular::FLUSH_EVERY + Duration::from_millis(1500)).await;
    first.shutdown().await.unwrap();

    let second = testkit::spawn_config(config, contexts()).await;
    assert_eq!(ranked(&popular(&second, "").await), vec![row("Marseille", 0, 5)]);
}

#[tokio::test]
async fn bad_popular_parameters_are_named() {
    let app = spawn().await;
    for (query, field) in
        [("days=0", "days"), ("days=91", "days"), ("days=week", "days"), ("limit=0", "limit"), ("limit=51", "limit")]
    {
        let (status, body) = testkit::json(app.get(&format!("/api/v1/search/popular?{query}")).await).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["code"], "validation_failed");
        assert_eq!(body["details"][0]["field"], field, "{query}: {body}");
    }
    let (status, _) = testkit::json(app.get("/api/v1/search/popular?days=90&limit=50").await).await;
    assert_eq!(status, 200);
}
