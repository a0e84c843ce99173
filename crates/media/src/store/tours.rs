//! `tours` and `tour_panoramas`: one tour document per listing, versioned.

use chrono::{DateTime, Utc};
use platform::db::{DbError, Executor, FromRow, Json, Row, Tx, query};
use uuid::Uuid;

use crate::domain::tour::TourDoc;

#[derive(Debug, Clone, PartialEq)]
pub struct Tour {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub owner_id: Uuid,
    pub document: TourDoc,
    /// Starts at 1, +1 per edit; the tour's ETag.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl FromRow for Tour {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let Json(document): Json<TourDoc> = row.get("document")?;
        Ok(Self {
            id: row.get("id")?,
            listing_id: row.get("listing_id")?,
            owner_id: row.get("owner_id")?,
            document,
            version: row.get("version")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

pub async fn of_listing<'c>(on: impl Executor<'c>, listing: Uuid) -> Result<Option<Tour>, DbError> {
    query("SELECT id, listing_id, owner_id, document, version, created_at, updated_at FROM tours WHERE listing_id = $1")
        .bind(listing)
        .fetch_optional(on)
        .await
}

pub async fn find<'c>(on: impl Executor<'c>, id: Uuid) -> Result<Option<Tour>, DbError> {
    query("SELECT id, listing_id, owner_id, document, version, created_at, updated_at FROM tours WHERE id = $1")
        .bind(id)
        .fetch_optional(on)
        .await
}

fn doc_value(doc: &TourDoc) -> Result<serde_json::Value, DbError> {
    serde_json::to_value(doc).map_err(|e| DbError::Other(e.to_string()))
}

async fn set_panoramas(tx: &mut Tx, tour: &Tour) -> Result<(), DbError> {
    query("DELETE FROM tour_panoramas WHERE listing_id = $1").bind(tour.listing_id).execute(&mut *tx).await?;
    for object in tour.document.panoramas() {
        query("INSERT INTO tour_panoramas (listing_id, object_id) VALUES ($1, $2)")
            .bind(tour.listing_id)
            .bind(object)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

pub async fn insert(tx: &mut Tx, tour: &Tour) -> Result<(), DbError> {
    query(
        "INSERT INTO tours (listing_id, id, owner_id, document, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(tour.listing_id)
    .bind(tour.id)
    .bind(tour.owner_id)
    .bind(doc_value(&tour.document)?)
    .bind(tour.version)
    .bind(tour.created_at)
    .bind(tour.updated_at)
    .execute(&mut *tx)
    .await?;
    set_panoramas(tx, tour).await
}

/// Stores `tour` (its version already incremented) if the stored version is `expected`.
pub async fn replace(tx: &mut Tx, tour: &Tour, expected: i64) -> Result<bool, DbError> {
    let n =
        query("UPDATE tours SET document = $2, version = $3, updated_at = $4 WHERE listing_id = $1 AND version = $5")
            .bind(tour.listing_id)
            .bind(doc_value(&tour.document)?)
            .bind(tour.version)
            .bind(tour.updated_at)
            .bind(expected)
            .execute(&mut *tx)
            .await?;
    if n == 0 {
        return Ok(false);
    }
    set_panoramas(tx, tour).await?;
    Ok(true)
}

pub async fn delete(tx: &mut Tx, listing: Uuid) -> Result<bool, DbError> {
    query("DELETE FROM tour_panoramas WHERE listing_id = $1").bind(listing).execute(&mut *tx).await?;
    Ok(query("DELETE FROM tours WHERE listing_id = $1").bind(listing).execute(&mut *tx).await? > 0)
}

/// Whether a tour shows the panorama `object`.
pub async fn uses_panorama<'c>(on: impl Executor<'c>, object: Uuid) -> Result<bool, DbError> {
    let (n,): (i64,) =
        query("SELECT COUNT(*) FROM tour_panoramas WHERE object_id = $1").bind(object).fetch_one(on).await?;
    Ok(n > 0)
}

pub async fn delete_of_owner(tx: &mut Tx, owner: Uuid) -> Result<(), DbError> {
    query("DELETE FROM tour_panoramas WHERE listing_id IN (SELECT listing_id FROM tours WHERE owner_id = $1)")
        .bind(owner)
        .execute(&mut *tx)
        .await?;
    query("DELETE FROM tours WHERE owner_id = $1").bind(owner).execute(&mut *tx).await?;
    Ok(())
}
