//! Listings as catalog's events describe them.

use chrono::{DateTime, Utc};
use platform::db::{DbError, Dialect, Executor, FromRow, Row, Tx, query};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub id: Uuid,
    pub owner_id: Uuid,
    /// `draft`, `published`, `unpublished`, `deleted` (catalog's words).
    pub status: String,
}

impl Listing {
    pub fn is_public(&self) -> bool {
        self.status == "published"
    }

    pub fn is_deleted(&self) -> bool {
        self.status == "deleted"
    }
}

impl FromRow for Listing {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Self { id: row.get("id")?, owner_id: row.get("owner_id")?, status: row.get("status")? })
    }
}

/// Records the listing as of `at`; an older event never overwrites a newer one.
pub async fn upsert(tx: &mut Tx, l: &Listing, at: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO listings (id, owner_id, status, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET owner_id = excluded.owner_id, status = excluded.status, \
         updated_at = excluded.updated_at WHERE listings.updated_at <= excluded.updated_at",
    )
    .bind(l.id)
    .bind(l.owner_id)
    .bind(l.status.as_str())
    .bind(at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn find<'c>(on: impl Executor<'c>, id: Uuid) -> Result<Option<Listing>, DbError> {
    query("SELECT id, owner_id, status FROM listings WHERE id = $1").bind(id).fetch_optional(on).await
}

/// Locks a live listing's row until the transaction ends (PostgreSQL; SQLite has one writer),
/// so quota checks and inserts of concurrent uploads are serialised. False when there is none.
pub async fn lock(tx: &mut Tx, id: Uuid) -> Result<bool, DbError> {
    let sql = match tx.dialect() {
        Dialect::Postgres => "SELECT id FROM listings WHERE id = $1 AND status <> 'deleted' FOR UPDATE",
        Dialect::Sqlite => "SELECT id FROM listings WHERE id = $1 AND status <> 'deleted'",
    };
    let found: Option<(Uuid,)> = query(sql).bind(id).fetch_optional(&mut *tx).await?;
    Ok(found.is_some())
}
