//! Refunds: full or several partial, never more than was captured — the conditional UPDATE on
//! `amount_refunded` is the guard. Administrators refund through the API; reservations that
//! end with money owed back (booking's `refundAmount`) are refunded from booking's events.

use kernel::{ApiError, EventEnvelope, FieldError};
use platform::auth::AuthUser;
use platform::db::Tx;
use platform::events::enqueue;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::audit::{self, Actor, Movement};
use crate::service::{Payments, random_token};
use crate::store::{self, Intent, RefundRecord};

/// DreamScape's `RefundRequest`.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefundIn {
    pub payment_intent_id: String,
    /// Minor units; default: everything not yet refunded.
    pub amount: Option<i64>,
    /// `duplicate`, `fraudulent` or `customer_request` (default).
    pub reason: Option<String>,
}

const REASONS: [&str; 3] = ["duplicate", "fraudulent", "customer_request"];

/// One refund to make: how much, why, who asked, and how the ledger splits it (see
/// [`crate::ledger::refund`]).
#[derive(Debug, Clone, Copy)]
struct Ask<'a> {
    actor: &'a Actor,
    amount: i64,
    reason: &'a str,
    source: &'a str,
    by: Option<Uuid>,
    split: Option<(i64, i64)>,
}

impl Payments {
    /// Refunds `ask.amount` of `intent` inside `tx`, recording and announcing it; `None` when
    /// that much captured money is not left.
    async fn refund_in(&self, tx: &mut Tx, intent: &Intent, ask: Ask<'_>) -> Result<Option<String>, ApiError> {
        let Ask { actor, amount, reason, source, by, split } = ask;
        let now = self.clock.now();
        if amount < 1 || !store::take_refund(tx, &intent.id, amount, now).await? {
            return Ok(None);
        }
        let id = random_token("re_")?;
        store::insert_refund(tx, intent, &RefundRecord { id: &id, amount, reason, source, by }, now).await?;
        let movement = Movement {
            action: "refund",
            subject: &id,
            reservation: Some(intent.reservation_id),
            amount,
            currency: &intent.currency,
        };
        audit::record(tx, &movement, actor, now).await?;
        if let Some(p) = store::payable(&mut *tx, intent.reservation_id).await? {
            let entries = crate::ledger::refund(&p, amount, split);
            crate::ledger::post(tx, "refund", &id, Some(intent.reservation_id), &intent.currency, &entries, now)
                .await?;
            crate::payouts::clawback(tx, intent.reservation_id, crate::ledger::host_reversal(&entries)).await?;
        }
        let data = json!({ "refundId": id, "paymentIntentId": intent.id, "amount": amount, "currency": intent.currency,
                           "reservationId": intent.reservation_id, "reason": reason, "source": source });
        for kind in ["payment.refunded", "refund.completed"] {
            let event = EventEnvelope::new(kind, intent.reservation_id, now, data.clone());
            enqueue(tx, &event).await?;
        }
        Ok(Some(id))
    }

    /// `POST /api/v1/payment/refund` (administrators).
    pub async fn refund(&self, user: &AuthUser, body: RefundIn, actor: &Actor) -> Result<Value, ApiError> {
        if !user.is_admin() {
            return Err(ApiError::forbidden("Only administrators refund payments"));
        }
        let reason = body.reason.as_deref().unwrap_or("customer_request");
        if !REASONS.contains(&reason) {
            return Err(ApiError::validation(vec![FieldError::new(
                "reason",
                "must be duplicate, fraudulent or customer_request",
            )]));
        }
        if body.amount.is_some_and(|a| a < 1) {
            return Err(ApiError::validation(vec![FieldError::new(
                "amount",
                "must be a positive number of minor units",
            )]));
        }
        let intent = self.intent(user, body.payment_intent_id.trim()).await?;
        if intent.status != "succeeded" {
            return Err(ApiError::new(
                409,
                "not_captured",
                format!("This payment is {}: nothing to refund", intent.status),
            ));
        }
        let amount = body.amount.unwrap_or(intent.amount - intent.amount_refunded);
        let mut tx = self.db.begin().await?;
        let Some(id) = self
            .refund_in(
                &mut tx,
                &intent,
                Ask { actor, amount, reason, source: "api", by: Some(user.user_id), split: None },
            )
            .await?
        else {
            return Err(ApiError::new(
                409,
                "refund_exceeds_captured",
                format!("At most {} can still be refunded", intent.amount - intent.amount_refunded),
            ));
        };
        tx.commit().await?;
        self.events.committed();
        Ok(json!({ "refundId": id, "paymentIntentId": intent.id, "amount": amount,
                   "currency": intent.currency.to_lowercase(), "reason": reason, "status": "succeeded" }))
    }

    /// Refunds all of `intent`, a second payment of an already paid reservation.
    pub(crate) async fn refund_duplicate(&self, tx: &mut Tx, intent: &Intent) -> Result<(), ApiError> {
        // Everyone gives back exactly what this capture gave them.
        let split = store::payable(&mut *tx, intent.reservation_id).await?.map(|p| (p.host_payout, p.taxes));
        let ask = Ask {
            actor: &Actor::system(),
            amount: intent.amount - intent.amount_refunded,
            reason: "duplicate",
            source: "duplicate",
            by: None,
            split,
        };
        self.refund_in(tx, intent, ask).await?;
        Ok(())
    }

    /// Pays back what booking says a reservation is owed (`refundAmount` of its events), from
    /// its captured payments, inside the consumer's transaction.
    pub(crate) async fn refund_reservation(
        &self,
        tx: &mut Tx,
        reservation: Uuid,
        mut owed: i64,
        split: Option<(i64, i64)>,
    ) -> Result<(), ApiError> {
        for intent in store::of_reservation(&mut *tx, reservation, "succeeded").await? {
            let room = intent.amount - intent.amount_refunded;
            let amount = owed.min(room);
            if amount > 0
                && self
                    .refund_in(
                        tx,
                        &intent,
                        Ask {
                            actor: &Actor::system(),
                            amount,
                            reason: "customer_request",
                            source: "booking",
                            by: None,
                            split,
                        },
                    )
                    .await?
                    .is_some()
            {
                owed -= amount;
            }
            if owed <= 0 {
                break;
            }
        }
        if owed > 0 {
            tracing::warn!(%reservation, owed, "booking asks for more back than was captured");
        }
        Ok(())
    }
}
