//! Messaging's side of the realtime channel through a real WebSocket client on `/ws`: what a
//! participant's socket receives when messages are posted over REST and bookings move, and the
//! client events messaging answers. (The channel itself — Socket.IO, catch-up, limits — is
//! tested with the platform.)

use std::time::Duration;

use serde_json::{Value, json};
use testkit::ws::{WsAuth, WsClient, ws_url};

use crate::support::*;

const WAIT: Duration = Duration::from_secs(5);

/// A participant's `/ws` socket (testkit's client), read the way these tests need.
struct Socket(WsClient);

impl Socket {
    async fn open(app: &App, user: &User) -> Socket {
        let (ws, ready) = WsClient::connect_ready(&ws_url(&app.base), WsAuth::Header(user.token.clone())).await;
        assert_eq!(ready["type"], "ready", "{ready}");
        Socket(ws)
    }

    /// The first frame matching `wanted`, read now or set aside earlier; others are kept.
    async fn first(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        self.0.next_matching(WAIT, wanted).await.expect("a frame in time")
    }

    /// The next pushed event named `name`.
    async fn event(&mut self, name: &str) -> Value {
        self.0.next_event(name, WAIT).await.unwrap_or_else(|| panic!("{name} in time"))["data"].clone()
    }

    /// Emits `event` and returns its ack.
    async fn emit(&mut self, event: &str, data: Value) -> Value {
        self.0.emit_ack(event, data, WAIT).await
    }
}

#[tokio::test]
async fn participants_hear_messages_receipts_typing_and_bookings() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let outsider = register(&app, "outsider@example.com").await;
    let listing = publish(&app, &owner, false).await;
    let mut host_socket = Socket::open(&app, &owner).await;
    let mut guest_socket = Socket::open(&app, &guest).await;

    // A new enquiry refreshes the host's list, and its message arrives masked for the host.
    let (_, c) = enquire(&app, &guest, &listing, "Call me on 06 12 34 56 78").await;
    let cid = text(&c, "id");
    let updated = host_socket.event("conversation_updated").await;
    assert_eq!(updated["id"], cid.as_str());
    let heard = host_socket.event("new_message").await;
    assert_eq!((heard["conversationId"].as_str(), heard["masked"].as_bool()), (Some(cid.as_str()), Some(true)));
    assert!(!heard["body"].as_str().unwrap().contains("12 34"), "{heard}");
    let own = guest_socket.event("new_message").await;
    assert_eq!(own["body"], "Call me on 06 12 34 56 78");

    // Joining: participants only; the ack tells who of the others is online.
    let refused = Socket::open(&app, &outsider).await.emit("conversation:join", json!({"conversationId": cid})).await;
    assert_eq!((refused["success"].as_bool(), refused["code"].as_str()), (Some(false), Some("conversation_not_found")));
    let joined = guest_socket.emit("conversation:join", json!({"conversationId": cid})).await;
    assert_eq!(joined["data"]["presence"], json!([{"userId": owner.id, "online": true}]), "{joined}");
    host_socket.emit("conversation:join", json!({"conversationId": cid})).await;
    // Typing goes to the room, throttled to one a second.
    let first = host_socket.emit("typing", json!({"conversationId": cid, "typing": true})).await;
    let second = host_socket.emit("typing", json!({"conversationId": cid, "typing": true})).await;
    assert_eq!(
        (first["data"]["forwarded"].as_bool(), second["data"]["forwarded"].as_bool()),
        (Some(true), Some(false))
    );
    let typing = guest_socket.event("typing").await;
    assert_eq!((typing["userId"].as_str(), typing["typing"].as_bool()), (Some(owner.id.as_str()), Some(true)));

    // Sending over the socket: the ack is the message; clientMessageId makes retries harmless.
    let sent = host_socket
        .emit("message:send", json!({"conversationId": cid, "body": "Sure, after 6pm.", "clientMessageId": "c-1"}))
        .await;
    assert_eq!(sent["data"]["body"], "Sure, after 6pm.", "{sent}");
    let again = host_socket
        .emit("message:send", json!({"conversationId": cid, "body": "Sure, after 6pm.", "clientMessageId": "c-1"}))
        .await;
    assert_eq!(again["data"]["id"], sent["data"]["id"]);
    assert_eq!(guest_socket.event("new_message").await["id"], sent["data"]["id"]);
    assert_eq!(messages(&app, &guest, &cid).await.len(), 2);
    // Reading: the host hears the receipt.
    let read = guest_socket.emit("message:read", json!({"conversationId": cid})).await;
    assert_eq!(read["data"]["lastReadMessageId"], sent["data"]["id"]);
    let receipt = host_socket.event("message_read").await;
    assert_eq!(
        (receipt["userId"].as_str(), &receipt["lastReadMessageId"]),
        (Some(guest.id.as_str()), &sent["data"]["id"])
    );

    // Bookings: both parties hear every state change, with the conversation to open.
    let r = reserve(&app, &guest, &listing, "2027-02-01", "2027-02-04").await;
    let rid = text(&r, "id");
    let created = guest_socket.event("booking_update").await;
    assert_eq!(
        (created["event"].as_str(), created["reservationId"].as_str()),
        (Some("booking.created"), Some(rid.as_str()))
    );
    assert_eq!(created["conversationId"], r["conversationId"]);
    payment_event(&app, "authorized", &rid, 36_960).await;
    act(&app, &owner, &rid, "accept").await;
    let mut seen = Vec::new();
    while seen.last().map(String::as_str) != Some("booking.confirmed") {
        let u = host_socket.event("booking_update").await;
        seen.push(text(&u, "event"));
    }
    assert_eq!(seen, ["booking.created", "booking.requested", "booking.confirmed"]);
    let system = |f: &Value| f["event"] == "new_message" && f["data"]["kind"] == "system";
    let requested = host_socket.first(system).await["data"].clone();
    let confirmed = host_socket.first(system).await["data"].clone();
    assert_eq!(
        (requested["code"].as_str(), confirmed["code"].as_str()),
        (Some("booking.requested"), Some("booking.confirmed"))
    );
    assert_eq!(confirmed["conversationId"], r["conversationId"]);
}
