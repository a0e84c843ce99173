//! The booking context's SQL, one module per table family. Handlers never see SQL; services
//! call these functions inside their transactions.

pub mod availability;
pub mod calendar;
pub mod coupons;
pub mod inventory;
pub mod reservations;
pub mod shipments;

pub use calendar::NightSetting;

use chrono::{DateTime, NaiveDate, Utc};
use platform::db::{DbError, Executor, FromRow, Json, Row, Tx, query};
use serde_json::Value;
use uuid::Uuid;

/// A listing as booking knows it (from catalog events).
#[derive(Debug, Clone)]
pub struct ListingModel {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub kind: String,
    pub status: String,
    pub timezone: String,
    pub currency: String,
    pub cancellation_policy: String,
    pub instant_book: bool,
    /// The catalog's listing view, as carried by the event.
    pub data: Value,
    pub version: i64,
}

impl FromRow for ListingModel {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let Json(data): Json<Value> = row.get("data")?;
        Ok(ListingModel {
            id: row.get("id")?,
            owner_id: row.get("owner_id")?,
            kind: row.get("kind")?,
            status: row.get("status")?,
            timezone: row.get("timezone")?,
            currency: row.get("currency")?,
            cancellation_policy: row.get("cancellation_policy")?,
            instant_book: row.get("instant_book")?,
            data,
            version: row.get("version")?,
        })
    }
}

/// Stores `m` unless a newer version is already there.
pub async fn upsert(tx: &mut Tx, m: &ListingModel, now: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO listings (id, owner_id, kind, status, timezone, currency, cancellation_policy, instant_book, data, \
         version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (id) DO UPDATE SET owner_id = excluded.owner_id, kind = excluded.kind, status = excluded.status, \
         timezone = excluded.timezone, currency = excluded.currency, cancellation_policy = excluded.cancellation_policy, \
         instant_book = excluded.instant_book, data = excluded.data, version = excluded.version, \
         updated_at = excluded.updated_at WHERE listings.version <= excluded.version",
    )
    .bind(m.id)
    .bind(m.owner_id)
    .bind(m.kind.as_str())
    .bind(m.status.as_str())
    .bind(m.timezone.as_str())
    .bind(m.currency.as_str())
    .bind(m.cancellation_policy.as_str())
    .bind(m.instant_book)
    .bind(m.data.clone())
    .bind(m.version)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn find<'c>(on: impl Executor<'c>, id: Uuid) -> Result<Option<ListingModel>, DbError> {
    query(
        "SELECT id, owner_id, kind, status, timezone, currency, cancellation_policy, instant_book, data, version \
         FROM listings WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(on)
    .await
}

/// A listing and its rules (defaults when the host set none), in one read.
pub struct ListingWithRules(pub ListingModel, pub crate::rules::Rules);

impl FromRow for ListingWithRules {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let listing = ListingModel::from_row(row)?;
        let seasons: Option<Json<Vec<crate::rules::Season>>> = row.get("seasons")?;
        let rules = match seasons {
            None => crate::rules::Rules::default(),
            Some(Json(seasons)) => crate::rules::Rules {
                advance_notice_days: row.get("advance_notice_days")?,
                preparation_days: row.get("preparation_days")?,
                max_nights: row.get("max_nights")?,
                weekend_price: row.get("weekend_price")?,
                tax_bps: row.get("tax_bps")?,
                seasons,
            },
        };
        Ok(ListingWithRules(listing, rules))
    }
}

pub async fn find_with_rules<'c>(on: impl Executor<'c>, id: Uuid) -> Result<Option<ListingWithRules>, DbError> {
    query(
        "SELECT l.id, l.owner_id, l.kind, l.status, l.timezone, l.currency, l.cancellation_policy, l.instant_book, \
         l.data, l.version, r.advance_notice_days, r.preparation_days, r.max_nights, r.weekend_price, r.tax_bps, \
         r.seasons FROM listings l LEFT JOIN listing_rules r ON r.listing_id = l.id WHERE l.id = $1",
    )
    .bind(id)
    .fetch_optional(on)
    .await
}

/// A row of [`find_with_rules_and_nights`]: the listing, or one of its night settings.
enum StayPart {
    Listing(Box<ListingWithRules>),
    Night(NightSetting),
}

impl FromRow for StayPart {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let part: i64 = row.get("part")?;
        Ok(if part == 0 {
            StayPart::Listing(Box::new(ListingWithRules::from_row(row)?))
        } else {
            StayPart::Night(NightSetting::from_row(row)?)
        })
    }
}

/// [`find_with_rules`] and the settings of the listing's nights in `[from, to)`, in one read
/// where a stay's quote or sale took two: the first row is the listing, each further row a
/// night (the listing's columns are not repeated on them).
pub async fn find_with_rules_and_nights<'c>(
    on: impl Executor<'c>,
    id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Option<(ListingWithRules, Vec<NightSetting>)>, DbError> {
    let rows: Vec<StayPart> = query(
        "SELECT CAST(0 AS BIGINT) AS part, l.id, l.owner_id, l.kind, l.status, l.timezone, l.currency, \
         l.cancellation_policy, l.instant_book, l.data, l.version, r.advance_notice_days, r.preparation_days, \
         r.max_nights, r.weekend_price, r.tax_bps, r.seasons, NULL AS night, NULL AS blocked, NULL AS price, \
         NULL AS min_nights FROM listings l LEFT JOIN listing_rules r ON r.listing_id = l.id WHERE l.id = $1 \
         UNION ALL \
         SELECT CAST(1 AS BIGINT), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
         NULL, NULL, c.night, c.blocked, c.price, c.min_nights FROM calendar_nights c \
         WHERE c.listing_id = $2 AND c.night >= $3 AND c.night < $4 \
         ORDER BY part, night",
    )
    .bind(id)
    .bind(id)
    .bind(from)
    .bind(to)
    .fetch_all(on)
    .await?;
    let mut rows = rows.into_iter();
    let Some(StayPart::Listing(listing)) = rows.next() else { return Ok(None) };
    let nights = rows.filter_map(|r| if let StayPart::Night(n) = r { Some(n) } else { None }).collect();
    Ok(Some((*listing, nights)))
}

/// Takes the listing's sale lock for the rest of `tx` (a row lock on PostgreSQL; SQLite has one
/// writer anyway) and returns the listing as it is now.
pub async fn lock_for_sale(tx: &mut Tx, id: Uuid) -> Result<Option<ListingModel>, DbError> {
    query(
        "UPDATE listings SET sales = sales + 1 WHERE id = $1 RETURNING id, owner_id, kind, status, timezone, currency, \
         cancellation_policy, instant_book, data, version",
    )
    .bind(id)
    .fetch_optional(tx)
    .await
}

/// Whether `owner` has any listing (not deleted) known to booking.
pub async fn owns_any(db: &platform::db::Db, owner: Uuid) -> Result<bool, DbError> {
    let row: Option<(Uuid,)> = query("SELECT id FROM listings WHERE owner_id = $1 AND status <> 'deleted' LIMIT 1")
        .bind(owner)
        .fetch_optional(db)
        .await?;
    Ok(row.is_some())
}
