//! Client events answered by another process. Sockets are held by the processes that serve
//! `/socket.io/` and `/ws`, but the context that answers an event may run elsewhere (a split
//! deployment: media's `vr:*` events, sockets on messaging's service). With NATS, a process
//! that registers a handler also answers requests for it on `<nats_subject>.emit.<event>`
//! (a queue group: one process answers each), and a socket whose process has no handler asks
//! there. The handler runs as it would locally; the rooms it joins or leaves come back with
//! the answer and are applied to the socket by the process that holds it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use kernel::ApiError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::hub::Hub;
use super::{Client, Room};
use crate::auth::Role;

/// How long a socket waits for another process's answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A room a remote handler joined (`true`) or left.
pub(crate) type RoomOps = Arc<Mutex<Vec<(bool, Room)>>>;

#[derive(Serialize, Deserialize)]
struct Request {
    user: Uuid,
    role: Role,
    session: Uuid,
    data: Value,
}

#[derive(Serialize, Deserialize)]
struct Reply {
    #[serde(default)]
    data: Option<Value>,
    #[serde(default)]
    error: Option<(u16, String, String)>,
    #[serde(default)]
    join: Vec<String>,
    #[serde(default)]
    leave: Vec<String>,
}

/// Event names that may be part of a NATS subject (no `.`, wildcards or spaces).
fn forwardable(event: &str) -> bool {
    (1..=64).contains(&event.len())
        && event.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-'))
}

fn subject(hub: &Hub, event: &str) -> String {
    format!("{}.emit.{event}", hub.config.nats_subject)
}

/// Answers other processes' requests for `event` (registered here), when NATS is configured.
pub(crate) fn serve(hub: &Arc<Hub>, event: &'static str) {
    let Some(publisher) = hub.fanout.get() else { return };
    if !forwardable(event) {
        return;
    }
    let client = publisher.client.clone();
    let (subject, group) = (subject(hub, event), format!("{}.emit", hub.config.nats_subject));
    let weak = Arc::downgrade(hub);
    tokio::spawn(async move {
        let mut requests = match client.queue_subscribe(subject, group).await {
            Ok(requests) => requests,
            Err(e) => {
                tracing::error!(error = %e, event, "realtime: cannot answer remote emits");
                return;
            }
        };
        while let Some(message) = requests.next().await {
            let Some(hub) = weak.upgrade() else { return };
            let Some(reply_to) = message.reply.clone() else { continue };
            let client = client.clone();
            tokio::spawn(async move {
                let reply = answer(&hub, event, &message.payload).await;
                let Ok(bytes) = serde_json::to_vec(&reply) else { return };
                if let Err(e) = client.publish(reply_to, bytes.into()).await {
                    tracing::warn!(error = %e, "realtime: remote emit answer not sent");
                }
            });
        }
    });
}

async fn answer(hub: &Arc<Hub>, event: &str, payload: &[u8]) -> Reply {
    let failed = |e: ApiError| Reply {
        data: None,
        error: Some((e.status, e.code.to_string(), e.message)),
        join: Vec::new(),
        leave: Vec::new(),
    };
    let Ok(request) = serde_json::from_slice::<Request>(payload) else {
        return failed(ApiError::bad_request("Unreadable remote emit"));
    };
    let Some(handler) = hub.handler(event) else {
        return failed(ApiError::new(400, "unknown_event", format!("Unknown event `{event}`")));
    };
    let ops = RoomOps::default();
    let client = Client {
        user_id: request.user,
        role: request.role,
        session: request.session,
        connection: 0,
        hub: hub.clone(),
        remote: Some(ops.clone()),
    };
    let result = handler.handle(&client, request.data).await;
    let ops = ops.lock().map(|o| o.clone()).unwrap_or_default();
    let keys = |join: bool| ops.iter().filter(|(j, _)| *j == join).map(|(_, r)| r.key()).collect();
    match result {
        Ok(data) => Reply { data: Some(data), error: None, join: keys(true), leave: keys(false) },
        Err(e) => Reply { join: keys(true), leave: keys(false), ..failed(e) },
    }
}

/// Asks another process to handle `event` for `client`'s socket and applies the rooms it
/// joined or left. `None` when no process answers it (or there is no NATS).
pub(crate) async fn emit(hub: &Hub, client: &Client, event: &str, data: Value) -> Option<Result<Value, ApiError>> {
    let publisher = hub.fanout.get()?;
    if !forwardable(event) {
        return None;
    }
    let request = Request { user: client.user_id, role: client.role, session: client.session, data };
    let bytes = serde_json::to_vec(&request).ok()?;
    let sent = async_nats::Request::new().payload(bytes.into()).timeout(Some(TIMEOUT));
    let message = match publisher.client.send_request(subject(hub, event), sent).await {
        Ok(message) => message,
        Err(e) if e.kind() == async_nats::RequestErrorKind::NoResponders => return None,
        Err(e) => {
            tracing::warn!(error = %e, event, "realtime: remote emit failed");
            return Some(Err(ApiError::unavailable("The service answering this event is unavailable", Some(2))));
        }
    };
    let Ok(reply) = serde_json::from_slice::<Reply>(&message.payload) else {
        return Some(Err(ApiError::internal()));
    };
    for key in &reply.join {
        if let Some(room) = Room::parse(key)
            && let Err(e) = client.join(room)
        {
            return Some(Err(e));
        }
    }
    for room in reply.leave.iter().filter_map(|k| Room::parse(k)) {
        client.leave(room);
    }
    Some(match (reply.data, reply.error) {
        (_, Some((status, code, message))) => Err(ApiError::new(status, code, message)),
        (Some(data), None) => Ok(data),
        (None, None) => Ok(Value::Null),
    })
}

#[cfg(test)]
mod tests {
    use super::forwardable;

    #[test]
    fn only_plain_event_names_become_subjects() {
        for ok in ["vr:join", "message:send", "typing", "a-b_c"] {
            assert!(forwardable(ok), "{ok}");
        }
        for bad in ["", "a.b", "a*", ">", "a b", &"x".repeat(65)] {
            assert!(!forwardable(bad), "{bad}");
        }
    }
}
