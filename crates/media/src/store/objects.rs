//! `media_objects`: panoramas and videos.

use chrono::{DateTime, Utc};
use platform::db::{DbError, Executor, FromRow, Json, Row, Tx, query, query_dynamic};
use uuid::Uuid;

use crate::domain::object::{Kind, Status, Variants};

#[derive(Debug, Clone, PartialEq)]
pub struct MediaObject {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub owner_id: Uuid,
    pub kind: Kind,
    pub status: Status,
    pub failure: Option<String>,
    pub title: Option<String>,
    /// Where the original (metadata stripped) is stored.
    pub object_key: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the bytes as uploaded.
    pub sha256: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub duration_ms: Option<i64>,
    pub variants: Variants,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, listing_id, owner_id, kind, status, failure, title, object_key, content_type, \
    size_bytes, sha256, width, height, duration_ms, variants, created_at, updated_at";

fn bad(column: &str, value: &str) -> DbError {
    DbError::Decode { column: column.to_owned(), message: format!("unknown value {value:?}") }
}

impl FromRow for MediaObject {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let kind: String = row.get("kind")?;
        let status: String = row.get("status")?;
        let Json(variants): Json<Variants> = row.get("variants")?;
        Ok(Self {
            id: row.get("id")?,
            listing_id: row.get("listing_id")?,
            owner_id: row.get("owner_id")?,
            kind: Kind::parse(&kind).ok_or_else(|| bad("kind", &kind))?,
            status: Status::parse(&status).ok_or_else(|| bad("status", &status))?,
            failure: row.get("failure")?,
            title: row.get("title")?,
            object_key: row.get("object_key")?,
            content_type: row.get("content_type")?,
            size_bytes: row.get("size_bytes")?,
            sha256: row.get("sha256")?,
            width: row.get("width")?,
            height: row.get("height")?,
            duration_ms: row.get("duration_ms")?,
            variants,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

pub async fn insert(tx: &mut Tx, o: &MediaObject) -> Result<(), DbError> {
    let variants = serde_json::to_value(&o.variants).map_err(|e| DbError::Other(e.to_string()))?;
    query_dynamic(format!(
        "INSERT INTO media_objects ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
    ))
    .bind(o.id)
    .bind(o.listing_id)
    .bind(o.owner_id)
    .bind(o.kind.as_str())
    .bind(o.status.as_str())
    .bind(o.failure.clone())
    .bind(o.title.clone())
    .bind(o.object_key.as_str())
    .bind(o.content_type.as_str())
    .bind(o.size_bytes)
    .bind(o.sha256.as_str())
    .bind(o.width)
    .bind(o.height)
    .bind(o.duration_ms)
    .bind(variants)
    .bind(o.created_at)
    .bind(o.updated_at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn find<'c>(on: impl Executor<'c>, id: Uuid) -> Result<Option<MediaObject>, DbError> {
    query_dynamic(format!("SELECT {COLUMNS} FROM media_objects WHERE id = $1")).bind(id).fetch_optional(on).await
}

/// The objects of a listing, oldest first.
pub async fn of_listing<'c>(on: impl Executor<'c>, listing: Uuid) -> Result<Vec<MediaObject>, DbError> {
    query_dynamic(format!("SELECT {COLUMNS} FROM media_objects WHERE listing_id = $1 ORDER BY created_at, id"))
        .bind(listing)
        .fetch_all(on)
        .await
}

pub async fn of_owner<'c>(on: impl Executor<'c>, owner: Uuid) -> Result<Vec<MediaObject>, DbError> {
    query_dynamic(format!("SELECT {COLUMNS} FROM media_objects WHERE owner_id = $1")).bind(owner).fetch_all(on).await
}

/// Bytes a listing's objects and unfinished uploads hold against its quota.
pub async fn used_bytes<'c>(on: impl Executor<'c>, listing: Uuid) -> Result<i64, DbError> {
    // SUM of a BIGINT is NUMERIC on PostgreSQL: cast back.
    let (used,): (i64,) = query(
        "SELECT CAST(COALESCE((SELECT SUM(size_bytes) FROM media_objects WHERE listing_id = $1), 0) \
              + COALESCE((SELECT SUM(size_bytes) FROM media_uploads WHERE listing_id = $1), 0) AS BIGINT)",
    )
    .bind(listing)
    .fetch_one(on)
    .await?;
    Ok(used)
}

/// What processing made of an object.
pub struct Processed<'a> {
    /// Where the published file now is.
    pub key: &'a str,
    pub sha256: &'a str,
    pub variants: &'a Variants,
}

/// Marks a processing object ready; false when it is no longer processing (deleted, or already
/// finished by another attempt).
pub async fn finish_ready(tx: &mut Tx, id: Uuid, done: &Processed<'_>, at: DateTime<Utc>) -> Result<bool, DbError> {
    let variants = serde_json::to_value(done.variants).map_err(|e| DbError::Other(e.to_string()))?;
    let n = query(
        "UPDATE media_objects SET status = 'ready', object_key = $2, sha256 = $3, variants = $4, failure = NULL, \
         updated_at = $5 WHERE id = $1 AND status = 'processing'",
    )
    .bind(id)
    .bind(done.key)
    .bind(done.sha256)
    .bind(variants)
    .bind(at)
    .execute(tx)
    .await?;
    Ok(n > 0)
}

/// Marks a processing object failed; false when it is no longer processing.
pub async fn finish_failed(tx: &mut Tx, id: Uuid, reason: &str, at: DateTime<Utc>) -> Result<bool, DbError> {
    let n = query(
        "UPDATE media_objects SET status = 'failed', failure = $2, updated_at = $3 WHERE id = $1 AND status = 'processing'",
    )
    .bind(id)
    .bind(reason)
    .bind(at)
    .execute(tx)
    .await?;
    Ok(n > 0)
}

/// Replaces the variants of a ready object (a new poster): false when it is not ready.
pub async fn set_variants(tx: &mut Tx, id: Uuid, variants: &Variants, at: DateTime<Utc>) -> Result<bool, DbError> {
    let variants = serde_json::to_value(variants).map_err(|e| DbError::Other(e.to_string()))?;
    let n = query("UPDATE media_objects SET variants = $2, updated_at = $3 WHERE id = $1 AND status = 'ready'")
        .bind(id)
        .bind(variants)
        .bind(at)
        .execute(tx)
        .await?;
    Ok(n > 0)
}

pub async fn set_title(tx: &mut Tx, id: Uuid, title: Option<&str>, at: DateTime<Utc>) -> Result<bool, DbError> {
    let n = query("UPDATE media_objects SET title = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(title.map(str::to_owned))
        .bind(at)
        .execute(tx)
        .await?;
    Ok(n > 0)
}

pub async fn delete(tx: &mut Tx, id: Uuid) -> Result<bool, DbError> {
    Ok(query("DELETE FROM media_objects WHERE id = $1").bind(id).execute(tx).await? > 0)
}
