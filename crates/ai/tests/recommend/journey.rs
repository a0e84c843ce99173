//! A beach lover's recommendations from onboarding, then from behaviour.

use reqwest::Method;
use serde_json::json;
use testkit::accounts::{admin, data, post, register};

use super::{ask, book, flat, ids, onboard, settle, spawn};

#[tokio::test]
async fn onboarding_gives_relevant_recommendations_and_behaviour_changes_them() {
    let kit = spawn().await;
    let app = &*kit;
    let boss = admin(app, "boss@example.com").await;
    let host = register(app, "host@example.com").await;
    let provider = json!({"displayName": "Host", "defaultCurrency": "EUR", "timezone": "Atlantic/Reykjavik"});
    data(post(app, &host, "/api/v1/providers", &provider).await).await;
    let reykjavik = flat(app, &host, "Reykjavik", "IS", 20000).await;

    // A beach lover completes onboarding: beaches at once, and why.
    let sun = register(app, "sun@example.com").await;
    onboard(app, &sun, &["beach", "relaxation"], &["europe", "asia", "africa", "oceania"], "moderate").await;
    let path = format!("/api/v1/recommendations/personalized?userId={}&includeItemVector=true", sun.id);
    let (status, first) = ask(app, Some(&sun), Method::GET, &path, None).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["userId"], sun.id.as_str());
    let list = first["recommendations"].as_array().unwrap();
    assert_eq!(list.len(), 10);
    for r in &list[..3] {
        let tags = r["itemVector"]["tags"].as_array().unwrap();
        assert!(tags.iter().any(|t| t == "beach"), "{r}");
        assert!(r["reasons"].as_array().unwrap().iter().any(|x| x == "Matches your interest in beaches"), "{r}");
        assert_eq!(r["status"], "GENERATED");
        assert_eq!(r["contextType"], "onboarding");
    }
    let before = ids(&first["recommendations"]);
    assert!(!before.contains(&"REK".to_owned()) || before.iter().position(|d| d == "REK") > Some(2));
    let (_, seg) = ask(app, Some(&sun), Method::GET, &format!("/api/v1/ai/users/{}/segment", sun.id), None).await;
    assert_eq!(seg["segments"].as_array().unwrap().len(), 8);
    assert!(seg["segments"][0]["reasons"].as_array().is_some_and(|r| !r.is_empty()));

    // Viewing one is recorded on it.
    let viewed = list[0]["id"].as_str().unwrap();
    let (status, t) = ask(
        app,
        Some(&sun),
        Method::POST,
        &format!("/api/v1/recommendations/{viewed}/track"),
        Some(&json!({"action": "viewed"})),
    )
    .await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["recommendation"]["status"], "VIEWED");
    assert!(t["recommendation"]["viewedAt"].is_string());

    // Two travellers booked Reykjavik and Edinburgh; the model is rebuilt.
    for email in ["a@example.com", "b@example.com"] {
        let other = register(app, email).await;
        for d in ["REK", "EDI"] {
            let body = json!({"interaction": {"type": "book", "destinationId": d}});
            let (status, r) =
                ask(app, Some(&other), Method::PATCH, &format!("/api/v1/ai/users/{}/refine", other.id), Some(&body))
                    .await;
            assert_eq!((status, &r["success"]), (200, &json!(true)), "{r}");
        }
    }
    let (status, run) = ask(app, Some(&boss), Method::POST, "/api/v1/recommendations/popularity/refresh", None).await;
    assert_eq!(status, 200, "{run}");
    assert!(run["result"]["pairs"].as_i64().unwrap() >= 1);
    let (_, trending) = ask(app, None, Method::GET, "/api/v1/recommendations/trending", None).await;
    // (plus the one the beach lover viewed, behind)
    assert_eq!(ids(&trending["destinations"])[..2], ["EDI", "REK"]);
    let (_, similar) = ask(app, None, Method::GET, "/api/v1/recommendations/similar/REK", None).await;
    assert_eq!(similar["similar"][0]["destinationId"], "EDI");

    // The beach lover books a flat in Reykjavik: Reykjavik leaves the list, Edinburgh comes,
    // and says why.
    book(app, &sun, &reykjavik, "2030-02-01", "2030-02-04").await;
    settle(app).await;
    let (_, after) = ask(app, Some(&sun), Method::GET, &path, None).await;
    let now = ids(&after["recommendations"]);
    assert_ne!(now, before);
    assert!(!now.contains(&"REK".to_owned()), "{now:?}");
    let edi =
        after["recommendations"].as_array().unwrap().iter().find(|r| r["destinationId"] == "EDI").expect("Edinburgh");
    assert!(
        edi["reasons"].as_array().unwrap().iter().any(|x| x == "Travellers who booked Reykjavik also booked Edinburgh"),
        "{edi}"
    );
    // The viewed one, still recommended, kept its id and status.
    if let Some(kept) = after["recommendations"].as_array().unwrap().iter().find(|r| r["id"] == viewed) {
        assert_eq!(kept["status"], "VIEWED");
    }

    // Generating, refreshing and cold start answer DreamScape's shapes.
    let (status, g) = ask(
        app,
        Some(&sun),
        Method::POST,
        "/api/v1/recommendations/generate",
        Some(&json!({"userId": sun.id, "limit": 5, "minScore": 0})),
    )
    .await;
    assert_eq!((status, g["count"].as_u64()), (200, Some(5)), "{g}");
    let (status, c) = ask(
        app,
        Some(&sun),
        Method::GET,
        &format!("/api/v1/recommendations/cold-start?userId={}&strategy=popularity_only&limit=3", sun.id),
        None,
    )
    .await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["recommendations"][0]["destinationId"], "EDI");
    assert_eq!(c["recommendations"][0]["rank"], 1);
    let (status, v) =
        ask(app, Some(&sun), Method::GET, &format!("/api/v1/recommendations/vectors/user/{}", sun.id), None).await;
    assert_eq!((status, v["dimensions"].as_u64(), v["vector"].as_array().map(Vec::len)), (200, Some(8), Some(8)));
    let (status, r) =
        ask(app, Some(&sun), Method::POST, "/api/v1/recommendations/refresh", Some(&json!({"userId": sun.id}))).await;
    assert_eq!((status, r["count"].as_u64()), (200, Some(10)), "{r}");

    // Erasure forgets them.
    let (status, _) = ask(app, Some(&boss), Method::GET, "/api/v1/recommendations/analytics", None).await;
    assert_eq!(status, 200);
    let db = app.platform.db("ai").unwrap();
    let mut tx = db.begin().await.unwrap();
    ai::recommend::events::erase(&mut tx, sun.id.parse().unwrap()).await.unwrap();
    tx.commit().await.unwrap();
    let (status, _) = ask(app, Some(&sun), Method::GET, &format!("/api/v1/ai/users/{}/segment", sun.id), None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_price_drop_is_a_deal() {
    let kit = spawn().await;
    let app = &*kit;
    let host = register(app, "host@example.com").await;
    let provider = json!({"displayName": "Host", "defaultCurrency": "EUR", "timezone": "Europe/Lisbon"});
    data(post(app, &host, "/api/v1/providers", &provider).await).await;
    let lisbon = flat(app, &host, "Lisbon", "PT", 20000).await;
    let (_, none) = ask(app, None, Method::GET, "/api/v1/recommendations/deals", None).await;
    assert_eq!(none, json!([]));
    let cut = json!({"stay": {"nightlyPrice": 15000}});
    let (status, r) = ask(app, Some(&host), Method::PUT, &format!("/api/v1/listings/{lisbon}"), Some(&cut)).await;
    assert_eq!(status, 200, "{r}");
    settle(app).await;
    let (status, deals) = ask(app, None, Method::GET, "/api/v1/recommendations/deals", None).await;
    assert_eq!(status, 200);
    assert_eq!(deals[0]["listingId"], lisbon.as_str());
    assert_eq!(deals[0]["destinationId"], "LIS");
    assert_eq!((deals[0]["price"].as_f64(), deals[0]["previousPrice"].as_f64()), (Some(150.0), Some(200.0)));
    assert_eq!(deals[0]["discountPercent"].as_f64(), Some(25.0));
}

#[tokio::test]
async fn favourites_and_cancelled_bookings_count() {
    let kit = spawn().await;
    let app = &*kit;
    let host = register(app, "host@example.com").await;
    let provider = json!({"displayName": "Host", "defaultCurrency": "EUR", "timezone": "Europe/Lisbon"});
    data(post(app, &host, "/api/v1/providers", &provider).await).await;
    let lisbon = flat(app, &host, "Lisbon", "PT", 12000).await;

    // No onboarding: nothing known, then a favourite destination makes a vector and a list.
    let fan = register(app, "fan@example.com").await;
    let segment = format!("/api/v1/ai/users/{}/segment", fan.id);
    assert_eq!(ask(app, Some(&fan), Method::GET, &segment, None).await.0, 404);
    let (status, f) = ask(
        app,
        Some(&fan),
        Method::POST,
        "/api/v1/users/favorites",
        Some(&json!({"entityType": "DESTINATION", "entityId": "LIS"})),
    )
    .await;
    assert_eq!(status, 201, "{f}");
    settle(app).await;
    assert_eq!(ask(app, Some(&fan), Method::GET, &segment, None).await.0, 200);
    let path = format!("/api/v1/recommendations/personalized?userId={}", fan.id);
    let (_, list) = ask(app, Some(&fan), Method::GET, &path, None).await;
    assert_eq!(ids(&list["recommendations"])[0], "LIS");

    // Booking Lisbon takes it off the list; cancelling the booking brings it back.
    let booking = book(app, &fan, &lisbon, "2030-03-01", "2030-03-03").await;
    let (_, booked) = ask(app, Some(&fan), Method::GET, &path, None).await;
    assert!(!ids(&booked["recommendations"]).contains(&"LIS".to_owned()));
    let (status, c) =
        ask(app, Some(&fan), Method::POST, &format!("/api/v1/reservations/{booking}/cancel"), Some(&json!({}))).await;
    assert_eq!(status, 200, "{c}");
    settle(app).await;
    let (_, back) = ask(app, Some(&fan), Method::GET, &path, None).await;
    assert_eq!(ids(&back["recommendations"])[0], "LIS");

    // A typed-recommendation interaction (ai's contextual part records them) counts too.
    let db = app.platform.db("ai").unwrap();
    let at = "2030-01-02T13:00:00Z".parse().unwrap();
    let fan_id = fan.id.parse().unwrap();
    assert!(ai::recommend::record_interaction(db, fan_id, "activity", "Lisbon", "book", at).await.unwrap());
    assert!(!ai::recommend::record_interaction(db, fan_id, "activity", "Lisbon", "teleport", at).await.unwrap());
    let (_, after) = ask(app, Some(&fan), Method::GET, &path, None).await;
    assert!(!ids(&after["recommendations"]).contains(&"LIS".to_owned()));
}
