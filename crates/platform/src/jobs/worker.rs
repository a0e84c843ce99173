//! The worker of one context's queue: takes due jobs under a lease, runs up to `concurrency`
//! at once, and records each outcome. Woken when something is enqueued, else it looks again
//! when the next job falls due — at most a second later in real time, so a clock moved by a
//! test or a job enqueued by another process is noticed. On stop it takes nothing more and
//! finishes what it holds. A handler's panic is caught and counts as a retryable failure.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::FutureExt;
use tokio::task::JoinSet;
use uuid::Uuid;

use super::store::{self, Outcome, Taken};
use super::{Job, JobError, Jobs};
use crate::shutdown::Stop;

/// The longest real-time wait between looks at the queue.
const POLL: Duration = Duration::from_secs(1);
/// How often the pending gauge is refreshed (and unhandled kinds looked for).
const GAUGE_EVERY: Duration = Duration::from_secs(5);
/// How often finished jobs past their keeping time are deleted.
const PURGE_EVERY: Duration = Duration::from_secs(600);
/// How long finished jobs stay readable through `Jobs::state`.
const KEEP_FINISHED_DAYS: i64 = 7;

pub(super) struct Worker {
    pub jobs: Jobs,
}

/// The wait before the attempt after attempt `attempt`: 5 s doubling per attempt up to 10
/// minutes, plus up to a tenth of jitter so that jobs failing together do not return together.
pub(super) fn backoff(attempt: u32, jitter: f64) -> Duration {
    let exp = attempt.clamp(1, 16) - 1;
    let secs = (5_u64 << exp).min(600);
    Duration::from_secs_f64(secs as f64 * (1.0 + jitter.clamp(0.0, 1.0) / 10.0))
}

fn jitter() -> f64 {
    let mut b = [0u8; 1];
    let _ = getrandom::fill(&mut b);
    f64::from(b[0]) / 255.0
}

fn chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

impl Worker {
    pub async fn run(self, stop: Stop) {
        let stopped = stop.wait();
        tokio::pin!(stopped);
        let mut running: JoinSet<()> = JoinSet::new();
        let mut gauge_at: Option<Instant> = None;
        let mut purge_at: Option<Instant> = None;
        let mut warned = BTreeSet::new();
        let inner = &self.jobs.inner;
        loop {
            if inner.db.is_closed() {
                break;
            }
            let kinds = self.jobs.kinds();
            let free = inner.concurrency.saturating_sub(running.len());
            match self.take(&kinds, free).await {
                Ok(taken) => {
                    for (job, token) in taken {
                        running.spawn(Run { jobs: self.jobs.clone(), token }.execute(job));
                    }
                }
                Err(e) => tracing::warn!(context = inner.db.name(), error = %e, "could not take jobs"),
            }
            if gauge_at.is_none_or(|at| at.elapsed() >= GAUGE_EVERY) {
                self.count_pending(&kinds, &mut warned).await;
                gauge_at = Some(Instant::now());
            }
            if purge_at.is_none_or(|at| at.elapsed() >= PURGE_EVERY) {
                self.purge().await;
                purge_at = Some(Instant::now());
            }
            // All slots busy: the next look is when one frees up.
            let wait = if running.len() >= inner.concurrency { POLL } else { self.idle_wait(&kinds).await };
            tokio::select! {
                () = &mut stopped => break,
                Some(_) = running.join_next(), if !running.is_empty() => {}
                () = inner.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
        // Finish what is in hand (the platform's shutdown bounds how long this may take).
        while running.join_next().await.is_some() {}
    }

    /// Leases up to `free` due jobs of the kinds handled here.
    async fn take(&self, kinds: &[&'static str], free: usize) -> Result<Vec<(Taken, Uuid)>, crate::db::DbError> {
        let inner = &self.jobs.inner;
        let now = inner.clock.now();
        let token = kernel::new_id();
        let taken = store::claim(&inner.db, kinds, now, now + chrono(inner.lease), token, free).await?;
        Ok(taken.into_iter().map(|t| (t, token)).collect())
    }

    async fn idle_wait(&self, kinds: &[&'static str]) -> Duration {
        let now = self.jobs.inner.clock.now();
        match store::next_due(&self.jobs.inner.db, kinds).await {
            Ok(Some(at)) if at > now => (at - now).to_std().unwrap_or_default().min(POLL),
            // Due, yet not taken: another worker holds its row lock for a moment.
            Ok(Some(_)) => Duration::from_millis(50),
            _ => POLL,
        }
    }

    /// Refreshes the pending gauge, and warns (once per kind) about due jobs nobody here handles.
    async fn count_pending(&self, kinds: &[&'static str], warned: &mut BTreeSet<String>) {
        let inner = &self.jobs.inner;
        let Ok(rows) = store::pending_by_kind(&inner.db, inner.clock.now()).await else { return };
        let mut by_kind: BTreeMap<String, i64> = kinds.iter().map(|k| ((*k).to_owned(), 0)).collect();
        for (kind, pending, due) in rows {
            if due > 0 && !kinds.contains(&kind.as_str()) && warned.insert(kind.clone()) {
                tracing::warn!(
                    context = inner.db.name(),
                    kind = %kind,
                    due,
                    "jobs of a kind no handler here runs are waiting: left pending for a process that has one"
                );
            }
            by_kind.insert(kind, pending);
        }
        inner.metrics.set_pending(inner.db.name(), by_kind);
    }

    async fn purge(&self) {
        let inner = &self.jobs.inner;
        let before = inner.clock.now() - chrono::Duration::days(KEEP_FINISHED_DAYS);
        match store::purge(&inner.db, before).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(context = inner.db.name(), deleted = n, "finished jobs purged"),
            Err(e) => tracing::warn!(context = inner.db.name(), error = %e, "could not purge finished jobs"),
        }
    }
}

/// One leased job being run.
struct Run {
    jobs: Jobs,
    token: Uuid,
}

impl Run {
    async fn execute(self, taken: Taken) {
        let job = Job {
            id: taken.id,
            kind: taken.kind,
            payload: taken.payload,
            attempt: u32::try_from(taken.attempts).unwrap_or(u32::MAX),
            created_at: taken.created_at,
        };
        let Some(handler) = self.jobs.handler(&job.kind) else { return };
        if taken.attempts > taken.max_attempts {
            // The last attempt was taken and never recorded: its worker died, or ran past its lease.
            let reason = format!("gave up after {} attempts: the last one did not finish", taken.max_attempts);
            return self.give_up(handler.as_ref(), &job, reason).await;
        }
        let result = self.run_leased(handler.as_ref(), &job).await;
        let now = self.jobs.inner.clock.now();
        let (reason, after) = match result {
            Ok(()) => return self.record(&job, &Outcome::Done, "done").await,
            Err(JobError::Fail(reason)) => return self.give_up(handler.as_ref(), &job, reason).await,
            Err(JobError::Retry { reason, after }) => (reason, after),
        };
        if taken.attempts >= taken.max_attempts {
            let reason = format!("gave up after {} attempts: {reason}", taken.attempts);
            return self.give_up(handler.as_ref(), &job, reason).await;
        }
        let wait = after.unwrap_or_else(|| backoff(job.attempt, jitter()));
        let at = now.checked_add_signed(chrono(wait)).unwrap_or(DateTime::<Utc>::MAX_UTC);
        self.record(&job, &Outcome::Retry { at, error: reason }, "retried").await;
    }

    /// Runs the handler, renewing the lease every third of it; a panic becomes a retry.
    async fn run_leased(&self, handler: &dyn super::JobHandler, job: &Job) -> Result<(), JobError> {
        let every = self.jobs.inner.lease / 3;
        let mut renew = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        let run = AssertUnwindSafe(handler.run(job)).catch_unwind();
        tokio::pin!(run);
        let finished = loop {
            tokio::select! {
                finished = &mut run => break finished,
                _ = renew.tick() => {
                    if !self.renew(job).await {
                        tracing::warn!(job = %job.id, kind = %job.kind, "job lease lost while running");
                    }
                }
            }
        };
        finished.unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".into());
            tracing::error!(job = %job.id, kind = %job.kind, panic = %message, "job handler panicked");
            Err(JobError::retry(format!("handler panicked: {message}")))
        })
    }

    /// Extends the lease from now: false when it is no longer this run's.
    async fn renew(&self, job: &Job) -> bool {
        let inner = &self.jobs.inner;
        let now = inner.clock.now();
        store::renew(&inner.db, job.id, self.token, now + chrono(inner.lease), now).await.unwrap_or(false)
    }

    /// Calls the handler's `failed` (while still holding the lease), then records the failure.
    async fn give_up(&self, handler: &dyn super::JobHandler, job: &Job, reason: String) {
        if !self.renew(job).await {
            tracing::warn!(job = %job.id, kind = %job.kind, "job lease lost before it could give up");
            self.jobs.inner.metrics.count(self.jobs.inner.db.name(), &job.kind, "lost");
            return;
        }
        if AssertUnwindSafe(handler.failed(job, &reason)).catch_unwind().await.is_err() {
            tracing::error!(job = %job.id, kind = %job.kind, "job handler panicked in `failed`");
        }
        tracing::warn!(job = %job.id, kind = %job.kind, %reason, "job failed");
        self.record(job, &Outcome::Failed { error: reason }, "failed").await;
    }

    async fn record(&self, job: &Job, outcome: &Outcome, label: &'static str) {
        let inner = &self.jobs.inner;
        let context = inner.db.name();
        match store::finish(&inner.db, job.id, self.token, outcome, inner.clock.now()).await {
            Ok(true) => {
                inner.metrics.count(context, &job.kind, label);
                if !matches!(outcome, Outcome::Retry { .. }) {
                    inner.finished.notify_waiters();
                }
            }
            Ok(false) => {
                tracing::warn!(job = %job.id, kind = %job.kind, "job lease lost before its outcome was recorded");
                inner.metrics.count(context, &job.kind, "lost");
            }
            Err(e) => tracing::warn!(job = %job.id, kind = %job.kind, error = %e, "could not record a job's outcome"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_five_seconds_to_ten_minutes() {
        assert_eq!(backoff(1, 0.0).as_secs(), 5);
        assert_eq!(backoff(2, 0.0).as_secs(), 10);
        assert_eq!(backoff(5, 0.0).as_secs(), 80);
        assert_eq!(backoff(8, 0.0).as_secs(), 600);
        assert_eq!(backoff(60, 0.0).as_secs(), 600);
        assert_eq!(backoff(1, 1.0).as_millis(), 5500);
    }
}
