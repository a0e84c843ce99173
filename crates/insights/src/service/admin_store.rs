//! The reads behind administrators' KPIs, series and top lists: sums of the platform
//! rollups over UTC days, distinct active users, and top lists (hosts and destinations from
//! their daily rollups; listings, too many for a rollup to save much, grouped from the
//! reservation facts in a bounded window of `booked_at`, a range scan of a covering index).

use chrono::NaiveDate;
use platform::db::{Db, DbError, FromRow, Row, query, query_dynamic};
use uuid::Uuid;

use crate::rollups::platform_days::{CountDay, MoneyDay, bounds};

struct Totals(String, MoneyDay);

impl FromRow for Totals {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Totals(
            row.get_at(0)?,
            MoneyDay {
                bookings: row.get_at(1)?,
                gmv: row.get_at(2)?,
                take: row.get_at(3)?,
                net_revenue: row.get_at(4)?,
                cancellations: row.get_at(5)?,
                captures: row.get_at(6)?,
                captured: row.get_at(7)?,
                refunds: row.get_at(8)?,
                refunded: row.get_at(9)?,
                failed_payments: row.get_at(10)?,
                payouts: row.get_at(11)?,
                paid_out: row.get_at(12)?,
                host_earned: row.get_at(13)?,
                host_refunded: row.get_at(14)?,
            },
        ))
    }
}

/// Every money figure summed per currency over the days `from..=to`.
pub async fn money_totals(db: &Db, from: NaiveDate, to: NaiveDate) -> Result<Vec<(String, MoneyDay)>, DbError> {
    let rows: Vec<Totals> = query(
        "SELECT currency, CAST(SUM(bookings) AS BIGINT), CAST(SUM(gmv) AS BIGINT), CAST(SUM(take) AS BIGINT), \
         CAST(SUM(net_revenue) AS BIGINT), CAST(SUM(cancellations) AS BIGINT), CAST(SUM(captures) AS BIGINT), \
         CAST(SUM(captured) AS BIGINT), CAST(SUM(refunds) AS BIGINT), CAST(SUM(refunded) AS BIGINT), \
         CAST(SUM(failed_payments) AS BIGINT), CAST(SUM(payouts) AS BIGINT), CAST(SUM(paid_out) AS BIGINT), \
         CAST(SUM(host_earned) AS BIGINT), CAST(SUM(host_refunded) AS BIGINT) \
         FROM insights_platform_days WHERE day >= $1 AND day <= $2 GROUP BY currency ORDER BY currency",
    )
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|Totals(c, d)| (c, d)).collect())
}

/// Host earnings captured, less their share of refunds, less payouts paid, up to and with
/// `upto`, per currency.
pub async fn pending_payouts(db: &Db, upto: NaiveDate) -> Result<Vec<(String, i64)>, DbError> {
    query(
        "SELECT currency, CAST(SUM(host_earned - host_refunded - paid_out) AS BIGINT) FROM insights_platform_days \
         WHERE day <= $1 GROUP BY currency ORDER BY currency",
    )
    .bind(upto)
    .fetch_all(db)
    .await
}

struct Counts(CountDay);

impl FromRow for Counts {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Counts(CountDay {
            new_users: row.get_at(0)?,
            new_hosts: row.get_at(1)?,
            new_listings: row.get_at(2)?,
            published_listings: row.get_at(3)?,
        }))
    }
}

/// The currency-less counts summed over `from..=to`.
pub async fn count_totals(db: &Db, from: NaiveDate, to: NaiveDate) -> Result<CountDay, DbError> {
    let Counts(c) = query(
        "SELECT CAST(COALESCE(SUM(new_users), 0) AS BIGINT), CAST(COALESCE(SUM(new_hosts), 0) AS BIGINT), \
         CAST(COALESCE(SUM(new_listings), 0) AS BIGINT), CAST(COALESCE(SUM(published_listings), 0) AS BIGINT) \
         FROM insights_platform_day_counts WHERE day >= $1 AND day <= $2",
    )
    .bind(from)
    .bind(to)
    .fetch_one(db)
    .await?;
    Ok(c)
}

/// Distinct users active on any day of `from..=to`.
pub async fn active_users(db: &Db, from: NaiveDate, to: NaiveDate) -> Result<i64, DbError> {
    let (n,): (i64,) = query("SELECT COUNT(DISTINCT user_id) FROM insights_user_days WHERE day >= $1 AND day <= $2")
        .bind(from)
        .bind(to)
        .fetch_one(db)
        .await?;
    Ok(n)
}

/// Distinct active users per day of `from..=to` (days with any).
pub async fn active_by_day(db: &Db, from: NaiveDate, to: NaiveDate) -> Result<Vec<(NaiveDate, i64)>, DbError> {
    query("SELECT day, COUNT(*) FROM insights_user_days WHERE day >= $1 AND day <= $2 GROUP BY day ORDER BY day")
        .bind(from)
        .bind(to)
        .fetch_all(db)
        .await
}

/// One money column per day and currency (`column` is one of the rollup's, chosen by the
/// service from a fixed list, never from input).
pub async fn money_series(
    db: &Db,
    column: &'static str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(NaiveDate, String, i64)>, DbError> {
    query_dynamic(format!(
        "SELECT day, currency, {column} FROM insights_platform_days WHERE day >= $1 AND day <= $2 ORDER BY day, currency"
    ))
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await
}

/// One count column per day (`column` as in [`money_series`]).
pub async fn count_series(
    db: &Db,
    column: &'static str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(NaiveDate, i64)>, DbError> {
    query_dynamic(format!(
        "SELECT day, {column} FROM insights_platform_day_counts WHERE day >= $1 AND day <= $2 ORDER BY day"
    ))
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await
}

/// The currencies with any money figure over `from..=to`.
pub async fn currencies(db: &Db, from: NaiveDate, to: NaiveDate) -> Result<Vec<String>, DbError> {
    let rows: Vec<(String,)> =
        query("SELECT DISTINCT currency FROM insights_platform_days WHERE day >= $1 AND day <= $2 ORDER BY currency")
            .bind(from)
            .bind(to)
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(|(c,)| c).collect())
}

/// What a top list groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Listing,
    Host,
    Destination,
}

/// One entry of a top list: its key, a label when one is known, bookings and GMV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopRow {
    pub key: String,
    pub label: Option<String>,
    pub bookings: i64,
    pub gmv: i64,
}

struct ById(Uuid, Option<String>, i64, i64);

impl FromRow for ById {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(ById(row.get_at(0)?, row.get_at(1)?, row.get_at(2)?, row.get_at(3)?))
    }
}

struct ByName(String, i64, i64);

impl FromRow for ByName {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(ByName(row.get_at(0)?, row.get_at(1)?, row.get_at(2)?))
    }
}

/// The `limit` first of `dimension` among reservations in `currency` booked on the UTC days
/// `from..=to` that are or were confirmed, by GMV (`by_gmv`) or by bookings. Hosts and
/// destinations come from their daily rollups; listings from the reservations themselves.
pub async fn top(
    db: &Db,
    dimension: Dimension,
    by_gmv: bool,
    currency: &str,
    (from, to): (NaiveDate, NaiveDate),
    limit: u32,
) -> Result<Vec<TopRow>, DbError> {
    let order = if by_gmv { "gmv DESC, n DESC" } else { "n DESC, gmv DESC" };
    let days = "currency = $3 AND day >= $1 AND day <= $2";
    let sql = match dimension {
        Dimension::Listing => format!(
            "SELECT t.k, l.title, t.n, t.gmv FROM (SELECT r.listing_id AS k, COUNT(*) AS n, \
             CAST(SUM(r.guest_total) AS BIGINT) AS gmv FROM insights_reservations r WHERE r.booked_at >= $1 \
             AND r.booked_at < $2 AND r.currency = $3 AND r.confirmed_at IS NOT NULL GROUP BY r.listing_id \
             ORDER BY {order}, k LIMIT $4) t LEFT JOIN insights_listings l ON l.id = t.k ORDER BY {order}, t.k"
        ),
        Dimension::Host => format!(
            "SELECT host_id AS k, NULL AS label, CAST(SUM(bookings) AS BIGINT) AS n, CAST(SUM(gmv) AS BIGINT) AS gmv \
             FROM insights_platform_host_days WHERE {days} GROUP BY host_id ORDER BY {order}, k LIMIT $4"
        ),
        Dimension::Destination => format!(
            "SELECT destination AS k, CAST(SUM(bookings) AS BIGINT) AS n, CAST(SUM(gmv) AS BIGINT) AS gmv \
             FROM insights_platform_destination_days WHERE {days} GROUP BY destination ORDER BY {order}, k LIMIT $4"
        ),
    };
    let q = match dimension {
        Dimension::Listing => {
            let (start, _) = bounds(from);
            let (_, end) = bounds(to);
            query_dynamic(sql).bind(start).bind(end)
        }
        _ => query_dynamic(sql).bind(from).bind(to),
    };
    let q = q.bind(currency).bind(i64::from(limit));
    Ok(if dimension == Dimension::Destination {
        let rows: Vec<ByName> = q.fetch_all(db).await?;
        rows.into_iter().map(|ByName(k, n, gmv)| TopRow { label: Some(k.clone()), key: k, bookings: n, gmv }).collect()
    } else {
        let rows: Vec<ById> = q.fetch_all(db).await?;
        rows.into_iter().map(|ById(k, label, n, gmv)| TopRow { key: k.to_string(), label, bookings: n, gmv }).collect()
    })
}
