//! Moves committed events from every context's outbox to the bus. Runs in the background
//! (woken after commits, and on an interval), and can be drained deterministically in tests.
//!
//! It also lets a request wait for its own events ([`Relay::settle`]): each outbox counts the
//! passes that start on it and remembers the last one that left nothing due behind, so a caller
//! holding a ticket taken after its commit knows when a pass has carried its events — whoever
//! ran it. With the in-process bus, "carried" means every local consumer has handled them.
//!
//! **Several relays on one database** (several instances of a context sharing it) must not
//! publish one outbox row twice. A batch is therefore *claimed* before it is published: one
//! statement moves the due rows' `available_at` a lease ([`CLAIM_LEASE`]) into the future and
//! returns them, so no other relay sees them as due. On PostgreSQL the rows are picked with
//! `FOR UPDATE SKIP LOCKED`: concurrent claims take disjoint rows without waiting for each
//! other (and a row another claim just took is re-checked, found not due, and skipped). On
//! SQLite the statement is one write transaction, and writers to a file are serialised, so two
//! claims never return the same row. Publishing then happens outside any transaction — the
//! in-process bus runs handlers that write, possibly to this very database, whose only SQLite
//! writer connection a transaction held across publishing would block. Once published, the
//! rows are marked (`published_at`); failed ones get their retry time instead.
//!
//! So every event is published once when relays race, and at least once if a relay dies
//! between claim and mark: its claimed rows become due again when the lease runs out, and
//! consumers deduplicate by event id. (A publish that outlasts the lease could also be
//! repeated by another relay; the lease is far longer than any batch takes.)
//!
//! For [`Relay::settle`], a pass is caught up once nothing is left due *for it*: events another
//! process's relay has claimed are carried by that relay. Waiting for one's own events matters
//! only in one process (one relay); across processes, with NATS, readers answer `425` instead.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use kernel::EventEnvelope;
use sqlx::types::Json;
use tokio::sync::{Mutex, Notify};

use super::EventBus;
use crate::db::{Db, DbError, Dialect, FromRow, Row, query, query_dynamic};

/// What one relay pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RelayStats {
    pub published: usize,
    pub failed: usize,
}

impl std::ops::AddAssign for RelayStats {
    fn add_assign(&mut self, other: Self) {
        self.published += other.published;
        self.failed += other.failed;
    }
}

struct Pending {
    seq: i64,
    attempts: i64,
    event: Json<EventEnvelope>,
}

impl FromRow for Pending {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Pending { seq: row.get("seq")?, attempts: row.get("attempts")?, event: row.get("payload")? })
    }
}

/// One context's outbox, and how far passes over it have got.
struct Source {
    db: Db,
    /// Held for a whole pass: passes over one outbox never overlap.
    lock: Mutex<()>,
    /// Passes started on this outbox (numbered from 1).
    started: AtomicU64,
    /// The number of the latest pass that ended with nothing due left behind it.
    caught_up: AtomicU64,
}

/// How long a claimed batch stays invisible to other relays: the longest a relay may take to
/// publish a batch, and how long events wait when a relay died holding them.
const CLAIM_LEASE: Duration = Duration::from_secs(60);

/// A pass on one outbox ends once a batch comes back short; this bounds a pass that keeps
/// finding new events under sustained load (the next pass goes on from there).
const MAX_BATCHES_PER_PASS: usize = 16;

pub struct Relay {
    sources: Vec<Source>,
    bus: Arc<dyn EventBus>,
    wake: Notify,
    batch: i64,
    settles: crate::metrics::Histogram,
}

/// A promise that events committed before it was taken will be carried by pass `pass` (or a
/// later one) of outbox `source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    source: usize,
    pass: u64,
}

impl Relay {
    pub fn new(sources: Vec<Db>, bus: Arc<dyn EventBus>, batch: u32) -> Self {
        Self {
            sources: sources
                .into_iter()
                .map(|db| Source { db, lock: Mutex::new(()), started: AtomicU64::new(0), caught_up: AtomicU64::new(0) })
                .collect(),
            bus,
            wake: Notify::new(),
            batch: i64::from(batch.max(1)),
            settles: crate::metrics::Histogram::default(),
        }
    }

    /// Asks the background relay to look now (call after committing events).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Where the outbox of the database named `name` is in this relay.
    pub fn source_of(&self, name: &str) -> Option<usize> {
        self.sources.iter().position(|s| s.db.name() == name)
    }

    /// A ticket for events already committed to outbox `source`: the next pass to start on it.
    pub fn ticket(&self, source: usize) -> Option<Ticket> {
        let s = self.sources.get(source)?;
        Some(Ticket { source, pass: s.started.load(Ordering::Acquire) + 1 })
    }

    /// Returns once a pass at or after `ticket` has carried the outbox's due events: at once
    /// when another caller's (or the background) pass already has, else after running a pass
    /// here. Gives up waiting after `timeout`.
    ///
    /// The pass runs as a task of its own, which goes on when the caller stops waiting: a pass
    /// dropped between claiming a batch and marking it would leave that batch invisible to
    /// every relay for the claim's whole lease.
    pub async fn settle(self: &Arc<Self>, tickets: &[Ticket], timeout: Duration) {
        let begun = Instant::now();
        let due: Vec<Ticket> = tickets
            .iter()
            .copied()
            .filter(|t| self.sources.get(t.source).is_some_and(|s| s.caught_up.load(Ordering::Acquire) < t.pass))
            .collect();
        if due.is_empty() {
            self.settles.observe(begun.elapsed(), true);
            return;
        }
        let relay = Arc::clone(self);
        let carried = tokio::spawn(async move {
            for ticket in due {
                let Some(source) = relay.sources.get(ticket.source) else { continue };
                let _guard = source.lock.lock().await;
                if source.caught_up.load(Ordering::Acquire) < ticket.pass {
                    relay.pass(source).await;
                }
            }
        });
        let in_time = tokio::time::timeout(timeout, carried).await.is_ok();
        if !in_time {
            tracing::warn!(
                waited_ms = timeout.as_millis(),
                "events of a request not carried in time; answering anyway"
            );
        }
        self.settles.observe(begun.elapsed(), in_time);
    }

    /// Appends the read-your-writes waits to `/metrics`.
    pub fn render_metrics(&self, out: &mut String) {
        self.settles.render(
            out,
            "sojourn_events_settle_seconds",
            "Time requests waited for their events to reach this process's consumers.",
            Some("sojourn_events_settle_timeouts_total"),
        );
    }

    /// One pass over outbox `source`, whose lock the caller holds: batches until one comes
    /// back short (then the pass counts as caught up) or the pass has done its share.
    async fn pass(&self, source: &Source) -> RelayStats {
        let number = source.started.fetch_add(1, Ordering::AcqRel) + 1;
        let mut total = RelayStats::default();
        for _ in 0..MAX_BATCHES_PER_PASS {
            match self.relay_batch(&source.db).await {
                Ok((stats, seen)) => {
                    total += stats;
                    if seen < self.batch {
                        source.caught_up.fetch_max(number, Ordering::AcqRel);
                        break;
                    }
                }
                Err(error) => {
                    tracing::warn!(db = source.db.name(), %error, "outbox relay pass failed");
                    total.failed += 1;
                    break;
                }
            }
        }
        total
    }

    /// One pass over every outbox.
    pub async fn run_once(&self) -> RelayStats {
        let mut total = RelayStats::default();
        for source in &self.sources {
            let _guard = source.lock.lock().await;
            total += self.pass(source).await;
        }
        total
    }

    /// Relays until nothing is left to publish (events emitted by handlers included), however
    /// many there are. Returns the totals; stops once a pass makes no progress (what is left
    /// then is failing and waits for its retry time).
    pub async fn drain(&self) -> RelayStats {
        let mut total = RelayStats::default();
        loop {
            let pass = self.run_once().await;
            total += pass;
            if pass.published == 0 {
                return total;
            }
        }
    }

    /// Claims and publishes up to a batch of due events; also says how many were due in it.
    async fn relay_batch(&self, db: &Db) -> Result<(RelayStats, i64), DbError> {
        let pending = claim(db, self.batch).await?;
        let mut stats = RelayStats::default();
        let seen = i64::try_from(pending.len()).unwrap_or(i64::MAX);
        let (meta, events): (Vec<(i64, i64)>, Vec<EventEnvelope>) =
            pending.into_iter().map(|p| ((p.seq, p.attempts), p.event.0)).unzip();
        let results = self.bus.publish_batch(&events).await;
        let mut published = Vec::with_capacity(meta.len());
        let mut failed = Vec::new();
        for ((seq, attempts), result) in meta.into_iter().zip(results) {
            match result {
                Ok(()) => published.push(seq),
                Err(error) => failed.push((seq, attempts, error)),
            }
        }
        mark_published(db, &published).await?;
        stats.published += published.len();
        for (seq, attempts, error) in failed {
            // Exponential backoff (1 s, 2 s, 4 s, ...), capped at 5 minutes.
            let delay = 2_i64.saturating_pow(u32::try_from(attempts.clamp(0, 9)).unwrap_or(9)).min(300);
            let message: String = error.to_string().chars().take(1000).collect();
            query("UPDATE outbox SET attempts = attempts + 1, last_error = $1, available_at = $2 WHERE seq = $3")
                .bind(message)
                .bind(Utc::now() + chrono::Duration::seconds(delay))
                .bind(seq)
                .execute(db)
                .await?;
            stats.failed += 1;
        }
        Ok((stats, seen))
    }

    /// Deletes published events older than `keep` (kept only for inspection), and dedupe
    /// records older than four times that: far past any redelivery of a pruned event.
    pub async fn prune(&self, keep: chrono::Duration) {
        let now = Utc::now();
        for Source { db, .. } in &self.sources {
            let outbox = query("DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < $1")
                .bind(now - keep)
                .execute(db)
                .await;
            let dedupe =
                query("DELETE FROM processed_events WHERE processed_at < $1").bind(now - keep * 4).execute(db).await;
            if let Err(error) = outbox.and(dedupe) {
                tracing::warn!(db = db.name(), %error, "outbox prune failed");
            }
        }
    }

    /// The background loop: a pass whenever woken or every `interval`, until `stop` fires.
    pub async fn run(self: Arc<Self>, interval: Duration, stop: crate::shutdown::Stop) {
        let mut last_prune = std::time::Instant::now();
        loop {
            tokio::select! {
                () = stop.wait() => break,
                () = self.wake.notified() => {}
                () = tokio::time::sleep(interval) => {}
            }
            // Keep going while batches come back full.
            while self.run_once().await.published > 0 {}
            if last_prune.elapsed() > Duration::from_secs(3600) {
                self.prune(chrono::Duration::days(7)).await;
                last_prune = std::time::Instant::now();
            }
        }
    }
}

/// Takes up to `batch` due events for this relay alone (see the module doc), oldest first.
async fn claim(db: &Db, batch: i64) -> Result<Vec<Pending>, DbError> {
    let sql = match db.dialect() {
        Dialect::Postgres => {
            "UPDATE outbox SET available_at = $1 WHERE seq IN (SELECT seq FROM outbox \
             WHERE published_at IS NULL AND available_at <= $2 ORDER BY seq LIMIT $3 FOR UPDATE SKIP LOCKED) \
             RETURNING seq, attempts, payload"
        }
        Dialect::Sqlite => {
            "UPDATE outbox SET available_at = $1 WHERE seq IN (SELECT seq FROM outbox \
             WHERE published_at IS NULL AND available_at <= $2 ORDER BY seq LIMIT $3) \
             RETURNING seq, attempts, payload"
        }
    };
    let now = Utc::now();
    let lease = chrono::Duration::from_std(CLAIM_LEASE).unwrap_or(chrono::Duration::MAX);
    let mut pending: Vec<Pending> = query(sql).bind(now + lease).bind(now).bind(batch).fetch_all(db).await?;
    // RETURNING gives no order; publish in commit order.
    pending.sort_by_key(|p| p.seq);
    Ok(pending)
}

/// Marks the events `seqs` published, in one statement: one commit per batch rather than one
/// per event. Should the process stop before it, those events go out again once their claim's
/// lease has run out, as after any crash: consumers deduplicate by event id.
async fn mark_published(db: &Db, seqs: &[i64]) -> Result<(), DbError> {
    if seqs.is_empty() {
        return Ok(());
    }
    let placeholders: Vec<String> = (0..seqs.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "UPDATE outbox SET published_at = $1, attempts = attempts + 1 WHERE seq IN ({})",
        placeholders.join(", ")
    );
    let mut update = query_dynamic(sql).bind(Utc::now());
    for seq in seqs {
        update = update.bind(*seq);
    }
    update.execute(db).await?;
    Ok(())
}
