//! `media_uploads`: chunked uploads in progress.

use chrono::{DateTime, Utc};
use platform::db::{DbError, Executor, FromRow, Row, Tx, query};
use uuid::Uuid;

use crate::domain::object::Kind;

#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub owner_id: Uuid,
    pub kind: Kind,
    pub title: Option<String>,
    pub content_type: String,
    /// Declared total size.
    pub size_bytes: i64,
    pub received_bytes: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl FromRow for Upload {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let kind: String = row.get("kind")?;
        Ok(Self {
            id: row.get("id")?,
            listing_id: row.get("listing_id")?,
            owner_id: row.get("owner_id")?,
            kind: Kind::parse(&kind)
                .ok_or_else(|| DbError::Decode { column: "kind".into(), message: format!("unknown value {kind:?}") })?,
            title: row.get("title")?,
            content_type: row.get("content_type")?,
            size_bytes: row.get("size_bytes")?,
            received_bytes: row.get("received_bytes")?,
            created_at: row.get("created_at")?,
            expires_at: row.get("expires_at")?,
        })
    }
}

pub async fn insert(tx: &mut Tx, u: &Upload) -> Result<(), DbError> {
    query(
        "INSERT INTO media_uploads (id, listing_id, owner_id, kind, title, content_type, size_bytes, received_bytes, \
         created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(u.id)
    .bind(u.listing_id)
    .bind(u.owner_id)
    .bind(u.kind.as_str())
    .bind(u.title.clone())
    .bind(u.content_type.as_str())
    .bind(u.size_bytes)
    .bind(u.received_bytes)
    .bind(u.created_at)
    .bind(u.expires_at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn find<'c>(on: impl Executor<'c>, id: Uuid) -> Result<Option<Upload>, DbError> {
    query(
        "SELECT id, listing_id, owner_id, kind, title, content_type, size_bytes, received_bytes, created_at, expires_at \
         FROM media_uploads WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(on)
    .await
}

/// Records that the partial file holds `to` bytes. Only ever forward: two requests that saw
/// the file at different moments cannot move the row back.
pub async fn advance(tx: &mut Tx, id: Uuid, to: i64) -> Result<bool, DbError> {
    let n = query("UPDATE media_uploads SET received_bytes = $2 WHERE id = $1 AND received_bytes < $2")
        .bind(id)
        .bind(to)
        .execute(tx)
        .await?;
    Ok(n > 0)
}

pub async fn delete(tx: &mut Tx, id: Uuid) -> Result<bool, DbError> {
    Ok(query("DELETE FROM media_uploads WHERE id = $1").bind(id).execute(tx).await? > 0)
}

/// Uploads past their expiry (at most `limit`).
pub async fn expired<'c>(on: impl Executor<'c>, now: DateTime<Utc>, limit: i64) -> Result<Vec<Uuid>, DbError> {
    let rows: Vec<(Uuid,)> = query("SELECT id FROM media_uploads WHERE expires_at <= $1 LIMIT $2")
        .bind(now)
        .bind(limit)
        .fetch_all(on)
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

pub async fn of_owner<'c>(on: impl Executor<'c>, owner: Uuid) -> Result<Vec<Uuid>, DbError> {
    let rows: Vec<(Uuid,)> =
        query("SELECT id FROM media_uploads WHERE owner_id = $1").bind(owner).fetch_all(on).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
