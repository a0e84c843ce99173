//! The plain WebSocket protocol at `/ws`: the same events as Socket.IO, one JSON object per
//! text frame, for clients that do not want a Socket.IO library (mobile apps, services).
//!
//! Client → server: `{"type":"auth","token":…,"lastEventId":…}` (unless the token came with
//! the upgrade), `{"type":"emit","event":…,"data":…,"ref":…}`, `{"type":"ping"}`.
//! Server → client: `ready`, `event` (with its `id`), `ack`, `error`, `pong`.

use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

/// The subprotocol a browser names to authenticate with `bearer.<token>` beside it.
pub(crate) const SUBPROTOCOL: &str = "sojourn.v1";

/// Close codes beyond RFC 6455's, in the private range.
pub(crate) mod close {
    pub const UNAUTHORIZED: u16 = 4001;
    pub const MALFORMED: u16 = 4000;
    pub const RATE_LIMITED: u16 = 4008;
    pub const SLOW_CONSUMER: u16 = 4009;
    pub const TOO_MANY_CONNECTIONS: u16 = 4029;
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub(crate) enum Inbound {
    #[serde(rename_all = "camelCase")]
    Auth {
        token: String,
        #[serde(default)]
        last_event_id: Option<String>,
    },
    Emit {
        event: String,
        #[serde(default)]
        data: Value,
        #[serde(default, rename = "ref")]
        reference: Option<Value>,
    },
    Ping,
}

pub(crate) fn parse(frame: &str) -> Result<Inbound, String> {
    serde_json::from_str(frame).map_err(|e| {
        let e = e.to_string();
        // serde's message names what was wrong; its position is noise for a client.
        e.split(" at line ").next().unwrap_or("malformed frame").to_owned()
    })
}

/// `ref` is echoed back as the client sent it, if it is a string or a number.
pub(crate) fn reference_ok(reference: &Value) -> bool {
    match reference {
        Value::String(s) => s.len() <= 64,
        Value::Number(_) => true,
        _ => false,
    }
}

pub(crate) fn event_frame(event: &str, id: &Uuid, data_json: &str) -> String {
    let name = Value::String(event.to_owned());
    format!(r#"{{"type":"event","event":{name},"id":"{id}","data":{data_json}}}"#)
}

pub(crate) fn ready(user: Uuid, connection: u64) -> String {
    json!({ "type": "ready", "userId": user, "connectionId": connection.to_string() }).to_string()
}

pub(crate) fn error(code: &str, message: &str, event: Option<&str>) -> String {
    json!({ "type": "error", "code": code, "message": message, "event": event }).to_string()
}

pub(crate) fn ack(reference: &Value, answer: &Value) -> String {
    let mut frame = json!({ "type": "ack", "ref": reference });
    if let (Some(frame), Some(answer)) = (frame.as_object_mut(), answer.as_object()) {
        frame.extend(answer.clone());
    }
    frame.to_string()
}

pub(crate) const PONG: &str = r#"{"type":"pong"}"#;

/// The token named in `Sec-WebSocket-Protocol: sojourn.v1, bearer.<token>`.
pub(crate) fn token_from_protocols<'a>(offered: impl Iterator<Item = &'a str>) -> Option<String> {
    offered
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .find_map(|p| p.strip_prefix("bearer."))
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_client_frames() {
        assert_eq!(
            parse(r#"{"type":"auth","token":"t","lastEventId":"x"}"#),
            Ok(Inbound::Auth { token: "t".into(), last_event_id: Some("x".into()) })
        );
        assert_eq!(
            parse(r#"{"type":"emit","event":"typing","data":{"a":1},"ref":7}"#),
            Ok(Inbound::Emit { event: "typing".into(), data: json!({"a": 1}), reference: Some(json!(7)) })
        );
        assert_eq!(parse(r#"{"type":"ping"}"#), Ok(Inbound::Ping));
        for bad in ["", "{}", "[]", r#"{"type":"auth"}"#, r#"{"type":"nope"}"#] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn finds_the_token_among_subprotocols() {
        assert_eq!(token_from_protocols(["sojourn.v1, bearer.abc.def"].into_iter()), Some("abc.def".into()));
        assert_eq!(token_from_protocols(["sojourn.v1", "bearer.x"].into_iter()), Some("x".into()));
        assert_eq!(token_from_protocols(["sojourn.v1"].into_iter()), None);
    }

    #[test]
    fn event_frames_are_json() {
        let id = Uuid::nil();
        let frame: Value = serde_json::from_str(&event_frame("new_message", &id, r#"{"a":"b"}"#)).unwrap_or_default();
        assert_eq!(frame, json!({"type": "event", "event": "new_message", "id": id, "data": {"a": "b"}}));
    }
}
