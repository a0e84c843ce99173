//! Reading the facts for DreamScape's admin dashboard. Windows are half-open, `[from, to)`.
//! Bookings are reservations (booked in the window) that no DreamScape booking holds, and
//! DreamScape bookings (checked out in the window); their statuses come back in DreamScape's
//! spelling. Money is the reporting currency's only.

use chrono::{DateTime, NaiveDate, Utc};
use kernel::dreamscape::reservation_status;
use platform::db::{Db, DbError, Dialect, FromRow, Row, query, query_dynamic};

/// The currency DreamScape's dashboard reports in.
pub const REPORT_CURRENCY: &str = "EUR";

/// Accounts that are not erased, and how many of those verified their email.
pub async fn user_counts(db: &Db) -> Result<(i64, i64), DbError> {
    query(
        "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN verified THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM insights_users WHERE status <> 'deleted'",
    )
    .fetch_one(db)
    .await
}

/// Accounts created in the window and not erased since.
pub async fn new_users(db: &Db, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<i64, DbError> {
    let (n,): (i64,) =
        query("SELECT COUNT(*) FROM insights_users WHERE status <> 'deleted' AND created_at >= $1 AND created_at < $2")
            .bind(from)
            .bind(to)
            .fetch_one(db)
            .await?;
    Ok(n)
}

/// The first UTC day that starts at or after `t`.
fn first_day_from(t: DateTime<Utc>) -> NaiveDate {
    let day = t.date_naive();
    if day.and_hms_opt(0, 0, 0).map(|m| m.and_utc()) == Some(t) { day } else { day.succ_opt().unwrap_or(day) }
}

/// Server-side searches (`insights_searches_daily`) of the UTC days that start in the window:
/// each day belongs to exactly one of two adjacent windows.
pub async fn searches(db: &Db, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<i64, DbError> {
    let (n,): (i64,) = query(
        "SELECT CAST(COALESCE(SUM(searches), 0) AS BIGINT) FROM insights_searches_daily WHERE day >= $1 AND day < $2",
    )
    .bind(first_day_from(from))
    .bind(first_day_from(to))
    .fetch_one(db)
    .await?;
    Ok(n)
}

/// Bookings of one DreamScape status and currency: how many, and their total (minor units).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingGroup {
    pub status: &'static str,
    pub currency: String,
    pub count: i64,
    pub amount: i64,
}

/// A row of status, currency, count and amount, the status as stored.
struct GroupRow(String, String, i64, i64);

impl FromRow for GroupRow {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(GroupRow(row.get_at(0)?, row.get_at(1)?, row.get_at(2)?, row.get_at(3)?))
    }
}

/// A reservation `r` that no DreamScape booking holds.
const ALONE: &str = "NOT EXISTS (SELECT 1 FROM insights_trip_parts p WHERE p.reservation_id = r.id)";

/// The window's bookings by DreamScape status and currency.
pub async fn bookings(db: &Db, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<BookingGroup>, DbError> {
    let reservations: Vec<GroupRow> = query_dynamic(format!(
        "SELECT r.status, r.currency, COUNT(*), CAST(COALESCE(SUM(r.guest_total), 0) AS BIGINT) \
         FROM insights_reservations r WHERE r.booked_at >= $1 AND r.booked_at < $2 AND {ALONE} \
         GROUP BY r.status, r.currency"
    ))
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    let trips: Vec<GroupRow> = query(
        "SELECT status, currency, COUNT(*), CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM insights_trips \
         WHERE created_at >= $1 AND created_at < $2 GROUP BY status, currency",
    )
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    let reservations = reservations.into_iter().map(|GroupRow(state, c, n, a)| (reservation_status(&state), c, n, a));
    let trips = trips.into_iter().map(|GroupRow(status, c, n, a)| (known_status(&status), c, n, a));
    Ok(reservations
        .chain(trips)
        .map(|(status, currency, count, amount)| BookingGroup { status, currency, count, amount })
        .collect())
}

/// A stored DreamScape status as the constant it is.
fn known_status(status: &str) -> &'static str {
    kernel::dreamscape::BOOKING_STATUSES.into_iter().find(|s| *s == status).unwrap_or("PENDING")
}

/// The window's bookings per known destination and DreamScape status: (destination, status, count).
pub async fn destinations(
    db: &Db,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(String, &'static str, i64)>, DbError> {
    let reservations: Vec<(String, String, i64)> = query_dynamic(format!(
        "SELECT r.destination, r.status, COUNT(*) FROM insights_reservations r WHERE r.destination IS NOT NULL \
         AND r.booked_at >= $1 AND r.booked_at < $2 AND {ALONE} GROUP BY r.destination, r.status"
    ))
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    let trips: Vec<(String, String, i64)> = query(
        "SELECT destination, status, COUNT(*) FROM insights_trips WHERE destination IS NOT NULL \
         AND created_at >= $1 AND created_at < $2 GROUP BY destination, status",
    )
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    Ok(reservations
        .into_iter()
        .map(|(d, state, n)| (d, reservation_status(&state), n))
        .chain(trips.into_iter().map(|(d, status, n)| (d, known_status(&status), n)))
        .collect())
}

/// Captures (`payment.succeeded`) in the reporting currency captured in the window, each net
/// of its payment's refunds (whenever made); fully refunded ones are left out. `at` and `net`.
fn net_captures() -> String {
    format!(
        "SELECT c.at AS at, c.amount - COALESCE((SELECT SUM(f.amount) FROM insights_money f \
         WHERE f.payment_id = c.payment_id AND f.kind = 'refund'), 0) AS net FROM insights_money c \
         WHERE c.kind = 'capture' AND c.currency = '{REPORT_CURRENCY}' AND c.at >= $1 AND c.at < $2"
    )
}

/// Revenue of the window (minor units).
pub async fn revenue(db: &Db, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<i64, DbError> {
    let (n,): (i64,) = query_dynamic(format!(
        "SELECT CAST(COALESCE(SUM(n.net), 0) AS BIGINT) FROM ({}) n WHERE n.net > 0",
        net_captures()
    ))
    .bind(from)
    .bind(to)
    .fetch_one(db)
    .await?;
    Ok(n)
}

/// Revenue per UTC day (`YYYY-MM-DD`) that has any, oldest first.
pub async fn revenue_by_day(db: &Db, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<(String, i64)>, DbError> {
    let day = match db.dialect() {
        // Instants are stored as RFC 3339 text in UTC: the date comes first.
        Dialect::Sqlite => "substr(n.at, 1, 10)",
        Dialect::Postgres => "to_char(n.at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
    };
    query_dynamic(format!(
        "SELECT {day} AS day, CAST(SUM(n.net) AS BIGINT) FROM ({}) n WHERE n.net > 0 GROUP BY {day} ORDER BY day",
        net_captures()
    ))
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_belongs_to_the_window_its_midnight_is_in() {
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(first_day_from(t("2030-01-03T12:00:00Z")), d("2030-01-04"));
        assert_eq!(first_day_from(t("2030-01-03T00:00:00Z")), d("2030-01-03"));
        assert_eq!(first_day_from(t("2030-01-03T00:00:00.001Z")), d("2030-01-04"));
    }
}
