//! DreamScape's onboarding routes replayed as its web client sends them (U6–U11), and the user
//! service's AI endpoints built from the answers.

use serde_json::{Value, json};
use testkit::{TestApp, expect_error, json};

use crate::support::{PASSWORD, Session, admin, login, register, spawn};

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    s: &Session,
    path: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    app.call(method, Some(&s.access), path, body).await
}

async fn ok(app: &TestApp, method: reqwest::Method, s: &Session, path: &str, body: Option<&Value>) -> Value {
    let (status, body) = json(call(app, method, s, path, body).await).await;
    assert_eq!(status, 200, "{path}: {body}");
    assert_eq!(body["success"], true, "{body}");
    body
}

/// The wizard's seven steps with the data the web client sends (U8).
fn wizard() -> Vec<(&'static str, Value)> {
    vec![
        (
            "destinations",
            json!({"preferredDestinations": {"destinations": ["Kyoto", "Lisbon"], "bucketList": ["Petra"], "destinationTypes": ["city"]}}),
        ),
        (
            "budget",
            json!({"globalBudgetRange": {"min": 800, "max": 3000, "currency": "EUR"}, "budgetFlexibility": "FLEXIBLE"}),
        ),
        ("travel_types", json!({"travelTypes": ["CULTURAL", "BEACH"]})),
        ("style_comfort", json!({"travelStyle": "PLANNED", "comfortLevel": "PREMIUM"})),
        ("accommodation", json!({"accommodationTypes": ["hotel", "apartment"], "accommodationLevel": "STANDARD"})),
        ("transport", json!({"transportModes": ["plane", "train"], "cabinClassPreference": "ECONOMY"})),
        ("activities", json!({"activityTypes": ["museums", "food"], "activityLevel": "MODERATE"})),
    ]
}

#[tokio::test]
async fn the_web_clients_onboarding_wizard_from_first_visit_to_restart() {
    let app = spawn().await;
    let s = register(&app, "wiz@example.com").await;
    let get = reqwest::Method::GET;
    // U9 finds nothing, so the client creates the questionnaire (U7 with `{}`).
    expect_error(call(&app, get.clone(), &s, "/api/v1/users/onboarding/progress", None).await, 404, "not_found").await;
    expect_error(call(&app, get.clone(), &s, "/api/v1/users/onboarding", None).await, 404, "not_found").await;
    let created = ok(&app, reqwest::Method::POST, &s, "/api/v1/users/onboarding/", Some(&json!({}))).await;
    assert_eq!(created["data"]["isCompleted"], false);
    assert_eq!(created["data"]["completedSteps"], json!([]));
    assert_eq!(created["data"]["version"], 1);
    let again = call(&app, reqwest::Method::POST, &s, "/api/v1/users/onboarding", Some(&json!({}))).await;
    expect_error(again, 409, "conflict").await;

    for (i, (step, data)) in wizard().into_iter().enumerate() {
        let progress = ok(&app, get.clone(), &s, "/api/v1/users/onboarding/progress", None).await;
        assert_eq!(progress["data"]["currentStep"], i, "{progress}");
        assert_eq!(progress["data"]["currentStepKey"], step);
        let body = json!({"step": step, "data": data, "markCompleted": true});
        let saved = ok(&app, reqwest::Method::PUT, &s, "/api/v1/users/onboarding/step", Some(&body)).await;
        assert_eq!(saved["message"], format!("Step '{step}' updated successfully"));
    }
    let progress = ok(&app, get.clone(), &s, "/api/v1/users/onboarding/progress", None).await;
    let p = &progress["data"];
    assert_eq!(p["totalSteps"], 13);
    assert_eq!(p["completedSteps"].as_array().unwrap().len(), 7);
    assert_eq!(p["progressPercentage"], 54);
    assert_eq!(p["isCompleted"], false);
    assert_eq!(p["nextRecommendedStep"], "timing");
    assert_eq!(p["userId"], s.user["id"]);

    // U6: the fields both under `stepData` and directly on `data`.
    let profile = ok(&app, get.clone(), &s, "/api/v1/users/onboarding/", None).await;
    let d = &profile["data"];
    for view in [d, &d["stepData"]] {
        assert_eq!(view["travelStyle"], "PLANNED");
        assert_eq!(view["comfortLevel"], "PREMIUM");
        assert_eq!(view["activityLevel"], "MODERATE");
        assert_eq!(view["travelTypes"], json!(["CULTURAL", "BEACH"]));
        assert_eq!(view["accommodationTypes"], json!(["hotel", "apartment"]));
        assert_eq!(view["preferredDestinations"]["destinations"], json!(["Kyoto", "Lisbon"]));
        assert_eq!(view["cabinClassPreference"], "ECONOMY");
        assert_eq!(view["globalBudgetRange"], json!({"min": 800.0, "max": 3000.0, "currency": "EUR"}));
        assert_eq!(view["travelGroupTypes"], json!([]), "unset lists read as []");
    }
    assert_eq!(d["isCompleted"], false);
    assert_eq!(d["version"], 8, "one version per saved step");

    // U10 (no body), then the account says so at the next login.
    let done = ok(&app, reqwest::Method::POST, &s, "/api/v1/users/onboarding/complete", None).await;
    assert_eq!(done["message"], "Onboarding completed successfully");
    assert_eq!(done["data"]["user"]["onboardingCompleted"], true);
    assert!(done["data"]["completedAt"].is_string(), "{done}");
    assert_eq!(done["data"]["profile"]["isCompleted"], true);
    let back = login(&app, "wiz@example.com", PASSWORD).await;
    assert_eq!(back.user["onboardingCompleted"], true);
    assert_eq!(back.user["onboardingCompletedAt"], done["data"]["completedAt"]);
    let progress = ok(&app, get.clone(), &back, "/api/v1/users/onboarding/progress", None).await;
    assert_eq!(progress["data"]["isCompleted"], true);
    assert_eq!(progress["data"]["completedAt"], done["data"]["completedAt"]);

    // U11 restarts.
    let reset = ok(&app, reqwest::Method::DELETE, &back, "/api/v1/users/onboarding/", None).await;
    assert_eq!(reset["data"], Value::Null);
    expect_error(call(&app, get, &back, "/api/v1/users/onboarding/progress", None).await, 404, "not_found").await;
    let after = login(&app, "wiz@example.com", PASSWORD).await;
    assert_eq!(after.user["onboardingCompleted"], false);
    assert_eq!(after.user["onboardingCompletedAt"], Value::Null);
    let again = call(&app, reqwest::Method::DELETE, &after, "/api/v1/users/onboarding", None).await;
    expect_error(again, 404, "not_found").await;
}

#[tokio::test]
async fn steps_are_validated_and_completion_names_missing_steps() {
    let app = spawn().await;
    let s = register(&app, "val@example.com").await;
    let put = |body: Value| {
        let s = s.clone();
        let app = &app;
        async move { call(app, reqwest::Method::PUT, &s, "/api/v1/users/onboarding/step", Some(&body)).await }
    };
    let early = put(json!({"step": "budget", "data": {}, "markCompleted": true})).await;
    expect_error(early, 404, "not_found").await;
    ok(&app, reqwest::Method::POST, &s, "/api/v1/users/onboarding", None).await;

    let bad = json!({"step": "budget", "data": {"globalBudgetRange": {"min": 5000, "max": 100, "currency": "EUR"}}});
    let err = expect_error(put(bad).await, 400, "validation_failed").await;
    assert_eq!(err["data"]["validationErrors"][0]["field"], "globalBudgetRange", "{err}");
    assert_eq!(err["data"]["validationErrors"][0]["error"], "Minimum budget must be less than maximum budget");
    assert_eq!(err["data"]["validationErrors"][0]["step"], "budget");
    let cases = [
        (json!({"step": "travel_types", "data": {"travelTypes": ["SPACE"]}}), "data.travelTypes"),
        (json!({"step": "style_comfort", "data": {"travelStyle": "lazy"}}), "data.travelStyle"),
        (json!({"step": "x", "data": {"isCompleted": true}}), "data.isCompleted"),
        (json!({"step": "x", "data": {"favouriteColour": "blue"}}), "data.favouriteColour"),
        (json!({"step": "group_travel", "data": {"travelWithChildren": true}}), "data.childrenAges"),
        (
            json!({"step": "destinations", "data": {"preferredDestinations": {"regions": "Europe"}}}),
            "data.preferredDestinations.regions",
        ),
        (json!({"step": "", "data": {}}), "step"),
        (json!({"step": "a b", "data": {}}), "step"),
        (json!({"data": {}}), "step"),
        (json!({"step": "budget", "data": "cheap"}), "data"),
        (json!({"step": "budget"}), "data"),
    ];
    for (body, field) in cases {
        let err = expect_error(put(body.clone()).await, 400, "validation_failed").await;
        assert!(crate::support::detail_fields(&err).contains(&field.to_owned()), "{body} → {err}");
    }
    // Unknown step keys are accepted (as DreamScape does) and counted.
    let free = put(json!({"step": "bonus", "data": {"climatePreferences": ["warm"]}, "markCompleted": true})).await;
    assert_eq!(free.status(), 200);

    for (step, data) in wizard().into_iter().take(2) {
        let body = json!({"step": step, "data": data, "markCompleted": true});
        assert_eq!(put(body).await.status(), 200);
    }
    let early = call(&app, reqwest::Method::POST, &s, "/api/v1/users/onboarding/complete", None).await;
    let err = expect_error(early, 400, "onboarding_incomplete").await;
    assert_eq!(
        err["error"],
        "Cannot complete onboarding. Missing required steps: travel_types, accommodation, transport"
    );
    // `null` forgets a field.
    let cleared = put(json!({"step": "budget", "data": {"budgetFlexibility": null}})).await;
    let (_, body) = json(cleared).await;
    assert_eq!(body["data"]["budgetFlexibility"], Value::Null, "{body}");
    assert_eq!(body["data"]["completedSteps"], json!(["bonus", "destinations", "budget"]));
}

#[tokio::test]
async fn ai_preferences_are_the_callers_own_or_an_administrators() {
    let app = spawn().await;
    let s = register(&app, "ai@example.com").await;
    let other = register(&app, "other@example.com").await;
    let boss = admin(&app, "boss@example.com").await;
    ok(&app, reqwest::Method::POST, &s, "/api/v1/users/onboarding", None).await;
    for (step, data) in wizard() {
        let body = json!({"step": step, "data": data, "markCompleted": true});
        assert_eq!(
            call(&app, reqwest::Method::PUT, &s, "/api/v1/users/onboarding/step", Some(&body)).await.status(),
            200
        );
    }
    let path = format!("/api/v1/ai/users/{}/preferences", s.user_id());
    let body = ok(&app, reqwest::Method::GET, &s, &path, None).await;
    assert!(body["timestamp"].is_string(), "{body}");
    let doc = &body["data"];
    assert_eq!(doc["userId"], s.user["id"]);
    assert_eq!(doc["isOnboardingCompleted"], false);
    let p = &doc["preferences"];
    assert_eq!(p["travel"]["types"], json!(["cultural", "beach"]));
    assert_eq!(p["travel"]["style"], "planned");
    assert_eq!(p["budget"]["globalRange"]["currency"], "EUR");
    assert_eq!(p["budget"]["flexibility"], "flexible");
    assert_eq!(p["accommodation"]["comfortLevel"], "standard");
    assert_eq!(p["transport"]["cabinClass"], "ECONOMY");
    assert_eq!(p["activities"]["activityLevel"], "moderate");
    assert_eq!(doc["metadata"]["completedSteps"].as_array().unwrap().len(), 7);
    assert_eq!(doc["metadata"]["dataQuality"]["completeness"], 80);

    expect_error(call(&app, reqwest::Method::GET, &other, &path, None).await, 403, "forbidden").await;
    assert_eq!(call(&app, reqwest::Method::GET, &boss, &path, None).await.status(), 200);
    let unknown = format!("/api/v1/ai/users/{}/preferences", kernel::new_id());
    expect_error(call(&app, reqwest::Method::GET, &boss, &unknown, None).await, 404, "not_found").await;
    // A user without onboarding still has a document, empty.
    let theirs = format!("/api/v1/ai/users/{}/preferences", other.user_id());
    let empty = ok(&app, reqwest::Method::GET, &other, &theirs, None).await;
    assert_eq!(empty["data"]["metadata"]["dataQuality"], json!({"completeness": 0, "confidence": 0}));

    let batch = "/api/v1/ai/users/preferences/batch";
    let ids = json!({"userIds": [s.user_id(), other.user_id(), "nope"]});
    expect_error(call(&app, reqwest::Method::POST, &s, batch, Some(&ids)).await, 403, "forbidden").await;
    let body = ok(&app, reqwest::Method::POST, &boss, batch, Some(&ids)).await;
    assert_eq!(body["data"]["meta"], json!({"requested": 3, "found": 2, "notFound": ["nope"]}));
    assert_eq!(body["data"]["users"].as_array().unwrap().len(), 2);
    for (bad, message) in [
        (json!({}), "User IDs array is required"),
        (json!({"userIds": []}), "User IDs array is required"),
        (json!({"userIds": vec!["x"; 101]}), "Maximum 100 users per batch request"),
    ] {
        let err =
            expect_error(call(&app, reqwest::Method::POST, &boss, batch, Some(&bad)).await, 400, "validation_failed")
                .await;
        assert_eq!(err["error"], message);
    }
    expect_error(
        call(&app, reqwest::Method::POST, &boss, batch, Some(&json!({"userIds": "x"}))).await,
        400,
        "validation_failed",
    )
    .await;

    expect_error(call(&app, reqwest::Method::GET, &s, "/api/v1/ai/health", None).await, 403, "forbidden").await;
    let health = ok(&app, reqwest::Method::GET, &boss, "/api/v1/ai/health", None).await;
    let h = &health["data"];
    assert_eq!(h["totalUsers"], 3);
    assert_eq!(h["onboardingStats"]["usersWithOnboardingProfile"], 1);
    assert_eq!(h["onboardingStats"]["profilesCompleted"], 0);
    assert_eq!(h["aiIntegration"]["dataAvailabilityRate"], 33);
    assert_eq!(h["healthStatus"]["overall"], "warning");
    assert_eq!(app.get("/api/v1/ai/health").await.status(), 401);
}
