//! Decoding rows from either driver. Stores implement [`FromRow`] by hand, naming columns:
//! explicit, and it keeps sqlx's proc-macro crate (and a second build of both drivers) out of
//! the build.

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Postgres, Row as _, Sqlite};

use super::DbError;

/// A Rust type both drivers can decode: `i64`, `bool`, `String`, `Uuid`, `DateTime<Utc>`,
/// `NaiveDate`, `Vec<u8>`, `f64`, `sqlx::types::Json<T>`, and `Option` of each.
pub trait Value:
    for<'r> sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite> + for<'r> sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>
{
}

impl<T> Value for T where
    T: for<'r> sqlx::Decode<'r, Sqlite>
        + sqlx::Type<Sqlite>
        + for<'r> sqlx::Decode<'r, Postgres>
        + sqlx::Type<Postgres>
{
}

/// One result row, from whichever engine ran the query.
pub enum Row<'r> {
    Sqlite(&'r SqliteRow),
    Postgres(&'r PgRow),
}

impl Row<'_> {
    /// The value of a named column.
    pub fn get<T: Value>(&self, column: &str) -> Result<T, DbError> {
        match self {
            Row::Sqlite(r) => r.try_get(column),
            Row::Postgres(r) => r.try_get(column),
        }
        .map_err(DbError::from)
    }

    /// The value of a column by position (for scalar and tuple results).
    pub fn get_at<T: Value>(&self, index: usize) -> Result<T, DbError> {
        match self {
            Row::Sqlite(r) => r.try_get(index),
            Row::Postgres(r) => r.try_get(index),
        }
        .map_err(DbError::from)
    }
}

pub trait FromRow: Sized + Send {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError>;
}

impl<A: Value + Send> FromRow for (A,) {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok((row.get_at(0)?,))
    }
}

impl<A: Value + Send, B: Value + Send> FromRow for (A, B) {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok((row.get_at(0)?, row.get_at(1)?))
    }
}

impl<A: Value + Send, B: Value + Send, C: Value + Send> FromRow for (A, B, C) {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok((row.get_at(0)?, row.get_at(1)?, row.get_at(2)?))
    }
}
