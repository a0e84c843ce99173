//! Answers of reference data, analytics and searches kept a while ([`Operation::cacheable`]),
//! so repeated questions do not spend Amadeus quota; bounded, the least recently used going
//! first. Identical misses at the same moment are coalesced: one asks Amadeus, the others wait
//! for its answer.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::OwnedMutexGuard;

use crate::provider::Request;

struct Entry {
    value: Value,
    expires: Instant,
    /// Position in the recency order.
    tick: u64,
}

#[derive(Default)]
struct Entries {
    by_key: HashMap<String, Entry>,
    /// Least recently used first.
    by_tick: BTreeMap<u64, String>,
    next_tick: u64,
}

type InFlight = Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>;

pub(super) struct Cache {
    entries: Mutex<Entries>,
    capacity: usize,
    in_flight: Arc<InFlight>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// Held by the one caller asking Amadeus for a key; others wait on it.
pub(super) struct Flight {
    key: String,
    guard: Option<OwnedMutexGuard<()>>,
    in_flight: Arc<InFlight>,
}

impl Drop for Flight {
    fn drop(&mut self) {
        let mut map = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(guard) = self.guard.take() {
            let mutex = OwnedMutexGuard::mutex(&guard).clone();
            drop(guard);
            // Only the map and this clone: nobody else is waiting.
            if map.get(&self.key).is_some_and(|m| Arc::ptr_eq(m, &mutex)) && Arc::strong_count(&mutex) == 2 {
                map.remove(&self.key);
            }
        }
    }
}

/// The cache key: operation, id and the query in a stable order.
pub(super) fn key(request: &Request) -> String {
    let mut query: Vec<_> = request.query.iter().collect();
    query.sort();
    let mut key = format!("{:?}\u{1f}{}", request.op, request.id.as_deref().unwrap_or(""));
    for (name, value) in query {
        key.push('\u{1f}');
        key.push_str(name);
        key.push('=');
        key.push_str(value);
    }
    key
}

impl Cache {
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::default(),
            capacity,
            in_flight: Arc::default(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The fresh answer for `key`, counted as a hit.
    pub(super) fn get(&self, key: &str) -> Option<Value> {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let Entries { by_key, by_tick, next_tick } = &mut *entries;
        let entry = by_key.get_mut(key)?;
        if entry.expires <= Instant::now() {
            by_tick.remove(&entry.tick);
            by_key.remove(key);
            return None;
        }
        by_tick.remove(&entry.tick);
        entry.tick = *next_tick;
        by_tick.insert(*next_tick, key.to_owned());
        *next_tick += 1;
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(entry.value.clone())
    }

    /// Counts a miss (the caller asks Amadeus).
    pub(super) fn miss(&self) {
        self.misses.fetch_add(1, Ordering::Relaxed);
    }

    /// Waits for any caller already asking Amadeus for `key`, then makes this one the asker.
    pub(super) async fn fly(&self, key: &str) -> Flight {
        let mutex = {
            let mut map = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
            map.entry(key.to_owned()).or_default().clone()
        };
        let guard = mutex.lock_owned().await;
        Flight { key: key.to_owned(), guard: Some(guard), in_flight: self.in_flight.clone() }
    }

    pub(super) fn put(&self, key: String, value: Value, ttl: Duration) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let Entries { by_key, by_tick, next_tick } = &mut *entries;
        if let Some(old) = by_key.remove(&key) {
            by_tick.remove(&old.tick);
        }
        while by_key.len() >= self.capacity {
            let Some((_, oldest)) = by_tick.pop_first() else { break };
            by_key.remove(&oldest);
        }
        let tick = *next_tick;
        *next_tick += 1;
        by_tick.insert(tick, key.clone());
        by_key.insert(key, Entry { value, expires: Instant::now() + ttl, tick });
    }

    /// (hits, misses) so far.
    pub(super) fn stats(&self) -> (u64, u64) {
        (self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed))
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).by_key.len()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;
    use crate::provider::Operation;

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn the_key_ignores_query_order_but_not_values() {
        let a = Request::new(Operation::Locations).param("keyword", Some("PAR")).param("subType", Some("CITY"));
        let b = Request::new(Operation::Locations).param("subType", Some("CITY")).param("keyword", Some("PAR"));
        let c = Request::new(Operation::Locations).param("subType", Some("CITY")).param("keyword", Some("PARI"));
        let d = Request::new(Operation::Airlines).param("subType", Some("CITY")).param("keyword", Some("PAR"));
        assert_eq!(key(&a), key(&b));
        assert_ne!(key(&a), key(&c));
        assert_ne!(key(&a), key(&d));
        assert_ne!(key(&Request::new(Operation::Activity).id("1")), key(&Request::new(Operation::Activity).id("2")));
    }

    #[test]
    fn the_least_recently_used_goes_first_and_stale_answers_are_dropped() {
        let cache = Cache::new(2);
        cache.put("a".into(), json!(1), HOUR);
        cache.put("b".into(), json!(2), HOUR);
        assert_eq!(cache.get("a"), Some(json!(1)));
        cache.put("c".into(), json!(3), HOUR);
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.get("b"), None, "b was the least recently used");
        assert_eq!(cache.get("a"), Some(json!(1)));
        assert_eq!(cache.get("c"), Some(json!(3)));
        cache.put("c".into(), json!(4), Duration::ZERO);
        assert_eq!(cache.get("c"), None);
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.stats(), (3, 0));
        let none = Cache::new(0);
        none.put("a".into(), json!(1), HOUR);
        assert_eq!(none.get("a"), None);
    }

    #[tokio::test]
    async fn identical_misses_wait_for_the_first() {
        let cache = Arc::new(Cache::new(10));
        let first = cache.fly("k").await;
        let waiter = {
            let cache = cache.clone();
            tokio::spawn(async move {
                let _flight = cache.fly("k").await;
                cache.get("k")
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        cache.put("k".into(), json!("answer"), HOUR);
        drop(first);
        assert_eq!(waiter.await.unwrap(), Some(json!("answer")));
        assert!(cache.in_flight.lock().unwrap().is_empty(), "the last flight cleans up");
    }
}
