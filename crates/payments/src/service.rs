//! Payment intents, with Stripe's states, whichever processor makes them:
//!
//! ```text
//! requires_payment_method ──confirm──▶ succeeded              (automatic capture)
//!          ▲    │                └────▶ requires_capture ──booking.confirmed──▶ succeeded
//!  declined│    └──3-D Secure──▶ requires_action ──confirm──▶ …       └──declined/expired──▶ canceled
//! ```
//!
//! Reservations move on from the events emitted here (`payment.succeeded` / `authorized` /
//! `failed`), and capture follows booking's events: payments and booking share no tables.

use std::sync::Arc;

use kernel::{ApiError, Clock, EventEnvelope, FieldError};
use platform::Events;
use platform::auth::AuthUser;
use platform::db::{Db, Tx};
use platform::events::enqueue;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::audit::{self, Actor, Movement};
use crate::ops;
use crate::processor::{NewPayment, Outcome, ProcessorError, SharedProcessor, Status};
use crate::store::{self, Intent};

#[derive(Clone)]
pub struct Payments {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub events: Events,
    /// Shared with the processor; signs webhook deliveries.
    pub webhook_secret: Arc<str>,
    pub processor: SharedProcessor,
    /// One op runner at a time per process (see [`crate::ops`]).
    pub ops_lock: Arc<tokio::sync::Mutex<()>>,
    /// Asked whether a reservation this context has not heard of exists (split deployments).
    /// Weak: the contracts hold this engine (it answers the payments contract), and a strong
    /// reference back would keep both, and the databases, alive forever.
    pub contracts: std::sync::Weak<platform::contracts::Contracts>,
}

/// A processor's error as the API answers it.
pub fn processor_error(e: &ProcessorError) -> ApiError {
    match e {
        ProcessorError::Unavailable(_) => {
            ApiError::new(503, "processor_unavailable", "The payment processor cannot be reached; try again shortly")
        }
        ProcessorError::Rejected { code, message } => {
            ApiError::new(402, "payment_rejected", format!("The payment processor refused: {message} ({code})"))
        }
        ProcessorError::Unsupported(what) => {
            ApiError::new(409, "not_supported", format!("The payment processor does not support {what}"))
        }
    }
}

/// DreamScape's `PaymentIntentRequest`.
#[derive(Debug, serde::Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IntentIn {
    /// Minor units; must equal what the reservation still owes.
    pub amount: i64,
    /// ISO 4217, any case (`eur`).
    pub currency: String,
    /// A reservation id, or the `DS-` reference of a checked-out booking.
    pub booking_reference: String,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

/// `409 amount_mismatch`: what the booking owes, in `details[].value` and `data` (minor units,
/// and major units as DreamScape counts them), never only in the text.
fn amount_mismatch(owed: i64, currency: &str) -> ApiError {
    let lower = currency.to_lowercase();
    let major = crate::processor::decimal(owed, currency).parse::<f64>().unwrap_or_default();
    ApiError::new(409, "amount_mismatch", format!("This booking owes {owed} {lower}"))
        .with_details(vec![
            FieldError::new("amount", format!("must be {owed} (minor units)")).with_value(json!(owed)),
            FieldError::new("currency", format!("must be {lower}")).with_value(json!(lower)),
        ])
        .with_data(json!({ "amount": owed, "amountMajor": major, "currency": lower }))
}

/// `pi_` or `…_secret_` followed by 24 random letters and digits.
pub(crate) fn random_token(prefix: &str) -> Result<String, ApiError> {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|_| ApiError::internal())?;
    let tail: String = bytes.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect();
    Ok(format!("{prefix}{tail}"))
}

/// What creating a payment answers (`POST /intent`, `/create-intent`), currency in lower case
/// as DreamScape and Stripe write it.
pub fn created_view(i: &Intent) -> Value {
    json!({ "clientSecret": i.client_secret, "paymentIntentId": i.id, "amount": i.amount,
            "currency": i.currency.to_lowercase(), "status": i.status })
}

pub fn intent_view(i: &Intent) -> Value {
    json!({
        "id": i.id, "paymentIntentId": i.id, "status": i.status, "amount": i.amount, "currency": i.currency.to_lowercase(),
        "bookingReference": i.booking_reference, "captureMethod": i.capture_method, "provider": i.provider,
        "lastError": i.last_error, "amountRefunded": i.amount_refunded, "metadata": i.metadata, "createdAt": i.created_at, "updatedAt": i.updated_at,
        "clientSecret": i.client_secret, "approvalUrl": i.provider_data.get("approvalUrl"),
    })
}

impl Payments {
    pub(crate) async fn emit_for(&self, tx: &mut Tx, kind: &str, i: &Intent, actor: &Actor) -> Result<(), ApiError> {
        let movement = Movement {
            action: kind,
            subject: &i.id,
            reservation: Some(i.reservation_id),
            amount: i.amount,
            currency: &i.currency,
        };
        audit::record(tx, &movement, actor, self.clock.now()).await?;
        // Every capture, whichever path made it (confirm, acceptance, webhook), goes through
        // here: it is also where the ledger records it.
        let group = match crate::groups::is_group(&i.booking_reference) {
            true => crate::groups::find(&mut *tx, &i.booking_reference).await?,
            false => None,
        };
        if kind == "payment.succeeded"
            && let Some(g) = &group
        {
            let duplicate = store::of_reservation(&mut *tx, i.reservation_id, "succeeded").await?.len() > 1;
            self.capture_group(tx, i, g, duplicate).await?;
            if duplicate {
                tracing::warn!(intent = %i.id, reference = %i.booking_reference, "duplicate payment: refunded in full");
                self.refund_duplicate(tx, i).await?;
            }
        }
        // What this capture credited the host's ledger account (for insights' statements).
        let mut host_credit = None;
        if kind == "payment.succeeded" && group.is_none() {
            let split = store::payable(&mut *tx, i.reservation_id).await?;
            if let Some(p) = split {
                let entries = crate::ledger::capture(&p, i.amount);
                host_credit = Some((p.host_id, crate::ledger::host_share(&entries)));
                crate::ledger::post(
                    tx,
                    "capture",
                    &i.id,
                    Some(i.reservation_id),
                    &i.currency,
                    &entries,
                    self.clock.now(),
                )
                .await?;
                crate::payouts::earned(tx, &p, crate::ledger::host_share(&entries), self.clock.now()).await?;
            }
            // Two payments raced for one reservation: the later one goes straight back.
            if store::of_reservation(&mut *tx, i.reservation_id, "succeeded").await?.len() > 1 {
                tracing::warn!(intent = %i.id, reservation = %i.reservation_id, "duplicate payment: refunded in full");
                self.refund_duplicate(tx, i).await?;
            }
        }
        // `paymentMethod`: PayPal pays by PayPal; the card processors (Stripe, the sandbox) by card.
        let method = if i.provider == "paypal" { "paypal" } else { "card" };
        let mut data = json!({
            "paymentIntentId": i.id, "amount": i.amount, "currency": i.currency, "reservationId": i.reservation_id,
            "bookingReference": i.booking_reference, "status": i.status, "captured": i.status == "succeeded",
            "error": i.last_error, "userId": i.user_id, "provider": i.provider, "paymentMethod": method,
            "createdAt": i.created_at,
        });
        if let (Some((host, credit)), Some(map)) = (host_credit, data.as_object_mut()) {
            map.insert("hostId".into(), json!(host));
            map.insert("hostPayout".into(), json!(credit));
        }
        if let (Some(g), Some(map)) = (&group, data.as_object_mut()) {
            map.remove("reservationId");
            map.insert("reservationIds".into(), json!(g.reservations));
        }
        let event =
            EventEnvelope::new(kind, i.reservation_id, self.clock.now(), data).with_actor(i.user_id.to_string());
        enqueue(tx, &event).await?;
        Ok(())
    }

    pub async fn create_intent(&self, payer: Uuid, body: IntentIn, actor: &Actor) -> Result<Intent, ApiError> {
        let mut errors = Vec::new();
        if body.amount < 1 {
            errors.push(FieldError::new("amount", "must be a positive number of minor units"));
        }
        let currency = kernel::Currency::parse(&body.currency.to_ascii_uppercase())
            .map(|c| c.code().to_owned())
            .map_err(|_| errors.push(FieldError::new("currency", "must be an ISO 4217 code")))
            .ok();
        let reference = body.booking_reference.trim();
        let group = crate::groups::is_group(reference);
        let reservation = if group {
            (reference.len() <= 32).then(|| crate::groups::group_id(reference))
        } else {
            reference.parse::<Uuid>().ok()
        };
        if reservation.is_none() {
            errors.push(FieldError::new("bookingReference", "must be a reservation id or a DS- booking reference"));
        }
        if body.metadata.as_ref().is_some_and(|m| !m.is_object() || m.to_string().len() > 4096) {
            errors.push(FieldError::new("metadata", "must be an object of at most 4 KB"));
        }
        let (Some(currency), Some(reservation)) = (currency, reservation) else {
            return Err(ApiError::validation(errors));
        };
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        // What is owed: a reservation's total, or a group's (DreamScape's checkout).
        let (owed, owed_currency, instant, members) = if group {
            let g = self.group_to_pay(payer, reference).await?;
            (g.total, g.currency, true, g.reservations)
        } else {
            let Some(payable) = store::payable(&self.db, reservation).await?.filter(|p| p.guest_id == payer) else {
                // Booking, in another process, may have made it a moment ago: 425, not 404.
                let kind = platform::contracts::RecordKind::Reservation;
                let missing = ApiError::not_found("Booking not found");
                let need = platform::contracts::Need::Owned;
                return Err(match self.contracts.upgrade() {
                    Some(contracts) => contracts.not_heard_of(kind, reservation, Some(payer), need, missing).await,
                    None => missing,
                });
            };
            if payable.status != "pending_payment" {
                return Err(ApiError::new(
                    409,
                    "not_payable",
                    format!("This booking is {} and owes nothing", payable.status),
                ));
            }
            (payable.total, payable.currency, payable.instant_book, Vec::new())
        };
        // One payment per reservation: a payment already made answers 409; one still open is
        // the one to use (a second would let the guest pay twice).
        for status in ["succeeded", "requires_capture"] {
            if !store::of_reservation(&self.db, reservation, status).await?.is_empty() {
                return Err(ApiError::new(409, "not_payable", "This booking is already paid"));
            }
        }
        for status in ["requires_payment_method", "requires_action"] {
            if let Some(open) = store::of_reservation(&self.db, reservation, status).await?.into_iter().next()
                && open.amount == body.amount
                && open.currency == currency
            {
                return Ok(open);
            }
        }
        if owed != body.amount || owed_currency != currency {
            return Err(amount_mismatch(owed, &owed_currency));
        }
        let id = random_token("pi_")?;
        let manual_capture = !instant;
        let opened = self
            .processor
            .create(&NewPayment {
                id: &id,
                amount: body.amount,
                currency: &currency,
                manual_capture,
                reservation,
                booking_reference: reference,
            })
            .await
            .map_err(|e| processor_error(&e))?;
        let mut provider_data = opened.data;
        if let (Some(url), Some(map)) = (opened.approval_url, provider_data.as_object_mut()) {
            map.insert("approvalUrl".into(), Value::String(url));
        }
        let now = self.clock.now();
        let intent = Intent {
            client_secret: opened.client_secret,
            provider_ref: opened.reference,
            provider_data,
            id,
            user_id: payer,
            reservation_id: reservation,
            booking_reference: reference.to_owned(),
            amount: body.amount,
            currency,
            status: "requires_payment_method".into(),
            capture_method: if manual_capture { "manual" } else { "automatic" }.into(),
            provider: self.processor.name().into(),
            last_error: None,
            amount_refunded: 0,
            metadata: body.metadata.unwrap_or_else(|| json!({})),
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.db.begin().await?;
        store::insert(&mut tx, &intent).await?;
        for member in members {
            store::link(&mut tx, &intent.id, member).await?;
        }
        self.emit_for(&mut tx, "payment.created", &intent, actor).await?;
        tx.commit().await?;
        self.events.committed();
        Ok(intent)
    }

    /// An intent its payer may see (others: 404).
    pub async fn intent(&self, user: &AuthUser, id: &str) -> Result<Intent, ApiError> {
        store::find(&self.db, id)
            .await?
            .filter(|i| i.user_id == user.user_id || user.is_admin())
            .ok_or_else(|| ApiError::not_found("Payment not found"))
    }

    /// Confirms a payment at the processor: with a payment method (`pm_card_visa`) for card
    /// processors, after the payer's approval for PayPal.
    pub async fn confirm(
        &self,
        user: &AuthUser,
        id: &str,
        method: Option<&str>,
        actor: &Actor,
    ) -> Result<Intent, ApiError> {
        let current = self.intent(user, id).await?;
        if !["requires_payment_method", "requires_action"].contains(&current.status.as_str()) {
            return Err(ApiError::new(409, "invalid_state", format!("This payment is {}", current.status)));
        }
        if method.is_some_and(|m| m.is_empty() || m.len() > 255) {
            return Err(ApiError::validation(vec![FieldError::new("paymentMethod", "must be 1 to 255 characters")]));
        }
        let outcome = self.processor.confirm(&ops::payment_ref(&current), method).await.map_err(|e| match e {
            ProcessorError::Rejected { code, message }
                if code == "invalid_payment_method" || code == "payment_method_required" =>
            {
                ApiError::validation(vec![FieldError::new("paymentMethod", message)])
            }
            other => processor_error(&other),
        })?;
        // Who asked, and from which request: the processor's answer is applied as its webhook.
        let attempt = Movement {
            action: "payment.confirm",
            subject: &current.id,
            reservation: Some(current.reservation_id),
            amount: current.amount,
            currency: &current.currency,
        };
        let mut tx = self.db.begin().await?;
        audit::record(&mut tx, &attempt, actor, self.clock.now()).await?;
        tx.commit().await?;
        let declined = match &outcome.status {
            Status::Declined { code } => Some(code.clone()),
            _ => None,
        };
        self.apply_outcome(&current, outcome).await?;
        self.run_ops().await;
        let next = self.intent(user, id).await?;
        if let Some(code) = declined {
            return Err(ApiError::new(402, "card_declined", format!("The card was declined ({code})")));
        }
        Ok(next)
    }

    /// Applies what the processor answered about `intent`. Money outcomes travel as the
    /// processor's webhook event would — signed, through [`Payments::webhook`] — so an answer
    /// and the processor's own later webhook are one path, applied once.
    pub(crate) async fn apply_outcome(&self, intent: &Intent, outcome: Outcome) -> Result<(), ApiError> {
        self.apply_outcome_as(intent, outcome, None).await.map(|_| ())
    }

    /// As [`Payments::apply_outcome`], as the processor's event `event_id` (applied once);
    /// `Ok(false)` when it changed nothing.
    async fn apply_outcome_as(
        &self,
        intent: &Intent,
        outcome: Outcome,
        event_id: Option<String>,
    ) -> Result<bool, ApiError> {
        let now = self.clock.now();
        let mut current = intent.clone();
        if outcome.data.as_object().is_some_and(|m| !m.is_empty()) {
            let mut tx = self.db.begin().await?;
            current.provider_data = store::merge_provider_data(&mut tx, intent, &outcome.data).await?;
            tx.commit().await?;
        }
        let (kind, error) = match outcome.status {
            Status::Succeeded => ("payment_intent.succeeded", None),
            Status::Authorized => ("payment_intent.amount_capturable_updated", None),
            Status::Declined { code } => ("payment_intent.payment_failed", Some(code)),
            Status::Canceled => ("payment_intent.canceled", None),
            Status::RequiresAction { url } => {
                // The payer must act (3-D Secure, PayPal approval): no money moved yet.
                return self.step(&current, "requires_action", url, event_id.as_deref()).await;
            }
            Status::Processing => return self.step(&current, "processing", None, event_id.as_deref()).await,
        };
        let event = json!({
            "id": match event_id { Some(id) => id, None => random_token("evt_")? }, "object": "event", "type": kind, "created": now.timestamp(),
            "data": { "object": { "id": current.provider_ref, "object": "payment_intent",
                                  "last_payment_error": error.map(|code| json!({ "code": code })) } },
        });
        let raw = serde_json::to_vec(&event).map_err(|_| ApiError::internal())?;
        let header = crate::signature::header(&self.webhook_secret, now.timestamp(), &raw);
        self.webhook(&self.webhook_secret, Some(&header), &raw).await
    }

    /// A webhook delivery in the processor's own format (PayPal's): verified by the
    /// processor, then applied like any answer of it, once per event id.
    pub async fn processor_webhook(&self, headers: &axum::http::HeaderMap, body: &[u8]) -> Result<bool, ApiError> {
        let delivery = self.processor.webhook(headers, body).await.map_err(|e| match e {
            ProcessorError::Unsupported(_) => ApiError::not_found("This deployment's processor sends no such webhook"),
            other => processor_error(&other),
        })?;
        match delivery {
            crate::processor::Delivery::Unverified => {
                Err(ApiError::new(400, "invalid_signature", "The processor did not verify this delivery"))
            }
            crate::processor::Delivery::Ignored => Ok(false),
            crate::processor::Delivery::Effect { event_id, reference, outcome } => {
                if event_id.is_empty() || event_id.len() > 255 {
                    return Err(ApiError::bad_request("The event id is missing or too long"));
                }
                let Some(intent) = store::find_by_reference(&self.db, &reference).await? else { return Ok(false) };
                self.apply_outcome_as(&intent, outcome, Some(event_id)).await
            }
        }
    }

    /// An intermediate state without money moving (`requires_action`, `processing`), only
    /// from a payment still open: a late "pending" never undoes a capture or a cancellation.
    /// From a processor's event (`event_id`), applied once. `Ok(false)` when nothing changed.
    async fn step(
        &self,
        current: &Intent,
        status: &str,
        url: Option<String>,
        event_id: Option<&str>,
    ) -> Result<bool, ApiError> {
        const OPEN: [&str; 4] = ["requires_payment_method", "requires_confirmation", "requires_action", "processing"];
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        if let Some(id) = event_id
            && !crate::webhook::claim_event(&mut tx, id, status, now).await?
        {
            return Ok(false);
        }
        // A capture under review (PayPal) is `processing` after its authorisation.
        let from_authorised = status == "processing" && current.status == "requires_capture";
        if current.status == status || !(OPEN.contains(&current.status.as_str()) || from_authorised) {
            tx.commit().await?;
            return Ok(false);
        }
        if let Some(url) = url {
            store::merge_provider_data(&mut tx, current, &json!({ "approvalUrl": url })).await?;
        }
        let next = Intent { status: status.into(), updated_at: now, last_error: None, ..current.clone() };
        if !store::transition(&mut tx, &next, &current.status).await? {
            if event_id.is_some() {
                // Another change won; this event is older news.
                tx.commit().await?;
                return Ok(false);
            }
            return Err(ApiError::new(409, "invalid_state", "This payment changed meanwhile; read it again"));
        }
        tx.commit().await?;
        Ok(true)
    }

    pub async fn history(&self, user: &AuthUser, page: &kernel::PageRequest) -> Result<(Vec<Intent>, i64), ApiError> {
        let offset = i64::try_from(page.offset).unwrap_or(i64::MAX);
        Ok(store::history(&self.db, user.user_id, i64::from(page.limit), offset).await?)
    }
}
