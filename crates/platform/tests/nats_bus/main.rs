//! The JetStream bus against a real NATS server (`SOJOURN_TEST_NATS_URL`; required when
//! `CI=true`). Each test has its own stream and subject prefix, deleted at the end.
//! `delivery`: who gets what, once; `recovery`: what happens after something went wrong.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod delivery;
mod recovery;

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

/// A JetStream client of the test's own, to look at (and meddle with) the stream.
async fn jetstream(url: &str) -> async_nats::jetstream::Context {
    async_nats::jetstream::new(async_nats::connect(url).await.unwrap())
}

async fn delete_stream(opts: &NatsOptions) {
    let _ = jetstream(&opts.url).await.delete_stream(&opts.stream).await;
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
        sqlite_synchronous: Default::default(),
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
    /// Event types handled, sorted.
    fn seen(&self) -> Vec<String> {
        let mut v = self.seen_in_order();
        v.sort();
        v
    }

    /// Event types handled, in the order they were handled.
    fn seen_in_order(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
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
