//! A shared cache for hot reads (listing detail), on Redis. Without Redis there is no cache:
//! each process reads its own database, which on one machine is as fast as a cache would be.
//! Entries expire after `redis.cache_ttl_secs` at most; writers forget the entries they change
//! (and consumers of their events forget them too, for writes made elsewhere). A Redis failure
//! is a miss, never an error.
//!
//! A read that missed may only store what it read if nothing was forgotten in between: a
//! reader that loaded the old row just before a change committed would otherwise put the old
//! value back right after the change forgot it, for a whole TTL. So each name has a generation
//! (`<prefix>cachegen:<name>`) that [`Cache::forget`] bumps; a miss notes it in its [`Ticket`]
//! and [`Cache::put`] stores only if it is unchanged (one Lua script, atomic).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use redis::Script;

use crate::redis::{Redis, Use};

/// KEYS: entry, generation. ARGV: the generation seen at the miss, value, TTL (s).
const PUT_IF_UNCHANGED: &str = r"
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
";

/// Generations outlive the entries by this much, so a slow reader's ticket still sees the bump.
const GENERATION_EXTRA_SECS: u64 = 3600;

#[derive(Clone, Default)]
pub struct Cache {
    redis: Option<Arc<Redis>>,
    put: Option<Arc<Script>>,
}

/// What a read of the cache found.
pub enum Lookup {
    Hit(Vec<u8>),
    /// Not cached: read the source, then [`Cache::put`] with this ticket.
    Miss(Ticket),
}

/// Permission to store the value read after a miss, valid while the name is not forgotten.
pub struct Ticket {
    name: String,
    /// `None`: no cache, or Redis failed at the lookup (then storing is pointless).
    generation: Option<String>,
}

impl Cache {
    pub fn new(redis: Option<Arc<Redis>>) -> Self {
        let put = redis.as_ref().map(|_| Arc::new(Script::new(PUT_IF_UNCHANGED)));
        Self { redis, put }
    }

    /// The Redis behind this cache, if any (the in-process [`crate::hot`] cache announces its
    /// forgets there).
    pub fn redis(&self) -> Option<&Arc<Redis>> {
        self.redis.as_ref()
    }

    pub fn enabled(&self) -> bool {
        self.redis.is_some()
    }

    /// The value cached under `name`, or a ticket to store it.
    pub async fn get(&self, name: &str) -> Lookup {
        let Some(redis) = &self.redis else { return Lookup::Miss(Ticket { name: name.to_owned(), generation: None }) };
        let keys = [redis.key(&format!("cache:{name}")), redis.key(&format!("cachegen:{name}"))];
        let found: Option<(Option<Vec<u8>>, Option<String>)> =
            redis.run(Use::Cache, |mut c| async move { redis::cmd("MGET").arg(&keys).query_async(&mut c).await }).await;
        let (value, generation) = match found {
            Some((value, generation)) => (value, Some(generation.unwrap_or_default())),
            None => (None, None),
        };
        if let Some(value) = value {
            redis.cache_hits.fetch_add(1, Ordering::Relaxed);
            return Lookup::Hit(value);
        }
        redis.cache_misses.fetch_add(1, Ordering::Relaxed);
        Lookup::Miss(Ticket { name: name.to_owned(), generation })
    }

    /// Stores `value` for the ticket's name for `redis.cache_ttl_secs`, unless the name was
    /// forgotten since the miss (the value may predate that change). Whether it was stored.
    pub async fn put(&self, ticket: Ticket, value: &[u8]) -> bool {
        let (Some(redis), Some(script), Some(generation)) = (&self.redis, &self.put, ticket.generation) else {
            return false;
        };
        let entry = redis.key(&format!("cache:{}", ticket.name));
        let gen_key = redis.key(&format!("cachegen:{}", ticket.name));
        let ttl = redis.cache_ttl.as_secs().max(1);
        let stored: Option<i64> = redis
            .run(Use::Cache, |mut c| async move {
                script.key(entry).key(gen_key).arg(generation).arg(value).arg(ttl).invoke_async(&mut c).await
            })
            .await;
        stored == Some(1)
    }

    /// Drops the entry under `name` and invalidates every outstanding ticket for it.
    pub async fn forget(&self, name: &str) {
        let Some(redis) = &self.redis else { return };
        let entry = redis.key(&format!("cache:{name}"));
        let gen_key = redis.key(&format!("cachegen:{name}"));
        let gen_ttl = redis.cache_ttl.as_secs().saturating_add(GENERATION_EXTRA_SECS);
        redis
            .run(Use::Cache, |mut c| async move {
                redis::pipe()
                    .atomic()
                    .incr(&gen_key, 1)
                    .ignore()
                    .expire(&gen_key, i64::try_from(gen_ttl).unwrap_or(i64::MAX))
                    .ignore()
                    .del(&entry)
                    .ignore()
                    .query_async::<()>(&mut c)
                    .await
            })
            .await;
    }
}
