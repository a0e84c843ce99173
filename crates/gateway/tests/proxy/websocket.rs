//! WebSockets through the gateway, with a real client (tokio-tungstenite) and axum's own
//! WebSocket server as the upstream: the handshake as the first request on a connection and
//! after plain requests, frames both ways, the upstream's handshake answer, refusals, closes
//! from either side, sockets outliving the request timeout, many at once, the cap, metrics and
//! shutdown.
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::front::{connect, read_answer};
use crate::harness::sockets::{SocketUpstream, socket_upstream};
use crate::harness::{TestGateway, dead_url, gateway, raw_upstream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;
type Handshake = tungstenite::handshake::client::Response;

fn ws_url(gw: &TestGateway, path: &str) -> String {
    format!("ws://{}{path}", gw.base.trim_start_matches("http://"))
}

/// Opens a socket through the gateway with `headers`, and reads the upstream's report.
async fn open_with(gw: &TestGateway, path: &str, headers: &[(&str, &str)]) -> (Ws, Handshake, Value) {
    let mut request = ws_url(gw, path).into_client_request().unwrap();
    for (name, value) in headers {
        request
            .headers_mut()
            .insert(axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(), value.parse().unwrap());
    }
    let (mut ws, answer) = tokio_tungstenite::connect_async(request).await.expect("upgraded through the gateway");
    let report = report(&mut ws).await;
    (ws, answer, report)
}

async fn open(gw: &TestGateway, path: &str) -> Ws {
    open_with(gw, path, &[]).await.0
}

async fn report<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(ws: &mut WebSocketStream<S>) -> Value {
    match next(ws).await {
        Some(Ok(Message::Text(text))) => serde_json::from_str(text.as_str()).unwrap(),
        other => panic!("expected the upstream's report, got {other:?}"),
    }
}

async fn next<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    ws: &mut WebSocketStream<S>,
) -> Option<Result<Message, tungstenite::Error>> {
    tokio::time::timeout(Duration::from_secs(5), ws.next()).await.expect("a frame or the end within 5 s")
}

async fn echo<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(ws: &mut WebSocketStream<S>, message: Message) {
    ws.send(message.clone()).await.unwrap();
    assert_eq!(next(ws).await.unwrap().unwrap(), message);
}

/// The status a refused handshake got, as the WebSocket client saw it.
async fn refused(gw: &TestGateway, path: &str, headers: &[(&str, &str)]) -> u16 {
    let mut request = ws_url(gw, path).into_client_request().unwrap();
    for (name, value) in headers {
        request
            .headers_mut()
            .insert(axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(), value.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Err(tungstenite::Error::Http(answer)) => answer.status().as_u16(),
        Err(other) => panic!("{path}: expected an HTTP answer, got {other}"),
        Ok(_) => panic!("{path}: upgraded"),
    }
}

const HANDSHAKE: &str = "host: gw\r\nconnection: Upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\n\
                         sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n";

/// A handshake in raw bytes, and the answer's status and JSON body.
async fn raw_handshake(gw: &TestGateway, path: &str, extra: &str) -> (u16, Value) {
    let mut client = connect(&gw.base).await;
    client.write_all(format!("GET {path} HTTP/1.1\r\n{HANDSHAKE}{extra}\r\n").as_bytes()).await.unwrap();
    let answer = read_answer(&mut client, &mut Vec::new(), false).await;
    (answer.status, serde_json::from_str(&answer.text()).unwrap_or(Value::Null))
}

async fn metric(gw: &TestGateway, name: &str) -> u64 {
    let text = gw.get("/metrics").await.text().await.unwrap();
    let line = text.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap_or_else(|| panic!("{name}: {text}"));
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

/// Waits (up to 8 s) until the gauge of open sockets reads `n`.
async fn open_sockets_become(gw: &TestGateway, n: u64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(8);
    while std::time::Instant::now() < deadline {
        if metric(gw, "sojourn_gateway_websockets_open").await == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("open sockets never became {n}: {}", metric(gw, "sojourn_gateway_websockets_open").await);
}

async fn setup(tweak: impl FnOnce(&mut platform::config::Config)) -> (SocketUpstream, TestGateway) {
    let up = socket_upstream().await;
    let gw = gateway(vec![up.url()], tweak).await;
    (up, gw)
}

#[tokio::test]
async fn a_socket_opened_as_the_first_request_echoes_frames_both_ways() {
    let (up, gw) = setup(|_| {}).await;
    let headers = [
        ("x-request-id", "trace-ws-1"),
        ("sec-websocket-protocol", "chat.v1, chat.v2"),
        ("origin", "http://localhost:5173"),
    ];
    let (mut ws, answer, report) = open_with(&gw, "/ws", &headers).await;
    assert_eq!(answer.status(), 101);
    assert_eq!(answer.headers()["sec-websocket-protocol"], "chat.v2", "the upstream's choice, not the first offered");
    assert_eq!(answer.headers()["x-request-id"], "trace-ws-1");
    assert_eq!((report["path"].as_str(), report["query"].as_str()), (Some("/ws"), None), "{report}");
    assert_eq!(report["host"].as_str(), Some(up.addr.to_string().as_str()));
    assert_eq!(report["forwardedFor"], "127.0.0.1");
    assert_eq!(report["forwardedProto"], "http");
    assert_eq!(report["requestId"], "trace-ws-1");
    assert_eq!(report["origin"], "http://localhost:5173");
    assert_eq!(report["offered"], "chat.v1, chat.v2");
    assert_eq!(report["version"], "13");
    assert_eq!(report["connection"].as_str().map(str::to_ascii_lowercase).as_deref(), Some("upgrade"));
    assert_eq!(report["upgrade"], "websocket");
    assert_eq!(report["authorization"], Value::Null, "no token at the edge: the socket authenticates inside");

    echo(&mut ws, Message::text("hello through the gateway")).await;
    echo(&mut ws, Message::binary(vec![0u8, 1, 2, 255])).await;
    let big: Vec<u8> = (0..64 * 1024).map(|i| (i % 251) as u8).collect();
    echo(&mut ws, Message::binary(big)).await;
    echo(&mut ws, Message::text("é".repeat(32 * 1024))).await;
    // Several in flight at once come back in order.
    for i in 0..5 {
        ws.send(Message::text(format!("burst {i}"))).await.unwrap();
    }
    for i in 0..5 {
        assert_eq!(next(&mut ws).await.unwrap().unwrap(), Message::text(format!("burst {i}")));
    }
    assert_eq!(metric(&gw, "sojourn_gateway_websockets_open").await, 1);
    assert_eq!(metric(&gw, "sojourn_gateway_websockets_total").await, 1);
}

#[tokio::test]
async fn socket_io_routes_with_its_query_and_either_slash() {
    let (up, gw) = setup(|_| {}).await;
    for (path, seen) in [
        ("/socket.io/?EIO=4&transport=websocket", "/socket.io/"),
        ("/socket.io?EIO=4&transport=websocket", "/socket.io"),
    ] {
        let (mut ws, _, report) = open_with(&gw, path, &[]).await;
        assert_eq!(report["path"].as_str(), Some(seen), "{report}");
        assert_eq!(report["query"], "EIO=4&transport=websocket");
        echo(&mut ws, Message::text("40")).await;
    }
    assert_eq!(up.upgrades.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_socket_opens_after_plain_requests_on_a_kept_connection() {
    let (_up, gw) = setup(|_| {}).await;
    // After a request the gateway's own front served; then after one hyper served (`Origin`).
    for first in ["", "origin: http://localhost:5173\r\n"] {
        let mut client = connect(&gw.base).await;
        let mut buf = Vec::new();
        for _ in 0..2 {
            let request = format!("GET /api/v1/things/1 HTTP/1.1\r\nhost: gw\r\n{first}\r\n");
            client.write_all(request.as_bytes()).await.unwrap();
            let answer = read_answer(&mut client, &mut buf, false).await;
            assert_eq!((answer.status, answer.text()), (200, r#"{"plain":true}"#.to_owned()));
        }
        assert!(buf.is_empty());
        let (mut ws, answer) = tokio_tungstenite::client_async(ws_url(&gw, "/ws"), client).await.unwrap();
        assert_eq!(answer.status(), 101, "{first}");
        assert_eq!(report(&mut ws).await["path"], "/ws");
        echo(&mut ws, Message::text("same connection")).await;
    }
}

#[tokio::test]
async fn refusals_and_failures_come_back_as_answers() {
    let (up, gw) = setup(|_| {}).await;
    // The upstream's own refusal, as it answered.
    assert_eq!(refused(&gw, "/ws?token=bad", &[]).await, 401);
    let (status, body) = raw_handshake(&gw, "/ws?token=bad", "").await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")), "{body}");
    assert_eq!(up.upgrades.load(std::sync::atomic::Ordering::SeqCst), 0);
    // A path the upstream does not serve is routed (`/ws/`), and its 404 comes back.
    assert_eq!(refused(&gw, "/ws/", &[]).await, 404);
    assert_eq!(metric(&gw, "sojourn_gateway_websockets_total").await, 0);
    // After refusals, the same gateway still upgrades.
    echo(&mut open(&gw, "/ws").await, Message::text("still fine")).await;

    let down = gateway(vec![dead_url()], |_| {}).await;
    assert_eq!(refused(&down, "/ws", &[]).await, 503);
    let (status, body) = raw_handshake(&down, "/ws", "").await;
    assert_eq!((status, body["code"].as_str()), (503, Some("upstream_unavailable")), "{body}");

    // An instance that reads the handshake and hangs up.
    let rude = raw_upstream(|mut socket| async move {
        let _ = crate::harness::next_head(&mut socket, &mut Vec::new()).await;
    })
    .await;
    let broken = gateway(vec![rude], |_| {}).await;
    let (status, body) = raw_handshake(&broken, "/ws", "").await;
    assert_eq!((status, body["code"].as_str()), (502, Some("upstream_error")), "{body}");
}

#[tokio::test]
async fn tokens_in_headers_are_still_checked_at_the_edge() {
    let (up, gw) = setup(|_| {}).await;
    assert_eq!(refused(&gw, "/ws", &[("authorization", "Bearer forged.token.here")]).await, 401);
    let (status, body) =
        raw_handshake(&gw, "/socket.io/?EIO=4&transport=websocket", "authorization: Bearer x.y.z\r\n").await;
    assert_eq!((status, body["success"].as_bool()), (401, Some(false)));
    assert_eq!(up.upgrades.load(std::sync::atomic::Ordering::SeqCst), 0, "never reached the service");

    let secrets = platform::secrets::resolve(&gw.config, platform::secrets::PLATFORM_SECRETS).unwrap();
    let keys = platform::auth::SigningKeys::from_secrets(&secrets).unwrap();
    let auth = platform::auth::Auth::new(keys, &gw.config.auth, std::sync::Arc::new(kernel::SystemClock));
    let token = auth.issue(kernel::new_id(), kernel::new_id(), platform::auth::Role::User).unwrap().token;
    let bearer = format!("Bearer {token}");
    let (_ws, _, report) = open_with(&gw, "/ws", &[("authorization", &bearer)]).await;
    assert_eq!(report["authorization"].as_str(), Some(bearer.as_str()));
}

#[tokio::test]
async fn a_close_from_either_side_reaches_the_other() {
    let (up, gw) = setup(|_| {}).await;
    // The client closes, and then keeps its connection open (it should close it).
    let mut ws = open(&gw, "/ws").await;
    ws.close(Some(CloseFrame { code: 1000.into(), reason: "bye".into() })).await.unwrap();
    assert_eq!(up.next_event().await, "close:1000");
    loop {
        match next(&mut ws).await {
            Some(Ok(Message::Close(_))) => {}
            None | Some(Err(_)) => break,
            Some(other) => panic!("after close: {other:?}"),
        }
    }
    // The upstream has ended its side: the gateway closes the client's a few seconds later.
    let lingered = std::time::Instant::now();
    open_sockets_become(&gw, 0).await;
    assert!(lingered.elapsed() > Duration::from_secs(3), "not at once: {:?}", lingered.elapsed());
    drop(ws);
    // The upstream closes.
    let mut ws = open(&gw, "/ws").await;
    ws.send(Message::text("close me")).await.unwrap();
    match next(&mut ws).await {
        Some(Ok(Message::Close(Some(frame)))) => {
            assert_eq!((u16::from(frame.code), frame.reason.as_str()), (4000, "asked to"))
        }
        other => panic!("expected the upstream's close, got {other:?}"),
    }
    assert_eq!(up.next_event().await, "closed-by-me");
    assert!(matches!(next(&mut ws).await, None | Some(Err(_))), "the connection ends");
    drop(ws);
    // The client vanishes without a close frame: the upstream's connection ends too.
    let ws = open(&gw, "/ws").await;
    drop(ws);
    let event = up.next_event().await;
    assert!(event == "ended" || event == "error", "{event}");
    open_sockets_become(&gw, 0).await;
    assert_eq!(metric(&gw, "sojourn_gateway_websockets_total").await, 3);
}

#[tokio::test]
async fn an_idle_socket_outlives_the_request_and_connection_timeouts() {
    let (_up, gw) = setup(|c| {
        c.gateway.timeout_secs = 1;
        c.gateway.header_timeout_secs = 1;
        c.gateway.keep_alive_secs = 1;
    })
    .await;
    let mut ws = open(&gw, "/ws").await;
    tokio::time::sleep(Duration::from_millis(2200)).await;
    echo(&mut ws, Message::text("still here after 2 s")).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    echo(&mut ws, Message::binary(vec![7u8; 10])).await;
}

#[tokio::test]
async fn fifty_sockets_at_once_each_get_their_own_echo() {
    let (up, gw) = setup(|_| {}).await;
    let sockets = futures_util::future::join_all((0..50).map(|i| {
        let gw = &gw;
        async move {
            let mut ws = open(gw, if i % 2 == 0 { "/ws" } else { "/socket.io/?EIO=4&transport=websocket" }).await;
            echo(&mut ws, Message::text(format!("socket {i}"))).await;
            echo(&mut ws, Message::binary(vec![i as u8; 1000 + i])).await;
            ws
        }
    }))
    .await;
    assert_eq!(up.upgrades.load(std::sync::atomic::Ordering::SeqCst), 50);
    assert_eq!(metric(&gw, "sojourn_gateway_websockets_open").await, 50);
    assert_eq!(metric(&gw, "sojourn_gateway_websockets_total").await, 50);
    // Still each its own, once all are open.
    for (i, mut ws) in sockets.into_iter().enumerate() {
        echo(&mut ws, Message::text(format!("again {i}"))).await;
    }
    open_sockets_become(&gw, 0).await;
}

#[tokio::test]
async fn beyond_max_websockets_an_upgrade_gets_503() {
    let (up, gw) = setup(|c| c.gateway.max_websockets = 2).await;
    let mut first = open(&gw, "/ws").await;
    let _second = open(&gw, "/ws").await;
    assert_eq!(refused(&gw, "/ws", &[]).await, 503);
    let (status, body) = raw_handshake(&gw, "/ws", "").await;
    assert_eq!((status, body["code"].as_str()), (503, Some("too_many_websockets")), "{body}");
    assert_eq!(up.upgrades.load(std::sync::atomic::Ordering::SeqCst), 2, "refused at the gateway");
    assert_eq!(metric(&gw, "sojourn_gateway_websockets_refused_total").await, 2);
    assert_eq!(gw.get("/api/v1/things/1").await.status(), 200, "plain requests are not capped");
    first.close(None).await.unwrap();
    drop(first);
    open_sockets_become(&gw, 1).await;
    echo(&mut open(&gw, "/ws").await, Message::text("a place was free again")).await;
}

#[tokio::test]
async fn shutdown_closes_spliced_sockets() {
    let (up, mut gw) = setup(|_| {}).await;
    let mut ws = open(&gw, "/ws").await;
    echo(&mut ws, Message::text("before")).await;
    gw.shut_down();
    // No request is in flight: the socket is closed without waiting out the grace period.
    let started = std::time::Instant::now();
    assert!(matches!(next(&mut ws).await, None | Some(Err(_))), "closed by the gateway");
    assert!(started.elapsed() < Duration::from_millis(1500), "{:?}", started.elapsed());
    let event = up.next_event().await;
    assert!(event == "ended" || event == "error", "{event}");
}
