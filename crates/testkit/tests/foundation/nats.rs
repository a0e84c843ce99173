//! The whole app on NATS JetStream (`nats.url`): committed events reach the subscriber through
//! the stream, and `/health/ready` reports the bus. Needs `SOJOURN_TEST_NATS_URL` (required
//! when `CI=true`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use testkit::{json, spawn_with};

#[tokio::test]
async fn committed_events_reach_the_subscriber_through_jetstream() {
    let Some(url) = testkit::service_url("SOJOURN_TEST_NATS_URL") else { return };
    let run = kernel::new_id().simple().to_string()[20..].to_owned();
    let stream = format!("FOUNDATION_{}", run.to_uppercase());
    let app = spawn_with(vec![Arc::new(testkit::probe::Probe)], |c| {
        c.nats.url = Some(url.clone());
        c.events.nats_stream = stream.clone();
        c.events.nats_subject_prefix = format!("foundation{run}.events");
        c.events.relay_enabled = true;
        c.events.poll_interval_ms = 50;
    })
    .await;
    let (status, body) = json(app.get("/health/ready").await).await;
    assert_eq!(status, 200, "{body}");

    let mut sent = Vec::new();
    for name in ["one", "two"] {
        let (status, body) = json(app.post_json("/api/v1/probes", &json!({"name": name})).await).await;
        assert_eq!(status, 201, "{body}");
        sent.push(body["data"]["eventId"].as_str().unwrap().to_owned());
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, body) = json(app.get("/api/v1/probes/received").await).await;
        let mut got: Vec<String> =
            body["data"]["events"].as_array().unwrap().iter().map(|e| e["eventId"].as_str().unwrap().into()).collect();
        got.sort();
        sent.sort();
        if got == sent {
            break;
        }
        assert!(Instant::now() < deadline, "events not delivered through NATS: {got:?} != {sent:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.shutdown().await.unwrap();
    let client = async_nats::connect(url.as_str()).await.unwrap();
    let _ = async_nats::jetstream::new(client).delete_stream(&stream).await;
}
