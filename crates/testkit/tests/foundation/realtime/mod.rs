//! The realtime channel at the protocol level, frame by frame, with a real WebSocket client
//! (tokio-tungstenite): Socket.IO's handshake, acks and errors, `/ws`'s three ways to
//! authenticate, revocation, catch-up, limits. End-to-end tests with the official Socket.IO
//! client live with the contexts that publish (bin/sojourn/tests/realtime).

mod fanout;
mod plain;
mod socketio;

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use platform::auth::Role;
use platform::config::Config;
use serde_json::Value;
use testkit::TestApp;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use uuid::Uuid;

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub async fn app(tweak: impl FnOnce(&mut Config)) -> TestApp {
    testkit::spawn_with(vec![Arc::new(testkit::probe::Probe)], |c| {
        c.events.read_your_writes = false;
        tweak(c);
    })
    .await
}

/// A signed-in user: their id, session and access token.
pub struct User {
    pub id: Uuid,
    pub session: Uuid,
    pub token: String,
}

pub fn user(app: &TestApp) -> User {
    let (id, session) = (kernel::new_id(), kernel::new_id());
    let token = app.platform.auth.issue(id, session, Role::User).unwrap().token;
    User { id, session, token }
}

pub fn ws_url(app: &TestApp, path: &str) -> String {
    format!("ws://{}{path}", app.addr)
}

/// The next text frame, skipping Socket.IO pings; `None` on close or timeout.
pub async fn next_text(ws: &mut Ws, wait: Duration) -> Option<String> {
    loop {
        match tokio::time::timeout(wait, ws.next()).await {
            Ok(Some(Ok(Message::Text(text)))) if text.as_str() == "2" => continue,
            Ok(Some(Ok(Message::Text(text)))) => return Some(text.as_str().to_owned()),
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
            _ => return None,
        }
    }
}

/// Reads until the server closes; the close code it gave (`None`: no close frame in time).
pub async fn closed_with(ws: &mut Ws, wait: Duration) -> Option<u16> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => return Some(frame.map_or(1005, |f| u16::from(f.code))),
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(_)) | None) => return Some(1006),
            Err(_) => return None,
        }
    }
}

pub async fn send(ws: &mut Ws, text: &str) {
    ws.send(Message::text(text.to_owned())).await.unwrap();
}

/// A Socket.IO event frame `42["name",data,…]` as (name, args after it).
pub fn sio_event(frame: &str) -> Option<(String, Vec<Value>)> {
    let body = frame.strip_prefix("42")?;
    let mut args: Vec<Value> = serde_json::from_str(body).ok()?;
    if args.is_empty() {
        return None;
    }
    let name = args.remove(0).as_str()?.to_owned();
    Some((name, args))
}
