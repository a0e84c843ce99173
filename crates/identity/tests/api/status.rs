use serde_json::{Value, json};
use testkit::{TestApp, expect_error, json};

use crate::support::{PASSWORD, admin, login, login_response, profile_status, refresh, register, spawn};

async fn set_status(app: &TestApp, token: &str, user_id: &str, body: &Value) -> reqwest::Response {
    app.client
        .patch(app.url(&format!("/api/v1/admin/users/{user_id}/status")))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn suspension_ends_sessions_and_blocks_login_until_reactivated() {
    let app = spawn().await;
    let boss = admin(&app, "boss@example.com").await;
    assert_eq!(boss.user["role"], "ADMIN");
    let victim = register(&app, "vic@example.com").await;
    let bystander = register(&app, "by@example.com").await;

    let body = json!({"status": "suspended", "reason": "chargebacks"});
    let (status, response) = json(set_status(&app, &boss.access, &victim.user_id(), &body).await).await;
    assert_eq!(status, 200, "{response}");
    assert_eq!(response["data"]["user"]["id"], victim.user["id"]);
    assert_eq!(response["data"]["user"]["status"], "suspended");

    assert_eq!(profile_status(&app, &victim.access).await, 401);
    assert_eq!(refresh(&app, &victim.refresh).await.status(), 401);
    expect_error(login_response(&app, "vic@example.com", PASSWORD).await, 401, "account_suspended").await;
    assert_eq!(profile_status(&app, &bystander.access).await, 200, "other users are untouched");

    let (status, response) =
        json(set_status(&app, &boss.access, &victim.user_id(), &json!({"status": "active"})).await).await;
    assert_eq!(status, 200, "{response}");
    assert_eq!(response["data"]["user"]["status"], "active");
    let back = login(&app, "vic@example.com", PASSWORD).await;
    assert_eq!(back.user["status"], "active");
    assert_eq!(profile_status(&app, &back.access).await, 200);
}

#[tokio::test]
async fn banned_users_cannot_log_in() {
    let app = spawn().await;
    let boss = admin(&app, "boss@example.com").await;
    let victim = register(&app, "vic@example.com").await;
    let response = set_status(&app, &boss.access, &victim.user_id(), &json!({"status": "banned"})).await;
    assert_eq!(response.status(), 200);
    assert_eq!(profile_status(&app, &victim.access).await, 401);
    expect_error(login_response(&app, "vic@example.com", PASSWORD).await, 401, "account_banned").await;
}

#[tokio::test]
async fn only_admins_change_statuses() {
    let app = spawn().await;
    let user = register(&app, "user@example.com").await;
    let victim = register(&app, "vic@example.com").await;
    let body = json!({"status": "suspended"});
    expect_error(set_status(&app, &user.access, &victim.user_id(), &body).await, 403, "forbidden").await;
    let anonymous = app
        .client
        .patch(app.url(&format!("/api/v1/admin/users/{}/status", victim.user_id())))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    // The role is read at login: a token issued before the promotion is still a user's.
    let db = app.platform.db("identity").unwrap();
    platform::db::query("UPDATE users SET role = 'admin' WHERE email = $1")
        .bind("user@example.com")
        .execute(db)
        .await
        .unwrap();
    expect_error(set_status(&app, &user.access, &victim.user_id(), &body).await, 403, "forbidden").await;
    assert_eq!(profile_status(&app, &victim.access).await, 200);
}

#[tokio::test]
async fn unknown_users_and_bad_statuses_are_refused() {
    let app = spawn().await;
    let boss = admin(&app, "boss@example.com").await;
    let victim = register(&app, "vic@example.com").await;
    let body = json!({"status": "suspended"});
    expect_error(set_status(&app, &boss.access, &kernel::new_id().to_string(), &body).await, 404, "not_found").await;
    let (status, _) = json(set_status(&app, &boss.access, "not-an-id", &body).await).await;
    assert_eq!(status, 404);
    for bad in [json!({"status": "deleted"}), json!({}), json!({"status": "active", "role": "admin"})] {
        let (status, error) = json(set_status(&app, &boss.access, &victim.user_id(), &bad).await).await;
        assert_eq!(status, 400, "{bad}: {error}");
    }
    assert_eq!(profile_status(&app, &victim.access).await, 200);
}
