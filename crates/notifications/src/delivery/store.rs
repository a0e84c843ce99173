//! The delivery queue's SQL: queueing, leasing due rows to a worker, recording outcomes, the
//! delivery log, push subscriptions and trip reminders.

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, Dialect, Executor, FromRow, Row, Tx, query, query_dynamic};
use uuid::Uuid;

use super::NewDelivery;

/// A queued or finished delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub notification_id: Option<Uuid>,
    pub channel: String,
    pub template: String,
    pub topic: Option<String>,
    pub recipient: String,
    /// JSON text.
    pub payload: String,
    pub sensitive: bool,
    pub status: String,
    pub attempts: i64,
    pub not_before: DateTime<Utc>,
    pub lease_until: Option<DateTime<Utc>>,
    pub give_up_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub provider_ref: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, user_id, notification_id, channel, template, topic, recipient, payload, sensitive, status, \
     attempts, not_before, lease_until, give_up_at, last_error, provider_ref, created_at, updated_at, sent_at";

impl FromRow for Delivery {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Delivery {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            notification_id: row.get("notification_id")?,
            channel: row.get("channel")?,
            template: row.get("template")?,
            topic: row.get("topic")?,
            recipient: row.get("recipient")?,
            payload: row.get("payload")?,
            sensitive: row.get("sensitive")?,
            status: row.get("status")?,
            attempts: row.get("attempts")?,
            not_before: row.get("not_before")?,
            lease_until: row.get("lease_until")?,
            give_up_at: row.get("give_up_at")?,
            last_error: row.get("last_error")?,
            provider_ref: row.get("provider_ref")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
            sent_at: row.get("sent_at")?,
        })
    }
}

pub async fn insert(
    tx: &mut Tx,
    d: &NewDelivery,
    now: DateTime<Utc>,
    give_up_at: DateTime<Utc>,
) -> Result<bool, DbError> {
    let inserted = query(
        "INSERT INTO notification_deliveries (id, user_id, notification_id, channel, template, topic, recipient, payload, \
         sensitive, status, attempts, not_before, give_up_at, hold_key, created_at, updated_at, dedupe_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', 0, $10, $11, $12, $13, $13, $14) \
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(kernel::new_id())
    .bind(d.user_id)
    .bind(d.notification_id)
    .bind(d.channel.as_str())
    .bind(d.template.as_str())
    .bind(d.topic.map(|t| t.as_str()))
    .bind(d.recipient.as_str())
    .bind(d.payload.to_string())
    .bind(d.sensitive)
    .bind(d.not_before)
    .bind(give_up_at)
    .bind(d.hold_key.as_deref())
    .bind(now)
    .bind(d.dedupe_key.as_str())
    .execute(tx)
    .await?;
    Ok(inserted == 1)
}

/// Leases up to `limit` due deliveries until `lease_until` and counts the attempt. Rows
/// another worker holds are skipped (on PostgreSQL without waiting for its lock), so several
/// processes can work one queue and none sends what another is sending.
pub async fn claim(
    db: &Db,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<Delivery>, DbError> {
    let skip_locked = if db.dialect() == Dialect::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    let mut tx = db.begin().await?;
    let rows = query_dynamic(format!(
        "UPDATE notification_deliveries SET lease_until = $2, attempts = attempts + 1, updated_at = $1 \
         WHERE id IN (SELECT id FROM notification_deliveries WHERE status = 'pending' AND not_before <= $1 \
         AND (lease_until IS NULL OR lease_until <= $1) ORDER BY not_before LIMIT $3{skip_locked}) \
         RETURNING {COLUMNS}"
    ))
    .bind(now)
    .bind(lease_until)
    .bind(i64::from(limit))
    .fetch_all::<Delivery>(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}

/// The soonest moment a pending delivery becomes due, if any.
pub async fn next_due(db: &Db) -> Result<Option<DateTime<Utc>>, DbError> {
    let row: Option<(Option<DateTime<Utc>>,)> = query(
        "SELECT MIN(CASE WHEN lease_until IS NOT NULL AND lease_until > not_before THEN lease_until ELSE not_before END) \
         FROM notification_deliveries WHERE status = 'pending'",
    )
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(|(at,)| at))
}

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Sent {
        provider_ref: Option<String>,
    },
    /// Try again at `at`, having failed with `error`.
    Retry {
        at: DateTime<Utc>,
        error: String,
    },
    Failed {
        error: String,
    },
    /// Nothing to send any more (a push subscription removed meanwhile).
    Cancelled {
        reason: String,
    },
}

/// Records `outcome` for a delivery this worker leased (`lease`): a worker whose lease ran out
/// and was taken over records nothing. Sensitive payloads are wiped once done.
pub async fn finish(
    db: &Db,
    id: Uuid,
    lease: DateTime<Utc>,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    const WIPE: &str = "payload = CASE WHEN sensitive THEN '{}' ELSE payload END";
    let q = match outcome {
        Outcome::Sent { provider_ref } => query_dynamic(format!(
            "UPDATE notification_deliveries SET status = 'sent', sent_at = $3, updated_at = $3, lease_until = NULL, \
             provider_ref = $4, last_error = NULL, {WIPE} WHERE id = $1 AND lease_until = $2 AND status = 'pending'"
        ))
        .bind(id)
        .bind(lease)
        .bind(now)
        .bind(provider_ref.as_deref()),
        Outcome::Retry { at, error } => query(
            "UPDATE notification_deliveries SET not_before = $4, last_error = $5, updated_at = $3, lease_until = NULL \
             WHERE id = $1 AND lease_until = $2 AND status = 'pending'",
        )
        .bind(id)
        .bind(lease)
        .bind(now)
        .bind(*at)
        .bind(truncate(error)),
        Outcome::Failed { error: reason } | Outcome::Cancelled { reason } => {
            let status = if matches!(outcome, Outcome::Failed { .. }) { "failed" } else { "cancelled" };
            query_dynamic(format!(
                "UPDATE notification_deliveries SET status = $4, last_error = $5, updated_at = $3, lease_until = NULL, \
                 {WIPE} WHERE id = $1 AND lease_until = $2 AND status = 'pending'"
            ))
            .bind(id)
            .bind(lease)
            .bind(now)
            .bind(status)
            .bind(truncate(reason))
        }
    };
    Ok(q.execute(db).await? == 1)
}

fn truncate(text: &str) -> String {
    text.chars().take(500).collect()
}

/// Cancels the pending deliveries held on `hold_key` for `user` (a message mail once the
/// conversation is read): how many.
pub async fn cancel_held(tx: &mut Tx, user: Uuid, hold_key: &str, now: DateTime<Utc>) -> Result<u64, DbError> {
    query(
        "UPDATE notification_deliveries SET status = 'cancelled', last_error = 'read before it was sent', updated_at = $3 \
         WHERE hold_key = $2 AND user_id = $1 AND status = 'pending' AND lease_until IS NULL",
    )
    .bind(user)
    .bind(hold_key)
    .bind(now)
    .execute(tx)
    .await
}

/// Which deliveries a log shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogFilter<'a> {
    pub user_id: Option<Uuid>,
    pub channel: Option<&'a str>,
    pub status: Option<&'a str>,
    /// Only rows created strictly before this one (cursor pagination, newest first).
    pub before: Option<(DateTime<Utc>, Uuid)>,
}

/// A page of the delivery log, newest first.
pub async fn log(db: &Db, f: LogFilter<'_>, limit: u32) -> Result<Vec<Delivery>, DbError> {
    let (before_at, before_id) = f.before.map_or((None, None), |(at, id)| (Some(at), Some(id)));
    query_dynamic(format!(
        "SELECT {COLUMNS} FROM notification_deliveries WHERE ($1 IS NULL OR user_id = $1) \
         AND ($2 IS NULL OR channel = $2) AND ($3 IS NULL OR status = $3) \
         AND ($4 IS NULL OR created_at < $4 OR (created_at = $4 AND id < $5)) \
         ORDER BY created_at DESC, id DESC LIMIT $6"
    ))
    .bind(f.user_id)
    .bind(f.channel)
    .bind(f.status)
    .bind(before_at)
    .bind(before_id)
    .bind(i64::from(limit))
    .fetch_all::<Delivery>(db)
    .await
}

/// Pending deliveries per channel (for `/metrics`).
pub async fn pending_by_channel(db: &Db) -> Result<Vec<(String, i64)>, DbError> {
    query("SELECT channel, COUNT(*) FROM notification_deliveries WHERE status = 'pending' GROUP BY channel")
        .fetch_all(db)
        .await
}

/// One delivery of a user (GDPR export) — every row.
pub async fn all_for_user<'c>(on: impl Executor<'c>, user: Uuid) -> Result<Vec<Delivery>, DbError> {
    query_dynamic(format!("SELECT {COLUMNS} FROM notification_deliveries WHERE user_id = $1 ORDER BY created_at, id"))
        .bind(user)
        .fetch_all::<Delivery>(on)
        .await
}

// ---------------------------------------------------------------------------------------------
// Push subscriptions

/// A stored push subscription (keys base64url, as the browser gave them).
#[derive(Debug, Clone, PartialEq)]
pub struct PushSubscription {
    pub id: Uuid,
    pub user_id: Uuid,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_success_at: Option<DateTime<Utc>>,
}

impl FromRow for PushSubscription {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(PushSubscription {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            endpoint: row.get("endpoint")?,
            p256dh: row.get("p256dh")?,
            auth: row.get("auth")?,
            user_agent: row.get("user_agent")?,
            created_at: row.get("created_at")?,
            last_success_at: row.get("last_success_at")?,
        })
    }
}

const SUB_COLUMNS: &str = "id, user_id, endpoint, p256dh, auth, user_agent, created_at, last_success_at";

/// Stores a subscription for `user`: an endpoint already known (the same browser subscribing
/// again, or another account on it) is moved to `user` with the new keys. Returns the row.
pub async fn upsert_subscription(tx: &mut Tx, s: &PushSubscription) -> Result<PushSubscription, DbError> {
    query_dynamic(format!(
        "INSERT INTO push_subscriptions ({SUB_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL) \
         ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh, \
         auth = excluded.auth, user_agent = excluded.user_agent RETURNING {SUB_COLUMNS}"
    ))
    .bind(s.id)
    .bind(s.user_id)
    .bind(s.endpoint.as_str())
    .bind(s.p256dh.as_str())
    .bind(s.auth.as_str())
    .bind(s.user_agent.as_deref())
    .bind(s.created_at)
    .fetch_one::<PushSubscription>(tx)
    .await
}

pub async fn subscriptions<'c>(on: impl Executor<'c>, user: Uuid) -> Result<Vec<PushSubscription>, DbError> {
    query_dynamic(format!("SELECT {SUB_COLUMNS} FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at, id"))
        .bind(user)
        .fetch_all::<PushSubscription>(on)
        .await
}

pub async fn subscription<'c>(on: impl Executor<'c>, id: Uuid) -> Result<Option<PushSubscription>, DbError> {
    query_dynamic(format!("SELECT {SUB_COLUMNS} FROM push_subscriptions WHERE id = $1"))
        .bind(id)
        .fetch_optional::<PushSubscription>(on)
        .await
}

/// Removes one of `user`'s subscriptions, by id or endpoint: whether it existed.
pub async fn delete_subscription(
    db: &Db,
    user: Uuid,
    id: Option<Uuid>,
    endpoint: Option<&str>,
) -> Result<bool, DbError> {
    let n = query("DELETE FROM push_subscriptions WHERE user_id = $1 AND (id = $2 OR endpoint = $3)")
        .bind(user)
        .bind(id)
        .bind(endpoint)
        .execute(db)
        .await?;
    Ok(n > 0)
}

/// The push service said the subscription is gone (404/410): forget it.
pub async fn forget_subscription(db: &Db, id: Uuid) -> Result<(), DbError> {
    query("DELETE FROM push_subscriptions WHERE id = $1").bind(id).execute(db).await?;
    Ok(())
}

pub async fn forget_subscription_tx(tx: &mut Tx, id: Uuid) -> Result<(), DbError> {
    query("DELETE FROM push_subscriptions WHERE id = $1").bind(id).execute(tx).await?;
    Ok(())
}

pub async fn subscription_worked(db: &Db, id: Uuid, now: DateTime<Utc>) -> Result<(), DbError> {
    query("UPDATE push_subscriptions SET last_success_at = $2 WHERE id = $1").bind(id).bind(now).execute(db).await?;
    Ok(())
}

/// Deletes a user's deliveries, subscriptions and reminders (GDPR erasure).
pub async fn erase(tx: &mut Tx, user: Uuid) -> Result<(), DbError> {
    query("DELETE FROM notification_deliveries WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
    query("DELETE FROM push_subscriptions WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
    query("DELETE FROM notification_reminders WHERE user_id = $1").bind(user).execute(tx).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Trip reminders

/// Plans (or moves) the reminder of a reservation.
pub async fn plan_reminder(
    tx: &mut Tx,
    reservation: Uuid,
    user: Uuid,
    due_at: DateTime<Utc>,
    data: &str,
) -> Result<(), DbError> {
    query(
        "INSERT INTO notification_reminders (reservation_id, user_id, due_at, reservation, sent_at) \
         VALUES ($1, $2, $3, $4, NULL) ON CONFLICT (reservation_id) DO UPDATE SET due_at = excluded.due_at, \
         reservation = excluded.reservation WHERE notification_reminders.sent_at IS NULL",
    )
    .bind(reservation)
    .bind(user)
    .bind(due_at)
    .bind(data)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn drop_reminder(tx: &mut Tx, reservation: Uuid) -> Result<(), DbError> {
    query("DELETE FROM notification_reminders WHERE reservation_id = $1 AND sent_at IS NULL")
        .bind(reservation)
        .execute(tx)
        .await?;
    Ok(())
}

/// Takes up to `limit` due reminders, marking them sent (the notices are made in the same
/// transaction by the caller).
pub async fn take_due_reminders(
    tx: &mut Tx,
    now: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<(Uuid, Uuid, String)>, DbError> {
    let rows: Vec<(Uuid, Uuid, String)> = query(
        "SELECT reservation_id, user_id, reservation FROM notification_reminders \
         WHERE sent_at IS NULL AND due_at <= $1 ORDER BY due_at LIMIT $2",
    )
    .bind(now)
    .bind(i64::from(limit))
    .fetch_all(&mut *tx)
    .await?;
    for (id, _, _) in &rows {
        query("UPDATE notification_reminders SET sent_at = $2 WHERE reservation_id = $1")
            .bind(*id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    Ok(rows)
}
