//! A shared cache for hot reads (listing detail), on Redis. Without Redis there is no cache:
//! each process reads its own database, which on one machine is as fast as a cache would be.
//! Entries expire after `redis.cache_ttl_secs` at most; writers forget the entries they change
//! (and consumers of their events forget them too, for writes made elsewhere). A Redis failure
//! is a miss, never an error.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::redis::{Redis, Use};

#[derive(Clone, Default)]
pub struct Cache {
    redis: Option<Arc<Redis>>,
}

impl Cache {
    pub fn new(redis: Option<Arc<Redis>>) -> Self {
        Self { redis }
    }

    pub fn enabled(&self) -> bool {
        self.redis.is_some()
    }

    /// The value cached under `name`, if any.
    pub async fn get(&self, name: &str) -> Option<Vec<u8>> {
        let redis = self.redis.as_ref()?;
        let key = redis.key(&format!("cache:{name}"));
        let found: Option<Vec<u8>> = redis
            .run(Use::Cache, |mut c| async move { redis::cmd("GET").arg(key).query_async(&mut c).await })
            .await
            .flatten();
        let counter = if found.is_some() { &redis.cache_hits } else { &redis.cache_misses };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    pub async fn put(&self, name: &str, value: &[u8]) {
        let Some(redis) = &self.redis else { return };
        let key = redis.key(&format!("cache:{name}"));
        let ttl = redis.cache_ttl.as_secs().max(1);
        let value = value.to_vec();
        redis
            .run(Use::Cache, |mut c| async move {
                redis::cmd("SET").arg(key).arg(value).arg("EX").arg(ttl).query_async::<()>(&mut c).await
            })
            .await;
    }

    pub async fn forget(&self, name: &str) {
        let Some(redis) = &self.redis else { return };
        let key = redis.key(&format!("cache:{name}"));
        redis.run(Use::Cache, |mut c| async move { redis::cmd("DEL").arg(key).query_async::<()>(&mut c).await }).await;
    }
}
