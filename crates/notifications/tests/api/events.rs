//! Filling the inbox from identity's `user.*` events: which events make which notices, and
//! that a redelivered event never makes a second one.

use reqwest::Method;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn the_welcome_notice_comes_from_the_event() {
    let app = spawn().await;
    let body = json!({"email": "early@example.com", "password": PASSWORD, "firstName": "Grace"});
    let (status, body) = testkit::json(app.post_json("/api/v1/auth/register", &body).await).await;
    assert_eq!(status, 201, "{body}");
    let user = User {
        token: body["data"]["tokens"]["accessToken"].as_str().unwrap().to_owned(),
        id: body["data"]["user"]["id"].as_str().unwrap().to_owned(),
    };
    // The registration was answered once its event was handled (read your writes).
    assert_eq!(unread(&app, &user).await, 1, "the welcome is there as soon as the account is");
    let stats = app.drain_events().await;
    assert_eq!((stats.published, stats.failed), (0, 0), "{stats:?}");
    let list = items(&app, &user, "").await;
    assert_eq!(list.len(), 1);
    assert!(list[0]["message"].as_str().unwrap().contains("Grace"));
}

#[tokio::test]
async fn changing_the_password_leaves_a_security_notice() {
    let app = spawn().await;
    let user = register(&app, "changer@example.com").await;
    let body = json!({"currentPassword": PASSWORD, "newPassword": "Password2!"});
    let (status, response) = send(&app, Method::POST, "/api/v1/auth/change-password", &user.token, Some(&body)).await;
    assert_eq!(status, 200, "{response}");
    assert_eq!(app.drain_events().await.failed, 0);

    let list = items(&app, &user, "?type=account_security").await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["title"], "Your password was changed");
    assert_eq!(list[0]["read"], false);
    assert_eq!(unread(&app, &user).await, 2);
}

#[tokio::test]
async fn two_factor_and_suspension_events_are_security_notices() {
    let app = spawn().await;
    let user = register(&app, "mfa@example.com").await;
    publish(&app, &user_event("user.mfa_enabled", &user, json!({}))).await;
    publish(&app, &user_event("user.mfa_disabled", &user, json!({}))).await;
    let status = |to: &str| json!({"from": "active", "to": to, "reason": "internal note", "by": kernel::new_id()});
    publish(&app, &user_event("user.status_changed", &user, status("suspended"))).await;
    publish(&app, &user_event("user.status_changed", &user, status("active"))).await;
    publish(&app, &user_event("user.email_verified", &user, json!({"email": "mfa@example.com"}))).await;

    let list = items(&app, &user, "?type=account_security").await;
    let titles: Vec<&str> = list.iter().map(|n| n["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        vec![
            "Your account was suspended",
            "Two-factor authentication turned off",
            "Two-factor authentication turned on"
        ]
    );
    assert!(!list[0].to_string().contains("internal note"), "{}", list[0]);
    assert_eq!(list[0]["metadata"]["status"], "suspended");
    assert_eq!(inbox(&app, &user, "").await["pagination"]["total"], 4, "welcome + 3");
}

#[tokio::test]
async fn redelivery_never_duplicates_a_notice() {
    let app = spawn().await;
    let user = register(&app, "twice@example.com").await;
    // Draining again re-reads the outbox: the welcome is not made twice.
    assert_eq!(app.drain_events().await.failed, 0);
    assert_eq!(app.drain_events().await.failed, 0);
    assert_eq!(items(&app, &user, "").await.len(), 1);

    // The same event delivered twice (the platform's dedupe skips the second)...
    let event = user_event("user.password_changed", &user, json!({"via": "reset", "sessionsRevoked": 2}));
    publish(&app, &event).await;
    publish(&app, &event).await;
    assert_eq!(items(&app, &user, "").await.len(), 2);

    // ...and again after its dedupe record is gone (pruned after 28 days): the source event
    // id is unique in the inbox.
    let db = app.platform.db("notifications").expect("notifications db");
    let pruned = platform::db::query("DELETE FROM processed_events WHERE consumer = $1")
        .bind(notifications::INBOX_CONSUMER)
        .execute(db)
        .await
        .unwrap();
    assert!(pruned >= 2, "{pruned}");
    publish(&app, &event).await;
    let list = items(&app, &user, "").await;
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(list[0]["metadata"]["via"], "reset");
}

#[tokio::test]
async fn malformed_events_are_skipped_without_failing() {
    let app = spawn().await;
    let user = register(&app, "skip@example.com").await;
    let bad = kernel::EventEnvelope::new("user.mfa_enabled", "not-a-user", chrono::Utc::now(), json!({"userId": 42}));
    publish(&app, &bad).await;
    let bad = kernel::EventEnvelope::new("user.created", "x", chrono::Utc::now(), json!(null));
    publish(&app, &bad).await;
    assert_eq!(app.drain_events().await.failed, 0);
    assert_eq!(items(&app, &user, "").await.len(), 1);
}
