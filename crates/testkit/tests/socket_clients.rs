//! The realtime test clients themselves, before any server of ours uses them: [`WsClient`]
//! against a small axum WebSocket endpoint (each way to authenticate, acks, buffering, close
//! codes, a refused upgrade), and [`SioDriver`] — the official `socket.io-client` in node —
//! against a few lines that answer the Engine.IO/Socket.IO handshake by hand. The hand-written
//! side is only the test's counterpart; what is under test is that the real client's
//! behaviour (connect, `connect_error`, events with their id, acks, a server disconnect)
//! reaches the Rust side intact.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use testkit::socketio::SioDriver;
use testkit::ws::{WsAuth, WsClient, WsConnectError, ws_url};

const SECOND: Duration = Duration::from_secs(1);

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

/// `/ws` as the spec says, reduced: a token "good" by header, subprotocol or first frame;
/// `ready`; every emit acked with its data; `ping` → `pong`; emit `bye` closes with 4008.
async fn plain_ws(upgrade: WebSocketUpgrade, headers: HeaderMap) -> Response {
    let header = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    let protocols = headers.get("sec-websocket-protocol").and_then(|v| v.to_str().ok()).unwrap_or("");
    if header == "Bearer bad" {
        return (StatusCode::UNAUTHORIZED, r#"{"success":false,"code":"unauthorized"}"#).into_response();
    }
    let authed = header == "Bearer good" || protocols.contains("bearer.good");
    upgrade.protocols(["sojourn.v1"]).on_upgrade(move |socket| plain_session(socket, authed))
}

async fn plain_session(mut socket: WebSocket, mut authed: bool) {
    let text = |v: Value| Message::Text(v.to_string().into());
    if authed {
        let _ = socket.send(text(json!({"type": "ready", "userId": "u1"}))).await;
    }
    while let Some(Ok(Message::Text(frame))) = socket.recv().await {
        let frame: Value = serde_json::from_str(frame.as_str()).unwrap();
        if !authed {
            if frame["type"] == "auth" && frame["token"] == "good" {
                authed = true;
                let ready = json!({"type": "ready", "userId": "u1", "lastEventId": frame["lastEventId"]});
                let _ = socket.send(text(ready)).await;
                continue;
            }
            let _ = socket.send(Message::Close(Some(CloseFrame { code: 4001, reason: "unauthorized".into() }))).await;
            return;
        }
        match (frame["type"].as_str(), frame["event"].as_str()) {
            (Some("ping"), _) => drop(socket.send(text(json!({"type": "pong"}))).await),
            (Some("emit"), Some("bye")) => {
                let close = CloseFrame { code: 4008, reason: "rate_limited".into() };
                let _ = socket.send(Message::Close(Some(close))).await;
                return;
            }
            (Some("emit"), Some(event)) => {
                // An unrelated event first: the client must keep it for later.
                let _ = socket.send(text(json!({"type": "event", "event": "typing", "id": "e1", "data": {}}))).await;
                let ack = json!({"type": "ack", "ref": frame["ref"], "success": true, "data": {"echo": event}});
                let _ = socket.send(text(ack)).await;
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn ws_client_authenticates_each_way_and_reads_acks_events_and_close_codes() {
    let base = serve(axum::Router::new().route("/ws", get(plain_ws))).await;
    let url = ws_url(&base);
    assert!(url.starts_with("ws://127.0.0.1:") && url.ends_with("/ws"), "{url}");

    let (mut by_header, ready) = WsClient::connect_ready(&url, WsAuth::Header("good".into())).await;
    assert_eq!(ready["userId"], "u1");
    let ack = by_header.emit_ack("typing", json!({"conversationId": "c"}), SECOND * 5).await;
    assert_eq!(ack["success"], true, "{ack}");
    assert_eq!(ack["data"]["echo"], "typing");
    // The event that came before the ack was kept.
    let typing = by_header.next_event("typing", SECOND).await.expect("buffered event");
    assert_eq!(typing["id"], "e1");
    by_header.send_json(&json!({"type": "ping"})).await;
    assert!(by_header.next_type("pong", SECOND * 5).await.is_some());
    by_header.expect_no_event("typing", Duration::from_millis(200)).await;
    by_header.emit("bye", json!({})).await;
    assert_eq!(by_header.wait_close(SECOND * 5).await, Some((4008, "rate_limited".into())));
    assert!(by_header.next_json(Duration::from_millis(100)).await.is_none());

    let (by_protocol, _) = WsClient::connect_ready(&url, WsAuth::Protocol("good".into())).await;
    assert_eq!(by_protocol.protocol.as_deref(), Some("sojourn.v1"));
    by_protocol.close().await;

    let first = WsAuth::FirstFrame { token: "good".into(), last_event_id: Some("e0".into()) };
    let (_, ready) = WsClient::connect_ready(&url, first).await;
    assert_eq!(ready["lastEventId"], "e0");

    let mut wrong =
        WsClient::connect(&url, WsAuth::FirstFrame { token: "nope".into(), last_event_id: None }).await.unwrap();
    assert_eq!(wrong.wait_close(SECOND * 5).await, Some((4001, "unauthorized".into())));

    match WsClient::connect(&url, WsAuth::Header("bad".into())).await {
        Err(WsConnectError::Http { status, body }) => {
            assert_eq!(status, 401);
            assert!(body.contains("unauthorized"), "{body}");
        }
        Err(e) => panic!("expected a 401 answer, got {e:?}"),
        Ok(_) => panic!("expected a 401 answer, got a socket"),
    }
}

/// Just enough Socket.IO v4 over Engine.IO v4 (WebSocket transport) for the client: the open
/// packet; CONNECT answered with `{sid, pid}` for token "good", else CONNECT_ERROR; then one
/// recoverable event (id as last argument); acks for emits; emit `kick` → server DISCONNECT.
async fn socketio(upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(socketio_session)
}

async fn socketio_session(mut socket: WebSocket) {
    let open = r#"0{"sid":"e1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":100000}"#;
    let _ = socket.send(Message::Text(open.into())).await;
    while let Some(Ok(Message::Text(frame))) = socket.recv().await {
        let frame = frame.as_str();
        let reply = |s: String| Message::Text(s.into());
        if let Some(auth) = frame.strip_prefix("40") {
            let auth: Value = serde_json::from_str(auth).unwrap_or(Value::Null);
            if auth["token"] != "good" {
                let error = json!({"message": "unauthorized", "data": {"code": "unauthorized"}});
                let _ = socket.send(reply(format!("44{error}"))).await;
                continue;
            }
            let _ = socket.send(reply(r#"40{"sid":"s1","pid":"p1"}"#.into())).await;
            let event = json!(["notification:new", {"id": "n1", "offsetSeen": auth["offset"]}, "ev-1"]);
            let _ = socket.send(reply(format!("42{event}"))).await;
        } else if let Some(rest) = frame.strip_prefix("42") {
            let digits = rest.find('[').unwrap_or(0);
            let (ack_id, body) = rest.split_at(digits);
            let args: Value = serde_json::from_str(body).unwrap();
            if args[0] == "kick" {
                let _ = socket.send(reply("41".into())).await;
                continue;
            }
            let _ = socket.send(reply(format!("42{}", json!(["presence", {"online": true}, "ev-2"])))).await;
            if !ack_id.is_empty() {
                let ack = json!([{"success": true, "data": {"event": args[0], "got": args[1]}}]);
                let _ = socket.send(reply(format!("43{ack_id}{ack}"))).await;
            }
        }
    }
}

#[tokio::test]
async fn sio_driver_carries_the_real_clients_connect_events_acks_and_disconnects() {
    let Ok(mut sio) = SioDriver::start().await else { return };
    let base = serve(axum::Router::new().route("/socket.io/", get(socketio))).await;

    let refused = sio.connect("x", &base, json!({"token": "bad"})).await.unwrap_err();
    assert_eq!(refused.message, "unauthorized");
    assert_eq!(refused.data["code"], "unauthorized");

    let connected = sio.connect("a", &base, json!({"token": "good"})).await.unwrap();
    assert!(!connected.sid.is_empty());
    assert!(!connected.recovered);
    let second = sio.connect("b", &base, json!({"token": "good"})).await.unwrap();
    assert!(!second.sid.is_empty());

    let args = sio.next_event("a", "notification:new", SECOND * 5).await.expect("notification");
    assert_eq!(args, vec![json!({"id": "n1", "offsetSeen": null}), json!("ev-1")]);
    let ack = sio.emit_ack("a", "typing", json!({"conversationId": "c1", "typing": true}), SECOND * 5).await;
    assert_eq!(
        ack,
        json!({"success": true, "data": {"event": "typing", "got": {"conversationId": "c1", "typing": true}}})
    );
    // Sent before the ack and kept for later; nothing more of it arrives.
    let presence = sio.next_event("a", "presence", SECOND).await.expect("buffered presence");
    assert_eq!(presence[1], "ev-2");
    sio.expect_no_event("a", "presence", Duration::from_millis(200)).await;
    let info = sio.info("a").await;
    assert_eq!(
        (info["connected"].clone(), info["pid"].clone(), info["offset"].clone()),
        (json!(true), json!("p1"), json!("ev-2"))
    );

    // A lost transport, then the same socket again: the client offers {pid, offset} itself.
    sio.drop_transport("a").await;
    assert_eq!(sio.wait_disconnect("a", SECOND * 5).await.as_deref(), Some("transport close"));
    sio.reconnect("a").await.unwrap();
    let args = sio.next_event("a", "notification:new", SECOND * 5).await.expect("after reconnect");
    assert_eq!(args[0]["offsetSeen"], "ev-2");

    sio.emit("b", "kick", json!({})).await;
    assert_eq!(sio.wait_disconnect("b", SECOND * 5).await.as_deref(), Some("io server disconnect"));
    sio.disconnect("a").await;
    assert_eq!(sio.wait_disconnect("a", SECOND * 5).await.as_deref(), Some("io client disconnect"));
    sio.stop().await;
}

#[tokio::test]
async fn sio_driver_reports_an_unreachable_server_as_a_connect_error() {
    let Ok(mut sio) = SioDriver::start().await else { return };
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let error = sio.connect("a", &format!("http://127.0.0.1:{port}"), json!({"token": "t"})).await.unwrap_err();
    assert!(!error.message.is_empty(), "{error:?}");
    assert!(sio.wait_disconnect("a", Duration::from_millis(300)).await.is_none());
}
