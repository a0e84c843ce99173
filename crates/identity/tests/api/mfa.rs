use serde_json::{Value, json};
use testkit::{TestApp, expect_error, json};

use crate::support::{
    Clocked, PASSWORD, Session, login_with, post, post_bearer, post_bearer_json, profile, register, spawn,
    spawn_clocked, totp_at, wrong_totp,
};

pub(crate) const EMAIL: &str = "mo@example.com";

fn half_minute() -> chrono::Duration {
    chrono::Duration::seconds(30)
}

async fn login_body(app: &TestApp, extra: Value) -> reqwest::Response {
    let mut body = json!({"email": EMAIL, "password": PASSWORD});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    post(app, "/login", &body).await
}

/// Registers, sets MFA up and enables it; returns the session, the secret and the recovery codes.
pub(crate) async fn enable_mfa(clocked: &Clocked) -> (Session, String, Vec<String>) {
    let app = &clocked.app;
    let session = register(app, EMAIL).await;
    let (status, body) = json(post_bearer(app, "/mfa/setup", &session.access).await).await;
    assert_eq!(status, 200, "{body}");
    let secret = body["data"]["secret"].as_str().expect("secret").to_owned();
    let uri = body["data"]["otpauthUri"].as_str().expect("otpauthUri");
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    assert!(!secret.contains('='), "unpadded base32: {secret}");
    assert_eq!(profile(app, &session.access).await["mfaEnabled"], false, "not before it is confirmed");

    let now = clocked.unix_now();
    let wrong = json!({"code": wrong_totp(&secret, now)});
    expect_error(post_bearer_json(app, "/mfa/enable", &session.access, &wrong).await, 400, "invalid_mfa_code").await;

    let right = json!({"code": totp_at(&secret, now)});
    let (status, body) = json(post_bearer_json(app, "/mfa/enable", &session.access, &right).await).await;
    assert_eq!(status, 200, "{body}");
    let codes: Vec<String> = body["data"]["recoveryCodes"]
        .as_array()
        .expect("recoveryCodes")
        .iter()
        .map(|c| c.as_str().expect("a string code").to_owned())
        .collect();
    assert_eq!(codes.len(), 10, "{body}");
    let mut distinct = codes.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 10, "distinct codes");
    assert!(codes.iter().all(|c| c.len() >= 8), "{codes:?}");
    let user = profile(app, &session.access).await;
    assert_eq!(user["mfaEnabled"], true);
    assert!(!user.to_string().contains(&secret), "the secret is never shown again: {user}");
    (session, secret, codes)
}

#[tokio::test]
async fn login_with_mfa_needs_a_code() {
    let clocked = spawn_clocked().await;
    let app = &clocked.app;
    let (_, secret, _) = enable_mfa(&clocked).await;

    expect_error(login_body(app, json!({})).await, 401, "mfa_required").await;
    let wrong = login_body(app, json!({"totpCode": wrong_totp(&secret, clocked.unix_now())})).await;
    expect_error(wrong, 401, "invalid_mfa_code").await;
    // A wrong password says so, whatever the MFA state.
    let response = post(app, "/login", &json!({"email": EMAIL, "password": "Password2!"})).await;
    expect_error(response, 401, "invalid_credentials").await;

    clocked.advance(half_minute());
    let code = totp_at(&secret, clocked.unix_now());
    let session = login_with(app, &json!({"email": EMAIL, "password": PASSWORD, "totpCode": code})).await;
    assert_eq!(profile(app, &session.access).await["mfaEnabled"], true);
}

#[tokio::test]
async fn recovery_codes_work_once_each() {
    let clocked = spawn_clocked().await;
    let app = &clocked.app;
    let (_, _, codes) = enable_mfa(&clocked).await;

    login_with(app, &json!({"email": EMAIL, "password": PASSWORD, "recoveryCode": codes[0]})).await;
    expect_error(login_body(app, json!({"recoveryCode": codes[0]})).await, 401, "invalid_mfa_code").await;
    login_with(app, &json!({"email": EMAIL, "password": PASSWORD, "recoveryCode": codes[1]})).await;
    expect_error(login_body(app, json!({"recoveryCode": "not-a-code"})).await, 401, "invalid_mfa_code").await;
}

#[tokio::test]
async fn mfa_can_be_disabled_with_password_and_code() {
    let clocked = spawn_clocked().await;
    let app = &clocked.app;
    let (session, secret, _) = enable_mfa(&clocked).await;

    clocked.advance(half_minute());
    let code = totp_at(&secret, clocked.unix_now());
    let wrong_password = json!({"password": "Password2!", "code": code});
    let response = post_bearer_json(app, "/mfa/disable", &session.access, &wrong_password).await;
    expect_error(response, 401, "invalid_credentials").await;
    let wrong_code = json!({"password": PASSWORD, "code": wrong_totp(&secret, clocked.unix_now())});
    let (status, body) = json(post_bearer_json(app, "/mfa/disable", &session.access, &wrong_code).await).await;
    assert!(status == 400 || status == 401, "{body}");
    assert_eq!(body["code"], "invalid_mfa_code", "{body}");
    assert_eq!(profile(app, &session.access).await["mfaEnabled"], true);

    clocked.advance(half_minute());
    let right = json!({"password": PASSWORD, "code": totp_at(&secret, clocked.unix_now())});
    let (status, body) = json(post_bearer_json(app, "/mfa/disable", &session.access, &right).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(profile(app, &session.access).await["mfaEnabled"], false);
    login_with(app, &json!({"email": EMAIL, "password": PASSWORD})).await;
}

#[tokio::test]
async fn mfa_endpoints_need_authentication() {
    let app = spawn().await;
    for path in ["/mfa/setup", "/mfa/enable", "/mfa/disable"] {
        let response = app.client.post(app.url(&format!("/api/v1/auth{path}"))).json(&json!({})).send().await;
        assert_eq!(response.unwrap().status(), 401, "{path}");
    }
    // Enabling without a pending setup is refused.
    let session = register(&app, EMAIL).await;
    let response = post_bearer_json(&app, "/mfa/enable", &session.access, &json!({"code": "123456"})).await;
    assert_eq!(response.status().as_u16() / 100, 4);
    assert_eq!(profile(&app, &session.access).await["mfaEnabled"], false);
}

/// RFC 6238 §5.2: once a code was accepted, the same code must not be accepted again.
#[tokio::test]
async fn a_totp_code_is_accepted_once() {
    let clocked = spawn_clocked().await;
    let app = &clocked.app;
    let (_, secret, _) = enable_mfa(&clocked).await;
    clocked.advance(half_minute());
    let code = totp_at(&secret, clocked.unix_now());
    login_with(app, &json!({"email": EMAIL, "password": PASSWORD, "totpCode": code})).await;
    expect_error(login_body(app, json!({"totpCode": code})).await, 401, "invalid_mfa_code").await;
}

#[tokio::test]
async fn the_totp_secret_is_stored_sealed() {
    let clocked = spawn_clocked().await;
    let (_session, secret, codes) = enable_mfa(&clocked).await;
    let db = clocked.app.platform.db("identity").unwrap();
    let (stored,): (String,) =
        platform::db::query("SELECT mfa_secret FROM users WHERE email = $1").bind(EMAIL).fetch_one(db).await.unwrap();
    assert!(!stored.contains(&secret), "the seed must not be readable from the database");
    let hashes: Vec<(Vec<u8>,)> =
        platform::db::query("SELECT code_hash FROM recovery_codes").fetch_all(db).await.unwrap();
    assert_eq!(hashes.len(), 10);
    for (hash,) in hashes {
        assert!(codes.iter().all(|c| !String::from_utf8_lossy(&hash).contains(c.as_str())));
    }
}
