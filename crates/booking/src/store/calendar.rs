//! Host settings of a stay's calendar: per-night overrides and the listing's rules.

use chrono::{DateTime, NaiveDate, Utc};
use platform::db::{DbError, Executor, FromRow, Json, Row, Tx, query};
use uuid::Uuid;

use crate::rules::{Rules, Season};

/// A host's setting for one night.
#[derive(Debug, Clone, PartialEq)]
pub struct NightSetting {
    pub night: NaiveDate,
    pub blocked: bool,
    pub price: Option<i64>,
    pub min_nights: Option<i64>,
}

impl NightSetting {
    pub fn default_for(night: NaiveDate) -> Self {
        NightSetting { night, blocked: false, price: None, min_nights: None }
    }
}

impl FromRow for NightSetting {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(NightSetting {
            night: row.get("night")?,
            blocked: row.get("blocked")?,
            price: row.get("price")?,
            min_nights: row.get("min_nights")?,
        })
    }
}

/// Settings of nights in `[from, to)`.
pub async fn nights<'c>(
    on: impl Executor<'c>,
    listing: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<NightSetting>, DbError> {
    query(
        "SELECT night, blocked, price, min_nights FROM calendar_nights WHERE listing_id = $1 AND night >= $2 AND night < $3 \
         ORDER BY night",
    )
    .bind(listing)
    .bind(from)
    .bind(to)
    .fetch_all(on)
    .await
}

/// Stores a night's setting; a night back to defaults is removed.
pub async fn save_night(tx: &mut Tx, listing: Uuid, s: &NightSetting, now: DateTime<Utc>) -> Result<(), DbError> {
    if !s.blocked && s.price.is_none() && s.min_nights.is_none() {
        query("DELETE FROM calendar_nights WHERE listing_id = $1 AND night = $2")
            .bind(listing)
            .bind(s.night)
            .execute(tx)
            .await?;
        return Ok(());
    }
    query(
        "INSERT INTO calendar_nights (listing_id, night, blocked, price, min_nights, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (listing_id, night) DO UPDATE SET blocked = excluded.blocked, price = excluded.price, \
         min_nights = excluded.min_nights, updated_at = excluded.updated_at",
    )
    .bind(listing)
    .bind(s.night)
    .bind(s.blocked)
    .bind(s.price)
    .bind(s.min_nights)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

struct RulesRow(Rules);

impl FromRow for RulesRow {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let Json(seasons): Json<Vec<Season>> = row.get("seasons")?;
        Ok(RulesRow(Rules {
            advance_notice_days: row.get("advance_notice_days")?,
            preparation_days: row.get("preparation_days")?,
            max_nights: row.get("max_nights")?,
            weekend_price: row.get("weekend_price")?,
            tax_bps: row.get("tax_bps")?,
            seasons,
        }))
    }
}

/// The listing's rules (defaults when the host never set any).
pub async fn rules<'c>(on: impl Executor<'c>, listing: Uuid) -> Result<Rules, DbError> {
    let row: Option<RulesRow> = query(
        "SELECT advance_notice_days, preparation_days, max_nights, weekend_price, tax_bps, seasons FROM listing_rules \
         WHERE listing_id = $1",
    )
    .bind(listing)
    .fetch_optional(on)
    .await?;
    Ok(row.map(|r| r.0).unwrap_or_default())
}

pub async fn save_rules(tx: &mut Tx, listing: Uuid, r: &Rules, now: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO listing_rules (listing_id, advance_notice_days, preparation_days, max_nights, weekend_price, tax_bps, \
         seasons, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (listing_id) DO UPDATE SET \
         advance_notice_days = excluded.advance_notice_days, preparation_days = excluded.preparation_days, \
         max_nights = excluded.max_nights, weekend_price = excluded.weekend_price, tax_bps = excluded.tax_bps, \
         seasons = excluded.seasons, updated_at = excluded.updated_at",
    )
    .bind(listing)
    .bind(r.advance_notice_days)
    .bind(r.preparation_days)
    .bind(r.max_nights)
    .bind(r.weekend_price)
    .bind(r.tax_bps)
    .bind_json(&r.seasons)?
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}
