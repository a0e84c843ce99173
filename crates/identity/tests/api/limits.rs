use platform::config::Limit;
use serde_json::json;
use testkit::{expect_error, json};

use crate::support::{PASSWORD, auth_path, login_response, post, register, spawn, spawn_tweaked};

#[tokio::test]
async fn failed_logins_on_one_account_are_rate_limited() {
    let app = spawn_tweaked(|c| {
        c.rate_limit.enabled = true;
        c.rate_limit.login_per_account = Limit::new(3, 60);
    })
    .await;
    register(&app, "rita@example.com").await;
    for _ in 0..3 {
        expect_error(login_response(&app, "rita@example.com", "Password2!").await, 401, "invalid_credentials").await;
    }
    let response = login_response(&app, "rita@example.com", "Password2!").await;
    let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    expect_error(response, 429, "rate_limited").await;
    let retry_after: u64 = retry_after.expect("retry-after header").parse().expect("whole seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");

    // Another account from the same address is not affected by this account's limit.
    register(&app, "other@example.com").await;
    let (status, body) = json(login_response(&app, "other@example.com", PASSWORD).await).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn registrations_per_address_are_rate_limited() {
    let app = spawn_tweaked(|c| {
        c.rate_limit.enabled = true;
        c.rate_limit.register_per_ip = Limit::new(2, 3600);
    })
    .await;
    register(&app, "one@example.com").await;
    register(&app, "two@example.com").await;
    let response = post(&app, "/register", &json!({"email": "three@example.com", "password": PASSWORD})).await;
    assert!(response.headers().get("retry-after").is_some(), "{:?}", response.headers());
    expect_error(response, 429, "rate_limited").await;
}

#[tokio::test]
async fn without_rate_limits_failures_are_just_401() {
    let app = spawn().await;
    register(&app, "rita@example.com").await;
    for attempt in 0..30 {
        let response = login_response(&app, "rita@example.com", "Password2!").await;
        assert_eq!(response.status(), 401, "attempt {attempt}");
    }
    let (status, _) = json(login_response(&app, "rita@example.com", PASSWORD).await).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn malformed_input_is_never_a_server_error() {
    let app = spawn().await;
    register(&app, "bad@example.com").await;
    let huge = format!("{}@example.com", "a".repeat(10_000));
    let raw = [
        "not json".to_owned(),
        "".to_owned(),
        "{".to_owned(),
        "[1, 2, 3]".to_owned(),
        "null".to_owned(),
        "\"a string\"".to_owned(),
        json!({"email": huge, "password": PASSWORD}).to_string(),
        json!({"email": "bad@example.com", "password": "x".repeat(10_000)}).to_string(),
        json!({"email": null, "password": null, "token": null, "newPassword": null, "refreshToken": null}).to_string(),
        json!({"email": 42, "password": 42, "token": 42, "newPassword": 42, "refreshToken": 42}).to_string(),
        json!({"email": ["bad@example.com"], "password": {"p": PASSWORD}}).to_string(),
        json!({"token": "x".repeat(10_000), "newPassword": PASSWORD}).to_string(),
        json!({"refreshToken": "\u{0000}\u{ffff}🙂"}).to_string(),
        json!({"email": "bad@example.com\r\nBcc: x@example.com", "password": PASSWORD}).to_string(),
    ];
    let paths = ["/register", "/login", "/refresh", "/reset-password", "/forgot-password", "/verify-email"];
    for path in paths {
        for body in &raw {
            let status = app.post_raw(&auth_path(path), body.clone()).await.status().as_u16();
            assert!((400..500).contains(&status), "{path} {}: {status}", &body[..body.len().min(80)]);
        }
    }
    let wrong_type =
        app.client.post(app.url(&auth_path("/login"))).header("content-type", "text/plain").body("{}").send().await;
    assert!(wrong_type.unwrap().status().is_client_error());
}

#[tokio::test]
async fn repeated_failures_are_answered_progressively_slower_until_a_success() {
    let app = spawn_tweaked(|c| {
        c.rate_limit.enabled = true;
        c.rate_limit.login_per_account = Limit::new(50, 60);
        c.rate_limit.failures_before_delay = 1;
        c.rate_limit.max_failure_delay_ms = 600;
    })
    .await;
    register(&app, "slow@example.com").await;
    let timed_failure = || async {
        let started = std::time::Instant::now();
        expect_error(login_response(&app, "slow@example.com", "Wrong-pass1").await, 401, "invalid_credentials").await;
        started.elapsed()
    };
    let first = timed_failure().await;
    let second = timed_failure().await;
    let third = timed_failure().await;
    assert!(first < std::time::Duration::from_millis(240), "no delay before the threshold: {first:?}");
    assert!(second >= std::time::Duration::from_millis(250), "{second:?}");
    assert!(third >= std::time::Duration::from_millis(500), "doubles: {third:?}");
    let fourth = timed_failure().await;
    assert!(fourth >= std::time::Duration::from_millis(600), "capped at the maximum: {fourth:?}");

    let (status, _) = json(login_response(&app, "slow@example.com", PASSWORD).await).await;
    assert_eq!(status, 200, "the owner still signs in");
    let after = timed_failure().await;
    assert!(after < std::time::Duration::from_millis(240), "a success resets the count: {after:?}");
}

#[tokio::test]
async fn logins_per_address_are_rate_limited_across_accounts() {
    let app = spawn_tweaked(|c| {
        c.rate_limit.enabled = true;
        c.rate_limit.login_per_ip = Limit::new(5, 60);
    })
    .await;
    for i in 0..5 {
        let email = format!("user{i}@example.com");
        expect_error(login_response(&app, &email, PASSWORD).await, 401, "invalid_credentials").await;
    }
    expect_error(login_response(&app, "user9@example.com", PASSWORD).await, 429, "rate_limited").await;
}
