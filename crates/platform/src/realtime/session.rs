//! The two socket endpoints and how a socket gets its user: Socket.IO authenticates in its
//! CONNECT packet (`auth.token`), `/ws` with the upgrade request (`Authorization`, or
//! `Sec-WebSocket-Protocol: sojourn.v1, bearer.<token>`) or its first frame. Both then run the
//! same [`connection`](super::connection) loop.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, rejection::WebSocketUpgradeRejection};
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kernel::ApiError;
use serde_json::Value;
use uuid::Uuid;

use super::connection::{Connection, Wire};
use super::hub::Hub;
use super::{plain, socketio};
use crate::auth::{AccessClaims, TokenError};

pub(crate) fn router(hub: Arc<Hub>) -> Router {
    Router::new()
        .route("/socket.io", get(socketio_upgrade))
        .route("/socket.io/", get(socketio_upgrade))
        .route("/ws", get(plain_upgrade))
        .with_state(hub)
}

/// Small read buffers: an idle socket reads only heartbeats, and thousands of them must cost
/// little memory. Larger frames grow the buffer as needed (up to the frame limit).
fn configure(ws: WebSocketUpgrade, hub: &Hub) -> WebSocketUpgrade {
    let max = hub.config.max_frame_bytes.max(1024);
    ws.read_buffer_size(1024)
        .write_buffer_size(0)
        .max_write_buffer_size(max.saturating_mul(32).max(1 << 20))
        .max_message_size(max)
        .max_frame_size(max)
}

fn upgrade(ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>) -> Result<WebSocketUpgrade, ApiError> {
    ws.map_err(|_| ApiError::new(400, "websocket_required", "This endpoint only accepts WebSocket upgrades"))
}

fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?.split('&').filter_map(|pair| pair.split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v)
}

async fn socketio_upgrade(
    State(hub): State<Arc<Hub>>,
    RawQuery(query): RawQuery,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let query = query.as_deref();
    if query_param(query, "EIO") != Some("4") {
        return Err(ApiError::new(
            400,
            "unsupported_protocol_version",
            "Only Engine.IO protocol 4 (socket.io v3/v4 clients) is served",
        ));
    }
    if query_param(query, "transport") != Some("websocket") {
        return Err(ApiError::new(
            400,
            "transport_unsupported",
            "Only the websocket transport is served: connect with transports: ['websocket']",
        ));
    }
    if query_param(query, "sid").is_some() {
        return Err(ApiError::new(400, "unknown_session", "There is no long-polling session to upgrade"));
    }
    let ws = configure(upgrade(ws)?, &hub);
    Ok(ws.on_upgrade(move |socket| socketio_session(hub, socket)).into_response())
}

/// An id for a Socket.IO socket or session, not guessable, URL-safe.
fn opaque_id() -> String {
    kernel::new_id().simple().to_string()
}

async fn socketio_session(hub: Arc<Hub>, mut socket: WebSocket) {
    let sid = opaque_id();
    let cfg = &hub.config;
    let open = socketio::open(&sid, cfg.ping_interval_ms, cfg.ping_timeout_ms, cfg.max_frame_bytes);
    if socket.send(Message::Text(open.into())).await.is_err() {
        return;
    }
    let deadline = tokio::time::sleep(Duration::from_millis(cfg.auth_timeout_ms));
    tokio::pin!(deadline);
    let (claims, last, pid) = loop {
        let frame = tokio::select! {
            _ = &mut deadline => return close(socket, 4001, "authentication timeout").await,
            frame = socket.recv() => frame,
        };
        let text = match frame {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(Message::Binary(_))) => return close(socket, 1003, "binary frames are not supported").await,
            _ => return,
        };
        match socketio::parse(&text) {
            Ok(socketio::Inbound::Connect { nsp, auth }) if nsp == "/" => match verify(&hub, auth.get("token")) {
                Ok(claims) => break (claims, last_seen(&auth, &["offset", "lastEventId"]), recovery_pid(&auth)),
                Err((code, message)) => {
                    let _ = socket.send(Message::Text(socketio::connect_error("/", message, code).into())).await;
                    return linger(socket).await;
                }
            },
            Ok(socketio::Inbound::Connect { nsp, .. }) => {
                let refused = socketio::connect_error(&nsp, "Invalid namespace", "invalid_namespace");
                if socket.send(Message::Text(refused.into())).await.is_err() {
                    return;
                }
            }
            Ok(socketio::Inbound::Ping) => {
                if socket.send(Message::Text(socketio::PONG.into())).await.is_err() {
                    return;
                }
            }
            Ok(socketio::Inbound::Close) => return,
            Ok(_) => {}
            Err(bad) => return close(socket, 4000, bad.message()).await,
        }
    };
    let Some(registered) = hub.register(claims.sub, claims.sid) else {
        let refused = socketio::connect_error("/", "Too many open connections for this user", "too_many_connections");
        let _ = socket.send(Message::Text(refused.into())).await;
        return linger(socket).await;
    };
    // Registered first, replayed second: nothing published in between is lost (the queue has
    // it, and the connection skips what the replay already sent).
    let catch_up = last.map(|last| (last, hub.replay(claims.sub, last)));
    // The same recovery session id back tells socket.io-client its state was recovered
    // (`socket.recovered`): it missed nothing.
    let pid = match (&catch_up, pid) {
        (Some((_, replay)), Some(pid)) if replay.complete => pid,
        _ => opaque_id(),
    };
    let connected = socketio::connected(&sid, &pid);
    if socket.send(Message::Text(connected.into())).await.is_err() {
        hub.unregister(registered.id);
        return;
    }
    Connection::new(hub, socket, Wire::SocketIo, &claims, registered).run(catch_up).await;
}

async fn plain_upgrade(
    State(hub): State<Arc<Hub>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let ws = upgrade(ws)?;
    let offered = ws.requested_protocols().filter_map(|v| v.to_str().ok());
    let token = plain::token_from_protocols(offered).or_else(|| crate::auth::bearer_in(&headers).map(str::to_owned));
    // A token given with the upgrade is checked before it: a bad one never gets a socket.
    let claims = match token {
        Some(token) => Some(
            verify(&hub, Some(&Value::String(token))).map_err(|(code, message)| ApiError::new(401, code, message))?,
        ),
        None => None,
    };
    let last = query_param(query.as_deref(), "lastEventId").and_then(|v| Uuid::try_parse(v).ok());
    let ws = configure(ws, &hub).protocols([plain::SUBPROTOCOL]);
    Ok(ws.on_upgrade(move |socket| plain_session(hub, socket, claims, last)).into_response())
}

async fn plain_session(hub: Arc<Hub>, mut socket: WebSocket, claims: Option<AccessClaims>, last: Option<Uuid>) {
    let (claims, last) = match claims {
        Some(claims) => (claims, last),
        None => match plain_auth(&hub, &mut socket).await {
            Some(authenticated) => authenticated,
            None => return,
        },
    };
    let Some(registered) = hub.register(claims.sub, claims.sid) else {
        return close(socket, plain::close::TOO_MANY_CONNECTIONS, "too many open connections for this user").await;
    };
    let ready = plain::ready(claims.sub, registered.id);
    if socket.send(Message::Text(ready.into())).await.is_err() {
        hub.unregister(registered.id);
        return;
    }
    let catch_up = last.map(|last| (last, hub.replay(claims.sub, last)));
    Connection::new(hub, socket, Wire::Plain, &claims, registered).run(catch_up).await;
}

/// Waits for `{"type":"auth",…}`; on anything else (or nothing in time) closes with a reason.
async fn plain_auth(hub: &Hub, socket: &mut WebSocket) -> Option<(AccessClaims, Option<Uuid>)> {
    let wait = Duration::from_millis(hub.config.auth_timeout_ms);
    let frame = loop {
        match tokio::time::timeout(wait, socket.recv()).await {
            Ok(Some(Ok(Message::Text(text)))) => break text,
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
            Ok(Some(Ok(_))) | Err(_) => {
                let _ = socket.send(close_frame(plain::close::UNAUTHORIZED, "authenticate first")).await;
                return None;
            }
            Ok(_) => return None,
        }
    };
    let (token, last) = match plain::parse(&frame) {
        Ok(plain::Inbound::Auth { token, last_event_id }) => (token, last_event_id),
        _ => {
            let _ = socket
                .send(close_frame(plain::close::UNAUTHORIZED, "the first frame must be {\"type\":\"auth\",…}"))
                .await;
            return None;
        }
    };
    match verify(hub, Some(&Value::String(token))) {
        Ok(claims) => Some((claims, last.and_then(|l| Uuid::try_parse(&l).ok()))),
        Err((code, message)) => {
            let _ = socket.send(Message::Text(plain::error(code, message, None).into())).await;
            let _ = socket.send(close_frame(plain::close::UNAUTHORIZED, code)).await;
            None
        }
    }
}

/// The claims of a usable access token, or the code and message of the refusal.
fn verify(hub: &Hub, token: Option<&Value>) -> Result<AccessClaims, (&'static str, &'static str)> {
    let Some(token) = token.and_then(Value::as_str).map(str::trim).filter(|t| !t.is_empty()) else {
        return Err(("token_missing", "unauthorized"));
    };
    hub.auth.verify(token).map_err(|e| match e {
        TokenError::Expired => ("token_expired", "unauthorized"),
        TokenError::Revoked => ("session_revoked", "unauthorized"),
        _ => ("invalid_token", "unauthorized"),
    })
}

/// The recovery session id socket.io-client sends back when it reconnects.
fn recovery_pid(auth: &Value) -> Option<String> {
    auth.get("pid").and_then(Value::as_str).filter(|p| !p.is_empty() && p.len() <= 64).map(str::to_owned)
}

/// The last event id a reconnecting client names, under the first of `keys` it uses.
fn last_seen(auth: &Value, keys: &[&str]) -> Option<Uuid> {
    keys.iter().find_map(|k| auth.get(*k).and_then(Value::as_str)).and_then(|v| Uuid::try_parse(v).ok())
}

pub(crate) fn close_frame(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame { code, reason: reason.to_owned().into() }))
}

async fn close(mut socket: WebSocket, code: u16, reason: &str) {
    let _ = socket.send(close_frame(code, reason)).await;
}

/// After a refused CONNECT, socket.io-client closes the connection itself; give it a moment,
/// then close anyway.
async fn linger(mut socket: WebSocket) {
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(frame)) = socket.recv().await {
            if matches!(frame, Message::Close(_)) {
                break;
            }
        }
    })
    .await;
    let _ = socket.send(close_frame(1000, "")).await;
}
