//! What identity asks others to deliver, as events in its outbox: the verification and reset
//! links (identity sends no mail itself any more), the sign-in facts a security alert needs
//! (`newDevice`), and the profile facts the notifications context keeps (address, verified
//! number, time zone).

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use reqwest::header::USER_AGENT;
use serde_json::{Value, json};
use testkit::{TestApp, json};

use crate::support::{
    PASSWORD, SAFARI_MAC, Session, auth_path, events_of, fast, post, post_bearer, register, spawn, spawn_clocked,
};

const FIREFOX_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

/// The token of a link `{public_url}/{page}?token=…`, checking the rest of it.
fn token_of(app: &TestApp, link: &Value, page: &str) -> String {
    let link = link.as_str().expect("a link");
    let prefix = format!("{}/{page}?token=", app.platform.config.server.public_url());
    let token = link.strip_prefix(prefix.as_str()).unwrap_or_else(|| panic!("{link} starts with {prefix}"));
    assert!(token.len() >= 40 && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
    token.to_owned()
}

fn instant(v: &Value) -> chrono::DateTime<chrono::Utc> {
    v.as_str().unwrap_or_else(|| panic!("an instant: {v}")).parse().unwrap()
}

/// Polls identity's outbox until it has `count` events of `event_type` (work done after the
/// answer, as a reset link is).
async fn wait_for_events(app: &TestApp, event_type: &str, count: usize) -> Vec<Value> {
    for _ in 0..100 {
        let events = events_of(app, event_type).await;
        if events.len() >= count {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    panic!("expected {count} {event_type} event(s)");
}

#[tokio::test]
async fn registration_resend_and_email_change_ask_for_a_verification_mail() {
    let app = spawn().await;
    let body = json!({"email": "ana@example.com", "password": PASSWORD, "firstName": "Ana"});
    let (status, registered) = json(post(&app, "/register", &body).await).await;
    assert_eq!(status, 201, "{registered}");
    let access = registered["data"]["tokens"]["accessToken"].as_str().unwrap().to_owned();
    let user_id = registered["data"]["user"]["id"].as_str().unwrap().to_owned();

    let events = events_of(&app, "identity.email_verification").await;
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(
        (&e["userId"], &e["email"], &e["firstName"]),
        (&json!(user_id), &json!("ana@example.com"), &json!("Ana"))
    );
    let ttl = instant(&e["expiresAt"]) - chrono::Utc::now();
    assert!(ttl > chrono::Duration::hours(23) && ttl <= chrono::Duration::hours(24), "{ttl}");
    let first = token_of(&app, &e["link"], "verify-email");

    assert_eq!(post_bearer(&app, "/resend-verification", &access).await.status(), 200);
    let events = events_of(&app, "identity.email_verification").await;
    assert_eq!(events.len(), 2);
    let second = token_of(&app, &events[1]["link"], "verify-email");
    assert_ne!(first, second);
    // Only the latest link works, and it verifies.
    assert_eq!(post(&app, "/verify-email", &json!({"token": first})).await.status(), 400);
    assert_eq!(post(&app, "/verify-email", &json!({"token": second})).await.status(), 200);

    let change = json!({"profile": {"email": "ana.lima@example.com"}});
    let changed = app.call(Method::PUT, Some(&access), "/api/v1/users/profile", Some(&change)).await;
    assert_eq!(changed.status(), 200);
    let events = events_of(&app, "identity.email_verification").await;
    assert_eq!(events.len(), 3);
    assert_eq!(events[2]["email"], "ana.lima@example.com");
    let updated = events_of(&app, "user.updated").await;
    assert_eq!(updated.last().unwrap()["email"], "ana.lima@example.com");
    let token = token_of(&app, &events[2]["link"], "verify-email");
    assert_eq!(post(&app, "/verify-email", &json!({"token": token})).await.status(), 200);
}

#[tokio::test]
async fn forgotten_passwords_ask_for_a_reset_mail_for_active_accounts_only() {
    let app = spawn().await;
    let s = register(&app, "ana@example.com").await;
    for email in ["nobody@example.com", "not an address", "ana@example.com"] {
        let (status, body) = json(post(&app, "/forgot-password", &json!({"email": email})).await).await;
        assert_eq!(status, 200, "the same answer for {email}: {body}");
    }
    let events = wait_for_events(&app, "identity.password_reset", 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let events_after = events_of(&app, "identity.password_reset").await;
    assert_eq!(events_after.len(), 1, "only the account that exists: {events_after:?}");
    let e = &events[0];
    assert_eq!((&e["userId"], &e["email"]), (&json!(s.user_id()), &json!("ana@example.com")));
    assert!(e.get("firstName").is_some(), "{e}");
    let ttl = instant(&e["expiresAt"]) - chrono::Utc::now();
    assert!(ttl > chrono::Duration::minutes(50) && ttl <= chrono::Duration::minutes(60), "{ttl}");

    let token = token_of(&app, &e["link"], "reset-password");
    let reset = json!({"token": token, "newPassword": "N3w-password!"});
    let (status, body) = json(post(&app, "/reset-password", &reset).await).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn identity_alone_sends_no_mail() {
    // Without the notifications context nothing turns the events into mails.
    let app = testkit::spawn_with(vec![Arc::new(identity::Identity) as Arc<dyn platform::Context>], fast).await;
    register(&app, "ana@example.com").await;
    assert_eq!(post(&app, "/forgot-password", &json!({"email": "ana@example.com"})).await.status(), 200);
    wait_for_events(&app, "identity.password_reset", 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let outbox = app.platform.config.data_dir.join("mail").join("outbox");
    let mails = std::fs::read_dir(&outbox).map(|d| d.count()).unwrap_or(0);
    assert_eq!(mails, 0, "identity wrote mails itself into {outbox:?}");
    assert_eq!(events_of(&app, "identity.email_verification").await.len(), 1);
}

async fn login_from(app: &TestApp, email: &str, user_agent: Option<&str>) -> Value {
    let mut request =
        app.client.post(app.url(&auth_path("/login"))).json(&json!({"email": email, "password": PASSWORD}));
    if let Some(ua) = user_agent {
        request = request.header(USER_AGENT, ua);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    events_of(app, "user.logged_in").await.pop().expect("a user.logged_in event")
}

#[tokio::test]
async fn a_sign_in_says_whether_the_device_is_new() {
    let clocked = spawn_clocked().await;
    let app = &clocked.app;
    let registered = app
        .client
        .post(app.url(&auth_path("/register")))
        .header(USER_AGENT, SAFARI_MAC)
        .json(&json!({"email": "ana@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 201);
    clocked.advance(chrono::Duration::minutes(5));

    // The registration's device is known.
    let e = login_from(app, "ana@example.com", Some(SAFARI_MAC)).await;
    assert_eq!(e["newDevice"], false, "{e}");
    assert_eq!(e["deviceLabel"], "Safari on macOS");
    let at = instant(&e["at"]) - kernel::Clock::now(clocked.clock.as_ref());
    assert!(at.num_milliseconds().abs() < 1, "{e}");

    let e = login_from(app, "ana@example.com", Some(FIREFOX_LINUX)).await;
    assert_eq!(e["newDevice"], true, "{e}");
    // Its session signed out, the device is still known.
    let firefox_session = e["sessionId"].as_str().unwrap().to_owned();
    let db = app.platform.db("identity").unwrap();
    platform::db::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2")
        .bind(chrono::Utc::now())
        .bind(firefox_session.parse::<uuid::Uuid>().unwrap())
        .execute(db)
        .await
        .unwrap();
    assert_eq!(login_from(app, "ana@example.com", Some(FIREFOX_LINUX)).await["newDevice"], false);
    assert_eq!(login_from(app, "ana@example.com", None).await["newDevice"], true, "an unknown device is new once");
    assert_eq!(login_from(app, "ana@example.com", None).await["newDevice"], false);
    // Another account's devices do not count.
    register(app, "bob@example.com").await;
    assert_eq!(login_from(app, "bob@example.com", Some(SAFARI_MAC)).await["newDevice"], true);
}

#[tokio::test]
async fn profile_events_carry_what_delivery_needs() {
    let app = spawn().await;
    let s: Session = register(&app, "ana@example.com").await;
    let update = json!({"profile": {"phoneNumber": "+33 6 12 34 56 78"},
        "preferences": {"timezone": "Europe/Paris", "language": "fr"}});
    assert_eq!(app.call(Method::PUT, Some(&s.access), "/api/v1/users/profile", Some(&update)).await.status(), 200);
    let e = events_of(&app, "user.profile_updated").await.pop().unwrap();
    assert_eq!(e["userId"], s.user_id().as_str());
    assert_eq!(e["email"], "ana@example.com");
    assert_eq!((&e["phoneNumber"], &e["phoneVerified"]), (&json!("+33 6 12 34 56 78"), &json!(false)));
    assert_eq!((&e["timezone"], &e["language"]), (&json!("Europe/Paris"), &json!("fr")));

    let clear = json!({"preferences": {"timezone": ""}});
    assert_eq!(app.call(Method::PUT, Some(&s.access), "/api/v1/users/profile", Some(&clear)).await.status(), 200);
    let e = events_of(&app, "user.profile_updated").await.pop().unwrap();
    assert_eq!(e["timezone"], Value::Null, "{e}");
}
