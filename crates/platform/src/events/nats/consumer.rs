//! One durable pull consumer per subscription: fetch, deliver in a transaction, ack after the
//! commit; nak with a growing delay when the handler fails; recreate the consumer and carry on
//! after a connection loss.

use std::time::Duration;

use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, pull};
use async_nats::jetstream::{self, AckKind, Message, stream};
use futures_util::StreamExt;
use kernel::EventEnvelope;

use super::super::Subscription;
use super::super::bus::deliver_traced;
use crate::shutdown::Stop;

pub(super) struct Worker {
    pub js: jetstream::Context,
    /// The stream's settings: a worker recreates a lost stream as the bus would.
    pub stream: stream::Config,
    pub filter: String,
    pub durable: String,
    pub max_deliver: i64,
    pub sub: Subscription,
    /// Commit-to-handled time of the events this process's consumers handle (`/metrics`).
    pub lag: std::sync::Arc<crate::metrics::Histogram>,
    /// Consume spans go here, when tracing is on.
    pub tracer: Option<crate::trace::Tracer>,
}

/// How long JetStream waits for an ack before delivering again (a handler stuck this long is
/// presumed dead).
const ACK_WAIT: Duration = Duration::from_secs(60);

/// Messages fetched ahead of the handler. Their ack clocks run while they wait in the client
/// (handled one at a time), and a stopping process leaves them to be redelivered after
/// [`ACK_WAIT`]: a small batch keeps both short. (The library's default is 200.)
const PREFETCH: usize = 32;

/// NATS sends this while a pull waits with nothing to deliver; two missed ones end the pull,
/// and the worker starts over.
const HEARTBEAT: Duration = Duration::from_secs(15);

/// Delay before the `delivered`-th attempt is retried: 1 s, 2 s, 4 s, ... capped at 5 minutes.
fn retry_delay(delivered: i64) -> Duration {
    let exp = u32::try_from(delivered.clamp(1, 10) - 1).unwrap_or(9);
    Duration::from_secs(2_u64.saturating_pow(exp).min(300))
}

impl Worker {
    /// Consumes until `stop`; after a failure (NATS gone, consumer deleted), starts over.
    pub async fn run(self, stop: Stop) {
        let mut wait = Duration::from_millis(200);
        loop {
            // Not raced against `stop`: `consume` stops between events, so the event in hand
            // finishes its transaction and ack. (Its set-up calls are bounded by the client's
            // request timeout.)
            match self.consume(&stop).await {
                Ok(()) => return,
                Err(error) => {
                    tracing::warn!(consumer = %self.durable, %error, "event consumer interrupted; restarting");
                    tokio::select! {
                        () = stop.wait() => return,
                        () = tokio::time::sleep(wait) => {}
                    }
                    wait = (wait * 2).min(Duration::from_secs(30));
                }
            }
        }
    }

    async fn consumer(&self, stream: &stream::Stream) -> Result<jetstream::consumer::Consumer<pull::Config>, String> {
        let config = pull::Config {
            durable_name: Some(self.durable.clone()),
            filter_subject: self.filter.clone(),
            ack_policy: AckPolicy::Explicit,
            deliver_policy: DeliverPolicy::All,
            ack_wait: ACK_WAIT,
            max_deliver: self.max_deliver,
            ..Default::default()
        };
        let error = match stream.create_consumer(config.clone()).await {
            Ok(consumer) => return Ok(consumer),
            Err(error) => format!("consumer {}: {error}", self.durable),
        };
        // Refused: recreate it only if it exists with other settings (a changed pattern or
        // limit). It then starts again from the oldest retained event, which processed_events
        // makes harmless (handled events are skipped). Any other refusal is retried as is.
        let existing = stream.consumer_info(&self.durable).await.map_err(|_| error.clone())?;
        let changed = existing.config.filter_subject != self.filter || existing.config.max_deliver != self.max_deliver;
        if !changed {
            return Err(error);
        }
        tracing::warn!(consumer = %self.durable, "consumer settings changed; recreating it");
        stream.delete_consumer(&self.durable).await.map_err(|e| format!("consumer {}: {e}", self.durable))?;
        stream.create_consumer(config).await.map_err(|e| format!("consumer {}: {e}", self.durable))
    }

    /// Returns `Ok` only when stopped.
    async fn consume(&self, stop: &Stop) -> Result<(), String> {
        let stream = self.js.get_or_create_stream(self.stream.clone()).await.map_err(|e| e.to_string())?;
        let consumer = self.consumer(&stream).await?;
        let mut messages = consumer
            .stream()
            .max_messages_per_batch(PREFETCH)
            .heartbeat(HEARTBEAT)
            .messages()
            .await
            .map_err(|e| e.to_string())?;
        loop {
            let next = tokio::select! {
                () = stop.wait() => return Ok(()),
                next = messages.next() => next,
            };
            match next {
                Some(Ok(message)) => self.handle(message).await,
                Some(Err(e)) => return Err(e.to_string()),
                None => return Err("the message stream ended".into()),
            }
        }
    }

    async fn handle(&self, message: Message) {
        let event: EventEnvelope = match serde_json::from_slice(&message.payload) {
            Ok(event) => event,
            Err(error) => {
                // Not an event of ours: retrying cannot help.
                tracing::error!(consumer = %self.durable, subject = %message.subject, %error, "undecodable event dropped");
                let _ = message.ack_with(AckKind::Term).await;
                return;
            }
        };
        // The publish span's context travels in the message's headers.
        let parent = message
            .headers
            .as_ref()
            .and_then(|h| h.get(crate::trace::TRACEPARENT))
            .and_then(|v| crate::trace::SpanContext::from_traceparent(v.as_str().as_bytes()));
        let span = crate::trace::consume_span(self.tracer.as_ref(), parent, &event, &self.sub.consumer, "nats");
        match deliver_traced(&self.sub, &event, span).await {
            Ok(fresh) => {
                if fresh {
                    // From the event's commit (its `occurred_at`) to its effects here: the gap a
                    // reader in this process may answer `425 not_yet_replicated` during.
                    let lag = (chrono::Utc::now() - event.occurred_at).to_std().unwrap_or_default();
                    self.lag.observe(lag, true);
                }
                if let Err(error) = message.ack().await {
                    // Redelivered later and skipped by processed_events.
                    tracing::warn!(consumer = %self.durable, event_id = %event.id, %error, "ack failed");
                }
            }
            Err(error) => {
                let delivered = message.info().map_or(1, |i| i.delivered);
                if self.max_deliver > 0 && delivered >= self.max_deliver {
                    // JetStream will not deliver it to this consumer again: say which event.
                    tracing::error!(consumer = %self.durable, event_id = %event.id, event_type = %event.event_type,
                        delivered, %error, "event handler failed on the last delivery; event abandoned");
                    let _ = message.ack_with(AckKind::Term).await;
                    return;
                }
                let delay = retry_delay(delivered);
                tracing::warn!(consumer = %self.durable, event_id = %event.id, event_type = %event.event_type,
                    delivered, retry_in_secs = delay.as_secs(), %error, "event handler failed");
                let _ = message.ack_with(AckKind::Nak(Some(delay))).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_five_minutes() {
        assert_eq!(retry_delay(1), Duration::from_secs(1));
        assert_eq!(retry_delay(2), Duration::from_secs(2));
        assert_eq!(retry_delay(5), Duration::from_secs(16));
        assert_eq!(retry_delay(50), Duration::from_secs(300));
    }
}
