//! Database failures, classified so that callers can turn a unique violation into a 409 and a
//! lost connection into a 503 without looking at driver types.

use kernel::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A UNIQUE or PRIMARY KEY constraint refused the write. `constraint` is the constraint
    /// name on PostgreSQL; on SQLite it is the `table.column` list from the message.
    #[error("unique constraint violated: {constraint}")]
    UniqueViolation { constraint: String },
    #[error("foreign key or check constraint violated: {0}")]
    ConstraintViolation(String),
    /// `fetch_one` found no row.
    #[error("row not found")]
    NotFound,
    /// The database cannot be reached (pool closed, timed out, I/O error).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A statement ran longer than `database.statement_timeout_ms` and was cancelled.
    #[error("statement timed out: {0}")]
    Timeout(String),
    /// A column could not be decoded into the requested Rust type: a bug in the store.
    #[error("cannot decode column `{column}`: {message}")]
    Decode { column: String, message: String },
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("database error: {0}")]
    Other(String),
}

impl DbError {
    /// True when a unique constraint whose name (PostgreSQL) or column list (SQLite) contains
    /// `needle` refused the write.
    pub fn is_unique_violation(&self, needle: &str) -> bool {
        matches!(self, DbError::UniqueViolation { constraint } if constraint.contains(needle))
    }
}

impl From<sqlx::Error> for DbError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::RowNotFound => DbError::NotFound,
            sqlx::Error::PoolClosed | sqlx::Error::PoolTimedOut | sqlx::Error::WorkerCrashed => {
                DbError::Unavailable(err.to_string())
            }
            sqlx::Error::Io(e) => DbError::Unavailable(e.to_string()),
            sqlx::Error::Tls(e) => DbError::Unavailable(e.to_string()),
            sqlx::Error::ColumnDecode { index, source } => {
                DbError::Decode { column: index, message: source.to_string() }
            }
            sqlx::Error::Database(db) => {
                let message = db.message().to_owned();
                // PostgreSQL SQLSTATEs: 57014 query_canceled (statement_timeout); refusals to
                // connect: class 08, 57P01..57P03 (shutting down), 53300 (too many
                // connections), 3D000 (no such database), 28xxx (authentication), and 55000
                // when the database does not accept connections (ALLOW_CONNECTIONS false).
                let code = db.code().unwrap_or_default().into_owned();
                if code == "57014" {
                    return DbError::Timeout(message);
                }
                let refused = code.starts_with("08")
                    || code.starts_with("28")
                    || matches!(code.as_str(), "57P01" | "57P02" | "57P03" | "53300" | "3D000")
                    || (code == "55000" && message.contains("accepting connections"));
                if refused {
                    return DbError::Unavailable(message);
                }
                match db.kind() {
                    sqlx::error::ErrorKind::UniqueViolation => DbError::UniqueViolation {
                        constraint: db.constraint().map_or_else(
                            || message.trim_start_matches("UNIQUE constraint failed: ").to_owned(),
                            str::to_owned,
                        ),
                    },
                    sqlx::error::ErrorKind::ForeignKeyViolation
                    | sqlx::error::ErrorKind::CheckViolation
                    | sqlx::error::ErrorKind::NotNullViolation => DbError::ConstraintViolation(message),
                    _ => DbError::Other(message),
                }
            }
            other => DbError::Other(other.to_string()),
        }
    }
}

impl From<DbError> for ApiError {
    /// The generic mapping; stores that know better (which constraint means what) map first.
    fn from(err: DbError) -> Self {
        match err {
            DbError::UniqueViolation { .. } => ApiError::conflict("The resource already exists"),
            DbError::NotFound => ApiError::not_found("Not found"),
            DbError::Unavailable(cause) => {
                tracing::error!(%cause, "database unavailable");
                ApiError::unavailable("The database is unavailable, try again shortly", Some(2))
            }
            DbError::Timeout(cause) => {
                tracing::warn!(%cause, "database statement timed out");
                ApiError::unavailable("The database took too long to answer, try again shortly", Some(2))
            }
            other => {
                tracing::error!(error = %other, "database error");
                ApiError::internal()
            }
        }
    }
}
