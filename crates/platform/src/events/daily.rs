//! Counting something frequent without a write per occurrence: a [`DailyCounter`] adds in memory
//! per UTC day (of the context's clock) and, every [`FLUSH_EVERY`], publishes the counts since
//! its last flush as one event `{"days": [{"day": "YYYY-MM-DD", "<field>": n}]}` through the
//! context's outbox. Searches are counted this way (`search.counted`): a search is a read, and
//! a write per read would cost more than the search. Several instances each publish their own
//! counts; a reader sums them, and the platform's dedupe makes a redelivery count nothing twice.
//! A process that stops loses at most its last [`FLUSH_EVERY`] of counts (contexts have no
//! shutdown hook); a failed write keeps the counts for the next flush.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use chrono::NaiveDate;
use kernel::{Clock, EventEnvelope};
use serde_json::json;

use crate::context::Events;
use crate::db::{Db, DbError};

/// How often counts are published.
pub const FLUSH_EVERY: Duration = Duration::from_secs(2);

pub struct DailyCounter {
    db: Db,
    events: Events,
    clock: Arc<dyn Clock>,
    /// The event type, e.g. `search.counted`, and the count's field, e.g. `searches`.
    event_type: &'static str,
    field: &'static str,
    /// What the counted things are, e.g. `listings` or `flights` (the event's `source`).
    source: &'static str,
    pending: Mutex<BTreeMap<NaiveDate, i64>>,
}

impl DailyCounter {
    /// Starts counting, flushing every [`FLUSH_EVERY`] until the database closes.
    pub fn start(
        db: Db,
        events: Events,
        clock: Arc<dyn Clock>,
        event_type: &'static str,
        field: &'static str,
        source: &'static str,
    ) -> Arc<Self> {
        let pending = Mutex::new(BTreeMap::new());
        let counter = Arc::new(DailyCounter { db, events, clock, event_type, field, source, pending });
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(flush_loop(Arc::downgrade(&counter)));
        }
        counter
    }

    /// One more, today.
    pub fn count(&self) {
        let day = self.clock.now().date_naive();
        *self.pending.lock().unwrap_or_else(PoisonError::into_inner).entry(day).or_default() += 1;
    }

    /// Publishes the counts since the last flush (kept for the next one if that fails).
    pub async fn flush(&self) -> Result<(), DbError> {
        let counts = std::mem::take(&mut *self.pending.lock().unwrap_or_else(PoisonError::into_inner));
        if counts.is_empty() {
            return Ok(());
        }
        let days: Vec<_> = counts.iter().map(|(day, n)| json!({"day": day.to_string(), self.field: n})).collect();
        let data = json!({"source": self.source, "days": days});
        let event = EventEnvelope::new(self.event_type, kernel::new_id(), self.clock.now(), data);
        let written = async {
            let mut tx = self.db.begin().await?;
            super::enqueue(&mut tx, &event).await?;
            tx.commit().await
        }
        .await;
        match written {
            Ok(()) => self.events.committed(),
            Err(_) => {
                let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
                for (day, n) in counts {
                    *pending.entry(day).or_default() += n;
                }
            }
        }
        written
    }
}

async fn flush_loop(counter: Weak<DailyCounter>) {
    let mut ticks = tokio::time::interval(FLUSH_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(counter) = counter.upgrade() else { break };
        if counter.db.is_closed() {
            break;
        }
        if let Err(e) = counter.flush().await {
            tracing::warn!(error = %e, event = counter.event_type, "publishing counts failed; kept for the next flush");
        }
    }
}
