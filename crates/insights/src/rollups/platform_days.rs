//! Platform rollups (`insights_platform_days` per UTC day and currency, with the same per
//! host and per destination for top lists, and `insights_platform_day_counts` per UTC day):
//! what administrators' KPIs, series and top lists read.
//!
//! Platform figures are counted on UTC days: a platform has no single time zone, and a day
//! must mean the same thing for every currency. Each hook recomputes, from the facts, exactly
//! the rows whose figures the changed fact can move (the days of its instants, before and
//! after), so hooks are idempotent and [`rebuild`] yields the same rows. A row whose figures
//! are all zero is deleted rather than kept, on both paths.

use std::collections::BTreeSet;

use chrono::{DateTime, Days, NaiveDate, Utc};
use platform::db::{Db, DbError, FromRow, Row, Tx, query};
use uuid::Uuid;

use crate::facts::{Listing, Movement, Reservation};

/// `[start, end)` of UTC day `day`.
pub fn bounds(day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = day.and_time(chrono::NaiveTime::MIN).and_utc();
    (start, start + chrono::Duration::days(1))
}

fn day_of(at: DateTime<Utc>) -> NaiveDate {
    at.date_naive()
}

/// One `insights_platform_days` row's figures (minor units of its currency).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MoneyDay {
    pub bookings: i64,
    pub gmv: i64,
    pub take: i64,
    pub net_revenue: i64,
    pub cancellations: i64,
    pub captures: i64,
    pub captured: i64,
    pub refunds: i64,
    pub refunded: i64,
    pub failed_payments: i64,
    pub payouts: i64,
    pub paid_out: i64,
    pub host_earned: i64,
    pub host_refunded: i64,
}

impl MoneyDay {
    fn is_empty(&self) -> bool {
        *self == MoneyDay::default()
    }
}

struct Booked {
    bookings: i64,
    gmv: i64,
    take: i64,
    net: i64,
}

impl FromRow for Booked {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Booked { bookings: row.get_at(0)?, gmv: row.get_at(1)?, take: row.get_at(2)?, net: row.get_at(3)? })
    }
}

struct KindSums {
    kind: String,
    count: i64,
    amount: i64,
    host_amount: i64,
}

impl FromRow for KindSums {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(KindSums {
            kind: row.get_at(0)?,
            count: row.get_at(1)?,
            amount: row.get_at(2)?,
            host_amount: row.get_at(3)?,
        })
    }
}

/// The figures of `(day, currency)`, from the facts. A movement's host share is what its
/// event said, else (payments' events do not say) estimated from its reservation: a capture
/// earns the reservation's host payout, a refund takes back the host payout's proportion of
/// the guest total; a capture of a DreamScape booking (several reservations) earns 0.
pub async fn money_day(tx: &mut Tx, day: NaiveDate, currency: &str) -> Result<MoneyDay, DbError> {
    let (start, end) = bounds(day);
    let booked: Booked = query(
        "SELECT COUNT(*), CAST(COALESCE(SUM(guest_total), 0) AS BIGINT), \
         CAST(COALESCE(SUM(guest_service_fee + host_fee), 0) AS BIGINT), CAST(COALESCE(SUM(platform_revenue), 0) AS BIGINT) \
         FROM insights_reservations WHERE booked_at >= $1 AND booked_at < $2 AND currency = $3 AND confirmed_at IS NOT NULL",
    )
    .bind(start)
    .bind(end)
    .bind(currency)
    .fetch_one(&mut *tx)
    .await?;
    let (cancellations,): (i64,) = query(
        "SELECT COUNT(*) FROM insights_reservations WHERE cancelled_at >= $1 AND cancelled_at < $2 AND currency = $3 \
         AND confirmed_at IS NOT NULL",
    )
    .bind(start)
    .bind(end)
    .bind(currency)
    .fetch_one(&mut *tx)
    .await?;
    let kinds: Vec<KindSums> = query(
        "SELECT m.kind, COUNT(*), CAST(COALESCE(SUM(m.amount), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN m.host_amount IS NOT NULL THEN m.host_amount \
             WHEN m.kind = 'capture' THEN COALESCE(r.host_payout, 0) \
             WHEN m.kind = 'refund' AND r.guest_total > 0 THEN m.amount * r.host_payout / r.guest_total \
             ELSE 0 END), 0) AS BIGINT) \
         FROM insights_money m LEFT JOIN insights_reservations r ON r.id = m.reservation_id \
         WHERE m.kind IN ('capture', 'refund', 'failure', 'payout') AND m.at >= $1 AND m.at < $2 \
         AND m.currency = $3 GROUP BY m.kind",
    )
    .bind(start)
    .bind(end)
    .bind(currency)
    .fetch_all(&mut *tx)
    .await?;
    let mut d = MoneyDay {
        bookings: booked.bookings,
        gmv: booked.gmv,
        take: booked.take,
        net_revenue: booked.net,
        cancellations,
        ..MoneyDay::default()
    };
    for k in kinds {
        match k.kind.as_str() {
            "capture" => (d.captures, d.captured, d.host_earned) = (k.count, k.amount, k.host_amount),
            "refund" => (d.refunds, d.refunded, d.host_refunded) = (k.count, k.amount, k.host_amount),
            "failure" => d.failed_payments = k.count,
            _ => (d.payouts, d.paid_out) = (k.count, k.amount),
        }
    }
    Ok(d)
}

/// Recomputes the rows of `(day, currency)` by host and by destination (what top lists read).
async fn refresh_tops(tx: &mut Tx, day: NaiveDate, currency: &str) -> Result<(), DbError> {
    let (start, end) = bounds(day);
    for (table, key) in
        [("insights_platform_host_days", "host_id"), ("insights_platform_destination_days", "destination")]
    {
        platform::db::query_dynamic(format!("DELETE FROM {table} WHERE currency = $1 AND day = $2"))
            .bind(currency)
            .bind(day)
            .execute(&mut *tx)
            .await?;
        platform::db::query_dynamic(format!(
            "INSERT INTO {table} (currency, day, {key}, bookings, gmv) \
             SELECT $1, $2, {key}, COUNT(*), CAST(SUM(guest_total) AS BIGINT) FROM insights_reservations \
             WHERE booked_at >= $3 AND booked_at < $4 AND currency = $1 AND confirmed_at IS NOT NULL \
             AND {key} IS NOT NULL GROUP BY {key}"
        ))
        .bind(currency)
        .bind(day)
        .bind(start)
        .bind(end)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Recomputes the rows of `(day, currency)`; whether its `insights_platform_days` row is kept.
pub async fn refresh_money(tx: &mut Tx, day: NaiveDate, currency: &str) -> Result<bool, DbError> {
    refresh_tops(tx, day, currency).await?;
    refresh_money_row(tx, day, currency).await
}

/// Recomputes the `insights_platform_days` row of `(day, currency)` only: enough for a change
/// to money movements, which top lists (bookings and GMV by host and destination, from the
/// reservations alone) never count.
async fn refresh_money_row(tx: &mut Tx, day: NaiveDate, currency: &str) -> Result<bool, DbError> {
    let d = money_day(tx, day, currency).await?;
    if d.is_empty() {
        query("DELETE FROM insights_platform_days WHERE day = $1 AND currency = $2")
            .bind(day)
            .bind(currency)
            .execute(&mut *tx)
            .await?;
        return Ok(false);
    }
    query(
        "INSERT INTO insights_platform_days (day, currency, bookings, gmv, take, net_revenue, cancellations, captures, \
         captured, refunds, refunded, failed_payments, payouts, paid_out, host_earned, host_refunded) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
         ON CONFLICT (day, currency) DO UPDATE SET bookings = excluded.bookings, gmv = excluded.gmv, take = excluded.take, \
         net_revenue = excluded.net_revenue, cancellations = excluded.cancellations, captures = excluded.captures, \
         captured = excluded.captured, refunds = excluded.refunds, refunded = excluded.refunded, \
         failed_payments = excluded.failed_payments, payouts = excluded.payouts, paid_out = excluded.paid_out, \
         host_earned = excluded.host_earned, host_refunded = excluded.host_refunded",
    )
    .bind(day)
    .bind(currency)
    .bind(d.bookings)
    .bind(d.gmv)
    .bind(d.take)
    .bind(d.net_revenue)
    .bind(d.cancellations)
    .bind(d.captures)
    .bind(d.captured)
    .bind(d.refunds)
    .bind(d.refunded)
    .bind(d.failed_payments)
    .bind(d.payouts)
    .bind(d.paid_out)
    .bind(d.host_earned)
    .bind(d.host_refunded)
    .execute(&mut *tx)
    .await?;
    Ok(true)
}

/// One `insights_platform_day_counts` row's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CountDay {
    pub new_users: i64,
    pub new_hosts: i64,
    pub new_listings: i64,
    pub published_listings: i64,
}

/// The counts of `day`, from the facts. A new host is a user whose first listing was created
/// that day (a role change alone does not make one: providers without a listing host nothing).
pub async fn count_day(tx: &mut Tx, day: NaiveDate) -> Result<CountDay, DbError> {
    let (start, end) = bounds(day);
    let (new_users,): (i64,) = query("SELECT COUNT(*) FROM insights_users WHERE created_at >= $1 AND created_at < $2")
        .bind(start)
        .bind(end)
        .fetch_one(&mut *tx)
        .await?;
    let (new_listings,): (i64,) =
        query("SELECT COUNT(*) FROM insights_listings WHERE created_at >= $1 AND created_at < $2")
            .bind(start)
            .bind(end)
            .fetch_one(&mut *tx)
            .await?;
    let (published_listings,): (i64,) =
        query("SELECT COUNT(*) FROM insights_listings WHERE published_at >= $1 AND published_at < $2")
            .bind(start)
            .bind(end)
            .fetch_one(&mut *tx)
            .await?;
    let (new_hosts,): (i64,) = query(
        "SELECT COUNT(*) FROM (SELECT l.host_id FROM insights_listings l WHERE l.host_id IN \
         (SELECT host_id FROM insights_listings WHERE created_at >= $1 AND created_at < $2) \
         GROUP BY l.host_id HAVING MIN(l.created_at) >= $1) h",
    )
    .bind(start)
    .bind(end)
    .fetch_one(&mut *tx)
    .await?;
    Ok(CountDay { new_users, new_hosts, new_listings, published_listings })
}

/// Recomputes the counts row of `day`; whether one is kept.
pub async fn refresh_counts(tx: &mut Tx, day: NaiveDate) -> Result<bool, DbError> {
    let c = count_day(tx, day).await?;
    if c == CountDay::default() {
        query("DELETE FROM insights_platform_day_counts WHERE day = $1").bind(day).execute(&mut *tx).await?;
        return Ok(false);
    }
    query(
        "INSERT INTO insights_platform_day_counts (day, new_users, new_hosts, new_listings, published_listings) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (day) DO UPDATE SET new_users = excluded.new_users, \
         new_hosts = excluded.new_hosts, new_listings = excluded.new_listings, \
         published_listings = excluded.published_listings",
    )
    .bind(day)
    .bind(c.new_users)
    .bind(c.new_hosts)
    .bind(c.new_listings)
    .bind(c.published_listings)
    .execute(&mut *tx)
    .await?;
    Ok(true)
}

/// The (day, currency) rows a reservation's state touches: the day it was booked and the day
/// it was cancelled.
/// The rows a reservation's own figures count in: none until it is confirmed (bookings, GMV,
/// cancellations and top lists all count confirmed reservations only), then its booking day
/// and, once cancelled, its cancellation day.
fn reservation_keys(r: &Reservation, keys: &mut BTreeSet<(NaiveDate, String)>) {
    if r.confirmed_at.is_none() {
        return;
    }
    keys.insert((day_of(r.booked_at), r.currency.clone()));
    if let Some(at) = r.cancelled_at {
        keys.insert((day_of(at), r.currency.clone()));
    }
}

pub async fn reservation_changed(
    tx: &mut Tx,
    before: Option<&Reservation>,
    after: &Reservation,
) -> Result<(), DbError> {
    let mut keys = BTreeSet::new();
    if let Some(b) = before {
        reservation_keys(b, &mut keys);
    }
    reservation_keys(after, &mut keys);
    for (day, currency) in &keys {
        refresh_money(tx, *day, currency).await?;
    }
    // Host shares of its captures and refunds are estimated from its host payout and guest
    // total: when those are new or changed, the days of its movements are recomputed too.
    if before.is_some_and(|b| b.host_payout == after.host_payout && b.guest_total == after.guest_total) {
        return Ok(());
    }
    let moved: Vec<(DateTime<Utc>, String)> =
        query("SELECT at, currency FROM insights_money WHERE reservation_id = $1 AND kind IN ('capture', 'refund')")
            .bind(after.id)
            .fetch_all(&mut *tx)
            .await?;
    let moved: BTreeSet<(NaiveDate, String)> = moved.into_iter().map(|(at, currency)| (day_of(at), currency)).collect();
    for (day, currency) in moved.difference(&keys) {
        refresh_money_row(tx, *day, currency).await?;
    }
    Ok(())
}

/// The days of a host's two earliest listings: a listing recorded late may take the "first
/// listing" from the day that had it.
async fn host_first_days(tx: &mut Tx, host: Uuid) -> Result<Vec<NaiveDate>, DbError> {
    let rows: Vec<(DateTime<Utc>,)> =
        query("SELECT created_at FROM insights_listings WHERE host_id = $1 ORDER BY created_at LIMIT 2")
            .bind(host)
            .fetch_all(&mut *tx)
            .await?;
    Ok(rows.into_iter().map(|(at,)| day_of(at)).collect())
}

pub async fn listing_changed(tx: &mut Tx, before: Option<&Listing>, after: &Listing) -> Result<(), DbError> {
    let mut days = BTreeSet::new();
    for l in before.into_iter().chain([after]) {
        days.insert(day_of(l.created_at));
        days.extend(l.published_at.map(day_of));
        days.extend(host_first_days(tx, l.host_id).await?);
    }
    for day in days {
        refresh_counts(tx, day).await?;
    }
    Ok(())
}

pub async fn movement_recorded(tx: &mut Tx, m: &Movement) -> Result<(), DbError> {
    refresh_money_row(tx, day_of(m.at), &m.currency).await.map(|_| ())
}

/// A user changed on `day`: that day's counts and those of the day the account was created.
pub async fn user_changed(tx: &mut Tx, user: Uuid, day: NaiveDate) -> Result<(), DbError> {
    let created: Option<(DateTime<Utc>,)> =
        query("SELECT created_at FROM insights_users WHERE id = $1").bind(user).fetch_optional(&mut *tx).await?;
    refresh_counts(tx, day).await?;
    if let Some((at,)) = created
        && day_of(at) != day
    {
        refresh_counts(tx, day_of(at)).await?;
    }
    Ok(())
}

struct Span {
    first: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
}

impl FromRow for Span {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Span { first: row.get_at(0)?, last: row.get_at(1)? })
    }
}

/// The first and last instants any platform figure is counted on.
async fn span(tx: &mut Tx) -> Result<(Option<NaiveDate>, Option<NaiveDate>), DbError> {
    const SPANS: [&str; 6] = [
        "SELECT MIN(booked_at), MAX(booked_at) FROM insights_reservations",
        "SELECT MIN(cancelled_at), MAX(cancelled_at) FROM insights_reservations",
        "SELECT MIN(at), MAX(at) FROM insights_money",
        "SELECT MIN(created_at), MAX(created_at) FROM insights_listings",
        "SELECT MIN(published_at), MAX(published_at) FROM insights_listings",
        "SELECT MIN(created_at), MAX(created_at) FROM insights_users",
    ];
    let (mut first, mut last): (Option<NaiveDate>, Option<NaiveDate>) = (None, None);
    for sql in SPANS {
        let s: Span = query(sql).fetch_one(&mut *tx).await?;
        if let Some(f) = s.first.map(day_of) {
            first = Some(first.map_or(f, |x| x.min(f)));
        }
        if let Some(l) = s.last.map(day_of) {
            last = Some(last.map_or(l, |x| x.max(l)));
        }
    }
    Ok((first, last))
}

/// Recomputes every platform row from `from` on (UTC days), from the facts; how many
/// `insights_platform_days` and `insights_platform_day_counts` rows were written.
pub async fn rebuild(db: &Db, from: NaiveDate) -> Result<u64, DbError> {
    let mut tx = db.begin().await?;
    query("DELETE FROM insights_platform_days WHERE day >= $1").bind(from).execute(&mut tx).await?;
    query("DELETE FROM insights_platform_day_counts WHERE day >= $1").bind(from).execute(&mut tx).await?;
    query("DELETE FROM insights_platform_host_days WHERE day >= $1").bind(from).execute(&mut tx).await?;
    query("DELETE FROM insights_platform_destination_days WHERE day >= $1").bind(from).execute(&mut tx).await?;
    // Top lists ranked ahead were ranked from the rows being replaced: drop them (insights'
    // job ranks the windows again within a minute; until then top lists rank per request).
    query("DELETE FROM insights_top_entries").execute(&mut tx).await?;
    query("DELETE FROM insights_top_windows").execute(&mut tx).await?;
    let (Some(first), Some(last)) = span(&mut tx).await? else {
        tx.commit().await?;
        return Ok(0);
    };
    let currencies: Vec<(String,)> =
        query("SELECT currency FROM insights_reservations UNION SELECT currency FROM insights_money ORDER BY 1")
            .fetch_all(&mut tx)
            .await?;
    let mut written = 0;
    let mut day = from.max(first);
    while day <= last {
        written += u64::from(refresh_counts(&mut tx, day).await?);
        for (currency,) in &currencies {
            written += u64::from(refresh_money(&mut tx, day, currency).await?);
        }
        day = day.checked_add_days(Days::new(1)).unwrap_or(NaiveDate::MAX);
        if day == NaiveDate::MAX {
            break;
        }
    }
    tx.commit().await?;
    Ok(written)
}
