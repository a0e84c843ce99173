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
        }
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
