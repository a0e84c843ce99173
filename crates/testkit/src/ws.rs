//! A plain WebSocket client for the `/ws` endpoint's tests, on `tokio-tungstenite` (a real,
//! independent implementation of RFC 6455, not the server's own code).
//!
//! The server speaks JSON text frames (`{"type":"event",…}`, `{"type":"ack",…}`, …), so the
//! client reads frames as JSON and buffers the ones a test is not waiting for, as
//! [`crate::socketio::SioDriver`] does for Socket.IO. The close frame the server sends (code
//! and reason: 4001 unauthorized, 4008 rate-limited, 1009 too big…) is kept for
//! [`WsClient::wait_close`].

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How a client authenticates on `/ws`.
#[derive(Debug, Clone)]
pub enum WsAuth {
    /// No credentials at all.
    None,
    /// `Authorization: Bearer <token>` on the upgrade request.
    Header(String),
    /// `Sec-WebSocket-Protocol: sojourn.v1, bearer.<token>`.
    Protocol(String),
    /// A first frame `{"type":"auth","token":…,"lastEventId":…}` right after the handshake.
    FirstFrame { token: String, last_event_id: Option<String> },
}

/// The upgrade was refused (an HTTP answer instead of 101) or the connection failed.
#[derive(Debug)]
pub enum WsConnectError {
    /// The server answered `status` with `body` instead of switching protocols.
    Http {
        status: u16,
        body: String,
    },
    Other(tungstenite::Error),
}

/// `http://host:port` → `ws://host:port/ws`.
pub fn ws_url(base: &str) -> String {
    format!("{}/ws", base.replacen("http", "ws", 1))
}

/// One open `/ws` connection.
pub struct WsClient {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The subprotocol the server selected, if any.
    pub protocol: Option<String>,
    pending: VecDeque<Value>,
    closed: Option<(u16, String)>,
    next_ref: u64,
}

impl WsClient {
    /// Connects to `url` (`ws://…/ws`, see [`ws_url`]) authenticating as `auth` says. With
    /// [`WsAuth::FirstFrame`] the auth frame is sent; the `ready` answer is left to the test.
    pub async fn connect(url: &str, auth: WsAuth) -> Result<WsClient, WsConnectError> {
        let mut request = url.into_client_request().map_err(WsConnectError::Other)?;
        let headers = request.headers_mut();
        match &auth {
            WsAuth::Header(token) => {
                headers.insert("authorization", header(&format!("Bearer {token}")));
            }
            WsAuth::Protocol(token) => {
                headers.insert("sec-websocket-protocol", header(&format!("sojourn.v1, bearer.{token}")));
            }
            WsAuth::None | WsAuth::FirstFrame { .. } => {}
        }
        // No client-side size cap: the server's limit is what the tests look at.
        let config = WebSocketConfig::default().max_message_size(None).max_frame_size(None);
        let (stream, response) =
            tokio_tungstenite::connect_async_with_config(request, Some(config), false).await.map_err(|e| match e {
                tungstenite::Error::Http(answer) => WsConnectError::Http {
                    status: answer.status().as_u16(),
                    body: String::from_utf8_lossy(answer.body().as_deref().unwrap_or_default()).into_owned(),
                },
                other => WsConnectError::Other(other),
            })?;
        let protocol =
            response.headers().get("sec-websocket-protocol").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let mut client = WsClient { stream, protocol, pending: VecDeque::new(), closed: None, next_ref: 0 };
        if let WsAuth::FirstFrame { token, last_event_id } = auth {
            let mut frame = json!({"type": "auth", "token": token});
            if let Some(id) = last_event_id {
                frame["lastEventId"] = Value::String(id);
            }
            client.send_json(&frame).await;
        }
        Ok(client)
    }

    /// Connects and waits for `{"type":"ready"}`; returns the client and that frame.
    pub async fn connect_ready(url: &str, auth: WsAuth) -> (WsClient, Value) {
        let mut client = match Self::connect(url, auth).await {
            Ok(client) => client,
            Err(e) => panic!("WebSocket connect to {url}: {e:?}"),
        };
        let ready = client.next_type("ready", Duration::from_secs(10)).await;
        let ready = ready.unwrap_or_else(|| panic!("no ready frame; closed: {:?}", client.closed));
        (client, ready)
    }

    /// Sends `value` as one text frame.
    pub async fn send_json(&mut self, value: &Value) {
        self.send(Message::text(value.to_string())).await;
    }

    /// Sends any frame (malformed text, binary, oversize…).
    pub async fn send(&mut self, message: Message) {
        if let Err(e) = self.stream.send(message).await {
            panic!("WebSocket send: {e} (closed: {:?})", self.closed);
        }
    }

    /// `{"type":"emit","event":…,"data":…,"ref":…}` without waiting; returns the ref.
    pub async fn emit(&mut self, event: &str, data: Value) -> String {
        self.next_ref += 1;
        let reference = self.next_ref.to_string();
        self.send_json(&json!({"type": "emit", "event": event, "data": data, "ref": reference})).await;
        reference
    }

    /// Emits and returns the matching `{"type":"ack",…}` frame (panics after `timeout`).
    pub async fn emit_ack(&mut self, event: &str, data: Value, timeout: Duration) -> Value {
        let reference = self.emit(event, data).await;
        let ack = self.next_matching(timeout, |f| f["type"] == "ack" && f["ref"] == reference).await;
        ack.unwrap_or_else(|| panic!("no ack for {event} (ref {reference}); closed: {:?}", self.closed))
    }

    /// The next JSON frame (buffered ones first), or `None` after `timeout` or when the
    /// connection closed. Pings are answered by tungstenite; a non-JSON text frame fails.
    pub async fn next_json(&mut self, timeout: Duration) -> Option<Value> {
        self.next_matching(timeout, |_| true).await
    }

    /// The next frame `{"type":"event","event":name,…}` (whole frame: `id`, `data`).
    pub async fn next_event(&mut self, name: &str, timeout: Duration) -> Option<Value> {
        self.next_matching(timeout, |f| f["type"] == "event" && f["event"] == name).await
    }

    /// The next frame of `type` (`ready`, `error`, `pong`…).
    pub async fn next_type(&mut self, kind: &str, timeout: Duration) -> Option<Value> {
        self.next_matching(timeout, |f| f["type"] == kind).await
    }

    /// Panics when an event `name` arrives within `during`.
    pub async fn expect_no_event(&mut self, name: &str, during: Duration) {
        if let Some(frame) = self.next_event(name, during).await {
            panic!("received {name} it should not have: {frame}");
        }
    }

    /// The next frame matching `wanted`; others stay buffered.
    pub async fn next_matching(&mut self, timeout: Duration, mut wanted: impl FnMut(&Value) -> bool) -> Option<Value> {
        if let Some(at) = self.pending.iter().position(&mut wanted) {
            return self.pending.remove(at);
        }
        let deadline = Instant::now() + timeout;
        loop {
            let frame = self.read_frame(deadline).await?;
            if wanted(&frame) {
                return Some(frame);
            }
            self.pending.push_back(frame);
        }
    }

    /// Reads until a JSON frame, the close, the end of the stream or `deadline`.
    async fn read_frame(&mut self, deadline: Instant) -> Option<Value> {
        if self.closed.is_some() {
            return None;
        }
        loop {
            let message = match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Err(_) => return None,
                Ok(None) => {
                    self.closed.get_or_insert((1006, "connection ended without a close frame".into()));
                    return None;
                }
                Ok(Some(Err(e))) => {
                    self.closed.get_or_insert((1006, format!("connection error: {e}")));
                    return None;
                }
                Ok(Some(Ok(message))) => message,
            };
            match message {
                Message::Text(text) => {
                    let value = serde_json::from_str(text.as_str())
                        .unwrap_or_else(|e| panic!("the server sent a non-JSON text frame ({e}): {text}"));
                    return Some(value);
                }
                Message::Close(frame) => {
                    let (code, reason) =
                        frame.map_or((1005, String::new()), |f| (u16::from(f.code), f.reason.as_str().to_owned()));
                    self.closed = Some((code, reason));
                    return None;
                }
                Message::Binary(bytes) => panic!("the server sent a binary frame ({} bytes)", bytes.len()),
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
            }
        }
    }

    /// Waits up to `timeout` for the server to close the connection; its close code and
    /// reason (1006 when the connection ended without a close frame). Frames read meanwhile
    /// stay buffered.
    pub async fn wait_close(&mut self, timeout: Duration) -> Option<(u16, String)> {
        let deadline = Instant::now() + timeout;
        while self.closed.is_none() {
            match self.read_frame(deadline).await {
                Some(frame) => self.pending.push_back(frame),
                None if self.closed.is_none() => return None,
                None => {}
            }
        }
        self.closed.clone()
    }

    /// The close code and reason, if the server closed already.
    pub fn close_status(&self) -> Option<&(u16, String)> {
        self.closed.as_ref()
    }

    /// A clean close from the client side.
    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}

fn header(value: &str) -> HeaderValue {
    HeaderValue::from_str(value).expect("a header value")
}
