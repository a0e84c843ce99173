//! Payments of several reservations and supplier offers under one booking reference
//! (DreamScape's checkout, `DS-…`). Booking opens them through the [`PaymentsContract`], giving
//! each reservation's split, so nothing waits for its events. The group's payment is one
//! intent: its capture is one journal with each reservation's split and the suppliers' part,
//! and the reservations' own refunds find it through `intent_reservations`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kernel::ApiError;
use platform::contracts::{OpenedPayment, PaymentRequest, PaymentState, PaymentsContract};
use platform::db::{DbError, Executor, FromRow, Json, Row, Tx, query};
use uuid::Uuid;

use crate::ledger::{self, Entry};
use crate::service::Payments;
use crate::store::{self, Intent, Payable};

/// A group as booking opened it.
#[derive(Debug, Clone)]
pub struct Group {
    pub reference: String,
    pub payer: Uuid,
    pub currency: String,
    pub total: i64,
    pub supplier_amount: i64,
    pub reservations: Vec<Uuid>,
}

impl FromRow for Group {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let Json(reservations): Json<Vec<Uuid>> = row.get("reservation_ids")?;
        Ok(Group {
            reference: row.get("reference")?,
            payer: row.get("payer")?,
            currency: row.get("currency")?,
            total: row.get("total")?,
            supplier_amount: row.get("supplier_amount")?,
            reservations,
        })
    }
}

/// The id a group's payments carry where a reservation's would (events, `payment_intents`):
/// derived from the reference, so every payment of the group shares it.
pub fn group_id(reference: &str) -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("sojourn:payment-group:{reference}").as_bytes())
}

/// Whether `reference` names a group (DreamScape's `DS-` references).
pub fn is_group(reference: &str) -> bool {
    reference.starts_with("DS-")
}

pub async fn find<'c>(on: impl Executor<'c>, reference: &str) -> Result<Option<Group>, DbError> {
    query(
        "SELECT reference, payer, currency, total, supplier_amount, reservation_ids FROM payment_groups WHERE reference = $1",
    )
    .bind(reference)
    .fetch_optional(on)
    .await
}

async fn save(tx: &mut Tx, g: &Group, now: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO payment_groups (reference, payer, currency, total, supplier_amount, reservation_ids, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (reference) DO NOTHING",
    )
    .bind(g.reference.as_str())
    .bind(g.payer)
    .bind(g.currency.as_str())
    .bind(g.total)
    .bind(g.supplier_amount)
    .bind_json(&g.reservations)?
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

impl Payments {
    /// Posts the capture of a group's payment: each reservation's split, then the suppliers'
    /// part, in one journal; records what each host earned. A second payment of a group that
    /// was already paid is kept whole for its refund.
    pub(crate) async fn capture_group(
        &self,
        tx: &mut Tx,
        i: &Intent,
        g: &Group,
        duplicate: bool,
    ) -> Result<(), ApiError> {
        let now = self.clock.now();
        let mut entries: Vec<Entry> = Vec::new();
        let mut allocated = 0;
        if !duplicate {
            for id in &g.reservations {
                let Some(p) = store::payable(&mut *tx, *id).await? else {
                    tracing::warn!(reservation = %id, reference = %g.reference, "group capture without the reservation's split");
                    continue;
                };
                let share = p.total.clamp(0, i.amount - allocated);
                let part = ledger::capture(&p, share);
                crate::payouts::earned(tx, &p, ledger::host_share(&part), now).await?;
                entries.extend(part);
                allocated += share;
            }
        }
        let rest = i.amount - allocated;
        if duplicate {
            entries.extend(
                ledger::refund_from("platform_revenue", rest).into_iter().map(|e| Entry { amount: -e.amount, ..e }),
            );
        } else {
            if rest != g.supplier_amount {
                tracing::warn!(reference = %g.reference, rest, expected = g.supplier_amount, "group capture: suppliers' part differs");
            }
            entries.extend(ledger::supplier_capture(rest));
        }
        ledger::post(tx, "capture", &i.id, Some(i.reservation_id), &i.currency, &entries, now).await
    }

    /// `POST /intent` for a group's reference: the payer's own, for exactly what it owes.
    pub(crate) async fn group_to_pay(&self, payer: Uuid, reference: &str) -> Result<Group, ApiError> {
        find(&self.db, reference)
            .await?
            .filter(|g| g.payer == payer)
            .ok_or_else(|| ApiError::not_found("Booking not found"))
    }
}

#[async_trait]
impl PaymentsContract for Payments {
    async fn open_payment(&self, request: &PaymentRequest) -> Result<OpenedPayment, ApiError> {
        if !is_group(&request.reference) || request.amount < 1 {
            return Err(ApiError::bad_request("A group payment needs a DS- reference and an amount"));
        }
        let now = self.clock.now();
        let group = Group {
            reference: request.reference.clone(),
            payer: request.payer,
            currency: request.currency.to_ascii_uppercase(),
            total: request.amount,
            supplier_amount: request.supplier_amount,
            reservations: request.reservations.iter().map(|s| s.reservation_id).collect(),
        };
        let mut tx = self.db.begin().await?;
        save(&mut tx, &group, now).await?;
        for share in &request.reservations {
            let payable = Payable {
                reservation_id: share.reservation_id,
                guest_id: request.payer,
                host_id: Some(share.host_id),
                currency: group.currency.clone(),
                total: share.total,
                instant_book: true,
                status: "pending_payment".into(),
                host_payout: share.host_payout,
                platform_revenue: share.platform_revenue,
                taxes: share.taxes,
                starts_at: share.starts_at,
            };
            store::save_payable(&mut tx, &payable, now).await?;
        }
        tx.commit().await?;
        let body = crate::service::IntentIn {
            amount: request.amount,
            currency: request.currency.clone(),
            booking_reference: request.reference.clone(),
            metadata: None,
        };
        let actor = crate::audit::Actor { user: Some(request.payer), request_id: None };
        let i = self.create_intent(request.payer, body, &actor).await?;
        Ok(OpenedPayment {
            payment_intent_id: i.id,
            client_secret: i.client_secret,
            status: i.status,
            amount: i.amount,
            currency: i.currency,
        })
    }

    async fn payment_state(&self, reference: &str) -> Result<Option<PaymentState>, ApiError> {
        let id = group_id(reference);
        let mut latest = None;
        for status in
            ["succeeded", "requires_capture", "processing", "requires_action", "requires_payment_method", "canceled"]
        {
            if let Some(i) = store::of_reservation(&self.db, id, status).await?.into_iter().last() {
                latest = Some(i);
                break;
            }
        }
        Ok(latest.map(|i| PaymentState {
            payment_intent_id: i.id,
            status: i.status,
            amount: i.amount,
            amount_refunded: i.amount_refunded,
        }))
    }
}
