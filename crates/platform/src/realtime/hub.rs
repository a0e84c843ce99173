//! The registry of this process's sockets and the rooms they joined, and delivery to them.
//!
//! Each socket has a bounded queue: delivery never waits on a socket, and a socket whose queue
//! is full (a client that stopped reading) is dropped rather than buffered without bound.
//! Events for users are also kept for a while ([`History`]), for reconnection catch-up.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock, Weak};
use std::time::{Duration, Instant};

use axum::extract::ws::Utf8Bytes;
use serde_json::Value;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::history::{History, Replay};
use super::{ClientEvent, PresenceListener, Room};
use crate::auth::Auth;
use crate::config::RealtimeConfig;

/// Rooms one socket may be in at once (its user's room included).
const MAX_ROOMS_PER_SOCKET: usize = 200;

/// One event on its way to sockets, encoded once per wire format whoever receives it.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub id: Uuid,
    pub event: String,
    /// `data` as JSON text.
    pub data: String,
    pub at: Instant,
    sio: OnceLock<Utf8Bytes>,
    plain: OnceLock<Utf8Bytes>,
}

impl Outgoing {
    pub fn new(id: Uuid, event: String, data: String) -> Self {
        Self { id, event, data, at: Instant::now(), sio: OnceLock::new(), plain: OnceLock::new() }
    }

    /// `42["event",data,"id"]`: the id last, as Socket.IO's connection-state recovery reads
    /// it (the client keeps it as the offset to send back when it reconnects).
    pub fn socketio_frame(&self) -> Utf8Bytes {
        self.sio
            .get_or_init(|| super::socketio::event_frame(&self.event, &self.data, &self.id.to_string()).into())
            .clone()
    }

    /// `{"type":"event","event":...,"id":...,"data":...}`.
    pub fn plain_frame(&self) -> Utf8Bytes {
        self.plain.get_or_init(|| super::plain::event_frame(&self.event, &self.id, &self.data).into()).clone()
    }
}

/// Why the hub ended a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ended {
    /// The session was revoked (logout, suspension, password change).
    Revoked,
    /// The client did not read its events fast enough.
    SlowConsumer,
    /// The server is stopping.
    Shutdown,
}

pub(crate) struct Registered {
    pub id: u64,
    pub events: mpsc::Receiver<Arc<Outgoing>>,
    pub ended: Arc<OnceLock<Ended>>,
}

struct Conn {
    user: Uuid,
    session: Uuid,
    tx: mpsc::Sender<Arc<Outgoing>>,
    rooms: Vec<Room>,
    ended: Arc<OnceLock<Ended>>,
}

#[derive(Default)]
struct State {
    conns: HashMap<u64, Conn>,
    rooms: HashMap<Room, Vec<u64>>,
    /// Open sockets per user, here.
    users: HashMap<Uuid, usize>,
}

/// Counters of this process's realtime traffic.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub connections: usize,
    pub users: usize,
    pub rooms: usize,
    pub published: u64,
    pub delivered: u64,
    pub dropped_slow: u64,
    pub refused: u64,
}

pub(crate) struct Hub {
    pub config: RealtimeConfig,
    pub auth: Arc<Auth>,
    /// This process, as named in the fan-out (so it ignores its own messages).
    pub origin: Uuid,
    next_id: AtomicU64,
    state: RwLock<State>,
    history: Mutex<History>,
    handlers: RwLock<HashMap<&'static str, Arc<dyn ClientEvent>>>,
    presence: RwLock<Vec<Arc<dyn PresenceListener>>>,
    /// Users online on other processes: user → those processes.
    remote: Mutex<HashMap<Uuid, HashSet<Uuid>>>,
    pub fanout: OnceLock<super::fanout::Publisher>,
    serving: AtomicBool,
    published: AtomicU64,
    delivered: AtomicU64,
    dropped_slow: AtomicU64,
    pub refused: AtomicU64,
}

impl Hub {
    pub fn new(config: RealtimeConfig, auth: Arc<Auth>) -> Arc<Self> {
        let history = History::new(config.history_per_user, Duration::from_secs(config.history_ttl_secs));
        Arc::new(Self {
            config,
            auth,
            origin: kernel::new_id(),
            next_id: AtomicU64::new(1),
            state: RwLock::default(),
            history: Mutex::new(history),
            handlers: RwLock::default(),
            presence: RwLock::default(),
            remote: Mutex::default(),
            fanout: OnceLock::new(),
            serving: AtomicBool::new(false),
            published: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            dropped_slow: AtomicU64::new(0),
            refused: AtomicU64::new(0),
        })
    }

    pub fn on(&self, event: &'static str, handler: Arc<dyn ClientEvent>) {
        if let Ok(mut map) = self.handlers.write() {
            map.insert(event, handler);
        }
    }

    pub fn handler(&self, event: &str) -> Option<Arc<dyn ClientEvent>> {
        self.handlers.read().ok().and_then(|map| map.get(event).cloned())
    }

    pub fn on_presence(&self, listener: Arc<dyn PresenceListener>) {
        if let Ok(mut list) = self.presence.write() {
            list.push(listener);
        }
    }

    pub fn is_serving(&self) -> bool {
        self.serving.load(Ordering::Relaxed)
    }

    /// Starts what serving sockets needs: the revocation sweep and history pruning (once).
    pub fn serve_sockets(self: &Arc<Self>) {
        if self.serving.swap(true, Ordering::SeqCst) {
            return;
        }
        let weak = Arc::downgrade(self);
        let every = Duration::from_millis(self.config.revocation_check_ms.max(10));
        tokio::spawn(sweep(weak, every));
        super::fanout::subscribe(self);
    }

    pub fn publish(&self, room: Room, event: &str, data: Value) -> Uuid {
        let id = kernel::new_id();
        let out = Arc::new(Outgoing::new(id, event.to_owned(), data.to_string()));
        self.published.fetch_add(1, Ordering::Relaxed);
        if let Some(fanout) = self.fanout.get() {
            fanout.event(room, &out);
        }
        self.deliver(room, out);
        id
    }

    /// Hands `out` to every socket of `room` here, and keeps it for catch-up if it is a user's.
    pub fn deliver(&self, room: Room, out: Arc<Outgoing>) {
        if let Room::User(user) = room
            && self.is_serving()
        {
            self.remember(user, out.clone());
        }
        let mut slow = Vec::new();
        if let Ok(state) = self.state.read()
            && let Some(ids) = state.rooms.get(&room)
        {
            for id in ids {
                let Some(conn) = state.conns.get(id) else { continue };
                match conn.tx.try_send(out.clone()) {
                    Ok(()) => {
                        self.delivered.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(mpsc::error::TrySendError::Full(_)) => slow.push(*id),
                    Err(mpsc::error::TrySendError::Closed(_)) => {}
                }
            }
        }
        for id in slow {
            self.dropped_slow.fetch_add(1, Ordering::Relaxed);
            self.end(id, Ended::SlowConsumer);
        }
    }

    fn remember(&self, user: Uuid, out: Arc<Outgoing>) {
        if let Ok(mut history) = self.history.lock() {
            history.keep(user, out);
        }
    }

    /// The events for `user` after `last` (an event id the client saw).
    pub fn replay(&self, user: Uuid, last: Uuid) -> Replay {
        match self.history.lock() {
            Ok(history) => history.replay(user, last),
            Err(_) => Replay { events: Vec::new(), complete: false },
        }
    }

    /// Adds a socket of `user` (session `session`), joined to the user's room. `None` when the
    /// user already holds as many sockets as allowed.
    pub fn register(&self, user: Uuid, session: Uuid) -> Option<Registered> {
        let (tx, events) = mpsc::channel(self.config.queue_capacity.max(1));
        let ended = Arc::new(OnceLock::new());
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let came_online = {
            let Ok(mut state) = self.state.write() else { return None };
            let count = state.users.get(&user).copied().unwrap_or(0);
            if count >= self.config.max_connections_per_user {
                self.refused.fetch_add(1, Ordering::Relaxed);
                return None;
            }
            state.users.insert(user, count + 1);
            let room = Room::User(user);
            state.rooms.entry(room).or_default().push(id);
            state.conns.insert(id, Conn { user, session, tx, rooms: vec![room], ended: ended.clone() });
            count == 0
        };
        if came_online {
            self.local_presence(user, true);
        }
        Some(Registered { id, events, ended })
    }

    pub fn unregister(&self, id: u64) {
        let went_offline = {
            let Ok(mut state) = self.state.write() else { return };
            let Some(conn) = state.conns.remove(&id) else { return };
            for room in &conn.rooms {
                if let Some(ids) = state.rooms.get_mut(room) {
                    ids.retain(|c| *c != id);
                    if ids.is_empty() {
                        state.rooms.remove(room);
                    }
                }
            }
            let left = state.users.get(&conn.user).copied().unwrap_or(1).saturating_sub(1);
            if left == 0 {
                state.users.remove(&conn.user);
                Some(conn.user)
            } else {
                state.users.insert(conn.user, left);
                None
            }
        };
        if let Some(user) = went_offline {
            self.local_presence(user, false);
        }
    }

    /// Ends socket `id`: it leaves the registry and its rooms now, and closes as soon as it
    /// sees its queue closed (or its pending write times out).
    fn end(&self, id: u64, why: Ended) {
        if let Ok(state) = self.state.read()
            && let Some(conn) = state.conns.get(&id)
        {
            let _ = conn.ended.set(why);
        }
        self.unregister(id);
    }

    pub fn shutdown(&self) {
        let all: Vec<u64> = self.state.read().map(|s| s.conns.keys().copied().collect()).unwrap_or_default();
        for id in all {
            self.end(id, Ended::Shutdown);
        }
    }

    /// Adds socket `id` to `room`: `None` when the socket is gone (closed meanwhile), `Some(false)`
    /// when it is in too many rooms already.
    pub fn join(&self, id: u64, room: Room) -> Option<bool> {
        let Ok(mut state) = self.state.write() else { return None };
        let conn = state.conns.get_mut(&id)?;
        if conn.rooms.contains(&room) {
            return Some(true);
        }
        if conn.rooms.len() >= MAX_ROOMS_PER_SOCKET {
            return Some(false);
        }
        conn.rooms.push(room);
        state.rooms.entry(room).or_default().push(id);
        Some(true)
    }

    pub fn leave(&self, id: u64, room: Room) {
        let Ok(mut state) = self.state.write() else { return };
        let Some(conn) = state.conns.get_mut(&id) else { return };
        if matches!(room, Room::User(_)) {
            return;
        }
        conn.rooms.retain(|r| *r != room);
        if let Some(ids) = state.rooms.get_mut(&room) {
            ids.retain(|c| *c != id);
            if ids.is_empty() {
                state.rooms.remove(&room);
            }
        }
    }

    pub fn is_online(&self, user: Uuid) -> bool {
        let here = self.state.read().is_ok_and(|s| s.users.contains_key(&user));
        here || self.remote.lock().is_ok_and(|r| r.get(&user).is_some_and(|set| !set.is_empty()))
    }

    /// A user's first socket here opened, or their last one closed: tell other processes, and
    /// the listeners if that changes whether the user is online anywhere.
    fn local_presence(&self, user: Uuid, online: bool) {
        if let Some(fanout) = self.fanout.get() {
            fanout.presence(user, online);
        }
        let elsewhere = self.remote.lock().is_ok_and(|r| r.get(&user).is_some_and(|set| !set.is_empty()));
        if elsewhere {
            return;
        }
        let listeners = self.presence.read().map(|l| l.clone()).unwrap_or_default();
        if listeners.is_empty() {
            return;
        }
        tokio::spawn(async move {
            for listener in listeners {
                listener.changed(user, online).await;
            }
        });
    }

    /// Another process says `user` came online or went offline there.
    pub fn remote_presence(&self, origin: Uuid, user: Uuid, online: bool) {
        let Ok(mut remote) = self.remote.lock() else { return };
        if online {
            remote.entry(user).or_default().insert(origin);
        } else if let Some(set) = remote.get_mut(&user) {
            set.remove(&origin);
            if set.is_empty() {
                remote.remove(&user);
            }
        }
    }

    pub fn stats(&self) -> Stats {
        let (connections, users, rooms) =
            self.state.read().map(|s| (s.conns.len(), s.users.len(), s.rooms.len())).unwrap_or_default();
        Stats {
            connections,
            users,
            rooms,
            published: self.published.load(Ordering::Relaxed),
            delivered: self.delivered.load(Ordering::Relaxed),
            dropped_slow: self.dropped_slow.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
        }
    }

    /// Ends the sockets whose session was revoked; forgets expired history.
    fn sweep_once(&self, prune_history: bool) {
        let revoked: Vec<u64> = match self.state.read() {
            Ok(state) => state
                .conns
                .iter()
                .filter(|(_, c)| c.ended.get().is_none() && self.auth.is_session_revoked(c.session))
                .map(|(id, _)| *id)
                .collect(),
            Err(_) => Vec::new(),
        };
        for id in revoked {
            self.end(id, Ended::Revoked);
        }
        if prune_history && let Ok(mut history) = self.history.lock() {
            history.prune();
        }
    }
}

async fn sweep(hub: Weak<Hub>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut n: u64 = 0;
    loop {
        tick.tick().await;
        let Some(hub) = hub.upgrade() else { return };
        n += 1;
        hub.sweep_once(n.is_multiple_of(40));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hub(config: RealtimeConfig) -> Arc<Hub> {
        let auth =
            Auth::new(crate::auth::SigningKeys::verify_only(), &Default::default(), Arc::new(kernel::SystemClock));
        Hub::new(config, Arc::new(auth))
    }

    #[test]
    fn rooms_per_socket_are_bounded_and_a_closed_socket_joins_nothing() {
        let hub = hub(RealtimeConfig::default());
        let user = kernel::new_id();
        let socket = hub.register(user, kernel::new_id()).expect("registered");
        // Its user's room counts.
        for _ in 1..MAX_ROOMS_PER_SOCKET {
            assert_eq!(hub.join(socket.id, Room::Conversation(kernel::new_id())), Some(true));
        }
        assert_eq!(hub.join(socket.id, Room::Conversation(kernel::new_id())), Some(false));
        assert_eq!(hub.stats().rooms, MAX_ROOMS_PER_SOCKET);
        hub.unregister(socket.id);
        assert_eq!(hub.join(socket.id, Room::Conversation(kernel::new_id())), None);
        assert_eq!((hub.stats().rooms, hub.stats().connections), (0, 0));
    }

    #[test]
    fn a_full_queue_drops_the_socket_and_its_rooms() {
        let hub = hub(RealtimeConfig { queue_capacity: 2, ..RealtimeConfig::default() });
        let user = kernel::new_id();
        let socket = hub.register(user, kernel::new_id()).expect("registered");
        for n in 0..3 {
            hub.publish(Room::User(user), "e", serde_json::json!(n));
        }
        assert_eq!(socket.ended.get(), Some(&Ended::SlowConsumer));
        let stats = hub.stats();
        assert_eq!((stats.connections, stats.rooms, stats.dropped_slow, stats.delivered), (0, 0, 1, 2));
        assert!(!hub.is_online(user));
    }
}
