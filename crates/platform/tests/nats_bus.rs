//! The JetStream bus against a real NATS server (`SOJOURN_TEST_NATS_URL`; required when
//! `CI=true`). Each test has its own stream and subject prefix, deleted at the end.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use kernel::EventEnvelope;
use platform::db::{Db, DbOptions, Tx};
use platform::events::{EventBus, EventHandler, HandlerError, NatsBus, NatsOptions, Subscription};
use platform::shutdown::stop_pair;
use serde_json::json;

fn nats_url() -> Option<String> {
    match std::env::var("SOJOURN_TEST_NATS_URL").ok().filter(|v| !v.is_empty()) {
        Some(url) => Some(url),
        None => {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "CI needs SOJOURN_TEST_NATS_URL");
            eprintln!("NATS tests skipped: SOJOURN_TEST_NATS_URL is not set");
            None
        }
    }
}

fn options(url: &str) -> NatsOptions {
    let run = kernel::new_id().simple().to_string()[20..].to_owned();
    NatsOptions {
        url: url.to_owned(),
        stream: format!("TEST_{}", run.to_uppercase()),
        subject_prefix: format!("test{run}.events"),
        max_age: Duration::from_secs(3600),
        max_deliver: 20,
    }
}

async fn delete_stream(opts: &NatsOptions) {
    let client = async_nats::connect(opts.url.as_str()).await.unwrap();
    let _ = async_nats::jetstream::new(client).delete_stream(&opts.stream).await;
}

async fn database(dir: &tempfile::TempDir, name: &str) -> Db {
    let opts = DbOptions {
        url: None,
        data_dir: dir.path().to_path_buf(),
        schema_prefix: String::new(),
        max_connections: 2,
        sqlite_readers: 1,
        busy_timeout: Duration::from_secs(5),
        acquire_timeout: Duration::from_secs(5),
        statement_timeout: Duration::ZERO,
    };
    let db = platform::db::connect(name, &opts).await.unwrap();
    platform::db::migrate(&db, &platform::app::PLATFORM_MIGRATIONS).await.unwrap();
    db
}

/// Records what it handled; fails the first `failures` attempts.
#[derive(Clone, Default)]
struct Recorder {
    seen: Arc<Mutex<Vec<String>>>,
    failures: Arc<Mutex<u32>>,
}

#[async_trait]
impl EventHandler for Recorder {
    async fn handle(&self, _tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        {
            let mut left = self.failures.lock().unwrap();
            if *left > 0 {
                *left -= 1;
                return Err("asked to fail".into());
            }
        }
        self.seen.lock().unwrap().push(event.event_type.clone());
        Ok(())
    }
}

impl Recorder {
    fn seen(&self) -> Vec<String> {
        let mut v = self.seen.lock().unwrap().clone();
        v.sort();
        v
    }
}

async fn until(what: &str, limit: Duration, check: impl Fn() -> bool) {
    let deadline = Instant::now() + limit;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn event(kind: &str) -> EventEnvelope {
    EventEnvelope::new(kind, kernel::new_id(), chrono::Utc::now(), json!({"n": 1}))
}

#[tokio::test]
async fn each_subscriber_gets_the_events_of_its_pattern_once() {
    let Some(url) = nats_url() else { return };
    let opts = options(&url);
    let dir = tempfile::tempdir().unwrap();
    let bus = NatsBus::connect(opts.clone()).await.unwrap();
    let (bookings, everything) = (Recorder::default(), Recorder::default());
    bus.subscribe(Subscription::new("payments.bookings", "booking.*", database(&dir, "a").await, bookings.clone()));
    bus.subscribe(Subscription::new("audit.all", "*", database(&dir, "b").await, everything.clone()));
    let (stop_handle, stop) = stop_pair();
    let workers = bus.start(stop);
    for kind in ["booking.created", "booking.confirmed", "listing.published"] {
        bus.publish(&event(kind)).await.unwrap();
    }
    until("three events in the audit", Duration::from_secs(10), || everything.seen().len() == 3).await;
    until("two booking events", Duration::from_secs(10), || bookings.seen().len() == 2).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(bookings.seen(), ["booking.confirmed", "booking.created"]);
    assert_eq!(everything.seen(), ["booking.confirmed", "booking.created", "listing.published"]);
    assert!(bus.ping().await.is_ok());
    stop_handle.stop();
    for w in workers {
        w.await.unwrap();
    }
    delete_stream(&opts).await;
}

#[tokio::test]
async fn a_failed_handler_gets_the_event_again_and_a_republished_event_counts_once() {
    let Some(url) = nats_url() else { return };
    let opts = options(&url);
    let dir = tempfile::tempdir().unwrap();
    let bus = NatsBus::connect(opts.clone()).await.unwrap();
    let flaky = Recorder { failures: Arc::new(Mutex::new(1)), ..Recorder::default() };
    bus.subscribe(Subscription::new("flaky", "booking.*", database(&dir, "a").await, flaky.clone()));
    let (stop_handle, stop) = stop_pair();
    let workers = bus.start(stop);
    let e = event("booking.created");
    bus.publish(&e).await.unwrap();
    // The relay published it again (say it crashed before marking it): one message, one effect.
    bus.publish(&e).await.unwrap();
    until("the retry after the failure", Duration::from_secs(10), || flaky.seen().len() == 1).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(flaky.seen(), ["booking.created"]);
    assert_eq!(*flaky.failures.lock().unwrap(), 0, "the first attempt failed");
    let client = async_nats::connect(url.as_str()).await.unwrap();
    let mut stream = async_nats::jetstream::new(client).get_stream(&opts.stream).await.unwrap();
    assert_eq!(stream.info().await.unwrap().state.messages, 1, "the duplicate was dropped by the stream");
    stop_handle.stop();
    for w in workers {
        w.await.unwrap();
    }
    delete_stream(&opts).await;
}

#[tokio::test]
async fn a_consumer_that_was_down_gets_what_was_published_meanwhile() {
    let Some(url) = nats_url() else { return };
    let opts = options(&url);
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir, "a").await;
    let first = Recorder::default();
    let bus = NatsBus::connect(opts.clone()).await.unwrap();
    bus.subscribe(Subscription::new("booking.payments", "payment.*", db.clone(), first.clone()));
    let (stop_handle, stop) = stop_pair();
    let workers = bus.start(stop);
    bus.publish(&event("payment.succeeded")).await.unwrap();
    until("the first event", Duration::from_secs(10), || first.seen().len() == 1).await;
    stop_handle.stop();
    for w in workers {
        w.await.unwrap();
    }

    // Down: another process publishes.
    let publisher = NatsBus::connect(opts.clone()).await.unwrap();
    publisher.publish(&event("payment.refunded")).await.unwrap();

    // Back up under the same consumer name: only the missed event arrives.
    let second = Recorder::default();
    let bus = NatsBus::connect(opts.clone()).await.unwrap();
    bus.subscribe(Subscription::new("booking.payments", "payment.*", db, second.clone()));
    let (stop_handle, stop) = stop_pair();
    let workers = bus.start(stop);
    until("the missed event", Duration::from_secs(10), || second.seen().len() == 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(second.seen(), ["payment.refunded"]);
    stop_handle.stop();
    for w in workers {
        w.await.unwrap();
    }
    delete_stream(&opts).await;
}

#[tokio::test]
async fn an_unreachable_server_fails_at_connect() {
    let Some(_) = nats_url() else { return };
    let opts = NatsOptions { url: "nats://127.0.0.1:1".into(), ..options("nats://127.0.0.1:1") };
    let started = Instant::now();
    let err = NatsBus::connect(opts).await.err().expect("no server there");
    assert!(err.to_string().contains("cannot connect"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_consumer_whose_pattern_changed_follows_the_new_pattern() {
    let Some(url) = nats_url() else { return };
    let opts = options(&url);
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir, "a").await;
    let before = Recorder::default();
    let bus = NatsBus::connect(opts.clone()).await.unwrap();
    bus.subscribe(Subscription::new("search.indexer", "listing.*", db.clone(), before.clone()));
    let (stop_handle, stop) = stop_pair();
    let workers = bus.start(stop);
    bus.publish(&event("listing.published")).await.unwrap();
    until("the first event", Duration::from_secs(10), || before.seen().len() == 1).await;
    stop_handle.stop();
    for w in workers {
        w.await.unwrap();
    }

    // Redeployed with another pattern under the same name: the old event is not handled again,
    // the new family arrives.
    let after = Recorder::default();
    let bus = NatsBus::connect(opts.clone()).await.unwrap();
    bus.subscribe(Subscription::new("search.indexer", "*", db, after.clone()));
    let (stop_handle, stop) = stop_pair();
    let workers = bus.start(stop);
    bus.publish(&event("provider.updated")).await.unwrap();
    until("the new family", Duration::from_secs(10), || after.seen().contains(&"provider.updated".to_owned())).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(after.seen(), ["provider.updated"], "the replayed listing event was skipped as already handled");
    stop_handle.stop();
    for w in workers {
        w.await.unwrap();
    }
    delete_stream(&opts).await;
}
