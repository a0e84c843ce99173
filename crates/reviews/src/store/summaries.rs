//! Each listing's aggregate as last published, with a version that only grows: consumers
//! (catalog, search) apply a `review.summary_changed` only when it is newer than what they hold.

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, Tx, query};
use serde_json::Value;
use uuid::Uuid;

/// Takes the next version of `listing`'s summary, locking its row for the rest of `tx`: two
/// transactions changing one listing's reviews compute its aggregate one after the other, so
/// the higher version always counts every review committed before it.
pub async fn next_version(tx: &mut Tx, listing: Uuid, now: DateTime<Utc>) -> Result<i64, DbError> {
    query(
        "INSERT INTO listing_summaries (listing_id, version, summary, updated_at) VALUES ($1, 1, '{}', $2) \
         ON CONFLICT (listing_id) DO UPDATE SET version = listing_summaries.version + 1, updated_at = excluded.updated_at",
    )
    .bind(listing)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let (version,): (i64,) =
        query("SELECT version FROM listing_summaries WHERE listing_id = $1").bind(listing).fetch_one(&mut *tx).await?;
    Ok(version)
}

pub async fn save(tx: &mut Tx, listing: Uuid, summary: &Value) -> Result<(), DbError> {
    query("UPDATE listing_summaries SET summary = $1 WHERE listing_id = $2")
        .bind(summary.to_string())
        .bind(listing)
        .execute(tx)
        .await?;
    Ok(())
}

/// The last published summary of a listing.
pub async fn get(db: &Db, listing: Uuid) -> Result<Option<Value>, DbError> {
    let row: Option<(String,)> =
        query("SELECT summary FROM listing_summaries WHERE listing_id = $1").bind(listing).fetch_optional(db).await?;
    Ok(row.and_then(|(s,)| serde_json::from_str(&s).ok()))
}

/// Summaries after `after` in listing-id order (the ratings feed).
pub async fn page(db: &Db, after: Option<Uuid>, limit: u32) -> Result<Vec<(Uuid, Value)>, DbError> {
    let rows: Vec<(Uuid, String)> =
        match after {
            Some(after) => query(
                "SELECT listing_id, summary FROM listing_summaries WHERE listing_id > $1 ORDER BY listing_id LIMIT $2",
            )
            .bind(after)
            .bind(limit)
            .fetch_all(db)
            .await?,
            None => {
                query("SELECT listing_id, summary FROM listing_summaries ORDER BY listing_id LIMIT $1")
                    .bind(limit)
                    .fetch_all(db)
                    .await?
            }
        };
    Ok(rows.into_iter().filter_map(|(id, s)| Some((id, serde_json::from_str(&s).ok()?))).collect())
}
