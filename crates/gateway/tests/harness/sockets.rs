//! A realtime upstream for the WebSocket tests: axum's own `WebSocketUpgrade` at `/ws` and
//! `/socket.io/`, which first sends a report of the handshake it received (path, query,
//! forwarded headers), then echoes every text and binary frame; `close me` makes it close with
//! code 4000. `?token=bad` is refused with a 401 envelope, as a service checking a token in the
//! handshake would. Everything it lives through is told on `events`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use tokio::sync::{Mutex, mpsc};

pub struct SocketUpstream {
    pub addr: SocketAddr,
    /// Handshakes it accepted.
    pub upgrades: Arc<AtomicUsize>,
    events: Mutex<mpsc::UnboundedReceiver<String>>,
}

#[derive(Clone)]
struct Shared {
    upgrades: Arc<AtomicUsize>,
    events: mpsc::UnboundedSender<String>,
}

impl SocketUpstream {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The next thing a socket lived through: `close:<code>` (the client closed), `closed-by-me`,
    /// `ended` (the connection ended without a close frame) or `error`.
    pub async fn next_event(&self) -> String {
        let mut events = self.events.lock().await;
        tokio::time::timeout(Duration::from_secs(5), events.recv())
            .await
            .expect("an event within 5 s")
            .expect("events open")
    }
}

pub async fn socket_upstream() -> SocketUpstream {
    let (events, received) = mpsc::unbounded_channel();
    let upgrades = Arc::new(AtomicUsize::new(0));
    let shared = Shared { upgrades: upgrades.clone(), events };
    let app = Router::new()
        .route("/ws", get(handshake))
        .route("/socket.io", get(handshake))
        .route("/socket.io/", get(handshake))
        .route("/api/v1/things/{id}", get(|| async { axum::Json(json!({"plain": true})) }))
        .with_state(shared);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    SocketUpstream { addr, upgrades, events: Mutex::new(received) }
}

async fn handshake(
    State(shared): State<Shared>,
    uri: Uri,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if query.get("token").map(String::as_str) == Some("bad") {
        let body =
            json!({"success": false, "error": "Invalid token", "code": "unauthorized", "message": "Invalid token"});
        return (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    }
    shared.upgrades.fetch_add(1, Ordering::SeqCst);
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let report = json!({
        "path": uri.path(), "query": uri.query(), "host": h("host"), "forwardedFor": h("x-forwarded-for"),
        "forwardedProto": h("x-forwarded-proto"), "requestId": h("x-request-id"), "origin": h("origin"),
        "authorization": h("authorization"), "offered": h("sec-websocket-protocol"),
        "version": h("sec-websocket-version"), "connection": h("connection"), "upgrade": h("upgrade"),
    });
    ws.protocols(["chat.v2", "chat.v1"]).on_upgrade(move |socket| session(socket, report.to_string(), shared))
}

async fn session(mut socket: WebSocket, report: String, shared: Shared) {
    let tell = |event: String| {
        let _ = shared.events.send(event);
    };
    if socket.send(Message::text(report)).await.is_err() {
        return tell("error".into());
    }
    while let Some(message) = socket.recv().await {
        let echoed = match message {
            Ok(Message::Text(text)) if text.as_str() == "close me" => {
                let frame = CloseFrame { code: 4000, reason: "asked to".into() };
                let _ = socket.send(Message::Close(Some(frame))).await;
                return tell("closed-by-me".into());
            }
            Ok(Message::Text(text)) => Message::Text(text),
            Ok(Message::Binary(bytes)) => Message::Binary(bytes),
            Ok(Message::Close(frame)) => {
                // The close reply goes out when reading on, which then ends.
                tell(format!("close:{}", frame.map_or(0, |f| f.code)));
                while let Some(Ok(_)) = socket.recv().await {}
                return;
            }
            Ok(Message::Ping(_) | Message::Pong(_)) => continue,
            Err(_) => return tell("error".into()),
        };
        if socket.send(echoed).await.is_err() {
            return tell("error".into());
        }
    }
    tell("ended".into());
}
