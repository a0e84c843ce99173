//! `listing_ratings`: reviews' newest rating summary per listing, with its version (so a
//! replayed or late, older summary never overwrites a newer one). Read beside the listings for
//! their views; the listings' own rows and versions are never touched by a rating.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, FromRow, Json, Row, Tx, query, query_dynamic};
use uuid::Uuid;

use crate::domain::rating::{ListingRating, RatingSummary};

/// The version of `listing`'s summary last applied, if any.
pub async fn version(tx: &mut Tx, listing: Uuid) -> Result<Option<i64>, DbError> {
    let row: Option<(i64,)> =
        query("SELECT version FROM listing_ratings WHERE listing_id = $1").bind(listing).fetch_optional(tx).await?;
    Ok(row.map(|(v,)| v))
}

/// Stores `s` as the listing's summary (replacing the one before).
pub async fn record(tx: &mut Tx, s: &RatingSummary, now: DateTime<Utc>) -> Result<(), DbError> {
    let r = &s.rating;
    query(
        "INSERT INTO listing_ratings (listing_id, version, rating, review_count, categories, distribution, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (listing_id) DO UPDATE SET version = excluded.version, \
         rating = excluded.rating, review_count = excluded.review_count, categories = excluded.categories, \
         distribution = excluded.distribution, updated_at = excluded.updated_at",
    )
    .bind(s.listing_id)
    .bind(s.version)
    .bind(r.rating)
    .bind(r.review_count)
    .bind(r.rating_categories.as_ref().and_then(|c| serde_json::to_value(c).ok()))
    .bind(r.rating_distribution.as_ref().and_then(|d| serde_json::to_value(d).ok()))
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

struct Stored(Uuid, ListingRating);

impl FromRow for Stored {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let categories: Option<Json<BTreeMap<String, f64>>> = row.get("categories")?;
        let distribution: Option<Json<BTreeMap<String, i64>>> = row.get("distribution")?;
        Ok(Self(
            row.get("listing_id")?,
            ListingRating {
                rating: row.get("rating")?,
                review_count: row.get("review_count")?,
                rating_categories: categories.map(|Json(c)| c),
                rating_distribution: distribution.map(|Json(d)| d),
            },
        ))
    }
}

const COLUMNS: &str = "listing_id, rating, review_count, categories, distribution";

/// The ratings of those of `listings` that have one (chunks of 500 binds).
pub async fn of(db: &Db, listings: &[Uuid]) -> Result<HashMap<Uuid, ListingRating>, DbError> {
    let mut out = HashMap::with_capacity(listings.len());
    for chunk in listings.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
        let mut q =
            query_dynamic(format!("SELECT {COLUMNS} FROM listing_ratings WHERE listing_id IN ({})", marks.join(", ")));
        for id in chunk {
            q = q.bind(*id);
        }
        let rows: Vec<Stored> = q.fetch_all(db).await?;
        out.extend(rows.into_iter().map(|Stored(id, r)| (id, r)));
    }
    Ok(out)
}
