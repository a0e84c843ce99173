//! Two identity instances sharing Redis (`SOJOURN_TEST_REDIS_URL`; required when `CI=true`):
//! the per-address login limit holds across them, and a logout at one is refused at the other.

use std::sync::Arc;
use std::time::{Duration, Instant};

use platform::config::{Config, Limit};
use serde_json::json;
use testkit::{json, spawn_with};

#[tokio::test]
async fn limits_and_logouts_hold_across_two_apps() {
    let Some(url) = testkit::service_url("SOJOURN_TEST_REDIS_URL") else { return };
    let shared = format!("test{}:", &kernel::new_id().simple().to_string()[20..]);
    let tweak = |c: &mut Config| {
        c.redis.url = Some(url.clone());
        c.redis.key_prefix = shared.clone();
        c.auth.password_hash.memory_kib = 1024;
        c.auth.password_hash.iterations = 1;
        c.rate_limit.login_per_ip = Limit::new(3, 60);
    };
    let a = spawn_with(vec![Arc::new(identity::Identity)], tweak).await;
    let key = a.platform.secrets.get("jwt_signing_key").unwrap().clone();
    let b = spawn_with(vec![Arc::new(identity::Identity), Arc::new(testkit::probe::Probe)], |c| {
        tweak(c);
        c.secrets.insert("jwt_signing_key".into(), key);
    })
    .await;

    let body = json!({"email": "guest@example.com", "password": "Password1!"});
    let (status, reg) = json(a.post_json("/api/v1/auth/register", &body).await).await;
    assert_eq!(status, 201, "{reg}");
    let token = reg["data"]["tokens"]["accessToken"].as_str().unwrap().to_owned();
    let whoami = || b.client.get(b.url("/api/v1/probes/whoami")).bearer_auth(&token).send();
    assert_eq!(whoami().await.unwrap().status(), 200, "B trusts A's tokens");

    // Logged out at A: refused at B within moments.
    let out = a.client.post(a.url("/api/v1/auth/logout")).bearer_auth(&token).json(&json!({})).send().await.unwrap();
    assert!(out.status().is_success(), "{}", out.status());
    let deadline = Instant::now() + Duration::from_secs(3);
    while whoami().await.unwrap().status() != 401 {
        assert!(Instant::now() < deadline, "B still accepts a token revoked at A");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Three logins per minute per address, whichever instance is asked.
    let wrong = json!({"email": "guest@example.com", "password": "wrong-password"});
    let mut statuses = Vec::new();
    for app in [&a, &b, &a, &b] {
        statuses.push(app.post_json("/api/v1/auth/login", &wrong).await.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429]);
}
