//! The reads behind host dashboards and statements. Dashboards read only rollup rows of the
//! host's listings over the two periods, through `(host_id, day)` indexes (listing days,
//! conversations) or the views' primary key, never the reservation facts; a statement reads
//! the host's money movements of one month (`insights_money (host_id, at)`).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use platform::db::{Db, DbError, FromRow, Row, query};
use uuid::Uuid;

use crate::rollups::listing_days::figures::Figures;

/// A listing of the host, as the dashboard needs it.
#[derive(Debug, Clone)]
pub struct HostListing {
    pub id: Uuid,
    pub title: String,
    pub timezone: String,
    pub currency: String,
    pub published_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// Nights the host closed and nobody booked, ascending (filled by [`blocked_nights`]).
    pub blocked: Vec<NaiveDate>,
}

impl FromRow for HostListing {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(HostListing {
            id: row.get("id")?,
            title: row.get("title")?,
            timezone: row.get("timezone")?,
            currency: row.get("currency")?,
            published_at: row.get("published_at")?,
            deleted_at: row.get("deleted_at")?,
            blocked: Vec::new(),
        })
    }
}

pub async fn listings(db: &Db, host: Uuid) -> Result<Vec<HostListing>, DbError> {
    query(
        "SELECT id, title, timezone, currency, published_at, deleted_at FROM insights_listings WHERE host_id = $1 \
         ORDER BY created_at, id",
    )
    .bind(host)
    .fetch_all(db)
    .await
}

/// The nights `from..=to` the host's listings were closed in booking's calendar and not
/// booked (a night sold before the host closed it still counts as available: it was sold),
/// by listing, ascending.
pub async fn blocked_nights(
    db: &Db,
    host: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<Uuid, Vec<NaiveDate>>, DbError> {
    let rows: Vec<(Uuid, NaiveDate)> = query(
        "SELECT b.listing_id, b.night FROM insights_blocked_nights b \
         JOIN insights_listings l ON l.id = b.listing_id \
         WHERE l.host_id = $1 AND b.night >= $2 AND b.night <= $3 AND NOT EXISTS (\
         SELECT 1 FROM insights_listing_days d WHERE d.listing_id = b.listing_id AND d.day = b.night \
         AND d.nights_booked > 0) ORDER BY b.listing_id, b.night",
    )
    .bind(host)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    let mut out: HashMap<Uuid, Vec<NaiveDate>> = HashMap::new();
    for (listing, night) in rows {
        out.entry(listing).or_default().push(night);
    }
    Ok(out)
}

fn figures(row: &Row<'_>) -> Result<Figures, DbError> {
    Ok(Figures {
        nights_booked: row.get("nights_booked")?,
        room_revenue: row.get("room_revenue")?,
        gross: row.get("gross")?,
        fees: row.get("fees")?,
        net: row.get("net")?,
        bookings: row.get("bookings")?,
        stay_bookings: row.get("stay_bookings")?,
        bookings_cancelled: row.get("bookings_cancelled")?,
        lead_time_days_sum: row.get("lead_time_days_sum")?,
        length_sum: row.get("length_sum")?,
        cancellations: row.get("cancellations")?,
        requests: row.get("requests")?,
        ratings: row.get("ratings")?,
        rating_sum: row.get("rating_sum")?,
    })
}

/// A listing's sums in one currency over the current (`current`) or the previous period.
#[derive(Debug, Clone)]
pub struct PeriodSum {
    pub listing_id: Uuid,
    pub currency: String,
    pub current: bool,
    pub figures: Figures,
}

impl FromRow for PeriodSum {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(PeriodSum {
            listing_id: row.get("listing_id")?,
            currency: row.get("currency")?,
            current: row.get::<i64>("cur")? == 1,
            figures: figures(row)?,
        })
    }
}

const SUMS: &str = "CAST(SUM(nights_booked) AS BIGINT) AS nights_booked, CAST(SUM(room_revenue) AS BIGINT) AS room_revenue, \
     CAST(SUM(gross) AS BIGINT) AS gross, CAST(SUM(fees) AS BIGINT) AS fees, CAST(SUM(net) AS BIGINT) AS net, \
     CAST(SUM(bookings) AS BIGINT) AS bookings, CAST(SUM(stay_bookings) AS BIGINT) AS stay_bookings, \
     CAST(SUM(bookings_cancelled) AS BIGINT) AS bookings_cancelled, \
     CAST(SUM(lead_time_days_sum) AS BIGINT) AS lead_time_days_sum, CAST(SUM(length_sum) AS BIGINT) AS length_sum, \
     CAST(SUM(cancellations) AS BIGINT) AS cancellations, CAST(SUM(requests) AS BIGINT) AS requests, \
     CAST(SUM(ratings) AS BIGINT) AS ratings, CAST(SUM(rating_sum) AS BIGINT) AS rating_sum";

/// Per listing and currency, the sums of the previous period (`prev_from` until the day before
/// `from`) and the current one (`from`..=`to`).
pub async fn period_sums(
    db: &Db,
    host: Uuid,
    prev_from: NaiveDate,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<PeriodSum>, DbError> {
    platform::db::query_dynamic(format!(
        "SELECT listing_id, currency, CAST(CASE WHEN day >= $3 THEN 1 ELSE 0 END AS BIGINT) AS cur, {SUMS} \
         FROM insights_listing_days WHERE host_id = $1 AND day >= $2 AND day <= $4 GROUP BY listing_id, currency, cur"
    ))
    .bind(host)
    .bind(prev_from)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await
}

/// The sums of one local day in one currency, over the host's listings (or one of them).
#[derive(Debug, Clone)]
pub struct DaySum {
    pub day: NaiveDate,
    pub currency: String,
    pub figures: Figures,
}

impl FromRow for DaySum {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(DaySum { day: row.get("day")?, currency: row.get("currency")?, figures: figures(row)? })
    }
}

/// Per day and currency over `from..=to`, for the series.
pub async fn day_sums(
    db: &Db,
    host: Uuid,
    listing: Option<Uuid>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DaySum>, DbError> {
    let only = if listing.is_some() { " AND listing_id = $4" } else { "" };
    let q = platform::db::query_dynamic(format!(
        "SELECT day, currency, {SUMS} FROM insights_listing_days WHERE host_id = $1 AND day >= $2 AND day <= $3{only} \
         GROUP BY day, currency"
    ))
    .bind(host)
    .bind(from)
    .bind(to);
    let q = match listing {
        Some(l) => q.bind(l),
        None => q,
    };
    q.fetch_all(db).await
}

/// Views per listing in the current (`true`) and previous period (tracking's hourly table).
pub async fn views(
    db: &Db,
    host: Uuid,
    prev_from: NaiveDate,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(Uuid, i64, i64)>, DbError> {
    query(
        "SELECT v.listing_id, CAST(CASE WHEN v.day >= $3 THEN 1 ELSE 0 END AS BIGINT) AS cur, \
         CAST(SUM(v.views) AS BIGINT) AS views FROM insights_views_hourly v \
         JOIN insights_listings l ON l.id = v.listing_id \
         WHERE l.host_id = $1 AND v.day >= $2 AND v.day <= $4 GROUP BY v.listing_id, cur",
    )
    .bind(host)
    .bind(prev_from)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await
}

/// A conversation a guest opened with the host: its listing, local day and reply time.
#[derive(Debug, Clone)]
pub struct Asked {
    pub listing_id: Uuid,
    pub day: NaiveDate,
    pub response_seconds: Option<i64>,
}

impl FromRow for Asked {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Asked {
            listing_id: row.get("listing_id")?,
            day: row.get("day")?,
            response_seconds: row.get("response_seconds")?,
        })
    }
}

pub async fn asked(db: &Db, host: Uuid, from: NaiveDate, to: NaiveDate) -> Result<Vec<Asked>, DbError> {
    query(
        "SELECT listing_id, day, response_seconds FROM insights_conversations WHERE host_id = $1 AND day >= $2 \
         AND day <= $3",
    )
    .bind(host)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await
}

/// A host's money movements of one kind and currency over a month.
#[derive(Debug, Clone)]
pub struct MoneySum {
    pub kind: String,
    pub currency: String,
    pub count: i64,
    pub amount: i64,
    pub host_amount: i64,
    pub host_fees: i64,
}

impl FromRow for MoneySum {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(MoneySum {
            kind: row.get("kind")?,
            currency: row.get("currency")?,
            count: row.get("n")?,
            amount: row.get("amount")?,
            host_amount: row.get("host_amount")?,
            host_fees: row.get("host_fees")?,
        })
    }
}

/// Captures, refunds, recoveries and payouts of `host` in `[from, to)`, per kind and currency
/// (captures with their reservations' host fees).
pub async fn money(db: &Db, host: Uuid, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<MoneySum>, DbError> {
    query(
        "SELECT m.kind, m.currency, CAST(COUNT(*) AS BIGINT) AS n, CAST(SUM(m.amount) AS BIGINT) AS amount, \
         CAST(SUM(COALESCE(m.host_amount, 0)) AS BIGINT) AS host_amount, \
         CAST(SUM(CASE WHEN m.kind = 'capture' THEN COALESCE(r.host_fee, 0) ELSE 0 END) AS BIGINT) AS host_fees \
         FROM insights_money m LEFT JOIN insights_reservations r ON r.id = m.reservation_id \
         WHERE m.host_id = $1 AND m.at >= $2 AND m.at < $3 AND m.kind IN ('capture', 'refund', 'recovery', 'payout') \
         GROUP BY m.kind, m.currency ORDER BY m.currency, m.kind",
    )
    .bind(host)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await
}
