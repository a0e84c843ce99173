//! The analysis part's tables (migration 4): `ai_analysis_reviews`, `ai_analysis_trips`,
//! `ai_analysis_listings`, `ai_analysis_photos`.

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, FromRow, Json, Row, Tx, query};
use serde_json::Value;
use uuid::Uuid;

/// A scored review.
pub struct ReviewRow {
    pub score: f64,
    pub words: Value,
}

impl FromRow for ReviewRow {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(ReviewRow { score: row.get("score")?, words: row.get::<Json<Value>>("words")?.0 })
    }
}

pub struct NewReview<'a> {
    pub review_id: Uuid,
    pub listing_id: Uuid,
    pub score: f64,
    pub language: &'a str,
    pub words: Value,
    pub published_at: DateTime<Utc>,
}

pub async fn upsert_review(tx: &mut Tx, r: &NewReview<'_>) -> Result<(), DbError> {
    query(
        "INSERT INTO ai_analysis_reviews (review_id, listing_id, score, language, words, hidden, published_at)
         VALUES ($1, $2, $3, $4, $5, FALSE, $6)
         ON CONFLICT (review_id) DO UPDATE SET score = $3, language = $4, words = $5",
    )
    .bind(r.review_id)
    .bind(r.listing_id)
    .bind(r.score)
    .bind(r.language)
    .bind(r.words.clone())
    .bind(r.published_at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn set_hidden(tx: &mut Tx, review_id: Uuid, hidden: bool) -> Result<(), DbError> {
    query("UPDATE ai_analysis_reviews SET hidden = $2 WHERE review_id = $1")
        .bind(review_id)
        .bind(hidden)
        .execute(tx)
        .await?;
    Ok(())
}

/// The listing's visible scored reviews.
pub async fn listing_reviews(db: &Db, listing: Uuid) -> Result<Vec<ReviewRow>, DbError> {
    query("SELECT score, words FROM ai_analysis_reviews WHERE listing_id = $1 AND hidden = FALSE")
        .bind(listing)
        .fetch_all(db)
        .await
}

/// A confirmed reservation's trip-purpose inputs and its parties.
pub struct TripRow {
    pub listing_id: Uuid,
    pub guest_id: Option<Uuid>,
    pub host_id: Option<Uuid>,
    pub inputs: Value,
}

impl FromRow for TripRow {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(TripRow {
            listing_id: row.get("listing_id")?,
            guest_id: row.get("guest_id")?,
            host_id: row.get("host_id")?,
            inputs: row.get::<Json<Value>>("inputs")?.0,
        })
    }
}

pub async fn upsert_trip(tx: &mut Tx, reservation: Uuid, t: &TripRow, at: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO ai_analysis_trips (reservation_id, listing_id, guest_id, host_id, inputs, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (reservation_id) DO UPDATE SET inputs = $5, updated_at = $6",
    )
    .bind(reservation)
    .bind(t.listing_id)
    .bind(t.guest_id)
    .bind(t.host_id)
    .bind(t.inputs.clone())
    .bind(at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn find_trip(db: &Db, reservation: Uuid) -> Result<Option<TripRow>, DbError> {
    query("SELECT listing_id, guest_id, host_id, inputs FROM ai_analysis_trips WHERE reservation_id = $1")
        .bind(reservation)
        .fetch_optional(db)
        .await
}

/// The reservations of a guest (GDPR export): (reservation, inputs).
pub async fn trips_of_guest(db: &Db, guest: Uuid) -> Result<Vec<(Uuid, Json<Value>)>, DbError> {
    query("SELECT reservation_id, inputs FROM ai_analysis_trips WHERE guest_id = $1 ORDER BY updated_at")
        .bind(guest)
        .fetch_all(db)
        .await
}

pub async fn upsert_listing(tx: &mut Tx, listing: Uuid, owner: Uuid, deleted: bool) -> Result<(), DbError> {
    query(
        "INSERT INTO ai_analysis_listings (listing_id, owner_id, deleted) VALUES ($1, $2, $3)
         ON CONFLICT (listing_id) DO UPDATE SET owner_id = $2, deleted = $3",
    )
    .bind(listing)
    .bind(owner)
    .bind(deleted)
    .execute(tx)
    .await?;
    Ok(())
}

/// The owner of a listing that is not deleted.
pub async fn listing_owner(db: &Db, listing: Uuid) -> Result<Option<Uuid>, DbError> {
    let row: Option<(Uuid,)> =
        query("SELECT owner_id FROM ai_analysis_listings WHERE listing_id = $1 AND deleted = FALSE")
            .bind(listing)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|r| r.0))
}

/// An analysed photo's hash.
#[derive(Debug, Clone)]
pub struct PhotoRow {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub hash: String,
    pub created_at: DateTime<Utc>,
}

impl FromRow for PhotoRow {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(PhotoRow {
            id: row.get("id")?,
            listing_id: row.get("listing_id")?,
            hash: row.get("hash")?,
            created_at: row.get("created_at")?,
        })
    }
}

pub struct NewPhoto {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub host_id: Uuid,
    pub hash: String,
    pub width: u32,
    pub height: u32,
    pub at: DateTime<Utc>,
}

pub async fn insert_photo(db: &Db, p: &NewPhoto) -> Result<(), DbError> {
    query(
        "INSERT INTO ai_analysis_photos (id, listing_id, host_id, hash, width, height, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(p.id)
    .bind(p.listing_id)
    .bind(p.host_id)
    .bind(p.hash.as_str())
    .bind(p.width)
    .bind(p.height)
    .bind(p.at)
    .execute(db)
    .await?;
    Ok(())
}

/// The photos analysed for a host's listings (the newest 1,000).
pub async fn host_photos(db: &Db, host: Uuid) -> Result<Vec<PhotoRow>, DbError> {
    query(
        "SELECT id, listing_id, hash, created_at FROM ai_analysis_photos WHERE host_id = $1
         ORDER BY created_at DESC LIMIT 1000",
    )
    .bind(host)
    .fetch_all(db)
    .await
}

/// Erasure: a user's trips as a guest and the photo hashes of their listings.
pub async fn erase(tx: &mut Tx, user: Uuid) -> Result<(), DbError> {
    query("DELETE FROM ai_analysis_trips WHERE guest_id = $1").bind(user).execute(&mut *tx).await?;
    query("DELETE FROM ai_analysis_photos WHERE host_id = $1").bind(user).execute(&mut *tx).await?;
    Ok(())
}
