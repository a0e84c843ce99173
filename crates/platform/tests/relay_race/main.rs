//! Several relays on one database (several instances of a context sharing it) publish every
//! outbox row exactly once: three `Relay`s, each with its own connections and its own bus
//! handle, race over one outbox while writers keep committing events; every event id must reach
//! the (shared) recording exactly once. SQLite always (three pools on one file, as three
//! processes would have); PostgreSQL too when `SOJOURN_TEST_POSTGRES_URL` is set. Also: a
//! request that stops waiting for its events does not strand the batch its pass claimed; and the
//! in-process bus serves the consumers of different databases at the same time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use kernel::EventEnvelope;
use platform::db::{Db, DbOptions, query};
use platform::events::{BusError, EventBus, Relay, Subscription, enqueue};
use serde_json::json;
use uuid::Uuid;

/// Where the race runs: a SQLite directory, or a PostgreSQL schema of this test's own.
struct Place {
    dir: tempfile::TempDir,
    url: Option<String>,
    prefix: String,
}

impl Place {
    fn new(url: Option<String>) -> Self {
        let unique = kernel::new_id().simple().to_string();
        Place { dir: tempfile::tempdir().unwrap(), url, prefix: format!("t{}_", &unique[unique.len() - 12..]) }
    }

    /// A connection pool of its own on the shared database, as another process would have.
    async fn open(&self) -> Db {
        self.open_named("race").await
    }

    /// As [`Place::open`], on the database `name`.
    async fn open_named(&self, name: &str) -> Db {
        let opts = DbOptions {
            schema_prefix: self.prefix.clone(),
            max_connections: 3,
            busy_timeout: Duration::from_secs(10),
            acquire_timeout: Duration::from_secs(10),
            sqlite_synchronous: platform::db::SqliteSync::Normal,
            ..DbOptions::small(self.url.clone(), self.dir.path().to_path_buf())
        };
        platform::db::connect(name, &opts).await.unwrap()
    }

    async fn drop_schema(&self, db: &Db) {
        if self.url.is_some() {
            platform::db::query_dynamic(format!("DROP SCHEMA IF EXISTS \"{}race\" CASCADE", self.prefix))
                .execute(db)
                .await
                .unwrap();
        }
    }
}

/// Counts, per event id, how often any relay published it. Publishing takes a moment (as a
/// network hop would), which leaves room for another relay to pick the same rows.
struct Recording {
    counts: Arc<Mutex<HashMap<Uuid, usize>>>,
}

#[async_trait]
impl EventBus for Recording {
    fn subscribe(&self, _subscription: Subscription) {}

    async fn publish(&self, event: &EventEnvelope) -> Result<(), BusError> {
        tokio::time::sleep(Duration::from_millis(2)).await;
        *self.counts.lock().unwrap().entry(event.id).or_default() += 1;
        Ok(())
    }
}

const WRITERS: usize = 4;
const PER_WRITER: usize = 125;

async fn race(url: Option<String>) {
    let place = Place::new(url);
    let setup = place.open().await;
    platform::db::migrate(&setup, &platform::app::PLATFORM_MIGRATIONS).await.unwrap();
    let counts = Arc::new(Mutex::new(HashMap::new()));
    let mut relays = Vec::new();
    for _ in 0..3 {
        let bus = Arc::new(Recording { counts: counts.clone() });
        relays.push(Arc::new(Relay::new(vec![place.open().await], bus, 16)));
    }

    // Writers commit 1 to 4 events per transaction, each writer on its own pool.
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let db = place.open().await;
        writers.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            while ids.len() < PER_WRITER {
                let n = (1 + (w + ids.len()) % 4).min(PER_WRITER - ids.len());
                let mut tx = db.begin().await.unwrap();
                for _ in 0..n {
                    let event = EventEnvelope::new("race.event", kernel::new_id(), chrono::Utc::now(), json!({"w": w}));
                    enqueue(&mut tx, &event).await.unwrap();
                    ids.push(event.id);
                }
                tx.commit().await.unwrap();
                tokio::task::yield_now().await;
            }
            db.close().await;
            ids
        }));
    }
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut racers = Vec::new();
    for relay in &relays {
        let (relay, done) = (relay.clone(), done.clone());
        racers.push(tokio::spawn(async move {
            while !done.load(std::sync::atomic::Ordering::Acquire) {
                relay.run_once().await;
                tokio::task::yield_now().await;
            }
        }));
    }
    let mut written = Vec::new();
    for writer in writers {
        written.extend(writer.await.unwrap());
    }
    assert_eq!(written.len(), WRITERS * PER_WRITER);
    let deadline = Instant::now() + Duration::from_secs(60);
    while counts.lock().unwrap().len() < written.len() {
        assert!(Instant::now() < deadline, "the relays did not publish every event in time");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    done.store(true, std::sync::atomic::Ordering::Release);
    for racer in racers {
        racer.await.unwrap();
    }

    let counts = counts.lock().unwrap().clone();
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "{} events published more than once, e.g. {:?}", twice.len(), twice.first());
    assert_eq!(counts.len(), written.len());
    assert!(written.iter().all(|id| counts.contains_key(id)), "an event was never published");
    let (left,): (i64,) = query("SELECT CAST(COUNT(*) AS BIGINT) FROM outbox WHERE published_at IS NULL")
        .fetch_one(&setup)
        .await
        .unwrap();
    assert_eq!(left, 0, "rows left unpublished");
    place.drop_schema(&setup).await;
    setup.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_relays_on_one_sqlite_file_publish_every_event_once() {
    race(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_relays_on_one_postgres_schema_publish_every_event_once() {
    let Some(url) = std::env::var("SOJOURN_TEST_POSTGRES_URL").ok().filter(|v| !v.trim().is_empty()) else {
        eprintln!("skipped: SOJOURN_TEST_POSTGRES_URL is not set");
        return;
    };
    race(Some(url)).await;
}

/// A bus whose every publish takes `delay` (a slow consumer), counting what it published.
struct Slow {
    delay: Duration,
    counts: Arc<Mutex<HashMap<Uuid, usize>>>,
}

#[async_trait]
impl EventBus for Slow {
    fn subscribe(&self, _subscription: Subscription) {}

    async fn publish(&self, event: &EventEnvelope) -> Result<(), BusError> {
        tokio::time::sleep(self.delay).await;
        *self.counts.lock().unwrap().entry(event.id).or_default() += 1;
        Ok(())
    }
}

/// A request that stops waiting for its events (the settle timeout) must not strand them: the
/// pass it started has claimed a batch, and a pass dropped before marking it would hide that
/// batch from every relay for the claim's whole lease (a minute). The events must go out at
/// once, each exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_settle_that_times_out_does_not_strand_its_batch() {
    let place = Place::new(None);
    let db = place.open().await;
    platform::db::migrate(&db, &platform::app::PLATFORM_MIGRATIONS).await.unwrap();
    let counts = Arc::new(Mutex::new(HashMap::new()));
    let bus = Arc::new(Slow { delay: Duration::from_millis(100), counts: counts.clone() });
    let relay = Arc::new(Relay::new(vec![db.clone()], bus, 16));

    let mut tx = db.begin().await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..5 {
        let event = EventEnvelope::new("slow.event", kernel::new_id(), chrono::Utc::now(), json!({}));
        enqueue(&mut tx, &event).await.unwrap();
        ids.push(event.id);
    }
    tx.commit().await.unwrap();

    let ticket = relay.ticket(0).unwrap();
    let begun = Instant::now();
    relay.settle(&[ticket], Duration::from_millis(30)).await;
    assert!(begun.elapsed() < Duration::from_millis(400), "settle waited past its timeout");

    // The background relay's work: passes until everything is out, well within the lease.
    let deadline = Instant::now() + Duration::from_secs(10);
    while counts.lock().unwrap().len() < ids.len() {
        assert!(Instant::now() < deadline, "events claimed by an abandoned settle were stranded");
        relay.run_once().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    relay.drain().await;
    let counts = counts.lock().unwrap().clone();
    assert!(ids.iter().all(|id| counts.get(id) == Some(&1)), "every event once: {counts:?}");
    db.close().await;
}

/// When a consumer of a database ran: (database, begun, ended).
type Ran = (&'static str, Instant, Instant);

/// A consumer that takes a while, noting when it ran (per database).
struct Timed {
    db: &'static str,
    spans: Arc<Mutex<Vec<Ran>>>,
}

#[async_trait]
impl platform::events::EventHandler for Timed {
    async fn handle(
        &self,
        _tx: &mut platform::db::Tx,
        _event: &EventEnvelope,
    ) -> Result<(), platform::events::HandlerError> {
        let begun = Instant::now();
        tokio::time::sleep(Duration::from_millis(150)).await;
        self.spans.lock().unwrap().push((self.db, begun, Instant::now()));
        Ok(())
    }
}

/// A relay pass takes about as long as its busiest database, not the sum of every consumer:
/// the consumers of two databases overlap, while the two consumers of one database (one SQLite
/// writer) take turns. Each consumer still gets the event exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumers_of_different_databases_handle_a_batch_concurrently() {
    let place = Place::new(None);
    let (source, first, second) =
        (place.open().await, place.open_named("first").await, place.open_named("second").await);
    for db in [&source, &first, &second] {
        platform::db::migrate(db, &platform::app::PLATFORM_MIGRATIONS).await.unwrap();
    }
    let spans = Arc::new(Mutex::new(Vec::new()));
    let bus = Arc::new(platform::events::InProcessBus::new());
    for (name, db) in [("first", &first), ("second", &second)] {
        for consumer in ["a", "b"] {
            let handler = Timed { db: name, spans: spans.clone() };
            bus.subscribe(Subscription::new(format!("{name}.{consumer}"), "timed.*", db.clone(), handler));
        }
    }
    let relay = Relay::new(vec![source.clone()], bus, 16);
    let mut tx = source.begin().await.unwrap();
    enqueue(&mut tx, &EventEnvelope::new("timed.event", kernel::new_id(), chrono::Utc::now(), json!({})))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let begun = Instant::now();
    let stats = relay.run_once().await;
    let took = begun.elapsed();
    assert_eq!(stats.published, 1);
    let spans = spans.lock().unwrap().clone();
    assert_eq!(spans.len(), 4, "each consumer handled the event once: {spans:?}");
    let overlap = |a: &Ran, b: &Ran| a.1 < b.2 && b.1 < a.2;
    for (i, a) in spans.iter().enumerate() {
        for b in spans[i + 1..].iter().filter(|b| b.0 == a.0) {
            assert!(!overlap(a, b), "two consumers of one database ran at once");
        }
    }
    // Two rounds of 150 ms (one per consumer of a database), not four.
    assert!(took < Duration::from_millis(550), "the pass took {took:?}: consumers ran one after another");
    for db in [source, first, second] {
        db.close().await;
    }
}

/// A consumer that records each event in a table of its database, and fails on events whose
/// data says `{"fail": <its name>}` while `failing` is set.
struct Recorder {
    name: &'static str,
    failing: Arc<std::sync::atomic::AtomicBool>,
}

#[async_trait]
impl platform::events::EventHandler for Recorder {
    async fn handle(
        &self,
        tx: &mut platform::db::Tx,
        event: &EventEnvelope,
    ) -> Result<(), platform::events::HandlerError> {
        query("INSERT INTO seen (consumer, event_id) VALUES ($1, $2)")
            .bind(self.name)
            .bind(event.id.to_string())
            .execute(&mut *tx)
            .await?;
        if self.failing.load(std::sync::atomic::Ordering::Acquire) && event.data["fail"] == self.name {
            return Err("told to fail".into());
        }
        Ok(())
    }
}

/// The consumers of one database share a transaction: one that fails is undone alone (its
/// writes rolled back to its savepoint), the others' effects commit, and the failed consumer
/// gets the event again on a later pass — the others, which have it, do not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_consumer_is_undone_alone_and_retried() {
    failing_consumer(None).await;
}

/// The same on PostgreSQL, where a failed statement aborts the transaction until the failing
/// consumer's savepoint is rolled back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_consumer_is_undone_alone_and_retried_on_postgres() {
    let Some(url) = std::env::var("SOJOURN_TEST_POSTGRES_URL").ok().filter(|v| !v.trim().is_empty()) else {
        eprintln!("skipped: SOJOURN_TEST_POSTGRES_URL is not set");
        return;
    };
    failing_consumer(Some(url)).await;
}

async fn failing_consumer(url: Option<String>) {
    let place = Place::new(url);
    let (source, shared) = (place.open().await, place.open_named("shared").await);
    for db in [&source, &shared] {
        platform::db::migrate(db, &platform::app::PLATFORM_MIGRATIONS).await.unwrap();
    }
    query("CREATE TABLE seen (consumer TEXT NOT NULL, event_id TEXT NOT NULL)").execute(&shared).await.unwrap();
    let failing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let bus = Arc::new(platform::events::InProcessBus::new());
    for name in ["good", "bad", "also_good"] {
        let handler = Recorder { name, failing: failing.clone() };
        bus.subscribe(Subscription::new(name, "rec.*", shared.clone(), handler));
    }
    let relay = Relay::new(vec![source.clone()], bus, 16);
    let mut tx = source.begin().await.unwrap();
    for data in [json!({"fail": "bad"}), json!({})] {
        enqueue(&mut tx, &EventEnvelope::new("rec.event", kernel::new_id(), chrono::Utc::now(), data)).await.unwrap();
    }
    tx.commit().await.unwrap();

    let seen = |consumer: &'static str| {
        let db = shared.clone();
        async move {
            let (n,): (i64,) = query("SELECT CAST(COUNT(*) AS BIGINT) FROM seen WHERE consumer = $1")
                .bind(consumer)
                .fetch_one(&db)
                .await
                .unwrap();
            n
        }
    };
    let first = relay.run_once().await;
    assert_eq!((first.published, first.failed), (1, 1), "the failing event waits, the other goes out");
    assert_eq!((seen("good").await, seen("also_good").await), (2, 2), "the other consumers' effects committed");
    assert_eq!(seen("bad").await, 1, "the failing consumer kept only the event it handled");

    failing.store(false, std::sync::atomic::Ordering::Release);
    // The failed event is due again after its backoff; make it due now.
    query("UPDATE outbox SET available_at = $1").bind(chrono::Utc::now()).execute(&source).await.unwrap();
    let second = relay.run_once().await;
    assert_eq!((second.published, second.failed), (1, 0));
    assert_eq!(
        (seen("good").await, seen("bad").await, seen("also_good").await),
        (2, 2, 2),
        "each consumer once per event"
    );
    place.drop_schema(&source).await;
    if place.url.is_some() {
        platform::db::query_dynamic(format!("DROP SCHEMA IF EXISTS \"{}shared\" CASCADE", place.prefix))
            .execute(&shared)
            .await
            .unwrap();
    }
    for db in [source, shared] {
        db.close().await;
    }
}
