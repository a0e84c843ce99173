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
use crate::trace::{Span, SpanContext, Tracer};

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

/// Handlers run in this process, in transactions on their own contexts' databases (a relay
/// batch: one per database, see [`super::batch`]).
#[derive(Default)]
pub struct InProcessBus {
    subscriptions: RwLock<Vec<Subscription>>,
    /// Publish and consume spans go here, when tracing is on.
    tracer: Option<Tracer>,
}

impl InProcessBus {
    pub fn new() -> Self {
        Self::default()
    }

    /// A bus whose deliveries are traced with `tracer` (none: not traced).
    pub fn with_tracer(tracer: Option<Tracer>) -> Self {
        Self { subscriptions: RwLock::default(), tracer }
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
pub(super) async fn claim_all(
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

/// [`deliver`] under `span` (the consumer span, when traced): current while the handler runs,
/// so what it causes (events, internal calls) stays in the trace.
pub(crate) async fn deliver_traced(
    sub: &Subscription,
    event: &EventEnvelope,
    span: Option<Span>,
) -> Result<bool, String> {
    let Some(mut span) = span else { return Box::pin(deliver(sub, event)).await };
    let outcome = Box::pin(crate::trace::in_span(&span, deliver(sub, event))).await;
    match &outcome {
        Err(_) => span.fail(),
        Ok(false) => span.set_str("sojourn.event.redelivered", "true"),
        Ok(true) => {}
    }
    span.end();
    outcome
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
        let tracer = self.tracer.as_ref();
        let mut published = crate::trace::publish_span(tracer, event, "in-process");
        let parent = published.as_ref().map(|s| s.context().clone());
        for sub in &matching {
            let span = crate::trace::consume_span(tracer, parent.clone(), event, &sub.consumer, "in-process");
            if let Err(error) = deliver_traced(sub, event, span).await {
                tracing::warn!(consumer = %sub.consumer, event_id = %event.id, event_type = %event.event_type, %error, "event handler failed");
                failures.push(format!("{}: {error}", sub.consumer));
            }
        }
        if let Some(mut span) = published.take() {
            if !failures.is_empty() {
                span.fail();
            }
            span.end();
        }
        outcome(&failures, matching.len())
    }

    /// See [`super::batch`]: per database one transaction for its consumers, databases at
    /// the same time; a consumer that fails gets its events again one by one.
    async fn publish_batch(&self, events: &[EventEnvelope]) -> Vec<Result<(), BusError>> {
        let subscriptions: Vec<Subscription> =
            self.subscriptions.read().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect();
        let mut failures: Vec<Vec<String>> = vec![Vec::new(); events.len()];
        let mut totals = vec![0usize; events.len()];
        let tracer = self.tracer.as_ref();
        let published: Vec<Option<Span>> =
            events.iter().map(|e| crate::trace::publish_span(tracer, e, "in-process")).collect();
        let parents: Vec<Option<SpanContext>> =
            published.iter().map(|s| s.as_ref().map(|s| s.context().clone())).collect();
        for (i, error) in super::batch::deliver(&subscriptions, events, &parents, tracer, &mut totals).await {
            failures[i].push(error);
        }
        for (span, failed) in published.into_iter().zip(&failures) {
            if let Some(mut span) = span {
                if !failed.is_empty() {
                    span.fail();
                }
                span.end();
            }
        }
        failures.iter().zip(totals).map(|(f, total)| outcome(f, total)).collect()
    }
}
