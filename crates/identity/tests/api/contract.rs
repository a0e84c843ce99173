//! DreamScape's auth contract (`contracts/dreamscape/auth.openapi.yaml`): every path and method
//! it defines is in our OpenAPI document and answers with the shapes its clients read.

use serde_json::{Value, json};
use testkit::json;

use crate::support::{cookie_of, post, post_bearer, register, spawn};

/// (method, path under `/api/v1/auth`) of every operation in DreamScape's auth contract.
const DREAMSCAPE_AUTH: &[(&str, &str)] = &[
    ("post", "/register"),
    ("post", "/login"),
    ("get", "/profile"),
    ("put", "/profile"),
    ("post", "/change-password"),
    ("post", "/refresh"),
    ("post", "/verify-token"),
    ("post", "/logout"),
    ("post", "/logout-all"),
    ("get", "/health"),
];

#[tokio::test]
async fn every_dreamscape_auth_operation_is_documented() {
    let app = spawn().await;
    let (status, doc) = json(app.get("/api-docs/openapi.json").await).await;
    assert_eq!(status, 200);
    for (method, path) in DREAMSCAPE_AUTH {
        let full = format!("/api/v1/auth{path}");
        assert!(doc["paths"][&full][method].is_object(), "{method} {full} missing from our OpenAPI");
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert!(schemes["bearerAuth"].is_object() && schemes["cookieAuth"].is_object(), "{schemes}");
}

fn assert_user_shape(user: &Value) {
    for field in ["id", "email", "role", "onboardingCompleted"] {
        assert!(!user[field].is_null(), "user.{field} missing: {user}");
    }
    assert!(user.get("password").is_none() && user.get("passwordHash").is_none(), "{user}");
}

#[tokio::test]
async fn auth_responses_have_dreamscape_shapes() {
    let app = spawn().await;
    let s = register(&app, "shape@example.com").await;
    assert_user_shape(&s.user);

    let response = post(&app, "/login", &json!({"email": "shape@example.com", "password": "Password1!"})).await;
    assert!(cookie_of(&response).is_some());
    let (status, body) = json(response).await;
    assert_eq!(status, 200);
    assert_eq!(body["success"], true);
    assert!(body["message"].is_string());
    assert!(body["data"]["tokens"]["accessToken"].is_string());
    assert_user_shape(&body["data"]["user"]);

    let (status, body) = json(post(&app, "/refresh", &json!({"refreshToken": s.refresh})).await).await;
    assert_eq!(status, 200);
    assert!(body["data"]["tokens"]["accessToken"].is_string());

    let (status, body) = json(post_bearer(&app, "/verify-token", &s.access).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["valid"], true);
    assert_user_shape(&body["data"]["user"]);

    let (status, body) = json(app.get("/api/v1/auth/health").await).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "healthy");
    assert!(body["uptime"].is_number());
    assert_eq!(body["database"], "connected");

    // Errors are DreamScape's `Error`: success false, error, code.
    let (status, body) =
        json(post(&app, "/login", &json!({"email": "shape@example.com", "password": "nope"})).await).await;
    assert_eq!(status, 401);
    assert_eq!(body["success"], false);
    assert!(body["error"].is_string() && body["code"].is_string());
}

/// (method, path) of every operation in DreamScape's user contract (`user.openapi.yaml`).
const DREAMSCAPE_USERS: &[(&str, &str)] = &[
    ("get", "/api/v1/users/profile"),
    ("put", "/api/v1/users/profile"),
    ("delete", "/api/v1/users/profile"),
    ("post", "/api/v1/users/onboarding/init"),
    ("post", "/api/v1/users/onboarding/progress"),
    ("get", "/api/v1/users/onboarding/progress"),
    ("post", "/api/v1/users/onboarding/complete"),
    ("get", "/api/v1/users/favorites"),
    ("post", "/api/v1/users/favorites"),
    ("delete", "/api/v1/users/favorites/{id}"),
    ("post", "/api/v1/users/favorites/batch"),
    ("delete", "/api/v1/users/favorites/batch"),
    ("get", "/api/v1/users/history"),
    ("delete", "/api/v1/users/history"),
    ("get", "/api/v1/users/notifications"),
    ("delete", "/api/v1/users/notifications"),
    ("patch", "/api/v1/users/notifications/{id}/read"),
    ("get", "/api/v1/users/notification-preferences"),
    ("put", "/api/v1/users/notification-preferences"),
    ("get", "/api/v1/users/gdpr/consent"),
    ("post", "/api/v1/users/gdpr/consent"),
    ("post", "/api/v1/users/gdpr/request"),
    ("get", "/api/v1/users/gdpr/requests"),
    ("get", "/api/v1/users/gdpr/privacy-policy"),
    ("post", "/api/v1/users/gdpr/privacy-policy/accept"),
    ("get", "/api/v1/admin/users"),
    ("get", "/api/v1/admin/users/{id}"),
    ("post", "/api/v1/admin/users/{id}/suspend"),
    ("post", "/api/v1/admin/users/{id}/unsuspend"),
];

#[tokio::test]
async fn every_dreamscape_user_operation_is_documented() {
    let app = testkit::spawn_with(
        vec![std::sync::Arc::new(identity::Identity), std::sync::Arc::new(notifications::Notifications)],
        crate::support::fast,
    )
    .await;
    let (status, doc) = json(app.get("/api-docs/openapi.json").await).await;
    assert_eq!(status, 200);
    let missing: Vec<String> = DREAMSCAPE_USERS
        .iter()
        .filter(|(method, path)| !doc["paths"][*path][*method].is_object())
        .map(|(method, path)| format!("{method} {path}"))
        .collect();
    assert!(missing.is_empty(), "missing from our OpenAPI: {missing:?}");
}
