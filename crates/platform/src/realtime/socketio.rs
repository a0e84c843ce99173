//! The Socket.IO v5 protocol over Engine.IO v4, WebSocket transport only (what DreamScape's
//! web client speaks: `transports: ['websocket']`). Each WebSocket text frame is one Engine.IO
//! packet; Engine.IO `message` packets (`4…`) carry Socket.IO packets (`40` connect, `41`
//! disconnect, `42` event, `43` ack, `44` connect error). Only the main namespace `/` exists.
//!
//! Events the server sends carry their id as the last argument: socket.io-client keeps it as
//! the recovery offset and sends it back (`auth.offset`) when it reconnects, so a client gets
//! what it missed without any code of its own.

use serde_json::{Value, json};

/// A packet a client sent.
#[derive(Debug, PartialEq)]
pub(crate) enum Inbound {
    /// Engine.IO ping (a client may probe) / pong (the answer to ours).
    Ping,
    Pong,
    /// Engine.IO close, or Socket.IO disconnect from the namespace.
    Close,
    /// Socket.IO CONNECT to namespace `nsp` with its `auth` payload.
    Connect {
        nsp: String,
        auth: Value,
    },
    /// Socket.IO EVENT `name` with its first argument, and the ack id if it wants one.
    Event {
        name: String,
        data: Value,
        ack: Option<u64>,
    },
    /// Something harmless to ignore (acks of ours, noop).
    Ignore,
}

/// Why a frame could not be read.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub(crate) enum BadFrame {
    Malformed,
    Binary,
    Namespace,
}

impl BadFrame {
    pub fn message(self) -> &'static str {
        match self {
            BadFrame::Malformed => "Malformed packet",
            BadFrame::Binary => "Binary packets are not supported",
            BadFrame::Namespace => "Invalid namespace",
        }
    }
}

pub(crate) fn parse(frame: &str) -> Result<Inbound, BadFrame> {
    let mut chars = frame.chars();
    match chars.next() {
        Some('1') => Ok(Inbound::Close),
        Some('2') => Ok(Inbound::Ping),
        Some('3') => Ok(Inbound::Pong),
        Some('6') => Ok(Inbound::Ignore),
        Some('4') => parse_socket(chars.as_str()),
        _ => Err(BadFrame::Malformed),
    }
}

fn parse_socket(packet: &str) -> Result<Inbound, BadFrame> {
    let Some(kind) = packet.chars().next() else { return Err(BadFrame::Malformed) };
    let rest = &packet[1..];
    let (nsp, rest) = namespace(rest);
    match kind {
        '0' => {
            let auth = if rest.is_empty() {
                Value::Null
            } else {
                serde_json::from_str(rest).map_err(|_| BadFrame::Malformed)?
            };
            if !(auth.is_null() || auth.is_object()) {
                return Err(BadFrame::Malformed);
            }
            Ok(Inbound::Connect { nsp: nsp.to_owned(), auth })
        }
        _ if nsp != "/" => Err(BadFrame::Namespace),
        '1' => Ok(Inbound::Close),
        '2' => {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let ack =
                if digits == 0 { None } else { Some(rest[..digits].parse::<u64>().map_err(|_| BadFrame::Malformed)?) };
            let args: Vec<Value> = serde_json::from_str(&rest[digits..]).map_err(|_| BadFrame::Malformed)?;
            let mut args = args.into_iter();
            let Some(Value::String(name)) = args.next() else { return Err(BadFrame::Malformed) };
            Ok(Inbound::Event { name, data: args.next().unwrap_or(Value::Null), ack })
        }
        '3' => Ok(Inbound::Ignore),
        '5' | '6' => Err(BadFrame::Binary),
        _ => Err(BadFrame::Malformed),
    }
}

/// `/chat,rest` → (`/chat`, `rest`); the main namespace is implicit.
fn namespace(rest: &str) -> (&str, &str) {
    if rest.starts_with('/') {
        match rest.split_once(',') {
            Some((nsp, tail)) => (nsp, tail),
            None => (rest, ""),
        }
    } else {
        ("/", rest)
    }
}

/// The Engine.IO handshake, first frame of every connection.
pub(crate) fn open(sid: &str, ping_interval_ms: u64, ping_timeout_ms: u64, max_payload: usize) -> String {
    let body = json!({
        "sid": sid, "upgrades": [], "pingInterval": ping_interval_ms, "pingTimeout": ping_timeout_ms,
        "maxPayload": max_payload,
    });
    format!("0{body}")
}

/// The answer to a successful CONNECT: the socket's id and the recovery session id.
pub(crate) fn connected(sid: &str, pid: &str) -> String {
    format!("40{}", json!({ "sid": sid, "pid": pid }))
}

/// A refused CONNECT: the client sees `connect_error` with `err.message` and `err.data`.
pub(crate) fn connect_error(nsp: &str, message: &str, code: &str) -> String {
    let body = json!({ "message": message, "data": { "code": code } });
    if nsp == "/" { format!("44{body}") } else { format!("44{nsp},{body}") }
}

/// `42["event",data,"id"]` with `data` already JSON.
pub(crate) fn event_frame(event: &str, data_json: &str, id: &str) -> String {
    let name = Value::String(event.to_owned());
    format!("42[{name},{data_json},\"{id}\"]")
}

/// An event without an id (errors and other answers that are not kept for catch-up).
pub(crate) fn plain_event(event: &str, data: &Value) -> String {
    format!("42{}", json!([event, data]))
}

/// The acknowledgement `ack` with one argument.
pub(crate) fn ack(ack: u64, payload: &Value) -> String {
    format!("43{ack}{}", json!([payload]))
}

/// The server leaving the namespace: socket.io-client does not reconnect after it.
pub(crate) const DISCONNECT: &str = "41";
pub(crate) const PING: &str = "2";
pub(crate) const PONG: &str = "3";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_packets_a_client_sends() {
        assert_eq!(parse("3"), Ok(Inbound::Pong));
        assert_eq!(parse("40"), Ok(Inbound::Connect { nsp: "/".into(), auth: Value::Null }));
        assert_eq!(
            parse(r#"40{"token":"abc"}"#),
            Ok(Inbound::Connect { nsp: "/".into(), auth: json!({"token": "abc"}) })
        );
        assert_eq!(
            parse(r#"40/admin,{"token":"x"}"#).map(|p| matches!(p, Inbound::Connect { nsp, .. } if nsp == "/admin")),
            Ok(true)
        );
        assert_eq!(
            parse(r#"4212["typing",{"conversationId":"c"}]"#),
            Ok(Inbound::Event { name: "typing".into(), data: json!({"conversationId": "c"}), ack: Some(12) })
        );
        assert_eq!(parse(r#"42["ping"]"#), Ok(Inbound::Event { name: "ping".into(), data: Value::Null, ack: None }));
        assert_eq!(parse("41"), Ok(Inbound::Close));
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        for bad in ["", "x", "4", "42", "42{}", "42[1]", "42[", r#"40"str""#, "49", "4212345678901234567890123[\"a\"]"]
        {
            assert_eq!(parse(bad), Err(BadFrame::Malformed), "{bad:?}");
        }
        assert_eq!(parse(r#"451-["up",{"_placeholder":true,"num":0}]"#), Err(BadFrame::Binary));
        assert_eq!(parse(r#"42/other,["a"]"#), Err(BadFrame::Namespace));
    }

    #[test]
    fn writes_events_with_their_id_last() {
        assert_eq!(event_frame("notification:new", r#"{"id":1}"#, "abc"), r#"42["notification:new",{"id":1},"abc"]"#);
        assert_eq!(ack(3, &json!({"success": true})), r#"433[{"success":true}]"#);
        assert_eq!(
            connect_error("/", "unauthorized", "invalid_token"),
            r#"44{"data":{"code":"invalid_token"},"message":"unauthorized"}"#
        );
    }
}
