//! Cancelling a payment not made yet: by its payer (`POST /cancel/{id}`), or by an
//! administrator marking it failed (DreamScape's admin status change).

use kernel::ApiError;
use platform::auth::AuthUser;
use platform::events::{admin_action, enqueue};
use serde_json::json;

use crate::audit::{self, Actor, Movement};
use crate::ops;
use crate::service::{Payments, processor_error};
use crate::store::{self, Intent};

impl Payments {
    /// Cancels a payment not yet made (`requires_payment_method` or `requires_action`). An
    /// authorised payment is settled by its reservation's outcome instead (captured when the
    /// host accepts, released otherwise): cancelling the reservation releases it.
    pub async fn cancel(&self, user: &AuthUser, id: &str, actor: &Actor) -> Result<Intent, ApiError> {
        let current = self.intent(user, id).await?;
        self.cancel_open(&current, None, actor).await
    }

    /// Cancels `current` at the processor if it is not made yet. With `failure`, an
    /// administrator marked it failed: the reason stays as its `lastError`, and the audit log
    /// says so.
    pub(crate) async fn cancel_open(
        &self,
        current: &Intent,
        failure: Option<&str>,
        actor: &Actor,
    ) -> Result<Intent, ApiError> {
        if !["requires_payment_method", "requires_confirmation", "requires_action"].contains(&current.status.as_str()) {
            let hint = if current.status == "requires_capture" { "; cancel the reservation to release it" } else { "" };
            return Err(ApiError::new(409, "invalid_state", format!("This payment is {}{hint}", current.status)));
        }
        self.processor
            .cancel(&ops::payment_ref(current), &format!("cancel_{}", current.id))
            .await
            .map_err(|e| processor_error(&e))?;
        let next = Intent {
            status: "canceled".into(),
            last_error: failure.map(str::to_owned),
            updated_at: self.clock.now(),
            ..current.clone()
        };
        let mut tx = self.db.begin().await?;
        if !store::transition(&mut tx, &next, &current.status).await? {
            return Err(ApiError::new(409, "invalid_state", "This payment changed meanwhile; read it again"));
        }
        if failure.is_some() {
            let marked = Movement {
                action: "payment.marked_failed",
                subject: &next.id,
                reservation: Some(next.reservation_id),
                amount: next.amount,
                currency: &next.currency,
            };
            audit::record(&mut tx, &marked, actor, next.updated_at).await?;
            if let Some(admin) = actor.user {
                let detail = json!({ "from": current.status, "to": "canceled", "reason": failure,
                    "amount": next.amount, "currency": next.currency, "reservationId": next.reservation_id });
                let action = admin_action(admin, "payment.mark_failed", ("payment", &next.id), detail, next.updated_at);
                enqueue(&mut tx, &action).await?;
            }
        }
        self.emit_for(&mut tx, "payment.canceled", &next, actor).await?;
        tx.commit().await?;
        self.events.committed();
        Ok(next)
    }
}
