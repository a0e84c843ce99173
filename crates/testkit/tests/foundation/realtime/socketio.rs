//! Socket.IO v4 over WebSocket, frame by frame.

use std::time::{Duration, Instant};

use platform::realtime::Room;
use serde_json::{Value, json};
use tokio_tungstenite::connect_async;

use super::{User, Ws, app, closed_with, next_text, send, sio_event, user, ws_url};

const WAIT: Duration = Duration::from_secs(5);

/// Opens `/socket.io/` and reads the Engine.IO handshake.
async fn open(app: &testkit::TestApp) -> (Ws, Value) {
    let (mut ws, _) = connect_async(ws_url(app, "/socket.io/?EIO=4&transport=websocket")).await.unwrap();
    let open = next_text(&mut ws, WAIT).await.unwrap();
    let handshake: Value = serde_json::from_str(open.strip_prefix('0').unwrap()).unwrap();
    (ws, handshake)
}

/// Opens and connects to `/` with `auth`; the CONNECT answer.
async fn connect(app: &testkit::TestApp, auth: Value) -> (Ws, String) {
    let (mut ws, _) = open(app).await;
    send(&mut ws, &format!("40{auth}")).await;
    let answer = next_text(&mut ws, WAIT).await.unwrap();
    (ws, answer)
}

async fn signed_in(app: &testkit::TestApp, u: &User) -> Ws {
    let (ws, answer) = connect(app, json!({ "token": u.token })).await;
    assert!(answer.starts_with("40{"), "{answer}");
    ws
}

#[tokio::test]
async fn handshake_connect_and_events_of_the_users_room() {
    let app = app(|_| {}).await;
    let (mut ws, handshake) = open(&app).await;
    assert_eq!(handshake["upgrades"], json!([]));
    assert!(handshake["sid"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(handshake["pingInterval"], 25_000);
    let u = user(&app);
    send(&mut ws, &format!("40{}", json!({ "token": u.token }))).await;
    let answer = next_text(&mut ws, WAIT).await.unwrap();
    let connected: Value = serde_json::from_str(answer.strip_prefix("40").unwrap()).unwrap();
    assert!(connected["sid"].is_string() && connected["pid"].is_string(), "{answer}");

    let other = user(&app);
    let id = app.platform.realtime.publish(Room::User(u.id), "notification:new", json!({ "title": "Hi" }));
    app.platform.realtime.publish(Room::User(other.id), "notification:new", json!({ "title": "Not yours" }));
    let (name, args) = sio_event(&next_text(&mut ws, WAIT).await.unwrap()).unwrap();
    assert_eq!(name, "notification:new");
    assert_eq!(args, vec![json!({ "title": "Hi" }), json!(id.to_string())]);
    // The other user's event never arrives here.
    assert_eq!(next_text(&mut ws, Duration::from_millis(300)).await, None);
    assert_eq!(app.platform.realtime.stats().connections, 1);
}

#[tokio::test]
async fn bad_or_missing_tokens_get_a_connect_error() {
    let app = app(|_| {}).await;
    for (auth, code) in [
        (json!({ "token": "not.a.jwt" }), "invalid_token"),
        (json!({}), "token_missing"),
        (json!({ "token": 42 }), "token_missing"),
    ] {
        let (_ws, answer) = connect(&app, auth).await;
        let refused: Value = serde_json::from_str(answer.strip_prefix("44").unwrap()).unwrap();
        assert_eq!(refused["message"], "unauthorized");
        assert_eq!(refused["data"]["code"], code);
    }
    // Another namespace does not exist.
    let (mut ws, _) = open(&app).await;
    send(&mut ws, &format!("40/admin,{}", json!({ "token": user(&app).token }))).await;
    let answer = next_text(&mut ws, WAIT).await.unwrap();
    assert!(answer.starts_with("44/admin,"), "{answer}");
    assert_eq!(app.platform.realtime.stats().connections, 0);
}

#[tokio::test]
async fn only_websocket_and_engine_io_4_are_served() {
    let app = app(|_| {}).await;
    for (query, code) in [
        ("EIO=4&transport=polling", "transport_unsupported"),
        ("EIO=3&transport=websocket", "unsupported_protocol_version"),
    ] {
        let response = app.get(&format!("/socket.io/?{query}")).await;
        testkit::expect_error(response, 400, code).await;
    }
    // The right query without an upgrade.
    testkit::expect_error(app.get("/socket.io/?EIO=4&transport=websocket").await, 400, "websocket_required").await;
}

#[tokio::test]
async fn emits_are_acknowledged_and_refusals_say_why() {
    let app = app(|_| {}).await;
    let u = user(&app);
    let mut ws = signed_in(&app, &u).await;
    send(&mut ws, r#"427["probe:echo",{"a":1}]"#).await;
    let ack = next_text(&mut ws, WAIT).await.unwrap();
    let args: Value = serde_json::from_str(ack.strip_prefix("437").unwrap()).unwrap();
    assert_eq!(args[0]["success"], true);
    assert_eq!(args[0]["data"]["echo"], json!({ "a": 1 }));
    assert_eq!(args[0]["data"]["userId"], json!(u.id));

    send(&mut ws, r#"428["probe:echo",{"fail":true}]"#).await;
    let ack: Value =
        serde_json::from_str(next_text(&mut ws, WAIT).await.unwrap().strip_prefix("438").unwrap()).unwrap();
    assert_eq!(ack[0], json!({ "success": false, "code": "probe_refused", "message": "asked to fail" }));

    send(&mut ws, r#"429["no:such:event",{}]"#).await;
    let ack: Value =
        serde_json::from_str(next_text(&mut ws, WAIT).await.unwrap().strip_prefix("439").unwrap()).unwrap();
    assert_eq!(ack[0]["code"], "unknown_event");

    // Without an ack id, errors come as an `error` event.
    for bad in ["42[", "42{\"a\":1}", "451-[\"up\",{\"_placeholder\":true,\"num\":0}]", "9"] {
        send(&mut ws, bad).await;
        let (name, args) = sio_event(&next_text(&mut ws, WAIT).await.unwrap()).unwrap();
        assert_eq!(name, "error");
        assert_eq!(args[0]["code"], "bad_frame", "{bad}");
    }
    // Still connected and answering.
    send(&mut ws, r#"4210["probe:echo",{"still":"here"}]"#).await;
    assert!(next_text(&mut ws, WAIT).await.unwrap().starts_with("4310["));
}

#[tokio::test]
async fn a_revoked_session_is_disconnected_within_a_second() {
    let app = app(|_| {}).await;
    let u = user(&app);
    let mut ws = signed_in(&app, &u).await;
    let started = Instant::now();
    app.platform.auth.revoke_session(u.session);
    let (name, args) = sio_event(&next_text(&mut ws, Duration::from_secs(2)).await.unwrap()).unwrap();
    assert_eq!((name.as_str(), args[0]["code"].as_str()), ("error", Some("session_revoked")));
    assert_eq!(next_text(&mut ws, Duration::from_secs(1)).await.as_deref(), Some("41"));
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    assert!(closed_with(&mut ws, WAIT).await.is_some());
    // And the token no longer opens a socket.
    let (_ws, answer) = connect(&app, json!({ "token": u.token })).await;
    assert!(answer.starts_with("44") && answer.contains("session_revoked"), "{answer}");
}

#[tokio::test]
async fn a_reconnecting_client_gets_what_it_missed() {
    let app = app(|_| {}).await;
    let u = user(&app);
    let rt = &app.platform.realtime;
    let mut ws = signed_in(&app, &u).await;
    let first = rt.publish(Room::User(u.id), "new_message", json!({ "n": 1 }));
    sio_event(&next_text(&mut ws, WAIT).await.unwrap()).unwrap();
    drop(ws);
    tokio::time::sleep(Duration::from_millis(100)).await;
    rt.publish(Room::User(u.id), "new_message", json!({ "n": 2 }));
    rt.publish(Room::User(u.id), "booking_update", json!({ "n": 3 }));

    // socket.io-client sends back the last id it saw as `offset`.
    let (mut ws, answer) = connect(&app, json!({ "token": u.token, "pid": "x", "offset": first.to_string() })).await;
    let connected: Value = serde_json::from_str(answer.strip_prefix("40").unwrap()).unwrap();
    assert_eq!(connected["pid"], "x", "the same pid: the state was recovered");
    let mut got = Vec::new();
    for _ in 0..2 {
        let (name, args) = sio_event(&next_text(&mut ws, WAIT).await.unwrap()).unwrap();
        got.push((name, args[0]["n"].as_i64().unwrap()));
    }
    assert_eq!(got, vec![("new_message".to_owned(), 2), ("booking_update".to_owned(), 3)]);
    assert_eq!(next_text(&mut ws, Duration::from_millis(300)).await, None, "nothing twice");

    // An id older than what is kept: the client is told to refetch.
    let (mut ws, answer) =
        connect(&app, json!({ "token": u.token, "pid": "x", "offset": uuid::Uuid::nil().to_string() })).await;
    assert!(!answer.contains(r#""pid":"x""#), "not recovered: {answer}");
    let (name, _) = sio_event(&next_text(&mut ws, WAIT).await.unwrap()).unwrap();
    assert_eq!(name, "resync");
}

#[tokio::test]
async fn flooding_is_refused_then_cut() {
    let app = app(|c| c.realtime.emits_per_second = 5).await;
    let mut ws = signed_in(&app, &user(&app)).await;
    for _ in 0..60 {
        send(&mut ws, r#"42["probe:echo",{}]"#).await;
    }
    let mut refused = false;
    loop {
        match next_text(&mut ws, WAIT).await {
            Some(frame) if frame.contains("rate_limited") => refused = true,
            Some(frame) if frame == "41" => break,
            Some(_) => {}
            None => panic!("the flood was never cut"),
        }
    }
    assert!(refused);
    assert_eq!(closed_with(&mut ws, WAIT).await, Some(4008));
}

#[tokio::test]
async fn an_oversize_frame_closes_the_socket() {
    let app = app(|c| c.realtime.max_frame_bytes = 2048).await;
    let mut ws = signed_in(&app, &user(&app)).await;
    send(&mut ws, &format!(r#"42["probe:echo",{{"big":"{}"}}]"#, "x".repeat(10_000))).await;
    assert!(closed_with(&mut ws, WAIT).await.is_some());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(app.platform.realtime.stats().connections, 0);
}

#[tokio::test]
async fn a_user_holds_a_bounded_number_of_sockets() {
    let app = app(|c| c.realtime.max_connections_per_user = 2).await;
    let u = user(&app);
    let _a = signed_in(&app, &u).await;
    let _b = signed_in(&app, &u).await;
    let (_c, answer) = connect(&app, json!({ "token": u.token })).await;
    assert!(answer.starts_with("44") && answer.contains("too_many_connections"), "{answer}");
    // Another user is not affected.
    let _d = signed_in(&app, &user(&app)).await;
}

#[tokio::test]
async fn the_heartbeat_drops_a_silent_client_and_keeps_an_answering_one() {
    let app = app(|c| {
        c.realtime.ping_interval_ms = 200;
        c.realtime.ping_timeout_ms = 200;
    })
    .await;
    let mut silent = signed_in(&app, &user(&app)).await;
    assert!(closed_with(&mut silent, Duration::from_secs(3)).await.is_some());

    let mut alive = signed_in(&app, &user(&app)).await;
    let until = Instant::now() + Duration::from_millis(1500);
    while Instant::now() < until {
        use futures_util::StreamExt;
        match tokio::time::timeout(Duration::from_millis(500), alive.next()).await {
            Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Text(t)))) if t.as_str() == "2" => {
                send(&mut alive, "3").await
            }
            Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_)))) | Ok(None) => {
                panic!("closed although answering")
            }
            _ => {}
        }
    }
    assert_eq!(app.platform.realtime.stats().connections, 1);
}

#[tokio::test]
async fn a_client_that_stops_reading_is_dropped_not_buffered() {
    let app = app(|c| c.realtime.queue_capacity = 4).await;
    let u = user(&app);
    let _ws = signed_in(&app, &u).await;
    let big = json!({ "blob": "y".repeat(60_000) });
    for _ in 0..2_000 {
        app.platform.realtime.publish(Room::User(u.id), "new_message", big.clone());
        if app.platform.realtime.stats().dropped_slow > 0 {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(app.platform.realtime.stats().dropped_slow > 0, "{:?}", app.platform.realtime.stats());
    let deadline = Instant::now() + WAIT;
    while app.platform.realtime.stats().connections > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.platform.realtime.stats().connections, 0);
}
