use serde_json::json;
use testkit::{expect_error, json};

use crate::support::{post, post_bearer, profile, register, spawn, spawn_clocked, token_in, wait_for_mail};

#[tokio::test]
async fn registration_mails_a_verification_link() {
    let app = spawn().await;
    let session = register(&app, "eva@example.com").await;
    let mail = wait_for_mail(&app, "eva@example.com", 1).await;
    assert!(mail.lines().any(|l| l.starts_with("To:") && l.contains("eva@example.com")), "{mail}");
    let token = token_in(&mail);

    let (status, body) = json(post(&app, "/verify-email", &json!({"token": token})).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(profile(&app, &session.access).await["emailVerified"], true);

    expect_error(post(&app, "/verify-email", &json!({"token": token})).await, 400, "invalid_token").await;
    expect_error(post(&app, "/verify-email", &json!({"token": "garbage"})).await, 400, "invalid_token").await;
    assert_eq!(profile(&app, &session.access).await["emailVerified"], true, "a failed attempt changes nothing");
}

#[tokio::test]
async fn tokens_belong_to_their_account() {
    let app = spawn().await;
    let eva = register(&app, "eva@example.com").await;
    let max = register(&app, "max@example.com").await;
    let token = token_in(&wait_for_mail(&app, "max@example.com", 1).await);
    assert_eq!(post(&app, "/verify-email", &json!({"token": token})).await.status(), 200);
    assert_eq!(profile(&app, &max.access).await["emailVerified"], true);
    assert_eq!(profile(&app, &eva.access).await["emailVerified"], false);
}

#[tokio::test]
async fn verification_can_be_resent_until_verified() {
    let app = spawn().await;
    let session = register(&app, "eva@example.com").await;
    wait_for_mail(&app, "eva@example.com", 1).await;

    let (status, body) = json(post_bearer(&app, "/resend-verification", &session.access).await).await;
    assert_eq!(status, 200, "{body}");
    let resent = wait_for_mail(&app, "eva@example.com", 2).await;
    let token = token_in(&resent);
    assert_eq!(post(&app, "/verify-email", &json!({"token": token})).await.status(), 200);
    assert_eq!(profile(&app, &session.access).await["emailVerified"], true);

    expect_error(post_bearer(&app, "/resend-verification", &session.access).await, 409, "already_verified").await;
    let anonymous = app.client.post(app.url("/api/v1/auth/resend-verification")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn verification_links_expire_after_a_day() {
    let clocked = spawn_clocked().await;
    let app = &clocked.app;
    let session = register(app, "eva@example.com").await;
    let token = token_in(&wait_for_mail(app, "eva@example.com", 1).await);
    clocked.advance(chrono::Duration::hours(25));
    expect_error(post(app, "/verify-email", &json!({"token": token})).await, 400, "invalid_token").await;

    let (status, body) = json(post(app, "/refresh", &json!({"refreshToken": session.refresh})).await).await;
    assert_eq!(status, 200, "{body}");
    let access = body["data"]["tokens"]["accessToken"].as_str().unwrap();
    assert_eq!(profile(app, access).await["emailVerified"], false);
}

#[tokio::test]
async fn malformed_verification_requests_are_400() {
    let app = spawn().await;
    for body in [json!({}), json!({"token": ""}), json!({"token": 42}), json!({"token": "x".repeat(5000)})] {
        let (status, error) = json(post(&app, "/verify-email", &body).await).await;
        assert_eq!(status, 400, "{body}: {error}");
    }
}
