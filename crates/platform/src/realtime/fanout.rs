//! Fan-out across processes over NATS (core publish/subscribe, not JetStream: a realtime event
//! is worth delivering now or never; what must not be lost is in the database and the event
//! outbox). Every process publishes what its contexts publish; processes that serve sockets
//! subscribe and deliver to theirs. A message is a JSON header line, `\n`, then the event's
//! data as it will be written to sockets (not re-encoded on the way).

use std::sync::Arc;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::Room;
use super::hub::{Hub, Outgoing};

/// Messages waiting to be handed to NATS; past this, new ones are dropped (and counted).
const BACKLOG: usize = 65_536;

#[derive(Serialize, Deserialize)]
struct Header {
    /// The publishing process.
    o: Uuid,
    /// `e` event, `p` presence.
    t: char,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    r: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    i: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    e: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    u: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    on: Option<bool>,
}

pub(crate) struct Publisher {
    origin: Uuid,
    tx: mpsc::Sender<Vec<u8>>,
    pub(crate) client: async_nats::Client,
    subject: String,
}

impl Publisher {
    pub fn event(&self, room: Room, out: &Outgoing) {
        let header = Header {
            o: self.origin,
            t: 'e',
            r: Some(room.key()),
            i: Some(out.id),
            e: Some(out.event.clone()),
            u: None,
            on: None,
        };
        self.send(&header, Some(&out.data));
    }

    pub fn presence(&self, user: Uuid, online: bool) {
        let header = Header { o: self.origin, t: 'p', r: None, i: None, e: None, u: Some(user), on: Some(online) };
        self.send(&header, None);
    }

    fn send(&self, header: &Header, data: Option<&str>) {
        let Ok(mut bytes) = serde_json::to_vec(header) else { return };
        if let Some(data) = data {
            bytes.push(b'\n');
            bytes.extend_from_slice(data.as_bytes());
        }
        if self.tx.try_send(bytes).is_err() {
            tracing::warn!("realtime fan-out backlog full: an event was not sent to other processes");
        }
    }
}

pub(crate) async fn connect(hub: &Arc<Hub>, url: &str) -> Result<(), String> {
    let client = async_nats::connect(url).await.map_err(|e| format!("realtime fan-out: NATS at {url}: {e}"))?;
    let subject = hub.config.nats_subject.clone();
    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(BACKLOG);
    let sender = client.clone();
    let to = subject.clone();
    // One task publishes in order: events of one room reach other processes in the order
    // they were published here.
    tokio::spawn(async move {
        while let Some(bytes) = rx.recv().await {
            if let Err(e) = sender.publish(to.clone(), bytes.into()).await {
                tracing::warn!(error = %e, "realtime fan-out: publish failed");
            }
        }
    });
    let _ = hub.fanout.set(Publisher { origin: hub.origin, tx, client, subject });
    Ok(())
}

/// Delivers other processes' events to this process's sockets (once serving sockets).
pub(crate) fn subscribe(hub: &Arc<Hub>) {
    let Some(publisher) = hub.fanout.get() else { return };
    let client = publisher.client.clone();
    let subject = publisher.subject.clone();
    let weak = Arc::downgrade(hub);
    tokio::spawn(async move {
        let mut messages = match client.subscribe(subject).await {
            Ok(messages) => messages,
            Err(e) => {
                tracing::error!(error = %e, "realtime fan-out: cannot subscribe; sockets here only get this process's events");
                return;
            }
        };
        while let Some(message) = messages.next().await {
            let Some(hub) = weak.upgrade() else { return };
            receive(&hub, &message.payload);
        }
    });
}

fn receive(hub: &Hub, payload: &[u8]) {
    let (head, data) = match payload.iter().position(|b| *b == b'\n') {
        Some(at) => (&payload[..at], Some(&payload[at + 1..])),
        None => (payload, None),
    };
    let Ok(header) = serde_json::from_slice::<Header>(head) else { return };
    if header.o == hub.origin {
        return;
    }
    match header.t {
        'e' => {
            let (Some(room), Some(id), Some(event), Some(data)) =
                (header.r.as_deref().and_then(Room::parse), header.i, header.e, data)
            else {
                return;
            };
            let Ok(data) = std::str::from_utf8(data) else { return };
            hub.deliver(room, Arc::new(Outgoing::new(id, event, data.to_owned())));
        }
        'p' => {
            if let (Some(user), Some(online)) = (header.u, header.on) {
                hub.remote_presence(header.o, user, online);
            }
        }
        _ => {}
    }
}
