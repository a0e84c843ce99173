//! NATS unreachable: `/health/ready` stays ready with the `events` check `degraded` (how many
//! events wait, and for how long) while writes go on; once the oldest waiting event is older
//! than `events.outage_ready_secs` the process is not ready; when NATS is back the waiting
//! events are published and handled. The app reaches NATS through a TCP relay the test cuts.
//! Needs `SOJOURN_TEST_NATS_URL` (required when `CI=true`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use testkit::{TestApp, json, spawn_with};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// A TCP relay to NATS that can be cut (open connections dropped, new ones refused) and restored.
struct Relay {
    url: String,
    up: Arc<AtomicBool>,
    links: Arc<std::sync::Mutex<JoinSet<()>>>,
}

impl Relay {
    async fn start(nats: &str) -> Self {
        let target = nats.trim_start_matches("nats://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("nats://{}", listener.local_addr().unwrap());
        let up = Arc::new(AtomicBool::new(true));
        let links = Arc::new(std::sync::Mutex::new(JoinSet::new()));
        let (up2, links2) = (up.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    continue; // dropped: refused
                }
                let target = target.clone();
                links2.lock().unwrap().spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Self { url, up, links }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.links.lock().unwrap().abort_all();
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

fn events_check(body: &Value) -> Value {
    body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "events")
        .cloned()
        .unwrap_or_else(|| panic!("{body}"))
}

/// Polls `/health/ready` until `done` says so (10 s at most).
async fn ready_until(app: &TestApp, what: &str, done: impl Fn(u16, &Value) -> bool) -> (u16, Value) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, body) = json(app.get("/health/ready").await).await;
        if done(status, &body) {
            return (status, body);
        }
        assert!(Instant::now() < deadline, "{what}: {status} {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn readiness_stays_up_while_events_wait_for_nats_and_they_go_out_once_it_is_back() {
    let Some(nats) = testkit::service_url("SOJOURN_TEST_NATS_URL") else { return };
    let relay = Relay::start(&nats).await;
    let run = kernel::new_id().simple().to_string()[20..].to_owned();
    let stream = format!("OUTAGE_{}", run.to_uppercase());
    let app = spawn_with(vec![Arc::new(testkit::probe::Probe)], |c| {
        c.nats.url = Some(relay.url.clone());
        c.events.nats_stream = stream.clone();
        c.events.nats_subject_prefix = format!("outage{run}.events");
        c.events.relay_enabled = true;
        c.events.poll_interval_ms = 50;
        c.events.outage_ready_secs = 3;
    })
    .await;
    let (status, body) = json(app.get("/health/ready").await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(events_check(&body)["status"], "ok");

    relay.cut();
    let (_, body) = ready_until(&app, "bus seen down", |_, b| events_check(b)["status"] != "ok").await;
    assert_eq!(events_check(&body)["status"], "degraded", "{body}");

    // Writes go on; their events wait in the outbox.
    let (status, created) = json(app.post_json("/api/v1/probes", &json!({"name": "during"})).await).await;
    assert_eq!(status, 201, "{created}");
    let sent = created["data"]["eventId"].as_str().unwrap().to_owned();
    let (status, body) =
        ready_until(&app, "the event is counted", |_, b| events_check(b)["detail"]["pendingEvents"] == 1).await;
    assert_eq!(status, 200, "ready while events wait: {body}");
    assert_eq!((&body["status"], &body["ready"]), (&json!("ready"), &json!(true)));
    let check = events_check(&body);
    assert_eq!((&check["status"], &check["detail"]["bus"]), (&json!("degraded"), &json!("unreachable")), "{check}");
    assert!(check["detail"]["oldestPendingSecs"].as_u64().is_some_and(|s| s < 3), "{check}");

    // Past events.outage_ready_secs, not ready any more.
    let (_, body) = ready_until(&app, "outage too long", |s, _| s == 503).await;
    assert_eq!(body["status"], "not_ready");
    assert_eq!(events_check(&body)["status"], "failed", "{body}");
    // Liveness does not care.
    assert_eq!(app.get("/health/live").await.status(), 200);

    relay.restore();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, body) = json(app.get("/api/v1/probes/received").await).await;
        let got: Vec<&str> =
            body["data"]["events"].as_array().unwrap().iter().filter_map(|e| e["eventId"].as_str()).collect();
        if got == [sent.as_str()] {
            break;
        }
        assert!(Instant::now() < deadline, "the waiting event was not delivered: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, body) = ready_until(&app, "ready again", |s, b| s == 200 && events_check(b)["status"] == "ok").await;
    assert_eq!(status, 200);
    assert!(events_check(&body).get("detail").is_none(), "{body}");
    app.shutdown().await.unwrap();
    let client = async_nats::connect(nats.as_str()).await.unwrap();
    let _ = async_nats::jetstream::new(client).delete_stream(&stream).await;
}
