//! The search context's SQL — the only code that touches its tables. The index itself is on
//! disk (Tantivy); these tables keep what it was built from (each listing's last applied view,
//! availability and rating, with their versions, so replayed or out-of-order events never undo
//! a newer change) and the changes whose index commit is not confirmed yet.

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, FromRow, Json, Row, Tx, query};
use serde_json::Value;
use uuid::Uuid;

use crate::domain::{Availability, IndexedListing, Rating};

/// The version last applied for `id`, if any.
pub async fn applied_version(tx: &mut Tx, id: Uuid) -> Result<Option<i64>, DbError> {
    let row: Option<(i64,)> =
        query("SELECT version FROM indexed_listings WHERE id = $1").bind(id).fetch_optional(tx).await?;
    Ok(row.map(|(v,)| v))
}

/// Records that `version` of `id` was applied; `doc` is its view when it is in the index.
pub async fn record(
    tx: &mut Tx,
    id: Uuid,
    version: i64,
    doc: Option<&Value>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    query(
        "INSERT INTO indexed_listings (id, version, indexed, updated_at, doc) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, indexed = excluded.indexed, \
         updated_at = excluded.updated_at, doc = excluded.doc",
    )
    .bind(id)
    .bind(version)
    .bind(doc.is_some())
    .bind(now)
    .bind(doc.cloned())
    .execute(tx)
    .await?;
    Ok(())
}

/// The version of `id`'s availability last applied, if any.
pub async fn availability_version(tx: &mut Tx, id: Uuid) -> Result<Option<i64>, DbError> {
    let row: Option<(i64,)> =
        query("SELECT version FROM listing_availability WHERE listing_id = $1").bind(id).fetch_optional(tx).await?;
    Ok(row.map(|(v,)| v))
}

pub async fn record_availability(
    tx: &mut Tx,
    id: Uuid,
    version: i64,
    payload: &Value,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    query(
        "INSERT INTO listing_availability (listing_id, version, data, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (listing_id) DO UPDATE SET version = excluded.version, data = excluded.data, \
         updated_at = excluded.updated_at",
    )
    .bind(id)
    .bind(version)
    .bind(payload.clone())
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

/// The version of `id`'s rating last applied, if any.
pub async fn rating_version(tx: &mut Tx, id: Uuid) -> Result<Option<i64>, DbError> {
    let row: Option<(i64,)> =
        query("SELECT version FROM listing_ratings WHERE listing_id = $1").bind(id).fetch_optional(tx).await?;
    Ok(row.map(|(v,)| v))
}

pub async fn record_rating(tx: &mut Tx, r: &Rating, now: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO listing_ratings (listing_id, version, rating, review_count, updated_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (listing_id) DO UPDATE SET version = excluded.version, \
         rating = excluded.rating, review_count = excluded.review_count, updated_at = excluded.updated_at",
    )
    .bind(r.listing_id)
    .bind(r.version)
    .bind(r.rating)
    .bind(r.review_count)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

/// What the index needs of a listing, assembled from the three tables.
struct Assembled(Option<IndexedListing>);

/// The assembling query, with `$tail` (its WHERE clause) appended.
macro_rules! assemble {
    ($tail:literal) => {
        concat!(
            "SELECT l.id, l.doc, a.data AS availability, r.version AS rating_version, r.rating, r.review_count ",
            "FROM indexed_listings l LEFT JOIN listing_availability a ON a.listing_id = l.id ",
            "LEFT JOIN listing_ratings r ON r.listing_id = l.id",
            $tail
        )
    };
}

impl FromRow for Assembled {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let doc: Option<Json<Value>> = row.get("doc")?;
        let availability: Option<Json<Value>> = row.get("availability")?;
        let rating_version: Option<i64> = row.get("rating_version")?;
        // Null both without a rating row and with a cleared one (reviews shows no average).
        let rating: Option<f64> = row.get("rating")?;
        let review_count: Option<i64> = row.get("review_count")?;
        let listing = doc.and_then(|Json(view)| IndexedListing::from_event(&view)).map(|mut l| {
            l.availability = availability.and_then(|Json(a)| Availability::from_payload(&a));
            l.rating = rating_version.map(|version| Rating {
                listing_id: l.id,
                version,
                rating,
                review_count: review_count.unwrap_or_default(),
            });
            l
        });
        Ok(Self(listing))
    }
}

/// `id` as the index should hold it: `Some` when it is searchable, with its signals.
pub async fn assemble(tx: &mut Tx, id: Uuid) -> Result<Option<IndexedListing>, DbError> {
    let row: Option<Assembled> = query(assemble!(" WHERE l.id = $1")).bind(id).fetch_optional(tx).await?;
    Ok(row.and_then(|a| a.0))
}

/// Up to `limit` searchable listings after `after` in id order, assembled (a rebuild's page).
pub async fn searchable_page(db: &Db, after: Uuid, limit: i64) -> Result<Vec<IndexedListing>, DbError> {
    let rows: Vec<Assembled> = query(assemble!(" WHERE l.id > $1 AND l.doc IS NOT NULL ORDER BY l.id LIMIT $2"))
        .bind(after)
        .bind(limit)
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|a| a.0).collect())
}

/// Listings marked indexed whose view this database does not have (recorded before views were
/// kept): only a reindex from catalog's feed can fill them in.
pub async fn views_missing(db: &Db) -> Result<bool, DbError> {
    let row: Option<(i64,)> = query("SELECT 1 FROM indexed_listings WHERE indexed = $1 AND doc IS NULL LIMIT 1")
        .bind(true)
        .fetch_optional(db)
        .await?;
    Ok(row.is_some())
}

/// Marks `id` as gone from catalog (a reindex walked catalog's whole feed without it).
pub async fn forget(tx: &mut Tx, id: Uuid, now: DateTime<Utc>) -> Result<(), DbError> {
    query("UPDATE indexed_listings SET indexed = $1, doc = NULL, updated_at = $2 WHERE id = $3")
        .bind(false)
        .bind(now)
        .bind(id)
        .execute(tx)
        .await?;
    Ok(())
}

/// Every listing id marked indexed.
pub async fn indexed_ids(db: &Db) -> Result<Vec<Uuid>, DbError> {
    let rows: Vec<(Uuid,)> =
        query("SELECT id FROM indexed_listings WHERE indexed = $1").bind(true).fetch_all(db).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Notes that `id` changed here and `token` is the change the index must commit.
pub async fn pending(tx: &mut Tx, id: Uuid, token: Uuid) -> Result<(), DbError> {
    query(
        "INSERT INTO index_pending (listing_id, token) VALUES ($1, $2) \
         ON CONFLICT (listing_id) DO UPDATE SET token = excluded.token",
    )
    .bind(id)
    .bind(token)
    .execute(tx)
    .await?;
    Ok(())
}

/// Every change not confirmed committed.
pub async fn pending_all(db: &Db) -> Result<Vec<(Uuid, Uuid)>, DbError> {
    query("SELECT listing_id, token FROM index_pending").fetch_all(db).await
}

/// Forgets the changes the index committed (a newer change of the same listing stays).
pub async fn committed(db: &Db, done: &[(Uuid, Uuid)]) -> Result<(), DbError> {
    let mut tx = db.begin().await?;
    for (id, token) in done {
        query("DELETE FROM index_pending WHERE listing_id = $1 AND token = $2")
            .bind(*id)
            .bind(*token)
            .execute(&mut tx)
            .await?;
    }
    tx.commit().await
}
