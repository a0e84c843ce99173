//! The whole realtime story through the official Socket.IO v4 client (socket.io-client from
//! npm, driven by `testkit::socketio`): connecting exactly as DreamScape's web client does and
//! receiving `notification:new`; a guest and a host messaging around a reservation from REST
//! and sockets alike, with typing, read receipts and `booking_update`; a logout closing the
//! socket; catch-up after a lost connection. Without node (and outside CI) these tests return
//! early; in CI they run.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use testkit::socketio::SioDriver;

use crate::support::*;

const WAIT: Duration = Duration::from_secs(5);

async fn driver() -> Option<SioDriver> {
    SioDriver::start().await.ok()
}

/// Connects `name` as `user`, WebSocket only, token in the CONNECT packet.
async fn connect(d: &mut SioDriver, app: &App, name: &str, user: &User) {
    let connected = d.connect(name, &app.base, json!({ "token": user.token })).await;
    assert!(connected.is_ok(), "{connected:?}; driver stderr:\n{}", d.stderr());
}

/// The `new_message` of message `id` on socket `name`, skipping others (system messages).
async fn next_message(d: &mut SioDriver, name: &str, id: &str) -> Vec<Value> {
    loop {
        let args =
            d.next_event(name, "new_message", WAIT).await.unwrap_or_else(|| panic!("new_message {id} to {name}"));
        if args[0]["id"] == id {
            return args;
        }
    }
}

#[tokio::test]
async fn a_client_connected_as_dreamscapes_receives_notification_new_with_the_inbox_object() {
    let Some(mut d) = driver().await else { return };
    let app = spawn().await;
    let owner = host(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let listing = publish(&app, &owner, false).await;

    // WEB-CLIENT.md 1.6: io(URL, { transports: ['websocket'], auth: { token }, reconnectionAttempts: 5 }).
    let opts = json!({ "transports": ["websocket"], "reconnection": true, "reconnectionAttempts": 5 });
    let connected = d.connect_with("host", &app.base, json!({ "token": owner.token }), opts).await;
    assert!(connected.is_ok(), "{connected:?}");

    // A request to book makes the host a notification; the socket has it at once.
    let r = reserve(&app, &guest, &listing, "2027-02-01", "2027-02-03").await;
    payment_event(&app, "authorized", r["id"].as_str().unwrap(), 26_000).await;
    let args = d.next_event("host", "notification:new", WAIT).await.expect("notification:new");
    let pushed = &args[0];
    for key in ["id", "userId", "type", "title", "message", "read", "readAt", "metadata", "createdAt", "updatedAt"] {
        assert!(pushed.get(key).is_some(), "{key} missing in {pushed}");
    }
    assert_eq!(pushed["userId"], owner.id.as_str());
    assert_eq!(pushed["read"], false);
    // Exactly the object the inbox returns.
    let inbox = app.call(Method::GET, Some(&owner.token), "/api/v1/users/notifications", None).await;
    let (_, inbox) = testkit::json(inbox).await;
    let listed = inbox["data"]["notifications"].as_array().unwrap();
    let same = listed.iter().find(|n| n["id"] == pushed["id"]).expect("the pushed notification is in the inbox");
    assert_eq!(same, pushed);
    // The guest's socket (not connected) got nothing, and the host nothing of the guest's.
    d.expect_no_event("host", "notification:new", Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_bad_token_is_refused_with_a_connect_error() {
    let Some(mut d) = driver().await else { return };
    let app = spawn().await;
    let refused = d.connect("x", &app.base, json!({ "token": "forged.token.value" })).await.unwrap_err();
    assert_eq!(refused.message, "unauthorized");
    assert_eq!(refused.data["code"], "invalid_token");
    let refused = d.connect("y", &app.base, json!({})).await.unwrap_err();
    assert_eq!(refused.data["code"], "token_missing");
}

#[tokio::test]
async fn guest_and_host_message_around_a_reservation_from_rest_and_sockets() {
    let Some(mut d) = driver().await else { return };
    let app = spawn().await;
    let owner = host(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let listing = publish(&app, &owner, false).await;
    connect(&mut d, &app, "guest", &guest).await;
    connect(&mut d, &app, "host", &owner).await;

    let r = reserve(&app, &guest, &listing, "2027-03-01", "2027-03-04").await;
    let (rid, cid) = (text(&r, "id"), text(&r, "conversationId"));
    payment_event(&app, "authorized", &rid, 36_960).await;
    let update = d.next_event("host", "booking_update", WAIT).await.expect("booking_update to the host");
    assert_eq!(update[0]["reservationId"], rid.as_str());

    // Both open the conversation: they join its room and see each other online.
    for who in ["guest", "host"] {
        let ack = d.emit_ack(who, "conversation:join", json!({ "conversationId": cid }), WAIT).await;
        assert_eq!(ack["success"], true, "{ack}");
        let partner = if who == "guest" { &owner.id } else { &guest.id };
        assert_eq!(ack["data"]["presence"], json!([{ "userId": partner, "online": true }]), "{ack}");
    }
    // The guest types; the host sees it (and the guest does not see their own typing).
    d.emit("guest", "typing", json!({ "conversationId": cid, "typing": true })).await;
    let typing = d.next_event("host", "typing", WAIT).await.expect("typing");
    assert_eq!((typing[0]["userId"].as_str(), typing[0]["typing"].as_bool()), (Some(guest.id.as_str()), Some(true)));

    // A message sent over the socket reaches the host's socket and REST alike.
    let ack = d
        .emit_ack(
            "guest",
            "message:send",
            json!({ "conversationId": cid, "body": "Arriving at 6pm", "clientMessageId": "m-1" }),
            WAIT,
        )
        .await;
    assert_eq!(ack["success"], true, "{ack}");
    let message_id = ack["data"]["id"].as_str().unwrap().to_owned();
    // (System messages of the request came the same way before it.)
    let pushed = next_message(&mut d, "host", &message_id).await;
    assert_eq!(pushed[0]["body"], "Arriving at 6pm");
    assert_eq!(pushed[0]["conversationId"], cid.as_str());
    assert!(messages(&app, &owner, &cid).await.iter().any(|m| m["id"] == message_id.as_str()));

    // The host reads it over the socket: the guest gets the receipt.
    let ack = d.emit_ack("host", "message:read", json!({ "conversationId": cid, "messageId": message_id }), WAIT).await;
    assert_eq!(ack["success"], true, "{ack}");
    let receipt = d.next_event("guest", "message_read", WAIT).await.expect("message_read");
    assert_eq!(
        (receipt[0]["userId"].as_str(), receipt[0]["lastReadMessageId"].as_str()),
        (Some(owner.id.as_str()), Some(message_id.as_str()))
    );

    // The host answers over REST; the guest's socket has it.
    let reply = sent(&app, &owner, &cid, "See you then").await;
    next_message(&mut d, "guest", reply["id"].as_str().unwrap()).await;

    // The host accepts: both get booking_update with the new state.
    act(&app, &owner, &rid, "accept").await;
    for who in ["guest", "host"] {
        let mut status = Value::Null;
        while status != "confirmed" {
            let update =
                d.next_event(who, "booking_update", WAIT).await.unwrap_or_else(|| panic!("booking_update to {who}"));
            assert_eq!(update[0]["reservationId"], rid.as_str());
            status = update[0]["status"].clone();
        }
    }
    // A stranger cannot join the conversation or write into it.
    let stranger = register(&app, "stranger@example.com").await;
    connect(&mut d, &app, "stranger", &stranger).await;
    let ack = d.emit_ack("stranger", "conversation:join", json!({ "conversationId": cid }), WAIT).await;
    assert_eq!((ack["success"].as_bool(), ack["code"].as_str()), (Some(false), Some("conversation_not_found")));
    let ack = d.emit_ack("stranger", "message:send", json!({ "conversationId": cid, "body": "hi" }), WAIT).await;
    assert_eq!(ack["code"], "conversation_not_found");
    d.expect_no_event("stranger", "new_message", Duration::from_millis(300)).await;

    // The guest leaves: the host, in the conversation, sees them go offline.
    d.disconnect("guest").await;
    loop {
        let presence = d.next_event("host", "presence", WAIT).await.expect("presence offline");
        if presence[0]["userId"] == guest.id.as_str() && presence[0]["online"] == false {
            break;
        }
    }
}

#[tokio::test]
async fn logging_out_disconnects_the_socket_within_a_second() {
    let Some(mut d) = driver().await else { return };
    let app = spawn().await;
    let guest = register(&app, "guest@example.com").await;
    connect(&mut d, &app, "guest", &guest).await;
    let started = std::time::Instant::now();
    let out = app.call(Method::POST, Some(&guest.token), "/api/v1/auth/logout", Some(&json!({}))).await;
    assert!(out.status().is_success(), "{}", out.status());
    let reason = d.wait_disconnect("guest", Duration::from_secs(2)).await;
    assert_eq!(reason.as_deref(), Some("io server disconnect"));
    assert!(started.elapsed() < Duration::from_secs(1) + Duration::from_millis(300), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_lost_connection_recovers_what_it_missed() {
    let Some(mut d) = driver().await else { return };
    let app = spawn().await;
    let owner = host(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let listing = publish(&app, &owner, true).await;
    let (_, enquiry) = enquire(&app, &guest, &listing, "Hello").await;
    let cid = text(&enquiry, "id");
    connect(&mut d, &app, "host", &owner).await;
    sent(&app, &guest, &cid, "first").await;
    d.next_event("host", "new_message", WAIT).await.expect("first");

    d.drop_transport("host").await;
    d.wait_disconnect("host", WAIT).await.expect("transport closed");
    let missed = sent(&app, &guest, &cid, "while you were away").await;
    let again = d.reconnect("host").await.expect("reconnects");
    assert!(again.recovered, "the client's state was recovered");
    let pushed = d.next_event("host", "new_message", WAIT).await.expect("the missed message");
    assert_eq!(pushed[0]["id"], missed["id"]);
}
