//! The messaging side of the realtime channel, in one place: what messaging publishes (always
//! after its database commit; durable events to every participant's *user* room, because
//! reconnection catch-up works per user), the client events it answers (`conversation:join`,
//! `conversation:leave`, `typing`, `message:send`, `message:read`) and the presence it relays.
//! Everything realtime goes through here, so a test or a reader finds every event in one file.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use kernel::ApiError;
use serde_json::{Value, json};
use uuid::Uuid;

pub use platform::realtime::{Client, ClientEvent, PresenceListener, Realtime, Room};

use crate::service::{Actor, Messaging, Outgoing};

/// The process's realtime hub.
pub fn hub(env: &platform::ContextEnv) -> Realtime {
    env.realtime.clone()
}

/// Route templates of the socket endpoints (the gateway sends them to this context).
pub const SOCKET_ROUTES: [&str; 3] = ["/socket.io", "/socket.io/", "/ws"];

/// At most one `typing` forwarded per user and conversation in this interval.
const TYPING_EVERY: Duration = Duration::from_secs(1);

/// What messaging publishes.
#[derive(Clone)]
pub struct Publisher {
    rt: Realtime,
    typing: Arc<Mutex<HashMap<(Uuid, Uuid), Instant>>>,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Publisher")
    }
}

impl Publisher {
    pub fn new(rt: Realtime) -> Self {
        Self { rt, typing: Arc::default() }
    }

    pub fn is_online(&self, user: Uuid) -> bool {
        self.rt.is_online(user)
    }

    /// `new_message` to one participant: `view` is the message as that participant reads it
    /// (masking differs by reader), plus `conversationId`.
    pub fn new_message(&self, user: Uuid, conversation: Uuid, mut view: Value) {
        if let Some(map) = view.as_object_mut() {
            map.insert("conversationId".into(), json!(conversation));
        }
        self.rt.publish(Room::User(user), "new_message", view);
    }

    /// `message_read` to the other participants.
    pub fn message_read(
        &self,
        to: &[Uuid],
        conversation: Uuid,
        reader: Uuid,
        message: Uuid,
        at: chrono::DateTime<chrono::Utc>,
    ) {
        let data =
            json!({"conversationId": conversation, "userId": reader, "lastReadMessageId": message, "readAt": at});
        for user in to {
            self.rt.publish(Room::User(*user), "message_read", data.clone());
        }
    }

    /// `booking_update` to guest and host of a reservation, on every `booking.*` state change.
    pub fn booking_update(&self, to: &[Uuid], event_type: &str, reservation: &Value) {
        let id = reservation.get("id").cloned().unwrap_or(Value::Null);
        let conversation =
            id.as_str().and_then(|s| s.parse::<Uuid>().ok()).map(|r| kernel::id::reservation_conversation_id(&r));
        let data = json!({"reservationId": id, "status": reservation.get("status"), "event": event_type,
                          "reservation": reservation, "conversationId": conversation});
        for user in to {
            self.rt.publish(Room::User(*user), "booking_update", data.clone());
        }
    }

    /// `conversation_updated` to a participant whose list should refresh.
    pub fn conversation_updated(&self, user: Uuid, view: Value) {
        self.rt.publish(Room::User(user), "conversation_updated", view);
    }

    /// `typing` to the conversation room, at most once a second per user and conversation.
    /// Returns whether it was forwarded.
    pub fn typing(&self, conversation: Uuid, user: Uuid, typing: bool) -> bool {
        let now = Instant::now();
        {
            let Ok(mut last) = self.typing.lock() else { return false };
            if last.get(&(user, conversation)).is_some_and(|t| now.duration_since(*t) < TYPING_EVERY) {
                return false;
            }
            if last.len() > 10_000 {
                last.retain(|_, t| now.duration_since(*t) < TYPING_EVERY);
            }
            last.insert((user, conversation), now);
        }
        let data = json!({"conversationId": conversation, "userId": user, "typing": typing});
        self.rt.publish(Room::Conversation(conversation), "typing", data);
        true
    }

    /// `presence` to the rooms of these conversations.
    pub fn presence(&self, conversations: &[Uuid], user: Uuid, online: bool) {
        for c in conversations {
            self.rt.publish(Room::Conversation(*c), "presence", json!({"userId": user, "online": online}));
        }
    }
}

/// Registers the client events and the presence listener on the hub.
pub fn register(rt: &Realtime, service: &Messaging) {
    let handler = |kind| -> Arc<dyn ClientEvent> { Arc::new(Handler { kind, service: service.clone() }) };
    rt.on("conversation:join", handler(Kind::Join));
    rt.on("conversation:leave", handler(Kind::Leave));
    rt.on("typing", handler(Kind::Typing));
    rt.on("message:send", handler(Kind::Send));
    rt.on("message:read", handler(Kind::Read));
    rt.on_presence(Arc::new(Presence { service: service.clone() }));
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Join,
    Leave,
    Typing,
    Send,
    Read,
}

struct Handler {
    kind: Kind,
    service: Messaging,
}

fn text_field(data: &Value, key: &str) -> Option<String> {
    data.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn conversation_of(data: &Value) -> Result<Uuid, ApiError> {
    let raw = text_field(data, "conversationId").unwrap_or_default();
    kernel::parse_id(&raw, "Conversation").map_err(|_| crate::service::conversation_not_found())
}

#[async_trait]
impl ClientEvent for Handler {
    async fn handle(&self, client: &Client, data: Value) -> Result<Value, ApiError> {
        let actor = Actor { user_id: client.user_id, admin: client.is_admin() };
        let conversation = conversation_of(&data)?;
        match self.kind {
            Kind::Join => {
                let others = self.service.participant_ids(&actor, conversation).await?;
                client.join(Room::Conversation(conversation))?;
                let presence: Vec<Value> = others
                    .into_iter()
                    .filter(|u| *u != client.user_id)
                    .map(|u| json!({"userId": u, "online": self.service.publisher.is_online(u)}))
                    .collect();
                Ok(json!({"conversationId": conversation, "presence": presence}))
            }
            Kind::Leave => {
                client.leave(Room::Conversation(conversation));
                Ok(json!({"conversationId": conversation}))
            }
            Kind::Typing => {
                self.service.participant_ids(&actor, conversation).await?;
                let typing = data.get("typing").and_then(Value::as_bool).unwrap_or(true);
                let forwarded = self.service.publisher.typing(conversation, client.user_id, typing);
                Ok(json!({"conversationId": conversation, "forwarded": forwarded}))
            }
            Kind::Send => {
                let client_message_id = text_field(&data, "clientMessageId");
                let out = Outgoing {
                    body: text_field(&data, "body"),
                    files: Vec::new(),
                    client_message_id: client_message_id.clone(),
                };
                let sent = self.service.send(&actor, conversation, out, client_message_id).await?;
                Ok(sent.view)
            }
            Kind::Read => {
                let message = match text_field(&data, "messageId") {
                    Some(raw) => {
                        Some(kernel::parse_id(&raw, "Message").map_err(|_| crate::service::message_not_found())?)
                    }
                    None => None,
                };
                self.service.read(&actor, conversation, message).await
            }
        }
    }
}

struct Presence {
    service: Messaging,
}

#[async_trait]
impl PresenceListener for Presence {
    async fn changed(&self, user: Uuid, online: bool) {
        match crate::store::recent_ids(&self.service.db, user, 100).await {
            Ok(ids) => self.service.publisher.presence(&ids, user, online),
            Err(e) => tracing::warn!(error = %e, "presence not relayed"),
        }
    }
}
