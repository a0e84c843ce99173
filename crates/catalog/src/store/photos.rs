//! `listing_photos`: the photos of a listing, in display order, where their sizes are stored,
//! and how far their processing is (`processing` with the private original's key, then
//! `ready` with variants or `failed` with the reason).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, Dialect, FromRow, Json, Row, Tx, query};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One stored size of a photo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredVariant {
    /// Object key in the media store.
    pub key: String,
    pub width: u32,
    pub height: u32,
}

/// Where a photo's processing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PhotoStatus {
    /// Uploaded; the `catalog.photo` job has not made its sizes yet.
    Processing,
    Ready,
    /// The image could not be decoded (see `failure`).
    Failed,
}

impl PhotoStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PhotoStatus::Processing => "processing",
            PhotoStatus::Ready => "ready",
            PhotoStatus::Failed => "failed",
        }
    }

    fn parse(raw: &str) -> Result<Self, DbError> {
        match raw {
            "processing" => Ok(PhotoStatus::Processing),
            "ready" => Ok(PhotoStatus::Ready),
            "failed" => Ok(PhotoStatus::Failed),
            other => Err(DbError::Other(format!("unknown photo status `{other}`"))),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Photo {
    pub id: Uuid,
    pub listing_id: Uuid,
    /// 1, 2, … in display order.
    pub position: i32,
    pub caption: Option<String>,
    /// `thumb`, `medium`, `large` → where each is stored.
    pub variants: BTreeMap<String, StoredVariant>,
    pub status: PhotoStatus,
    /// Why processing failed (shown to the owner).
    pub failure: Option<String>,
    /// The uploaded file, under a key `/media` never serves, while it waits for processing.
    pub original_key: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl FromRow for Photo {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let Json(variants): Json<BTreeMap<String, StoredVariant>> = row.get("variants")?;
        Ok(Photo {
            id: row.get("id")?,
            listing_id: row.get("listing_id")?,
            position: row.get("position")?,
            caption: row.get("caption")?,
            variants,
            status: PhotoStatus::parse(&row.get::<String>("status")?)?,
            failure: row.get("failure")?,
            original_key: row.get("original_key")?,
            created_at: row.get("created_at")?,
        })
    }
}

const COLUMNS: &str = "id, listing_id, position, caption, variants, status, failure, original_key, created_at";

/// Serialises photo changes of one listing for the rest of `tx` (PostgreSQL row lock; SQLite
/// transactions already hold the write lock). `false` when the listing is gone.
pub async fn lock_listing(tx: &mut Tx, listing: Uuid) -> Result<bool, DbError> {
    let sql = match tx.dialect() {
        Dialect::Postgres => "SELECT id FROM listings WHERE id = $1 AND deleted_at IS NULL FOR UPDATE",
        Dialect::Sqlite => "SELECT id FROM listings WHERE id = $1 AND deleted_at IS NULL",
    };
    let found: Option<(Uuid,)> = query(sql).bind(listing).fetch_optional(&mut *tx).await?;
    Ok(found.is_some())
}

pub async fn count(db: &Db, listing: Uuid) -> Result<i64, DbError> {
    let (n,): (i64,) =
        query("SELECT COUNT(*) FROM listing_photos WHERE listing_id = $1").bind(listing).fetch_one(db).await?;
    Ok(n)
}

pub async fn count_tx(tx: &mut Tx, listing: Uuid) -> Result<i64, DbError> {
    let (n,): (i64,) =
        query("SELECT COUNT(*) FROM listing_photos WHERE listing_id = $1").bind(listing).fetch_one(tx).await?;
    Ok(n)
}

pub async fn insert(tx: &mut Tx, p: &Photo) -> Result<(), DbError> {
    query(
        "INSERT INTO listing_photos (id, listing_id, position, caption, variants, status, failure, original_key, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(p.id)
    .bind(p.listing_id)
    .bind(p.position)
    .bind(p.caption.clone())
    .bind_json(&p.variants)?
    .bind(p.status.as_str())
    .bind(p.failure.clone())
    .bind(p.original_key.clone())
    .bind(p.created_at)
    .execute(tx)
    .await?;
    Ok(())
}

/// The listing's photos in display order.
pub async fn list(db: &Db, listing: Uuid) -> Result<Vec<Photo>, DbError> {
    platform::db::query_dynamic(format!(
        "SELECT {COLUMNS} FROM listing_photos WHERE listing_id = $1 ORDER BY position, created_at, id"
    ))
    .bind(listing)
    .fetch_all(db)
    .await
}

pub async fn list_tx(tx: &mut Tx, listing: Uuid) -> Result<Vec<Photo>, DbError> {
    platform::db::query_dynamic(format!(
        "SELECT {COLUMNS} FROM listing_photos WHERE listing_id = $1 ORDER BY position, created_at, id"
    ))
    .bind(listing)
    .fetch_all(tx)
    .await
}

/// The photo `id`, whatever its listing.
pub async fn find(db: &Db, id: Uuid) -> Result<Option<Photo>, DbError> {
    platform::db::query_dynamic(format!("SELECT {COLUMNS} FROM listing_photos WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// A processing photo becomes ready with `variants`: false when it is gone or no longer
/// processing.
pub async fn set_ready(tx: &mut Tx, id: Uuid, variants: &BTreeMap<String, StoredVariant>) -> Result<bool, DbError> {
    let changed = query(
        "UPDATE listing_photos SET status = 'ready', variants = $2, original_key = NULL \
         WHERE id = $1 AND status = 'processing'",
    )
    .bind(id)
    .bind_json(variants)?
    .execute(tx)
    .await?;
    Ok(changed == 1)
}

/// A processing photo fails for `reason`: false when it is gone or no longer processing.
pub async fn set_failed(db: &Db, id: Uuid, reason: &str) -> Result<bool, DbError> {
    let changed = query(
        "UPDATE listing_photos SET status = 'failed', failure = $2, original_key = NULL \
         WHERE id = $1 AND status = 'processing'",
    )
    .bind(id)
    .bind(reason)
    .execute(db)
    .await?;
    Ok(changed == 1)
}

pub async fn set_caption(tx: &mut Tx, id: Uuid, caption: Option<&str>) -> Result<(), DbError> {
    query("UPDATE listing_photos SET caption = $2 WHERE id = $1")
        .bind(id)
        .bind(caption.map(str::to_owned))
        .execute(tx)
        .await?;
    Ok(())
}

pub async fn set_position(tx: &mut Tx, id: Uuid, position: i32) -> Result<(), DbError> {
    query("UPDATE listing_photos SET position = $2 WHERE id = $1").bind(id).bind(position).execute(tx).await?;
    Ok(())
}

pub async fn delete(tx: &mut Tx, id: Uuid) -> Result<(), DbError> {
    query("DELETE FROM listing_photos WHERE id = $1").bind(id).execute(tx).await?;
    Ok(())
}
