//! Tour sessions across processes on one database and one NATS: the session room's events
//! cross over, and in a split deployment the `vr:*` socket events are answered by the media
//! process. Need `SOJOURN_TEST_NATS_URL` (required when `CI=true`).

use std::sync::Arc;
use std::time::Duration;

use platform::Context;
use reqwest::Method;
use serde_json::json;

use super::{WAIT, call, contexts, join, register, seed_tour, socket, start, state_path};

/// A config on NATS (subjects of its own), or `None` to skip without `SOJOURN_TEST_NATS_URL`
/// (required when `CI=true`).
fn on_nats(dir: &tempfile::TempDir) -> Option<platform::config::Config> {
    let url = testkit::service_url("SOJOURN_TEST_NATS_URL")?;
    let run = kernel::new_id().simple().to_string()[20..].to_owned();
    let mut config = testkit::quick_config(dir);
    config.nats.url = Some(url);
    config.events.nats_stream = format!("VR_{}", run.to_uppercase());
    config.events.nats_subject_prefix = format!("vr{run}.events");
    config.realtime.nats_subject = format!("vr{run}.realtime");
    Some(config)
}

/// Two processes on one database and one NATS: the leader moves on one, the viewer's socket
/// is on the other, and the session room's events cross over.
#[tokio::test]
async fn moves_reach_a_viewer_whose_socket_is_on_another_process() {
    let dir = tempfile::tempdir().unwrap();
    let Some(config) = on_nats(&dir) else { return };
    let here = testkit::spawn_config(config.clone(), contexts()).await;
    let there = testkit::spawn_config(config, contexts()).await;

    let (host, guest) = (register(&here, "host@example.com").await, register(&here, "guest@example.com").await);
    let tour = seed_tour(&here, &host, "published").await;
    let session = start(&here, &host, tour).await;
    let id = session["id"].as_str().unwrap().to_owned();
    join(&here, &guest, session["pin"].as_str().unwrap()).await;
    let mut viewer = socket(&there, &guest).await;
    let ack = viewer.emit_ack("vr:join", json!({ "sessionId": id }), WAIT).await;
    assert_eq!(ack["success"], true, "{ack}");

    let body = json!({ "sceneId": "kitchen", "view": { "yaw": 12.0, "pitch": 0.0 } });
    let (status, _) = call(&here, Method::PUT, &host, &state_path(&session), Some(&body)).await;
    assert_eq!(status, 200);
    let event = viewer.next_event("vr:state", WAIT).await.expect("vr:state across processes");
    assert_eq!((event["data"]["sceneId"].as_str(), event["data"]["seq"].as_i64()), (Some("kitchen"), Some(1)));

    let (status, _) = call(&here, Method::DELETE, &host, &format!("/api/v1/tour-sessions/{id}"), None).await;
    assert_eq!(status, 200);
    let ended = viewer.next_event("vr:ended", WAIT).await.expect("vr:ended across processes");
    assert_eq!(ended["data"]["sessionId"], json!(id));
}

/// A split deployment: sockets on one process that does not run media (messaging's, in
/// production; the probe's here), media on another. The `vr:*` events a socket emits are
/// answered by the media process over NATS, and the room it joins is joined on the socket.
#[tokio::test]
async fn socket_events_are_answered_by_the_media_process_when_sockets_are_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let Some(config) = on_nats(&dir) else { return };
    let media_only: Vec<Arc<dyn Context>> = vec![Arc::new(identity::Identity), Arc::new(media::Media)];
    let sockets_only: Vec<Arc<dyn Context>> = vec![Arc::new(identity::Identity), Arc::new(testkit::probe::Probe)];
    let media = testkit::spawn_config(config.clone(), media_only).await;
    let sockets = testkit::spawn_config(config, sockets_only).await;

    let (host, guest) = (register(&media, "host@example.com").await, register(&media, "guest@example.com").await);
    let stranger = register(&media, "stranger@example.com").await;
    let tour = seed_tour(&media, &host, "published").await;
    let session = start(&media, &host, tour).await;
    let id = session["id"].as_str().unwrap().to_owned();
    join(&media, &guest, session["pin"].as_str().unwrap()).await;

    let mut outsider = socket(&sockets, &stranger).await;
    let ack = outsider.emit_ack("vr:join", json!({ "sessionId": id }), WAIT).await;
    assert_eq!(
        (ack["success"].as_bool(), ack["code"].as_str()),
        (Some(false), Some("tour_session_not_found")),
        "{ack}"
    );
    let mut viewer = socket(&sockets, &guest).await;
    let ack = viewer.emit_ack("vr:join", json!({ "sessionId": id }), WAIT).await;
    assert_eq!((ack["success"].as_bool(), ack["data"]["id"].as_str()), (Some(true), Some(id.as_str())), "{ack}");

    let mut leader = socket(&sockets, &host).await;
    let moved = json!({ "sessionId": id, "sceneId": "kitchen", "view": { "yaw": 5.0, "pitch": 0.0 } });
    let ack = leader.emit_ack("vr:state", moved, WAIT).await;
    assert_eq!((ack["success"].as_bool(), ack["data"]["seq"].as_i64()), (Some(true), Some(1)), "{ack}");
    let event = viewer.next_event("vr:state", WAIT).await.expect("vr:state");
    assert_eq!((event["data"]["sceneId"].as_str(), event["data"]["seq"].as_i64()), (Some("kitchen"), Some(1)));
    outsider.expect_no_event("vr:state", Duration::from_millis(200)).await;

    // Leaving is applied on the socket too; an event nobody answers is still unknown.
    viewer.emit_ack("vr:leave", json!({ "sessionId": id }), WAIT).await;
    let moved = json!({ "sessionId": id, "sceneId": "hall", "view": { "yaw": 5.0, "pitch": 0.0 } });
    leader.emit_ack("vr:state", moved, WAIT).await;
    viewer.expect_no_event("vr:state", Duration::from_millis(300)).await;
    let ack = viewer.emit_ack("vr:nothing", json!({}), WAIT).await;
    assert_eq!(ack["code"], "unknown_event", "{ack}");
}
