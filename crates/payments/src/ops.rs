//! Calls to the processor that a transaction decided on — capture when a host accepts,
//! release when a reservation ends unused, refunds, payout transfers — are recorded in
//! `processor_ops` inside that transaction and made after it commits: a remote call never
//! holds a transaction open, and a crash between the decision and the call loses nothing.
//!
//! An op is claimed by a conditional UPDATE that also pushes its next attempt back, so two
//! runners never make the same call at once and a runner that died mid-call is retried later.
//! Every call carries the op's idempotency key, so a retry never charges, refunds or pays twice.
//! Unavailable processors are retried with exponential backoff; a refusal, or too many
//! attempts, fails the op and undoes what was reserved for it (see each kind).

use chrono::{DateTime, Duration, Utc};
use kernel::ApiError;
use platform::db::{DbError, Tx, query};

use crate::processor::{PaymentRef, ProcessorError};
use crate::service::Payments;
use crate::store::{self, Intent};

/// After this many attempts an op that still meets an unavailable processor fails.
pub const MAX_ATTEMPTS: i64 = 12;

/// What an op does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Capture an authorised payment (`subject`: the intent).
    Capture,
    /// Release an authorisation or cancel an open payment (`subject`: the intent).
    Cancel,
    /// Make a recorded refund (`subject`: the refund).
    Refund,
    /// Transfer a payout to the host (`subject`: the payout).
    Transfer,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Capture => "capture",
            Kind::Cancel => "cancel",
            Kind::Refund => "refund",
            Kind::Transfer => "transfer",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        [Kind::Capture, Kind::Cancel, Kind::Refund, Kind::Transfer].into_iter().find(|k| k.as_str() == raw)
    }
}

/// Records an op, once per kind and subject, due now.
pub async fn schedule(
    tx: &mut Tx,
    kind: Kind,
    intent: Option<&str>,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    query(
        "INSERT INTO processor_ops (id, kind, intent_id, subject, status, attempts, next_attempt_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5, $5) ON CONFLICT (id) DO NOTHING",
    )
    .bind(format!("{}_{subject}", kind.as_str()))
    .bind(kind.as_str())
    .bind(intent)
    .bind(subject)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

/// Whether an op of `kind` on `subject` is still to be made.
pub async fn pending<'c>(on: impl platform::db::Executor<'c>, kind: Kind, subject: &str) -> Result<bool, DbError> {
    let row: Option<(String,)> = query("SELECT id FROM processor_ops WHERE id = $1 AND status = 'pending'")
        .bind(format!("{}_{subject}", kind.as_str()))
        .fetch_optional(on)
        .await?;
    Ok(row.is_some())
}

/// 15 s, 30 s, 1 min, … capped at six hours.
fn backoff(attempts: i64) -> Duration {
    let exp = u32::try_from(attempts.clamp(0, 20)).unwrap_or(20);
    Duration::seconds(15_i64.saturating_mul(2_i64.saturating_pow(exp)).min(6 * 3600))
}

#[derive(Debug)]
struct Op {
    id: String,
    kind: String,
    intent_id: Option<String>,
    subject: String,
    attempts: i64,
}

impl platform::db::FromRow for Op {
    fn from_row(row: &platform::db::Row<'_>) -> Result<Self, DbError> {
        Ok(Op {
            id: row.get("id")?,
            kind: row.get("kind")?,
            intent_id: row.get("intent_id")?,
            subject: row.get("subject")?,
            attempts: row.get("attempts")?,
        })
    }
}

/// How an op ended this time.
enum Ended {
    Done,
    Retry(String),
    Failed(String),
}

pub(crate) fn payment_ref(i: &Intent) -> PaymentRef<'_> {
    PaymentRef {
        id: &i.id,
        reference: &i.provider_ref,
        amount: i.amount,
        currency: &i.currency,
        manual_capture: i.capture_method == "manual",
        data: &i.provider_data,
    }
}

impl Payments {
    /// Makes every due op; returns how many were attempted. Ops that other ops create (a
    /// duplicate capture's refund) are made in the same run.
    pub async fn run_ops(&self) -> usize {
        let _one_runner = self.ops_lock.lock().await;
        let mut attempted = 0;
        for _ in 0..20 {
            let now = self.clock.now();
            let due: Result<Vec<Op>, DbError> = query(
                "SELECT id, kind, intent_id, subject, attempts FROM processor_ops \
                 WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT 50",
            )
            .bind(now)
            .fetch_all(&self.db)
            .await;
            let due = match due {
                Ok(rows) if rows.is_empty() => break,
                Ok(rows) => rows,
                Err(e) => {
                    tracing::warn!(error = %e, "processor ops could not be read");
                    break;
                }
            };
            for op in due {
                attempted += 1;
                if let Err(e) = self.run_op(&op).await {
                    tracing::warn!(op = %op.id, error = %e.message, "processor op could not be run");
                }
            }
        }
        attempted
    }

    async fn run_op(&self, op: &Op) -> Result<(), ApiError> {
        let now = self.clock.now();
        let claimed = query(
            "UPDATE processor_ops SET attempts = attempts + 1, next_attempt_at = $2, updated_at = $3 \
             WHERE id = $1 AND status = 'pending' AND next_attempt_at <= $3",
        )
        .bind(op.id.as_str())
        .bind(now + backoff(op.attempts))
        .bind(now)
        .execute(&self.db)
        .await?;
        if claimed == 0 {
            return Ok(());
        }
        let Some(kind) = Kind::parse(&op.kind) else {
            return self.close_op(op, "failed", Some("unknown op kind")).await;
        };
        let ended = match self.attempt(kind, op).await? {
            Ok(()) => Ended::Done,
            Err(e) if e.retryable() && op.attempts + 1 < MAX_ATTEMPTS => Ended::Retry(e.to_string()),
            Err(e) => Ended::Failed(e.to_string()),
        };
        match ended {
            Ended::Done => self.close_op(op, "done", None).await,
            Ended::Retry(error) => {
                tracing::warn!(op = %op.id, attempts = op.attempts + 1, %error, "processor unavailable: will retry");
                query("UPDATE processor_ops SET last_error = $2 WHERE id = $1")
                    .bind(op.id.as_str())
                    .bind(error.chars().take(1000).collect::<String>())
                    .execute(&self.db)
                    .await?;
                Ok(())
            }
            Ended::Failed(error) => {
                tracing::error!(op = %op.id, %error, "processor op failed for good");
                self.undo(kind, op, &error).await?;
                self.close_op(op, "failed", Some(&error)).await
            }
        }
    }

    async fn close_op(&self, op: &Op, status: &str, error: Option<&str>) -> Result<(), ApiError> {
        query("UPDATE processor_ops SET status = $2, last_error = $3, updated_at = $4 WHERE id = $1")
            .bind(op.id.as_str())
            .bind(status)
            .bind(error.map(|e| e.chars().take(1000).collect::<String>()))
            .bind(self.clock.now())
            .execute(&self.db)
            .await?;
        Ok(())
    }

    /// One call for `op`; the outer error is ours (database), the inner the processor's.
    async fn attempt(&self, kind: Kind, op: &Op) -> Result<Result<(), ProcessorError>, ApiError> {
        let intent = match op.intent_id.as_deref() {
            Some(id) => store::find(&self.db, id).await?,
            None => None,
        };
        match (kind, intent) {
            (Kind::Capture, Some(intent)) => {
                if intent.status != "requires_capture" {
                    return Ok(Ok(()));
                }
                match self.processor.capture(&payment_ref(&intent), &op.id).await {
                    Ok(outcome) => self.apply_outcome(&intent, outcome).await.map(Ok),
                    Err(e) => Ok(Err(e)),
                }
            }
            (Kind::Cancel, Some(intent)) => {
                if ["succeeded", "canceled"].contains(&intent.status.as_str()) {
                    return Ok(Ok(()));
                }
                match self.processor.cancel(&payment_ref(&intent), &op.id).await {
                    Ok(()) => self
                        .apply_outcome(&intent, crate::processor::Outcome::of(crate::processor::Status::Canceled))
                        .await
                        .map(Ok),
                    Err(e) => Ok(Err(e)),
                }
            }
            (Kind::Refund, Some(intent)) => self.make_refund(&intent, &op.subject).await,
            (Kind::Transfer, _) => self.make_transfer(&op.subject).await,
            (_, None) => Ok(Err(ProcessorError::Rejected {
                code: "missing_payment".into(),
                message: "the payment of this op is gone".into(),
            })),
        }
    }

    /// What a failed op leaves behind is put right.
    async fn undo(&self, kind: Kind, op: &Op, error: &str) -> Result<(), ApiError> {
        match kind {
            Kind::Refund => self.refund_failed(&op.subject, error).await,
            Kind::Transfer => self.payout_failed(&op.subject, error).await,
            // The authorisation stays with the processor, which lets it lapse (Stripe: 7 days);
            // the audit log shows the failure for an administrator to act on.
            Kind::Capture | Kind::Cancel => {
                let found = match op.intent_id.as_deref() {
                    Some(id) => store::find(&self.db, id).await?,
                    None => None,
                };
                let Some(intent) = found else { return Ok(()) };
                let action = if kind == Kind::Capture { "capture_failed" } else { "release_failed" };
                let mut tx = self.db.begin().await?;
                let movement = crate::audit::Movement {
                    action,
                    subject: &intent.id,
                    reservation: Some(intent.reservation_id),
                    amount: intent.amount,
                    currency: &intent.currency,
                };
                crate::audit::record(&mut tx, &movement, &crate::audit::Actor::system(), self.clock.now()).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    }
}

struct OpView(serde_json::Value);

impl platform::db::FromRow for OpView {
    fn from_row(row: &platform::db::Row<'_>) -> Result<Self, DbError> {
        let next: DateTime<Utc> = row.get("next_attempt_at")?;
        let updated: DateTime<Utc> = row.get("updated_at")?;
        let intent: Option<String> = row.get("intent_id")?;
        let error: Option<String> = row.get("last_error")?;
        let (id, kind, subject, status): (String, String, String, String) =
            (row.get("id")?, row.get("kind")?, row.get("subject")?, row.get("status")?);
        let attempts: i64 = row.get("attempts")?;
        Ok(OpView(serde_json::json!({ "id": id, "kind": kind, "paymentIntentId": intent, "subject": subject,
            "status": status, "attempts": attempts, "nextAttemptAt": next, "lastError": error, "updatedAt": updated })))
    }
}

impl Payments {
    /// Ops for operators, newest first: what is waiting on the processor, what failed and why.
    pub async fn list_ops(&self, status: Option<&str>, limit: i64) -> Result<Vec<serde_json::Value>, ApiError> {
        let columns = "id, kind, intent_id, subject, status, attempts, next_attempt_at, last_error, updated_at";
        let rows: Vec<OpView> = match status {
            Some(status) => {
                platform::db::query_dynamic(format!(
                    "SELECT {columns} FROM processor_ops WHERE status = $1 ORDER BY updated_at DESC, id LIMIT $2"
                ))
                .bind(status)
                .bind(limit)
                .fetch_all(&self.db)
                .await?
            }
            None => {
                platform::db::query_dynamic(format!(
                    "SELECT {columns} FROM processor_ops ORDER BY updated_at DESC, id LIMIT $1"
                ))
                .bind(limit)
                .fetch_all(&self.db)
                .await?
            }
        };
        Ok(rows.into_iter().map(|OpView(v)| v).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(0), Duration::seconds(15));
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(3), Duration::seconds(120));
        assert_eq!(backoff(30), Duration::hours(6));
    }
}
