//! Tour sessions on the realtime channel. Clients emit `vr:join { sessionId }` (the leader, or
//! a viewer who joined by PIN) to receive the session's `vr:state` and `vr:ended` events,
//! `vr:leave { sessionId }` to stop, and the leader emits `vr:state { sessionId, sceneId,
//! view, pointer }` to move everyone. Errors come back in the acknowledgement.

use std::sync::Arc;

use async_trait::async_trait;
use kernel::ApiError;
use platform::auth::Actor;
use platform::realtime::{Client, ClientEvent, Realtime, Room};
use serde_json::{Value, json};
use uuid::Uuid;

use super::Vr;
use super::rules::move_from_json;
use super::service::{session_json, session_not_found, state_json};

#[derive(Debug, Clone, Copy)]
enum Kind {
    Join,
    Leave,
    State,
}

struct Handler {
    kind: Kind,
    vr: Vr,
}

/// Registers `vr:join`, `vr:leave` and `vr:state` on the hub.
pub fn register(rt: &Realtime, vr: &Vr) {
    let handler = |kind| -> Arc<dyn ClientEvent> { Arc::new(Handler { kind, vr: vr.clone() }) };
    rt.on("vr:join", handler(Kind::Join));
    rt.on("vr:leave", handler(Kind::Leave));
    rt.on("vr:state", handler(Kind::State));
}

fn session_of(data: &Value) -> Result<Uuid, ApiError> {
    let raw = data.get("sessionId").and_then(Value::as_str).unwrap_or_default();
    kernel::parse_id(raw, "Tour session").map_err(|_| session_not_found())
}

#[async_trait]
impl ClientEvent for Handler {
    async fn handle(&self, client: &Client, mut data: Value) -> Result<Value, ApiError> {
        let id = session_of(&data)?;
        match self.kind {
            Kind::Join => {
                let session = self.vr.live_session(id).await?.ok_or_else(session_not_found)?;
                if !self.vr.is_participant(&session, client.user_id).await? {
                    return Err(session_not_found());
                }
                client.join(Room::Session(id))?;
                Ok(session_json(&session))
            }
            Kind::Leave => {
                client.leave(Room::Session(id));
                Ok(json!({ "sessionId": id }))
            }
            Kind::State => {
                if let Some(map) = data.as_object_mut() {
                    map.remove("sessionId");
                }
                let input = move_from_json(data)?;
                let actor = Actor { user_id: client.user_id, admin: client.is_admin() };
                let moved = self.vr.move_state(actor, id, input).await?;
                let mut answer = state_json(&moved.state, moved.seq);
                answer["sessionId"] = json!(id);
                answer["applied"] = json!(moved.applied);
                Ok(answer)
            }
        }
    }
}
