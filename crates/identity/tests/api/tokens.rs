use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use testkit::{expect_error, json};

use crate::support::{
    PASSWORD, b64, get_bearer, jwt_segment, login, login_with, post_bearer, profile_status, refresh, register, spawn,
    spawn_clocked,
};

#[tokio::test]
async fn verify_token_returns_the_user_and_claims() {
    let app = spawn().await;
    let session = register(&app, "tim@example.com").await;
    let (status, body) = json(post_bearer(&app, "/verify-token", &session.access).await).await;
    assert_eq!(status, 200, "{body}");
    let data = &body["data"];
    assert_eq!(data["valid"], true);
    assert_eq!(data["user"]["id"], session.user["id"]);
    assert_eq!(data["user"]["email"], "tim@example.com");
    let claims = &data["claims"];
    assert_eq!(claims["sub"], session.user["id"]);
    assert_eq!(claims["sid"].as_str().unwrap(), session.session_id());
    assert_eq!(claims["role"], "user");
    let (iat, exp) = (claims["iat"].as_i64().unwrap(), claims["exp"].as_i64().unwrap());
    assert_eq!(exp - iat, 15 * 60, "{claims}");

    for token in ["garbage", "a.b.c"] {
        assert_eq!(post_bearer(&app, "/verify-token", token).await.status(), 401);
    }
    let anonymous = app.client.post(app.url("/api/v1/auth/verify-token")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn jwks_publishes_the_signing_key() {
    let app = spawn().await;
    let response = app.get("/.well-known/jwks.json").await;
    assert!(
        response.headers()["content-type"].to_str().unwrap().starts_with("application/json"),
        "{:?}",
        response.headers()
    );
    let (status, jwks) = json(response).await;
    assert_eq!(status, 200, "{jwks}");
    assert!(jwks.get("success").is_none(), "plain JSON, no envelope: {jwks}");
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    assert_eq!(key["alg"], "EdDSA");
    assert_eq!(key["use"], "sig");
    let x = URL_SAFE_NO_PAD.decode(key["x"].as_str().unwrap()).expect("x is base64url");
    assert_eq!(x.len(), 32, "an Ed25519 public key");
    assert!(key.get("d").is_none(), "never the private key: {key}");

    let session = register(&app, "tim@example.com").await;
    let header = jwt_segment(&session.access, 0);
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["kid"], key["kid"]);
    let claims = jwt_segment(&session.access, 1);
    assert_eq!(claims["sub"], session.user["id"]);
}

/// Re-encodes `token` with `header` and `payload`, keeping its signature.
fn reassemble(header: &Value, payload: &Value, signature: &str) -> String {
    format!("{}.{}.{signature}", b64(header.to_string().as_bytes()), b64(payload.to_string().as_bytes()))
}

#[tokio::test]
async fn forged_tokens_are_refused() {
    let app = spawn().await;
    let session = register(&app, "tim@example.com").await;
    let real = &session.access;
    let segments: Vec<&str> = real.split('.').collect();
    let header = jwt_segment(real, 0);
    let payload = jwt_segment(real, 1);

    let none = reassemble(&json!({"alg": "none", "typ": "JWT"}), &payload, "");
    let mut admin = payload.clone();
    admin["role"] = json!("admin");
    let elevated = reassemble(&header, &admin, segments[2]);
    let mut longer = payload.clone();
    longer["exp"] = json!(payload["exp"].as_i64().unwrap() + 86_400);
    let extended = reassemble(&header, &longer, segments[2]);

    // Key confusion: HS256 "signed" with the published public key as the HMAC secret.
    let (_, jwks) = json(app.get("/.well-known/jwks.json").await).await;
    let public = URL_SAFE_NO_PAD.decode(jwks["keys"][0]["x"].as_str().unwrap()).unwrap();
    let hs_header = json!({"alg": "HS256", "typ": "JWT", "kid": header["kid"]});
    let signing_input = format!("{}.{}", b64(hs_header.to_string().as_bytes()), segments[1]);
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &public), signing_input.as_bytes());
    let hs256 = format!("{signing_input}.{}", b64(tag.as_ref()));

    let forged = [
        ("alg none", none),
        ("role changed", elevated),
        ("exp changed", extended),
        ("HS256", hs256),
        ("garbage", "garbage".to_owned()),
        ("two segments", format!("{}.{}", segments[0], segments[1])),
        ("four segments", format!("{real}.{}", segments[2])),
        ("signature of another token", {
            let other = register(&app, "eve@example.com").await;
            format!("{}.{}.{}", segments[0], segments[1], other.access.split('.').nth(2).unwrap())
        }),
    ];
    for (what, token) in forged {
        let body = expect_error(get_bearer(&app, "/profile", &token).await, 401, "invalid_token").await;
        assert!(body["message"].is_string(), "{what}");
        assert_eq!(post_bearer(&app, "/verify-token", &token).await.status(), 401, "{what}");
    }
    assert_eq!(profile_status(&app, real).await, 200, "the genuine token still works");
}

#[tokio::test]
async fn tokens_of_another_instance_are_refused() {
    let app = spawn().await;
    let elsewhere = spawn().await;
    let foreign = register(&elsewhere, "tim@example.com").await;
    assert_eq!(profile_status(&elsewhere, &foreign.access).await, 200);
    let (_, a) = json(app.get("/.well-known/jwks.json").await).await;
    let (_, b) = json(elsewhere.get("/.well-known/jwks.json").await).await;
    assert_ne!(a["keys"][0]["kid"], b["keys"][0]["kid"], "each data dir generates its own key");

    register(&app, "tim@example.com").await;
    expect_error(get_bearer(&app, "/profile", &foreign.access).await, 401, "invalid_token").await;
    expect_error(refresh(&app, &foreign.refresh).await, 401, "invalid_refresh_token").await;
}

#[tokio::test]
async fn expired_access_tokens_are_refused_and_refresh_still_works() {
    let clocked = spawn_clocked().await;
    let app = &clocked.app;
    let session = register(app, "tim@example.com").await;
    clocked.advance(chrono::Duration::minutes(14));
    assert_eq!(profile_status(app, &session.access).await, 200);
    clocked.advance(chrono::Duration::minutes(2));
    expect_error(get_bearer(app, "/profile", &session.access).await, 401, "token_expired").await;

    let (status, body) = json(refresh(app, &session.refresh).await).await;
    assert_eq!(status, 200, "{body}");
    let access = body["data"]["tokens"]["accessToken"].as_str().unwrap();
    assert_eq!(profile_status(app, access).await, 200);
    assert!(jwt_segment(access, 1)["iat"].as_i64().unwrap() >= clocked.unix_now() - 1);
}

#[tokio::test]
async fn health_reports_the_dependencies() {
    let app = spawn().await;
    let (status, body) = json(app.get("/api/v1/auth/health").await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "healthy");
    assert_eq!(body["database"], "connected");
    assert_eq!(body["cache"], "connected");
    assert!(body["uptime"].is_number(), "{body}");
    assert!(body.get("success").is_none(), "plain JSON: {body}");
}

#[tokio::test]
async fn refresh_tokens_expire_with_their_session() {
    let clocked = spawn_clocked().await;
    let app = &clocked.app;
    let short = register(app, "tim@example.com").await;
    let long = login_with(app, &json!({"email": "tim@example.com", "password": PASSWORD, "rememberMe": true})).await;
    clocked.advance(chrono::Duration::days(6));
    let (status, body) = json(refresh(app, &short.refresh).await).await;
    assert_eq!(status, 200, "{body}");
    let rotated = body["data"]["tokens"]["refreshToken"].as_str().unwrap().to_owned();

    // Rotation does not extend the session: seven days after login it is over.
    clocked.advance(chrono::Duration::days(1) + chrono::Duration::minutes(1));
    assert_eq!(refresh(app, &rotated).await.status(), 401);
    let (status, body) = json(refresh(app, &long.refresh).await).await;
    assert_eq!(status, 200, "remember-me lasts 30 days: {body}");
    let access = body["data"]["tokens"]["accessToken"].as_str().unwrap().to_owned();

    let fresh = login(app, "tim@example.com", PASSWORD).await;
    let (status, body) = json(get_bearer(app, "/sessions", &fresh.access).await).await;
    assert_eq!(status, 200, "{body}");
    let ids: Vec<&str> =
        body["data"]["sessions"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert!(!ids.contains(&short.session_id().as_str()), "expired sessions are not listed: {ids:?}");
    assert!(ids.contains(&long.session_id().as_str()) && ids.len() == 2, "{ids:?}");
    assert_eq!(profile_status(app, &access).await, 200);
}
