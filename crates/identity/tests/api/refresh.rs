use futures_util::future::join_all;
use serde_json::json;
use testkit::{expect_error, json};

use crate::support::{
    PASSWORD, cookie_attributes, cookie_of, login, login_with, post, profile_status, refresh, refresh_by_cookie,
    refresh_set_cookie, register, spawn,
};

#[tokio::test]
async fn refresh_rotates_both_tokens() {
    let app = spawn().await;
    let session = register(&app, "rui@example.com").await;
    let response = refresh(&app, &session.refresh).await;
    let cookie = cookie_of(&response).expect("a new refresh cookie");
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], true);
    let access = body["data"]["tokens"]["accessToken"].as_str().unwrap();
    let rotated = body["data"]["tokens"]["refreshToken"].as_str().unwrap();
    assert_ne!(access, session.access);
    assert_ne!(rotated, session.refresh);
    assert_eq!(rotated, cookie, "the cookie carries the rotated token");
    assert_eq!(profile_status(&app, access).await, 200);
    // Same session: the old access token stays valid until it expires.
    assert_eq!(profile_status(&app, &session.access).await, 200);

    // The rotated token works in turn.
    let (status, body) = json(refresh(&app, rotated).await).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn refresh_reads_the_cookie() {
    let app = spawn().await;
    let session = register(&app, "rui@example.com").await;
    let response = refresh_by_cookie(&app, &session.refresh).await;
    let set_cookie = refresh_set_cookie(&response).expect("a new refresh cookie");
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert!(cookie_attributes(&set_cookie).contains(&"httponly".to_owned()), "{set_cookie}");
    let rotated = body["data"]["tokens"]["refreshToken"].as_str().unwrap();
    assert!(set_cookie.contains(rotated), "{set_cookie}");
}

#[tokio::test]
async fn remember_me_survives_rotation() {
    let app = spawn().await;
    register(&app, "rui@example.com").await;
    let session =
        login_with(&app, &json!({"email": "rui@example.com", "password": PASSWORD, "rememberMe": true})).await;
    let response = refresh(&app, &session.refresh).await;
    let set_cookie = refresh_set_cookie(&response).expect("cookie");
    // The session keeps its 30-day expiry: the cookie lives for what remains of it.
    let max_age: u64 = cookie_attributes(&set_cookie)
        .iter()
        .find_map(|a| a.strip_prefix("max-age=").map(|v| v.parse().unwrap()))
        .unwrap_or_else(|| panic!("Max-Age in {set_cookie}"));
    assert!((604_800 + 1..=2_592_000).contains(&max_age), "{set_cookie}");
}

#[tokio::test]
async fn unknown_refresh_tokens_are_refused() {
    let app = spawn().await;
    let session = register(&app, "rui@example.com").await;
    for token in ["garbage", &session.access, &format!("{}x", session.refresh)] {
        expect_error(refresh(&app, token).await, 401, "invalid_refresh_token").await;
    }
    expect_error(refresh_by_cookie(&app, "garbage").await, 401, "invalid_refresh_token").await;
    for body in [json!({}), json!({"refreshToken": ""})] {
        let (status, _) = json(post(&app, "/refresh", &body).await).await;
        assert!(status == 400 || status == 401, "no token at all ({body}): {status}");
    }
    // None of this harmed the real session.
    assert_eq!(refresh(&app, &session.refresh).await.status(), 200);
}

#[tokio::test]
async fn reusing_a_rotated_token_revokes_the_whole_session() {
    let app = spawn().await;
    let session = register(&app, "rui@example.com").await;
    let other = login(&app, "rui@example.com", PASSWORD).await;

    let (_, body) = json(refresh(&app, &session.refresh).await).await;
    let newest_access = body["data"]["tokens"]["accessToken"].as_str().unwrap().to_owned();
    let newest_refresh = body["data"]["tokens"]["refreshToken"].as_str().unwrap().to_owned();

    // The stolen, already-rotated token is presented again.
    expect_error(refresh(&app, &session.refresh).await, 401, "refresh_token_reused").await;

    let (status, body) = json(refresh(&app, &newest_refresh).await).await;
    assert_eq!(status, 401, "the family is revoked: {body}");
    assert_eq!(profile_status(&app, &session.access).await, 401);
    assert_eq!(profile_status(&app, &newest_access).await, 401);
    // Another session of the same user is not touched.
    assert_eq!(profile_status(&app, &other.access).await, 200);
    assert_eq!(refresh(&app, &other.refresh).await.status(), 200);
}

#[tokio::test]
async fn concurrent_refreshes_of_one_token_have_exactly_one_winner() {
    let app = spawn().await;
    let session = register(&app, "race@example.com").await;
    let responses = join_all((0..20).map(|_| refresh(&app, &session.refresh))).await;
    let mut winners = Vec::new();
    let mut losers = 0;
    for response in responses {
        let (status, body) = json(response).await;
        match status {
            200 => winners.push(body["data"]["tokens"]["refreshToken"].as_str().unwrap().to_owned()),
            401 => losers += 1,
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one rotation");
    assert_eq!(losers, 19);
    // The losers presented a spent token: reuse, so the winner's token is revoked with its family.
    assert_eq!(refresh(&app, &winners[0]).await.status(), 401);
    assert_eq!(profile_status(&app, &session.access).await, 401);
}
