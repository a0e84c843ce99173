//! Keeping the index whole: at start-up, and on an administrator's reindex.
//!
//! - The index directory holds a finished build (its marker): changes this database recorded
//!   but the index never confirmed committed (a crash within the writer's 250 ms) are replayed,
//!   and searches are served at once.
//! - It does not (new directory, new schema version, a rebuild cut short): the index is rebuilt
//!   in the background while searches answer `503 search_warming_up` — readiness is not held.
//!   From this database's copies when it has them (a schema change: seconds for 100k listings),
//!   else first from the owners' feeds (a new process, a database from before views were kept).
//! - A reindex (`POST /api/v1/admin/search/reindex`, `sojourn search reindex`) walks the feeds —
//!   catalog's listings, booking's availability, reviews' ratings when they run — into this
//!   database (forgetting listings catalog no longer publishes), then rebuilds; searchers keep
//!   the old index until the new one is committed whole. Reviews unreachable is no failure:
//!   the ratings this database has from events are used.
//!
//! Events keep flowing meanwhile: the writer drops whichever of a rebuild's snapshot and an
//! event's change is older.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use platform::contracts::{Contracts, FeedKind};
use platform::db::Db;
use serde::Serialize;
use uuid::Uuid;

use crate::domain::Rev;
use crate::index::Change;
use crate::indexing::{self, Indexing};
use crate::store;

/// Listings read per page, from the feeds and from this database.
const PAGE: usize = 1_000;

/// Where a rebuild took its listings from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// This database's copies.
    Database,
    /// The owners' feeds, then this database.
    Feeds,
}

/// What the last rebuild did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RebuildReport {
    #[schema(value_type = String)]
    pub source: Source,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Listings indexed.
    pub listings: usize,
    pub seconds: f64,
    pub ok: bool,
}

/// The state of the index's builds, shared by the HTTP handlers.
pub struct Rebuilds {
    pub indexing: Arc<Indexing>,
    db: Db,
    contracts: Arc<Contracts>,
    /// Whether searches are answered (false only while a first build runs).
    serving: AtomicBool,
    running: AtomicBool,
    last: std::sync::Mutex<Option<RebuildReport>>,
}

impl Rebuilds {
    pub fn new(indexing: Arc<Indexing>, db: Db, contracts: Arc<Contracts>) -> Arc<Self> {
        Arc::new(Self {
            indexing,
            db,
            contracts,
            serving: AtomicBool::new(false),
            running: AtomicBool::new(false),
            last: std::sync::Mutex::new(None),
        })
    }

    pub fn serving(&self) -> bool {
        self.serving.load(Ordering::Acquire)
    }

    pub fn running(&self) -> bool {
        self.running.load(Ordering::Acquire)
    }

    pub fn last(&self) -> Option<RebuildReport> {
        self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Start-up: serve at once and replay unconfirmed changes when the index is `complete`, else
    /// rebuild it (from this database when it has the views, else from the feeds).
    pub async fn start(self: &Arc<Self>, complete: bool, force_feeds: bool) {
        if complete {
            // The finished build is searched until a forced reindex replaces it.
            self.serving.store(true, Ordering::Release);
        }
        if complete && !force_feeds {
            if let Err(e) = self.replay_pending().await {
                tracing::error!(error = %e, "search: replaying unconfirmed changes failed");
            }
            return;
        }
        let needs_feeds = force_feeds || self.database_is_not_enough().await;
        let source = if needs_feeds { Source::Feeds } else { Source::Database };
        if !self.rebuild(source).await {
            tracing::error!("search: the start-up rebuild did not finish; searches stay unavailable until a reindex");
        }
    }

    /// Whether this database lacks what a rebuild needs: views recorded before they were kept,
    /// or nothing at all while catalog has a feed (a new search process).
    async fn database_is_not_enough(&self) -> bool {
        let missing = store::views_missing(&self.db).await.unwrap_or(true);
        let empty = store::searchable_page(&self.db, Uuid::nil(), 1).await.map(|p| p.is_empty()).unwrap_or(true);
        missing || (empty && self.contracts.feed(FeedKind::Listings).is_some())
    }

    /// Starts a reindex from the feeds unless one runs; false if one does.
    pub fn reindex(self: &Arc<Self>) -> bool {
        if self.running() {
            return false;
        }
        let me = self.clone();
        tokio::spawn(async move {
            me.rebuild(Source::Feeds).await;
        });
        true
    }

    /// Rebuilds the index from `source`; searches are served once it is committed.
    pub async fn rebuild(&self, source: Source) -> bool {
        if self.running.swap(true, Ordering::AcqRel) {
            return false;
        }
        let started = Instant::now();
        let mut report = RebuildReport {
            source,
            started_at: chrono::Utc::now(),
            finished_at: None,
            listings: 0,
            seconds: 0.0,
            ok: false,
        };
        *self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(report.clone());
        tracing::info!(?source, "search: rebuilding the index");
        let result = self.rebuild_from(source).await;
        report.finished_at = Some(chrono::Utc::now());
        report.seconds = started.elapsed().as_secs_f64();
        match result {
            Ok(n) => {
                report.listings = n;
                report.ok = true;
                self.serving.store(true, Ordering::Release);
                tracing::info!(listings = n, seconds = report.seconds, "search: index rebuilt");
            }
            Err(e) => tracing::error!(error = %e, "search: rebuilding the index failed"),
        }
        *self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(report.clone());
        self.running.store(false, Ordering::Release);
        report.ok
    }

    async fn rebuild_from(&self, source: Source) -> Result<usize, String> {
        let writer = &self.indexing.writer;
        let pending = store::pending_all(&self.db).await.map_err(|e| e.to_string())?;
        if source == Source::Feeds {
            self.walk_feeds().await?;
        }
        if !writer.begin() {
            return Err("the search writer has stopped".into());
        }
        let mut after = Uuid::nil();
        let mut count = 0;
        loop {
            let page = store::searchable_page(&self.db, after, PAGE as i64).await.map_err(|e| e.to_string())?;
            let Some(last) = page.last().map(|l| l.id) else { break };
            count += page.len();
            for l in page {
                writer.send(Change::Upsert(Box::new(l)), None);
            }
            after = last;
        }
        // Changes recorded before the rebuild and not confirmed: settled by its commit.
        self.resend(pending).await?;
        if !writer.end().await {
            return Err("the rebuild's commit failed".into());
        }
        Ok(count)
    }

    async fn assemble(&self, id: Uuid) -> Result<Option<crate::domain::IndexedListing>, String> {
        let mut tx = self.db.begin().await.map_err(|e| e.to_string())?;
        let l = store::assemble(&mut tx, id).await.map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        Ok(l)
    }

    /// Re-sends what this database holds for changes the index never confirmed.
    async fn replay_pending(&self) -> Result<(), String> {
        let pending = store::pending_all(&self.db).await.map_err(|e| e.to_string())?;
        if !pending.is_empty() {
            tracing::info!(changes = pending.len(), "search: replaying changes the index had not committed");
        }
        self.resend(pending).await
    }

    /// Sends what this database holds now for each pending (listing, token).
    async fn resend(&self, pending: Vec<(Uuid, Uuid)>) -> Result<(), String> {
        for (id, token) in pending {
            let change = match self.assemble(id).await? {
                Some(l) => Change::Upsert(Box::new(l)),
                None => Change::Remove(id, Rev::default()),
            };
            self.indexing.writer.send(change, Some(token));
        }
        Ok(())
    }

    /// Applies every item of the owners' feeds to this database (not the index: the rebuild
    /// that follows reads it all back), and forgets listings catalog no longer publishes.
    async fn walk_feeds(&self) -> Result<(), String> {
        let Some(listings) = self.contracts.feed(FeedKind::Listings) else {
            tracing::warn!("search: catalog's feed is not reachable from this process; rebuilding from this database");
            return Ok(());
        };
        let now = || self.indexing.clock.now();
        let mut seen = HashSet::new();
        let mut after: Option<String> = None;
        loop {
            let page = with_retries(|| listings.page(FeedKind::Listings, after.as_deref(), PAGE)).await?;
            let mut tx = self.db.begin().await.map_err(|e| e.to_string())?;
            for item in &page.items {
                if let Some(id) = item["id"].as_str().and_then(|s| s.parse::<Uuid>().ok()) {
                    seen.insert(id);
                }
                indexing::listing(&mut tx, item, false, now()).await.map_err(|e| e.to_string())?;
            }
            tx.commit().await.map_err(|e| e.to_string())?;
            match page.next {
                Some(next) if !page.items.is_empty() => after = Some(next),
                _ => break,
            }
        }
        let gone: Vec<Uuid> = store::indexed_ids(&self.db)
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .filter(|id| !seen.contains(id))
            .collect();
        for chunk in gone.chunks(PAGE) {
            let mut tx = self.db.begin().await.map_err(|e| e.to_string())?;
            for id in chunk {
                store::forget(&mut tx, *id, now()).await.map_err(|e| e.to_string())?;
            }
            tx.commit().await.map_err(|e| e.to_string())?;
        }
        self.walk_signals(FeedKind::Availability).await?;
        // A rating only adds to a listing: reviews down, or not deployed, leaves the ratings this
        // database has from events, and must not keep the index from being built.
        if let Err(e) = self.walk_signals(FeedKind::Ratings).await {
            tracing::warn!(error = %e, "search: reviews' ratings feed could not be read; rebuilding with the ratings known here");
        }
        Ok(())
    }

    /// Applies every item of booking's availability or reviews' ratings feed to this database;
    /// nothing when no owner of it runs here or at a configured URL.
    async fn walk_signals(&self, kind: FeedKind) -> Result<(), String> {
        let Some(feed) = self.contracts.feed(kind) else { return Ok(()) };
        let now = || self.indexing.clock.now();
        let mut after: Option<String> = None;
        loop {
            let page = with_retries(|| feed.page(kind, after.as_deref(), PAGE)).await?;
            let mut tx = self.db.begin().await.map_err(|e| e.to_string())?;
            for item in &page.items {
                let applied = match kind {
                    FeedKind::Availability => indexing::availability(&mut tx, item, now()).await,
                    _ => indexing::rating(&mut tx, item, now()).await,
                };
                applied.map_err(|e| e.to_string())?;
            }
            tx.commit().await.map_err(|e| e.to_string())?;
            match page.next {
                Some(next) if !page.items.is_empty() => after = Some(next),
                _ => return Ok(()),
            }
        }
    }
}

/// A feed page, asked up to five times over ~15 s (an owner restarting).
async fn with_retries<F, Fut>(mut ask: F) -> Result<platform::contracts::FeedPage, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<platform::contracts::FeedPage, kernel::ApiError>>,
{
    let mut wait = Duration::from_millis(500);
    for attempt in 1..=5 {
        match ask().await {
            Ok(page) => return Ok(page),
            Err(e) if attempt < 5 => {
                tracing::warn!(error = %e.message, attempt, "search: a feed could not be read; retrying");
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
            Err(e) => return Err(format!("reading a feed: {}", e.message)),
        }
    }
    Err("reading a feed failed".into())
}
