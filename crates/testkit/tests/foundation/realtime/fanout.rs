//! Two processes on one NATS: an event published on one reaches a socket held by the other,
//! and presence is known across them. Needs `SOJOURN_TEST_NATS_URL` (required when `CI=true`).

use std::time::{Duration, Instant};

use platform::realtime::Room;
use serde_json::json;
use tokio_tungstenite::connect_async;

use super::{app, next_text, send, user, ws_url};

#[tokio::test]
async fn an_event_published_on_one_process_reaches_a_socket_on_another() {
    let Some(url) = testkit::service_url("SOJOURN_TEST_NATS_URL") else { return };
    let run = kernel::new_id().simple().to_string()[20..].to_owned();
    let setup = |c: &mut platform::config::Config| {
        c.nats.url = Some(url.clone());
        c.events.nats_stream = format!("RT_{}", run.to_uppercase());
        c.events.nats_subject_prefix = format!("rt{run}.events");
        c.realtime.nats_subject = format!("rt{run}.realtime");
    };
    let (here, there) = (app(setup).await, app(setup).await);
    let u = user(&here);
    let (mut ws, _) = connect_async(ws_url(&here, "/ws")).await.unwrap();
    send(&mut ws, &json!({ "type": "auth", "token": u.token }).to_string()).await;
    let ready = next_text(&mut ws, Duration::from_secs(5)).await.unwrap();
    assert!(ready.contains("ready"), "{ready}");

    // Presence travels too (the socket is on `here`).
    let deadline = Instant::now() + Duration::from_secs(5);
    while !there.platform.realtime.is_online(u.id) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(there.platform.realtime.is_online(u.id));

    let id = there.platform.realtime.publish(Room::User(u.id), "new_message", json!({ "from": "there" }));
    let frame: serde_json::Value =
        serde_json::from_str(&next_text(&mut ws, Duration::from_secs(5)).await.unwrap()).unwrap();
    assert_eq!(frame["id"], json!(id));
    assert_eq!(frame["data"], json!({ "from": "there" }));
    // Published here: delivered once, not again when it comes back from NATS.
    here.platform.realtime.publish(Room::User(u.id), "new_message", json!({ "from": "here" }));
    next_text(&mut ws, Duration::from_secs(5)).await.unwrap();
    assert_eq!(next_text(&mut ws, Duration::from_millis(500)).await, None);

    drop(ws);
    let deadline = Instant::now() + Duration::from_secs(5);
    while there.platform.realtime.is_online(u.id) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!there.platform.realtime.is_online(u.id));
}
