use reqwest::Method;
use serde_json::json;
use testkit::expect_error;

use crate::support::{call, create_listing, data, host, loft, spawn};

fn bistro() -> serde_json::Value {
    json!({"kind": "restaurant", "title": "Bistro du Canal", "description": "Seasonal French cooking by the canal.",
           "address": {"line1": "40 Quai de Jemmapes", "city": "Paris", "country": "FR"},
           "location": {"lat": 48.87, "lng": 2.366},
           "restaurant": {"cuisine": ["French"], "slotMinutes": 90,
                          "tables": [{"seats": 2, "count": 6}, {"seats": 4, "count": 4}],
                          "openingHours": [{"day": "tue", "periods": [{"open": "12:00", "close": "14:30"}, {"open": "19:00", "close": "23:00"}]},
                                           {"day": "sat", "periods": [{"open": "19:00", "close": "01:00"}]}]}})
}

#[tokio::test]
async fn restaurants_publish_and_keep_a_menu() {
    let app = spawn().await;
    let h = host(&app, "chef@example.com").await;
    let listing = create_listing(&app, &h.token, &bistro()).await;
    assert_eq!(listing["restaurant"]["openingHours"][0]["periods"][1]["open"], "19:00");
    let id = listing["id"].as_str().unwrap().to_owned();
    data(call(&app, Method::POST, Some(&h.token), &format!("/api/v1/listings/{id}/publish"), None).await).await;

    let path = format!("/api/v1/listings/{id}/menu");
    assert_eq!(data(call(&app, Method::GET, None, &path, None).await).await["menu"]["sections"], json!([]));
    let menu = json!({"sections": [{"name": "Starters", "items": [
        {"name": "Leek vinaigrette", "price": 900, "allergens": ["mustard"], "dietary": ["vegetarian"]},
        {"name": "Oysters", "price": 1800, "allergens": ["molluscs"], "available": false}]}]});
    let response = app
        .client
        .put(app.url(&path))
        .bearer_auth(&h.token)
        .header("if-match", "\"2\"")
        .json(&menu)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["etag"], "\"3\"");
    let public = data(call(&app, Method::GET, None, &path, None).await).await;
    assert_eq!(public["menu"]["sections"][0]["items"][1]["available"], false);
    assert_eq!(public["menu"]["sections"][0]["items"][0]["available"], true, "available by default");

    let stale = app
        .client
        .put(app.url(&path))
        .bearer_auth(&h.token)
        .header("if-match", "\"2\"")
        .json(&menu)
        .send()
        .await
        .unwrap();
    expect_error(stale, 412, "version_conflict").await;
    let bad = json!({"sections": [{"name": "", "items": [{"name": "Crab", "price": -1, "allergens": ["shellfish"]}]}]});
    let err =
        expect_error(call(&app, Method::PUT, Some(&h.token), &path, Some(&bad)).await, 400, "validation_failed").await;
    assert_eq!(err["details"].as_array().unwrap().len(), 3, "{err}");

    let other = host(&app, "rival@example.com").await;
    expect_error(call(&app, Method::PUT, Some(&other.token), &path, Some(&menu)).await, 404, "not_found").await;
    let stay = create_listing(&app, &h.token, &loft()).await;
    let stay_menu = format!("/api/v1/listings/{}/menu", stay["id"].as_str().unwrap());
    expect_error(call(&app, Method::GET, Some(&h.token), &stay_menu, None).await, 409, "not_a_restaurant").await;

    let mut broken = bistro();
    broken["restaurant"]["openingHours"] = json!([{"day": "someday", "periods": []}]);
    broken["restaurant"]["slotMinutes"] = json!(5);
    broken["restaurant"]["menu"] = json!({"sections": []});
    let err = expect_error(
        call(&app, Method::POST, Some(&h.token), "/api/v1/listings", Some(&broken)).await,
        400,
        "validation_failed",
    )
    .await;
    assert!(err["details"][0]["message"].as_str().unwrap().contains("menu"), "the menu has its own endpoint: {err}");
}
