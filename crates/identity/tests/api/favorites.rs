//! DreamScape's favourites and activity history: idempotent add, batches, filters, paging,
//! and strict ownership.

use serde_json::{Value, json};
use testkit::{TestApp, expect_error, json};

use crate::support::{register, spawn};

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    token: &str,
    path: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut request = app.client.request(method, app.url(&format!("/api/v1/users{path}"))).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.unwrap()
}

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let (status, body) = json(send(app, reqwest::Method::GET, token, path, None).await).await;
    assert_eq!(status, 200, "{path}: {body}");
    body["data"].clone()
}

#[tokio::test]
async fn adding_a_favourite_is_idempotent_and_listed_newest_first() {
    let app = spawn().await;
    let s = register(&app, "fay@example.com").await;
    let kyoto = json!({"itemType": "destination", "itemId": "kyoto", "itemData": {"name": "Kyoto"}});
    let (status, first) = json(send(&app, reqwest::Method::POST, &s.access, "/favorites", Some(&kyoto)).await).await;
    assert_eq!(status, 201, "{first}");
    let (status, again) = json(send(&app, reqwest::Method::POST, &s.access, "/favorites", Some(&kyoto)).await).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["data"]["favorite"]["id"], first["data"]["favorite"]["id"], "the same favourite");

    let hotel = json!({"itemType": "hotel", "itemId": "HLPAR123"});
    assert_eq!(send(&app, reqwest::Method::POST, &s.access, "/favorites", Some(&hotel)).await.status(), 201);
    let listing = json!({"itemType": "listing", "itemId": kernel::new_id().to_string()});
    assert_eq!(send(&app, reqwest::Method::POST, &s.access, "/favorites", Some(&listing)).await.status(), 201);

    let all = get(&app, &s.access, "/favorites").await;
    assert_eq!(all["pagination"]["total"], 3);
    assert_eq!(all["favorites"][2]["itemData"]["name"], "Kyoto");
    let hotels = get(&app, &s.access, "/favorites?type=hotel").await;
    assert_eq!(hotels["pagination"]["total"], 1);
    let page = get(&app, &s.access, "/favorites?limit=1&offset=1").await;
    assert_eq!(page["favorites"].as_array().unwrap().len(), 1);
    expect_error(
        send(&app, reqwest::Method::GET, &s.access, "/favorites?type=car", None).await,
        400,
        "validation_failed",
    )
    .await;
    expect_error(
        send(&app, reqwest::Method::GET, &s.access, "/favorites?limit=1000", None).await,
        400,
        "validation_failed",
    )
    .await;

    // Adding a favourite is also history.
    let history = get(&app, &s.access, "/history?type=favorite").await;
    assert_eq!(history["pagination"]["total"], 3);
}

#[tokio::test]
async fn favourites_are_validated() {
    let app = spawn().await;
    let s = register(&app, "fay@example.com").await;
    let bad = json!({"itemType": "car", "itemId": "a b", "itemData": [1]});
    let err = expect_error(
        send(&app, reqwest::Method::POST, &s.access, "/favorites", Some(&bad)).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(err["details"].as_array().unwrap().len(), 3, "{err}");
    let big = json!({"itemType": "hotel", "itemId": "x", "itemData": {"blob": "y".repeat(5000)}});
    expect_error(
        send(&app, reqwest::Method::POST, &s.access, "/favorites", Some(&big)).await,
        400,
        "validation_failed",
    )
    .await;
    let too_many: Vec<Value> = (0..101).map(|i| json!({"itemType": "hotel", "itemId": format!("h{i}")})).collect();
    let response = send(&app, reqwest::Method::POST, &s.access, "/favorites/batch", Some(&json!(too_many))).await;
    expect_error(response, 400, "validation_failed").await;
    expect_error(app.get("/api/v1/users/favorites").await, 401, "unauthorized").await;
}

#[tokio::test]
async fn batches_add_check_and_remove() {
    let app = spawn().await;
    let s = register(&app, "fay@example.com").await;
    let items = json!([
        {"itemType": "flight", "itemId": "AF123-2026-12-01"},
        {"itemType": "activity", "itemId": "louvre-tour"},
        {"itemType": "flight", "itemId": "AF123-2026-12-01"}
    ]);
    let (status, body) =
        json(send(&app, reqwest::Method::POST, &s.access, "/favorites/batch", Some(&items)).await).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["data"]["added"], 2, "duplicates in a batch are added once");

    let wrapped =
        json!({"items": [{"itemType": "activity", "itemId": "louvre-tour"}, {"itemType": "hotel", "itemId": "nope"}]});
    let (status, body) =
        json(send(&app, reqwest::Method::POST, &s.access, "/favorites/check", Some(&wrapped)).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["results"][0]["isFavorite"], true);
    assert!(body["data"]["results"][0]["favoriteId"].is_string());
    assert_eq!(body["data"]["results"][1]["isFavorite"], false);

    let (status, body) =
        json(send(&app, reqwest::Method::DELETE, &s.access, "/favorites/batch", Some(&wrapped)).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["removed"], 1);
    assert_eq!(get(&app, &s.access, "/favorites").await["pagination"]["total"], 1);
}

#[tokio::test]
async fn users_never_see_or_touch_each_others_favourites_and_history() {
    let app = spawn().await;
    let a = register(&app, "a@example.com").await;
    let b = register(&app, "b@example.com").await;
    let item = json!({"itemType": "destination", "itemId": "lisbon"});
    let (_, body) = json(send(&app, reqwest::Method::POST, &a.access, "/favorites", Some(&item)).await).await;
    let fav_id = body["data"]["favorite"]["id"].as_str().unwrap().to_owned();
    let search = json!({"type": "search", "data": {"q": "lisbon"}});
    let (_, body) = json(send(&app, reqwest::Method::POST, &a.access, "/history", Some(&search)).await).await;
    let entry_id = body["data"]["entry"]["id"].as_str().unwrap().to_owned();

    assert_eq!(get(&app, &b.access, "/favorites").await["pagination"]["total"], 0);
    assert_eq!(get(&app, &b.access, "/history").await["pagination"]["total"], 0);
    let check = json!([item]);
    let (_, body) = json(send(&app, reqwest::Method::POST, &b.access, "/favorites/check", Some(&check)).await).await;
    assert_eq!(body["data"]["results"][0]["isFavorite"], false);
    expect_error(
        send(&app, reqwest::Method::DELETE, &b.access, &format!("/favorites/{fav_id}"), None).await,
        404,
        "not_found",
    )
    .await;
    expect_error(
        send(&app, reqwest::Method::DELETE, &b.access, &format!("/history/{entry_id}"), None).await,
        404,
        "not_found",
    )
    .await;
    let (_, cleared) = json(send(&app, reqwest::Method::DELETE, &b.access, "/history", None).await).await;
    assert_eq!(cleared["data"]["deleted"], 0);

    assert_eq!(get(&app, &a.access, "/favorites").await["pagination"]["total"], 1, "A's data is intact");
    assert_eq!(
        send(&app, reqwest::Method::DELETE, &a.access, &format!("/favorites/{fav_id}"), None).await.status(),
        200
    );
    assert_eq!(
        send(&app, reqwest::Method::DELETE, &a.access, &format!("/history/{entry_id}"), None).await.status(),
        200
    );
}

#[tokio::test]
async fn history_records_searches_and_views_and_filters_them() {
    let app = spawn().await;
    let s = register(&app, "hal@example.com").await;
    let entries = [
        json!({"type": "search", "data": {"destination": "Rome", "checkIn": "2026-12-01"}}),
        json!({"type": "view", "itemType": "hotel", "itemId": "HLROM1"}),
        json!({"type": "view", "itemType": "listing", "itemId": "abc"}),
    ];
    for e in &entries {
        let (status, body) = json(send(&app, reqwest::Method::POST, &s.access, "/history", Some(e)).await).await;
        assert_eq!(status, 201, "{body}");
    }
    for bad in [
        json!({"type": "booking", "itemType": "hotel", "itemId": "x"}),
        json!({"type": "view"}),
        json!({"type": "view", "itemType": "hotel"}),
        json!({"type": "search", "data": "rome"}),
    ] {
        expect_error(
            send(&app, reqwest::Method::POST, &s.access, "/history", Some(&bad)).await,
            400,
            "validation_failed",
        )
        .await;
    }
    let all = get(&app, &s.access, "/history").await;
    assert_eq!(all["pagination"]["total"], 3);
    assert_eq!(all["history"][0]["type"], "view", "newest first");
    assert_eq!(get(&app, &s.access, "/history?type=search").await["pagination"]["total"], 1);
    let today = chrono::Utc::now().date_naive();
    assert_eq!(get(&app, &s.access, &format!("/history?from={today}&to={today}")).await["pagination"]["total"], 3);
    let tomorrow = today.succ_opt().unwrap();
    assert_eq!(get(&app, &s.access, &format!("/history?from={tomorrow}")).await["pagination"]["total"], 0);
    expect_error(
        send(&app, reqwest::Method::GET, &s.access, "/history?from=yesterday", None).await,
        400,
        "validation_failed",
    )
    .await;

    let (status, body) = json(send(&app, reqwest::Method::DELETE, &s.access, "/history?type=view", None).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["deleted"], 2);
    let (_, body) = json(send(&app, reqwest::Method::DELETE, &s.access, "/history", None).await).await;
    assert_eq!(body["data"]["deleted"], 1);
    assert_eq!(get(&app, &s.access, "/history").await["pagination"]["total"], 0);
}
