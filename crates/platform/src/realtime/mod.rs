//! The realtime channel every context pushes through: Socket.IO v4 at `/socket.io/` (what
//! DreamScape's web client opens) and a plain WebSocket at `/ws` carrying the same events as
//! JSON frames.
//!
//! Contexts never hold sockets. They [`Realtime::publish`] an event to a [`Room`] (a user, a
//! conversation), register handlers for the events clients emit ([`Realtime::on`]) and hear
//! when a user comes online or goes offline ([`Realtime::on_presence`]). The hub delivers to
//! the sockets of this process and, with `nats.url`, fans out over NATS so that a socket held
//! by another process gets it too. Events sent to a user are kept for a while, so a client that
//! reconnects with the last event id it saw gets what it missed.
//!
//! Sockets authenticate with an access token and live as long as their session: a logout,
//! logout-all or suspension (a revoked session) closes them within
//! `realtime.revocation_check_ms`.

mod connection;
mod fanout;
mod history;
mod hub;
mod limits;
mod plain;
mod remote;
mod session;
mod socketio;

use std::sync::Arc;

use async_trait::async_trait;
use kernel::ApiError;
use serde_json::Value;
use uuid::Uuid;

use crate::auth::{Auth, Role};
use crate::config::RealtimeConfig;

pub use hub::Stats;

/// Where an event goes: every socket that joined the room. Each socket joins its user's room
/// when it connects; conversation and session rooms are joined on request (a context checks
/// the right). Only events to a user's room are kept for reconnection catch-up: the others are
/// transient (a tour session's live view is worth its current state, not its history).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Room {
    User(Uuid),
    Conversation(Uuid),
    /// A live session shown to several viewers (a guided VR tour): its leader's moves.
    Session(Uuid),
}

impl Room {
    /// `user:<id>` / `conversation:<id>` / `vrsession:<id>`, as rooms are named on the wire
    /// and over NATS.
    pub fn key(&self) -> String {
        match self {
            Room::User(id) => format!("user:{id}"),
            Room::Conversation(id) => format!("conversation:{id}"),
            Room::Session(id) => format!("vrsession:{id}"),
        }
    }

    pub fn parse(key: &str) -> Option<Room> {
        let (kind, id) = key.split_once(':')?;
        let id = Uuid::try_parse(id).ok()?;
        match kind {
            "user" => Some(Room::User(id)),
            "conversation" => Some(Room::Conversation(id)),
            "vrsession" => Some(Room::Session(id)),
            _ => None,
        }
    }
}

/// The authenticated client behind a socket, as an event handler sees it.
pub struct Client {
    pub user_id: Uuid,
    pub role: Role,
    pub session: Uuid,
    pub(crate) connection: u64,
    pub(crate) hub: Arc<hub::Hub>,
    /// For a handler answering another process's socket: the rooms it joins and leaves,
    /// applied there.
    pub(crate) remote: Option<remote::RoomOps>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("user_id", &self.user_id).field("connection", &self.connection).finish()
    }
}

impl Client {
    /// Adds this socket to `room` (the caller has checked it may). Refused (409
    /// `too_many_rooms`) past 200 rooms per socket, or `connection_closed` when the socket was
    /// ended meanwhile (revoked, too slow).
    pub fn join(&self, room: Room) -> Result<(), ApiError> {
        if let Some(ops) = &self.remote {
            if let Ok(mut ops) = ops.lock() {
                ops.push((true, room));
            }
            return Ok(());
        }
        match self.hub.join(self.connection, room) {
            Some(true) => Ok(()),
            Some(false) => Err(ApiError::new(409, "too_many_rooms", "This connection has joined too many rooms")),
            None => Err(ApiError::new(409, "connection_closed", "This connection is closing")),
        }
    }

    pub fn leave(&self, room: Room) {
        if let Some(ops) = &self.remote {
            if let Ok(mut ops) = ops.lock() {
                ops.push((false, room));
            }
            return;
        }
        self.hub.leave(self.connection, room);
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// Handles one kind of event a client emits (`typing`, `message:send`, ...). What it returns
/// is the acknowledgement the client asked for, if it asked; an error goes back as an `error`
/// event (or in the acknowledgement) with the error's code and message.
#[async_trait]
pub trait ClientEvent: Send + Sync + 'static {
    async fn handle(&self, client: &Client, data: Value) -> Result<Value, ApiError>;
}

/// Hears a user come online (their first socket on any process) or go offline (their last).
#[async_trait]
pub trait PresenceListener: Send + Sync + 'static {
    async fn changed(&self, user: Uuid, online: bool);
}

/// The handle contexts hold (cheap to clone).
#[derive(Clone)]
pub struct Realtime {
    hub: Arc<hub::Hub>,
}

impl std::fmt::Debug for Realtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Realtime")
    }
}

impl Realtime {
    pub fn new(config: RealtimeConfig, auth: Arc<Auth>) -> Self {
        Self { hub: hub::Hub::new(config, auth) }
    }

    /// Fans out across processes over NATS from now on (publishing, and receiving once
    /// [`Realtime::router`] serves sockets here).
    pub async fn connect_nats(&self, url: &str) -> Result<(), String> {
        fanout::connect(&self.hub, url).await
    }

    /// Sends `event` with `data` to every socket in `room`, here and on every other process.
    /// Returns the event's id (what a reconnecting client names as the last one it saw).
    pub fn publish(&self, room: Room, event: &str, data: Value) -> Uuid {
        self.hub.publish(room, event, data)
    }

    /// Registers the handler of the client event `event` (one per name; the last one wins).
    /// With NATS, it also answers the event for sockets held by processes that do not have it.
    pub fn on(&self, event: &'static str, handler: Arc<dyn ClientEvent>) {
        let new = self.hub.handler(event).is_none();
        self.hub.on(event, handler);
        if new {
            remote::serve(&self.hub, event);
        }
    }

    pub fn on_presence(&self, listener: Arc<dyn PresenceListener>) {
        self.hub.on_presence(listener);
    }

    /// Whether `user` has a socket open here or (with NATS) on another process.
    pub fn is_online(&self, user: Uuid) -> bool {
        self.hub.is_online(user)
    }

    /// Open sockets, rooms and deliveries of this process (for `/metrics` and tests).
    pub fn stats(&self) -> Stats {
        self.hub.stats()
    }

    /// Closes every socket of this process (1001, going away): the server is stopping.
    pub fn shutdown(&self) {
        self.hub.shutdown();
    }

    /// The Prometheus lines of [`Realtime::stats`].
    pub fn render_metrics(&self, out: &mut String) {
        use std::fmt::Write as _;
        let s = self.stats();
        let gauges = [
            ("sojourn_realtime_connections", "Open authenticated sockets.", s.connections as u64),
            ("sojourn_realtime_users", "Users with at least one open socket here.", s.users as u64),
            ("sojourn_realtime_rooms", "Rooms with at least one socket here.", s.rooms as u64),
        ];
        for (name, help, value) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
        }
        let counters = [
            ("sojourn_realtime_published_total", "Events published by this process's contexts.", s.published),
            ("sojourn_realtime_delivered_total", "Events handed to sockets here.", s.delivered),
            ("sojourn_realtime_dropped_slow_total", "Sockets dropped for not reading their events.", s.dropped_slow),
            ("sojourn_realtime_refused_total", "Sockets refused for too many per user.", s.refused),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
        }
    }

    /// The socket endpoints, `/socket.io/` and `/ws`. Serving them here also starts the
    /// revocation sweep and (with NATS) the subscription to other processes' events.
    pub fn router(&self) -> axum::Router {
        self.hub.serve_sockets();
        session::router(self.hub.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::Room;

    #[test]
    fn every_room_kind_round_trips_through_its_key() {
        let id = kernel::new_id();
        for room in [Room::User(id), Room::Conversation(id), Room::Session(id)] {
            assert_eq!(Room::parse(&room.key()), Some(room), "{}", room.key());
        }
        assert_eq!(Room::Session(id).key(), format!("vrsession:{id}"));
        assert_eq!(Room::parse("session:x"), None);
        assert_eq!(Room::parse(&format!("other:{id}")), None);
    }

    #[tokio::test]
    async fn a_session_room_delivers_to_its_sockets_and_keeps_nothing_for_catch_up() {
        let keys = crate::auth::SigningKeys::verify_only();
        let auth = crate::auth::Auth::new(keys, &Default::default(), std::sync::Arc::new(kernel::SystemClock));
        let hub = super::hub::Hub::new(Default::default(), std::sync::Arc::new(auth));
        hub.serve_sockets();
        let user = kernel::new_id();
        let mut socket = hub.register(user, kernel::new_id()).expect("registered");
        let session = kernel::new_id();
        assert_eq!(hub.join(socket.id, Room::Session(session)), Some(true));
        let before = hub.publish(Room::User(user), "hello", serde_json::json!(1));
        hub.publish(Room::Session(session), "vr:state", serde_json::json!({ "seq": 1 }));
        hub.publish(Room::Session(kernel::new_id()), "vr:state", serde_json::json!({ "seq": 9 }));
        let got: Vec<String> = std::iter::from_fn(|| socket.events.try_recv().ok()).map(|e| e.data.clone()).collect();
        assert_eq!(got, ["1", r#"{"seq":1}"#]);
        // The user's own event is kept; the session's is not.
        let replay = hub.replay(user, before);
        assert!(replay.complete && replay.events.is_empty());
    }
}
