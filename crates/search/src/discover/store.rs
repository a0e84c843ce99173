//! The SQL of popular destinations: `destination_counts`, one row per day and place, added to
//! (never overwritten) so that flushes from several processes and booking events all add up.

use platform::db::{Db, DbError, FromRow, Row, Tx, query};

/// Counts to add for one day and place.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DayPlace {
    /// Days since 1970-01-01 (UTC).
    pub day: i64,
    pub city: String,
    pub country: String,
}

/// A place's totals over a window.
#[derive(Debug, Clone)]
pub struct Totals {
    pub city: String,
    pub country: String,
    pub bookings: i64,
    pub searches: i64,
}

impl FromRow for Totals {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Totals {
            city: row.get("city")?,
            country: row.get("country")?,
            bookings: row.get("bookings")?,
            searches: row.get("searches")?,
        })
    }
}

const ADD: &str = "INSERT INTO destination_counts (day, city, country, bookings, searches) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (day, city, country) DO UPDATE SET bookings = destination_counts.bookings + excluded.bookings, \
     searches = destination_counts.searches + excluded.searches";

/// Adds `bookings` and `searches` to `at`'s row.
pub async fn add(tx: &mut Tx, at: &DayPlace, bookings: i64, searches: i64) -> Result<(), DbError> {
    query(ADD)
        .bind(at.day)
        .bind(at.city.as_str())
        .bind(at.country.as_str())
        .bind(bookings)
        .bind(searches)
        .execute(tx)
        .await?;
    Ok(())
}

/// Totals per place over the days after `after` (exclusive).
pub async fn totals_since(db: &Db, after: i64) -> Result<Vec<Totals>, DbError> {
    query(
        "SELECT city, country, CAST(SUM(bookings) AS BIGINT) AS bookings, CAST(SUM(searches) AS BIGINT) AS searches \
         FROM destination_counts WHERE day > $1 GROUP BY city, country",
    )
    .bind(after)
    .fetch_all(db)
    .await
}

/// Deletes the days up to `before` (inclusive): older than any window asked for.
pub async fn prune(db: &Db, before: i64) -> Result<u64, DbError> {
    query("DELETE FROM destination_counts WHERE day <= $1").bind(before).execute(db).await
}
