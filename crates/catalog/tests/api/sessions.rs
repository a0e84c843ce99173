use reqwest::Method;
use serde_json::json;
use testkit::expect_error;

use crate::support::{call, create_listing, data, host, loft, spawn};

fn kayak() -> serde_json::Value {
    json!({"kind": "activity", "title": "Kayak on the Seine", "description": "Two hours paddling past the islands of Paris.",
           "address": {"line1": "Port de la Bourdonnais", "city": "Paris", "country": "FR"},
           "location": {"lat": 48.86, "lng": 2.29},
           "activity": {"durationMinutes": 120, "pricePerPerson": 4500, "maxParticipants": 8, "languages": ["fr", "en"]}})
}

#[tokio::test]
async fn activities_schedule_sessions() {
    let app = spawn().await;
    let h = host(&app, "guide@example.com").await;
    let listing = create_listing(&app, &h.token, &kayak()).await;
    assert_eq!(listing["activity"]["durationMinutes"], 120);
    let id = listing["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/listings/{id}/sessions");
    let tomorrow = chrono::Utc::now() + chrono::Duration::days(1);
    let later = tomorrow + chrono::Duration::hours(3);

    let (status, body) =
        testkit::json(call(&app, Method::POST, Some(&h.token), &path, Some(&json!({"startsAt": tomorrow}))).await)
            .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["data"]["session"]["capacity"], 8, "defaults from the activity");
    assert_eq!(body["data"]["session"]["pricePerPerson"], 4500);
    let custom = json!({"startsAt": later, "capacity": 4, "pricePerPerson": 6000});
    let second = data(call(&app, Method::POST, Some(&h.token), &path, Some(&custom)).await).await;
    let again = call(&app, Method::POST, Some(&h.token), &path, Some(&json!({"startsAt": tomorrow}))).await;
    expect_error(again, 409, "session_exists").await;
    let past = call(
        &app,
        Method::POST,
        Some(&h.token),
        &path,
        Some(&json!({"startsAt": "2020-01-01T10:00:00Z", "capacity": 0})),
    )
    .await;
    let err = expect_error(past, 400, "validation_failed").await;
    assert_eq!(err["details"].as_array().unwrap().len(), 2, "{err}");

    // Sessions are visible like the listing: the owner sees them on a draft, the public once published.
    let mine = data(call(&app, Method::GET, Some(&h.token), &path, None).await).await;
    assert_eq!(mine["sessions"].as_array().unwrap().len(), 2);
    expect_error(call(&app, Method::GET, None, &path, None).await, 404, "not_found").await;
    data(call(&app, Method::POST, Some(&h.token), &format!("/api/v1/listings/{id}/publish"), None).await).await;
    let public = data(call(&app, Method::GET, None, &path, None).await).await;
    assert_eq!(public["sessions"][0]["startsAt"].as_str().map(|s| s.len() > 10), Some(true));

    let other = host(&app, "rival@example.com").await;
    expect_error(
        call(&app, Method::POST, Some(&other.token), &path, Some(&json!({"startsAt": later}))).await,
        404,
        "not_found",
    )
    .await;
    let session_id = second["session"]["id"].as_str().unwrap();
    expect_error(
        call(&app, Method::DELETE, Some(&other.token), &format!("{path}/{session_id}"), None).await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(call(&app, Method::DELETE, Some(&h.token), &format!("{path}/{session_id}"), None).await.status(), 200);
    assert_eq!(data(call(&app, Method::GET, None, &path, None).await).await["sessions"].as_array().unwrap().len(), 1);

    // Stays have no sessions.
    let stay = create_listing(&app, &h.token, &loft()).await;
    let stay_path = format!("/api/v1/listings/{}/sessions", stay["id"].as_str().unwrap());
    expect_error(
        call(&app, Method::POST, Some(&h.token), &stay_path, Some(&json!({"startsAt": later}))).await,
        409,
        "not_an_activity",
    )
    .await;

    let db = app.platform.db("catalog").unwrap();
    let (n,): (i64,) = platform::db::query("SELECT COUNT(*) FROM outbox WHERE event_type LIKE 'listing.session_%'")
        .fetch_one(db)
        .await
        .unwrap();
    assert_eq!(n, 3, "two added, one removed");
}
