//! The delivery worker: takes due deliveries under a lease, sends them (several at once), and
//! records each outcome. Woken when something is queued, else it looks again when the next
//! delivery falls due (at most every second, so a clock moved by a test or another process's
//! queueing is noticed). On shutdown it stops taking work and finishes what it holds, so a
//! restart sends nothing twice; a crash mid-send leaves the row leased, and it is retried once
//! the lease runs out (at least once, then: the email keeps its Message-ID and a push its
//! Topic, so a repeat can be recognised downstream).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use kernel::Clock;
use platform::db::Db;
use platform::shutdown::Stop;

use super::Pipeline;
use super::send::{Attempt, Senders};
use super::store::{self, Delivery, Outcome};

/// How long a taken delivery is held before another worker may take it.
const LEASE_SECS: i64 = 120;

pub struct Worker {
    pub db: Db,
    pub senders: Arc<Senders>,
    pub pipeline: Arc<Pipeline>,
    pub clock: Arc<dyn Clock>,
    pub concurrency: usize,
}

/// The wait before attempt `attempts + 1`: 30 s doubling per attempt, at most an hour, with up
/// to a tenth of jitter so that a provider's outage does not end in a stampede.
pub fn backoff(attempts: i64, jitter: f64) -> chrono::Duration {
    let exp = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    let secs = (30_i64.saturating_mul(2_i64.saturating_pow(exp))).min(3600);
    let jittered = secs as f64 * (1.0 + jitter.clamp(0.0, 1.0) / 10.0);
    chrono::Duration::milliseconds((jittered * 1000.0) as i64)
}

fn jitter() -> f64 {
    let mut b = [0u8; 1];
    let _ = aws_lc_rs::rand::fill(&mut b);
    f64::from(b[0]) / 255.0
}

impl Worker {
    pub async fn run(self, stop: Stop) {
        let stopped = stop.wait();
        tokio::pin!(stopped);
        let mut last_gauge = std::time::Instant::now() - Duration::from_secs(60);
        loop {
            if self.db.is_closed() {
                break;
            }
            let worked = match self.round().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "delivery round failed");
                    0
                }
            };
            if last_gauge.elapsed() > Duration::from_secs(5) {
                if let Ok(pending) = store::pending_by_channel(&self.db).await {
                    self.pipeline.metrics.set_pending(pending);
                }
                last_gauge = std::time::Instant::now();
            }
            if worked > 0 {
                // More may be due: look again at once (unless stopping).
                if futures_util::FutureExt::now_or_never(&mut stopped).is_some() {
                    break;
                }
                continue;
            }
            let wait = self.idle_wait().await;
            tokio::select! {
                () = &mut stopped => break,
                () = self.pipeline.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    async fn idle_wait(&self) -> Duration {
        let now = self.clock.now();
        match store::next_due(&self.db).await {
            Ok(Some(at)) if at > now => (at - now).to_std().unwrap_or_default().min(Duration::from_secs(1)),
            Ok(Some(_)) => Duration::from_millis(50),
            _ => Duration::from_secs(1),
        }
    }

    /// Takes and sends one batch: how many it took.
    async fn round(&self) -> Result<usize, platform::db::DbError> {
        let now = self.clock.now();
        let limit = u32::try_from(self.concurrency * 2).unwrap_or(32);
        let batch = store::claim(&self.db, now, now + chrono::Duration::seconds(LEASE_SECS), limit).await?;
        let n = batch.len();
        futures_util::stream::iter(batch)
            .for_each_concurrent(self.concurrency, |d| async move { self.deliver(d).await })
            .await;
        Ok(n)
    }

    async fn deliver(&self, d: Delivery) {
        let Some(lease) = d.lease_until else { return };
        let attempt = self.senders.send(&d).await;
        let now = self.clock.now();
        let (outcome, counted) = self.outcome(&d, attempt, now).await;
        match store::finish(&self.db, d.id, lease, &outcome, now).await {
            Ok(true) => self.pipeline.metrics.count(&d.channel, counted),
            Ok(false) => tracing::warn!(delivery = %d.id, "delivery lease lost before its outcome was recorded"),
            Err(e) => tracing::warn!(delivery = %d.id, error = %e, "could not record a delivery's outcome"),
        }
    }

    async fn outcome(&self, d: &Delivery, attempt: Attempt, now: DateTime<Utc>) -> (Outcome, &'static str) {
        match attempt {
            Attempt::Sent(provider_ref) => {
                if d.channel == "push"
                    && let Ok(id) = d.recipient.parse()
                {
                    let _ = store::subscription_worked(&self.db, id, now).await;
                }
                (Outcome::Sent { provider_ref }, "sent")
            }
            Attempt::Retry(error, after) => {
                let wait = backoff(d.attempts, jitter());
                let asked = after.and_then(|a| chrono::Duration::from_std(a).ok()).unwrap_or_default();
                let at = now + wait.max(asked);
                if at > d.give_up_at {
                    let error = format!("gave up after {} attempts: {error}", d.attempts);
                    (Outcome::Failed { error }, "failed")
                } else {
                    (Outcome::Retry { at, error }, "retried")
                }
            }
            Attempt::Failed(error) => (Outcome::Failed { error }, "failed"),
            Attempt::Cancelled(reason) => (Outcome::Cancelled { reason }, "cancelled"),
            Attempt::Gone(reason) => {
                if let Ok(id) = d.recipient.parse() {
                    let _ = store::forget_subscription(&self.db, id).await;
                }
                (Outcome::Failed { error: format!("subscription removed: {reason}") }, "gone")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_to_an_hour() {
        assert_eq!(backoff(1, 0.0).num_seconds(), 30);
        assert_eq!(backoff(2, 0.0).num_seconds(), 60);
        assert_eq!(backoff(5, 0.0).num_seconds(), 480);
        assert_eq!(backoff(8, 0.0).num_seconds(), 3600);
        assert_eq!(backoff(50, 0.0).num_seconds(), 3600);
        assert_eq!(backoff(1, 1.0).num_seconds(), 33);
    }
}
