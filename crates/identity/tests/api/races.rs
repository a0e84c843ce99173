//! Invariants raced with many concurrent real requests: one account per email, one use per
//! reset link, one use per two-factor code and per recovery code.

use futures_util::future::join_all;
use serde_json::json;
use testkit::json;

use crate::mfa::{EMAIL, enable_mfa};
use crate::support::{PASSWORD, post, register, spawn, spawn_clocked, token_in, totp_at, wait_for_mail};

/// Status counts of `responses`: (2xx, 4xx) — and no other status.
async fn tally(responses: Vec<reqwest::Response>) -> (usize, Vec<String>) {
    let mut ok = 0;
    let mut codes = Vec::new();
    for r in responses {
        let (status, body) = json(r).await;
        match status {
            200 | 201 => ok += 1,
            400..=499 => codes.push(body["code"].as_str().unwrap_or_default().to_owned()),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    (ok, codes)
}

#[tokio::test]
async fn concurrent_registrations_of_one_email_create_one_account() {
    let app = spawn().await;
    let bodies: Vec<_> = (0..20)
        .map(|i| json!({"email": if i % 2 == 0 { "Race@Example.com" } else { " race@example.com" }, "password": PASSWORD}))
        .collect();
    let (ok, codes) = tally(join_all(bodies.iter().map(|b| post(&app, "/register", b))).await).await;
    assert_eq!(ok, 1, "exactly one account");
    assert_eq!(codes.len(), 19);
    assert!(codes.iter().all(|c| c == "email_taken"), "{codes:?}");
    let db = app.platform.db("identity").unwrap();
    let (n,): (i64,) = platform::db::query("SELECT COUNT(*) FROM users").fetch_one(db).await.unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn a_reset_link_works_once_under_concurrency() {
    let app = spawn().await;
    register(&app, "reset@example.com").await;
    wait_for_mail(&app, "reset@example.com", 1).await;
    assert_eq!(post(&app, "/forgot-password", &json!({"email": "reset@example.com"})).await.status(), 200);
    let token = token_in(&wait_for_mail(&app, "reset@example.com", 2).await);
    let bodies: Vec<_> = (0..10).map(|i| json!({"token": token, "newPassword": format!("New-passw0rd-{i}")})).collect();
    let (ok, codes) = tally(join_all(bodies.iter().map(|b| post(&app, "/reset-password", b))).await).await;
    assert_eq!(ok, 1, "one reset");
    assert!(codes.iter().all(|c| c == "invalid_token"), "{codes:?}");
}

#[tokio::test]
async fn a_totp_code_and_a_recovery_code_each_sign_in_once_under_concurrency() {
    let clocked = spawn_clocked().await;
    let app = &clocked.app;
    let (_session, secret, recovery) = enable_mfa(&clocked).await;
    // The code of the next step (enable consumed the current one).
    clocked.advance(chrono::Duration::seconds(30));
    let code = totp_at(&secret, clocked.unix_now());
    let body = json!({"email": EMAIL, "password": PASSWORD, "totpCode": code});
    let (ok, codes) = tally(join_all((0..10).map(|_| post(app, "/login", &body))).await).await;
    assert_eq!(ok, 1, "a code signs in once");
    assert!(codes.iter().all(|c| c == "invalid_mfa_code"), "{codes:?}");

    let body = json!({"email": EMAIL, "password": PASSWORD, "recoveryCode": recovery[0]});
    let (ok, codes) = tally(join_all((0..10).map(|_| post(app, "/login", &body))).await).await;
    assert_eq!(ok, 1, "a recovery code signs in once");
    assert!(codes.iter().all(|c| c == "invalid_mfa_code"), "{codes:?}");
}
