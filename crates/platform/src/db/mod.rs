//! The data layer: one `Db` per context over SQLite or PostgreSQL, chosen by URL.
//!
//! We use sqlx's native drivers rather than its `Any` driver, because `Any` cannot bind or
//! decode `Uuid`, `DateTime<Utc>` or `Json` (sqlx #2778). A `Db` holds the native pools and
//! the same SQL text (with `$1` placeholders, valid on both) is dispatched to whichever is
//! behind it. SQLite runs in WAL mode with exactly one writer connection (so writers queue in
//! the pool instead of failing with SQLITE_BUSY) and a read-only reader pool.

mod connect;
mod error;
mod group;
mod migrate;
mod query;
mod row;

use sqlx::{PgPool, SqlitePool};

pub use connect::{DbOptions, SqliteSync, connect};
pub use error::DbError;
pub use group::GroupStats;
pub use migrate::{Migration, Migrations, migrate};
pub use query::{Arg, Batch, Conn, Executor, IntoArg, Query, Tx, query, query_dynamic};
pub use row::{FromRow, Row, Value};
/// JSON columns: `JSONB` on PostgreSQL, `TEXT` on SQLite; bind a `serde_json::Value`, read `Json<T>`.
pub use sqlx::types::Json;

/// Which engine a `Db` runs on; store code branches on this only where SQL truly differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub(crate) enum Pools {
    Sqlite { writer: SqlitePool, reader: SqlitePool },
    Postgres(PgPool),
}

/// A context's database handle. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    name: std::sync::Arc<str>,
    pub(crate) pools: Pools,
    /// SQLite's open write group (see [`Db::grouped`]).
    group: std::sync::Arc<group::Group>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("name", &self.name).field("dialect", &self.dialect()).finish()
    }
}

/// Connection counts for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub role: &'static str,
    pub size: u32,
    pub idle: u32,
}

impl Db {
    /// The context this database belongs to.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn dialect(&self) -> Dialect {
        match self.pools {
            Pools::Sqlite { .. } => Dialect::Sqlite,
            Pools::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Starts a transaction (on the single writer connection for SQLite).
    pub async fn begin(&self) -> Result<Tx, DbError> {
        Tx::begin(self).await
    }

    /// A cheap round trip proving the database answers, used by `/health/ready`. On SQLite
    /// both the writer and a reader must answer.
    pub async fn ping(&self) -> Result<(), DbError> {
        let ping = || sqlx::raw_sql(sqlx::AssertSqlSafe("SELECT 1"));
        match &self.pools {
            Pools::Sqlite { writer, reader } => {
                ping().execute(writer).await?;
                ping().execute(reader).await?;
            }
            Pools::Postgres(pool) => {
                ping().execute(pool).await?;
            }
        }
        Ok(())
    }

    pub fn pool_stats(&self) -> Vec<PoolStats> {
        let stats =
            |role, size: u32, idle: usize| PoolStats { role, size, idle: u32::try_from(idle).unwrap_or(u32::MAX) };
        match &self.pools {
            Pools::Sqlite { writer, reader } => vec![
                stats("writer", writer.size(), writer.num_idle()),
                stats("reader", reader.size(), reader.num_idle()),
            ],
            Pools::Postgres(pool) => vec![stats("primary", pool.size(), pool.num_idle())],
        }
    }

    /// Whether [`Db::close`] has run: periodic background work stops when it sees this, so an
    /// app that was shut down leaves no loop behind in a process that goes on.
    pub fn is_closed(&self) -> bool {
        match &self.pools {
            Pools::Sqlite { writer, .. } => writer.is_closed(),
            Pools::Postgres(pool) => pool.is_closed(),
        }
    }

    /// Closes every connection; later queries fail with `DbError::Unavailable`.
    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite { writer, reader } => {
                reader.close().await;
                writer.close().await;
            }
            Pools::Postgres(pool) => pool.close().await,
        }
    }
}
