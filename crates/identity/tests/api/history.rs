//! The activity history as DreamScape's web client records and reads it (U12–U15), its stats,
//! and the dashboard's recent flight search (X1, sent with `Authorization: Bearer null`).

use serde_json::{Value, json};
use testkit::{TestApp, json};

use crate::favorites::send;
use crate::support::{register, spawn};

async fn call(app: &TestApp, method: reqwest::Method, token: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    json(send(app, method, token, path, body).await).await
}

async fn record(app: &TestApp, token: &str, entry: &Value) -> Value {
    let (status, body) = call(app, reqwest::Method::POST, token, "/history", Some(entry)).await;
    assert_eq!(status, 200, "DreamScape answers 200 here: {body}");
    assert_eq!(body["message"], "History entry created successfully");
    body["data"].clone()
}

async fn page(app: &TestApp, token: &str, query: &str) -> Value {
    let (status, body) = call(app, reqwest::Method::GET, token, &format!("/history{query}"), None).await;
    assert_eq!(status, 200, "{query}: {body}");
    body["data"].clone()
}

fn flight_search() -> Value {
    json!({"actionType": "SEARCHED", "entityType": "flight", "entityId": "search-1767225600000", "metadata": {"query": {
        "origin": "CDG", "destination": "JFK", "departureDate": "2026-12-01", "returnDate": "2026-12-15",
        "passengers": {"adults": 2, "children": 1, "infants": 0}, "cabinClass": "BUSINESS"}}})
}

#[tokio::test]
async fn history_as_the_web_client_records_and_reads_it() {
    let app = spawn().await;
    let s = register(&app, "hal@example.com").await;
    let searched = record(
        &app,
        &s.access,
        &json!({"actionType": "SEARCHED", "entityType": "hotel", "entityId": "search-1767225500000", "metadata": {"query": "Paris"}}),
    )
    .await;
    assert_eq!((searched["actionType"].as_str(), searched["entityType"].as_str()), (Some("SEARCHED"), Some("hotel")));
    assert_eq!(searched["userId"], s.user["id"]);
    let viewed = record(
        &app,
        &s.access,
        &json!({"actionType": "VIEWED", "entityType": "hotel", "entityId": "HLPAR123", "metadata": {"hotelName": "Canal"}}),
    )
    .await;
    record(&app, &s.access, &json!({"actionType": "VIEWED", "entityType": "activity", "entityId": "louvre", "metadata": {"name": "Louvre"}}))
        .await;
    record(&app, &s.access, &flight_search()).await;

    let all = page(&app, &s.access, "?page=1&limit=20").await;
    assert_eq!(
        all["pagination"],
        json!({"page": 1, "limit": 20, "total": 4, "totalPages": 1, "hasNext": false, "hasPrevious": false})
    );
    let first = &all["items"][0];
    assert_eq!(
        (first["actionType"].as_str(), first["entityType"].as_str()),
        (Some("SEARCHED"), Some("flight")),
        "newest first"
    );
    assert_eq!(first["metadata"]["query"]["origin"], "CDG");
    assert!(first["createdAt"].is_string() && first["id"].is_string());
    assert_eq!(all["items"][3]["metadata"]["query"], "Paris");

    // The dashboard sends `actionType=SEARCH`: not a type, so no filter (as DreamScape).
    assert_eq!(page(&app, &s.access, "?actionType=SEARCH&limit=5").await["pagination"]["total"], 4);
    assert_eq!(page(&app, &s.access, "?actionType=SEARCHED").await["pagination"]["total"], 2);
    assert_eq!(page(&app, &s.access, "?entityType=hotel").await["pagination"]["total"], 2);
    assert_eq!(page(&app, &s.access, "?entityType=HOTEL").await["pagination"]["total"], 4, "ignored");
    assert_eq!(page(&app, &s.access, "?entityId=HLPAR123").await["items"][0]["id"], viewed["id"]);
    let second = page(&app, &s.access, "?limit=1&page=2").await;
    assert_eq!(
        second["pagination"],
        json!({"page": 2, "limit": 1, "total": 4, "totalPages": 4, "hasNext": true, "hasPrevious": true})
    );
    assert_eq!(page(&app, &s.access, "?page=0&limit=0").await["pagination"]["limit"], 20);
    for bad in ["?page=-1", "?limit=x", "?page=10001", "?limit=1001"] {
        let (status, _) = call(&app, reqwest::Method::GET, &s.access, &format!("/history{bad}"), None).await;
        assert_eq!(status, 400, "{bad}");
    }

    let (status, stats) = call(&app, reqwest::Method::GET, &s.access, "/history/stats", None).await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(stats["data"]["totalCount"], 4);
    assert_eq!(stats["data"]["byActionType"], json!({"SEARCHED": 2, "VIEWED": 2}));
    assert_eq!(stats["data"]["byEntityType"], json!({"activity": 1, "flight": 1, "hotel": 2}));
    assert!(stats["data"]["mostRecentActivity"].is_string());

    // U14, U15.
    let path = format!("/history/{}", viewed["id"].as_str().unwrap());
    let (status, deleted) = call(&app, reqwest::Method::DELETE, &s.access, &path, None).await;
    assert_eq!((status, deleted["message"].as_str()), (200, Some("History entry deleted successfully")));
    assert_eq!(deleted["data"], Value::Null);
    let (status, again) = call(&app, reqwest::Method::DELETE, &s.access, &path, None).await;
    assert_eq!((status, again["error"].as_str()), (404, Some("History entry not found or does not belong to you")));
    let (_, cleared) = call(&app, reqwest::Method::DELETE, &s.access, "/history?entityType=hotel", None).await;
    assert_eq!(cleared["data"]["deletedCount"], 1);
    assert_eq!(cleared["message"], "Successfully deleted 1 history entries");
    let (_, cleared) = call(&app, reqwest::Method::DELETE, &s.access, "/history?entityType=bogus", None).await;
    assert_eq!(cleared["data"]["deletedCount"], 2, "an invalid type deletes everything, as DreamScape");
    assert_eq!(page(&app, &s.access, "").await["pagination"]["total"], 0);
}

#[tokio::test]
async fn history_entries_are_validated_in_dreamscape_order() {
    let app = spawn().await;
    let s = register(&app, "hal@example.com").await;
    let cases = [
        (
            json!({"actionType": "SEARCH", "entityType": "HOTEL", "entityId": "x"}),
            "Invalid action type. Valid values are:",
        ),
        (
            json!({"actionType": "VIEWED", "entityType": "HOTEL", "entityId": "x"}),
            "Invalid entity type. Valid values are:",
        ),
        (json!({"actionType": "VIEWED", "entityType": "hotel", "entityId": ""}), "Entity ID"),
        (json!({"actionType": "VIEWED", "entityType": "hotel", "entityId": "x", "metadata": "Paris"}), "Metadata"),
        (
            json!({"actionType": "VIEWED", "entityType": "hotel", "entityId": "x", "metadata": {"b": "y".repeat(17_000)}}),
            "Metadata",
        ),
    ];
    for (entry, message) in cases {
        let (status, body) = call(&app, reqwest::Method::POST, &s.access, "/history", Some(&entry)).await;
        assert_eq!(status, 400, "{entry}");
        assert!(body["error"].as_str().unwrap().starts_with(message), "{entry}: {body}");
    }
    let (status, _) = call(
        &app,
        reqwest::Method::POST,
        &s.access,
        "/history",
        Some(&json!({"actionType": "VIEWED", "entityType": "hotel"})),
    )
    .await;
    assert_eq!(status, 400, "entityId is required");
}

#[tokio::test]
async fn users_never_see_or_touch_each_others_history() {
    let app = spawn().await;
    let a = register(&app, "a@example.com").await;
    let b = register(&app, "b@example.com").await;
    let entry = record(&app, &a.access, &flight_search()).await;
    assert_eq!(page(&app, &b.access, "").await["pagination"]["total"], 0);
    let path = format!("/history/{}", entry["id"].as_str().unwrap());
    let (status, _) = call(&app, reqwest::Method::DELETE, &b.access, &path, None).await;
    assert_eq!(status, 404, "another user's entry");
    let (_, cleared) = call(&app, reqwest::Method::DELETE, &b.access, "/history", None).await;
    assert_eq!(cleared["data"]["deletedCount"], 0);
    assert_eq!(page(&app, &a.access, "").await["pagination"]["total"], 1, "A's history is intact");
    let (status, _) = call(&app, reqwest::Method::DELETE, &a.access, &path, None).await;
    assert_eq!(status, 200);
}

/// X1 exactly as the dashboard sends it.
async fn recent(app: &TestApp, path: &str, cookie: Option<&str>) -> (u16, Value) {
    let mut request = app.client.get(app.url(path)).header("authorization", "Bearer null");
    if let Some(token) = cookie {
        request = request.header("cookie", format!("accessToken={token}"));
    }
    json(request.send().await.unwrap()).await
}

#[tokio::test]
async fn recent_flight_searches_come_from_the_history() {
    let app = spawn().await;
    let (status, anonymous) = recent(&app, "/api/search-history/recent?limit=1", None).await;
    assert_eq!((status, anonymous), (200, json!([])), "signed out: an empty bare array");

    let s = register(&app, "sam@example.com").await;
    record(&app, &s.access, &flight_search()).await;
    let flat = json!({"actionType": "SEARCHED", "entityType": "flight", "entityId": "search-2",
        "metadata": {"originLocationCode": "LHR", "destinationLocationCode": "NRT", "departureDate": "2027-01-10", "adults": 1}});
    record(&app, &s.access, &flat).await;
    for skipped in [
        json!({"actionType": "SEARCHED", "entityType": "flight", "entityId": "search-3", "metadata": {"query": "Rome"}}),
        json!({"actionType": "SEARCHED", "entityType": "hotel", "entityId": "search-4", "metadata": {"origin": "A", "destination": "B"}}),
    ] {
        record(&app, &s.access, &skipped).await;
    }

    let (status, one) = recent(&app, "/api/search-history/recent?limit=1", Some(&s.access)).await;
    assert_eq!(status, 200, "{one}");
    let one = one.as_array().expect("a bare array");
    assert_eq!(one.len(), 1);
    assert_eq!((one[0]["origin"].as_str(), one[0]["destination"].as_str()), (Some("LHR"), Some("NRT")));
    assert_eq!(one[0]["passengers"], json!({"adults": 1, "children": 0, "infants": 0}));
    assert_eq!((one[0]["cabinClass"].as_str(), one[0]["returnDate"].clone()), (Some("ECONOMY"), Value::Null));

    let (_, both) = recent(&app, "/api/search-history/recent", Some(&s.access)).await;
    assert_eq!(both.as_array().unwrap().len(), 2, "entries without origin and destination are skipped");
    let older = &both[1];
    assert_eq!(older["departureDate"], "2026-12-01");
    assert_eq!(older["returnDate"], "2026-12-15");
    assert_eq!(older["passengers"], json!({"adults": 2, "children": 1, "infants": 0}));
    assert_eq!(older["cabinClass"], "BUSINESS");

    let response =
        app.client.get(app.url("/api/v1/search-history/recent?limit=1")).bearer_auth(&s.access).send().await.unwrap();
    let (status, v1) = json(response).await;
    assert_eq!((status, v1[0]["origin"].as_str()), (200, Some("LHR")));
    let other = register(&app, "other@example.com").await;
    assert_eq!(recent(&app, "/api/search-history/recent", Some(&other.access)).await.1, json!([]), "only the caller's");
    assert_eq!(recent(&app, "/api/search-history/recent?limit=0", None).await.0, 400);
}
