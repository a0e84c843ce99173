//! Favourites as DreamScape's web client uses them (U16–U19: list with the header badge's
//! `limit=0`, add with free `entityData`, 409 on a duplicate, top-level `results` of
//! check-batch), DreamScape's other favourite routes, strict ownership, and our batch routes
//! on the same rows.

use serde_json::{Value, json};
use testkit::{TestApp, expect_error, json};

use crate::support::{register, spawn};

pub async fn send(
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

async fn body(app: &TestApp, method: reqwest::Method, token: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    json(send(app, method, token, path, body).await).await
}

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let (status, body) = body(app, reqwest::Method::GET, token, path, None).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

fn hotel() -> Value {
    json!({"entityType": "HOTEL", "entityId": "HLPAR123", "entityData": {
        "name": "Hôtel du Canal", "location": "Paris", "rating": 4.5, "pricePerNight": 180, "currency": "EUR",
        "imageUrl": "https://img.example/canal.jpg", "amenities": ["wifi", "breakfast"]}})
}

#[tokio::test]
async fn favourites_as_the_web_client_uses_them() {
    let app = spawn().await;
    let s = register(&app, "fay@example.com").await;
    let badge = get(&app, &s.access, "/favorites?limit=0").await;
    assert_eq!((badge["success"].as_bool(), badge["total"].as_i64()), (Some(true), Some(0)), "{badge}");
    assert_eq!(badge["data"], json!([]));

    // U17: every shape the client sends.
    let (status, added) = body(&app, reqwest::Method::POST, &s.access, "/favorites", Some(&hotel())).await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["message"], "Favorite added successfully");
    let hotel_id = added["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(added["data"]["entityType"], "HOTEL");
    assert_eq!(added["data"]["entityData"], hotel()["entityData"], "stored verbatim");
    assert_eq!(added["data"]["user"]["email"], "fay@example.com");
    assert_eq!(added["data"]["userId"], s.user["id"]);
    let (status, again) = body(&app, reqwest::Method::POST, &s.access, "/favorites", Some(&hotel())).await;
    assert_eq!(status, 409, "a duplicate: {again}");
    assert_eq!(again["error"], "This item is already in your favorites");
    for other in [
        json!({"entityType": "DESTINATION", "entityId": "kyoto", "entityData": {"title": "Kyoto", "description": "Temples", "image": "https://img.example/k.jpg"}}),
        json!({"entityType": "ACTIVITY", "entityId": "louvre-tour", "entityData": {"title": "Louvre", "location": "Paris",
            "description": "Guided", "price": 65, "currency": "EUR", "duration": "3h", "imageUrl": "https://img.example/l.jpg"}}),
        json!({"entityType": "FLIGHT", "entityId": "AF006-2026-12-01", "entityData": {"title": "Paris → New York",
            "flightNumber": "AF006", "airline": "Air France", "origin": "CDG", "destination": "JFK",
            "departureTime": "2026-12-01T10:30:00", "arrivalTime": "2026-12-01T13:05:00", "price": 540.5, "currency": "EUR"}}),
    ] {
        let (status, b) = body(&app, reqwest::Method::POST, &s.access, "/favorites", Some(&other)).await;
        assert_eq!(status, 201, "{b}");
    }

    // U16: the header badge reads a top-level total; the page reads data[].
    let badge = get(&app, &s.access, "/favorites?limit=0").await;
    assert_eq!(badge["total"], 4);
    assert_eq!(badge["data"].as_array().unwrap().len(), 4, "limit=0 means the default page");
    assert_eq!(badge["pagination"], json!({"total": 4, "limit": 20, "offset": 0, "hasMore": false}));
    assert_eq!(badge["data"][0]["entityType"], "FLIGHT", "newest first");
    assert_eq!(badge["data"][0]["entityData"]["destination"], "JFK");
    let page = get(&app, &s.access, "/favorites?limit=2&offset=1").await;
    assert_eq!(page["data"].as_array().unwrap().len(), 2);
    assert_eq!(page["pagination"]["hasMore"], true);
    let hotels = get(&app, &s.access, "/favorites?entityType=HOTEL").await;
    assert_eq!((hotels["total"].as_i64(), hotels["data"][0]["id"].as_str()), (Some(1), Some(hotel_id.as_str())));
    let (status, bad) = body(&app, reqwest::Method::GET, &s.access, "/favorites?entityType=hotel", None).await;
    assert_eq!(status, 400, "DreamScape's types are upper case: {bad}");
    assert!(bad["error"].as_str().unwrap().starts_with("Invalid entity type"), "{bad}");

    // U19: one result per item, in order, top level.
    let check = json!({"items": [{"entityType": "HOTEL", "entityId": "HLPAR123"}, {"entityType": "FLIGHT", "entityId": "nope"},
        {"entityType": "DESTINATION", "entityId": "kyoto"}]});
    let (status, checked) = body(&app, reqwest::Method::POST, &s.access, "/favorites/check-batch", Some(&check)).await;
    assert_eq!(status, 200, "{checked}");
    let results = checked["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(
        (results[0]["isFavorited"].as_bool(), results[0]["favorite"]["id"].as_str()),
        (Some(true), Some(hotel_id.as_str()))
    );
    assert!(results[0]["favorite"]["createdAt"].is_string());
    assert_eq!((results[1]["entityId"].as_str(), results[1]["isFavorited"].as_bool()), (Some("nope"), Some(false)));
    assert_eq!(results[1]["favorite"], Value::Null);
    assert_eq!(results[2]["isFavorited"], true);
    let (_, empty) =
        body(&app, reqwest::Method::POST, &s.access, "/favorites/check-batch", Some(&json!({"items": []}))).await;
    assert_eq!(empty["results"], json!([]));

    // The single check, get, update and delete.
    let one = get(&app, &s.access, "/favorites/check/HOTEL/HLPAR123").await;
    assert_eq!((one["isFavorited"].as_bool(), one["favorite"]["id"].as_str()), (Some(true), Some(hotel_id.as_str())));
    assert_eq!(get(&app, &s.access, "/favorites/check/FLIGHT/nope").await["favorite"], Value::Null);
    expect_error(
        send(&app, reqwest::Method::GET, &s.access, "/favorites/check/hotel/HLPAR123", None).await,
        400,
        "validation_failed",
    )
    .await;
    let path = format!("/favorites/{hotel_id}");
    assert_eq!(get(&app, &s.access, &path).await["data"]["entityId"], "HLPAR123");
    let (status, updated) = body(
        &app,
        reqwest::Method::PUT,
        &s.access,
        &path,
        Some(&json!({"category": "Summer", "notes": "Book early", "entityId": "x"})),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["message"], "Favorite updated successfully");
    assert_eq!(
        (updated["data"]["category"].as_str(), updated["data"]["entityId"].as_str()),
        (Some("Summer"), Some("HLPAR123"))
    );
    let (_, cleared) = body(&app, reqwest::Method::PUT, &s.access, &path, Some(&json!({"category": null}))).await;
    assert_eq!(
        (cleared["data"]["category"].clone(), cleared["data"]["notes"].as_str()),
        (Value::Null, Some("Book early"))
    );
    let (status, none) =
        body(&app, reqwest::Method::PUT, &s.access, &path, Some(&json!({"entityType": "FLIGHT"}))).await;
    assert_eq!((status, none["error"].as_str()), (400, Some("No valid fields to update")));
    let (status, _) = body(&app, reqwest::Method::PUT, &s.access, &path, Some(&json!({"notes": 5}))).await;
    assert_eq!(status, 400);
    let (status, deleted) = body(&app, reqwest::Method::DELETE, &s.access, &path, None).await;
    assert_eq!((status, deleted["message"].as_str()), (200, Some("Favorite deleted successfully")));
    expect_error(send(&app, reqwest::Method::DELETE, &s.access, &path, None).await, 404, "not_found").await;
    assert_eq!(get(&app, &s.access, "/favorites?limit=0").await["total"], 3);

    // Adding a favourite is also history.
    let history = get(&app, &s.access, "/history?actionType=FAVORITED").await;
    assert_eq!(history["data"]["pagination"]["total"], 4);
}

#[tokio::test]
async fn favourites_are_validated() {
    let app = spawn().await;
    let s = register(&app, "fay@example.com").await;
    let (status, err) = body(
        &app,
        reqwest::Method::POST,
        &s.access,
        "/favorites",
        Some(&json!({"entityType": "CAR", "entityId": " "})),
    )
    .await;
    assert_eq!(status, 400);
    let message = err["error"].as_str().unwrap();
    assert!(
        message.starts_with("Invalid entity type") && message.contains(", Entity ID"),
        "all messages joined: {message}"
    );
    for bad in [
        json!({"entityType": "HOTEL"}),
        json!({"entityType": "HOTEL", "entityId": 5}),
        json!({"entityType": "HOTEL", "entityId": "x", "entityData": {"blob": "y".repeat(17_000)}}),
        json!({"entityType": "HOTEL", "entityId": "x", "category": "c".repeat(51)}),
        json!({"entityType": "HOTEL", "entityId": "x", "notes": 7}),
        json!({"entityType": "HOTEL", "entityId": "i".repeat(201)}),
    ] {
        let (status, err) = body(&app, reqwest::Method::POST, &s.access, "/favorites", Some(&bad)).await;
        assert_eq!(status, 400, "{bad}: {err}");
    }
    let too_many: Vec<Value> = (0..101).map(|i| json!({"entityType": "HOTEL", "entityId": format!("h{i}")})).collect();
    let (status, err) =
        body(&app, reqwest::Method::POST, &s.access, "/favorites/check-batch", Some(&json!({"items": too_many}))).await;
    assert_eq!((status, err["error"].as_str()), (400, Some("Maximum 100 items allowed per batch request")));
    let (status, _) = body(&app, reqwest::Method::POST, &s.access, "/favorites/check-batch", Some(&json!({}))).await;
    assert_eq!(status, 400, "items is required");
    let (status, err) = body(
        &app,
        reqwest::Method::POST,
        &s.access,
        "/favorites/check-batch",
        Some(&json!({"items": [{"entityType": "HOTEL", "entityId": "a"}, {"entityType": "hotel", "entityId": "b"}]})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["details"][0]["field"], "items[1].entityType", "{err}");
    for path in ["/favorites?limit=-1", "/favorites?limit=abc", "/favorites?offset=100001", "/favorites?limit=1001"] {
        assert_eq!(send(&app, reqwest::Method::GET, &s.access, path, None).await.status(), 400, "{path}");
    }
    assert_eq!(
        get(&app, &s.access, "/favorites?limit=1000").await["pagination"]["limit"],
        100,
        "clamped as DreamScape does"
    );
    expect_error(app.get("/api/v1/users/favorites").await, 401, "unauthorized").await;
}

#[tokio::test]
async fn users_never_see_or_touch_each_others_favourites() {
    let app = spawn().await;
    let a = register(&app, "a@example.com").await;
    let b = register(&app, "b@example.com").await;
    let item = json!({"entityType": "DESTINATION", "entityId": "lisbon"});
    let (_, added) = body(&app, reqwest::Method::POST, &a.access, "/favorites", Some(&item)).await;
    let path = format!("/favorites/{}", added["data"]["id"].as_str().unwrap());

    assert_eq!(get(&app, &b.access, "/favorites").await["total"], 0);
    let (_, checked) =
        body(&app, reqwest::Method::POST, &b.access, "/favorites/check-batch", Some(&json!({"items": [item]}))).await;
    assert_eq!(checked["results"][0]["isFavorited"], false);
    expect_error(send(&app, reqwest::Method::GET, &b.access, &path, None).await, 403, "forbidden").await;
    let update = json!({"notes": "mine now"});
    expect_error(send(&app, reqwest::Method::PUT, &b.access, &path, Some(&update)).await, 403, "forbidden").await;
    expect_error(send(&app, reqwest::Method::DELETE, &b.access, &path, None).await, 403, "forbidden").await;
    // Ownership is checked before the body, as DreamScape does.
    expect_error(send(&app, reqwest::Method::PUT, &b.access, &path, Some(&json!({}))).await, 403, "forbidden").await;
    let unknown = format!("/favorites/{}", kernel::new_id());
    expect_error(send(&app, reqwest::Method::GET, &b.access, &unknown, None).await, 404, "not_found").await;
    expect_error(send(&app, reqwest::Method::DELETE, &b.access, "/favorites/not-an-id", None).await, 404, "not_found")
        .await;

    assert_eq!(get(&app, &a.access, &path).await["data"]["notes"], Value::Null, "A's favourite is intact");
    assert_eq!(send(&app, reqwest::Method::DELETE, &a.access, &path, None).await.status(), 200);
}

#[tokio::test]
async fn our_batches_work_on_the_same_favourites() {
    let app = spawn().await;
    let s = register(&app, "fay@example.com").await;
    let items = json!([
        {"itemType": "flight", "itemId": "AF123-2026-12-01"},
        {"itemType": "activity", "itemId": "louvre-tour"},
        {"itemType": "listing", "itemId": "loft-1", "itemData": {"name": "Loft"}},
        {"itemType": "flight", "itemId": "AF123-2026-12-01"}
    ]);
    let (status, saved) = body(&app, reqwest::Method::POST, &s.access, "/favorites/batch", Some(&items)).await;
    assert_eq!(status, 201, "{saved}");
    assert_eq!(saved["data"]["added"], 3, "duplicates in a batch are added once");
    assert_eq!(saved["data"]["favorites"][0]["itemType"], "flight");
    let (status, _) = body(&app, reqwest::Method::POST, &s.access, "/favorites/batch", Some(&items)).await;
    assert_eq!(status, 201, "batches stay idempotent");

    // DreamScape's routes see them, in DreamScape's spelling.
    let listed = get(&app, &s.access, "/favorites").await;
    assert_eq!(listed["total"], 3);
    let types: Vec<&str> =
        listed["data"].as_array().unwrap().iter().map(|f| f["entityType"].as_str().unwrap()).collect();
    assert!(types.contains(&"LISTING") && types.contains(&"FLIGHT"), "{types:?}");
    let dup = json!({"entityType": "ACTIVITY", "entityId": "louvre-tour"});
    assert_eq!(send(&app, reqwest::Method::POST, &s.access, "/favorites", Some(&dup)).await.status(), 409);
    assert_eq!(get(&app, &s.access, "/favorites/check/LISTING/loft-1").await["isFavorited"], true);

    let wrapped =
        json!({"items": [{"itemType": "activity", "itemId": "louvre-tour"}, {"itemType": "hotel", "itemId": "nope"}]});
    let (status, checked) = body(&app, reqwest::Method::POST, &s.access, "/favorites/check", Some(&wrapped)).await;
    assert_eq!(status, 200, "{checked}");
    assert_eq!(checked["data"]["results"][0]["isFavorite"], true);
    assert!(checked["data"]["results"][0]["favoriteId"].is_string());
    assert_eq!(checked["data"]["results"][1]["isFavorite"], false);
    let (status, removed) = body(&app, reqwest::Method::DELETE, &s.access, "/favorites/batch", Some(&wrapped)).await;
    assert_eq!((status, removed["data"]["removed"].as_i64()), (200, Some(1)));
    assert_eq!(get(&app, &s.access, "/favorites").await["total"], 2);

    let too_many: Vec<Value> = (0..101).map(|i| json!({"itemType": "hotel", "itemId": format!("h{i}")})).collect();
    let response = send(&app, reqwest::Method::POST, &s.access, "/favorites/batch", Some(&json!(too_many))).await;
    expect_error(response, 400, "validation_failed").await;
}
