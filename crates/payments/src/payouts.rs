//! Payouts: a host's earnings become payable 24 hours after the reservation starts (check-in,
//! slot or departure; for goods, 24 hours after delivery: the seller marking it delivered or
//! the buyer confirming receipt completes the reservation); a payout run (hourly, or by an administrator) pays
//! each host what is due, per currency, less what refunds made after an earlier payout took
//! back (recoveries). Earnings are claimed by a conditional UPDATE, so two runs never pay them
//! twice. The payout is then transferred to the host's account at the processor (Stripe
//! Connect, PayPal Payouts; the sandbox pays at once) and, once the transfer went through,
//! becomes a ledger journal (`host:<id>` to `processor`) and `payout.paid`. A transfer the
//! processor refuses gives the earnings back to the next run.

use chrono::{DateTime, Duration, Utc};
use kernel::{ApiError, EventEnvelope};
use platform::auth::AuthUser;
use platform::db::{DbError, FromRow, Row, Tx, query};
use platform::events::enqueue;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::audit::{self, Actor, Movement};
use crate::ledger::{self, Entry};
use crate::ops::{self, Kind};
use crate::processor::{ProcessorError, Transfer};
use crate::service::{Payments, random_token};
use crate::store::Payable;

/// How long after a reservation starts its host's earning becomes payable.
pub const HOLD_HOURS: i64 = 24;

/// Goods have no start: their earning waits for delivery ([`delivered`]), held until then.
const UNTIL_DELIVERED: Duration = Duration::days(3650);

/// When an earning of `p` becomes payable, as known `now`.
fn available_at(p: &Payable, now: DateTime<Utc>) -> DateTime<Utc> {
    match p.starts_at {
        Some(start) => start + Duration::hours(HOLD_HOURS),
        None if p.status == "completed" => now + Duration::hours(HOLD_HOURS),
        None => now + UNTIL_DELIVERED,
    }
}

/// Goods were delivered (their reservation completed): the earning becomes payable 24 hours
/// from now, unless it already was sooner.
pub async fn delivered(tx: &mut Tx, p: &Payable, now: DateTime<Utc>) -> Result<(), DbError> {
    if p.starts_at.is_some() {
        return Ok(());
    }
    query(
        "UPDATE host_earnings SET available_at = $1 WHERE reservation_id = $2 AND payout_id IS NULL AND available_at > $1",
    )
    .bind(now + Duration::hours(HOLD_HOURS))
    .bind(p.reservation_id)
    .execute(tx)
    .await?;
    Ok(())
}

/// Records what a capture earns the host (`amount`, after the platform's fee).
pub async fn earned(tx: &mut Tx, p: &Payable, amount: i64, now: DateTime<Utc>) -> Result<(), DbError> {
    let Some(host) = p.host_id else { return Ok(()) };
    let available = available_at(p, now);
    query(
        "INSERT INTO host_earnings (reservation_id, host_id, currency, amount, available_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (reservation_id) DO UPDATE SET amount = host_earnings.amount + excluded.amount",
    )
    .bind(p.reservation_id)
    .bind(host)
    .bind(p.currency.as_str())
    .bind(amount)
    .bind(available)
    .execute(tx)
    .await?;
    Ok(())
}

/// Takes a refund's share back from the host: from the earning if it is not paid out yet,
/// otherwise from their next payouts (a recovery, announced as `payout.recovery_recorded`).
pub async fn clawback(tx: &mut Tx, p: &Payable, amount: i64, now: DateTime<Utc>) -> Result<(), ApiError> {
    let Some(host) = p.host_id else { return Ok(()) };
    if amount <= 0 {
        return Ok(());
    }
    let n = query("UPDATE host_earnings SET amount = amount - $2 WHERE reservation_id = $1 AND payout_id IS NULL")
        .bind(p.reservation_id)
        .bind(amount)
        .execute(&mut *tx)
        .await?;
    if n == 0 {
        tracing::info!(reservation = %p.reservation_id, amount, "refund after the host was paid: recovered from their next payouts");
        let id = random_token("rc_")?;
        let data = json!({ "id": id, "hostId": host, "currency": p.currency, "amount": amount,
                           "reservationId": p.reservation_id, "createdAt": now });
        enqueue(&mut *tx, &EventEnvelope::new("payout.recovery_recorded", host, now, data)).await?;
        query(
            "INSERT INTO host_recoveries (id, host_id, currency, amount, reservation_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.as_str())
        .bind(host)
        .bind(p.currency.as_str())
        .bind(amount)
        .bind(p.reservation_id)
        .bind(now)
        .execute(tx)
        .await?;
    }
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Payout {
    pub id: String,
    pub host_id: Uuid,
    pub currency: String,
    pub amount: i64,
    /// `pending` (the transfer is on its way), `paid` or `failed`.
    pub status: String,
    pub reservations: i64,
    pub destination: Option<String>,
    pub transfer_ref: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl FromRow for Payout {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Payout {
            id: row.get("id")?,
            host_id: row.get("host_id")?,
            currency: row.get("currency")?,
            amount: row.get("amount")?,
            status: row.get("status")?,
            reservations: row.get("reservations")?,
            destination: row.get("destination")?,
            transfer_ref: row.get("transfer_ref")?,
            created_at: row.get("created_at")?,
        })
    }
}

const COLUMNS: &str = "id, host_id, currency, amount, status, reservations, destination, transfer_ref, created_at";

pub fn payout_view(p: &Payout) -> Value {
    json!({ "id": p.id, "hostId": p.host_id, "currency": p.currency, "amount": p.amount, "status": p.status,
            "reservations": p.reservations, "transferId": p.transfer_ref, "createdAt": p.created_at })
}

async fn payout(db: &platform::db::Db, id: &str) -> Result<Option<Payout>, DbError> {
    platform::db::query_dynamic(format!("SELECT {COLUMNS} FROM payouts WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

impl Payments {
    /// Pays every host what is due as of now; returns the payouts made by this run (those
    /// whose transfer is still on its way are `pending`).
    pub async fn run_payouts(&self) -> Result<Vec<Payout>, ApiError> {
        let now = self.clock.now();
        let due: Vec<(Uuid, String)> = query(
            "SELECT DISTINCT host_id, currency FROM host_earnings WHERE payout_id IS NULL AND available_at <= $1 AND amount > 0",
        )
        .bind(now)
        .fetch_all(&self.db)
        .await?;
        let mut made = Vec::new();
        for (host, currency) in due {
            let destination = self.payout_account(host).await?;
            if destination.is_none() && self.processor.needs_payout_account() {
                tracing::debug!(%host, "no payout account yet: earnings wait");
                continue;
            }
            if let Some(id) = self.open_payout(host, &currency, destination.as_deref(), now).await? {
                made.push(id);
            }
        }
        if made.is_empty() {
            return Ok(Vec::new());
        }
        self.run_ops().await;
        let mut payouts = Vec::new();
        for id in made {
            payouts.extend(payout(&self.db, &id).await?);
        }
        Ok(payouts)
    }

    /// Claims a host's due earnings and open recoveries in one currency for a new payout, and
    /// schedules its transfer; `None` when nothing is left to pay.
    async fn open_payout(
        &self,
        host: Uuid,
        currency: &str,
        destination: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, ApiError> {
        let id = random_token("po_")?;
        let mut tx = self.db.begin().await?;
        // The claim: earnings another run took are not taken again.
        let claimed = query(
            "UPDATE host_earnings SET payout_id = $1 WHERE host_id = $2 AND currency = $3 AND payout_id IS NULL \
             AND available_at <= $4 AND amount > 0",
        )
        .bind(id.as_str())
        .bind(host)
        .bind(currency)
        .bind(now)
        .execute(&mut tx)
        .await?;
        query("UPDATE host_recoveries SET payout_id = $1 WHERE host_id = $2 AND currency = $3 AND payout_id IS NULL")
            .bind(id.as_str())
            .bind(host)
            .bind(currency)
            .execute(&mut tx)
            .await?;
        let (earned,): (i64,) =
            query("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM host_earnings WHERE payout_id = $1")
                .bind(id.as_str())
                .fetch_one(&mut tx)
                .await?;
        let (recovered,): (i64,) =
            query("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM host_recoveries WHERE payout_id = $1")
                .bind(id.as_str())
                .fetch_one(&mut tx)
                .await?;
        let amount = earned - recovered;
        if claimed == 0 || amount <= 0 {
            // Nothing, or less than what the host owes back: everything waits (rolled back).
            return Ok(None);
        }
        query(
            "INSERT INTO payouts (id, host_id, currency, amount, status, reservations, created_at, destination) \
             VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7)",
        )
        .bind(id.as_str())
        .bind(host)
        .bind(currency)
        .bind(amount)
        .bind(i64::try_from(claimed).unwrap_or(i64::MAX))
        .bind(now)
        .bind(destination)
        .execute(&mut tx)
        .await?;
        ops::schedule(&mut tx, Kind::Transfer, None, &id, now).await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// Transfers a pending payout and, once made, records it (see [`crate::ops`]).
    pub(crate) async fn make_transfer(&self, id: &str) -> Result<Result<(), ProcessorError>, ApiError> {
        let Some(p) = payout(&self.db, id).await?.filter(|p| p.status == "pending") else {
            return Ok(Ok(()));
        };
        let transfer = Transfer {
            id: &p.id,
            destination: p.destination.as_deref().unwrap_or(""),
            amount: p.amount,
            currency: &p.currency,
        };
        let made = match self.processor.transfer(&transfer).await {
            Ok(made) => made,
            Err(e) => return Ok(Err(e)),
        };
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let n = query("UPDATE payouts SET status = 'paid', transfer_ref = $2 WHERE id = $1 AND status = 'pending'")
            .bind(p.id.as_str())
            .bind(made.as_str())
            .execute(&mut tx)
            .await?;
        if n == 0 {
            return Ok(Ok(()));
        }
        let entries = [
            Entry { account: format!("host:{}", p.host_id), amount: p.amount },
            Entry { account: "processor".into(), amount: -p.amount },
        ];
        ledger::post(&mut tx, "payout", &p.id, None, &p.currency, &entries, now).await?;
        let movement =
            Movement { action: "payout", subject: &p.id, reservation: None, amount: p.amount, currency: &p.currency };
        audit::record(&mut tx, &movement, &Actor::system(), now).await?;
        let paid = Payout { status: "paid".into(), transfer_ref: Some(made), ..p };
        enqueue(&mut tx, &EventEnvelope::new("payout.paid", paid.host_id, now, payout_view(&paid))).await?;
        tx.commit().await?;
        self.events.committed();
        Ok(Ok(()))
    }

    /// The processor refused a transfer for good: the payout is `failed` and its earnings and
    /// recoveries go back to the next run.
    pub(crate) async fn payout_failed(&self, id: &str, error: &str) -> Result<(), ApiError> {
        let Some(p) = payout(&self.db, id).await? else { return Ok(()) };
        let mut tx = self.db.begin().await?;
        let n = query("UPDATE payouts SET status = 'failed' WHERE id = $1 AND status = 'pending'")
            .bind(id)
            .execute(&mut tx)
            .await?;
        if n == 0 {
            return Ok(());
        }
        for table in ["host_earnings", "host_recoveries"] {
            platform::db::query_dynamic(format!("UPDATE {table} SET payout_id = NULL WHERE payout_id = $1"))
                .bind(id)
                .execute(&mut tx)
                .await?;
        }
        let movement = Movement {
            action: "payout.failed",
            subject: id,
            reservation: None,
            amount: p.amount,
            currency: &p.currency,
        };
        audit::record(&mut tx, &movement, &Actor::system(), self.clock.now()).await?;
        let mut view = payout_view(&Payout { status: "failed".into(), ..p.clone() });
        if let Some(map) = view.as_object_mut() {
            map.insert("error".into(), json!(error));
        }
        enqueue(&mut tx, &EventEnvelope::new("payout.failed", p.host_id, self.clock.now(), view)).await?;
        tx.commit().await?;
        self.events.committed();
        tracing::warn!(payout = id, host = %p.host_id, error, "payout transfer refused: earnings wait for the next run");
        Ok(())
    }

    /// A host's payouts (newest first), what is earned but not paid out yet (less what
    /// refunds took back), and where they are paid.
    pub async fn payouts_of(&self, user: &AuthUser) -> Result<Value, ApiError> {
        let paid: Vec<Payout> = platform::db::query_dynamic(format!(
            "SELECT {COLUMNS} FROM payouts WHERE host_id = $1 ORDER BY created_at DESC, id DESC LIMIT 200"
        ))
        .bind(user.user_id)
        .fetch_all(&self.db)
        .await?;
        let pending: Vec<(String, i64, DateTime<Utc>)> = query(
            "SELECT currency, CAST(SUM(amount) AS BIGINT), MIN(available_at) FROM host_earnings \
             WHERE host_id = $1 AND payout_id IS NULL AND amount > 0 GROUP BY currency ORDER BY currency",
        )
        .bind(user.user_id)
        .fetch_all(&self.db)
        .await?;
        let owed: Vec<(String, i64)> = query(
            "SELECT currency, CAST(SUM(amount) AS BIGINT) FROM host_recoveries WHERE host_id = $1 AND payout_id IS NULL \
             GROUP BY currency",
        )
        .bind(user.user_id)
        .fetch_all(&self.db)
        .await?;
        let owed_in = |c: &str| owed.iter().find(|(oc, _)| oc == c).map_or(0, |(_, a)| *a);
        let pending: Vec<Value> = pending
            .iter()
            .map(|(currency, amount, next)| {
                json!({ "currency": currency, "amount": amount - owed_in(currency), "earned": amount,
                        "recoveries": owed_in(currency), "nextAvailableAt": next })
            })
            .collect();
        let account = self.payout_account(user.user_id).await?;
        Ok(json!({ "payouts": paid.iter().map(payout_view).collect::<Vec<_>>(), "pending": pending,
                   "payoutAccount": account, "payoutAccountRequired": self.processor.needs_payout_account() }))
    }

    /// Runs payouts every `payouts`, and retries processor calls every `ops`, until the
    /// process ends or the database is closed.
    pub fn spawn_background(&self, payouts: std::time::Duration, ops: std::time::Duration) {
        let engine = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(payouts);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                if engine.db.is_closed() {
                    break;
                }
                match engine.run_payouts().await {
                    Ok(made) if !made.is_empty() => tracing::info!(payouts = made.len(), "payouts made"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e.message, "payout run failed"),
                }
            }
        });
        let engine = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(ops);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                if engine.db.is_closed() {
                    break;
                }
                engine.run_ops().await;
            }
        });
    }
}
