use std::time::{Duration, Instant};

use serde_json::json;
use testkit::{expect_error, json};

use crate::support::{
    PASSWORD, contexts, cookie_attributes, cookie_of, login_response, post, profile_status, refresh_set_cookie,
    register, spawn,
};

#[tokio::test]
async fn login_returns_tokens_and_a_seven_day_cookie() {
    let app = spawn().await;
    let registered = register(&app, "lena@example.com").await;
    let response = login_response(&app, "lena@example.com", PASSWORD).await;
    let set_cookie = refresh_set_cookie(&response).expect("refresh cookie");
    let cookie = cookie_of(&response).unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(body["data"]["user"]["id"], registered.user["id"]);
    assert_eq!(body["data"]["user"]["email"], "lena@example.com");
    assert_eq!(body["data"]["tokens"]["refreshToken"].as_str().unwrap(), cookie);
    assert_ne!(cookie, registered.refresh, "a new session gets a new refresh token");
    assert!(cookie_attributes(&set_cookie).contains(&"max-age=604800".to_owned()), "{set_cookie}");
    assert!(cookie_attributes(&set_cookie).contains(&"httponly".to_owned()), "{set_cookie}");

    let access = body["data"]["tokens"]["accessToken"].as_str().unwrap();
    assert_eq!(profile_status(&app, access).await, 200);
    assert!(!body.to_string().to_ascii_lowercase().contains("hash"), "{body}");
}

#[tokio::test]
async fn remember_me_gets_a_thirty_day_cookie() {
    let app = spawn().await;
    register(&app, "lena@example.com").await;
    let response =
        post(&app, "/login", &json!({"email": "lena@example.com", "password": PASSWORD, "rememberMe": true})).await;
    assert_eq!(response.status(), 200);
    let set_cookie = refresh_set_cookie(&response).expect("refresh cookie");
    assert!(cookie_attributes(&set_cookie).contains(&"max-age=2592000".to_owned()), "{set_cookie}");

    let response =
        post(&app, "/login", &json!({"email": "lena@example.com", "password": PASSWORD, "rememberMe": false})).await;
    let set_cookie = refresh_set_cookie(&response).expect("refresh cookie");
    assert!(cookie_attributes(&set_cookie).contains(&"max-age=604800".to_owned()), "{set_cookie}");
}

#[tokio::test]
async fn wrong_password_and_unknown_email_are_indistinguishable() {
    let app = spawn().await;
    register(&app, "known@example.com").await;
    let wrong = login_response(&app, "known@example.com", "Password2!").await;
    assert!(refresh_set_cookie(&wrong).is_none(), "no cookie on failure");
    let wrong = expect_error(wrong, 401, "invalid_credentials").await;
    let unknown =
        expect_error(login_response(&app, "nobody@example.com", PASSWORD).await, 401, "invalid_credentials").await;
    assert_eq!(wrong, unknown, "identical bodies");
    // A missing password is not a way to probe either.
    let (status, _) = json(login_response(&app, "known@example.com", "").await).await;
    assert!(status == 400 || status == 401, "{status}");
}

#[tokio::test]
async fn suspended_and_banned_accounts_cannot_log_in() {
    let app = spawn().await;
    register(&app, "sus@example.com").await;
    register(&app, "ban@example.com").await;
    let db = app.platform.db("identity").unwrap();
    for (status, email) in [("suspended", "sus@example.com"), ("banned", "ban@example.com")] {
        platform::db::query("UPDATE users SET status = $1 WHERE email = $2")
            .bind(status)
            .bind(email)
            .execute(db)
            .await
            .unwrap();
    }
    expect_error(login_response(&app, "sus@example.com", PASSWORD).await, 401, "account_suspended").await;
    expect_error(login_response(&app, "ban@example.com", PASSWORD).await, 401, "account_banned").await;
    // A wrong password reveals nothing about the account's status.
    expect_error(login_response(&app, "sus@example.com", "Password2!").await, 401, "invalid_credentials").await;
}

#[tokio::test]
async fn unknown_fields_in_login_are_refused() {
    let app = spawn().await;
    register(&app, "lena@example.com").await;
    let body = json!({"email": "lena@example.com", "password": PASSWORD, "admin": true});
    let (status, _) = json(post(&app, "/login", &body).await).await;
    assert_eq!(status, 400);
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Unknown emails must cost a password hash too, or response times reveal which emails have
/// accounts. Uses the real (default) hash cost.
#[tokio::test]
async fn login_timing_does_not_reveal_accounts() {
    let app = testkit::spawn_with(contexts(), |c| c.rate_limit.enabled = false).await;
    register(&app, "timed@example.com").await;

    async fn timed(app: &testkit::TestApp, email: &str) -> Duration {
        let started = Instant::now();
        let status = login_response(app, email, "Password2!").await.status();
        let elapsed = started.elapsed();
        assert_eq!(status, 401);
        elapsed
    }

    for _ in 0..2 {
        timed(&app, "timed@example.com").await;
        timed(&app, "ghost@example.com").await;
    }
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    // Interleaved, so a burst of machine noise hits both series alike.
    for i in 0..10 {
        unknown.push(timed(&app, &format!("ghost{i}@example.com")).await);
        known.push(timed(&app, "timed@example.com").await);
    }
    let (known, unknown) = (median(known), median(unknown));
    assert!(known > Duration::ZERO && unknown > Duration::ZERO);
    let ratio = known.as_secs_f64() / unknown.as_secs_f64();
    assert!((1.0 / 3.0..=3.0).contains(&ratio), "known {known:?} vs unknown {unknown:?}");
}

#[tokio::test]
async fn legacy_bcrypt_hashes_sign_in_and_are_upgraded_to_argon2id() {
    let app = spawn().await;
    let db = app.platform.db("identity").unwrap();
    register(&app, "legacy@example.com").await;
    // As imported from the seeds' systems (bcrypt, cost 10 there; 4 keeps the test fast).
    let legacy = bcrypt::hash("Legacy-pass1", 4).unwrap();
    platform::db::query("UPDATE users SET password_hash = $1 WHERE email = $2")
        .bind(legacy.as_str())
        .bind("legacy@example.com")
        .execute(db)
        .await
        .unwrap();
    let stored = || async {
        let (h,): (String,) = platform::db::query("SELECT password_hash FROM users WHERE email = $1")
            .bind("legacy@example.com")
            .fetch_one(db)
            .await
            .unwrap();
        h
    };
    expect_error(login_response(&app, "legacy@example.com", "Legacy-pass2").await, 401, "invalid_credentials").await;
    assert!(stored().await.starts_with("$2"), "a failed login changes nothing");
    let (status, body) = json(login_response(&app, "legacy@example.com", "Legacy-pass1").await).await;
    assert_eq!(status, 200, "{body}");
    assert!(stored().await.starts_with("$argon2id$"), "re-hashed on the successful login");
    let (status, _) = json(login_response(&app, "legacy@example.com", "Legacy-pass1").await).await;
    assert_eq!(status, 200, "the new hash verifies the same password");
}
