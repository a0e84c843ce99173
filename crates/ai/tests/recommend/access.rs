//! Who may ask what, public lists without a token, and bad input.

use reqwest::Method;
use serde_json::json;
use testkit::accounts::{admin, register};

use super::{ask, onboard, spawn};

#[tokio::test]
async fn a_users_recommendations_are_theirs_and_public_lists_need_no_token() {
    let kit = spawn().await;
    let app = &*kit;
    let boss = admin(app, "boss@example.com").await;
    let ann = register(app, "ann@example.com").await;
    let bob = register(app, "bob@example.com").await;
    onboard(app, &ann, &["culture"], &["europe"], "comfort").await;

    let mine = format!("/api/v1/recommendations/personalized?userId={}", ann.id);
    assert_eq!(ask(app, None, Method::GET, &mine, None).await.0, 401);
    let (status, e) = ask(app, Some(&bob), Method::GET, &mine, None).await;
    assert_eq!((status, e["success"].clone()), (403, json!(false)), "{e}");
    assert_eq!(ask(app, Some(&boss), Method::GET, &mine, None).await.0, 200);
    let (status, list) = ask(app, Some(&ann), Method::GET, &mine, None).await;
    assert_eq!(status, 200);
    let rec = list["recommendations"][0]["id"].as_str().unwrap().to_owned();
    let track = format!("/api/v1/recommendations/{rec}/track");
    assert_eq!(ask(app, Some(&bob), Method::POST, &track, Some(&json!({"action": "clicked"}))).await.0, 403);
    assert_eq!(ask(app, Some(&ann), Method::POST, &track, Some(&json!({"action": "clicked"}))).await.0, 200);
    for (method, path, body) in [
        (Method::POST, "/api/v1/recommendations/generate".to_owned(), Some(json!({"userId": ann.id}))),
        (Method::POST, "/api/v1/recommendations/refresh".to_owned(), Some(json!({"userId": ann.id}))),
        (Method::POST, "/api/v1/recommendations/vectors/user".to_owned(), Some(json!({"userId": ann.id}))),
        (Method::GET, format!("/api/v1/recommendations/vectors/user/{}", ann.id), None),
        (Method::GET, format!("/api/v1/recommendations/cold-start?userId={}", ann.id), None),
        (Method::GET, format!("/api/v1/recommendations/deals?userId={}", ann.id), None),
        (Method::POST, "/api/v1/ai/onboarding/complete".to_owned(), Some(json!({"userId": ann.id}))),
        (Method::GET, format!("/api/v1/ai/users/{}/segment", ann.id), None),
        (Method::POST, format!("/api/v1/ai/users/{}/regenerate", ann.id), None),
        (
            Method::PATCH,
            format!("/api/v1/ai/users/{}/refine", ann.id),
            Some(json!({"interaction": {"type": "view", "destinationId": "PAR"}})),
        ),
    ] {
        assert_eq!(ask(app, Some(&bob), method.clone(), &path, body.as_ref()).await.0, 403, "{method} {path}");
        let (status, body) = ask(app, Some(&ann), method.clone(), &path, body.as_ref()).await;
        assert_eq!(status, 200, "{method} {path}: {body}");
    }
    let (_, done) =
        ask(app, Some(&ann), Method::POST, "/api/v1/ai/onboarding/complete", Some(&json!({"userId": ann.id}))).await;
    assert_eq!(done["fallback"], false);
    assert_eq!(done["userVector"]["segment"], "CULTURAL_ENTHUSIAST");

    // Public knowledge: no token.
    for path in [
        "/api/v1/recommendations/trending",
        "/api/v1/recommendations/popular?segment=luxury_traveler&limit=5",
        "/api/v1/recommendations/popular?category=beach",
        "/api/v1/recommendations/similar/PAR",
        "/api/v1/recommendations/deals",
        "/api/v1/recommendations/activities/fr?type=city",
        "/api/v1/recommendations/segments/FAMILY_EXPLORER/popular",
    ] {
        let (status, body) = ask(app, None, Method::GET, path, None).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (_, fr) = ask(app, None, Method::GET, "/api/v1/recommendations/activities/fr?type=city", None).await;
    let names: Vec<&str> = fr["activities"].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Paris", "Lyon"]);
    let (_, similar) = ask(app, None, Method::GET, "/api/v1/recommendations/similar/PAR?limit=3", None).await;
    assert_eq!(similar["count"], 3);
    assert!(similar["similar"][0]["similarityScore"].as_f64().unwrap() > 0.5);
    let (_, unknown) = ask(app, None, Method::GET, "/api/v1/recommendations/similar/Atlantis", None).await;
    assert_eq!(unknown["similar"], json!([]));
    let (_, popular) = ask(app, None, Method::GET, "/api/v1/recommendations/popular?limit=5", None).await;
    assert_eq!(popular["count"], 5);

    // Administrators only.
    for (method, path) in [
        (Method::GET, "/api/v1/recommendations/analytics"),
        (Method::POST, "/api/v1/recommendations/cleanup"),
        (Method::POST, "/api/v1/recommendations/popularity/refresh"),
        (Method::GET, "/api/v1/recommendations/cache/stats"),
    ] {
        assert_eq!(ask(app, None, method.clone(), path, None).await.0, 401, "{path}");
        assert_eq!(ask(app, Some(&ann), method.clone(), path, None).await.0, 403, "{path}");
        let (status, body) = ask(app, Some(&boss), method.clone(), path, None).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (_, dash) = ask(app, Some(&boss), Method::GET, "/api/v1/recommendations/analytics", None).await;
    assert!(dash["overallMetrics"]["totalRecommendations"].as_u64().unwrap() >= 10);
    assert_eq!(dash["overallMetrics"]["clicked"], 1);

    // Bad input is a 400, unknown things 404.
    for (method, path, body) in [
        (Method::GET, "/api/v1/recommendations/personalized".to_owned(), None),
        (Method::GET, "/api/v1/recommendations/personalized?userId=nope".to_owned(), None),
        (Method::GET, format!("/api/v1/recommendations/personalized?userId={}&status=LOST", ann.id), None),
        (Method::GET, format!("/api/v1/recommendations/personalized?userId={}&limit=0", ann.id), None),
        (Method::POST, "/api/v1/recommendations/generate".to_owned(), Some(json!({}))),
        (
            Method::POST,
            "/api/v1/recommendations/generate".to_owned(),
            Some(json!({"userId": ann.id, "contextType": "x"})),
        ),
        (Method::POST, format!("/api/v1/recommendations/{}/track", kernel::new_id()), Some(json!({"action": "eaten"}))),
        (Method::GET, format!("/api/v1/recommendations/cold-start?userId={}&strategy=RANDOM", ann.id), None),
        (Method::GET, "/api/v1/recommendations/popular?segment=PIRATE".to_owned(), None),
        (Method::GET, "/api/v1/recommendations/segments/PIRATE/popular".to_owned(), None),
        (Method::GET, "/api/v1/recommendations/trending?limit=abc".to_owned(), None),
        (Method::PATCH, format!("/api/v1/ai/users/{}/refine", ann.id), Some(json!({"interaction": {"type": "view"}}))),
        (
            Method::POST,
            "/api/v1/ai/onboarding/complete".to_owned(),
            Some(json!({"userId": ann.id, "onboardingData": [1]})),
        ),
    ] {
        let (status, e) = ask(app, Some(&ann), method.clone(), &path, body.as_ref()).await;
        assert_eq!(status, 400, "{method} {path}: {e}");
        assert_eq!(e["success"], false);
    }
    let (status, e) = ask(app, Some(&boss), Method::GET, "/api/v1/recommendations/analytics?type=weekly", None).await;
    assert_eq!(status, 400, "{e}");
    let unknown = format!("/api/v1/recommendations/{}/track", kernel::new_id());
    assert_eq!(ask(app, Some(&ann), Method::POST, &unknown, Some(&json!({"action": "viewed"}))).await.0, 404);
    assert_eq!(ask(app, Some(&bob), Method::GET, &format!("/api/v1/ai/users/{}/segment", bob.id), None).await.0, 404);
    let refine = format!("/api/v1/ai/users/{}/refine", ann.id);
    let body = json!({"interaction": {"type": "view", "destinationId": "Atlantis"}});
    assert_eq!(ask(app, Some(&ann), Method::PATCH, &refine, Some(&body)).await.0, 404);
}
