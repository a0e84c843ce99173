//! The durable job queue through its public API, on a fresh database per test: PostgreSQL when
//! `SOJOURN_TEST_POSTGRES_URL` is set (CI's second run), else SQLite. Time is a `ManualClock`
//! the tests move, so backoffs and leases run out without sleeping. `running`: what a worker
//! does with a job; `recovery`: restarts, crashed workers, shutdown, two workers on one queue;
//! `wiring`: the platform starting a context's worker.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod recovery;
mod running;
mod wiring;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use kernel::{Clock, ManualClock};
use platform::config::JobsConfig;
use platform::db::{Db, DbOptions};
use platform::jobs::{Job, JobError, JobHandler, JobMetrics, Jobs};
use tempfile::TempDir;
use tokio::sync::Semaphore;
use uuid::Uuid;

/// The name of the test "context": the SQLite file or PostgreSQL schema.
pub const CONTEXT: &str = "jobs";

/// One database (and a clock) that several handles — "processes" — may open.
pub struct Queue {
    opts: DbOptions,
    pub db: Db,
    pub clock: Arc<ManualClock>,
    pub metrics: Arc<JobMetrics>,
    _dir: TempDir,
}

pub fn postgres_url() -> Option<String> {
    std::env::var("SOJOURN_TEST_POSTGRES_URL").ok().filter(|v| !v.trim().is_empty())
}

pub async fn fresh() -> Queue {
    let dir = tempfile::tempdir().unwrap();
    let unique = kernel::new_id().simple().to_string();
    let opts = DbOptions {
        url: postgres_url(),
        data_dir: dir.path().to_path_buf(),
        schema_prefix: format!("t{}_", &unique[unique.len() - 12..]),
        max_connections: 5,
        sqlite_readers: 2,
        busy_timeout: Duration::from_secs(5),
        acquire_timeout: Duration::from_secs(5),
        statement_timeout: Duration::ZERO,
        sqlite_synchronous: Default::default(),
    };
    let db = platform::db::connect(CONTEXT, &opts).await.unwrap();
    platform::db::migrate(&db, &platform::app::PLATFORM_MIGRATIONS).await.unwrap();
    let clock = Arc::new(ManualClock::new("2030-01-01T00:00:00Z".parse().unwrap()));
    Queue { opts, db, clock, metrics: Arc::default(), _dir: dir }
}

impl Queue {
    /// Another handle on the same database, as another process (or a restarted one) has.
    pub async fn reopen(&self) -> Db {
        platform::db::connect(CONTEXT, &self.opts).await.unwrap()
    }

    /// A queue on `db` running `concurrency` jobs at once, leases of 300 s.
    pub fn jobs(&self, db: &Db, concurrency: usize) -> Jobs {
        let config = JobsConfig { concurrency, lease_secs: 300 };
        Jobs::new(db.clone(), self.clock.clone(), &config, self.metrics.clone())
    }

    pub fn advance(&self, secs: i64) {
        self.clock.advance(chrono::Duration::seconds(secs));
    }
}

type Script = dyn Fn(&Job) -> Result<(), JobError> + Send + Sync;

/// A handler that records every run and every `failed` call, answers what `script` says,
/// and — when gated — holds each run until the test opens the gate.
pub struct Probe {
    script: Box<Script>,
    gate: Option<Semaphore>,
    runs: Mutex<Vec<Job>>,
    failures: Mutex<Vec<(Uuid, String)>>,
}

impl Probe {
    pub fn new(script: impl Fn(&Job) -> Result<(), JobError> + Send + Sync + 'static) -> Arc<Self> {
        Arc::new(Self { script: Box::new(script), gate: None, runs: Mutex::default(), failures: Mutex::default() })
    }

    /// Succeeds at once.
    pub fn ok() -> Arc<Self> {
        Self::new(|_| Ok(()))
    }

    /// Succeeds, but only once the test lets each run through with [`Probe::open`].
    pub fn gated() -> Arc<Self> {
        Self::gated_with(|_| Ok(()))
    }

    /// Answers what `script` says once the test lets the run through.
    pub fn gated_with(script: impl Fn(&Job) -> Result<(), JobError> + Send + Sync + 'static) -> Arc<Self> {
        Arc::new(Self {
            script: Box::new(script),
            gate: Some(Semaphore::new(0)),
            runs: Mutex::default(),
            failures: Mutex::default(),
        })
    }

    /// Lets `n` held runs finish.
    pub fn open(&self, n: usize) {
        self.gate.as_ref().unwrap().add_permits(n);
    }

    pub fn runs(&self) -> Vec<Job> {
        self.runs.lock().unwrap().clone()
    }

    pub fn runs_of(&self, id: Uuid) -> usize {
        self.runs.lock().unwrap().iter().filter(|j| j.id == id).count()
    }

    pub fn failures(&self) -> Vec<(Uuid, String)> {
        self.failures.lock().unwrap().clone()
    }
}

#[async_trait]
impl JobHandler for Probe {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        self.runs.lock().unwrap().push(job.clone());
        if let Some(gate) = &self.gate {
            gate.acquire().await.unwrap().forget();
        }
        (self.script)(job)
    }

    async fn failed(&self, job: &Job, reason: &str) {
        self.failures.lock().unwrap().push((job.id, reason.to_owned()));
    }
}

/// Polls `check` every 10 ms until it holds; fails the test after 10 s.
pub async fn until(what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Long enough for an idle worker to have looked at the queue again (it looks every second).
pub async fn a_poll() {
    tokio::time::sleep(Duration::from_millis(1300)).await;
}
