//! Verified-token cache: signature checks cost tens of microseconds, a hash lookup well under
//! one. Keyed by the SHA-256 of the whole token (a cached entry can only be hit by the exact
//! same bytes), bounded in size, entries dropped once expired.

use std::collections::HashMap;
use std::sync::Mutex;

use aws_lc_rs::digest;

use super::token::AccessClaims;

const SHARDS: usize = 16;

type Key = [u8; 32];

pub struct VerifiedCache {
    shards: Vec<Mutex<HashMap<Key, AccessClaims>>>,
    per_shard: usize,
}

fn key(raw: &str) -> Key {
    let d = digest::digest(&digest::SHA256, raw.as_bytes());
    let mut k = [0u8; 32];
    k.copy_from_slice(d.as_ref());
    k
}

impl VerifiedCache {
    pub fn new(capacity: usize) -> Self {
        Self { shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(), per_shard: capacity.div_ceil(SHARDS) }
    }

    fn shard(&self, key: &Key) -> Option<&Mutex<HashMap<Key, AccessClaims>>> {
        self.shards.get(usize::from(key[0]) % SHARDS)
    }

    pub fn get(&self, raw: &str) -> Option<AccessClaims> {
        let k = key(raw);
        self.shard(&k)?.lock().ok()?.get(&k).cloned()
    }

    pub fn insert(&self, raw: &str, claims: AccessClaims, now: i64) {
        let k = key(raw);
        let Some(shard) = self.shard(&k) else { return };
        let Ok(mut map) = shard.lock() else { return };
        if map.len() >= self.per_shard {
            map.retain(|_, c| c.exp > now);
            if map.len() >= self.per_shard {
                // Still full of live tokens: start over rather than track recency.
                map.clear();
            }
        }
        map.insert(k, claims);
    }
}
