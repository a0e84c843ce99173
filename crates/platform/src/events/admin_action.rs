//! `admin.action`: the one event for an administrator's write that no domain event describes
//! with its author (an account edited or erased, a booking cancelled or modified, a payment
//! refunded or marked failed by hand), so that the audit log can name the administrator.
//! Enqueue it in the transaction of the change, like any event.

use chrono::{DateTime, Utc};
use kernel::EventEnvelope;
use serde_json::{Value, json};
use uuid::Uuid;

/// The event type.
pub const ADMIN_ACTION: &str = "admin.action";

/// `admin.action` { actorId, action (`booking.cancel`), targetType (`booking`), targetId,
/// detail }: `actor` did `action` to `target` (its type and id) at `at`. `detail` holds ids,
/// amounts and states, never names or addresses.
pub fn admin_action(
    actor: Uuid,
    action: &str,
    target: (&str, &str),
    detail: Value,
    at: DateTime<Utc>,
) -> EventEnvelope {
    let (target_type, target_id) = target;
    let data = json!({"actorId": actor, "action": action, "targetType": target_type, "targetId": target_id,
        "detail": detail});
    EventEnvelope::new(ADMIN_ACTION, target_id, at, data).with_actor(actor.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_the_administrator_and_the_target() {
        let admin = kernel::new_id();
        let e = admin_action(admin, "booking.cancel", ("booking", "b1"), json!({"refund": true}), Utc::now());
        assert_eq!(e.event_type, "admin.action");
        assert_eq!(e.aggregate_id, "b1");
        assert_eq!(e.actor.as_deref(), Some(admin.to_string().as_str()));
        assert_eq!(e.data["actorId"], json!(admin));
        assert_eq!(
            (e.data["action"].as_str(), e.data["targetType"].as_str()),
            (Some("booking.cancel"), Some("booking"))
        );
        assert_eq!(e.data["detail"]["refund"], true);
    }
}
