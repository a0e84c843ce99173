//! The single [`IndexWriter`], owned by a background thread fed through a channel. It commits
//! when it has changes, at most every [`COMMIT_EVERY`], then reloads the reader: a change is
//! searchable well within a second of its event.
//!
//! Changes can reach it out of order (a rebuild's snapshot of a listing overtaken by that
//! listing's next event), so it remembers the revision of what it holds per listing and drops a
//! change that is older ([`Rev::supersedes`]).
//!
//! A rebuild is bracketed: `begin` deletes every document and holds commits back until `end`,
//! so searchers keep the previous commit — the old index — until the new one is whole, then
//! see it at once. Each commit reports the changes it made durable (listing, token), so their
//! "pending" rows can be forgotten; what is not confirmed is replayed at the next start.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tantivy::{IndexWriter, Term};
use tokio::sync::{mpsc as tmpsc, oneshot};
use uuid::Uuid;

use super::{COMMIT_EVERY, Marker, SearchIndex, document};
use crate::domain::{IndexedListing, Rev};

/// A change for the index.
#[derive(Debug)]
pub enum Change {
    Upsert(Box<IndexedListing>),
    Remove(Uuid, Rev),
}

impl Change {
    fn key(&self) -> (Uuid, Rev) {
        match self {
            Change::Upsert(l) => (l.id, l.rev()),
            Change::Remove(id, rev) => (*id, *rev),
        }
    }
}

enum Msg {
    Change(Change, Option<Uuid>),
    Begin,
    End(oneshot::Sender<bool>),
}

/// How far behind the index is: when the oldest change not yet committed arrived (Unix ms; 0
/// when every change is committed).
#[derive(Debug, Default)]
pub struct Progress {
    oldest_uncommitted_ms: AtomicI64,
}

impl Progress {
    /// Seconds the oldest uncommitted change has waited.
    pub fn lag_seconds(&self) -> f64 {
        match self.oldest_uncommitted_ms.load(Ordering::Relaxed) {
            0 => 0.0,
            since => (chrono::Utc::now().timestamp_millis() - since).max(0) as f64 / 1000.0,
        }
    }
}

/// The way to the writer thread. Dropping it closes the channel and waits for the thread's last
/// commit, which also releases the index's lock: a later process (or app in this process, e.g.
/// `sojourn seed` before `sojourn serve`) can open the same directory.
pub struct Writer {
    changes: Option<mpsc::Sender<Msg>>,
    thread: Option<std::thread::JoinHandle<()>>,
    pub progress: Arc<Progress>,
}

type Confirmed = tmpsc::UnboundedReceiver<Vec<(Uuid, Uuid)>>;

impl Writer {
    pub(super) fn start(index: SearchIndex, writer: IndexWriter, marker: Marker) -> std::io::Result<(Self, Confirmed)> {
        let (tx, rx) = mpsc::channel();
        let (confirm, confirmed) = tmpsc::unbounded_channel();
        let progress = Arc::new(Progress::default());
        let mut state = Loop {
            index,
            writer,
            marker,
            confirm,
            progress: progress.clone(),
            held: HashMap::new(),
            tokens: Vec::new(),
            rebuilding: false,
        };
        let thread = std::thread::Builder::new().name("search-writer".into()).spawn(move || state.run(&rx))?;
        Ok((Self { changes: Some(tx), thread: Some(thread), progress }, confirmed))
    }

    fn post(&self, msg: Msg) -> bool {
        self.changes.as_ref().is_some_and(|c| c.send(msg).is_ok())
    }

    /// Hands `change` to the writer thread (`token`: the pending row it settles); false if the
    /// thread has stopped.
    pub fn send(&self, change: Change, token: Option<Uuid>) -> bool {
        self.post(Msg::Change(change, token))
    }

    /// Starts a rebuild: every document goes; searchers keep the last commit until [`Writer::end`].
    pub fn begin(&self) -> bool {
        self.post(Msg::Begin)
    }

    /// Ends a rebuild: one commit makes it visible, and the directory is marked complete.
    /// Resolves to whether that commit succeeded.
    pub async fn end(&self) -> bool {
        let (done, result) = oneshot::channel();
        self.post(Msg::End(done)) && result.await.unwrap_or(false)
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.changes.take();
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("search: the writer thread panicked");
        }
    }
}

struct Loop {
    index: SearchIndex,
    writer: IndexWriter,
    marker: Marker,
    confirm: tmpsc::UnboundedSender<Vec<(Uuid, Uuid)>>,
    progress: Arc<Progress>,
    /// The revision of what the index holds (or last removed) per listing.
    held: HashMap<Uuid, Rev>,
    /// Tokens of the changes applied since the last commit.
    tokens: Vec<(Uuid, Uuid)>,
    rebuilding: bool,
}

impl Loop {
    /// Applies messages; commits when dirty, at most every [`COMMIT_EVERY`] (not while
    /// rebuilding); ends when every sender is gone (after a last commit).
    fn run(&mut self, rx: &mpsc::Receiver<Msg>) {
        let mut dirty_since: Option<Instant> = None;
        loop {
            let wait = match dirty_since {
                Some(since) if !self.rebuilding => COMMIT_EVERY.saturating_sub(since.elapsed()),
                _ => Duration::from_secs(3600),
            };
            match rx.recv_timeout(wait) {
                Ok(Msg::Change(change, token)) => {
                    self.apply(change, token);
                    if dirty_since.is_none() {
                        dirty_since = Some(Instant::now());
                        self.progress
                            .oldest_uncommitted_ms
                            .store(chrono::Utc::now().timestamp_millis(), Ordering::Relaxed);
                    }
                }
                Ok(Msg::Begin) => {
                    if let Err(e) = self.marker.clear() {
                        tracing::error!(error = %e, "search: clearing the completeness marker failed");
                    }
                    self.rebuilding = true;
                    self.held.clear();
                    if let Err(e) = self.writer.delete_all_documents() {
                        tracing::error!(error = %e, "search: emptying the index for a rebuild failed");
                    }
                    dirty_since.get_or_insert_with(Instant::now);
                }
                Ok(Msg::End(done)) => {
                    self.rebuilding = false;
                    let ok = self.commit() && self.marker.set().is_ok();
                    if ok {
                        self.merge_all();
                    }
                    dirty_since = None;
                    let _ = done.send(ok);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // A rebuild cut short is not committed: the marker stays cleared, so the next
                    // start rebuilds.
                    if dirty_since.is_some() && !self.rebuilding {
                        self.commit();
                    }
                    return;
                }
            }
            if !self.rebuilding && dirty_since.is_some_and(|since| since.elapsed() >= COMMIT_EVERY) {
                self.commit();
                dirty_since = None;
            }
        }
    }

    fn apply(&mut self, change: Change, token: Option<Uuid>) {
        let (id, rev) = change.key();
        if self.held.get(&id).is_some_and(|held| !rev.supersedes(*held)) {
            return;
        }
        self.held.insert(id, rev);
        let f = &self.index.fields;
        self.writer.delete_term(Term::from_field_text(f.id, &id.to_string()));
        if let Change::Upsert(l) = change
            && let Err(e) = self.writer.add_document(document(f, &l))
        {
            tracing::error!(error = %e, listing = %id, "search: indexing a listing failed");
        }
        if let Some(token) = token {
            self.tokens.push((id, token));
        }
    }

    /// Merges the whole index into one segment (after a rebuild): a search pays a cost per
    /// segment — typo and prefix matching walk each segment's dictionary — so one large segment
    /// (plus the small ones later commits add) answers faster than the handful a bulk build
    /// leaves. Waits for it (a few seconds at 100,000 listings; changes queue meanwhile), so a
    /// `sojourn search reindex` leaves a merged index behind.
    fn merge_all(&mut self) {
        let ids = match self.index.index.searchable_segment_ids() {
            Ok(ids) if ids.len() > 1 => ids,
            Ok(_) => return,
            Err(e) => {
                tracing::warn!(error = %e, "search: listing segments to merge failed");
                return;
            }
        };
        if let Err(e) = self.writer.merge(&ids).wait() {
            tracing::warn!(error = %e, "search: merging the rebuilt index failed; it stays in several segments");
        }
        if let Err(e) = self.index.reader.reload() {
            tracing::error!(error = %e, "search: reader reload failed");
        }
    }

    fn commit(&mut self) -> bool {
        if let Err(e) = self.writer.commit() {
            tracing::error!(error = %e, "search: commit failed");
            return false;
        }
        self.progress.oldest_uncommitted_ms.store(0, Ordering::Relaxed);
        if let Err(e) = self.index.reader.reload() {
            tracing::error!(error = %e, "search: reader reload failed");
        }
        if !self.tokens.is_empty() {
            let _ = self.confirm.send(std::mem::take(&mut self.tokens));
        }
        true
    }
}
