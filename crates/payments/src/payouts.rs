//! Payouts: a host's earnings become payable 24 hours after the reservation starts (check-in,
//! slot or departure; at once for goods); a payout run (hourly, or by an administrator) pays
//! each host what is due, per currency. Each earning is claimed by a conditional UPDATE, so
//! two runs never pay it twice, and each payout is a ledger journal (`host:<id>` to
//! `processor`).

use chrono::{DateTime, Duration, Utc};
use kernel::{ApiError, EventEnvelope};
use platform::auth::AuthUser;
use platform::db::{DbError, FromRow, Row, Tx, query};
use platform::events::enqueue;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::ledger::{self, Entry};
use crate::service::{Payments, random_token};
use crate::store::Payable;

/// How long after a reservation starts its host's earning becomes payable.
pub const HOLD_HOURS: i64 = 24;

/// Records what a capture earns the host (`amount`, after the platform's fee).
pub async fn earned(tx: &mut Tx, p: &Payable, amount: i64, now: DateTime<Utc>) -> Result<(), DbError> {
    let Some(host) = p.host_id else { return Ok(()) };
    let available = p.starts_at.unwrap_or(now) + Duration::hours(HOLD_HOURS);
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

/// Takes a refund's share back from an earning not paid out yet.
pub async fn clawback(tx: &mut Tx, reservation: Uuid, amount: i64) -> Result<(), DbError> {
    if amount <= 0 {
        return Ok(());
    }
    let n = query("UPDATE host_earnings SET amount = amount - $2 WHERE reservation_id = $1 AND payout_id IS NULL")
        .bind(reservation)
        .bind(amount)
        .execute(tx)
        .await?;
    if n == 0 {
        tracing::warn!(%reservation, amount, "refund after the host was paid out: to recover from the host");
    }
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Payout {
    pub id: String,
    pub host_id: Uuid,
    pub currency: String,
    pub amount: i64,
    pub status: String,
    pub reservations: i64,
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
            created_at: row.get("created_at")?,
        })
    }
}

pub fn payout_view(p: &Payout) -> Value {
    json!({ "id": p.id, "hostId": p.host_id, "currency": p.currency, "amount": p.amount, "status": p.status,
            "reservations": p.reservations, "createdAt": p.created_at })
}

impl Payments {
    /// Pays every host what is due as of now; returns the payouts made.
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
            let id = random_token("po_")?;
            let mut tx = self.db.begin().await?;
            // The claim: earnings another run took are not taken again.
            let claimed = query(
                "UPDATE host_earnings SET payout_id = $1 WHERE host_id = $2 AND currency = $3 AND payout_id IS NULL \
                 AND available_at <= $4 AND amount > 0",
            )
            .bind(id.as_str())
            .bind(host)
            .bind(currency.as_str())
            .bind(now)
            .execute(&mut tx)
            .await?;
            let (amount,): (i64,) =
                query("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM host_earnings WHERE payout_id = $1")
                    .bind(id.as_str())
                    .fetch_one(&mut tx)
                    .await?;
            if claimed == 0 || amount <= 0 {
                continue;
            }
            let payout = Payout {
                id: id.clone(),
                host_id: host,
                currency: currency.clone(),
                amount,
                status: "paid".into(),
                reservations: i64::try_from(claimed).unwrap_or(i64::MAX),
                created_at: now,
            };
            query(
                "INSERT INTO payouts (id, host_id, currency, amount, status, reservations, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id.as_str())
            .bind(host)
            .bind(currency.as_str())
            .bind(amount)
            .bind(payout.status.as_str())
            .bind(payout.reservations)
            .bind(now)
            .execute(&mut tx)
            .await?;
            let entries = [
                Entry { account: format!("host:{host}"), amount },
                Entry { account: "processor".into(), amount: -amount },
            ];
            ledger::post(&mut tx, "payout", &id, None, &currency, &entries, now).await?;
            let movement = crate::audit::Movement {
                action: "payout",
                subject: &id,
                reservation: None,
                amount,
                currency: &currency,
            };
            crate::audit::record(&mut tx, &movement, &crate::audit::Actor::system(), now).await?;
            let event = EventEnvelope::new("payout.paid", host, now, payout_view(&payout));
            enqueue(&mut tx, &event).await?;
            tx.commit().await?;
            made.push(payout);
        }
        if !made.is_empty() {
            self.events.committed();
        }
        Ok(made)
    }

    /// A host's payouts (newest first) and what is earned but not paid out yet.
    pub async fn payouts_of(&self, user: &AuthUser) -> Result<Value, ApiError> {
        let paid: Vec<Payout> = query(
            "SELECT id, host_id, currency, amount, status, reservations, created_at FROM payouts WHERE host_id = $1 \
             ORDER BY created_at DESC, id DESC LIMIT 200",
        )
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
        let pending: Vec<Value> = pending
            .iter()
            .map(|(currency, amount, next)| json!({ "currency": currency, "amount": amount, "nextAvailableAt": next }))
            .collect();
        Ok(json!({ "payouts": paid.iter().map(payout_view).collect::<Vec<_>>(), "pending": pending }))
    }

    /// Runs payouts every `every` until the process ends.
    pub fn spawn_payout_runs(&self, every: std::time::Duration) {
        let engine = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                match engine.run_payouts().await {
                    Ok(made) if !made.is_empty() => tracing::info!(payouts = made.len(), "payouts paid"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e.message, "payout run failed"),
                }
            }
        });
    }
}
