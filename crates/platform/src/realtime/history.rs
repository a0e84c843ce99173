//! Events recently sent to each user, for reconnection catch-up. Bounded three ways: per user
//! (`realtime.history_per_user`), in age (`realtime.history_ttl_secs`) and in all
//! ([`MAX_EVENTS`]), so a busy process keeps a window, never an unbounded log.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

use super::hub::Outgoing;

/// Events kept across all users of a process.
pub(crate) const MAX_EVENTS: usize = 100_000;

pub(crate) struct History {
    per_user: HashMap<Uuid, VecDeque<Arc<Outgoing>>>,
    /// Users in the order their events were kept (oldest first), to forget the oldest event
    /// of all when full.
    order: VecDeque<Uuid>,
    per_user_cap: usize,
    ttl: Duration,
}

/// What a reconnecting client missed.
pub(crate) struct Replay {
    pub events: Vec<Arc<Outgoing>>,
    /// False when older events than those kept may have been missed (the client should
    /// refetch its state).
    pub complete: bool,
}

impl History {
    pub fn new(per_user_cap: usize, ttl: Duration) -> Self {
        Self { per_user: HashMap::new(), order: VecDeque::new(), per_user_cap, ttl }
    }

    pub fn keep(&mut self, user: Uuid, out: Arc<Outgoing>) {
        if self.per_user_cap == 0 || self.ttl.is_zero() {
            return;
        }
        let kept = self.per_user.entry(user).or_default();
        while kept.front().is_some_and(|e| e.at.elapsed() > self.ttl) || kept.len() >= self.per_user_cap {
            kept.pop_front();
        }
        kept.push_back(out);
        self.order.push_back(user);
        // `order` may name events already dropped above: it is only ever longer than the truth,
        // so the cap holds.
        while self.order.len() > MAX_EVENTS {
            let Some(oldest) = self.order.pop_front() else { break };
            if let Some(kept) = self.per_user.get_mut(&oldest) {
                kept.pop_front();
                if kept.is_empty() {
                    self.per_user.remove(&oldest);
                }
            }
        }
    }

    /// The events for `user` after `last` (an event id the client saw).
    pub fn replay(&self, user: Uuid, last: Uuid) -> Replay {
        let Some(kept) = self.per_user.get(&user) else { return Replay { events: Vec::new(), complete: false } };
        let fresh: Vec<&Arc<Outgoing>> = kept.iter().filter(|e| e.at.elapsed() <= self.ttl).collect();
        match fresh.iter().position(|e| e.id == last) {
            Some(at) => Replay { events: fresh[at + 1..].iter().map(|e| (*e).clone()).collect(), complete: true },
            // Ids are time-ordered (v7): what is newer than `last` is what was missed, and
            // nothing is lost only if something older than `last` is still kept.
            None => Replay {
                complete: fresh.first().is_some_and(|e| e.id < last),
                events: fresh.into_iter().filter(|e| e.id > last).cloned().collect(),
            },
        }
    }

    /// Forgets users whose newest event is too old.
    pub fn prune(&mut self) {
        let ttl = self.ttl;
        self.per_user.retain(|_, kept| kept.back().is_some_and(|e| e.at.elapsed() <= ttl));
        let users = &self.per_user;
        self.order.retain(|u| users.contains_key(u));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.per_user.values().map(VecDeque::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: u32) -> Arc<Outgoing> {
        Arc::new(Outgoing::new(kernel::new_id(), "e".into(), n.to_string()))
    }

    #[test]
    fn replays_after_the_last_seen_and_says_when_it_cannot() {
        let mut h = History::new(3, Duration::from_secs(60));
        let user = kernel::new_id();
        let events: Vec<_> = (0..5).map(event).collect();
        for e in &events {
            h.keep(user, e.clone());
        }
        // Kept: 2, 3, 4.
        let r = h.replay(user, events[2].id);
        assert!(r.complete);
        assert_eq!(r.events.iter().map(|e| e.data.as_str()).collect::<Vec<_>>(), ["3", "4"]);
        let r = h.replay(user, events[0].id);
        assert!(!r.complete, "event 1 was forgotten");
        assert_eq!(r.events.len(), 3);
        assert!(!h.replay(kernel::new_id(), events[0].id).complete);
    }

    #[test]
    fn holds_at_most_max_events_in_all() {
        let mut h = History::new(5, Duration::from_secs(60));
        for _ in 0..(MAX_EVENTS / 5 + 10) {
            let user = kernel::new_id();
            for n in 0..5 {
                h.keep(user, event(n));
            }
        }
        assert!(h.len() <= MAX_EVENTS);
        h.prune();
        assert!(h.len() <= MAX_EVENTS);
    }

    #[test]
    fn zero_keeps_nothing() {
        let mut h = History::new(0, Duration::from_secs(60));
        let user = kernel::new_id();
        h.keep(user, event(1));
        assert!(h.replay(user, kernel::new_id()).events.is_empty());
    }
}
