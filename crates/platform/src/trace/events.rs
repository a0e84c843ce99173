//! Events in traces. An event is written to the outbox inside the request that caused it and
//! relayed later, from another task: so its trace context is captured when it is *created*
//! ([`stamp`], into the envelope's `traceparent`), not when it is relayed. Publishing it is a
//! producer span under that context; each consumer's handling is a consumer span under the
//! publish span (over NATS, its context travels in the message's `traceparent` header).

use std::borrow::Cow;

use kernel::EventEnvelope;

use super::{Span, SpanContext, SpanKind, Tracer};

/// `event` with the current span's context, when it is created under one (and has none yet).
pub fn stamp(event: &EventEnvelope) -> Cow<'_, EventEnvelope> {
    if event.traceparent.is_some() {
        return Cow::Borrowed(event);
    }
    match super::current() {
        Some(context) => Cow::Owned(event.clone().with_traceparent(context.traceparent())),
        None => Cow::Borrowed(event),
    }
}

fn common(span: &mut Span, event: &EventEnvelope, system: &'static str) {
    if span.is_recording() {
        span.set_str("messaging.system", system);
        span.set_str("messaging.message.id", event.id.to_string());
        span.set_str("sojourn.event.type", event.event_type.clone());
        span.set_str("sojourn.event.aggregate_id", event.aggregate_id.clone());
    }
}

/// The producer span of publishing `event` on `system` (`nats`, `in-process`): the child of
/// the context the event was created under. `None` when tracing is off or the event was not
/// created within a trace.
pub fn publish_span(tracer: Option<&Tracer>, event: &EventEnvelope, system: &'static str) -> Option<Span> {
    let tracer = tracer?;
    let parent = SpanContext::from_traceparent(event.traceparent.as_deref()?.as_bytes())?;
    let mut span = tracer.start(format!("publish {}", event.event_type), SpanKind::Producer, Some(&parent));
    common(&mut span, event, system);
    span.set_str("messaging.operation.type", "send");
    Some(span)
}

/// The consumer span of `consumer` handling `event`: the child of `parent` (the publish span,
/// from the message's headers) or, without one, of the event's own context.
pub fn consume_span(
    tracer: Option<&Tracer>,
    parent: Option<SpanContext>,
    event: &EventEnvelope,
    consumer: &str,
    system: &'static str,
) -> Option<Span> {
    let tracer = tracer?;
    let parent = parent.or_else(|| SpanContext::from_traceparent(event.traceparent.as_deref()?.as_bytes()))?;
    let mut span = tracer.start(format!("consume {}", event.event_type), SpanKind::Consumer, Some(&parent));
    common(&mut span, event, system);
    span.set_str("messaging.operation.type", "process");
    span.set_str("messaging.consumer.group.name", consumer);
    span.set_str("sojourn.context", consumer.split('.').next().unwrap_or(consumer));
    Some(span)
}
