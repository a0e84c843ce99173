//! Batches: the visitor cookie, robots, dedupe (also under concurrency), per-event rejection,
//! size and count limits, rate limits.

use std::sync::Arc;

use platform::config::Limit;
use serde_json::{Value, json};
use testkit::expect_error;
use uuid::Uuid;

use crate::support::*;

const AN_HOUR_AGO: &str = "2027-01-04T22:30:00Z";

#[tokio::test]
async fn an_anonymous_visitor_who_consented_gets_a_cookie_that_is_reused() {
    let app = spawn().await;
    let boss = admin(&app, "admin@example.com").await;
    let first = event("page_view", AN_HOUR_AGO);
    let batch = json!({"events": [first, event("click", AN_HOUR_AGO)]});
    let r = track(&app, None, &[("x-analytics-consent", "granted")], &batch).await;
    let cookie = minted_cookie(&r).expect("a visitor cookie");
    let d = accepted(r).await;
    assert_eq!((d["accepted"].as_u64(), d["duplicates"].as_u64()), (Some(2), Some(0)), "{d}");
    assert_eq!(d["rejected"], json!([]));
    assert!(d.get("dropped").is_none(), "{d}");
    let visitor = d["visitorId"].as_str().unwrap().to_owned();
    assert_eq!(cookie, format!("sj_vid={visitor}; HttpOnly; SameSite=Lax; Path=/; Max-Age=31536000"));

    // The cookie comes back with the next batch (consent in the body this time): same visitor,
    // the resent event is a duplicate, no new cookie.
    let again = json!({"consent": "granted", "events": [first, event("search", AN_HOUR_AGO)]});
    let r = track(&app, None, &[("cookie", &format!("sj_vid={visitor}"))], &again).await;
    assert_eq!(minted_cookie(&r), None);
    let d = accepted(r).await;
    assert_eq!((d["accepted"].as_u64(), d["duplicates"].as_u64()), (Some(1), Some(1)), "{d}");
    assert_eq!(d["visitorId"], visitor.as_str());

    let s = summary(&app, &boss, "from=2027-01-04&to=2027-01-04").await;
    assert_eq!(s["events"], json!({"page_view": 1, "listing_view": 0, "search": 1, "click": 1}), "{s}");
    assert_eq!((s["total"].as_i64(), s["visitors"].as_i64()), (Some(3), Some(1)));
}

#[tokio::test]
async fn robots_are_dropped_and_nothing_is_kept() {
    let app = spawn().await;
    let boss = admin(&app, "admin@example.com").await;
    let batch = json!({"consent": "granted", "events": [event("page_view", AN_HOUR_AGO), event("click", AN_HOUR_AGO)]});
    for ua in ["Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "curl/8.5.0", ""] {
        let r = track(&app, None, &[("user-agent", ua)], &batch).await;
        assert_eq!(minted_cookie(&r), None, "{ua}");
        let d = accepted(r).await;
        assert_eq!((d["accepted"].as_u64(), d["dropped"].as_u64()), (Some(0), Some(2)), "{ua}: {d}");
        assert!(d.get("visitorId").is_none());
    }
    assert_eq!(summary(&app, &boss, "from=2027-01-04&to=2027-01-04").await["total"], 0);
}

#[tokio::test]
async fn a_resent_batch_is_stored_once_even_when_sent_many_times_at_once() {
    let app = spawn().await;
    let boss = admin(&app, "admin@example.com").await;
    let (_, listing) = paris_listing(&app).await;
    let visitor = Uuid::now_v7().to_string();
    let mut events: Vec<Value> = (0..4).map(|_| event("page_view", AN_HOUR_AGO)).collect();
    events.push(view(&listing, AN_HOUR_AGO));
    let batch = Arc::new(json!({"consent": "granted", "events": events}));
    let app = Arc::new(app);
    let mut sent = Vec::new();
    for _ in 0..8 {
        let (app, batch, visitor) = (app.clone(), batch.clone(), visitor.clone());
        sent.push(tokio::spawn(async move {
            accepted(track(&app, None, &[("x-visitor-id", &visitor)], &batch).await).await
        }));
    }
    let (mut stored, mut duplicates) = (0, 0);
    for answer in sent {
        let d = answer.await.unwrap();
        stored += d["accepted"].as_u64().unwrap();
        duplicates += d["duplicates"].as_u64().unwrap();
    }
    assert_eq!((stored, duplicates), (5, 35));
    let s = summary(&app, &boss, &format!("from=2027-01-04&to=2027-01-05&listingId={listing}")).await;
    assert_eq!(s["total"], 5, "{s}");
    assert_eq!(s["listings"], json!([{"listingId": listing, "views": 1}]), "one view, however often it was sent");
}

#[tokio::test]
async fn invalid_events_are_refused_one_by_one() {
    let app = spawn().await;
    let (_, listing) = paris_listing(&app).await;
    let events = json!([
        view(&listing, AN_HOUR_AGO),
        {"type": "page_view", "at": AN_HOUR_AGO},
        {"id": Uuid::now_v7(), "type": "hover", "at": "yesterday"},
        {"id": Uuid::now_v7(), "type": "listing_view", "at": AN_HOUR_AGO},
        {"id": Uuid::now_v7(), "type": "search", "at": AN_HOUR_AGO, "query": "q".repeat(201), "props": {"nested": {"a": 1}}},
        event("click", AN_HOUR_AGO),
    ]);
    let d = accepted(track(&app, None, &[("x-analytics-consent", "granted")], &json!({"events": events})).await).await;
    assert_eq!(d["accepted"], 2, "{d}");
    let rejected = d["rejected"].as_array().unwrap();
    let fields = |i: usize| -> Vec<&str> {
        rejected[i]["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect()
    };
    assert_eq!(rejected.iter().map(|r| r["index"].as_u64().unwrap()).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert_eq!(fields(0), ["id"]);
    assert_eq!(fields(1), ["type", "at"]);
    assert_eq!(fields(2), ["listingId"]);
    assert_eq!(fields(3), ["query", "props"]);
    assert!(rejected[0]["errors"][0]["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[tokio::test]
async fn what_is_not_a_batch_is_refused_whole() {
    let app = spawn().await;
    let consent = [("x-analytics-consent", "granted")];
    let hundred_and_one: Vec<Value> = (0..101).map(|_| event("page_view", AN_HOUR_AGO)).collect();
    let body =
        expect_error(track(&app, None, &consent, &json!({"events": hundred_and_one})).await, 400, "validation_failed")
            .await;
    assert_eq!(body["details"][0]["field"], "events", "{body}");
    let long = "/p".repeat(400);
    let heavy: Vec<Value> =
        (0..100).map(|_| json!({"id": Uuid::now_v7(), "type": "page_view", "at": AN_HOUR_AGO, "path": long})).collect();
    expect_error(track(&app, None, &consent, &json!({"events": heavy})).await, 413, "payload_too_large").await;
    expect_error(
        track(&app, None, &consent, &json!([event("page_view", AN_HOUR_AGO)])).await,
        400,
        "validation_failed",
    )
    .await;
    expect_error(track(&app, None, &consent, &json!({"event": []})).await, 400, "validation_failed").await;
    let raw = app
        .client
        .post(app.url("/api/v1/analytics/events"))
        .header("user-agent", BROWSER)
        .body("{\"events\": [")
        .send();
    expect_error(raw.await.unwrap(), 400, "invalid_json").await;
    let bad_visitor = [("x-visitor-id", "not-a-uuid")];
    let body =
        expect_error(track(&app, None, &bad_visitor, &json!({"events": []})).await, 400, "validation_failed").await;
    assert_eq!(body["details"][0]["field"], "X-Visitor-Id");
    let bad_consent = [("x-analytics-consent", "yes please")];
    expect_error(track(&app, None, &bad_consent, &json!({"events": []})).await, 400, "validation_failed").await;
    expect_error(track(&app, Some("not-a-token"), &consent, &json!({"events": []})).await, 401, "invalid_token").await;
}

#[tokio::test]
async fn batches_are_rate_limited_per_visitor_and_per_address() {
    let app = testkit::spawn_with(contexts(), |c| {
        c.rate_limit.enabled = true;
        c.insights.tracking_per_visitor = Limit::new(3, 60);
        c.insights.tracking_per_ip = Limit::new(5, 60);
    })
    .await;
    let batch = json!({"consent": "granted", "events": []});
    let (a, b) = (Uuid::now_v7().to_string(), Uuid::now_v7().to_string());
    for _ in 0..3 {
        accepted(track(&app, None, &[("x-visitor-id", &a)], &batch).await).await;
    }
    let refused = track(&app, None, &[("x-visitor-id", &a)], &batch).await;
    let retry: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry), "{retry}");
    expect_error(refused, 429, "rate_limited").await;
    // Another visitor behind the same address: one more batch fits the address's limit.
    accepted(track(&app, None, &[("x-visitor-id", &b)], &batch).await).await;
    expect_error(track(&app, None, &[("x-visitor-id", &b)], &batch).await, 429, "rate_limited").await;
}
