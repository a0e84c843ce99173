//! `/admin/*`, the A/B split between learned and rule-based scoring, interactions, status and
//! the accommodation configuration.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::accounts::{admin, register};

use crate::{get, in_days, send, spawn, spawn_with};

#[tokio::test]
async fn admin_routes_are_for_administrators() {
    let kit = spawn(false).await;
    let app = &kit.app;
    let user = register(app, "user@example.com").await;
    let boss = admin(app, "boss@example.com").await;
    let routes = [
        (Method::GET, "/admin/ab-test/status", json!({})),
        (Method::POST, "/admin/ab-test/ml-split", json!({"splitPercent": 10})),
        (Method::POST, "/admin/ab-test/toggle", json!({"enabled": true})),
        (Method::GET, "/admin/ml/status", json!({})),
        (Method::POST, "/admin/ml/circuit-reset", json!({})),
        (Method::GET, "/admin/ml/model-info", json!({})),
        (Method::PATCH, "/api/v1/recommendations/accommodations/config", json!({"scoring": {"priceWeight": 0.5}})),
    ];
    for (method, path, body) in &routes {
        let (status, _) = send(app, &user, method.clone(), path, body).await;
        assert_eq!(status, 403, "{path}");
        let status = app.call(method.clone(), None, path, Some(body)).await.status();
        assert_eq!(status, 401, "{path}");
    }
    let (status, body) = get(app, &boss, "/admin/ab-test/status").await;
    assert_eq!(status, 200);
    assert_eq!(
        body["data"],
        json!({"testName": "typed_recommendations_scoring", "enabled": true, "mlSplitPercent": 50, "ruleBasedPercent": 50})
    );
    let (_, body) = send(app, &boss, Method::POST, "/admin/ab-test/ml-split", &json!({"splitPercent": 30})).await;
    assert_eq!(
        (body["message"].as_str(), body["data"]["ruleBasedPercent"].as_i64()),
        (Some("ML split updated to 30%"), Some(70))
    );
    for bad in [json!({"splitPercent": 150}), json!({"splitPercent": "x"}), json!({})] {
        let (status, body) = send(app, &boss, Method::POST, "/admin/ab-test/ml-split", &bad).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("splitPercent must be a number between 0 and 100")));
    }
    let (status, body) = send(app, &boss, Method::POST, "/admin/ab-test/toggle", &json!({"enabled": "yes"})).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("enabled must be a boolean")));
    let (_, body) = send(app, &boss, Method::POST, "/admin/ab-test/toggle", &json!({"enabled": false})).await;
    assert_eq!(
        (body["message"].as_str(), body["data"]["enabled"].as_bool()),
        (Some("A/B testing disabled"), Some(false))
    );
    let (_, body) = get(app, &boss, "/admin/ab-test/status").await;
    assert_eq!((body["data"]["enabled"].as_bool(), body["data"]["mlSplitPercent"].as_i64()), (Some(false), Some(30)));
    let (_, body) = get(app, &boss, "/admin/ml/status").await;
    assert_eq!(
        (body["data"]["circuitState"].as_str(), body["data"]["healthy"].as_bool()),
        (Some("CLOSED"), Some(true))
    );
    let (_, body) = send(app, &boss, Method::POST, "/admin/ml/circuit-reset", &json!({})).await;
    assert_eq!(
        (body["message"].as_str(), body["data"]["circuitState"].as_str()),
        (Some("Circuit breaker reset successfully"), Some("CLOSED"))
    );
}

fn hotel_ids(body: &Value) -> Vec<String> {
    body["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["accommodation"]["hotelId"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_split_picks_the_scoring_and_interactions_teach_the_learned_arm() {
    let kit = spawn(false).await;
    let app = &kit.app;
    let user = register(app, "user@example.com").await;
    let other = register(app, "other@example.com").await;
    let boss = admin(app, "boss@example.com").await;
    let path = format!(
        "/api/v1/recommendations/accommodations?cityCode=LIS&checkInDate={}&checkOutDate={}&adults=1&limit=50&diversityFactor=0",
        in_days(&kit, 15),
        in_days(&kit, 17)
    );
    send(app, &boss, Method::POST, "/admin/ab-test/ml-split", &json!({"splitPercent": 0})).await;
    let (_, rules_before) = get(app, &user, &path).await;
    assert_eq!(rules_before["metadata"]["strategy"], "rule_based");
    send(app, &boss, Method::POST, "/admin/ab-test/ml-split", &json!({"splitPercent": 100})).await;
    let (status, before) = get(app, &user, &path).await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(before["metadata"]["strategy"], "ml_learned");
    assert_eq!(before["recommendations"][0]["breakdown"]["mlScore"], 0.5);
    let ids = hotel_ids(&before);
    assert!(ids.len() >= 3, "{before}");
    // A hotel from the middle of the ranking: what travellers did with it should lift it.
    let middle = ids.len() / 2;
    let last = ids[middle].clone();

    for kind in ["book", "book", "click", "like"] {
        let body = json!({"userId": user.id, "hotelId": last, "interactionType": kind});
        let (status, answer) =
            send(app, &user, Method::POST, "/api/v1/recommendations/accommodations/interactions", &body).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["tracked"]["interactionType"], kind);
    }
    let (_, after) = get(app, &user, &path).await;
    let moved = hotel_ids(&after).iter().position(|h| *h == last).unwrap();
    let item = &after["recommendations"][moved];
    let was = before["recommendations"][middle]["score"].as_f64().unwrap();
    assert!(item["score"].as_f64().unwrap() > was, "the booked hotel scores higher: {item}");
    assert!(moved < middle, "and climbs: {moved} from {middle}");
    assert!(item["breakdown"]["mlScore"].as_f64().unwrap() > 0.5, "{item}");

    let (_, info) = get(app, &boss, "/admin/ml/model-info").await;
    assert_eq!(info["data"]["totalInteractions"], 4, "{info}");
    assert_eq!(info["data"]["interactions"]["hotel"]["book"], 2);
    assert_eq!(info["data"]["itemsWithInteractions"]["hotel"], 1);

    send(app, &boss, Method::POST, "/admin/ab-test/ml-split", &json!({"splitPercent": 0})).await;
    let (_, rules) = get(app, &user, &path).await;
    assert_eq!(rules["metadata"]["strategy"], "rule_based");
    assert!(rules["recommendations"][0]["breakdown"].get("mlScore").is_none());
    assert_eq!(hotel_ids(&rules), hotel_ids(&rules_before), "rule-based ranking ignores interactions");
    send(app, &boss, Method::POST, "/admin/ab-test/ml-split", &json!({"splitPercent": 100})).await;
    send(app, &boss, Method::POST, "/admin/ab-test/toggle", &json!({"enabled": false})).await;
    let (_, off) = get(app, &user, &path).await;
    assert_eq!(off["metadata"]["strategy"], "rule_based");

    // Interaction bodies.
    let cases = [
        (
            "/api/v1/recommendations/flights/interactions",
            json!({"userId": user.id, "type": "view"}),
            "userId, flightId, and type are required",
            "validTypes",
        ),
        (
            "/api/v1/recommendations/flights/interactions",
            json!({"flightId": "F1", "type": "fly"}),
            "Invalid interaction type: fly",
            "validTypes",
        ),
        (
            "/api/v1/recommendations/activities/interactions",
            json!({"activityId": "A1"}),
            "userId, activityId, and type are required",
            "validTypes",
        ),
        (
            "/api/v1/recommendations/accommodations/interactions",
            json!({"hotelId": "H1", "interactionType": "stay"}),
            "Invalid interactionType",
            "valid",
        ),
        ("/api/v1/recommendations/accommodations/interactions", json!({}), "Missing required fields", "valid"),
    ];
    for (path, body, error, list) in cases {
        let (status, answer) = send(app, &user, Method::POST, path, &body).await;
        assert_eq!((status, answer["error"].as_str()), (400, Some(error)), "{path}: {answer}");
        assert!(answer["data"][list].is_array(), "{answer}");
    }
    let (status, answer) = send(
        app,
        &user,
        Method::POST,
        "/api/v1/recommendations/flights/interactions",
        &json!({"userId": user.id, "flightId": "F1", "type": "compare"}),
    )
    .await;
    assert_eq!(
        (status, answer["flightId"].as_str(), answer["message"].as_str()),
        (200, Some("F1"), Some("Interaction tracked successfully"))
    );
    let (status, answer) = send(
        app,
        &user,
        Method::POST,
        "/api/v1/recommendations/activities/interactions",
        &json!({"activityId": "A1", "type": "wishlist"}),
    )
    .await;
    assert_eq!((status, answer["userId"].as_str()), (200, Some(user.id.as_str())));
    let (status, _) = send(
        app,
        &other,
        Method::POST,
        "/api/v1/recommendations/activities/interactions",
        &json!({"userId": user.id, "activityId": "A1", "type": "like"}),
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn status_and_the_shared_accommodation_configuration() {
    let kit = spawn(false).await;
    let app = &kit.app;
    let boss = admin(app, "boss@example.com").await;
    let (status, body) = testkit::json(app.get("/api/v1/recommendations/flights/status").await).await;
    assert_eq!(
        (status, body["healthy"].as_bool(), body["services"]["voyage"].as_bool()),
        (200, Some(true), Some(true))
    );
    let (status, body) = testkit::json(app.get("/api/v1/recommendations/accommodations/status").await).await;
    assert_eq!((status, body["healthy"].as_bool()), (200, Some(true)));
    let (status, config) = testkit::json(app.get("/api/v1/recommendations/accommodations/config").await).await;
    assert_eq!((status, config["scoring"]["priceWeight"].as_f64()), (200, Some(0.25)));
    let patch = json!({"scoring": {"priceWeight": 0.9}, "vectorization": {"ratingWeight": 0.2}});
    let (status, body) = send(app, &boss, Method::PATCH, "/api/v1/recommendations/accommodations/config", &patch).await;
    assert_eq!((status, body["message"].as_str()), (200, Some("Configuration updated")), "{body}");
    let (_, config) = testkit::json(app.get("/api/v1/recommendations/accommodations/config").await).await;
    assert_eq!(
        (config["scoring"]["priceWeight"].as_f64(), config["scoring"]["qualityWeight"].as_f64()),
        (Some(0.9), Some(0.25))
    );
    assert_eq!(config["vectorization"]["ratingWeight"], 0.2);
    for bad in
        [json!({"scoring": {"priceWeight": 3}}), json!({"scoring": {"speed": 0.1}}), json!({"other": 1}), json!([1])]
    {
        let (status, _) = send(app, &boss, Method::PATCH, "/api/v1/recommendations/accommodations/config", &bad).await;
        assert_eq!(status, 400, "{bad}");
    }
}

#[tokio::test]
async fn without_a_travel_supplier_recommendations_say_so() {
    let kit = spawn_with(false, false).await;
    let app = &kit.app;
    let user = register(app, "alone@example.com").await;
    let (status, body) = get(app, &user, "/api/v1/recommendations/flights").await;
    assert_eq!((status, body["code"].as_str()), (422, Some("no_travel_supplier")), "{body}");
    assert_eq!(body["data"]["metadata"]["strategy"], "voyage_error");
    let (status, body) = testkit::json(app.get("/api/v1/recommendations/flights/status").await).await;
    assert_eq!(
        (status, body["healthy"].as_bool(), body["services"]["voyage"].as_bool()),
        (200, Some(false), Some(false))
    );
    let (status, body) = testkit::json(app.get("/api/v1/recommendations/accommodations/status").await).await;
    assert_eq!((status, body["healthy"].as_bool()), (503, Some(false)));
    // Seasons need no supplier.
    assert_eq!(app.get("/api/v1/context/seasonal?cityCode=LIM").await.status(), 200);
}
