//! An in-process cache of finished public answers (issue 32): the whole response body, envelope
//! included, serialised once per change and served as it is, with a strong `ETag` so a client
//! that already holds it gets `304 Not Modified` and no body. A hit does no database read and no
//! JSON work; on this machine that is most of what a public read cost.
//!
//! **Exact, not eventually right.** Entries are grouped (one group per listing, say) and a
//! change forgets its whole group right after its commit, in the writer's own path and again in
//! the owning context's event consumers (for changes made by other processes). A reader that
//! missed may store what it read only if nothing in its shard was forgotten since its miss:
//! without that check a reader that loaded the old row just before a change committed would
//! put the old answer back right after the change forgot it (the race [`crate::cache`]
//! describes). Each shard has an epoch that [`HotCache::forget`] bumps; a miss notes it in its
//! [`HotTicket`] and [`HotCache::put`] stores only if it is unchanged. A shard covers many
//! groups, so a change elsewhere in it may refuse a store that was in fact fresh: that costs a
//! miss, never a stale answer, and keeps the bookkeeping bounded.
//!
//! **Several processes.** With Redis, every forget is also announced on
//! `<prefix>hot:<namespace>`, and every instance drops its copy of the group on hearing it. While
//! the subscription is down (and until it is made again) the cache is off and empty, since
//! announcements may be missed; with NATS but no Redis (a split deployment that may run several
//! replicas of a context with no way to tell each other) it stays off, and reads go to the
//! database as before.
//!
//! **Bounded.** Entries are counted by their size; past the byte budget
//! (`server.hot_cache_bytes`) the least recently used groups go first (a clock: a group read
//! since the hand last passed gets a second chance). A budget of 0 turns the cache off.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use futures_util::StreamExt;
use uuid::Uuid;

use crate::redis::{Redis, Use};

const SHARDS: usize = 32;

/// A finished answer: the body (envelope included), its strong ETag and, for answers that
/// some callers see differently (an owner sees their drafts' photos), whose it is.
#[derive(Debug)]
pub struct Hot {
    pub body: Bytes,
    pub etag: HeaderValue,
    pub owner: Option<Uuid>,
}

impl Hot {
    /// `data` in the success envelope, with the ETag `"<version>.<hash of the body>"`: the
    /// version first, so it still guards writes in `If-Match`
    /// ([`crate::http::if_match_version`] reads the part before the dot); the hash, because
    /// what is shown may change without a new version (a rating, a photo made ready).
    /// A value that cannot be serialised is a `500`, never an empty answer kept for others.
    pub fn json<T: serde::Serialize>(data: &T, version: i64, owner: Option<Uuid>) -> Result<Self, kernel::ApiError> {
        Self::bare(&kernel::Envelope::ok(data), version, owner)
    }

    /// `data` as it serialises, with no envelope added: an envelope the caller built (one with
    /// a `message`), or a part that answers are made of (an account that several routes show
    /// inside their own envelopes), cached like whole answers.
    pub fn bare<T: serde::Serialize>(data: &T, version: i64, owner: Option<Uuid>) -> Result<Self, kernel::ApiError> {
        let body = serde_json::to_vec(data).map_err(|error| {
            tracing::error!(%error, "an answer could not be serialised");
            kernel::ApiError::internal()
        })?;
        let mut hasher = DefaultHasher::new();
        body.hash(&mut hasher);
        let etag = HeaderValue::from_str(&format!("\"{version}.{:016x}\"", hasher.finish()))
            .unwrap_or(HeaderValue::from_static("\"0\""));
        Ok(Self { body: Bytes::from(body), etag, owner })
    }

    /// The answer to a request that sent `if_none_match`: `304` with no body when it names
    /// this ETag, else `200` with the body as stored.
    pub fn respond(&self, if_none_match: Option<&HeaderValue>) -> Response {
        let mut response = if if_none_match.is_some_and(|v| etag_matches(v.as_bytes(), self.etag.as_bytes())) {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NOT_MODIFIED;
            r
        } else {
            let mut r = Response::new(Body::from(self.body.clone()));
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r
        };
        response.headers_mut().insert(header::ETAG, self.etag.clone());
        response
    }

    fn size(&self) -> usize {
        self.body.len() + self.etag.len() + std::mem::size_of::<Self>() + 64
    }
}

/// `If-None-Match: "a", W/"b"` against `etag` (weak comparison, as RFC 9110 asks for it).
fn etag_matches(list: &[u8], etag: &[u8]) -> bool {
    list.split(|&c| c == b',').any(|candidate| {
        let candidate = candidate.trim_ascii();
        let candidate = candidate.strip_prefix(b"W/").unwrap_or(candidate);
        candidate == etag || candidate == b"*"
    })
}

/// What [`HotCache::get`] found.
pub enum HotLookup {
    Hit(Arc<Hot>),
    /// Not cached: build the answer, then [`HotCache::put`] it with this ticket.
    Miss(HotTicket),
}

/// Permission to store the answer built after a miss, valid while nothing in its shard is
/// forgotten.
pub struct HotTicket {
    group: String,
    variant: String,
    shard: usize,
    epoch: u64,
}

#[derive(Default)]
struct Group {
    variants: Vec<(Box<str>, Arc<Hot>)>,
    bytes: usize,
    referenced: bool,
}

#[derive(Default)]
struct Shard {
    groups: HashMap<Box<str>, Group>,
    /// The clock's order of groups; names of groups since forgotten are skipped.
    clock: VecDeque<Box<str>>,
    bytes: usize,
    epoch: u64,
}

impl Shard {
    fn drop_group(&mut self, group: &str) {
        if let Some(g) = self.groups.remove(group) {
            self.bytes -= g.bytes;
        }
    }

    fn clear(&mut self) {
        self.groups.clear();
        self.clock.clear();
        self.bytes = 0;
        self.epoch += 1;
    }

    /// Evicts until `budget` holds; the number of groups evicted.
    fn evict(&mut self, budget: usize) -> u64 {
        let mut evicted = 0;
        while self.bytes > budget {
            let Some(name) = self.clock.pop_front() else { break };
            match self.groups.get_mut(&name) {
                Some(g) if g.referenced => {
                    g.referenced = false;
                    self.clock.push_back(name);
                }
                Some(_) => {
                    self.drop_group(&name);
                    evicted += 1;
                }
                None => {}
            }
        }
        // Names of forgotten groups linger in the clock; rebuild it before they dominate.
        if self.clock.len() > 2 * self.groups.len() + 64 {
            self.clock = self.groups.keys().cloned().collect();
        }
        evicted
    }
}

struct Inner {
    namespace: &'static str,
    /// Tags this instance's announcements.
    instance: Uuid,
    shards: Box<[Mutex<Shard>]>,
    shard_budget: usize,
    hasher: RandomState,
    /// Off: no budget, or Redis configured and its announcements not heard right now, or a
    /// split deployment without Redis.
    online: AtomicBool,
    redis: Option<Arc<Redis>>,
    hits: AtomicU64,
    misses: AtomicU64,
    evictions: AtomicU64,
}

/// The cache of one context (cheap to clone; clones share it).
#[derive(Clone)]
pub struct HotCache {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for HotCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HotCache")
    }
}

fn lock(shard: &Mutex<Shard>) -> std::sync::MutexGuard<'_, Shard> {
    shard.lock().unwrap_or_else(PoisonError::into_inner)
}

impl HotCache {
    /// The cache of `namespace` (the context's name) holding up to `budget_bytes`. With
    /// `redis`, forgets are shared with the other instances (see the module docs); `split`
    /// without `redis` leaves the cache off.
    pub fn new(namespace: &'static str, budget_bytes: usize, redis: Option<Arc<Redis>>, split: bool) -> Self {
        let enabled = budget_bytes > 0 && (redis.is_some() || !split);
        let inner = Arc::new(Inner {
            namespace,
            instance: kernel::new_id(),
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            shard_budget: budget_bytes / SHARDS,
            hasher: RandomState::new(),
            // With Redis: on once subscribed.
            online: AtomicBool::new(enabled && redis.is_none()),
            redis: redis.filter(|_| enabled),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            evictions: AtomicU64::new(0),
        });
        if let Some(redis) = inner.redis.clone()
            && let Ok(handle) = tokio::runtime::Handle::try_current()
        {
            handle.spawn(listen(Arc::downgrade(&inner), redis));
        }
        Self { inner }
    }

    /// A cache that never holds anything (tests, tools).
    pub fn off() -> Self {
        Self::new("off", 0, None, false)
    }

    /// Whether it may hold anything at all (it may still be offline for a while, with Redis).
    pub fn enabled(&self) -> bool {
        self.inner.shard_budget > 0 && (self.inner.redis.is_some() || self.inner.online.load(Ordering::Relaxed))
    }

    fn shard_of(&self, group: &str) -> usize {
        usize::try_from(self.inner.hasher.hash_one(group) % SHARDS as u64).unwrap_or(0)
    }

    /// The answer cached as `variant` of `group`, or a ticket to store it once built.
    pub fn get(&self, group: &str, variant: &str) -> HotLookup {
        let shard = self.shard_of(group);
        let mut s = lock(&self.inner.shards[shard]);
        if self.inner.online.load(Ordering::Acquire)
            && let Some(g) = s.groups.get_mut(group)
            && let Some((_, hot)) = g.variants.iter().find(|(v, _)| &**v == variant)
        {
            let hot = hot.clone();
            g.referenced = true;
            drop(s);
            self.inner.hits.fetch_add(1, Ordering::Relaxed);
            return HotLookup::Hit(hot);
        }
        let epoch = s.epoch;
        drop(s);
        self.inner.misses.fetch_add(1, Ordering::Relaxed);
        HotLookup::Miss(HotTicket { group: group.to_owned(), variant: variant.to_owned(), shard, epoch })
    }

    /// Stores `hot` for the ticket, unless something in its shard was forgotten since the
    /// miss (then `hot` may predate that change), the cache is off, or `hot` alone exceeds the
    /// shard's budget. Returns `hot`, shared, for the caller to answer with.
    pub fn put(&self, ticket: HotTicket, hot: Hot) -> Arc<Hot> {
        let hot = Arc::new(hot);
        let size = hot.size();
        if size > self.inner.shard_budget {
            return hot;
        }
        let mut s = lock(&self.inner.shards[ticket.shard]);
        if s.epoch != ticket.epoch || !self.inner.online.load(Ordering::Acquire) {
            return hot;
        }
        let fresh = !s.groups.contains_key(ticket.group.as_str());
        let g = s.groups.entry(ticket.group.as_str().into()).or_default();
        let mut freed = 0;
        if let Some(i) = g.variants.iter().position(|(v, _)| **v == *ticket.variant) {
            freed = g.variants.swap_remove(i).1.size();
        }
        g.variants.push((ticket.variant.into_boxed_str(), hot.clone()));
        g.bytes = g.bytes + size - freed;
        s.bytes = s.bytes + size - freed;
        if fresh {
            s.clock.push_back(ticket.group.into_boxed_str());
        }
        let budget = self.inner.shard_budget;
        let evicted = s.evict(budget);
        drop(s);
        if evicted > 0 {
            self.inner.evictions.fetch_add(evicted, Ordering::Relaxed);
        }
        hot
    }

    /// Drops every answer of `group` here, refuses every outstanding ticket of its shard, and
    /// (with Redis) tells the other instances to do the same.
    pub async fn forget(&self, group: &str) {
        self.forget_here(group);
        if let Some(redis) = &self.inner.redis {
            let channel = redis.key(&format!("hot:{}", self.inner.namespace));
            // Tagged with this instance, which has forgotten already and ignores its own.
            let message = format!("{} {group}", self.inner.instance);
            redis
                .run(Use::Cache, |mut c| async move {
                    redis::cmd("PUBLISH").arg(channel).arg(message).query_async::<()>(&mut c).await
                })
                .await;
        }
    }

    fn forget_here(&self, group: &str) {
        let mut s = lock(&self.inner.shards[self.shard_of(group)]);
        s.epoch += 1;
        s.drop_group(group);
    }

    fn clear(&self) {
        for shard in &self.inner.shards {
            lock(shard).clear();
        }
    }

    /// `sojourn_hot_cache_*` lines for `/metrics`. The families' `# HELP`/`# TYPE` lines come
    /// with them, so only one cache per process may be registered as a metrics source: catalog's
    /// is; identity's is not (sharing the families needs one renderer for every cache).
    pub fn render_metrics(&self, out: &mut String) {
        use std::fmt::Write as _;
        let ns = self.inner.namespace;
        let (entries, bytes) = self.inner.shards.iter().fold((0, 0), |(e, b), s| {
            let s = lock(s);
            (e + s.groups.values().map(|g| g.variants.len()).sum::<usize>(), b + s.bytes)
        });
        let _ = writeln!(
            out,
            "# HELP sojourn_hot_cache_hits_total Reads answered from the in-process hot cache.\n# TYPE sojourn_hot_cache_hits_total counter\nsojourn_hot_cache_hits_total{{context=\"{ns}\"}} {}",
            self.inner.hits.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP sojourn_hot_cache_misses_total Reads the hot cache could not answer.\n# TYPE sojourn_hot_cache_misses_total counter\nsojourn_hot_cache_misses_total{{context=\"{ns}\"}} {}",
            self.inner.misses.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP sojourn_hot_cache_evictions_total Answers dropped to stay within the cache's bytes.\n# TYPE sojourn_hot_cache_evictions_total counter\nsojourn_hot_cache_evictions_total{{context=\"{ns}\"}} {}",
            self.inner.evictions.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP sojourn_hot_cache_entries Answers held by the hot cache.\n# TYPE sojourn_hot_cache_entries gauge\nsojourn_hot_cache_entries{{context=\"{ns}\"}} {entries}"
        );
        let _ = writeln!(
            out,
            "# HELP sojourn_hot_cache_bytes Bytes held by the hot cache.\n# TYPE sojourn_hot_cache_bytes gauge\nsojourn_hot_cache_bytes{{context=\"{ns}\"}} {bytes}"
        );
    }
}

/// A consumer that forgets, after an event's commit, the group `group_of` names for it (none:
/// nothing): the backstop of a context whose cached answers may change by writes committed in
/// another process, which announce themselves as events.
pub struct ForgetOnEvent {
    pub cache: HotCache,
    pub group_of: fn(&kernel::EventEnvelope) -> Option<String>,
}

#[async_trait::async_trait]
impl crate::events::EventHandler for ForgetOnEvent {
    async fn handle(
        &self,
        _tx: &mut crate::db::Tx,
        _event: &kernel::EventEnvelope,
    ) -> Result<(), crate::events::HandlerError> {
        Ok(())
    }

    async fn after_commit(&self, event: &kernel::EventEnvelope) {
        if let Some(group) = (self.group_of)(event) {
            self.cache.forget(&group).await;
        }
    }
}

impl crate::metrics::MetricsSource for HotCache {
    fn render(&self, out: &mut String) {
        self.render_metrics(out);
    }
}

/// Hears the other instances' forgets for as long as the cache lives. The cache is on only
/// while subscribed, and emptied at each (re)subscription: what was announced meanwhile is lost.
async fn listen(cache: std::sync::Weak<Inner>, redis: Arc<Redis>) {
    const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
    loop {
        let Some(inner) = cache.upgrade() else { return };
        let channel = redis.key(&format!("hot:{}", inner.namespace));
        drop(inner);
        let connecting = tokio::time::timeout(CONNECT_TIMEOUT, redis.client().get_async_pubsub()).await;
        if let Ok(Ok(mut pubsub)) = connecting
            && pubsub.subscribe(&channel).await.is_ok()
        {
            let Some(inner) = cache.upgrade() else { return };
            let here = HotCache { inner };
            here.clear();
            here.inner.online.store(true, Ordering::Release);
            drop(here);
            let mut messages = pubsub.on_message();
            while let Some(message) = messages.next().await {
                let Some(inner) = cache.upgrade() else { return };
                let payload = message.get_payload::<String>().unwrap_or_default();
                match payload.split_once(' ') {
                    Some((from, _)) if from == inner.instance.to_string() => {}
                    Some((_, group)) => HotCache { inner }.forget_here(group),
                    None => {}
                }
            }
            let Some(inner) = cache.upgrade() else { return };
            inner.online.store(false, Ordering::Release);
            HotCache { inner }.clear();
            tracing::warn!("Redis hot-cache channel lost; the local cache is off until it is back");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hot(n: i64, len: usize) -> Hot {
        Hot::json(&"x".repeat(len), n, None).expect("a string serialises")
    }

    fn miss(cache: &HotCache, group: &str) -> HotTicket {
        match cache.get(group, "v") {
            HotLookup::Miss(t) => t,
            HotLookup::Hit(_) => panic!("expected a miss"),
        }
    }

    #[test]
    fn a_store_after_a_forget_is_refused() {
        let cache = HotCache::new("t", 1 << 20, None, false);
        let ticket = miss(&cache, "a");
        // A change commits and forgets while the reader builds its (now old) answer.
        cache.forget_here("a");
        cache.put(ticket, hot(1, 10));
        assert!(matches!(cache.get("a", "v"), HotLookup::Miss(_)), "the old answer was not put back");
        let ticket = miss(&cache, "a");
        cache.put(ticket, hot(2, 10));
        assert!(matches!(cache.get("a", "v"), HotLookup::Hit(h) if h.etag.to_str().unwrap().starts_with("\"2.")));
    }

    #[test]
    fn the_budget_holds() {
        let cache = HotCache::new("t", SHARDS * 4096, None, false);
        for i in 0..1000 {
            let t = miss(&cache, &format!("g{i}"));
            cache.put(t, hot(1, 500));
        }
        for s in cache.inner.shards.iter() {
            let s = lock(s);
            assert!(s.bytes <= 4096);
            assert!(s.clock.len() <= 2 * s.groups.len() + 64);
        }
        assert!(cache.inner.evictions.load(Ordering::Relaxed) > 0);
    }

    #[test]
    fn off_never_holds() {
        let cache = HotCache::off();
        let t = miss(&cache, "a");
        cache.put(t, hot(1, 1));
        assert!(matches!(cache.get("a", "v"), HotLookup::Miss(_)));
        let split = HotCache::new("t", 1 << 20, None, true);
        let t = miss(&split, "a");
        split.put(t, hot(1, 1));
        assert!(matches!(split.get("a", "v"), HotLookup::Miss(_)));
    }

    #[test]
    fn if_none_match_lists() {
        assert!(etag_matches(b"\"1.ab\"", b"\"1.ab\""));
        assert!(etag_matches(b"\"x\", W/\"1.ab\"", b"\"1.ab\""));
        assert!(etag_matches(b"*", b"\"1.ab\""));
        assert!(!etag_matches(b"\"1.ac\"", b"\"1.ab\""));
        let h = hot(3, 5);
        assert_eq!(h.respond(Some(&h.etag.clone())).status(), StatusCode::NOT_MODIFIED);
        assert_eq!(h.respond(Some(&HeaderValue::from_static("\"3\""))).status(), StatusCode::OK);
    }
}
