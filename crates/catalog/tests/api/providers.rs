use reqwest::Method;
use serde_json::json;
use testkit::expect_error;

use crate::support::{call, data, register, spawn};

#[tokio::test]
async fn a_user_becomes_a_provider_and_a_host() {
    let app = spawn().await;
    let user = register(&app, "pia@example.com").await;
    expect_error(call(&app, Method::GET, Some(&user.token), "/api/v1/providers/me", None).await, 403, "not_a_provider")
        .await;
    // Read (and so cached by identity) before the role changes.
    let account = data(call(&app, Method::GET, Some(&user.token), "/api/v1/auth/profile", None).await).await;
    assert_eq!(account["user"]["isHost"], false);

    let body = json!({"displayName": "Canal Stays", "kind": "individual", "contactEmail": "Host@Example.com",
                      "contactPhone": "+33 1 23 45 67 89", "defaultCurrency": "eur", "timezone": "Europe/Paris"});
    let (status, created) =
        testkit::json(call(&app, Method::POST, Some(&user.token), "/api/v1/providers", Some(&body)).await).await;
    assert_eq!(status, 201, "{created}");
    let provider = &created["data"]["provider"];
    assert_eq!(provider["defaultCurrency"], "EUR");
    assert_eq!(provider["contactEmail"], "host@example.com");
    let again = call(&app, Method::POST, Some(&user.token), "/api/v1/providers", Some(&body)).await;
    expect_error(again, 409, "already_provider").await;

    // The public profile hides contact details.
    let id = provider["id"].as_str().unwrap();
    let public = data(call(&app, Method::GET, None, &format!("/api/v1/providers/{id}"), None).await).await;
    assert_eq!(public["provider"]["displayName"], "Canal Stays");
    assert!(!public.to_string().contains("example.com") && !public.to_string().contains("+33"));

    let updated = data(
        call(&app, Method::PUT, Some(&user.token), "/api/v1/providers/me", Some(&json!({"kind": "business"}))).await,
    )
    .await;
    assert_eq!(updated["provider"]["kind"], "business");

    // Identity gives the host role once the event is delivered; it shows at the next sign-in.
    app.drain_events().await;
    let login = json!({"email": "pia@example.com", "password": "Password1!"});
    let (_, body) = testkit::json(app.post_json("/api/v1/auth/login", &login).await).await;
    assert_eq!(body["data"]["user"]["isHost"], true, "DreamScape's role spelling has no host: {body}");
    // The account as `/auth/profile` shows it changed too, for the token issued before.
    let account = data(call(&app, Method::GET, Some(&user.token), "/api/v1/auth/profile", None).await).await;
    assert_eq!(account["user"]["isHost"], true, "{account}");
}

#[tokio::test]
async fn provider_input_is_validated() {
    let app = spawn().await;
    let user = register(&app, "pia@example.com").await;
    let bad = json!({"displayName": "<b>", "kind": "company", "defaultCurrency": "EURO", "timezone": "Paris", "contactEmail": "nope"});
    let err = expect_error(
        call(&app, Method::POST, Some(&user.token), "/api/v1/providers", Some(&bad)).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(err["details"].as_array().unwrap().len(), 5, "{err}");
    expect_error(
        call(&app, Method::POST, Some(&user.token), "/api/v1/providers", Some(&json!({}))).await,
        400,
        "validation_failed",
    )
    .await;
    expect_error(
        call(&app, Method::POST, None, "/api/v1/providers", Some(&json!({"displayName": "X Y"}))).await,
        401,
        "unauthorized",
    )
    .await;
    expect_error(
        call(&app, Method::GET, None, &format!("/api/v1/providers/{}", kernel::new_id()), None).await,
        404,
        "not_found",
    )
    .await;
}
