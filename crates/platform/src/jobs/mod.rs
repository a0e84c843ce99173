//! The durable job queue: work a context does off the request path (image variants, EXIF
//! stripping, video poster frames), so that a request answers at once and the work survives a
//! restart. A job is a row of `platform_jobs` in the context's own database, written in the
//! caller's transaction — it exists exactly when the data that asked for it does.
//!
//! Each context database has one worker (started by the platform after the context mounted,
//! when it registered a handler). It leases due jobs (`FOR UPDATE SKIP LOCKED` on PostgreSQL,
//! so several processes can share a queue), runs up to `jobs.concurrency` at once, renews the
//! lease while a job runs, and records the outcome only while it still holds the lease: a
//! job's completion is recorded exactly once. Execution is at least once: a worker that dies
//! mid-job leaves a lease that runs out (`jobs.lease_secs`), and another worker runs the job
//! again — handlers must be idempotent (write results under deterministic keys, check whether
//! the work is already done).

mod metrics;
mod store;
mod worker;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use kernel::Clock;
use tokio::sync::Notify;
use uuid::Uuid;

pub use metrics::JobMetrics;

use crate::config::JobsConfig;
use crate::db::{Db, DbError, Tx};
use crate::shutdown::Background;

/// A job as its handler sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: Uuid,
    pub kind: String,
    pub payload: serde_json::Value,
    /// Which attempt this is, from 1.
    pub attempt: u32,
    pub created_at: DateTime<Utc>,
}

/// Why a run did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobError {
    /// Worth trying again: after `after` when given, else after the queue's backoff (5 s,
    /// doubling to 10 minutes). Once the job's attempts are spent it fails with `reason`.
    Retry { reason: String, after: Option<Duration> },
    /// Retrying cannot help (the input is unusable): the job fails now.
    Fail(String),
}

impl JobError {
    pub fn retry(reason: impl Into<String>) -> Self {
        JobError::Retry { reason: reason.into(), after: None }
    }

    /// A retry not before `after` (instead of the backoff).
    pub fn retry_after(reason: impl Into<String>, after: Duration) -> Self {
        JobError::Retry { reason: reason.into(), after: Some(after) }
    }

    pub fn fail(reason: impl Into<String>) -> Self {
        JobError::Fail(reason.into())
    }
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JobError::Retry { reason, .. } => write!(f, "retry: {reason}"),
            JobError::Fail(reason) => write!(f, "failed: {reason}"),
        }
    }
}

impl std::error::Error for JobError {}

/// Runs the jobs of one kind. Runs may repeat after a crash (at least once), so `run` must be
/// idempotent.
#[async_trait::async_trait]
pub trait JobHandler: Send + Sync + 'static {
    async fn run(&self, job: &Job) -> Result<(), JobError>;

    /// Called once when the job gives up (Fail, or attempts exhausted), before the failure is
    /// recorded — so whoever sees the job `Failed` knows this has run. Default: nothing.
    async fn failed(&self, _job: &Job, _reason: &str) {}
}

/// What to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSpec {
    kind: &'static str,
    payload: serde_json::Value,
    dedupe: Option<String>,
    max_attempts: u32,
    delay: Duration,
}

impl JobSpec {
    /// Attempts a job gets unless told otherwise.
    pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;

    pub fn new(kind: &'static str, payload: serde_json::Value) -> Self {
        Self { kind, payload, dedupe: None, max_attempts: Self::DEFAULT_MAX_ATTEMPTS, delay: Duration::ZERO }
    }

    /// While a job of the same kind and key is not finished (waiting or running), enqueueing
    /// another gives that job's id instead of a second job.
    #[must_use]
    pub fn dedupe(mut self, key: impl Into<String>) -> Self {
        self.dedupe = Some(key.into());
        self
    }

    /// How many runs the job gets before it fails (at least 1; default 8).
    #[must_use]
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Not run before now + `d`.
    #[must_use]
    pub fn delay(mut self, d: Duration) -> Self {
        self.delay = d;
        self
    }
}

/// Where a job stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for its time or for a worker.
    Pending,
    /// A worker holds it (its lease has not run out).
    Running,
    Done,
    /// Given up: `reason` is the handler's (or "gave up after N attempts: …").
    Failed {
        reason: String,
    },
}

impl JobState {
    /// Done or failed: nothing more will happen to it.
    pub fn is_finished(&self) -> bool {
        matches!(self, JobState::Done | JobState::Failed { .. })
    }
}

/// A context's job queue. Cheap to clone; one per context database (`env.jobs`).
#[derive(Clone)]
pub struct Jobs {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    clock: Arc<dyn Clock>,
    concurrency: usize,
    lease: Duration,
    handlers: RwLock<BTreeMap<&'static str, Arc<dyn JobHandler>>>,
    /// Wakes the worker: something was enqueued.
    wake: Notify,
    /// Wakes `wait`ers: a job of this process finished.
    finished: Notify,
    metrics: Arc<JobMetrics>,
    started: AtomicBool,
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jobs").field("db", &self.inner.db).field("kinds", &self.kinds()).finish()
    }
}

/// How often `wait` looks at the database for jobs finished by other processes.
const WAIT_POLL: Duration = Duration::from_millis(200);

impl Jobs {
    /// The queue of `db` (migrated with the platform's migrations), counting into `metrics`
    /// (one per process, registered once with the context metrics).
    pub fn new(db: Db, clock: Arc<dyn Clock>, config: &JobsConfig, metrics: Arc<JobMetrics>) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                clock,
                concurrency: config.concurrency.max(1),
                lease: Duration::from_secs(config.lease_secs.max(1)),
                handlers: RwLock::default(),
                wake: Notify::new(),
                finished: Notify::new(),
                metrics,
                started: AtomicBool::new(false),
            }),
        }
    }

    /// Registers the handler of `kind` (at mount time, before the worker starts).
    pub fn register(&self, kind: &'static str, handler: Arc<dyn JobHandler>) {
        let mut handlers = self.inner.handlers.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if handlers.insert(kind, handler).is_some() {
            tracing::warn!(kind, "a job handler was registered twice: the last one wins");
        }
    }

    /// The kinds with a handler here.
    pub fn kinds(&self) -> Vec<&'static str> {
        self.inner.handlers.read().unwrap_or_else(std::sync::PoisonError::into_inner).keys().copied().collect()
    }

    fn handler(&self, kind: &str) -> Option<Arc<dyn JobHandler>> {
        self.inner.handlers.read().unwrap_or_else(std::sync::PoisonError::into_inner).get(kind).cloned()
    }

    /// Starts the worker on `background` if a handler is registered and it is not running yet
    /// (the platform does this after the context mounted): whether it started.
    pub fn start(&self, background: &Background) -> bool {
        if self.kinds().is_empty() || self.inner.started.swap(true, Ordering::SeqCst) {
            return false;
        }
        let worker = worker::Worker { jobs: self.clone() };
        background.spawn(|stop| worker.run(stop));
        true
    }

    /// Enqueues inside the caller's transaction (so the job exists iff the caller's data does).
    /// Returns the job id (the existing one when deduplicated). Call `committed()` after commit.
    pub async fn enqueue(&self, tx: &mut Tx, spec: JobSpec) -> Result<Uuid, DbError> {
        let now = self.inner.clock.now();
        let delay = chrono::Duration::from_std(spec.delay).unwrap_or(chrono::Duration::MAX);
        let not_before = now.checked_add_signed(delay).unwrap_or(DateTime::<Utc>::MAX_UTC);
        let new = store::NewJob {
            kind: spec.kind,
            payload: &spec.payload,
            dedupe_key: spec.dedupe.as_deref(),
            max_attempts: spec.max_attempts,
            not_before,
            now,
        };
        store::insert(tx, &new).await
    }

    /// Enqueues in its own transaction and wakes the worker.
    pub async fn submit(&self, spec: JobSpec) -> Result<Uuid, DbError> {
        let mut tx = self.inner.db.begin().await?;
        let id = self.enqueue(&mut tx, spec).await?;
        tx.commit().await?;
        self.committed();
        Ok(id)
    }

    /// Wakes the worker after a commit that enqueued.
    pub fn committed(&self) {
        self.inner.wake.notify_one();
    }

    /// The state of a job: Pending / Running / Done / Failed{reason}; None if unknown (never
    /// enqueued, or finished more than 7 days ago).
    pub async fn state(&self, id: Uuid) -> Result<Option<JobState>, DbError> {
        store::state(&self.inner.db, id, self.inner.clock.now()).await
    }

    /// Waits (in-process notification, plus polling every 200 ms for other processes) until the job
    /// is Done or Failed or `timeout` passes; returns the last state seen (None at once for an
    /// unknown job).
    pub async fn wait(&self, id: Uuid, timeout: Duration) -> Result<Option<JobState>, DbError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Listening before looking: a finish between the look and the wait is not missed.
            let notified = self.inner.finished.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let state = self.state(id).await?;
            let now = tokio::time::Instant::now();
            if state.as_ref().is_none_or(JobState::is_finished) || now >= deadline {
                return Ok(state);
            }
            tokio::select! {
                () = notified => {}
                () = tokio::time::sleep(WAIT_POLL.min(deadline - now)) => {}
            }
        }
    }
}
