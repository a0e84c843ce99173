//! A signed-in caller's listing searches land in their history (identity's store, read through
//! `/api/v1/search/history`); anonymous searches, repeats within a minute and next pages do not.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;

use super::support::*;

async fn history(app: &TestApp, token: &str) -> Vec<Value> {
    let d = data(app.call(Method::GET, Some(token), "/api/v1/search/history", None).await).await;
    d["searches"].as_array().unwrap().clone()
}

/// Drains events until the caller's history has `n` searches (the event is written just after
/// the search answers), failing after two seconds; then checks it stays at `n`.
async fn history_reaches(app: &TestApp, token: &str, n: usize) -> Vec<Value> {
    let start = Instant::now();
    loop {
        app.drain_events().await;
        let list = history(app, token).await;
        if list.len() >= n {
            assert_eq!(list.len(), n, "{list:?}");
            return list;
        }
        assert!(start.elapsed() < Duration::from_secs(2), "{} of {n} searches: {list:?}", list.len());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn searched(app: &TestApp, token: Option<&str>, query: &str) {
    let r = app.call(Method::GET, token, &format!("/api/v1/search/listings?{query}"), None).await;
    assert_eq!(r.status(), 200);
}

/// `search.performed` events written to search's outbox.
async fn published(app: &TestApp) -> i64 {
    let db = app.platform.db("search").unwrap();
    let (n,): (i64,) = platform::db::query("SELECT COUNT(*) FROM outbox WHERE event_type = 'search.performed'")
        .fetch_one(db)
        .await
        .unwrap();
    n
}

#[tokio::test]
async fn a_signed_in_search_lands_in_the_history_and_an_anonymous_one_does_not() {
    let app = spawn().await;
    catalogue(&app).await;
    let token = host(&app, "seeker@example.com").await;
    let other = host(&app, "other@example.com").await;

    searched(&app, None, "q=lyon").await;
    searched(&app, Some(&token), "q=apartment&city=Paris&guests=2&sort=price_asc&limit=5").await;
    let list = history_reaches(&app, &token, 1).await;
    let entry = &list[0];
    assert_eq!(entry["entityType"], "search");
    assert!(entry["entityId"].as_str().unwrap().starts_with("search-"), "{entry}");
    // Only what was given, paging and sort left out.
    assert_eq!(entry["query"], json!({"q": "apartment", "city": "Paris", "guests": 2}));
    assert_eq!(entry["metadata"]["resultsCount"], 1);
    assert_eq!(published(&app).await, 1, "the anonymous search was not published");

    // The same query again within a minute (typing, paging) is not a new entry; a minute on it is.
    searched(&app, Some(&token), "q=apartment&city=Paris&guests=2").await;
    searched(&app, Some(&token), "q=apartment&city=Paris&guests=2&offset=1").await;
    searched(&app, Some(&token), "").await;
    app.clock.advance(chrono::Duration::seconds(61));
    searched(&app, Some(&token), "q=apartment&city=Paris&guests=2").await;
    let list = history_reaches(&app, &token, 2).await;
    assert_eq!(list[0]["query"], list[1]["query"]);
    assert_eq!(published(&app).await, 2);

    // The one store: the activity history shows it too; another user sees none of it.
    let d = data(app.call(Method::GET, Some(&token), "/api/v1/users/history?actionType=SEARCHED", None).await).await;
    assert_eq!(d["pagination"]["total"], 2);
    assert_eq!(history(&app, &other).await, Vec::<Value>::new());
}
