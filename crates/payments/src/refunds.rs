//! Refunds: full or several partial, never more than was captured — the conditional UPDATE on
//! `amount_refunded` is the guard. Administrators refund through the API; reservations that
//! end with money owed back (booking's `refundAmount`) are refunded from booking's events.
//!
//! A refund is recorded `pending` with its amount reserved, made at the processor after the
//! transaction commits (see [`crate::ops`]), then `succeeded`: only then is it in the ledger,
//! taken back from the host and announced. A refund the processor refuses is `failed` and its
//! amount can be refunded again.

use kernel::{ApiError, EventEnvelope, FieldError};
use platform::auth::AuthUser;
use platform::db::{Tx, query};
use platform::events::{admin_action, enqueue};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::audit::{self, Actor, Movement};
use crate::ops::{self, Kind};
use crate::processor::ProcessorError;
use crate::service::{Payments, random_token};
use crate::store::{self, Intent, RefundRecord};

/// DreamScape's `RefundRequest`.
#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefundIn {
    #[schema(min_length = 1, max_length = 255)]
    pub payment_intent_id: String,
    /// The payment's booking (its reference, reservation id or DS- booking id), checked when given.
    #[schema(max_length = 128)]
    pub booking_id: Option<String>,
    /// The payment's payer, checked when given.
    #[schema(max_length = 128)]
    pub user_id: Option<String>,
    /// Minor units; default: everything not yet refunded.
    #[schema(minimum = 1)]
    pub amount: Option<i64>,
    /// `duplicate`, `fraudulent`, `customer_request` (default) or Stripe's
    /// `requested_by_customer` (the same).
    #[schema(value_type = Option<String>, pattern = "^(duplicate|fraudulent|customer_request|requested_by_customer)$")]
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
    /// The reservation it is for; `None`: the payment's own.
    reservation: Option<Uuid>,
}

impl Payments {
    /// Records a refund of `ask.amount` of `intent` inside `tx` and schedules it at the
    /// processor; `None` when that much money is not left.
    async fn refund_in(&self, tx: &mut Tx, intent: &Intent, ask: Ask<'_>) -> Result<Option<String>, ApiError> {
        let Ask { actor, amount, reason, source, by, split, reservation } = ask;
        let reservation = reservation.unwrap_or(intent.reservation_id);
        let now = self.clock.now();
        if amount < 1 || !store::take_refund(tx, &intent.id, amount, now).await? {
            return Ok(None);
        }
        let id = random_token("re_")?;
        store::insert_refund(
            tx,
            intent,
            &RefundRecord { id: &id, amount, reason, source, by, split, reservation },
            now,
        )
        .await?;
        let movement = Movement {
            action: "refund.requested",
            subject: &id,
            reservation: Some(reservation),
            amount,
            currency: &intent.currency,
        };
        audit::record(tx, &movement, actor, now).await?;
        ops::schedule(tx, Kind::Refund, Some(&intent.id), &id, now).await?;
        Ok(Some(id))
    }

    /// Makes a pending refund at the processor and, once made, records its effects.
    pub(crate) async fn make_refund(
        &self,
        intent: &Intent,
        refund: &str,
    ) -> Result<Result<(), ProcessorError>, ApiError> {
        let Some(r) = store::refund(&self.db, refund).await? else {
            return Ok(Err(ProcessorError::Rejected { code: "missing_refund".into(), message: refund.into() }));
        };
        if r.status != "pending" {
            return Ok(Ok(()));
        }
        match intent.status.as_str() {
            "succeeded" => {}
            // Booking's refund of a reservation whose capture is still on its way.
            "requires_capture" => return Ok(Err(ProcessorError::Unavailable("waiting for the capture".into()))),
            other => {
                return Ok(Err(ProcessorError::Rejected {
                    code: "not_captured".into(),
                    message: format!("the payment is {other}"),
                }));
            }
        }
        let made = match self.processor.refund(&ops::payment_ref(intent), r.amount, &r.reason, &r.id).await {
            Ok(made) => made,
            Err(e) => return Ok(Err(e)),
        };
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let n =
            query("UPDATE refunds SET status = 'succeeded', provider_ref = $2 WHERE id = $1 AND status = 'pending'")
                .bind(r.id.as_str())
                .bind(made.as_str())
                .execute(&mut tx)
                .await?;
        if n == 0 {
            return Ok(Ok(()));
        }
        let movement = Movement {
            action: "refund",
            subject: &r.id,
            reservation: Some(r.reservation_id),
            amount: r.amount,
            currency: &intent.currency,
        };
        audit::record(&mut tx, &movement, &Actor::system(), now).await?;
        // A reservation's refund follows its split; one of a group as a whole (an
        // administrator's, a supplier's) is borne by whoever `source` says.
        let payable = store::payable(&mut tx, r.reservation_id).await?;
        let entries = match &payable {
            Some(p) => {
                let entries = crate::ledger::refund(p, r.amount, r.split);
                crate::payouts::clawback(&mut tx, p, crate::ledger::host_reversal(&entries), now).await?;
                entries
            }
            None => crate::ledger::refund_from(
                if r.source == "supplier" { "suppliers_payable" } else { "platform_revenue" },
                r.amount,
            ),
        };
        crate::ledger::post(&mut tx, "refund", &r.id, Some(r.reservation_id), &intent.currency, &entries, now).await?;
        let data = json!({ "refundId": r.id, "paymentIntentId": intent.id, "amount": r.amount, "currency": intent.currency,
                           "reservationId": r.reservation_id, "bookingReference": intent.booking_reference,
                           "reason": r.reason, "source": r.source, "userId": intent.user_id,
                           "hostId": payable.as_ref().and_then(|p| p.host_id),
                           "hostShare": crate::ledger::host_reversal(&entries) });
        for kind in ["payment.refunded", "refund.completed"] {
            let event = EventEnvelope::new(kind, r.reservation_id, now, data.clone());
            enqueue(&mut tx, &event).await?;
        }
        tx.commit().await?;
        self.events.committed();
        Ok(Ok(()))
    }

    /// The processor refused a refund for good: it is `failed`, and its amount may be refunded
    /// again.
    pub(crate) async fn refund_failed(&self, refund: &str, error: &str) -> Result<(), ApiError> {
        let Some(r) = store::refund(&self.db, refund).await? else { return Ok(()) };
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let n = query("UPDATE refunds SET status = 'failed' WHERE id = $1 AND status = 'pending'")
            .bind(r.id.as_str())
            .execute(&mut tx)
            .await?;
        if n == 0 {
            return Ok(());
        }
        query("UPDATE payment_intents SET amount_refunded = amount_refunded - $2, updated_at = $3 WHERE id = $1")
            .bind(r.intent_id.as_str())
            .bind(r.amount)
            .bind(now)
            .execute(&mut tx)
            .await?;
        let movement = Movement {
            action: "refund.failed",
            subject: &r.id,
            reservation: Some(r.reservation_id),
            amount: r.amount,
            currency: &r.currency,
        };
        audit::record(&mut tx, &movement, &Actor::system(), now).await?;
        let data = json!({ "refundId": r.id, "paymentIntentId": r.intent_id, "amount": r.amount, "currency": r.currency,
                           "reservationId": r.reservation_id, "error": error });
        enqueue(&mut tx, &EventEnvelope::new("refund.failed", r.reservation_id, now, data)).await?;
        tx.commit().await?;
        self.events.committed();
        Ok(())
    }

    /// `POST /api/v1/payment/refund` (administrators).
    pub async fn refund(&self, user: &AuthUser, body: RefundIn, actor: &Actor) -> Result<Value, ApiError> {
        if !user.is_admin() {
            return Err(ApiError::forbidden("Only administrators refund payments"));
        }
        let reason = match body.reason.as_deref() {
            None | Some("requested_by_customer") => "customer_request",
            Some(other) => other,
        };
        if !REASONS.contains(&reason) {
            return Err(ApiError::validation(vec![FieldError::new(
                "reason",
                "must be duplicate, fraudulent, customer_request or requested_by_customer",
            )]));
        }
        if body.amount.is_some_and(|a| a < 1) {
            return Err(ApiError::validation(vec![FieldError::new(
                "amount",
                "must be a positive number of minor units",
            )]));
        }
        let intent = self.intent(user, body.payment_intent_id.trim()).await?;
        self.check_refund_subject(&intent, body.booking_id.as_deref(), body.user_id.as_deref()).await?;
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
                Ask { actor, amount, reason, source: "api", by: Some(user.user_id), split: None, reservation: None },
            )
            .await?
        else {
            return Err(ApiError::new(
                409,
                "refund_exceeds_captured",
                format!("At most {} can still be refunded", intent.amount - intent.amount_refunded),
            ));
        };
        let detail = json!({ "refundId": id, "amount": amount, "currency": intent.currency, "reason": reason,
                             "reservationId": intent.reservation_id });
        let action = admin_action(user.user_id, "payment.refund", ("payment", &intent.id), detail, self.clock.now());
        enqueue(&mut tx, &action).await?;
        tx.commit().await?;
        self.events.committed();
        self.run_ops().await;
        let status = store::refund(&self.db, &id).await?.map_or_else(|| "pending".to_owned(), |r| r.status);
        if status == "failed" {
            return Err(ApiError::new(402, "refund_failed", "The processor refused this refund"));
        }
        Ok(json!({ "refundId": id, "paymentIntentId": intent.id, "amount": amount,
                   "currency": intent.currency.to_lowercase(), "reason": reason, "status": status }))
    }

    /// DreamScape's `bookingId` and `userId`, when given, must be the payment's.
    async fn check_refund_subject(
        &self,
        intent: &Intent,
        booking: Option<&str>,
        payer: Option<&str>,
    ) -> Result<(), ApiError> {
        if payer.is_some_and(|p| p.trim().parse::<Uuid>().ok() != Some(intent.user_id)) {
            return Err(ApiError::validation(vec![FieldError::new("userId", "is not this payment's payer")]));
        }
        match booking {
            Some(b) if b.chars().count() > 128 => {
                Err(ApiError::validation(vec![FieldError::new("bookingId", "must be at most 128 characters")]))
            }
            Some(b) => self.check_booking_id(intent.user_id, &intent.booking_reference, b).await,
            None => Ok(()),
        }
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
            reservation: None,
        };
        self.refund_in(tx, intent, ask).await?;
        Ok(())
    }

    /// Pays back the suppliers' part of a group's payment that booking says is owed (a
    /// cancelled or failed supplier offer), inside the consumer's transaction.
    pub(crate) async fn refund_supplier_part(
        &self,
        tx: &mut Tx,
        reference: &str,
        mut owed: i64,
    ) -> Result<(), ApiError> {
        let group = crate::groups::group_id(reference);
        for intent in store::of_reservation(&mut *tx, group, "succeeded").await? {
            let amount = owed.min(intent.amount - intent.amount_refunded);
            let ask = Ask {
                actor: &Actor::system(),
                amount,
                reason: "customer_request",
                source: "supplier",
                by: None,
                split: None,
                reservation: Some(group),
            };
            if amount > 0 && self.refund_in(tx, &intent, ask).await?.is_some() {
                owed -= amount;
            }
            if owed <= 0 {
                break;
            }
        }
        if owed > 0 {
            tracing::warn!(reference, owed, "a supplier refund larger than what was captured");
        }
        Ok(())
    }

    /// Pays back what booking says a reservation is owed (`refundAmount` of its events), from
    /// its payments, inside the consumer's transaction. A payment whose capture is still on
    /// its way is refunded once captured.
    pub(crate) async fn refund_reservation(
        &self,
        tx: &mut Tx,
        reservation: Uuid,
        mut owed: i64,
        split: Option<(i64, i64)>,
    ) -> Result<(), ApiError> {
        let mut paid = store::of_reservation(&mut *tx, reservation, "succeeded").await?;
        for held in store::of_reservation(&mut *tx, reservation, "requires_capture").await? {
            if ops::pending(&mut *tx, Kind::Capture, &held.id).await? {
                paid.push(held);
            }
        }
        for intent in paid {
            let room = intent.amount - intent.amount_refunded;
            let amount = owed.min(room);
            let ask = Ask {
                actor: &Actor::system(),
                amount,
                reason: "customer_request",
                source: "booking",
                by: None,
                split,
                reservation: Some(reservation),
            };
            if amount > 0 && self.refund_in(tx, &intent, ask).await?.is_some() {
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
