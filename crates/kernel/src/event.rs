//! The one shape every domain event travels in, whatever the transport (in-process bus today,
//! NATS JetStream when scaled out). Names follow the seeds: `user.created`, `booking.confirmed`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::id::new_id;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventEnvelope {
    /// UUID v7; consumers dedupe on it, so redelivery is harmless.
    pub id: Uuid,
    /// Dotted name, `<aggregate>.<past-tense verb>`.
    #[serde(rename = "type")]
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
    /// The id of the record the event is about.
    pub aggregate_id: String,
    /// Who caused it (a user id, `system`, a job name), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    pub data: serde_json::Value,
    /// The W3C `traceparent` of the request that caused it, when that request was traced:
    /// its consumers' spans join the same trace. Absent from events written before tracing
    /// existed, or when tracing is off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
}

impl EventEnvelope {
    pub fn new(
        event_type: impl Into<String>,
        aggregate_id: impl ToString,
        occurred_at: DateTime<Utc>,
        data: serde_json::Value,
    ) -> Self {
        Self {
            id: new_id(),
            event_type: event_type.into(),
            occurred_at,
            aggregate_id: aggregate_id.to_string(),
            actor: None,
            data,
            traceparent: None,
        }
    }

    pub fn with_traceparent(mut self, traceparent: impl Into<String>) -> Self {
        self.traceparent = Some(traceparent.into());
        self
    }

    pub fn with_actor(mut self, actor: impl Into<String>) -> Self {
        self.actor = Some(actor.into());
        self
    }

    /// Whether a subscription pattern matches this event's type: an exact name, `family.*`
    /// for every event whose name starts with `family.`, or `*` for everything.
    pub fn matches(&self, pattern: &str) -> bool {
        if pattern == "*" {
            return true;
        }
        match pattern.strip_suffix(".*") {
            Some(family) => {
                self.event_type.len() > family.len() + 1
                    && self.event_type.starts_with(family)
                    && self.event_type.as_bytes().get(family.len()) == Some(&b'.')
            }
            None => self.event_type == pattern,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serialises_with_type_and_camel_case() {
        let e = EventEnvelope::new("booking.confirmed", "b1", Utc::now(), json!({"n": 1})).with_actor("u1");
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["type"], "booking.confirmed");
        assert_eq!(v["aggregateId"], "b1");
        assert_eq!(v["actor"], "u1");
        let back: EventEnvelope = serde_json::from_value(v).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn events_from_before_tracing_still_parse_and_untraced_ones_carry_no_field() {
        let old = json!({"id": "0190a4b2-0000-7000-8000-000000000001", "type": "user.created",
            "occurredAt": "2026-01-01T00:00:00Z", "aggregateId": "u1", "data": {}});
        let parsed: EventEnvelope = serde_json::from_value(old).unwrap();
        assert!(parsed.traceparent.is_none());
        assert!(serde_json::to_value(&parsed).unwrap().get("traceparent").is_none());
        let traced = parsed.with_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        let back: EventEnvelope = serde_json::from_value(serde_json::to_value(&traced).unwrap()).unwrap();
        assert_eq!(back.traceparent.as_deref(), Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
    }

    #[test]
    fn patterns() {
        let e = EventEnvelope::new("booking.confirmed", "b1", Utc::now(), json!(null));
        assert!(e.matches("booking.confirmed"));
        assert!(e.matches("booking.*"));
        assert!(e.matches("*"));
        assert!(!e.matches("booking.cancelled"));
        assert!(!e.matches("payment.*"));
        assert!(!e.matches("book*"), "only whole families");
        let plural = EventEnvelope::new("bookings.x", "b1", Utc::now(), json!(null));
        assert!(!plural.matches("booking.*"));
    }
}
