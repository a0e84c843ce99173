//! The plain WebSocket at `/ws`: three ways to authenticate, JSON frames, rooms.

use std::time::Duration;

use platform::realtime::Room;
use serde_json::{Value, json};
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use super::{Ws, app, closed_with, next_text, send, user, ws_url};

const WAIT: Duration = Duration::from_secs(5);

async fn next_json(ws: &mut Ws) -> Value {
    serde_json::from_str(&next_text(ws, WAIT).await.expect("a frame")).unwrap()
}

async fn with_header(app: &testkit::TestApp, name: &'static str, value: &str) -> Result<Ws, u16> {
    let mut request = ws_url(app, "/ws").into_client_request().unwrap();
    request.headers_mut().insert(name, HeaderValue::from_str(value).unwrap());
    match connect_async(request).await {
        Ok((ws, response)) => {
            if name == "sec-websocket-protocol" {
                assert_eq!(response.headers()["sec-websocket-protocol"], "sojourn.v1");
            }
            Ok(ws)
        }
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(e) => panic!("{e}"),
    }
}

#[tokio::test]
async fn authenticates_by_header_subprotocol_or_first_frame() {
    let app = app(|_| {}).await;
    let u = user(&app);

    let mut ws = with_header(&app, "authorization", &format!("Bearer {}", u.token)).await.unwrap();
    assert_eq!(next_json(&mut ws).await["userId"], json!(u.id));

    let mut ws = with_header(&app, "sec-websocket-protocol", &format!("sojourn.v1, bearer.{}", u.token)).await.unwrap();
    assert_eq!(next_json(&mut ws).await["type"], "ready");

    let (mut ws, _) = connect_async(ws_url(&app, "/ws")).await.unwrap();
    send(&mut ws, &json!({ "type": "auth", "token": u.token }).to_string()).await;
    assert_eq!(next_json(&mut ws).await["type"], "ready");
    assert_eq!(app.platform.realtime.stats().connections, 3);

    // A bad token with the upgrade never gets a socket.
    assert_eq!(with_header(&app, "authorization", "Bearer nope").await.err(), Some(401));
    // Nor in the first frame, nor anything but an auth frame first.
    for first in [json!({ "type": "auth", "token": "nope" }), json!({ "type": "ping" })] {
        let (mut ws, _) = connect_async(ws_url(&app, "/ws")).await.unwrap();
        send(&mut ws, &first.to_string()).await;
        assert_eq!(closed_with(&mut ws, WAIT).await, Some(4001), "{first}");
    }
}

#[tokio::test]
async fn an_unauthenticated_socket_is_closed_after_the_auth_timeout() {
    let app = app(|c| c.realtime.auth_timeout_ms = 300).await;
    let (mut ws, _) = connect_async(ws_url(&app, "/ws")).await.unwrap();
    assert_eq!(closed_with(&mut ws, Duration::from_secs(3)).await, Some(4001));
}

#[tokio::test]
async fn events_acks_errors_and_conversation_rooms() {
    let app = app(|_| {}).await;
    let (a, b) = (user(&app), user(&app));
    let mut wa = with_header(&app, "authorization", &format!("Bearer {}", a.token)).await.unwrap();
    let mut wb = with_header(&app, "authorization", &format!("Bearer {}", b.token)).await.unwrap();
    next_json(&mut wa).await;
    next_json(&mut wb).await;

    let id = app.platform.realtime.publish(Room::User(a.id), "new_message", json!({ "body": "hello" }));
    let event = next_json(&mut wa).await;
    assert_eq!(event, json!({ "type": "event", "event": "new_message", "id": id, "data": { "body": "hello" } }));

    send(&mut wa, r#"{"type":"emit","event":"probe:echo","data":{"x":1},"ref":"r1"}"#).await;
    let ack = next_json(&mut wa).await;
    assert_eq!(
        (ack["type"].as_str(), ack["ref"].as_str(), ack["success"].as_bool()),
        (Some("ack"), Some("r1"), Some(true))
    );
    assert_eq!(ack["data"]["echo"], json!({ "x": 1 }));

    send(&mut wa, r#"{"type":"ping"}"#).await;
    assert_eq!(next_json(&mut wa).await, json!({ "type": "pong" }));
    for (bad, code) in [
        ("not json", "bad_frame"),
        (r#"{"type":"emit","event":"nope"}"#, "unknown_event"),
        (r#"{"type":"emit","event":"probe:echo","ref":{"o":1}}"#, "bad_frame"),
        (r#"{"type":"auth","token":"x"}"#, "already_authenticated"),
    ] {
        send(&mut wa, bad).await;
        let error = next_json(&mut wa).await;
        assert_eq!((error["type"].as_str(), error["code"].as_str()), (Some("error"), Some(code)), "{bad}");
    }

    // A conversation room reaches only the sockets that joined it.
    let conversation = kernel::new_id();
    let join = json!({ "type": "emit", "event": "probe:join", "data": { "conversationId": conversation }, "ref": 1 });
    send(&mut wb, &join.to_string()).await;
    assert_eq!(next_json(&mut wb).await["success"], true);
    app.platform.realtime.publish(Room::Conversation(conversation), "typing", json!({ "typing": true }));
    assert_eq!(next_json(&mut wb).await["event"], "typing");
    assert_eq!(next_text(&mut wa, Duration::from_millis(300)).await, None);
}

#[tokio::test]
async fn a_revoked_session_closes_with_4001() {
    let app = app(|_| {}).await;
    let u = user(&app);
    let mut ws = with_header(&app, "authorization", &format!("Bearer {}", u.token)).await.unwrap();
    next_json(&mut ws).await;
    app.platform.auth.revoke_session(u.session);
    assert_eq!(closed_with(&mut ws, Duration::from_secs(1)).await, Some(4001));
}

#[tokio::test]
async fn catch_up_by_last_event_id() {
    let app = app(|_| {}).await;
    let u = user(&app);
    let first = app.platform.realtime.publish(Room::User(u.id), "a", json!(1));
    // Nobody is connected yet: a process that serves sockets keeps users' events anyway.
    let second = app.platform.realtime.publish(Room::User(u.id), "b", json!(2));
    let (mut ws, _) = connect_async(ws_url(&app, "/ws")).await.unwrap();
    send(&mut ws, &json!({ "type": "auth", "token": u.token, "lastEventId": first }).to_string()).await;
    assert_eq!(next_json(&mut ws).await["type"], "ready");
    let event = next_json(&mut ws).await;
    assert_eq!((event["event"].as_str(), event["id"].as_str()), (Some("b"), Some(second.to_string().as_str())));
}

#[tokio::test]
async fn sockets_are_closed_going_away_when_the_server_stops() {
    let mut app = app(|_| {}).await;
    let u = user(&app);
    let mut ws = with_header(&app, "authorization", &format!("Bearer {}", u.token)).await.unwrap();
    next_json(&mut ws).await;
    app.begin_shutdown();
    assert_eq!(closed_with(&mut ws, Duration::from_secs(5)).await, Some(1001));
    app.join().await.unwrap();
}

#[tokio::test]
async fn metrics_count_sockets_and_deliveries() {
    let app = app(|_| {}).await;
    let u = user(&app);
    let mut ws = with_header(&app, "authorization", &format!("Bearer {}", u.token)).await.unwrap();
    next_json(&mut ws).await;
    app.platform.realtime.publish(Room::User(u.id), "x", json!({}));
    next_json(&mut ws).await;
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(text.contains("sojourn_realtime_connections 1"), "{text}");
    assert!(text.contains("sojourn_realtime_delivered_total 1"), "{text}");
}
