//! Group commit on SQLite: concurrent short write transactions share one real transaction.
//!
//! SQLite has one writer per database, every statement is a round trip to that connection's
//! thread, and a commit writes each page the transaction touched to the WAL. A reservation
//! made on its own paid for a `BEGIN`, a `COMMIT` and its own copy of the same pages (the tail
//! of the reservations table and of its indexes, the outbox): its commit cost more than the
//! sale. With [`Db::grouped`], callers that arrive while a group is open run their work one
//! after another inside the group's transaction, each in a savepoint of its own (one caller's
//! failure undoes only its own writes), and whoever finds nobody waiting behind it commits for
//! all. Nobody hears "done" before that commit, so what a caller reports is what is durable.
//! The `SAVEPOINT` travels with the caller's first query or batch (an `execute` sends it just
//! before, as SQLite's change count would count it), and a successful caller's savepoint is
//! never released on its own (the commit releases them all), so a sale whose first statement
//! is its batch costs no round trip to the writer beyond that batch.
//!
//! Cancellation: a caller dropped half-way leaves its savepoint open; the next holder (or the
//! group's watchdog) rolls it back before anything else runs, so a half-done sale never
//! commits. PostgreSQL has concurrent writers and gains nothing here: each call is its own
//! transaction.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Mutex, MutexGuard, watch};

use super::{Db, DbError, Dialect, Tx, query_dynamic};

/// At most this many callers share one commit, so other writers (the outbox relay, other
/// endpoints) wait at most one group.
const MAX_MEMBERS: usize = 64;
/// A group nobody closes (its last caller was cancelled) is committed after this long.
const WATCHDOG: Duration = Duration::from_millis(20);

type Outcome = Option<Result<(), String>>;

#[derive(Default)]
pub(crate) struct Group {
    open: Mutex<Option<Open>>,
    /// Callers queued for `open`: while any are, the holder leaves the group open for them.
    waiting: AtomicUsize,
    next_id: AtomicU64,
    /// Successful group commits, and the callers whose work they carried (for `/metrics`).
    commits: AtomicU64,
    members: AtomicU64,
}

/// What group commit has done on one database since start: the average group is
/// `members / commits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupStats {
    pub commits: u64,
    pub members: u64,
}

struct Open {
    tx: Tx,
    id: u64,
    /// Callers whose work is in the transaction, waiting for its commit.
    members: usize,
    /// Savepoints made so far: each caller's is named after this count, so undoing one can
    /// never reach another's.
    savepoints: usize,
    /// The savepoint of a caller cancelled half-way, to be rolled back by the next holder.
    dangling: Option<String>,
    done: watch::Sender<Outcome>,
}

/// Counts a caller as waiting until it holds the lock (or is dropped while waiting).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Self(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Db {
    /// Group commit counts on SQLite; `None` on PostgreSQL, where calls are not grouped.
    pub fn group_stats(&self) -> Option<GroupStats> {
        (self.dialect() == Dialect::Sqlite).then(|| GroupStats {
            commits: self.group.commits.load(Ordering::Relaxed),
            members: self.group.members.load(Ordering::Relaxed),
        })
    }

    /// Runs `work` in a write transaction and returns once that transaction has committed.
    /// On SQLite, concurrent callers share one transaction and one commit (see the module
    /// docs); `work` runs in a savepoint of its own, so an `Err` from it undoes only its own
    /// writes. `work` must write only through the `Tx` it is given (a write on the `Db`
    /// itself would wait for the writer the group holds).
    pub async fn grouped<T, E>(&self, work: impl AsyncFnOnce(&mut Tx) -> Result<T, E>) -> Result<T, E>
    where
        E: From<DbError>,
    {
        if self.dialect() == Dialect::Postgres {
            let mut tx = self.begin().await?;
            let value = work(&mut tx).await?;
            tx.commit().await?;
            return Ok(value);
        }
        let group = &self.group;
        let waiting = Waiting::new(&group.waiting);
        let mut slot = group.open.lock().await;
        drop(waiting);
        let open = match slot.as_mut() {
            Some(open) => open,
            None => slot.insert(self.open_group().await?),
        };
        if let Err(e) = undo_dangling(open).await {
            return Err(fail(&mut slot, e).into());
        }
        open.savepoints += 1;
        let savepoint = format!("grouped_{}", open.savepoints);
        // Set before the first await that may run it: a caller dropped from here on is undone.
        open.dangling = Some(savepoint.clone());
        if let Err(e) = open.tx.defer(format!("SAVEPOINT {savepoint}")).await {
            return Err(fail(&mut slot, e).into());
        }
        let result = work(&mut open.tx).await;
        // A savepoint never sent (the work ran no statement) holds nothing to keep or undo.
        let sent = open.tx.take_deferred().is_none();
        if result.is_err()
            && sent
            && let Err(e) = rollback_to(&mut open.tx, &savepoint).await
        {
            return Err(fail(&mut slot, e).into());
        }
        open.dangling = None;
        let member = result.map(|value| {
            open.members += 1;
            (value, open.done.subscribe())
        });
        if group.waiting.load(Ordering::SeqCst) == 0 || open.members >= MAX_MEMBERS {
            commit(group, &mut slot).await;
        }
        drop(slot);
        let (value, mut outcome) = member?;
        match outcome.wait_for(Option::is_some).await.map(|o| o.clone()) {
            Ok(Some(Ok(()))) => Ok(value),
            Ok(Some(Err(cause))) => Err(DbError::Unavailable(format!("group commit failed: {cause}")).into()),
            _ => Err(DbError::Unavailable("group commit abandoned".into()).into()),
        }
    }

    /// Begins a group's transaction and starts its watchdog.
    async fn open_group(&self) -> Result<Open, DbError> {
        let tx = self.begin().await?;
        let id = self.group.next_id.fetch_add(1, Ordering::Relaxed);
        let (done, _) = watch::channel(None);
        let group = Arc::clone(&self.group);
        let settled = done.subscribe();
        tokio::spawn(async move {
            tokio::time::sleep(WATCHDOG).await;
            // Nearly always the group committed long ago: no need to queue for the lock.
            if settled.borrow().is_some() {
                return;
            }
            let mut slot = group.open.lock().await;
            if slot.as_ref().is_some_and(|open| open.id == id) {
                tracing::debug!(group = id, "committing a group its callers left open");
                commit(&group, &mut slot).await;
            }
        });
        Ok(Open { tx, id, members: 0, savepoints: 0, dangling: None, done })
    }
}

/// Undoes everything since `savepoint` was made, and the savepoint itself. It fails only if
/// the transaction itself is gone (SQLite rolls back a whole transaction on some errors, such
/// as a full disk): then the group is abandoned, never committed in part.
async fn rollback_to(tx: &mut Tx, savepoint: &str) -> Result<(), DbError> {
    query_dynamic(format!("ROLLBACK TO {savepoint}; RELEASE {savepoint}")).execute(tx).await.map(|_| ())
}

/// Rolls back the savepoint of a caller cancelled half-way (its savepoint may not have been
/// sent yet), so that none of its writes commit.
async fn undo_dangling(open: &mut Open) -> Result<(), DbError> {
    let Some(savepoint) = open.dangling.take() else { return Ok(()) };
    if open.tx.take_deferred().is_none() {
        rollback_to(&mut open.tx, &savepoint).await?;
    }
    Ok(())
}

/// Commits the open group (undoing a cancelled caller's savepoint first) and tells its members.
async fn commit(group: &Group, slot: &mut MutexGuard<'_, Option<Open>>) {
    let Some(mut open) = slot.take() else { return };
    let result = match undo_dangling(&mut open).await {
        Ok(()) => open.tx.commit().await,
        Err(e) => Err(e),
    };
    match &result {
        Ok(()) => {
            group.commits.fetch_add(1, Ordering::Relaxed);
            group.members.fetch_add(open.members as u64, Ordering::Relaxed);
        }
        Err(error) => tracing::warn!(%error, members = open.members, "group commit failed"),
    }
    open.done.send_replace(Some(result.map_err(|e| e.to_string())));
}

/// Abandons the open group after a statement of its own failed: its transaction rolls back
/// (dropped) and every member waiting for it hears why.
fn fail(slot: &mut MutexGuard<'_, Option<Open>>, error: DbError) -> DbError {
    if let Some(open) = slot.take() {
        tracing::warn!(%error, members = open.members, "write group abandoned");
        open.done.send_replace(Some(Err(error.to_string())));
    }
    error
}
