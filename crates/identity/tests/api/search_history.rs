//! The search history (`/api/v1/search/history`): the caller's `SEARCHED` history entries —
//! listing searches recorded from search's `search.performed` events (idempotently) and
//! DreamScape's recorded searches alike — listed newest first, deleted one by one (only one's
//! own) or all at once (other history kept); 401 without a token.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::{TestApp, json};

use crate::favorites::send;
use crate::support::{register, spawn};

async fn call(app: &TestApp, method: Method, token: Option<&str>, path: &str) -> (u16, Value) {
    json(app.call(method, token, path, None).await).await
}

async fn searches(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let (status, body) = call(app, Method::GET, Some(token), &format!("/api/v1/search/history{query}")).await;
    assert_eq!(status, 200, "{body}");
    body["data"]["searches"].as_array().unwrap().clone()
}

/// What search publishes for a signed-in caller's listing search.
fn performed(user: &str, query: Value, at: &str) -> kernel::EventEnvelope {
    let data = json!({"userId": user, "query": query, "resultsCount": 3, "at": at});
    kernel::EventEnvelope::new("search.performed", user, chrono::Utc::now(), data)
}

async fn deliver(app: &TestApp, event: &kernel::EventEnvelope) {
    let db = app.platform.db("identity").unwrap();
    let mut tx = db.begin().await.unwrap();
    platform::events::enqueue(&mut tx, event).await.unwrap();
    tx.commit().await.unwrap();
    app.drain_events().await;
}

/// Delivers `event` again, as a redelivering relay would.
async fn redeliver(app: &TestApp, event: &kernel::EventEnvelope) {
    let db = app.platform.db("identity").unwrap();
    platform::db::query("UPDATE outbox SET published_at = NULL WHERE event_id = $1")
        .bind(event.id)
        .execute(db)
        .await
        .unwrap();
    app.drain_events().await;
}

async fn record(app: &TestApp, token: &str, entry: &Value) -> Value {
    let (status, body) = json(send(app, Method::POST, token, "/history", Some(entry)).await).await;
    assert_eq!(status, 200, "{body}");
    body["data"].clone()
}

#[tokio::test]
async fn listing_searches_and_recorded_searches_are_one_history() {
    let app = spawn().await;
    let s = register(&app, "searcher@example.com").await;
    let user = s.user_id();
    let hotel =
        json!({"actionType": "SEARCHED", "entityType": "hotel", "entityId": "search-1", "metadata": {"query": "Rome"}});
    record(&app, &s.access, &hotel).await;
    record(&app, &s.access, &json!({"actionType": "VIEWED", "entityType": "hotel", "entityId": "H1"})).await;
    let event = performed(&user, json!({"q": "loft", "city": "Paris"}), "2030-01-01T10:00:00Z");
    deliver(&app, &event).await;
    redeliver(&app, &event).await;
    // Without a usable user or query: skipped, not retried forever.
    deliver(&app, &performed("nobody", json!({"q": "x"}), "2030-01-01T10:00:00Z")).await;
    deliver(&app, &performed(&user, json!("loft"), "2030-01-01T10:00:00Z")).await;
    // An unknown user gets no history.
    deliver(&app, &performed(&kernel::new_id().to_string(), json!({"q": "x"}), "2030-01-01T10:00:00Z")).await;

    let list = searches(&app, &s.access, "").await;
    assert_eq!(list.len(), 2, "redelivery recorded once; the view is not a search: {list:?}");
    let listing = &list[0];
    assert_eq!(listing["entityType"], "search");
    assert_eq!(listing["entityId"], format!("search-{}", event.id));
    assert_eq!(listing["query"], json!({"q": "loft", "city": "Paris"}));
    assert_eq!(listing["metadata"]["resultsCount"], 3);
    assert_eq!(listing["createdAt"], "2030-01-01T10:00:00Z");
    assert_eq!((list[1]["entityType"].as_str(), list[1]["query"].as_str()), (Some("hotel"), Some("Rome")));
    assert_eq!(searches(&app, &s.access, "?limit=1").await.len(), 1);
    // The same store as the activity history.
    let (_, body) = json(send(&app, Method::GET, &s.access, "/history?actionType=SEARCHED", None).await).await;
    assert_eq!(body["data"]["pagination"]["total"], 2);

    for bad in ["?limit=0", "?limit=101", "?limit=ten"] {
        let (status, body) = call(&app, Method::GET, Some(&s.access), &format!("/api/v1/search/history{bad}")).await;
        assert_eq!((status, body["code"].as_str()), (400, Some("validation_failed")), "{bad}: {body}");
    }
}

#[tokio::test]
async fn only_ones_own_searches_are_deleted_and_clearing_keeps_other_history() {
    let app = spawn().await;
    let a = register(&app, "alice@example.com").await;
    let b = register(&app, "bob@example.com").await;
    let viewed =
        record(&app, &a.access, &json!({"actionType": "VIEWED", "entityType": "hotel", "entityId": "H1"})).await;
    for q in ["paris", "lyon", "nice"] {
        deliver(&app, &performed(&a.user_id(), json!({"q": q}), "2030-01-01T10:00:00Z")).await;
    }
    deliver(&app, &performed(&b.user_id(), json!({"q": "rome"}), "2030-01-01T10:00:00Z")).await;
    let mine = searches(&app, &a.access, "").await;
    let theirs = searches(&app, &b.access, "").await;
    assert_eq!((mine.len(), theirs.len()), (3, 1));

    let path = |id: &Value| format!("/api/v1/search/history/{}", id.as_str().unwrap());
    // Another user's search, a history entry that is not a search, nonsense: the same 404.
    for target in [&theirs[0]["id"], &viewed["id"], &json!("not-an-id"), &json!(kernel::new_id().to_string())] {
        let (status, body) = call(&app, Method::DELETE, Some(&a.access), &path(target)).await;
        assert_eq!((status, body["code"].as_str()), (404, Some("not_found")), "{target}: {body}");
    }
    assert_eq!(searches(&app, &b.access, "").await.len(), 1);
    let (status, _) = call(&app, Method::DELETE, Some(&a.access), &path(&mine[0]["id"])).await;
    assert_eq!(status, 200);
    assert_eq!(searches(&app, &a.access, "").await.len(), 2);

    let (status, body) = call(&app, Method::DELETE, Some(&a.access), "/api/v1/search/history").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["deletedCount"], 2);
    assert_eq!(searches(&app, &a.access, "").await, Vec::<Value>::new());
    // The view is still in the activity history; the other user's search is still theirs.
    let (_, body) = json(send(&app, Method::GET, &a.access, "/history", None).await).await;
    assert_eq!(body["data"]["items"][0]["id"], viewed["id"]);
    assert_eq!(body["data"]["pagination"]["total"], 1);
    assert_eq!(searches(&app, &b.access, "").await.len(), 1);
}

#[tokio::test]
async fn the_search_history_needs_a_token() {
    let app = spawn().await;
    for (method, path) in [
        (Method::GET, "/api/v1/search/history"),
        (Method::DELETE, "/api/v1/search/history"),
        (Method::DELETE, &format!("/api/v1/search/history/{}", kernel::new_id()) as &str),
    ] {
        let (status, body) = call(&app, method.clone(), None, path).await;
        assert_eq!(status, 401, "{method} {path}: {body}");
        let (status, _) = call(&app, method.clone(), Some("not-a-token"), path).await;
        assert_eq!(status, 401, "{method} {path} with a bad token");
    }
}
