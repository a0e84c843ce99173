//! Popular destinations: places ranked over the last days by confirmed bookings and by the
//! searches naming them.
//!
//! Searches are the hot path, so they are counted in memory per day and place and added to
//! `destination_counts` every [`FLUSH_EVERY`] in one transaction — never a write per search.
//! Contexts have no shutdown hook, so a stopping process loses at most the counts of its last
//! [`FLUSH_EVERY`]. Answers add this process's unflushed counts to the stored ones (other
//! processes' are at most [`FLUSH_EVERY`] late). Bookings are added by their event's
//! transaction ([`super::BookingCounter`]). Days are UTC days of the context's clock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use kernel::Clock;
use platform::db::{Db, DbError};
use serde::Serialize;
use utoipa::ToSchema;

use super::places::Place;
use super::store::{self, DayPlace};

/// How often counted searches are written.
pub const FLUSH_EVERY: Duration = Duration::from_secs(2);
/// The longest window asked for; older days are deleted.
pub const MAX_DAYS: i64 = 90;
/// A confirmed booking weighs as much as this many searches.
pub const BOOKING_WEIGHT: i64 = 10;
/// Old days are deleted about hourly.
const PRUNE_EVERY_FLUSHES: u32 = 1_800;

/// One ranked destination.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Destination {
    pub city: String,
    /// ISO code as listings write it (`""` when unknown).
    pub country: String,
    pub bookings: i64,
    pub searches: i64,
    /// `bookings × 10 + searches`.
    pub score: i64,
}

/// Days since 1970-01-01 (UTC) of `t`.
pub fn day_of(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(86_400)
}

pub struct Popular {
    db: Db,
    clock: Arc<dyn Clock>,
    pending: Mutex<HashMap<DayPlace, i64>>,
}

impl Popular {
    /// Starts counting, and flushing every [`FLUSH_EVERY`] until the database closes.
    pub fn start(db: Db, clock: Arc<dyn Clock>) -> Arc<Self> {
        let popular = Arc::new(Popular { db, clock, pending: Mutex::new(HashMap::new()) });
        let weak = Arc::downgrade(&popular);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(flush_loop(weak));
        }
        popular
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, HashMap<DayPlace, i64>> {
        self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts one search naming `place`, today.
    pub fn count_search(&self, place: &Place) {
        let key = DayPlace { day: day_of(self.clock.now()), city: place.city.clone(), country: place.country.clone() };
        *self.pending().entry(key).or_default() += 1;
    }

    /// Writes the counted searches (kept for the next flush if that fails).
    pub async fn flush(&self) -> Result<(), DbError> {
        let counts = std::mem::take(&mut *self.pending());
        if counts.is_empty() {
            return Ok(());
        }
        let written = async {
            let mut tx = self.db.begin().await?;
            for (at, n) in &counts {
                store::add(&mut tx, at, 0, *n).await?;
            }
            tx.commit().await
        }
        .await;
        if written.is_err() {
            let mut pending = self.pending();
            for (at, n) in counts {
                *pending.entry(at).or_default() += n;
            }
        }
        written
    }

    /// The `limit` best places over the last `days` days (today included), best first.
    pub async fn top(&self, days: i64, limit: usize) -> Result<Vec<Destination>, DbError> {
        let after = day_of(self.clock.now()) - days;
        let mut totals: HashMap<(String, String), (i64, i64)> = HashMap::new();
        for t in store::totals_since(&self.db, after).await? {
            let e = totals.entry((t.city, t.country)).or_default();
            e.0 += t.bookings;
            e.1 += t.searches;
        }
        for (at, n) in self.pending().iter().filter(|(at, _)| at.day > after) {
            totals.entry((at.city.clone(), at.country.clone())).or_default().1 += n;
        }
        let mut list: Vec<Destination> = totals
            .into_iter()
            .map(|((city, country), (bookings, searches))| Destination {
                score: bookings * BOOKING_WEIGHT + searches,
                city,
                country,
                bookings,
                searches,
            })
            .filter(|d| d.score > 0)
            .collect();
        list.sort_by(|a, b| b.score.cmp(&a.score).then(b.bookings.cmp(&a.bookings)).then_with(|| a.city.cmp(&b.city)));
        list.truncate(limit);
        Ok(list)
    }

    async fn prune(&self) {
        if let Err(e) = store::prune(&self.db, day_of(self.clock.now()) - MAX_DAYS - 1).await {
            tracing::warn!(error = %e, "search: pruning destination counts failed");
        }
    }
}

async fn flush_loop(popular: Weak<Popular>) {
    let mut ticks = tokio::time::interval(FLUSH_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut flushes: u32 = 0;
    loop {
        ticks.tick().await;
        let Some(popular) = popular.upgrade() else { break };
        if popular.db.is_closed() {
            break;
        }
        if let Err(e) = popular.flush().await {
            tracing::warn!(error = %e, "search: writing search counts failed; kept for the next flush");
        }
        if flushes.is_multiple_of(PRUNE_EVERY_FLUSHES) {
            popular.prune().await;
        }
        flushes = flushes.wrapping_add(1);
    }
}
