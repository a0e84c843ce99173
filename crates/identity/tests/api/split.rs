//! A context running in another process verifies identity's access tokens with the published
//! JWKS: no shared secret, no call to identity per request.

use std::sync::Arc;

use testkit::{expect_error, json};

use crate::support::{register, spawn};

#[tokio::test]
async fn another_process_verifies_tokens_with_the_jwks_alone() {
    let issuer = spawn().await;
    let session = register(&issuer, "split@example.com").await;

    let jwks_url = issuer.url("/.well-known/jwks.json");
    let other = testkit::spawn_with(vec![Arc::new(testkit::probe::Probe)], |c| c.auth.jwks_url = Some(jwks_url)).await;
    let secrets = std::fs::read_to_string(other.platform.config.data_dir.join("secrets.json")).unwrap_or_default();
    assert!(!secrets.contains("jwt_signing_key"), "the verifying process holds no signing secret");

    let whoami = |token: String| {
        let request = other.client.get(other.url("/api/v1/probes/whoami")).bearer_auth(token);
        async move { request.send().await.unwrap() }
    };
    let (status, body) = json(whoami(session.access.clone()).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["userId"], session.user_id().as_str());
    assert_eq!(body["data"]["role"], "user");

    // A token from an unrelated issuer (its own generated key) is refused.
    let stranger = spawn().await;
    let foreign = register(&stranger, "stranger@example.com").await;
    expect_error(whoami(foreign.access).await, 401, "invalid_token").await;
    expect_error(whoami("garbage".into()).await, 401, "invalid_token").await;

    // Identity itself refuses to start without a signing key.
    let dir = tempfile::tempdir().unwrap();
    let mut config = testkit::test_config(&dir);
    config.auth.jwks_url = Some(issuer.url("/.well-known/jwks.json"));
    let refused = platform::App::build(config, crate::support::contexts()).await;
    assert!(refused.err().is_some_and(|e| e.to_string().contains("jwt_signing_key")));
}
