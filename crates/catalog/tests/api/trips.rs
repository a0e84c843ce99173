use reqwest::Method;
use serde_json::json;
use testkit::expect_error;

use crate::support::{call, create_listing, data, host, spawn};

fn coach() -> serde_json::Value {
    json!({"kind": "transport", "title": "Paris to Lyon by coach", "description": "Direct coach, wifi on board, one stop.",
           "address": {"line1": "Gare de Bercy", "city": "Paris", "country": "FR"},
           "location": {"lat": 48.838, "lng": 2.382},
           "transport": {"vehicle": {"type": "coach", "seats": 50, "registration": "AB-123-CD"},
                         "routes": [{"origin": "Paris", "destination": "Lyon"}], "pricePerSeat": 2500}})
}

#[tokio::test]
async fn transport_listings_schedule_trips_on_their_routes() {
    let app = spawn().await;
    let h = host(&app, "coach@example.com").await;
    let listing = create_listing(&app, &h.token, &coach()).await;
    assert_eq!(listing["transport"]["vehicle"]["type"], "coach");
    let id = listing["id"].as_str().unwrap().to_owned();
    data(call(&app, Method::POST, Some(&h.token), &format!("/api/v1/listings/{id}/publish"), None).await).await;
    let path = format!("/api/v1/listings/{id}/trips");
    let departs = chrono::Utc::now() + chrono::Duration::days(2);
    let arrives = departs + chrono::Duration::hours(5);

    let trip = json!({"origin": "paris", "destination": "LYON", "departsAt": departs, "arrivesAt": arrives});
    let (status, body) = testkit::json(call(&app, Method::POST, Some(&h.token), &path, Some(&trip)).await).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["data"]["trip"]["seats"], 50, "defaults to the vehicle");
    assert_eq!(body["data"]["trip"]["pricePerSeat"], 2500);
    let names = |t: &serde_json::Value| (t["origin"].clone(), t["destination"].clone());
    assert_eq!(names(&body["data"]["trip"]), (json!("Paris"), json!("Lyon")), "the route's spelling, not the client's");
    expect_error(call(&app, Method::POST, Some(&h.token), &path, Some(&trip)).await, 409, "trip_exists").await;
    // Spelt another way, it is the same departure.
    let same = json!({"origin": "PARIS", "destination": "lyon", "departsAt": departs, "arrivesAt": arrives});
    expect_error(call(&app, Method::POST, Some(&h.token), &path, Some(&same)).await, 409, "trip_exists").await;

    let bad =
        json!({"origin": "Paris", "destination": "Nice", "departsAt": departs, "arrivesAt": departs, "seats": 80});
    let err =
        expect_error(call(&app, Method::POST, Some(&h.token), &path, Some(&bad)).await, 400, "validation_failed").await;
    let mut fields: Vec<&str> =
        err["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["arrivesAt", "origin", "seats"], "{err}");

    let public = data(call(&app, Method::GET, None, &path, None).await).await;
    assert_eq!(public["trips"].as_array().unwrap().len(), 1);
    assert_eq!(names(&public["trips"][0]), (json!("Paris"), json!("Lyon")));
    // Days are the listing's (Paris) days; `to` includes its whole day.
    let day = departs.with_timezone(&chrono_tz::Europe::Paris).date_naive();
    let on = |d: chrono::NaiveDate| format!("{path}?from={d}&to={d}");
    assert_eq!(data(call(&app, Method::GET, None, &on(day), None).await).await["trips"], public["trips"]);
    assert_eq!(data(call(&app, Method::GET, None, &on(day.succ_opt().unwrap()), None).await).await["trips"], json!([]));
    expect_error(call(&app, Method::GET, None, &format!("{path}?from=later"), None).await, 400, "validation_failed")
        .await;
    let trip_id = public["trips"][0]["id"].as_str().unwrap();
    let other = host(&app, "other@example.com").await;
    expect_error(
        call(&app, Method::DELETE, Some(&other.token), &format!("{path}/{trip_id}"), None).await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(call(&app, Method::DELETE, Some(&h.token), &format!("{path}/{trip_id}"), None).await.status(), 200);
    assert_eq!(data(call(&app, Method::GET, None, &path, None).await).await["trips"], json!([]));

    let incomplete = create_listing(&app, &h.token, &json!({"kind": "transport", "title": "Minibus"})).await;
    let iid = incomplete["id"].as_str().unwrap();
    let err = expect_error(
        call(&app, Method::POST, Some(&h.token), &format!("/api/v1/listings/{iid}/publish"), None).await,
        422,
        "listing_incomplete",
    )
    .await;
    assert!(err.to_string().contains("transport.routes"), "{err}");
}
