//! The reads behind administrators' KPIs, series and top lists: sums of the platform
//! rollups over UTC days, distinct active users, and top lists (hosts and destinations from
//! their daily rollups; listings, too many for a rollup to save much, grouped from the
//! reservation facts in a bounded window of `booked_at`, a range scan of a covering index),
//! and the top lists ranked ahead for fixed windows (`insights_top_windows`, `_entries`).

use chrono::{DateTime, NaiveDate, Utc};
use platform::db::{Arg, Db, DbError, FromRow, Row, query, query_dynamic};
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

impl Dimension {
    pub const ALL: [Dimension; 3] = [Dimension::Listing, Dimension::Host, Dimension::Destination];

    pub fn name(self) -> &'static str {
        match self {
            Dimension::Listing => "listing",
            Dimension::Host => "host",
            Dimension::Destination => "destination",
        }
    }
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

/// A window whose top lists were ranked ahead: its length, period and when it was ranked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopWindow {
    pub days: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub refreshed_at: DateTime<Utc>,
}

impl FromRow for TopWindow {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(TopWindow { days: row.get_at(0)?, from: row.get_at(1)?, to: row.get_at(2)?, refreshed_at: row.get_at(3)? })
    }
}

/// Every window ranked ahead (at most one per length).
pub async fn top_windows(db: &Db) -> Result<Vec<TopWindow>, DbError> {
    query("SELECT days, from_day, to_day, refreshed_at FROM insights_top_windows ORDER BY days").fetch_all(db).await
}

/// The window ranked ahead for exactly the period `from..=to`, if any.
pub async fn top_window(db: &Db, from: NaiveDate, to: NaiveDate) -> Result<Option<TopWindow>, DbError> {
    query("SELECT days, from_day, to_day, refreshed_at FROM insights_top_windows WHERE from_day = $1 AND to_day = $2")
        .bind(from)
        .bind(to)
        .fetch_optional(db)
        .await
}

/// One entry ranked ahead: which list it belongs to and its row.
#[derive(Debug, Clone)]
pub struct TopEntry {
    pub dimension: Dimension,
    pub by_gmv: bool,
    pub currency: String,
    pub row: TopRow,
}

struct Ranked(String, TopRow);

impl FromRow for Ranked {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Ranked(
            row.get_at(0)?,
            TopRow { key: row.get_at(1)?, label: row.get_at(2)?, bookings: row.get_at(3)?, gmv: row.get_at(4)? },
        ))
    }
}

/// The first `limit` entries of a window's list, per currency in order: `(currency, row)`.
pub async fn top_entries(
    db: &Db,
    days: i64,
    dimension: Dimension,
    by_gmv: bool,
    limit: u32,
) -> Result<Vec<(String, TopRow)>, DbError> {
    let rows: Vec<Ranked> = query(
        "SELECT currency, item_id, label, bookings, gmv FROM insights_top_entries WHERE days = $1 AND dimension = $2 \
         AND ranking = $3 AND place <= $4 ORDER BY currency, place",
    )
    .bind(days)
    .bind(dimension.name())
    .bind(if by_gmv { "gmv" } else { "bookings" })
    .bind(i64::from(limit))
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|Ranked(c, r)| (c, r)).collect())
}

/// Entries written per statement.
const ENTRIES_PER_INSERT: usize = 100;

/// Replaces a window's lists with `entries` (each list in order) in one transaction.
pub async fn replace_top_window(db: &Db, w: &TopWindow, entries: &[TopEntry]) -> Result<(), DbError> {
    let mut tx = db.begin().await?;
    query("DELETE FROM insights_top_entries WHERE days = $1").bind(w.days).execute(&mut tx).await?;
    query("DELETE FROM insights_top_windows WHERE days = $1").bind(w.days).execute(&mut tx).await?;
    query("INSERT INTO insights_top_windows (days, from_day, to_day, refreshed_at) VALUES ($1, $2, $3, $4)")
        .bind(w.days)
        .bind(w.from)
        .bind(w.to)
        .bind(w.refreshed_at)
        .execute(&mut tx)
        .await?;
    let mut place = 0i64;
    let mut previous: Option<(Dimension, bool, &str)> = None;
    let mut numbered = Vec::with_capacity(entries.len());
    for e in entries {
        let list = (e.dimension, e.by_gmv, e.currency.as_str());
        place = if previous == Some(list) { place + 1 } else { 1 };
        previous = Some(list);
        numbered.push((place, e));
    }
    for chunk in numbered.chunks(ENTRIES_PER_INSERT) {
        let mut sql = String::from(
            "INSERT INTO insights_top_entries (days, dimension, ranking, currency, place, item_id, label, bookings, gmv) VALUES ",
        );
        let mut args: Vec<Arg> = Vec::with_capacity(chunk.len() * 9);
        for (i, (place, e)) in chunk.iter().enumerate() {
            let n = i * 9;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5,
                n + 6,
                n + 7,
                n + 8,
                n + 9
            ));
            args.extend([
                Arg::I64(Some(w.days)),
                Arg::Text(Some(e.dimension.name().to_owned())),
                Arg::Text(Some(if e.by_gmv { "gmv" } else { "bookings" }.to_owned())),
                Arg::Text(Some(e.currency.clone())),
                Arg::I64(Some(*place)),
                Arg::Text(Some(e.row.key.clone())),
                Arg::Text(e.row.label.clone()),
                Arg::I64(Some(e.row.bookings)),
                Arg::I64(Some(e.row.gmv)),
            ]);
        }
        let mut q = query_dynamic(sql);
        for a in args {
            q = q.bind(a);
        }
        q.execute(&mut tx).await?;
    }
    tx.commit().await
}
