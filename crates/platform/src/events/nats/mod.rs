//! The event bus of split deployments: NATS JetStream.
//!
//! The relay publishes each outbox event to `<prefix>.<event type>` with the event id as
//! `Nats-Msg-Id`, so a re-publish after a crash (published, but not yet marked so in the
//! outbox) is dropped by the stream's duplicate window. A publish returns once the stream has
//! stored the event — not once it is handled, unlike the in-process bus: from there JetStream
//! owns delivery.
//!
//! Each [`Subscription`] becomes a durable pull consumer named after it, filtered to its
//! pattern. A worker per consumer runs the same `deliver` as the in-process bus (handler and
//! `processed_events` row in one transaction), acks after the commit and naks with a growing
//! delay on failure. At-least-once delivery plus the dedupe row gives effectively-once effects,
//! across restarts: a consumer that was down resumes where its acks stopped. A stream that
//! disappears while running (deleted, or a server back with empty storage) is recreated with
//! the same settings by the next publish or consumer restart, instead of stalling until a
//! process restart.

mod consumer;

use std::sync::RwLock;
use std::time::Duration;

use async_nats::jetstream::context::{PublishError, PublishErrorKind};
use async_nats::jetstream::{self, stream};
use async_trait::async_trait;
use bytes::Bytes;
use kernel::EventEnvelope;
use tokio::task::JoinHandle;

use super::Subscription;
use super::bus::{BusError, EventBus};
use crate::shutdown::Stop;

/// Where and how events are kept on JetStream.
#[derive(Debug, Clone)]
pub struct NatsOptions {
    pub url: String,
    /// Stream name, e.g. `SOJOURN_EVENTS`.
    pub stream: String,
    /// Subject prefix, e.g. `sojourn.events`; the stream holds `<prefix>.>`.
    pub subject_prefix: String,
    /// Events older than this leave the stream, handled or not.
    pub max_age: Duration,
    /// Deliveries of one event to one consumer before JetStream gives up on it.
    pub max_deliver: i64,
}

/// Publishes to and consumes from a JetStream stream.
pub struct NatsBus {
    client: async_nats::Client,
    js: jetstream::Context,
    options: NatsOptions,
    /// Kept to recreate the stream if it disappears while running.
    stream: stream::Config,
    subscriptions: RwLock<Vec<Subscription>>,
    /// How long events took from their commit to being handled by this process's consumers.
    lag: std::sync::Arc<crate::metrics::Histogram>,
    /// Publish and consume spans go here, when tracing is on.
    tracer: Option<crate::trace::Tracer>,
}

/// Identical re-publishes within this window are dropped by the stream.
const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);

impl NatsBus {
    /// Connects and creates (or updates) the stream. Fails if NATS cannot be reached: a
    /// process configured for NATS must not silently run without its events.
    pub async fn connect(options: NatsOptions) -> Result<Self, BusError> {
        let client = async_nats::ConnectOptions::new()
            .name("sojourn")
            .connection_timeout(Duration::from_secs(5))
            .connect(options.url.as_str())
            .await
            .map_err(|e| BusError::Transport(format!("cannot connect to NATS at {}: {e}", options.url)))?;
        let js = jetstream::new(client.clone());
        let config = stream::Config {
            name: options.stream.clone(),
            subjects: vec![format!("{}.>", options.subject_prefix)],
            retention: stream::RetentionPolicy::Limits,
            storage: stream::StorageType::File,
            max_age: options.max_age,
            duplicate_window: DUPLICATE_WINDOW,
            ..Default::default()
        };
        js.create_or_update_stream(config.clone())
            .await
            .map_err(|e| BusError::Transport(format!("cannot create stream {}: {e}", options.stream)))?;
        Ok(Self {
            client,
            js,
            options,
            stream: config,
            subscriptions: RwLock::new(Vec::new()),
            lag: std::sync::Arc::default(),
            tracer: None,
        })
    }

    /// Traces publishes and deliveries with `tracer` (none: not traced).
    #[must_use]
    pub fn with_tracer(mut self, tracer: Option<crate::trace::Tracer>) -> Self {
        self.tracer = tracer;
        self
    }

    fn subject(&self, event_type: &str) -> String {
        format!("{}.{event_type}", self.options.subject_prefix)
    }

    /// Publishes and waits for the stream to store the message; `traceparent` (the publish
    /// span's) goes in its headers, for the consumers' spans.
    async fn store(
        &self,
        subject: String,
        id: &str,
        payload: Bytes,
        traceparent: Option<&str>,
    ) -> Result<(), PublishError> {
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", id);
        if let Some(traceparent) = traceparent {
            headers.insert(crate::trace::TRACEPARENT, traceparent);
        }
        self.js.publish_with_headers(subject, headers, payload).await?.await.map(|_| ())
    }
}

/// The subject filter of a subscription pattern (`*`, `family.*` or an exact type), with the
/// same meaning as `EventEnvelope::matches`.
pub fn filter_subject(prefix: &str, pattern: &str) -> String {
    if pattern == "*" {
        return format!("{prefix}.>");
    }
    match pattern.strip_suffix(".*") {
        Some(family) => format!("{prefix}.{family}.>"),
        None => format!("{prefix}.{pattern}"),
    }
}

/// A durable consumer name from a subscription's consumer name: JetStream refuses `.`, `*`,
/// `>` and whitespace there.
pub fn durable_name(consumer: &str) -> String {
    consumer.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

#[async_trait]
impl EventBus for NatsBus {
    fn subscribe(&self, subscription: Subscription) {
        let mut subs = self.subscriptions.write().unwrap_or_else(|p| p.into_inner());
        subs.push(subscription);
    }

    async fn publish(&self, event: &EventEnvelope) -> Result<(), BusError> {
        let payload = Bytes::from(serde_json::to_vec(event).map_err(|e| BusError::Transport(e.to_string()))?);
        let (subject, id) = (self.subject(&event.event_type), event.id.to_string());
        let mut span = crate::trace::publish_span(self.tracer.as_ref(), event, "nats");
        if let Some(span) = &mut span {
            span.set_str("messaging.destination.name", subject.clone());
        }
        let traceparent = span.as_ref().map(|s| s.context().traceparent());
        let traceparent = traceparent.as_deref();
        let stored = match self.store(subject.clone(), &id, payload.clone(), traceparent).await {
            // The stream is gone (deleted, or a NATS server back with empty storage): recreate
            // it rather than keep every event in the outbox until a restart.
            Err(e) if e.kind() == PublishErrorKind::StreamNotFound => {
                tracing::warn!(stream = %self.options.stream, "event stream missing; recreating it");
                self.js
                    .create_or_update_stream(self.stream.clone())
                    .await
                    .map_err(|e| BusError::Transport(format!("cannot recreate stream {}: {e}", self.options.stream)))?;
                self.store(subject, &id, payload, traceparent).await
            }
            other => other,
        };
        if let Some(mut span) = span {
            if stored.is_err() {
                span.fail();
            }
            span.end();
        }
        stored.map_err(|e| BusError::Transport(e.to_string()))
    }

    async fn ping(&self) -> Result<(), BusError> {
        match self.client.connection_state() {
            async_nats::connection::State::Connected => Ok(()),
            other => Err(BusError::Transport(format!("NATS connection is {other:?}"))),
        }
    }

    fn render_metrics(&self, out: &mut String) {
        self.lag.render(
            out,
            "sojourn_event_delivery_lag_seconds",
            "From an event's commit to its handling by this process's consumers (NATS).",
            None,
        );
    }

    fn start(&self, stop: Stop) -> Vec<JoinHandle<()>> {
        let subs = self.subscriptions.read().unwrap_or_else(|p| p.into_inner()).clone();
        subs.into_iter()
            .map(|sub| {
                let worker = consumer::Worker {
                    js: self.js.clone(),
                    stream: self.stream.clone(),
                    filter: filter_subject(&self.options.subject_prefix, &sub.pattern),
                    durable: durable_name(&sub.consumer),
                    max_deliver: self.options.max_deliver,
                    sub,
                    lag: self.lag.clone(),
                    tracer: self.tracer.clone(),
                };
                tokio::spawn(worker.run(stop.clone()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_become_subject_filters_with_the_same_meaning() {
        assert_eq!(filter_subject("s.e", "*"), "s.e.>");
        assert_eq!(filter_subject("s.e", "booking.*"), "s.e.booking.>");
        assert_eq!(filter_subject("s.e", "booking.confirmed"), "s.e.booking.confirmed");
    }

    #[test]
    fn durable_names_are_valid_for_jetstream() {
        assert_eq!(durable_name("search.listing-indexer"), "search_listing-indexer");
        assert_eq!(durable_name("a b*c>d"), "a_b_c_d");
    }
}
