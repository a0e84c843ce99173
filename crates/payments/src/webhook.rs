//! `POST /api/v1/payment/webhook`: processor events, signed (see [`crate::signature`]),
//! applied once each (by event id) and safe out of order (an intent only moves along allowed
//! transitions, so a late `payment_failed` cannot undo a `succeeded`).

use kernel::ApiError;
use platform::db::{DbError, query};
use serde_json::Value;

use crate::audit::Actor;
use crate::service::Payments;
use crate::signature::{self, SignatureError};
use crate::store::{self, Intent};

/// The secret shared with the processor (generated in development, required in production).
pub const SECRET: &str = "payments_webhook_secret";

/// The intent status a processor event leads to, the states it may come from, and the event
/// we announce.
fn effect(kind: &str) -> Option<(&'static str, &'static [&'static str], &'static str)> {
    const OPEN: &[&str] = &["requires_payment_method", "requires_confirmation", "requires_action", "processing"];
    match kind {
        "payment_intent.succeeded" => Some((
            "succeeded",
            &["requires_payment_method", "requires_confirmation", "requires_action", "processing", "requires_capture"],
            "payment.succeeded",
        )),
        "payment_intent.amount_capturable_updated" => Some(("requires_capture", OPEN, "payment.authorized")),
        "payment_intent.payment_failed" => Some(("requires_payment_method", OPEN, "payment.failed")),
        "payment_intent.canceled" => Some((
            "canceled",
            &["requires_payment_method", "requires_confirmation", "requires_action", "processing", "requires_capture"],
            "payment.canceled",
        )),
        _ => None,
    }
}

/// Records that the processor's event `id` is being applied; `false` if it already was.
pub(crate) async fn claim_event(
    tx: &mut platform::db::Tx,
    id: &str,
    kind: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, ApiError> {
    let fresh = query("INSERT INTO processed_webhooks (event_id, event_type, received_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(kind)
        .bind(now)
        .execute(tx)
        .await;
    match fresh {
        Ok(_) => Ok(true),
        Err(DbError::UniqueViolation { .. }) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

impl Payments {
    /// Verifies and applies one delivery; `Ok(false)` when it was already applied or concerns
    /// nothing of ours.
    pub async fn webhook(&self, secret: &str, header: Option<&str>, body: &[u8]) -> Result<bool, ApiError> {
        let invalid = |m: &str| ApiError::new(400, "invalid_signature", m.to_owned());
        let header = header.ok_or_else(|| invalid("Missing Stripe-Signature header"))?;
        signature::verify(secret, header, body, self.clock.now().timestamp()).map_err(|e| match e {
            SignatureError::Malformed => invalid("Unreadable Stripe-Signature header"),
            SignatureError::Stale => invalid("The signature is too old"),
            SignatureError::Mismatch => invalid("The signature does not match"),
        })?;
        let event: Value =
            serde_json::from_slice(body).map_err(|e| ApiError::invalid_json(format!("Invalid event body: {e}")))?;
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        let (Some(id), Some(kind)) = (text(&event, "id"), text(&event, "type")) else {
            return Err(ApiError::bad_request("An event needs an id and a type"));
        };
        if id.len() > 255 {
            return Err(ApiError::bad_request("The event id is too long"));
        }
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        if !claim_event(&mut tx, &id, &kind, now).await? {
            return Ok(false);
        }
        let object = event.get("data").and_then(|d| d.get("object")).cloned().unwrap_or(Value::Null);
        let mut applied = false;
        if let (Some((status, from, announce)), Some(reference)) = (effect(&kind), text(&object, "id"))
            && let Some(current) = store::find_by_reference(&mut tx, &reference).await?
            && from.contains(&current.status.as_str())
        {
            let error = object.get("last_payment_error").and_then(|e| text(e, "code"));
            let next = Intent { status: status.into(), last_error: error, updated_at: now, ..current.clone() };
            if store::transition(&mut tx, &next, &current.status).await? {
                self.emit_for(&mut tx, announce, &next, &Actor::system()).await?;
                applied = true;
            }
        }
        tx.commit().await?;
        if applied {
            self.events.committed();
        }
        Ok(applied)
    }
}
