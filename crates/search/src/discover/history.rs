//! A signed-in caller's listing searches go to their history, which identity keeps (one store
//! with DreamScape's recorded hotel, flight and activity searches): each is published as
//! `search.performed` `{userId, query, resultsCount, at}` through this context's outbox, and
//! identity's consumer records it.
//!
//! The event is written off the request (a spawned task), so a search never waits for a write:
//! it reaches the history on the relay's next pass. The same user repeating the identical
//! query within [`REPEAT_WINDOW`] (typing, paging back) is published once; the map that
//! remembers recent queries is bounded ([`MAX_REMEMBERED`]).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use kernel::{Clock, EventEnvelope};
use platform::context::Events;
use platform::db::Db;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::index::query::SearchRequest;

/// An identical query by the same user within this window is not published again.
pub const REPEAT_WINDOW: Duration = Duration::seconds(60);
/// Most (user, query) pairs remembered; when full, the expired ones go, then all of them.
pub const MAX_REMEMBERED: usize = 10_000;

/// What a search asked for — only the parameters given, as the client names them (paging and
/// sort left out: they do not change what was searched) — or `None` for a search of nothing.
pub fn given(r: &SearchRequest) -> Option<Value> {
    let mut q = Map::new();
    let mut put = |key: &str, v: Value| {
        if !v.is_null() {
            q.insert(key.to_owned(), v);
        }
    };
    put("q", json!(Some(r.q.trim()).filter(|t| !t.is_empty())));
    put("kind", json!(r.kind));
    put("city", json!(r.city));
    put("country", json!(r.country));
    put("guests", json!(r.guests));
    put("priceMin", json!(r.price_min));
    put("priceMax", json!(r.price_max));
    put("bedrooms", json!(r.bedrooms));
    put("amenities", json!(Some(&r.amenities).filter(|a| !a.is_empty())));
    put("instantBook", json!(r.instant_book));
    if let Some((lat, lng, radius)) = r.near {
        put("near", json!({"lat": lat, "lng": lng, "radiusKm": radius}));
    }
    if let Some((south, west, north, east)) = r.bbox {
        put("bbox", json!([south, west, north, east]));
    }
    if let Some(d) = r.dates {
        let date = |day: i64| chrono::NaiveDate::default().checked_add_days(chrono::Days::new(day.max(0) as u64));
        put("checkIn", json!(date(d.first_night)));
        put("checkOut", json!(date(d.last_night + 1)));
    }
    put("ratingMin", json!(r.rating_min));
    (!q.is_empty()).then_some(Value::Object(q))
}

pub struct SearchLog {
    db: Db,
    events: Events,
    clock: Arc<dyn Clock>,
    recent: Recent,
}

/// The (user, query) pairs published lately, bounded.
#[derive(Default)]
struct Recent(Mutex<HashMap<(Uuid, u64), DateTime<Utc>>>);

impl Recent {
    /// Whether `user`'s `query` is new (not seen within the window); remembers it.
    fn is_new(&self, user: Uuid, query: &Value, now: DateTime<Utc>) -> bool {
        let mut hasher = DefaultHasher::new();
        query.to_string().hash(&mut hasher);
        let key = (user, hasher.finish());
        let mut recent = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if recent.get(&key).is_some_and(|at| now - *at < REPEAT_WINDOW) {
            return false;
        }
        if recent.len() >= MAX_REMEMBERED {
            recent.retain(|_, at| now - *at < REPEAT_WINDOW);
            if recent.len() >= MAX_REMEMBERED {
                recent.clear();
            }
        }
        recent.insert(key, now);
        true
    }
}

impl SearchLog {
    pub fn new(db: Db, events: Events, clock: Arc<dyn Clock>) -> Self {
        SearchLog { db, events, clock, recent: Recent::default() }
    }

    /// Publishes `user`'s search (`query`: only the parameters given), unless it repeats.
    pub fn performed(&self, user: Uuid, query: Value, results: usize) {
        let now = self.clock.now();
        if !self.recent.is_new(user, &query, now) {
            return;
        }
        let data = json!({"userId": user, "query": query, "resultsCount": results, "at": now});
        let mut event = EventEnvelope::new("search.performed", user, now, data);
        event.actor = Some(user.to_string());
        let (db, events) = (self.db.clone(), self.events.clone());
        tokio::spawn(async move {
            let written = async {
                let mut tx = db.begin().await?;
                platform::events::enqueue(&mut tx, &event).await?;
                tx.commit().await
            }
            .await;
            match written {
                Ok(()) => events.committed(),
                Err(e) => tracing::warn!(error = %e, "search: publishing a search to the history failed"),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repeat_window_is_per_user_and_query_and_bounded() {
        let (a, b) = (kernel::new_id(), kernel::new_id());
        let recent = Recent::default();
        let t = Utc::now();
        let q = json!({"q": "paris"});
        assert!(recent.is_new(a, &q, t));
        assert!(!recent.is_new(a, &q, t + Duration::seconds(59)));
        assert!(recent.is_new(b, &q, t));
        assert!(recent.is_new(a, &json!({"q": "pari"}), t));
        assert!(recent.is_new(a, &q, t + Duration::seconds(61)));
        for _ in 0..MAX_REMEMBERED + 10 {
            recent.is_new(kernel::new_id(), &q, t);
        }
        assert!(recent.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len() <= MAX_REMEMBERED);
    }
}
