//! Phone verification by SMS code (`/api/v1/users/profile/phone/…`): the code, its limits
//! (expiry, attempts, single use, rate), what a verified number becomes, and the events that
//! carry it. The code is read from the SMS the notifications context writes to its outbox, or,
//! where delivery is not what is tested, from identity's `identity.phone_code` event.

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};
use testkit::{TestApp, expect_error, json};

use crate::support::{
    Session, code_in, detail_fields, events_of, register, spawn, spawn_clocked, spawn_tweaked, wait_for_sms,
};

const REQUEST: &str = "/api/v1/users/profile/phone/verification";
const VERIFY: &str = "/api/v1/users/profile/phone/verify";
const PARIS: &str = "+33612345678";

async fn call(app: &TestApp, method: Method, path: &str, token: &str, body: Option<&Value>) -> reqwest::Response {
    app.call(method, Some(token), path, body).await
}

async fn ask(app: &TestApp, s: &Session, body: Option<&Value>) -> reqwest::Response {
    call(app, Method::POST, REQUEST, &s.access, body).await
}

async fn ask_for(app: &TestApp, s: &Session, number: &str) -> Value {
    let (status, body) = json(ask(app, s, Some(&json!({"phoneNumber": number}))).await).await;
    assert_eq!(status, 202, "{body}");
    body["data"].clone()
}

async fn verify(app: &TestApp, s: &Session, code: &str) -> reqwest::Response {
    call(app, Method::POST, VERIFY, &s.access, Some(&json!({"code": code}))).await
}

/// The code of the latest `identity.phone_code` event for `number`.
async fn code_for(app: &TestApp, number: &str) -> String {
    let events = events_of(app, "identity.phone_code").await;
    let event = events.iter().rev().find(|e| e["phoneNumber"] == number).expect("a phone_code event");
    event["code"].as_str().unwrap().to_owned()
}

/// A 6-digit code that is not `code`.
fn other_than(code: &str) -> String {
    format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
}

async fn settings(app: &TestApp, s: &Session) -> Value {
    let (status, body) = json(call(app, Method::GET, "/api/v1/users/profile", &s.access, None).await).await;
    assert_eq!(status, 200, "{body}");
    body["profile"].clone()
}

#[tokio::test]
async fn the_code_arrives_by_sms_and_proves_the_number() {
    let app = spawn().await;
    let s = register(&app, "ana@example.com").await;
    let before = chrono::Utc::now();
    let data = ask_for(&app, &s, "+33 6 12 34 56 78").await;
    assert_eq!(data["phoneNumber"], PARIS, "E.164");
    let expires: chrono::DateTime<chrono::Utc> = data["expiresAt"].as_str().unwrap().parse().unwrap();
    let ttl = expires - before;
    assert!(ttl > chrono::Duration::minutes(9) && ttl <= chrono::Duration::minutes(10) + chrono::Duration::seconds(5));

    let sms = wait_for_sms(&app, PARIS, 1).await;
    let code = code_in(&sms);
    assert_eq!(code, code_for(&app, PARIS).await, "the SMS carries the event's code");

    let (status, body) = json(verify(&app, &s, &code).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"], json!({"phoneNumber": PARIS, "phoneVerified": true}));
    let profile = settings(&app, &s).await;
    assert_eq!((&profile["phoneNumber"], &profile["phoneVerified"]), (&json!(PARIS), &json!(true)));

    // Single use.
    expect_error(verify(&app, &s, &code).await, 409, "no_pending_verification").await;
}

#[tokio::test]
async fn verifying_emits_events_and_the_code_stays_out_of_everything_but_its_own() {
    let app = spawn().await;
    let s = register(&app, "ana@example.com").await;
    ask_for(&app, &s, PARIS).await;
    let sent = events_of(&app, "identity.phone_code").await;
    assert_eq!(sent.len(), 1);
    let user_id = s.user_id();
    assert_eq!(sent[0]["userId"], user_id.as_str());
    assert_eq!(sent[0]["phoneNumber"], PARIS);
    let code = sent[0]["code"].as_str().unwrap().to_owned();
    assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()), "{code}");
    assert!(sent[0]["expiresAt"].as_str().unwrap().parse::<chrono::DateTime<chrono::Utc>>().is_ok());

    assert_eq!(verify(&app, &s, &code).await.status(), 200);
    let verified = events_of(&app, "user.phone_verified").await;
    assert_eq!(verified, [json!({"userId": user_id, "phoneNumber": PARIS})]);
    let updated = events_of(&app, "user.profile_updated").await;
    let last = updated.last().expect("user.profile_updated");
    assert_eq!((&last["phoneNumber"], &last["phoneVerified"]), (&json!(PARIS), &json!(true)));
    assert_eq!(last["email"], "ana@example.com");

    // Only a keyed digest is stored.
    let db = app.platform.db("identity").unwrap();
    let (n,): (i64,) = platform::db::query("SELECT COUNT(*) FROM phone_verifications").fetch_one(db).await.unwrap();
    assert_eq!(n, 0, "the pending code is consumed");
}

#[tokio::test]
async fn the_number_defaults_to_the_account_s_and_must_be_international() {
    let app = spawn().await;
    let s = register(&app, "ana@example.com").await;
    let missing = expect_error(ask(&app, &s, None).await, 400, "validation_failed").await;
    assert_eq!(detail_fields(&missing), ["phoneNumber"]);
    for bad in ["0612345678", "call me", "+0612345678", "+1234567", "+33 6 12 34 56 78 ext 9"] {
        let body =
            expect_error(ask(&app, &s, Some(&json!({"phoneNumber": bad}))).await, 400, "validation_failed").await;
        assert_eq!(detail_fields(&body), ["phoneNumber"], "{bad}");
    }
    let shape =
        expect_error(ask(&app, &s, Some(&json!({"phoneNumber": 33612345678_i64}))).await, 400, "validation_failed")
            .await;
    assert_eq!(detail_fields(&shape), ["phoneNumber"]);

    // A national number in the profile cannot be texted.
    let national = json!({"profile": {"phoneNumber": "06 12 34 56 78"}});
    assert_eq!(call(&app, Method::PUT, "/api/v1/users/profile", &s.access, Some(&national)).await.status(), 200);
    let body = expect_error(ask(&app, &s, Some(&json!({}))).await, 400, "validation_failed").await;
    assert_eq!(detail_fields(&body), ["phoneNumber"]);

    let stored = json!({"profile": {"phoneNumber": "+44 20 7946 0958"}});
    assert_eq!(call(&app, Method::PUT, "/api/v1/users/profile", &s.access, Some(&stored)).await.status(), 200);
    let (status, body) = json(ask(&app, &s, None).await).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["data"]["phoneNumber"], "+442079460958");
    assert_eq!(code_for(&app, "+442079460958").await.len(), 6);
}

#[tokio::test]
async fn wrong_codes_are_counted_and_the_fifth_voids_the_code() {
    let app = spawn().await;
    let s = register(&app, "ana@example.com").await;
    ask_for(&app, &s, PARIS).await;
    let code = code_for(&app, PARIS).await;
    let wrong = other_than(&code);
    for _ in 0..4 {
        let body = expect_error(verify(&app, &s, &wrong).await, 400, "invalid_code").await;
        assert_eq!(detail_fields(&body), ["code"]);
    }
    let fifth = expect_error(verify(&app, &s, &wrong).await, 400, "invalid_code").await;
    assert!(fifth["message"].as_str().unwrap().contains("new code"), "{fifth}");
    // The right code no longer works either.
    let void = expect_error(verify(&app, &s, &code).await, 400, "invalid_code").await;
    assert!(void["message"].as_str().unwrap().contains("ask for a new code"), "{void}");
    assert_eq!(settings(&app, &s).await["phoneVerified"], false);

    // Asking again starts afresh.
    ask_for(&app, &s, PARIS).await;
    let fresh = code_for(&app, PARIS).await;
    assert_eq!(verify(&app, &s, &other_than(&fresh)).await.status(), 400);
    assert_eq!(verify(&app, &s, &fresh).await.status(), 200);
}

#[tokio::test]
async fn a_code_expires_after_ten_minutes() {
    let clocked = spawn_clocked().await;
    let app = &clocked.app;
    let s = register(app, "ana@example.com").await;
    ask_for(app, &s, PARIS).await;
    let code = code_for(app, PARIS).await;
    clocked.advance(chrono::Duration::minutes(9));
    expect_error(verify(app, &s, &other_than(&code)).await, 400, "invalid_code").await;
    clocked.advance(chrono::Duration::seconds(61));
    let body = expect_error(verify(app, &s, &code).await, 400, "code_expired").await;
    assert_eq!(detail_fields(&body), ["code"]);
    assert_eq!(settings(app, &s).await["phoneVerified"], false);
}

#[tokio::test]
async fn a_new_request_replaces_the_pending_code() {
    let app = spawn().await;
    let s = register(&app, "ana@example.com").await;
    ask_for(&app, &s, PARIS).await;
    let first = code_for(&app, PARIS).await;
    ask_for(&app, &s, "+14155552671").await;
    let second = code_for(&app, "+14155552671").await;
    if first != second {
        expect_error(verify(&app, &s, &first).await, 400, "invalid_code").await;
    }
    let (status, body) = json(verify(&app, &s, &second).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["phoneNumber"], "+14155552671", "the number the code was sent to");
}

#[tokio::test]
async fn malformed_or_unasked_codes() {
    let app = spawn().await;
    let s = register(&app, "ana@example.com").await;
    expect_error(verify(&app, &s, "123456").await, 409, "no_pending_verification").await;
    for bad in ["12345", "1234567", "12ab56", ""] {
        let body = expect_error(verify(&app, &s, bad).await, 400, "validation_failed").await;
        assert_eq!(detail_fields(&body), ["code"], "{bad:?}");
    }
    let missing =
        expect_error(call(&app, Method::POST, VERIFY, &s.access, Some(&json!({}))).await, 400, "validation_failed")
            .await;
    assert_eq!(detail_fields(&missing), ["code"]);
    // A malformed code spends no attempt.
    ask_for(&app, &s, PARIS).await;
    for _ in 0..6 {
        expect_error(verify(&app, &s, "abcdef").await, 400, "validation_failed").await;
    }
    assert_eq!(verify(&app, &s, &code_for(&app, PARIS).await).await.status(), 200);
}

#[tokio::test]
async fn the_routes_need_a_signed_in_account() {
    let app = spawn().await;
    for (path, body) in [(REQUEST, json!({"phoneNumber": PARIS})), (VERIFY, json!({"code": "123456"}))] {
        expect_error(app.call(Method::POST, None, path, Some(&body)).await, 401, "unauthorized").await;
        expect_error(app.call(Method::POST, Some("not-a-token"), path, Some(&body)).await, 401, "invalid_token").await;
    }
    assert!(events_of(&app, "identity.phone_code").await.is_empty());
}

#[tokio::test]
async fn an_already_verified_number_is_not_texted_again() {
    let app = spawn().await;
    let s = register(&app, "ana@example.com").await;
    ask_for(&app, &s, PARIS).await;
    assert_eq!(verify(&app, &s, &code_for(&app, PARIS).await).await.status(), 200);
    expect_error(ask(&app, &s, None).await, 409, "already_verified").await;
    expect_error(ask(&app, &s, Some(&json!({"phoneNumber": "0033 6 12 34 56 78"}))).await, 409, "already_verified")
        .await;
    assert_eq!(events_of(&app, "identity.phone_code").await.len(), 1);
    // Another number may be verified instead.
    assert_eq!(ask(&app, &s, Some(&json!({"phoneNumber": "+14155552671"}))).await.status(), 202);
}

#[tokio::test]
async fn requests_are_limited_per_account_and_per_number() {
    let app = spawn_tweaked(|c| c.rate_limit.enabled = true).await;
    let a = register(&app, "ana@example.com").await;
    let b = register(&app, "bob@example.com").await;
    for i in 0..5 {
        ask_for(&app, &a, &format!("+3361234567{i}")).await;
    }
    let response = ask(&app, &a, Some(&json!({"phoneNumber": "+33612345679"}))).await;
    let retry: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=3600).contains(&retry), "{retry}");
    expect_error(response, 429, "rate_limited").await;

    // The number +33612345670 had one code (for Ana): four more for Bob, then no more.
    for _ in 0..4 {
        ask_for(&app, &b, "+33612345670").await;
    }
    let response = ask(&app, &b, Some(&json!({"phoneNumber": "+33 6 12 34 56 70"}))).await;
    assert!(response.headers().contains_key("retry-after"));
    expect_error(response, 429, "rate_limited").await;
    assert_eq!(events_of(&app, "identity.phone_code").await.len(), 9);
}

#[tokio::test]
async fn ten_concurrent_verifies_with_the_right_code_succeed_once() {
    let app = spawn().await;
    let s = register(&app, "ana@example.com").await;
    ask_for(&app, &s, PARIS).await;
    let code = code_for(&app, PARIS).await;
    let responses = join_all((0..10).map(|_| verify(&app, &s, &code))).await;
    let mut ok = 0;
    for r in responses {
        let (status, body) = json(r).await;
        match status {
            200 => ok += 1,
            409 => assert_eq!(body["code"], "no_pending_verification", "{body}"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(ok, 1, "exactly one verification");
    assert_eq!(events_of(&app, "user.phone_verified").await.len(), 1);
}

#[tokio::test]
async fn changing_the_number_unverifies_it_unless_it_is_the_same_number() {
    let app = spawn().await;
    let s = register(&app, "ana@example.com").await;
    ask_for(&app, &s, PARIS).await;
    assert_eq!(verify(&app, &s, &code_for(&app, PARIS).await).await.status(), 200);

    // The verified number, spelt differently, through either profile route: still verified.
    let same = json!({"profile": {"phoneNumber": "+33 6 12 34 56 78"}});
    assert_eq!(call(&app, Method::PUT, "/api/v1/users/profile", &s.access, Some(&same)).await.status(), 200);
    let same = json!({"phoneNumber": "0033 (6) 12-34-56-78"});
    assert_eq!(call(&app, Method::PUT, "/api/v1/auth/profile", &s.access, Some(&same)).await.status(), 200);
    let profile = settings(&app, &s).await;
    assert_eq!((&profile["phoneNumber"], &profile["phoneVerified"]), (&json!(PARIS), &json!(true)));

    // Another number: unverified, and the events say so.
    let other = json!({"phoneNumber": "+33 6 99 88 77 66"});
    assert_eq!(call(&app, Method::PUT, "/api/v1/auth/profile", &s.access, Some(&other)).await.status(), 200);
    let profile = settings(&app, &s).await;
    assert_eq!((&profile["phoneNumber"], &profile["phoneVerified"]), (&json!("+33 6 99 88 77 66"), &json!(false)));
    for event_type in ["user.updated", "user.profile_updated"] {
        let last = events_of(&app, event_type).await.pop().unwrap();
        let facts = (&last["phoneNumber"], &last["phoneVerified"]);
        assert_eq!(facts, (&json!("+33 6 99 88 77 66"), &json!(false)), "{event_type}");
    }

    ask_for(&app, &s, "+33699887766").await;
    assert_eq!(verify(&app, &s, &code_for(&app, "+33699887766").await).await.status(), 200);
    let through_settings = json!({"profile": {"phoneNumber": "+33 6 12 34 56 78"}});
    assert_eq!(
        call(&app, Method::PUT, "/api/v1/users/profile", &s.access, Some(&through_settings)).await.status(),
        200
    );
    assert_eq!(settings(&app, &s).await["phoneVerified"], false);
    let last = events_of(&app, "user.profile_updated").await.pop().unwrap();
    assert_eq!((&last["phoneNumber"], &last["phoneVerified"]), (&json!("+33 6 12 34 56 78"), &json!(false)));
}

#[tokio::test]
async fn concurrent_guesses_spend_the_five_attempts_and_no_more() {
    let app = spawn().await;
    let s = register(&app, "ana@example.com").await;
    ask_for(&app, &s, PARIS).await;
    let code = code_for(&app, PARIS).await;
    let wrong: Vec<String> =
        (1..=20).map(|i| format!("{:06}", (code.parse::<u32>().unwrap() + i) % 1_000_000)).collect();
    for r in join_all(wrong.iter().map(|w| verify(&app, &s, w))).await {
        expect_error(r, 400, "invalid_code").await;
    }
    let db = app.platform.db("identity").unwrap();
    let (attempts,): (i64,) =
        platform::db::query("SELECT attempts FROM phone_verifications").fetch_one(db).await.unwrap();
    assert_eq!(attempts, 5);
    // Each guess was judged only after spending an attempt: the code is void now.
    expect_error(verify(&app, &s, &code).await, 400, "invalid_code").await;
}
