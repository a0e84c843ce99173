//! One authenticated socket's life: it writes the events of its rooms as they come, answers
//! the client's emits through the handlers contexts registered, keeps the heartbeat, and ends
//! when the client leaves, stops answering, floods, falls behind or loses its session.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, WebSocket};
use serde_json::{Value, json};
use uuid::Uuid;

use super::history::Replay;
use super::hub::{Ended, Hub, Outgoing, Registered};
use super::limits::{Bucket, Verdict};
use super::session::close_frame;
use super::{Client, plain, socketio};
use crate::auth::AccessClaims;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wire {
    SocketIo,
    Plain,
}

/// How an answer to an emit goes back: a Socket.IO ack id, a `/ws` `ref`, or nothing.
enum Reply {
    None,
    SocketIo(u64),
    Plain(Value),
}

/// What the loop does after a frame.
enum Step {
    Continue,
    /// End, with what to send first.
    End(Vec<Message>),
}

pub(crate) struct Connection {
    hub: Arc<Hub>,
    socket: WebSocket,
    wire: Wire,
    client: Client,
    registered: Registered,
    bucket: Bucket,
    last_heard: Instant,
}

impl Connection {
    pub fn new(hub: Arc<Hub>, socket: WebSocket, wire: Wire, claims: &AccessClaims, registered: Registered) -> Self {
        let client = Client {
            user_id: claims.sub,
            role: claims.role,
            session: claims.sid,
            connection: registered.id,
            hub: hub.clone(),
            remote: None,
        };
        let bucket = Bucket::new(hub.config.emits_per_second);
        Self { hub, socket, wire, client, registered, bucket, last_heard: Instant::now() }
    }

    /// Serves the socket, starting with what it missed (`catch_up`: the last event id it saw
    /// and what the history holds after it).
    pub async fn run(mut self, catch_up: Option<(Uuid, Replay)>) {
        let replayed = self.catch_up(catch_up).await;
        let end = self.serve(replayed).await;
        for message in end {
            if self.write(message).await.is_err() {
                break;
            }
        }
        self.hub.unregister(self.registered.id);
    }

    /// Sends what the user missed since `last`; the ids sent, so the queue does not repeat them.
    async fn catch_up(&mut self, catch_up: Option<(Uuid, Replay)>) -> HashSet<Uuid> {
        let Some((last, replay)) = catch_up else { return HashSet::new() };
        let mut sent = HashSet::new();
        if !replay.complete {
            let resync = self.notice("resync", json!({ "lastEventId": last, "reason": "history_unavailable" }));
            if self.write(resync).await.is_err() {
                return sent;
            }
        }
        for event in replay.events {
            if self.write(self.event(&event)).await.is_err() {
                break;
            }
            sent.insert(event.id);
        }
        sent
    }

    async fn serve(&mut self, mut replayed: HashSet<Uuid>) -> Vec<Message> {
        let interval = Duration::from_millis(self.hub.config.ping_interval_ms.max(100));
        let patience = interval + Duration::from_millis(self.hub.config.ping_timeout_ms);
        let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                event = self.registered.events.recv() => {
                    let Some(event) = event else { return self.ended() };
                    if !replayed.is_empty() && replayed.remove(&event.id) {
                        continue;
                    }
                    if self.write(self.event(&event)).await.is_err() {
                        return Vec::new();
                    }
                }
                frame = self.socket.recv() => {
                    let Some(Ok(frame)) = frame else { return Vec::new() };
                    self.last_heard = Instant::now();
                    match self.frame(frame).await {
                        Step::Continue => {}
                        Step::End(last) => return last,
                    }
                }
                _ = heartbeat.tick() => {
                    if self.last_heard.elapsed() > patience {
                        return vec![close_frame(4002, "heartbeat timeout")];
                    }
                    let ping = match self.wire {
                        Wire::SocketIo => Message::Text(socketio::PING.into()),
                        Wire::Plain => Message::Ping(Default::default()),
                    };
                    if self.write(ping).await.is_err() {
                        return Vec::new();
                    }
                }
            }
        }
    }

    /// The hub closed this socket's queue: say why, then close.
    fn ended(&self) -> Vec<Message> {
        match (self.registered.ended.get(), self.wire) {
            (Some(Ended::Revoked), Wire::SocketIo) => vec![
                self.notice("error", json!({ "code": "session_revoked", "message": "The session has ended" })),
                Message::Text(socketio::DISCONNECT.into()),
                close_frame(1000, "session revoked"),
            ],
            (Some(Ended::Revoked), Wire::Plain) => vec![close_frame(plain::close::UNAUTHORIZED, "session_revoked")],
            (Some(Ended::Shutdown), _) => vec![close_frame(1001, "server shutting down")],
            _ => vec![close_frame(plain::close::SLOW_CONSUMER, "slow_consumer")],
        }
    }

    fn event(&self, event: &Outgoing) -> Message {
        match self.wire {
            Wire::SocketIo => Message::Text(event.socketio_frame()),
            Wire::Plain => Message::Text(event.plain_frame()),
        }
    }

    /// A server notice that is not an event of a room (no id, not kept).
    fn notice(&self, event: &str, data: Value) -> Message {
        match self.wire {
            Wire::SocketIo => Message::Text(socketio::plain_event(event, &data).into()),
            Wire::Plain => {
                let mut frame = json!({ "type": event });
                if let (Some(frame), Value::Object(data)) = (frame.as_object_mut(), data) {
                    frame.extend(data);
                }
                Message::Text(frame.to_string().into())
            }
        }
    }

    async fn frame(&mut self, frame: Message) -> Step {
        let text = match frame {
            Message::Text(text) => text,
            Message::Ping(_) | Message::Pong(_) => return Step::Continue,
            Message::Close(_) => return Step::End(Vec::new()),
            Message::Binary(_) => {
                return self.refuse("binary_unsupported", "Binary frames are not supported", None).await;
            }
        };
        match self.wire {
            Wire::SocketIo => match socketio::parse(&text) {
                Ok(socketio::Inbound::Event { name, data, ack }) => {
                    self.emit(name, data, ack.map_or(Reply::None, Reply::SocketIo)).await
                }
                Ok(socketio::Inbound::Ping) => self.send(Message::Text(socketio::PONG.into())).await,
                Ok(socketio::Inbound::Close) => Step::End(Vec::new()),
                Ok(socketio::Inbound::Pong | socketio::Inbound::Ignore) => Step::Continue,
                Ok(socketio::Inbound::Connect { nsp, .. }) if nsp != "/" => {
                    let refused = socketio::connect_error(&nsp, "Invalid namespace", "invalid_namespace");
                    self.send(Message::Text(refused.into())).await
                }
                Ok(socketio::Inbound::Connect { .. }) => Step::Continue,
                Err(bad) => self.refuse("bad_frame", bad.message(), None).await,
            },
            Wire::Plain => match plain::parse(&text) {
                Ok(plain::Inbound::Emit { event, data, reference }) => match reference {
                    Some(r) if !plain::reference_ok(&r) => {
                        self.refuse("bad_frame", "`ref` must be a string (at most 64 characters) or a number", None)
                            .await
                    }
                    Some(r) => self.emit(event, data, Reply::Plain(r)).await,
                    None => self.emit(event, data, Reply::None).await,
                },
                Ok(plain::Inbound::Ping) => self.send(Message::Text(plain::PONG.into())).await,
                Ok(plain::Inbound::Auth { .. }) => {
                    self.refuse("already_authenticated", "This socket is authenticated already", None).await
                }
                Err(why) => self.refuse("bad_frame", &why, None).await,
            },
        }
    }

    async fn send(&mut self, message: Message) -> Step {
        if self.write(message).await.is_err() { Step::End(Vec::new()) } else { Step::Continue }
    }

    /// Writes one frame; a client that does not take it within the heartbeat's patience is
    /// gone (its queue is closed already if it fell behind).
    async fn write(&mut self, message: Message) -> Result<(), ()> {
        let patience = Duration::from_millis(self.hub.config.ping_timeout_ms.max(100));
        match tokio::time::timeout(patience, self.socket.send(message)).await {
            Ok(Ok(())) => Ok(()),
            _ => Err(()),
        }
    }

    /// A frame the server will not act on: an error back, and a strike (too many close it).
    async fn refuse(&mut self, code: &str, message: &str, event: Option<&str>) -> Step {
        let verdict = self.bucket.strike();
        self.answer_error(code, message, event, Reply::None).await;
        if verdict == Verdict::Cut { Step::End(self.cut("too many malformed frames")) } else { Step::Continue }
    }

    fn cut(&self, why: &str) -> Vec<Message> {
        let code = if why.contains("rate") { plain::close::RATE_LIMITED } else { plain::close::MALFORMED };
        match self.wire {
            Wire::SocketIo => vec![Message::Text(socketio::DISCONNECT.into()), close_frame(code, why)],
            Wire::Plain => vec![close_frame(code, why)],
        }
    }

    async fn emit(&mut self, event: String, data: Value, reply: Reply) -> Step {
        match self.bucket.emit() {
            Verdict::Allow => {}
            Verdict::Refuse => {
                self.answer_error("rate_limited", "Too many events: slow down", Some(&event), reply).await;
                return Step::Continue;
            }
            Verdict::Cut => return Step::End(self.cut("rate limit exceeded")),
        }
        let handled = match self.hub.handler(&event) {
            Some(handler) => Some(handler.handle(&self.client, data).await),
            // Another process may answer it (see `remote`).
            None => super::remote::emit(&self.hub, &self.client, &event, data).await,
        };
        let Some(handled) = handled else {
            let message = format!("Unknown event `{}`", event.chars().take(64).collect::<String>());
            self.answer_error("unknown_event", &message, Some(&event), reply).await;
            return Step::Continue;
        };
        match handled {
            Ok(answer) => {
                let answer = json!({ "success": true, "data": answer });
                match reply {
                    Reply::None => Step::Continue,
                    Reply::SocketIo(ack) => self.send(Message::Text(socketio::ack(ack, &answer).into())).await,
                    Reply::Plain(r) => self.send(Message::Text(plain::ack(&r, &answer).into())).await,
                }
            }
            Err(error) => {
                if error.is_server_error() {
                    tracing::error!(event = %event, error = %error.message, "realtime handler failed");
                }
                self.answer_error(&error.code, &error.message, Some(&event), reply).await;
                Step::Continue
            }
        }
    }

    async fn answer_error(&mut self, code: &str, message: &str, event: Option<&str>, reply: Reply) {
        let answer = json!({ "success": false, "code": code, "message": message });
        let frame = match (reply, self.wire) {
            (Reply::SocketIo(ack), _) => Message::Text(socketio::ack(ack, &answer).into()),
            (Reply::Plain(r), _) => Message::Text(plain::ack(&r, &answer).into()),
            (Reply::None, Wire::SocketIo) => Message::Text(
                socketio::plain_event("error", &json!({ "code": code, "message": message, "event": event })).into(),
            ),
            (Reply::None, Wire::Plain) => Message::Text(plain::error(code, message, event).into()),
        };
        let _ = self.write(frame).await;
    }
}
