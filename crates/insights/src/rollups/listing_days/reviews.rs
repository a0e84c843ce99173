//! Guests' reviews of listings (`insights_reviews`), from reviews' `review.published` (a
//! guest's review, with its overall rating) and `review.moderated` (hidden or restored): the
//! ratings a listing's days count.

use chrono::{DateTime, Utc};
use platform::db::{DbError, FromRow, Row, Tx, query};
use uuid::Uuid;

/// A guest's review as published.
#[derive(Debug, Clone)]
pub struct Published {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub rating: i64,
    pub at: DateTime<Utc>,
}

/// Records a published review once; whether it is new.
pub async fn published(tx: &mut Tx, r: &Published) -> Result<bool, DbError> {
    query(
        "INSERT INTO insights_reviews (id, listing_id, rating, published_at, hidden) VALUES ($1, $2, $3, $4, FALSE) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(r.id)
    .bind(r.listing_id)
    .bind(r.rating)
    .bind(r.at)
    .execute(&mut *tx)
    .await
    .map(|n| n == 1)
}

struct Known(Uuid, DateTime<Utc>);

impl FromRow for Known {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Known(row.get("listing_id")?, row.get("published_at")?))
    }
}

/// Hides or shows a known review; its listing and publication instant when that changed it.
pub async fn moderated(tx: &mut Tx, id: Uuid, hidden: bool) -> Result<Option<(Uuid, DateTime<Utc>)>, DbError> {
    let known: Option<Known> = query(
        "UPDATE insights_reviews SET hidden = $2 WHERE id = $1 AND hidden <> $2 RETURNING listing_id, published_at",
    )
    .bind(id)
    .bind(hidden)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(known.map(|Known(l, at)| (l, at)))
}

struct Shown(i64, DateTime<Utc>);

impl FromRow for Shown {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Shown(row.get("rating")?, row.get("published_at")?))
    }
}

/// The ratings of `listing`'s shown reviews published in `[from, to)`, with their instants.
pub async fn shown_between(
    tx: &mut Tx,
    listing: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(i64, DateTime<Utc>)>, DbError> {
    let rows: Vec<Shown> = query(
        "SELECT rating, published_at FROM insights_reviews WHERE listing_id = $1 AND published_at >= $2 \
         AND published_at < $3 AND hidden = FALSE",
    )
    .bind(listing)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows.into_iter().map(|Shown(r, at)| (r, at)).collect())
}
