//! Discovery through HTTP: as-you-type suggestions (cities, countries, titles; accents, case,
//! multi-word prefixes, ranking, escaping), popular destinations (searches counted in memory,
//! bookings from `booking.confirmed`, the day window) and the signed-in caller's search
//! history, which lands in identity's store.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;

use super::support::*;

async fn suggest_raw(app: &TestApp, query: &str) -> (u16, Value) {
    answered(app, &format!("/api/v1/search/suggest?{query}")).await
}

/// Polls suggest until `ok` holds of its suggestions (places are recounted just after a change).
async fn suggest_until(app: &TestApp, query: &str, ok: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let (status, body) = suggest_raw(app, query).await;
        assert_eq!(status, 200, "{body}");
        let list = body["data"]["suggestions"].as_array().unwrap().clone();
        if ok(&list) {
            return list;
        }
        assert!(start.elapsed() < Duration::from_secs(2), "not within two seconds: {query} → {body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn texts(list: &[Value]) -> Vec<(String, String)> {
    list.iter().map(|s| (s["type"].as_str().unwrap().to_owned(), s["text"].as_str().unwrap().to_owned())).collect()
}

fn pair(kind: &str, text: &str) -> (String, String) {
    (kind.to_owned(), text.to_owned())
}

/// The catalogue plus a few titles and places suggestions are about.
struct More {
    princes: String,
    soho: String,
}

async fn more(app: &App) -> More {
    let token = host(app, "more@example.com").await;
    let princes = publish(
        app,
        &token,
        &stay(
            "Parc des Princes loft & terrace",
            "Near the stadium, a quiet and comfortable place to stay.",
            "Paris",
            "FR",
            (48.84, 2.25),
            json!({}),
        ),
    )
    .await;
    let soho = publish(
        app,
        &token,
        &stay(
            "Loft in SoHo",
            "Downtown, a quiet and comfortable place to stay.",
            "New York",
            "US",
            (40.72, -74.0),
            json!({}),
        ),
    )
    .await;
    publish(
        app,
        &token,
        &stay(
            "Roomy barn",
            "Lots of room, a quiet and comfortable place to stay.",
            "Lyon",
            "FR",
            (45.7, 4.8),
            json!({}),
        ),
    )
    .await;
    publish(
        app,
        &token,
        &stay(
            "Île-de-France cottage",
            "Green, a quiet and comfortable place to stay.",
            "Versailles",
            "FR",
            (48.8, 2.13),
            json!({}),
        ),
    )
    .await;
    More { princes, soho }
}

#[tokio::test]
async fn suggestions_are_cities_then_countries_then_titles() {
    let app = spawn().await;
    catalogue(&app).await;
    let m = more(&app).await;
    // Paris has three listings now; the city comes first, then titles with a word starting "par".
    let list = suggest_until(&app, "q=par", |l| l.first().is_some_and(|s| s["count"] == 3)).await;
    assert_eq!(
        list[0],
        json!({"type": "city", "text": "Paris", "country": "FR", "count": 3, "highlight": "<em>Par</em>is"})
    );
    assert_eq!(texts(&list[1..]), vec![pair("listing", "Parc des Princes loft & terrace")]);
    assert_eq!(list[1]["listingId"], m.princes.as_str());
    assert_eq!(list[1]["city"], "Paris");
    assert_eq!(list[1]["highlight"], "<em>Par</em>c des Princes loft &amp; terrace");

    // Accents and case are ignored, and kept in the highlight.
    let list = suggest_until(&app, "q=ILE", |l| !l.is_empty()).await;
    assert_eq!(texts(&list), vec![pair("listing", "Île-de-France cottage")]);
    assert_eq!(list[0]["highlight"], "<em>Île</em>-de-France cottage");
    // Several words: complete ones, then a prefix.
    let list = suggest_until(&app, "q=new%20yo", |l| !l.is_empty()).await;
    assert_eq!(list[0]["highlight"], "<em>New</em> <em>Yo</em>rk");
    assert_eq!(texts(&list), vec![pair("city", "New York")]);
    assert_eq!(texts(&suggest_until(&app, "q=ne%20york", |_| true).await), vec![], "`ne` is not a complete word");
    // Countries by name, with their listing counts.
    let list = suggest_until(&app, "q=fra", |l| !l.is_empty()).await;
    assert_eq!(
        list[0],
        json!({"type": "country", "text": "France", "country": "FR", "count": 7, "highlight": "<em>Fra</em>nce"})
    );
    assert_eq!(texts(&list[1..]), vec![pair("listing", "Île-de-France cottage")]);
    let list = suggest_until(&app, "q=united%20st", |l| !l.is_empty()).await;
    assert_eq!(list[0]["country"], "US");

    // Titles: a whole-word match first, then shorter, then newer.
    let list = suggest_until(&app, "q=room", |l| l.len() == 2).await;
    assert_eq!(texts(&list), vec![pair("listing", "Room under the roofs"), pair("listing", "Roomy barn")]);
    let list = suggest_until(&app, "q=lof", |l| l.len() == 2).await;
    assert_eq!(list[0]["listingId"], m.soho.as_str(), "shorter first: {list:?}");
    assert_eq!(suggest_until(&app, "q=lof&limit=1", |_| true).await.len(), 1);
    assert_eq!(suggest_until(&app, "q=zzz", |_| true).await, Vec::<Value>::new());
}

#[tokio::test]
async fn suggestions_follow_the_index() {
    let app = spawn().await;
    let token = host(&app, "follow@example.com").await;
    let body = stay(
        "Lagoon bungalow",
        "Over the water, a quiet and comfortable place to stay.",
        "Bora Bora",
        "PF",
        (-16.5, -151.7),
        json!({}),
    );
    let id = publish(&app, &token, &body).await;
    suggest_until(&app, "q=bora%20b", |l| texts(l) == vec![pair("city", "Bora Bora")]).await;
    suggest_until(&app, "q=lag", |l| l.first().is_some_and(|s| s["listingId"] == id.as_str())).await;
    data(app.call(Method::POST, Some(&token), &format!("/api/v1/listings/{id}/unpublish"), None).await).await;
    app.drain_events().await;
    suggest_until(&app, "q=lag", <[Value]>::is_empty).await;
    suggest_until(&app, "q=bora", <[Value]>::is_empty).await;
}

#[tokio::test]
async fn bad_suggest_parameters_are_named() {
    let app = spawn().await;
    for (query, field) in [
        ("", "q"),
        ("q=", "q"),
        ("q=%20%20", "q"),
        (&format!("q={}", "a".repeat(101)) as &str, "q"),
        ("q=a&limit=0", "limit"),
        ("q=a&limit=21", "limit"),
        ("q=a&limit=many", "limit"),
    ] {
        let (status, body) = suggest_raw(&app, query).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["code"], "validation_failed");
        assert_eq!(body["details"][0]["field"], field, "{query}: {body}");
    }
    let (status, _) = suggest_raw(&app, &format!("q={}", "a".repeat(100))).await;
    assert_eq!(status, 200);
    for q in ["*", "%22", "(", "a%20AND", "~2"] {
        let (status, body) = suggest_raw(&app, &format!("q={q}")).await;
        assert_eq!(status, 200, "{q}: {body}");
    }
}
