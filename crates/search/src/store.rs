//! The search context's SQL — the only code that touches its table. The index itself is on
//! disk (Tantivy); this table only records which version of each listing was applied, so that
//! replayed or out-of-order events never undo a newer change.

use chrono::{DateTime, Utc};
use platform::db::{DbError, Tx, query};
use uuid::Uuid;

/// The version last applied for `id`, if any.
pub async fn applied_version(tx: &mut Tx, id: Uuid) -> Result<Option<i64>, DbError> {
    let row: Option<(i64,)> =
        query("SELECT version FROM indexed_listings WHERE id = $1").bind(id).fetch_optional(tx).await?;
    Ok(row.map(|(v,)| v))
}

/// Records that `version` of `id` was applied (`indexed`: it is in the index).
pub async fn record(tx: &mut Tx, id: Uuid, version: i64, indexed: bool, now: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO indexed_listings (id, version, indexed, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, indexed = excluded.indexed, \
         updated_at = excluded.updated_at",
    )
    .bind(id)
    .bind(version)
    .bind(indexed)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}
