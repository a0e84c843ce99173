//! The transport between outbox and consumers. The in-process bus calls handlers directly;
//! the JetStream bus (`nats`, split deployments) implements the same trait by publishing to
//! `<prefix>.<type>` and running durable consumers that call the same [`deliver`].

use std::sync::RwLock;

use async_trait::async_trait;
use chrono::Utc;
use kernel::EventEnvelope;
use tokio::task::JoinHandle;

use super::Subscription;
use crate::db::query;
use crate::shutdown::Stop;

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("{failed} of {total} subscribers failed: {first}")]
    Handlers { failed: usize, total: usize, first: String },
    #[error("transport error: {0}")]
    Transport(String),
}

#[async_trait]
pub trait EventBus: Send + Sync + 'static {
    /// Registers a consumer. Must be called before the relay starts.
    fn subscribe(&self, subscription: Subscription);

    /// Delivers `event` to every matching subscription. Returning `Ok` means every
    /// subscriber has durably handled it (or had already); `Err` means try again later.
    async fn publish(&self, event: &EventEnvelope) -> Result<(), BusError>;

    /// Delivers each of `events`, in order; one result per event, as [`EventBus::publish`]
    /// would give. Transports that can share work across a batch (the in-process bus: one
    /// transaction per consumer) override it.
    async fn publish_batch(&self, events: &[EventEnvelope]) -> Vec<Result<(), BusError>> {
        let mut results = Vec::with_capacity(events.len());
        for event in events {
            results.push(self.publish(event).await);
        }
        results
    }

    /// For `/health/ready`: whether the transport is usable.
    async fn ping(&self) -> Result<(), BusError> {
        Ok(())
    }

    /// Appends the transport's own metrics to `/metrics`, if it has any.
    fn render_metrics(&self, _out: &mut String) {}

    /// Starts the transport's background consumers, if it has any; they end on `stop`. Called
    /// once the subscriptions are registered.
    fn start(&self, _stop: Stop) -> Vec<JoinHandle<()>> {
        Vec::new()
    }
}

/// Handlers run in this process, each in a transaction on its own context's database.
#[derive(Default)]
pub struct InProcessBus {
    subscriptions: RwLock<Vec<Subscription>>,
}

impl InProcessBus {
    pub fn new() -> Self {
        Self::default()
    }
}

/// Records that `sub` handles `event` now; false when it already had (a redelivery).
async fn claim(tx: &mut crate::db::Tx, sub: &Subscription, event: &EventEnvelope) -> Result<bool, String> {
    let inserted = query(
        "INSERT INTO processed_events (consumer, event_id, processed_at) VALUES ($1, $2, $3) \
         ON CONFLICT (consumer, event_id) DO NOTHING",
    )
    .bind(sub.consumer.as_str())
    .bind(event.id)
    .bind(Utc::now())
    .execute(tx)
    .await
    .map_err(|e| e.to_string())?;
    Ok(inserted > 0)
}

/// [`claim`] for many events, a thousand to a statement: the ids not handled before.
async fn claim_all(
    tx: &mut crate::db::Tx,
    sub: &Subscription,
    events: &[&EventEnvelope],
) -> Result<std::collections::HashSet<uuid::Uuid>, String> {
    let mut fresh = std::collections::HashSet::with_capacity(events.len());
    for chunk in events.chunks(1000) {
        // `($1, $2, $3), ($1, $4, $3), ...`: consumer and time bound once, placeholders in order.
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| if i == 0 { "($1, $2, $3)".to_owned() } else { format!("($1, ${}, $3)", i + 3) })
            .collect();
        let sql = format!(
            "INSERT INTO processed_events (consumer, event_id, processed_at) VALUES {} \
             ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id",
            rows.join(", ")
        );
        let mut insert = crate::db::query_dynamic(sql).bind(sub.consumer.as_str()).bind(chunk[0].id).bind(Utc::now());
        for event in &chunk[1..] {
            insert = insert.bind(event.id);
        }
        let inserted: Vec<(uuid::Uuid,)> = insert.fetch_all(&mut *tx).await.map_err(|e| e.to_string())?;
        fresh.extend(inserted.into_iter().map(|(id,)| id));
    }
    Ok(fresh)
}

/// Runs one subscription's handler for `event` unless that consumer already handled it.
/// The dedupe row and the handler's writes commit together, so a crash between them cannot
/// lose or double-apply the effect.
pub async fn deliver(sub: &Subscription, event: &EventEnvelope) -> Result<bool, String> {
    let mut tx = sub.db.begin().await.map_err(|e| e.to_string())?;
    if !claim(&mut tx, sub, event).await? {
        return Ok(false);
    }
    sub.handler.handle(&mut tx, event).await.map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    sub.handler.after_commit(event).await;
    Ok(true)
}

/// Runs one subscription's handler for each of `events` it has not handled yet, all in one
/// transaction (one commit instead of one per event). `Err` leaves nothing applied.
async fn deliver_all(sub: &Subscription, events: &[&EventEnvelope]) -> Result<(), String> {
    let mut tx = sub.db.begin().await.map_err(|e| e.to_string())?;
    let mut unclaimed = claim_all(&mut tx, sub, events).await?;
    let mut fresh = Vec::with_capacity(unclaimed.len());
    for event in events {
        // `remove`: an event repeated within the batch is handled once.
        if unclaimed.remove(&event.id) {
            sub.handler.handle(&mut tx, event).await.map_err(|e| e.to_string())?;
            fresh.push(*event);
        }
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    for event in fresh {
        sub.handler.after_commit(event).await;
    }
    Ok(())
}

impl InProcessBus {
    fn matching(&self, event: &EventEnvelope) -> Vec<Subscription> {
        let subs = self.subscriptions.read().unwrap_or_else(|p| p.into_inner());
        subs.iter().filter(|s| event.matches(&s.pattern)).cloned().collect()
    }
}

fn outcome(failures: &[String], total: usize) -> Result<(), BusError> {
    match failures.first() {
        None => Ok(()),
        Some(first) => Err(BusError::Handlers { failed: failures.len(), total, first: first.clone() }),
    }
}

#[async_trait]
impl EventBus for InProcessBus {
    fn subscribe(&self, subscription: Subscription) {
        let mut subs = self.subscriptions.write().unwrap_or_else(|p| p.into_inner());
        subs.push(subscription);
    }

    async fn publish(&self, event: &EventEnvelope) -> Result<(), BusError> {
        let matching = self.matching(event);
        let mut failures = Vec::new();
        for sub in &matching {
            if let Err(error) = deliver(sub, event).await {
                tracing::warn!(consumer = %sub.consumer, event_id = %event.id, event_type = %event.event_type, %error, "event handler failed");
                failures.push(format!("{}: {error}", sub.consumer));
            }
        }
        outcome(&failures, matching.len())
    }

    /// Each consumer gets its share of the batch in one transaction. Should that fail, its
    /// events are delivered one by one, so that one failing event holds back no other.
    async fn publish_batch(&self, events: &[EventEnvelope]) -> Vec<Result<(), BusError>> {
        let subscriptions: Vec<Subscription> =
            self.subscriptions.read().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect();
        let mut failures: Vec<Vec<String>> = vec![Vec::new(); events.len()];
        let mut totals = vec![0usize; events.len()];
        for sub in &subscriptions {
            let share: Vec<usize> = (0..events.len()).filter(|&i| events[i].matches(&sub.pattern)).collect();
            for &i in &share {
                totals[i] += 1;
            }
            let batch: Vec<&EventEnvelope> = share.iter().map(|&i| &events[i]).collect();
            if batch.is_empty() || deliver_all(sub, &batch).await.is_ok() {
                continue;
            }
            for &i in &share {
                let event = &events[i];
                if let Err(error) = deliver(sub, event).await {
                    tracing::warn!(consumer = %sub.consumer, event_id = %event.id, event_type = %event.event_type, %error, "event handler failed");
                    failures[i].push(format!("{}: {error}", sub.consumer));
                }
            }
        }
        failures.iter().zip(totals).map(|(f, total)| outcome(f, total)).collect()
    }
}
