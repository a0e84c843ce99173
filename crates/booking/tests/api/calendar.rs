//! The stay calendar: fed by catalog events, in the listing's time zone, and the host's night
//! settings.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::expect_error;

use crate::support::{call, data, host, spawn_at};

fn loft() -> Value {
    json!({"kind": "stay", "title": "Loft", "description": "A loft far away, on the other side of the world.",
           "address": {"line1": "1 Queen St", "city": "Auckland", "country": "NZ"}, "location": {"lat": -36.85, "lng": 174.76},
           "stay": {"propertyType": "apartment", "maxGuests": 2, "bedrooms": 1, "beds": 1, "bathrooms": 1,
                    "nightlyPrice": 15000, "minNights": 2, "checkInTime": "15:00", "checkOutTime": "10:00"}})
}

#[tokio::test]
async fn the_calendar_follows_catalog_events_in_the_listings_time_zone() {
    // 2026-12-31 20:00 UTC is already 2027-01-01 in Auckland (UTC+13).
    let app = spawn_at("2026-12-31T20:00:00Z").await;
    let token = host(&app, "host@example.com", "Pacific/Auckland").await.token;
    let listing =
        data(call(&app, Method::POST, Some(&token), "/api/v1/listings", Some(&loft())).await).await["listing"].clone();
    let id = listing["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/listings/{id}/calendar");

    // Known to booking as soon as catalog answered (read your writes); a draft only to its owner.
    let draft =
        data(call(&app, Method::GET, Some(&token), &format!("{path}?from=2027-01-01&to=2027-01-03"), None).await).await;
    assert_eq!(draft["days"][0]["reason"], "unlisted");
    expect_error(call(&app, Method::GET, None, &path, None).await, 404, "not_found").await;

    data(call(&app, Method::POST, Some(&token), &format!("/api/v1/listings/{id}/publish"), None).await).await;
    app.drain_events().await;
    let cal = data(call(&app, Method::GET, None, &path, None).await).await;
    assert_eq!(cal["timezone"], "Pacific/Auckland");
    let days = cal["days"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    assert_eq!(days[0]["date"], "2027-01-01", "today in the listing's time zone, not UTC");
    assert_eq!(days[0]["available"], true);
    assert_eq!((days[0]["price"].as_i64(), days[0]["minNights"].as_i64()), (Some(15000), Some(2)));
    let past = data(call(&app, Method::GET, None, &format!("{path}?from=2026-12-30&to=2027-01-02"), None).await).await;
    let reasons: Vec<Value> = past["days"].as_array().unwrap().iter().map(|d| d["reason"].clone()).collect();
    assert_eq!(reasons, [json!("past"), json!("past"), Value::Null]);

    // A price change flows through the next event.
    data(
        call(
            &app,
            Method::PUT,
            Some(&token),
            &format!("/api/v1/listings/{id}"),
            Some(&json!({"stay": {"nightlyPrice": 17000}})),
        )
        .await,
    )
    .await;
    app.drain_events().await;
    let cal = data(call(&app, Method::GET, None, &format!("{path}?from=2027-02-01&to=2027-02-02"), None).await).await;
    assert_eq!(cal["days"][0]["price"], 17000);

    for bad in ["?from=tomorrow", "?from=2027-01-10&to=2027-01-01", "?from=2027-01-01&to=2028-06-01"] {
        expect_error(call(&app, Method::GET, None, &format!("{path}{bad}"), None).await, 400, "validation_failed")
            .await;
    }
    // Deleted listings disappear from booking too.
    assert_eq!(call(&app, Method::DELETE, Some(&token), &format!("/api/v1/listings/{id}"), None).await.status(), 200);
    app.drain_events().await;
    expect_error(call(&app, Method::GET, Some(&token), &path, None).await, 404, "not_found").await;
}

#[tokio::test]
async fn hosts_block_nights_and_override_prices() {
    let app = spawn_at("2029-06-01T00:00:00Z").await;
    let token = host(&app, "host@example.com", "Pacific/Auckland").await.token;
    let listing =
        data(call(&app, Method::POST, Some(&token), "/api/v1/listings", Some(&loft())).await).await["listing"].clone();
    let id = listing["id"].as_str().unwrap().to_owned();
    data(call(&app, Method::POST, Some(&token), &format!("/api/v1/listings/{id}/publish"), None).await).await;
    app.drain_events().await;
    let path = format!("/api/v1/listings/{id}/calendar");

    let body = json!({"ranges": [
        {"from": "2030-03-01", "to": "2030-03-04", "blocked": true},
        {"from": "2030-03-03", "to": "2030-03-06", "price": 20000, "minNights": 3}
    ]});
    let updated = data(call(&app, Method::PUT, Some(&token), &path, Some(&body)).await).await;
    assert_eq!(updated["updated"], 6);
    let cal = data(call(&app, Method::GET, None, &format!("{path}?from=2030-03-01&to=2030-03-07"), None).await).await;
    let days: Vec<(bool, i64, i64)> = cal["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["available"].as_bool().unwrap(), d["price"].as_i64().unwrap(), d["minNights"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        days,
        [(false, 15000, 2), (false, 15000, 2), (false, 20000, 3), (true, 20000, 3), (true, 20000, 3), (true, 15000, 2)]
    );
    assert_eq!(cal["days"][0]["reason"], "blocked");

    // Unblock and clear the price override on one night.
    let body = json!({"ranges": [{"from": "2030-03-03", "to": "2030-03-04", "blocked": false, "price": null}]});
    data(call(&app, Method::PUT, Some(&token), &path, Some(&body)).await).await;
    let cal = data(call(&app, Method::GET, None, &format!("{path}?from=2030-03-03&to=2030-03-04"), None).await).await;
    assert_eq!(
        (cal["days"][0]["available"].as_bool(), cal["days"][0]["price"].as_i64(), cal["days"][0]["minNights"].as_i64()),
        (Some(true), Some(15000), Some(3))
    );

    for bad in [
        json!({"ranges": []}),
        json!({"ranges": [{"from": "2030-03-05", "to": "2030-03-01", "blocked": true}]}),
        json!({"ranges": [{"from": "2030-03-01", "to": "2030-03-02", "price": 0}]}),
        json!({"ranges": [{"from": "2030-03-01", "to": "2030-03-02"}]}),
        json!({"ranges": [{"from": "2030-03-01", "to": "2030-03-02", "blocked": "yes"}]}),
    ] {
        let response = call(&app, Method::PUT, Some(&token), &path, Some(&bad)).await;
        assert_eq!(response.status(), 400, "{bad}");
    }
    let stranger = json!({"email": "guest@example.com", "password": "Password1!"});
    let guest = data(app.post_json("/api/v1/auth/register", &stranger).await).await["tokens"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let blocked = json!({"ranges": [{"from": "2030-03-01", "to": "2030-03-02", "blocked": true}]});
    expect_error(call(&app, Method::PUT, Some(&guest), &path, Some(&blocked)).await, 404, "not_found").await;
    expect_error(call(&app, Method::PUT, None, &path, Some(&blocked)).await, 401, "unauthorized").await;
}
