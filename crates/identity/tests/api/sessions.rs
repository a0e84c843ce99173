use serde_json::{Value, json};
use testkit::{TestApp, expect_error, json};

use crate::support::{
    PASSWORD, SAFARI_MAC, Session, auth_path, get_bearer, login, post_bearer, profile_status, refresh, register, spawn,
};

async fn sessions(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, body) = json(get_bearer(app, "/sessions", token).await).await;
    assert_eq!(status, 200, "{body}");
    body["data"]["sessions"].as_array().expect("sessions").clone()
}

async fn delete_session(app: &TestApp, token: &str, id: &str) -> reqwest::Response {
    app.client.delete(app.url(&auth_path(&format!("/sessions/{id}")))).bearer_auth(token).send().await.unwrap()
}

async fn login_as_safari(app: &TestApp, email: &str) -> Session {
    let response = app
        .client
        .post(app.url(&auth_path("/login")))
        .header("user-agent", SAFARI_MAC)
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    let access = body["data"]["tokens"]["accessToken"].as_str().unwrap().to_owned();
    let refresh = body["data"]["tokens"]["refreshToken"].as_str().unwrap().to_owned();
    Session { access, refresh, user: body["data"]["user"].clone() }
}

#[tokio::test]
async fn sessions_lists_the_live_sessions_of_the_caller() {
    let app = spawn().await;
    let first = register(&app, "sam@example.com").await;
    let safari = login_as_safari(&app, "sam@example.com").await;
    let stranger = register(&app, "stranger@example.com").await;

    let list = sessions(&app, &safari.access).await;
    assert_eq!(list.len(), 2, "{list:?}");
    let ids: Vec<&str> = list.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&first.session_id().as_str()), "{list:?}");
    assert!(!ids.contains(&stranger.session_id().as_str()), "only the caller's sessions");

    let current: Vec<&Value> = list.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1, "{list:?}");
    let mine = current[0];
    assert_eq!(mine["id"].as_str().unwrap(), safari.session_id());
    assert_eq!(mine["userAgent"], SAFARI_MAC);
    let label = mine["deviceLabel"].as_str().unwrap();
    assert!(label.contains("Safari") && label.contains("macOS"), "{label}");
    assert!(mine["ip"].as_str().is_some_and(|ip| ip.contains("127.0.0.1")), "{mine}");
    for stamp in ["createdAt", "lastUsedAt", "expiresAt"] {
        let raw = mine[stamp].as_str().unwrap_or_else(|| panic!("{stamp}: {mine}"));
        assert!(chrono::DateTime::parse_from_rfc3339(raw).is_ok(), "{stamp}: {raw}");
    }
    assert!(mine["expiresAt"].as_str() > mine["createdAt"].as_str());
    assert!(!serde_json::to_string(&list).unwrap().contains(&safari.refresh), "no tokens in the list");

    // From the other session's point of view, the current one is the other.
    let theirs = sessions(&app, &first.access).await;
    let current: Vec<&Value> = theirs.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["id"].as_str().unwrap(), first.session_id());

    assert_eq!(app.get(&auth_path("/sessions")).await.status(), 401);
}

#[tokio::test]
async fn ended_sessions_are_not_listed() {
    let app = spawn().await;
    let first = register(&app, "sam@example.com").await;
    let second = login(&app, "sam@example.com", PASSWORD).await;
    let third = login(&app, "sam@example.com", PASSWORD).await;
    let logout = app
        .client
        .post(app.url(&auth_path("/logout")))
        .bearer_auth(&second.access)
        .header("cookie", format!("refreshToken={}", second.refresh))
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 200);

    let ids: Vec<String> =
        sessions(&app, &third.access).await.iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.contains(&first.session_id()) && ids.contains(&third.session_id()));
}

#[tokio::test]
async fn deleting_a_session_revokes_it() {
    let app = spawn().await;
    let first = register(&app, "sam@example.com").await;
    let second = login(&app, "sam@example.com", PASSWORD).await;

    let (status, body) = json(delete_session(&app, &second.access, &first.session_id()).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(profile_status(&app, &first.access).await, 401);
    assert_eq!(refresh(&app, &first.refresh).await.status(), 401);
    assert_eq!(profile_status(&app, &second.access).await, 200);
    let left = sessions(&app, &second.access).await;
    assert_eq!(left.len(), 1, "{left:?}");

    // Deleting it again changes nothing (200, idempotent, or 404, already gone).
    let again = delete_session(&app, &second.access, &first.session_id()).await.status().as_u16();
    assert!(again == 200 || again == 404, "{again}");
    assert_eq!(profile_status(&app, &second.access).await, 200);
}

#[tokio::test]
async fn sessions_of_others_and_garbage_ids_are_not_found() {
    let app = spawn().await;
    let sam = register(&app, "sam@example.com").await;
    let eve = register(&app, "eve@example.com").await;

    expect_error(delete_session(&app, &eve.access, &sam.session_id()).await, 404, "not_found").await;
    assert_eq!(profile_status(&app, &sam.access).await, 200, "untouched");
    for id in ["garbage", "00000000-0000-0000-0000-000000000000", &kernel::new_id().to_string()] {
        let (status, body) = json(delete_session(&app, &eve.access, id).await).await;
        assert_eq!(status, 404, "{id}: {body}");
    }
    assert_eq!(post_bearer(&app, "/verify-token", &eve.access).await.status(), 200);
}

#[tokio::test]
async fn housekeeping_deletes_ended_sessions_and_their_tokens() {
    let clocked = crate::support::spawn_clocked().await;
    let app = &clocked.app;
    let db = app.platform.db("identity").unwrap();
    let sweep = || identity::service::janitor::sweep(db, kernel::Clock::now(clocked.clock.as_ref()));
    let count = |sql: &'static str| async move {
        let (n,): (i64,) = platform::db::query(sql).fetch_one(db).await.unwrap();
        n
    };
    let ended = register(app, "old@example.com").await;
    let live = login(app, "old@example.com", PASSWORD).await;
    assert_eq!(post_bearer(app, "/logout", &ended.access).await.status(), 200);
    assert_eq!(count("SELECT COUNT(*) FROM sessions").await, 2);

    // A day later the ended session's tokens go; its row stays for the record.
    clocked.advance(chrono::Duration::hours(25));
    let swept = sweep().await.unwrap();
    assert_eq!((swept.refresh_tokens, swept.sessions), (1, 0));
    assert_eq!(refresh(app, &ended.refresh).await.status(), 401);
    assert_eq!(refresh(app, &live.refresh).await.status(), 200, "the live session is untouched");

    // 30 days on: the ended session is gone; the live one has expired (7 days), so its tokens
    // go too, and its row 30 days after its expiry.
    clocked.advance(chrono::Duration::days(30));
    assert_eq!(sweep().await.unwrap().sessions, 1);
    assert_eq!(count("SELECT COUNT(*) FROM refresh_tokens").await, 0);
    clocked.advance(chrono::Duration::days(7));
    assert_eq!(sweep().await.unwrap().sessions, 1);
    assert_eq!(count("SELECT COUNT(*) FROM sessions").await, 0);
}
