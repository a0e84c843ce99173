//! DreamScape's VR sessions (WEB-CLIENT.md row G1, §3.1, §3.2): a PIN made for a destination
//! resolves once, with DreamScape's statuses and error texts, stored so that another process
//! on the same database resolves it too; PIN guessing is rate-limited per address.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use platform::Context;
use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::TestApp;

const PATH: &str = "/api/v1/vr/sessions";

fn contexts() -> Vec<Arc<dyn Context>> {
    vec![Arc::new(identity::Identity), Arc::new(media::Media)]
}

async fn spawn() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut app = testkit::spawn_config(testkit::quick_config(&dir), contexts()).await;
    app.data_dir = Some(dir);
    app
}

async fn create(app: &TestApp, destination: &str) -> Value {
    let (status, body) = testkit::json(app.post_json(PATH, &json!({ "destination": destination })).await).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["success"], true, "{body}");
    body["data"].clone()
}

async fn resolve(app: &TestApp, pin: &str) -> (u16, Value) {
    testkit::json(app.get(&format!("{PATH}/{pin}")).await).await
}

/// A DreamScape error: `{ success: false, error }` with our `code` and `message` beside it.
fn assert_dreamscape_error(status: u16, body: &Value, want_status: u16, code: &str, error: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["message"], error, "{body}");
}

#[tokio::test]
async fn a_pin_opens_its_destination_exactly_once() {
    let app = spawn().await;
    let before = chrono::Utc::now().timestamp_millis();
    let made = create(&app, "  Paris ").await;
    let pin = made["pin"].as_str().expect("the PIN is a string");
    assert!(pin.len() == 6 && pin.bytes().all(|b| b.is_ascii_digit()), "{made}");
    assert!((100_000..=999_999).contains(&pin.parse::<u32>().unwrap()), "{pin}");
    assert_eq!(made["destination"], "paris");
    let expires = made["expiresAt"].as_i64().expect("expiresAt is a number of milliseconds");
    let after = chrono::Utc::now().timestamp_millis();
    assert!((before + 600_000..=after + 600_000).contains(&expires), "{expires} not 10 minutes from now");

    let (status, body) = resolve(&app, pin).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({ "success": true, "data": { "destination": "paris", "autoVR": true } }));

    let (status, body) = resolve(&app, pin).await;
    assert_dreamscape_error(status, &body, 409, "pin_used", "PIN has already been used");

    // Each create is a new PIN.
    let other = create(&app, "barcelona").await;
    assert_ne!(other["pin"], made["pin"]);
}

#[tokio::test]
async fn bad_create_requests_answer_400_in_dreamscapes_words() {
    let app = spawn().await;
    let url = app.url(PATH);
    let bodies: Vec<(Option<&str>, &str)> = vec![
        (None, ""),
        (Some("application/json"), ""),
        (Some("application/json"), "{not json"),
        (Some("application/json"), "{}"),
        (Some("application/json"), r#"{"destination": 42}"#),
        (Some("application/json"), r#"{"destination": ["paris"]}"#),
        (Some("application/json"), r#"{"destination": ""}"#),
        (Some("application/json"), r#"{"destination": "   "}"#),
        (Some("application/json"), r#"{"userId": "u1"}"#),
        (Some("application/json"), "[]"),
        (Some("text/plain"), "paris"),
    ];
    for (content_type, body) in bodies {
        let mut request = app.client.post(&url).body(body.to_owned());
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        let (status, answer) = testkit::json(request.send().await.unwrap()).await;
        let error = "Missing or invalid \"destination\" field";
        assert_dreamscape_error(status, &answer, 400, "invalid_destination", error);
    }
    let long = "x".repeat(65);
    let (status, answer) = testkit::json(app.post_json(PATH, &json!({ "destination": long })).await).await;
    assert_eq!((status, answer["code"].as_str()), (400, Some("invalid_destination")), "{answer}");
    // Other fields are ignored, as DreamScape's gateway does.
    let (status, answer) =
        testkit::json(app.post_json(PATH, &json!({ "destination": "Tokyo", "userId": 7, "extra": true })).await).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["data"]["destination"], "tokyo");
}

#[tokio::test]
async fn lookups_answer_400_for_a_bad_format_and_404_for_an_unknown_pin() {
    let app = spawn().await;
    for bad in ["12345", "1234567", "12a456", "abcdef", "%20123456"] {
        let (status, body) = resolve(&app, bad).await;
        assert_dreamscape_error(status, &body, 400, "invalid_pin", "Invalid PIN format. Must be 6 digits.");
    }
    // Never issued (below 100000), so certainly unknown.
    let (status, body) = resolve(&app, "000042").await;
    assert_dreamscape_error(status, &body, 404, "pin_not_found", "PIN not found or expired");
}

#[tokio::test]
async fn an_expired_pin_answers_410_once_and_is_then_gone() {
    let app = testkit::spawn_clocked("2030-03-01T10:00:00Z", contexts()).await;
    let made = create(&app, "paris").await;
    let pin = made["pin"].as_str().unwrap().to_owned();
    let expected = chrono::DateTime::parse_from_rfc3339("2030-03-01T10:10:00Z").unwrap().timestamp_millis();
    assert_eq!(made["expiresAt"], json!(expected), "expiry on the server's clock");

    app.clock.advance(chrono::Duration::seconds(599));
    let fresh = create(&app, "rome").await;
    app.clock.advance(chrono::Duration::seconds(2));
    let (status, body) = resolve(&app, &pin).await;
    assert_dreamscape_error(status, &body, 410, "pin_expired", "PIN has expired");
    let (status, body) = resolve(&app, &pin).await;
    assert_dreamscape_error(status, &body, 404, "pin_not_found", "PIN not found or expired");
    // The one made later still opens.
    let (status, body) = resolve(&app, fresh["pin"].as_str().unwrap()).await;
    assert_eq!((status, body["data"]["destination"].as_str()), (200, Some("rome")), "{body}");
}

#[tokio::test]
async fn of_twenty_concurrent_lookups_exactly_one_wins() {
    let app = spawn().await;
    let pin = create(&app, "paris").await["pin"].as_str().unwrap().to_owned();
    let lookups = (0..20).map(|_| {
        let request = app.client.get(app.url(&format!("{PATH}/{pin}")));
        async move { request.send().await.unwrap().status() }
    });
    let statuses = futures_util::future::join_all(lookups).await;
    let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let used = statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count();
    assert_eq!((won, used), (1, 19), "{statuses:?}");
}

#[tokio::test]
async fn a_token_is_optional_and_a_stale_one_does_not_refuse_the_pin() {
    let app = spawn().await;
    let user = testkit::accounts::register(&app, "traveller@example.com").await;
    for token in [Some(user.token.as_str()), Some("not-a-token"), None] {
        let mut request = app.client.post(app.url(PATH)).json(&json!({ "destination": "paris" }));
        if let Some(token) = token {
            request = request.bearer_auth(token).header("cookie", format!("accessToken={token}"));
        }
        let (status, body) = testkit::json(request.send().await.unwrap()).await;
        assert_eq!(status, 201, "{token:?}: {body}");
    }
}

#[tokio::test]
async fn another_process_on_the_same_database_sees_the_same_session() {
    let dir = tempfile::tempdir().unwrap();
    let config = testkit::quick_config(&dir);
    let here = testkit::spawn_config(config.clone(), contexts()).await;
    let there = testkit::spawn_config(config, contexts()).await;
    let pin = create(&here, "paris").await["pin"].as_str().unwrap().to_owned();
    let (status, body) = resolve(&there, &pin).await;
    assert_eq!((status, body["data"]["destination"].as_str()), (200, Some("paris")), "{body}");
    let (status, body) = resolve(&here, &pin).await;
    assert_dreamscape_error(status, &body, 409, "pin_used", "PIN has already been used");
}

#[tokio::test]
async fn pin_guessing_is_rate_limited_per_address() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = testkit::quick_config(&dir);
    config.rate_limit.enabled = true;
    let app = testkit::spawn_config(config, contexts()).await;
    let lookups = app.platform.config.media.vr_lookups_per_ip.count;
    for n in 0..lookups {
        let (status, body) = resolve(&app, &format!("{:06}", 1000 + n)).await;
        assert_eq!(status, 404, "lookup {n}: {body}");
    }
    let response = app.get(&format!("{PATH}/100000")).await;
    let retry: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let (status, body) = testkit::json(response).await;
    assert_eq!((status, body["success"].as_bool(), body["code"].as_str()), (429, Some(false), Some("rate_limited")));
    assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{body}");

    // Creations count apart.
    let creations = app.platform.config.media.vr_creations_per_ip.count;
    for _ in 0..creations {
        create(&app, "paris").await;
    }
    let response = app.post_json(PATH, &json!({ "destination": "paris" })).await;
    assert!(response.headers().contains_key("retry-after"));
    testkit::expect_error(response, 429, "rate_limited").await;
}

#[tokio::test]
async fn the_routes_are_documented_with_their_operation_ids() {
    let app = spawn().await;
    let (_, doc) = testkit::json(app.get("/api-docs/openapi.json").await).await;
    let op = |path: &str, method: &str| doc["paths"][path][method]["operationId"].as_str().map(str::to_owned);
    assert_eq!(op(PATH, "post").as_deref(), Some("create_vr_session"));
    assert_eq!(op("/api/v1/vr/sessions/{pin}", "get").as_deref(), Some("resolve_vr_session"));
    assert_eq!(op("/api/v1/vr/sessions/{pin}/join", "post").as_deref(), Some("join_vr_session"));
    assert_eq!(op("/api/v1/tours/{tourId}/sessions", "post").as_deref(), Some("create_tour_session"));
    assert_eq!(op("/api/v1/tour-sessions/{id}", "get").as_deref(), Some("get_tour_session"));
    assert_eq!(op("/api/v1/tour-sessions/{id}", "delete").as_deref(), Some("end_tour_session"));
    assert_eq!(op("/api/v1/tour-sessions/{id}/state", "put").as_deref(), Some("move_tour_session"));
}
