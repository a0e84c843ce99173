use testkit::{TestApp, expect_error, json};

use crate::support::{
    PASSWORD, auth_path, contexts, cookie_attributes, get_bearer, login, post_bearer, profile_status, refresh,
    refresh_set_cookie, register, scratch_config, spawn, spawn_clocked,
};

/// `POST /logout` as a browser sends it: bearer token and refresh cookie, no body.
async fn logout(app: &TestApp, access: Option<&str>, refresh_cookie: Option<&str>) -> reqwest::Response {
    let mut request = app.client.post(app.url(&auth_path("/logout")));
    if let Some(access) = access {
        request = request.bearer_auth(access);
    }
    if let Some(token) = refresh_cookie {
        request = request.header("cookie", format!("refreshToken={token}"));
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn logout_revokes_this_session_only() {
    let app = spawn().await;
    let session = register(&app, "lou@example.com").await;
    let other = login(&app, "lou@example.com", PASSWORD).await;

    let response = logout(&app, Some(&session.access), Some(&session.refresh)).await;
    let cleared = refresh_set_cookie(&response).expect("the cookie is cleared");
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], true);
    assert!(cookie_attributes(&cleared).contains(&"max-age=0".to_owned()), "{cleared}");
    assert!(cookie_attributes(&cleared).contains(&"path=/api/v1/auth".to_owned()), "{cleared}");

    expect_error(get_bearer(&app, "/profile", &session.access).await, 401, "token_revoked").await;
    assert_eq!(refresh(&app, &session.refresh).await.status(), 401);

    assert_eq!(profile_status(&app, &other.access).await, 200);
    assert_eq!(refresh(&app, &other.refresh).await.status(), 200);
}

#[tokio::test]
async fn logout_with_only_the_bearer_token_ends_the_session() {
    let app = spawn().await;
    let session = register(&app, "lou@example.com").await;
    let (status, body) = json(logout(&app, Some(&session.access), None).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(profile_status(&app, &session.access).await, 401);
    assert_eq!(refresh(&app, &session.refresh).await.status(), 401, "the session's refresh token dies with it");
}

#[tokio::test]
async fn logout_with_only_the_cookie_ends_the_session() {
    let app = spawn().await;
    let session = register(&app, "lou@example.com").await;
    let (status, body) = json(logout(&app, None, Some(&session.refresh)).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(refresh(&app, &session.refresh).await.status(), 401);
    assert_eq!(profile_status(&app, &session.access).await, 401);
}

#[tokio::test]
async fn logout_all_revokes_every_session_of_the_user() {
    let app = spawn().await;
    let first = register(&app, "lou@example.com").await;
    let second = login(&app, "lou@example.com", PASSWORD).await;
    let third = login(&app, "lou@example.com", PASSWORD).await;
    let stranger = register(&app, "stranger@example.com").await;

    let (status, body) = json(post_bearer(&app, "/logout-all", &second.access).await).await;
    assert_eq!(status, 200, "{body}");
    for session in [&first, &second, &third] {
        assert_eq!(profile_status(&app, &session.access).await, 401);
        assert_eq!(refresh(&app, &session.refresh).await.status(), 401);
    }
    assert_eq!(profile_status(&app, &stranger.access).await, 200);
    assert_eq!(refresh(&app, &stranger.refresh).await.status(), 200);

    // Logging in again still works.
    let again = login(&app, "lou@example.com", PASSWORD).await;
    assert_eq!(profile_status(&app, &again.access).await, 200);
    assert_eq!(post_bearer(&app, "/logout-all", "garbage").await.status(), 401);
}

#[tokio::test]
async fn revocations_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = scratch_config(&dir);
    let app = testkit::spawn_config(config.clone(), contexts()).await;
    let gone = register(&app, "lou@example.com").await;
    let kept = login(&app, "lou@example.com", PASSWORD).await;
    let other = register(&app, "ann@example.com").await;
    let second = login(&app, "ann@example.com", PASSWORD).await;
    assert_eq!(logout(&app, Some(&gone.access), Some(&gone.refresh)).await.status(), 200);
    assert_eq!(post_bearer(&app, "/logout-all", &other.access).await.status(), 200);
    app.shutdown().await.unwrap();

    let app = testkit::spawn_config(config, contexts()).await;
    for session in [&gone, &other, &second] {
        assert_eq!(profile_status(&app, &session.access).await, 401, "still revoked after a restart");
        assert_eq!(refresh(&app, &session.refresh).await.status(), 401);
    }
    assert_eq!(profile_status(&app, &kept.access).await, 200, "same signing key, live session");
    assert_eq!(refresh(&app, &kept.refresh).await.status(), 200);
}

#[tokio::test]
async fn an_expired_access_token_still_names_the_session_to_end() {
    let clocked = spawn_clocked().await;
    let app = &clocked.app;
    let session = register(app, "lou@example.com").await;
    clocked.advance(chrono::Duration::minutes(16));
    // A tab left open: the access token has expired, and the client only sends that.
    let (status, body) = json(logout(app, Some(&session.access), None).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(refresh(app, &session.refresh).await.status(), 401, "the session named by the token is over");
}
