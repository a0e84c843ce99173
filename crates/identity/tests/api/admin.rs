//! Our own account actions under `/api/v1/admin/users`: listing and search, suspend (with a
//! duration) and unsuspend, status and role changes — admins only. DreamScape's screens on
//! the same paths are in `backoffice.rs`.

use serde_json::{Value, json};
use testkit::{TestApp, expect_error, json};

use crate::support::{PASSWORD, Session, admin, login, login_response, profile_status, register, spawn, spawn_clocked};

async fn admin_get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).bearer_auth(token).send().await.unwrap()
}

async fn admin_send(
    app: &TestApp,
    method: reqwest::Method,
    token: &str,
    path: &str,
    body: &Value,
) -> reqwest::Response {
    app.client.request(method, app.url(path)).bearer_auth(token).json(body).send().await.unwrap()
}

#[tokio::test]
async fn admins_list_search_and_filter_users() {
    let app = spawn().await;
    let boss = admin(&app, "boss@example.com").await;
    for name in ["alice", "bob", "carol"] {
        register(&app, &format!("{name}@example.com")).await;
    }
    let (status, body) = json(admin_get(&app, &boss.access, "/api/v1/admin/users").await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["pagination"]["total"], 4);
    assert_eq!(body["data"]["pagination"]["limit"], 50, "DreamScape's default page size");
    assert_eq!(body["data"]["users"][0]["email"], "carol@example.com", "newest first");

    let (_, body) = json(admin_get(&app, &boss.access, "/api/v1/admin/users?search=BO&limit=1").await).await;
    let emails: Vec<&str> =
        body["data"]["users"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap()).collect();
    assert_eq!(body["data"]["pagination"]["total"], 2, "boss and bob: {body}");
    assert_eq!(emails.len(), 1);
    let (_, body) = json(admin_get(&app, &boss.access, "/api/v1/admin/users?search=%25").await).await;
    assert_eq!(body["data"]["pagination"]["total"], 0, "% is a character, not a wildcard");
    let (_, body) = json(admin_get(&app, &boss.access, "/api/v1/admin/users?role=admin").await).await;
    assert_eq!(body["data"]["pagination"]["total"], 1);

    let bad = admin_get(&app, &boss.access, "/api/v1/admin/users?role=king&status=x&limit=500").await;
    let body = expect_error(bad, 400, "validation_failed").await;
    assert_eq!(body["details"].as_array().unwrap().len(), 3, "{body}");
}

#[tokio::test]
async fn only_admins_reach_admin_routes() {
    let app = spawn().await;
    let user = register(&app, "user@example.com").await;
    let id = user.user_id();
    let forbidden = [
        admin_get(&app, &user.access, "/api/v1/admin/users").await,
        admin_get(&app, &user.access, &format!("/api/v1/admin/users/{id}")).await,
        admin_send(
            &app,
            reqwest::Method::POST,
            &user.access,
            &format!("/api/v1/admin/users/{id}/suspend"),
            &json!({"reason": "x"}),
        )
        .await,
        admin_send(
            &app,
            reqwest::Method::POST,
            &user.access,
            &format!("/api/v1/admin/users/{id}/unsuspend"),
            &json!({}),
        )
        .await,
        admin_send(
            &app,
            reqwest::Method::PUT,
            &user.access,
            &format!("/api/v1/admin/users/{id}/role"),
            &json!({"role": "admin"}),
        )
        .await,
    ];
    for response in forbidden {
        expect_error(response, 403, "forbidden").await;
    }
    expect_error(app.get("/api/v1/admin/users").await, 401, "unauthorized").await;
    assert_eq!(profile_status(&app, &user.access).await, 200, "still a plain user");
}

#[tokio::test]
async fn suspension_with_a_duration_ends_by_itself() {
    let clocked = spawn_clocked().await;
    let app = &clocked.app;
    let boss = admin(app, "boss@example.com").await;
    let user = register(app, "tim@example.com").await;
    let path = format!("/api/v1/admin/users/{}/suspend", user.user_id());

    let bad =
        admin_send(app, reqwest::Method::POST, &boss.access, &path, &json!({"reason": "", "duration": "7y"})).await;
    let body = expect_error(bad, 400, "validation_failed").await;
    assert_eq!(body["details"].as_array().unwrap().len(), 2, "{body}");

    let body = json!({"reason": "spam", "duration": "7d"});
    let (status, body) = json(admin_send(app, reqwest::Method::POST, &boss.access, &path, &body).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["user"]["status"], "suspended");
    assert_eq!(body["data"]["user"]["statusReason"], "spam");
    assert!(body["data"]["user"]["suspendedUntil"].is_string());
    assert_eq!(profile_status(app, &user.access).await, 401, "signed out at once");
    expect_error(login_response(app, "tim@example.com", PASSWORD).await, 401, "account_suspended").await;

    clocked.advance(chrono::Duration::days(7) + chrono::Duration::minutes(1));
    let back = login(app, "tim@example.com", PASSWORD).await;
    assert_eq!(back.user["status"], "active", "the suspension ended by itself");

    let boss = login(app, "boss@example.com", PASSWORD).await;
    let (status, body) =
        json(admin_get(app, &boss.access, &format!("/api/v1/admin/users/{}", user.user_id())).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["status"], "active");
    assert_eq!(body["data"]["isSuspended"], false);
    assert_eq!(body["data"]["suspendedUntil"], Value::Null);
}

#[tokio::test]
async fn unsuspend_and_role_changes() {
    let app = spawn().await;
    let boss = admin(&app, "boss@example.com").await;
    let user = register(&app, "max@example.com").await;
    let id = user.user_id();
    let suspend = json!({"reason": "check"});
    let post = reqwest::Method::POST;
    assert_eq!(
        admin_send(&app, post.clone(), &boss.access, &format!("/api/v1/admin/users/{id}/suspend"), &suspend)
            .await
            .status(),
        200
    );
    let (status, body) =
        json(admin_send(&app, post, &boss.access, &format!("/api/v1/admin/users/{id}/unsuspend"), &json!({})).await)
            .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["user"]["status"], "active");

    // Promotion keeps sessions; the new role shows at the next sign-in.
    let role_path = format!("/api/v1/admin/users/{id}/role");
    let session = login(&app, "max@example.com", PASSWORD).await;
    let (status, body) =
        json(admin_send(&app, reqwest::Method::PUT, &boss.access, &role_path, &json!({"role": "host"})).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["user"]["role"], "host");
    assert_eq!(profile_status(&app, &session.access).await, 200);
    let host: Session = login(&app, "max@example.com", PASSWORD).await;
    assert_eq!(host.user["role"], "USER", "DreamScape's spelling on the auth routes");
    assert_eq!(host.user["isHost"], true);
    // Demotion signs out: no token keeps the old role.
    let demote = json!({"role": "user"});
    assert_eq!(admin_send(&app, reqwest::Method::PUT, &boss.access, &role_path, &demote).await.status(), 200);
    assert_eq!(profile_status(&app, &host.access).await, 401);

    let bad = admin_send(&app, reqwest::Method::PUT, &boss.access, &role_path, &json!({"role": "king"})).await;
    expect_error(bad, 400, "validation_failed").await;
    let own = admin_send(
        &app,
        reqwest::Method::PUT,
        &boss.access,
        &format!("/api/v1/admin/users/{}/role", boss.user_id()),
        &demote,
    )
    .await;
    expect_error(own, 422, "unprocessable_entity").await;
    let missing = admin_get(&app, &boss.access, &format!("/api/v1/admin/users/{}", kernel::new_id())).await;
    expect_error(missing, 404, "not_found").await;
}
