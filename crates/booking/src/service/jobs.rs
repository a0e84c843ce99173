//! Scheduled work: expire unpaid holds and unanswered requests, complete reservations that
//! have ended, forget idempotency keys after a day, empty idle carts, book the supplier offers
//! of paid bookings that a supplier outage held back. Each item is claimed by its own guarded transition, so several instances may
//! run the scheduler at once and each item still moves exactly once.

use std::time::Duration;

use kernel::ApiError;
use serde::Serialize;

use super::Bookings;
use crate::store::reservations::{self, DueColumn};

/// Items handled per kind and run; the next run takes the rest.
const BATCH: i64 = 500;

/// How long an `Idempotency-Key` answers with the reservation it made.
pub const KEY_RETENTION_HOURS: i64 = 24;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobRun {
    pub expired_holds: u64,
    pub expired_requests: u64,
    pub completed: u64,
    pub keys_forgotten: u64,
    pub cart_items_expired: u64,
    pub supplier_offers_booked: u64,
    pub supplier_offers_cancelled: u64,
}

impl Bookings {
    pub async fn run_jobs(&self) -> Result<JobRun, ApiError> {
        let now = self.clock.now();
        let mut run = JobRun::default();
        for id in reservations::due(&self.db, DueColumn::Hold, now, BATCH).await? {
            run.expired_holds += u64::from(self.expire(id).await?.is_some());
        }
        for id in reservations::due(&self.db, DueColumn::Request, now, BATCH).await? {
            run.expired_requests += u64::from(self.expire(id).await?.is_some());
        }
        for id in reservations::due(&self.db, DueColumn::End, now, BATCH).await? {
            run.completed += u64::from(self.complete_due(id).await?.is_some());
        }
        let before = now - chrono::Duration::hours(KEY_RETENTION_HOURS);
        run.keys_forgotten = reservations::forget_keys(&self.db, before).await?;
        platform::db::query("DELETE FROM trip_keys WHERE created_at < $1").bind(before).execute(&self.db).await?;
        let idle = now - chrono::Duration::minutes(self.config.cart_idle_minutes);
        run.cart_items_expired = crate::voyage::store::expire(&self.db, idle).await?;
        if self.contracts.supplier().is_ok() {
            run.supplier_offers_booked = u64::try_from(self.book_supplier_items().await?).unwrap_or(0);
            run.supplier_offers_cancelled = u64::try_from(self.cancel_supplier_items().await?).unwrap_or(0);
        }
        Ok(run)
    }

    /// Runs the jobs every `every` until the process ends or the database is closed.
    pub fn spawn_scheduler(&self, every: Duration) {
        let engine = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                if engine.db.is_closed() {
                    break;
                }
                match engine.run_jobs().await {
                    Ok(run) if run != JobRun::default() => tracing::info!(?run, "booking jobs"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e.message, "booking jobs failed"),
                }
            }
        });
    }
}
