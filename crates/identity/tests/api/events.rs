use serde_json::json;
use testkit::TestApp;

use crate::support::{PASSWORD, admin, auth_path, login, post_bearer_json, register, spawn};

/// `(event_type, payload as text)` of every outbox row of the identity database, in order.
async fn outbox(app: &TestApp) -> Vec<(String, String)> {
    let db = app.platform.db("identity").expect("identity db");
    platform::db::query("SELECT event_type, CAST(payload AS TEXT) FROM outbox ORDER BY seq")
        .fetch_all(db)
        .await
        .unwrap()
}

fn types(events: &[(String, String)]) -> Vec<&str> {
    events.iter().map(|(t, _)| t.as_str()).collect()
}

/// `expected` appears in `got` in this order (other events may sit in between).
fn in_order(got: &[&str], expected: &[&str]) -> bool {
    let mut rest = got.iter();
    expected.iter().all(|e| rest.any(|g| g == e))
}

fn assert_no_secrets(events: &[(String, String)], password: &str) {
    for (event_type, payload) in events {
        let lower = payload.to_ascii_lowercase();
        assert!(!payload.contains(password), "{event_type} carries the password: {payload}");
        assert!(!lower.contains("argon2") && !lower.contains("$2b$"), "{event_type} carries a hash: {payload}");
        assert!(serde_json::from_str::<serde_json::Value>(payload).is_ok(), "{event_type}: JSON payload");
    }
}

#[tokio::test]
async fn account_lifecycle_events_are_written_to_the_outbox() {
    let app = spawn().await;
    register(&app, "evan@example.com").await;
    let session = login(&app, "evan@example.com", PASSWORD).await;
    let logout = app
        .client
        .post(app.url(&auth_path("/logout")))
        .bearer_auth(&session.access)
        .header("cookie", format!("refreshToken={}", session.refresh))
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 200);

    let events = outbox(&app).await;
    let got = types(&events);
    assert!(in_order(&got, &["user.created", "user.logged_in", "user.logged_out"]), "{got:?}");
    let created = events.iter().find(|(t, _)| t == "user.created").map(|(_, p)| p.as_str()).unwrap();
    assert!(created.contains(session.user_id().as_str()) || created.contains("evan@example.com"), "{created}");
    assert_no_secrets(&events, PASSWORD);
}

#[tokio::test]
async fn password_and_status_changes_are_events() {
    let app = spawn().await;
    let session = register(&app, "evan@example.com").await;
    let new_password = "N3w-Passw0rd!";
    let body = json!({"currentPassword": PASSWORD, "newPassword": new_password});
    assert_eq!(post_bearer_json(&app, "/change-password", &session.access, &body).await.status(), 200);

    let boss = admin(&app, "boss@example.com").await;
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/admin/users/{}/status", session.user_id())))
        .bearer_auth(&boss.access)
        .json(&json!({"status": "suspended", "reason": "test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let events = outbox(&app).await;
    let got = types(&events);
    assert!(in_order(&got, &["user.created", "user.password_changed", "user.status_changed"]), "{got:?}");
    let status_changed = events.iter().find(|(t, _)| t == "user.status_changed").map(|(_, p)| p.as_str()).unwrap();
    assert!(status_changed.contains("suspended"), "{status_changed}");
    assert_no_secrets(&events, PASSWORD);
    assert_no_secrets(&events, new_password);
}
