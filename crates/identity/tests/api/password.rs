use serde_json::json;
use testkit::{expect_error, json};

use crate::support::{
    PASSWORD, login, login_response, mails_to, post, post_bearer_json, profile_status, refresh, register, spawn,
    spawn_clocked, token_in, wait_for_mail,
};

const NEW_PASSWORD: &str = "N3w-Passw0rd!";

#[tokio::test]
async fn change_password_revokes_the_other_sessions() {
    let app = spawn().await;
    let caller = register(&app, "pat@example.com").await;
    let other = login(&app, "pat@example.com", PASSWORD).await;

    let body = json!({"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD});
    let (status, response) = json(post_bearer_json(&app, "/change-password", &caller.access, &body).await).await;
    assert_eq!(status, 200, "{response}");
    assert_eq!(response["success"], true);

    expect_error(login_response(&app, "pat@example.com", PASSWORD).await, 401, "invalid_credentials").await;
    login(&app, "pat@example.com", NEW_PASSWORD).await;

    assert_eq!(profile_status(&app, &other.access).await, 401, "other sessions end");
    assert_eq!(refresh(&app, &other.refresh).await.status(), 401);
    assert_eq!(profile_status(&app, &caller.access).await, 200, "the calling session goes on");
    assert_eq!(refresh(&app, &caller.refresh).await.status(), 200, "and can still refresh");
}

#[tokio::test]
async fn change_password_checks_the_current_one_and_the_rules() {
    let app = spawn().await;
    let session = register(&app, "pat@example.com").await;
    let wrong = json!({"currentPassword": "Password2!", "newPassword": NEW_PASSWORD});
    expect_error(post_bearer_json(&app, "/change-password", &session.access, &wrong).await, 400, "invalid_credentials")
        .await;
    let weak = json!({"currentPassword": PASSWORD, "newPassword": "password"});
    let body = expect_error(
        post_bearer_json(&app, "/change-password", &session.access, &weak).await,
        400,
        "validation_failed",
    )
    .await;
    assert!(body["details"].as_array().is_some_and(|d| !d.is_empty()), "{body}");
    // Neither attempt changed anything, nor ended the session.
    login(&app, "pat@example.com", PASSWORD).await;
    assert_eq!(profile_status(&app, &session.access).await, 200);

    let body = json!({"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD});
    assert_eq!(post(&app, "/change-password", &body).await.status(), 401);
}

#[tokio::test]
async fn forgot_password_answers_the_same_for_unknown_emails() {
    let app = spawn().await;
    register(&app, "pat@example.com").await;
    let before = wait_for_mail(&app, "pat@example.com", 1).await;
    assert!(before.contains("token="), "the verification mail");

    let (known_status, known) = json(post(&app, "/forgot-password", &json!({"email": "pat@example.com"})).await).await;
    let (unknown_status, unknown) =
        json(post(&app, "/forgot-password", &json!({"email": "nobody@example.com"})).await).await;
    assert_eq!(known_status, 200, "{known}");
    assert_eq!(unknown_status, 200, "{unknown}");
    assert_eq!(known, unknown, "identical answers");

    let reset = wait_for_mail(&app, "pat@example.com", 2).await;
    assert!(!token_in(&reset).is_empty());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(mails_to(&app, "nobody@example.com").is_empty(), "no mail to unknown addresses");
    assert_eq!(mails_to(&app, "pat@example.com").len(), 2);
}

#[tokio::test]
async fn reset_password_sets_the_password_and_ends_every_session() {
    let app = spawn().await;
    let first = register(&app, "pat@example.com").await;
    let second = login(&app, "pat@example.com", PASSWORD).await;
    wait_for_mail(&app, "pat@example.com", 1).await;
    assert_eq!(post(&app, "/forgot-password", &json!({"email": "PAT@example.com"})).await.status(), 200);
    let token = token_in(&wait_for_mail(&app, "pat@example.com", 2).await);

    let weak = post(&app, "/reset-password", &json!({"token": token, "newPassword": "short"})).await;
    expect_error(weak, 400, "validation_failed").await;

    let (status, body) =
        json(post(&app, "/reset-password", &json!({"token": token, "newPassword": NEW_PASSWORD})).await).await;
    assert_eq!(status, 200, "{body}");
    for session in [&first, &second] {
        assert_eq!(profile_status(&app, &session.access).await, 401);
        assert_eq!(refresh(&app, &session.refresh).await.status(), 401);
    }
    expect_error(login_response(&app, "pat@example.com", PASSWORD).await, 401, "invalid_credentials").await;
    login(&app, "pat@example.com", NEW_PASSWORD).await;

    let again = post(&app, "/reset-password", &json!({"token": token, "newPassword": "An0ther-Passw0rd!"})).await;
    expect_error(again, 400, "invalid_token").await;
    let garbage = post(&app, "/reset-password", &json!({"token": "garbage", "newPassword": NEW_PASSWORD})).await;
    expect_error(garbage, 400, "invalid_token").await;
    login(&app, "pat@example.com", NEW_PASSWORD).await;
}

#[tokio::test]
async fn a_verification_token_does_not_reset_passwords() {
    let app = spawn().await;
    register(&app, "pat@example.com").await;
    let verification = token_in(&wait_for_mail(&app, "pat@example.com", 1).await);
    let response = post(&app, "/reset-password", &json!({"token": verification, "newPassword": NEW_PASSWORD})).await;
    expect_error(response, 400, "invalid_token").await;
    login(&app, "pat@example.com", PASSWORD).await;
}

#[tokio::test]
async fn reset_tokens_expire() {
    let clocked = spawn_clocked().await;
    let app = &clocked.app;
    register(app, "pat@example.com").await;
    wait_for_mail(app, "pat@example.com", 1).await;
    assert_eq!(post(app, "/forgot-password", &json!({"email": "pat@example.com"})).await.status(), 200);
    let token = token_in(&wait_for_mail(app, "pat@example.com", 2).await);
    clocked.advance(chrono::Duration::hours(2));
    let response = post(app, "/reset-password", &json!({"token": token, "newPassword": NEW_PASSWORD})).await;
    expect_error(response, 400, "invalid_token").await;
    login(app, "pat@example.com", PASSWORD).await;
}
