//! Periodic work of a context (sweeps that expire holds, close windows, send reminders): one
//! loop shape for all, so each context says only what to run and how often. The loop skips
//! ticks it missed rather than bursting, and stops once the context's database is closed (the
//! process is shutting down, or a test dropped its app).

use std::future::Future;
use std::time::Duration;

use kernel::ApiError;

use crate::db::Db;

/// Runs `work` every `every` (the first run at once) until `db` closes. A failed run is logged
/// as `"{what} failed"` and retried at the next tick.
pub fn every<F, Fut>(db: Db, every: Duration, what: &'static str, work: F)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), ApiError>> + Send,
{
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if db.is_closed() {
                break;
            }
            if let Err(e) = work().await {
                tracing::warn!(error = %e.message, "{what} failed");
            }
        }
    });
}
