//! Tracking's SQL: raw tracked events (`insights_tracked`), the hourly listing views and daily
//! searches built from them and from search's events, and users' analytics consent.

use chrono::{DateTime, NaiveDate, Utc};
use platform::db::{Db, DbError, FromRow, Json, Row, Tx, query};
use serde_json::Value;
use uuid::Uuid;

use super::domain::Event;

/// Stores `e` once per (visitor, client id); whether it is new.
pub async fn insert(
    tx: &mut Tx,
    e: &Event,
    visitor: Uuid,
    user: Option<Uuid>,
    received_at: DateTime<Utc>,
) -> Result<bool, DbError> {
    query(
        "INSERT INTO insights_tracked (id, client_id, visitor_id, user_id, type, at, received_at, listing_id, path, \
         query, target, referrer, props) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (visitor_id, client_id) DO NOTHING",
    )
    .bind(kernel::new_id())
    .bind(e.client_id)
    .bind(visitor)
    .bind(user)
    .bind(e.kind.as_str())
    .bind(e.at)
    .bind(received_at)
    .bind(e.listing_id)
    .bind(e.path.clone())
    .bind(e.query.clone())
    .bind(e.target.clone())
    .bind(e.referrer.clone())
    .bind(e.props.clone())
    .execute(&mut *tx)
    .await
    .map(|n| n == 1)
}

/// The time zone of each listing in `ids` that insights knows.
pub async fn zones(tx: &mut Tx, ids: &[Uuid]) -> Result<Vec<(Uuid, String)>, DbError> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let zone: Option<(String,)> =
            query("SELECT timezone FROM insights_listings WHERE id = $1").bind(*id).fetch_optional(&mut *tx).await?;
        if let Some((zone,)) = zone {
            out.push((*id, zone));
        }
    }
    Ok(out)
}

/// Adds `views` to a listing's local hour.
pub async fn add_views(tx: &mut Tx, listing: Uuid, day: NaiveDate, hour: u32, views: i64) -> Result<(), DbError> {
    query(
        "INSERT INTO insights_views_hourly (listing_id, day, hour, views) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (listing_id, day, hour) DO UPDATE SET views = insights_views_hourly.views + excluded.views",
    )
    .bind(listing)
    .bind(day)
    .bind(hour)
    .bind(views)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Adds `n` server-side searches to a UTC day.
pub async fn add_searches(tx: &mut Tx, day: NaiveDate, n: i64) -> Result<(), DbError> {
    query(
        "INSERT INTO insights_searches_daily (day, searches) VALUES ($1, $2) \
         ON CONFLICT (day) DO UPDATE SET searches = insights_searches_daily.searches + excluded.searches",
    )
    .bind(day)
    .bind(n)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Records a user's analytics consent unless a later answer is known.
pub async fn set_consent(tx: &mut Tx, user: Uuid, granted: bool, at: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO insights_consent (user_id, analytics, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET analytics = excluded.analytics, updated_at = excluded.updated_at \
         WHERE insights_consent.updated_at <= excluded.updated_at",
    )
    .bind(user)
    .bind(granted)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A user's analytics consent and when it was given or withdrawn; `None`: never answered.
pub async fn consent(db: &Db, user: Uuid) -> Result<Option<(bool, DateTime<Utc>)>, DbError> {
    query("SELECT analytics, updated_at FROM insights_consent WHERE user_id = $1").bind(user).fetch_optional(db).await
}

/// Erasure: the user's tracked events become anonymous, their consent row goes.
pub async fn erase(tx: &mut Tx, user: Uuid) -> Result<(), DbError> {
    query("UPDATE insights_tracked SET user_id = NULL WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
    query("DELETE FROM insights_consent WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
    Ok(())
}

/// A tracked event as the user's export shows it.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tracked {
    #[serde(rename = "type")]
    pub kind: String,
    pub at: DateTime<Utc>,
    pub path: Option<String>,
    pub listing_id: Option<Uuid>,
    pub query: Option<String>,
    pub target: Option<String>,
    pub referrer: Option<String>,
    pub props: Option<Value>,
}

impl FromRow for Tracked {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Tracked {
            kind: row.get("type")?,
            at: row.get("at")?,
            path: row.get("path")?,
            listing_id: row.get("listing_id")?,
            query: row.get("query")?,
            target: row.get("target")?,
            referrer: row.get("referrer")?,
            props: row.get::<Option<Json<Value>>>("props")?.map(|j| j.0),
        })
    }
}

/// Every tracked event of `user`, oldest first.
pub async fn of_user(db: &Db, user: Uuid) -> Result<Vec<Tracked>, DbError> {
    query(
        "SELECT type, at, path, listing_id, query, target, referrer, props FROM insights_tracked \
         WHERE user_id = $1 ORDER BY at, id",
    )
    .bind(user)
    .fetch_all(db)
    .await
}

/// Deletes up to `limit` raw events received before `before`; how many.
pub async fn purge(db: &Db, before: DateTime<Utc>, limit: i64) -> Result<u64, DbError> {
    query(
        "DELETE FROM insights_tracked WHERE id IN \
         (SELECT id FROM insights_tracked WHERE received_at < $1 ORDER BY received_at LIMIT $2)",
    )
    .bind(before)
    .bind(limit)
    .execute(db)
    .await
}

/// Tracked events by type, by their (clamped) time in `[from, until)`.
pub async fn counts_by_type(db: &Db, from: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<(String, i64)>, DbError> {
    query("SELECT type, COUNT(*) FROM insights_tracked WHERE at >= $1 AND at < $2 GROUP BY type ORDER BY type")
        .bind(from)
        .bind(until)
        .fetch_all(db)
        .await
}

/// Distinct visitors with tracked events in `[from, until)`.
pub async fn visitors(db: &Db, from: DateTime<Utc>, until: DateTime<Utc>) -> Result<i64, DbError> {
    let (n,): (i64,) = query("SELECT COUNT(DISTINCT visitor_id) FROM insights_tracked WHERE at >= $1 AND at < $2")
        .bind(from)
        .bind(until)
        .fetch_one(db)
        .await?;
    Ok(n)
}

/// Server-side searches over UTC days `from..=to`.
pub async fn searches(db: &Db, from: NaiveDate, to: NaiveDate) -> Result<i64, DbError> {
    let (n,): (i64,) = query(
        "SELECT CAST(COALESCE(SUM(searches), 0) AS BIGINT) FROM insights_searches_daily WHERE day >= $1 AND day <= $2",
    )
    .bind(from)
    .bind(to)
    .fetch_one(db)
    .await?;
    Ok(n)
}

/// The most viewed listings over local days `from..=to`: (listing, views), at most `limit`.
pub async fn top_viewed(db: &Db, from: NaiveDate, to: NaiveDate, limit: i64) -> Result<Vec<(Uuid, i64)>, DbError> {
    query(
        "SELECT listing_id, CAST(SUM(views) AS BIGINT) AS total FROM insights_views_hourly \
         WHERE day >= $1 AND day <= $2 GROUP BY listing_id ORDER BY total DESC, listing_id LIMIT $3",
    )
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// One listing's views by local day and hour over `from..=to`: (day, hour, views).
pub async fn hours_of(
    db: &Db,
    listing: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(NaiveDate, i64, i64)>, DbError> {
    query(
        "SELECT day, CAST(hour AS BIGINT), views FROM insights_views_hourly \
         WHERE listing_id = $1 AND day >= $2 AND day <= $3 ORDER BY day, hour",
    )
    .bind(listing)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await
}
