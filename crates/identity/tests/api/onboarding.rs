//! DreamScape's onboarding questionnaire and the traveller profile it produces.

use serde_json::{Value, json};
use testkit::{TestApp, expect_error, json};

use crate::support::{profile, register, spawn};

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    token: &str,
    path: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    app.call(method, Some(token), &format!("/api/v1/users{path}"), body).await
}

async fn step(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    call(app, reqwest::Method::POST, token, "/onboarding/progress", Some(&body)).await
}

#[tokio::test]
async fn onboarding_runs_from_init_to_complete() {
    let app = spawn().await;
    let s = register(&app, "ona@example.com").await;
    // Not started: DreamScape's 404 (its web client then creates the questionnaire).
    expect_error(call(&app, reqwest::Method::GET, &s.access, "/onboarding/progress", None).await, 404, "not_found")
        .await;

    let (status, body) = json(call(&app, reqwest::Method::POST, &s.access, "/onboarding/init", None).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["onboarding"]["currentStep"], "travel_style");
    assert_eq!(body["data"]["onboarding"]["progress"], 0);

    // Completing too early names what is missing (DreamScape's steps, as nothing is answered).
    let early = call(&app, reqwest::Method::POST, &s.access, "/onboarding/complete", None).await;
    let err = expect_error(early, 400, "onboarding_incomplete").await;
    assert_eq!(err["details"].as_array().unwrap().len(), 5, "{err}");

    let (status, body) =
        json(step(&app, &s.access, json!({"step": "travel_style", "data": {"styles": ["Beach", "culture"]}})).await)
            .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["onboarding"]["steps"]["travel_style"]["styles"], json!(["beach", "culture"]));
    assert_eq!(body["data"]["onboarding"]["progress"], 16);
    // Once one of our steps is answered, completing early names our missing steps.
    let early = call(&app, reqwest::Method::POST, &s.access, "/onboarding/complete", None).await;
    let err = expect_error(early, 400, "onboarding_incomplete").await;
    assert_eq!(err["message"], "Cannot complete onboarding. Missing required steps: destinations, budget", "{err}");
    for answer in [
        json!({"step": "destinations", "data": {"regions": ["asia"], "countries": ["jp"]}}),
        json!({"step": "budget", "data": {"level": "comfort", "currency": "JPY", "perNightMax": 20000}}),
    ] {
        assert_eq!(step(&app, &s.access, answer).await.status(), 200);
    }
    // Answers can be revised; init again keeps them.
    assert_eq!(
        step(&app, &s.access, json!({"step": "travel_style", "data": {"styles": ["nature"]}})).await.status(),
        200
    );
    let (_, body) = json(call(&app, reqwest::Method::POST, &s.access, "/onboarding/init", None).await).await;
    assert_eq!(body["data"]["onboarding"]["steps"]["travel_style"]["styles"], json!(["nature"]));

    let (status, body) = json(call(&app, reqwest::Method::POST, &s.access, "/onboarding/complete", None).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["onboarding"]["isCompleted"], true);
    assert_eq!(profile(&app, &s.access).await["onboardingCompleted"], true);

    let (status, body) = json(call(&app, reqwest::Method::GET, &s.access, "/travel-profile", None).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["travelProfile"]["budget"]["currency"], "JPY");
    assert_eq!(body["data"]["travelProfile"]["destinations"]["countries"], json!(["JP"]));

    let db = app.platform.db("identity").unwrap();
    let events: Vec<(String,)> =
        platform::db::query("SELECT event_type FROM outbox WHERE event_type = 'user.onboarding_completed'")
            .fetch_all(db)
            .await
            .unwrap();
    assert_eq!(events.len(), 1, "published once");
    assert_eq!(call(&app, reqwest::Method::POST, &s.access, "/onboarding/complete", None).await.status(), 200);
    let events: Vec<(String,)> =
        platform::db::query("SELECT event_type FROM outbox WHERE event_type = 'user.onboarding_completed'")
            .fetch_all(db)
            .await
            .unwrap();
    assert_eq!(events.len(), 1, "completing again publishes nothing new");
}

#[tokio::test]
async fn step_answers_are_validated_field_by_field() {
    let app = spawn().await;
    let s = register(&app, "ona@example.com").await;
    let cases = [
        (json!({"step": "flying", "data": {}}), "step"),
        (json!({"step": "travel_style", "data": {"styles": ["surfing"]}}), "data.styles"),
        (json!({"step": "budget", "data": {"level": "cheap"}}), "data.level"),
        (json!({"step": "budget", "data": {"level": "budget", "perNightMax": -5}}), "data.perNightMax"),
        (json!({"step": "constraints", "data": {"travellers": 50}}), "data.travellers"),
        (json!({"step": "constraints", "data": {"pets": "yes"}}), "data.pets"),
        (json!({"step": "destinations", "data": {"cities": ["<b>Paris</b>"]}}), "data.cities"),
        (json!({"step": "activities", "data": {"interests": ["hiking"], "extra": 1}}), "data.extra"),
        (json!({"step": "accommodation", "data": []}), "data"),
    ];
    for (body, field) in cases {
        let err = expect_error(step(&app, &s.access, body.clone()).await, 400, "validation_failed").await;
        let fields: Vec<&str> =
            err["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&field), "{body} → {err}");
    }
    let nothing = call(&app, reqwest::Method::GET, &s.access, "/onboarding/progress", None).await;
    expect_error(nothing, 404, "not_found").await;
    expect_error(app.get("/api/v1/users/onboarding/progress").await, 401, "unauthorized").await;
}

#[tokio::test]
async fn onboarding_is_per_user() {
    let app = spawn().await;
    let a = register(&app, "a@example.com").await;
    let b = register(&app, "b@example.com").await;
    assert_eq!(
        step(&app, &a.access, json!({"step": "travel_style", "data": {"styles": ["city"]}})).await.status(),
        200
    );
    let (status, body) = json(call(&app, reqwest::Method::GET, &a.access, "/onboarding/progress", None).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["onboarding"]["completedSteps"], json!(["travel_style"]));
    let theirs = call(&app, reqwest::Method::GET, &b.access, "/onboarding/progress", None).await;
    expect_error(theirs, 404, "not_found").await;
}
