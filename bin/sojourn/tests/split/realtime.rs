//! Realtime across processes: two messaging instances and a notifications service, each its
//! own process, behind a gateway, on NATS. The official Socket.IO client connects through the
//! gateway (WebSocket first); a notification made by the notifications process and a message
//! posted on the other messaging instance both reach it; a logout at identity closes it.

use std::time::Duration;

use reqwest::{Client, Method};
use serde_json::json;
use testkit::socketio::SioDriver;

use super::cluster::{Engines, INTERNAL_KEY, Shared};
use super::{Api, gateway, upstreams};

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_published_on_one_process_reach_a_socket_held_by_another() {
    let Some(engines) = Engines::from_env() else { return };
    let Ok(mut d) = SioDriver::start().await else { return };
    let client = Client::new();
    let shared = Shared::create(&engines).await;
    let (identity, jwks) = shared.identity(&client).await;
    let verify = [("SOJOURN__AUTH__JWKS_URL", jwks.clone())];
    let mut sockets = shared.role("messaging", &verify);
    let mut writer = shared.role("messaging", &verify);
    let mut notifications = shared.role("notifications", &verify);
    for role in [&mut sockets, &mut writer, &mut notifications] {
        role.start();
    }
    for role in [&mut sockets, &mut writer, &mut notifications] {
        role.wait_ready(&client).await;
    }
    let mut front = gateway(&shared, &upstreams(&[&identity, &sockets, &notifications]), &jwks, 100_000);
    front.start();
    front.wait_ready(&client).await;
    let api = Api { client: client.clone(), base: front.base() };

    let account = json!({ "email": "guest@example.com", "password": "Password1!" });
    let registered = api.ok(Method::POST, None, "/api/v1/auth/register", Some(&account)).await;
    let token = registered["tokens"]["accessToken"].as_str().unwrap().to_owned();
    let user = registered["user"]["id"].as_str().unwrap().to_owned();

    // Through the gateway, as DreamScape's client connects: the first request is the upgrade.
    let connected = d.connect("guest", &front.base(), json!({ "token": token })).await;
    assert!(connected.is_ok(), "{connected:?}\n{}", d.stderr());

    // A notification made by the notifications process (another service asking, with the
    // internal key) reaches the socket held by the messaging process.
    let direct = Api { client: client.clone(), base: notifications.base() };
    let body = json!({ "userId": user, "title": "Across", "message": "From the notifications service" });
    let made = direct.ok(Method::POST, Some(INTERNAL_KEY), "/api/v1/users/notifications/internal", Some(&body)).await;
    let pushed = d.next_event("guest", "notification:new", WAIT).await.expect("notification:new across processes");
    assert_eq!(pushed[0]["id"], made["id"], "{pushed:?} vs {made}");

    // A message posted on the other messaging instance reaches it too (the author's own
    // sockets hear their messages, for their other tabs).
    let other = Api { client: client.clone(), base: writer.base() };
    let support = json!({ "type": "support", "subject": "Help", "message": "Posted on the other instance" });
    let opened = other.ok(Method::POST, Some(&token), "/api/v1/conversations", Some(&support)).await;
    let conversation = opened["conversation"]["id"].as_str().unwrap().to_owned();
    let message = d.next_event("guest", "new_message", WAIT).await.expect("new_message across processes");
    assert_eq!(message[0]["conversationId"], conversation.as_str());
    assert_eq!(message[0]["body"], "Posted on the other instance");

    // Logging out at identity closes the socket on the messaging process (revocations shared
    // on Redis).
    api.ok(Method::POST, Some(&token), "/api/v1/auth/logout", Some(&json!({}))).await;
    let reason = d.wait_disconnect("guest", Duration::from_secs(5)).await;
    assert_eq!(reason.as_deref(), Some("io server disconnect"), "{}", sockets.logs());
}
