//! One query builder for both engines: bind values into an engine-neutral [`Arg`] list, then
//! dispatch to the native driver at execution time.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::PgArguments;
use sqlx::sqlite::SqliteArguments;
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, Postgres, SqlStr, Sqlite};
use uuid::Uuid;

use super::row::{FromRow, Row};
use super::{Db, DbError, Pools};

/// A bound parameter. `None` binds a typed SQL NULL (PostgreSQL needs the type).
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Bool(Option<bool>),
    I64(Option<i64>),
    F64(Option<f64>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
    Uuid(Option<Uuid>),
    Time(Option<DateTime<Utc>>),
    Date(Option<NaiveDate>),
    Json(Option<serde_json::Value>),
}

pub trait IntoArg {
    fn into_arg(self) -> Arg;
}

macro_rules! into_arg {
    ($($ty:ty => $variant:ident $(via $conv:expr)?),* $(,)?) => {$(
        impl IntoArg for $ty {
            fn into_arg(self) -> Arg { Arg::$variant(Some(into_arg!(@conv self $(, $conv)?))) }
        }
        impl IntoArg for Option<$ty> {
            fn into_arg(self) -> Arg { Arg::$variant(self.map(|v| into_arg!(@conv v $(, $conv)?))) }
        }
    )*};
    (@conv $v:expr) => { $v };
    (@conv $v:expr, $conv:expr) => { $conv($v) };
}

into_arg! {
    bool => Bool,
    i64 => I64,
    i32 => I64 via i64::from,
    u32 => I64 via i64::from,
    f64 => F64,
    String => Text,
    &str => Text via str::to_owned,
    Vec<u8> => Bytes,
    Uuid => Uuid,
    DateTime<Utc> => Time via kernel::truncate_micros,
    NaiveDate => Date,
    serde_json::Value => Json,
}

impl IntoArg for Arg {
    fn into_arg(self) -> Arg {
        self
    }
}

/// SQL text plus its arguments. Build with [`query`].
#[derive(Debug, Clone)]
#[must_use = "a query does nothing until executed"]
pub struct Query {
    sql: SqlStr,
    args: Vec<Arg>,
}

/// A query from a literal: the only way SQL text enters the data layer, so values are always
/// bound, never spliced.
pub fn query(sql: &'static str) -> Query {
    Query { sql: sql.into_sql_str(), args: Vec::new() }
}

/// A query whose text is built at run time (DDL with identifiers, migrations). The caller
/// guarantees the text contains no user input.
pub fn query_dynamic(sql: String) -> Query {
    Query { sql: AssertSqlSafe(sql).into_sql_str(), args: Vec::new() }
}

use sqlx::SqlSafeStr as _;

/// Where a query runs: a database (reads go to the reader pool on SQLite) or a transaction.
pub trait Executor<'c>: Send {
    fn target(self) -> Target<'c>;
}

#[doc(hidden)]
pub enum Target<'c> {
    Db(&'c Db),
    Tx(&'c mut Tx),
}

impl<'c> Executor<'c> for &'c Db {
    fn target(self) -> Target<'c> {
        Target::Db(self)
    }
}

impl<'c> Executor<'c> for &'c mut Tx {
    fn target(self) -> Target<'c> {
        Target::Tx(self)
    }
}

/// Either a database or a transaction, for code that runs several queries the same way in
/// both (a quote reads outside any transaction, a reservation inside one): pass `&mut conn`
/// to each query.
pub enum Conn<'a> {
    Db(&'a Db),
    Tx(&'a mut Tx),
}

impl<'c> Executor<'c> for &'c mut Conn<'_> {
    fn target(self) -> Target<'c> {
        match self {
            Conn::Db(db) => Target::Db(db),
            Conn::Tx(tx) => Target::Tx(tx),
        }
    }
}

/// An open transaction; dropped without `commit` it rolls back.
pub struct Tx {
    inner: TxInner,
    /// SQLite: a statement sent together with the next query or batch instead of on its own
    /// (a write group's `SAVEPOINT`), saving a round trip to the connection's thread.
    deferred: Option<String>,
}

enum TxInner {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tx")
    }
}

impl Tx {
    pub(super) async fn begin(db: &Db) -> Result<Tx, DbError> {
        let inner = match &db.pools {
            // IMMEDIATE takes the write lock up front: a transaction that reads then writes
            // cannot fail half-way with SQLITE_BUSY when another process (a `sojourn
            // migrate`, a second server) wrote in between. In-process, the single writer
            // connection already serialises writers, so this costs nothing.
            Pools::Sqlite { writer, .. } => TxInner::Sqlite(writer.begin_with("BEGIN IMMEDIATE").await?),
            Pools::Postgres(pool) => TxInner::Postgres(pool.begin().await?),
        };
        Ok(Tx { inner, deferred: None })
    }

    /// Sends `sql` (parameterless) together with the next statement on SQLite, or now on
    /// PostgreSQL.
    pub(crate) async fn defer(&mut self, sql: String) -> Result<(), DbError> {
        if let TxInner::Sqlite(_) = self.inner {
            self.deferred = Some(sql);
            return Ok(());
        }
        query_dynamic(sql).execute(self).await.map(|_| ())
    }

    /// Sends a deferred statement on its own. `execute` does this first: SQLite reports, for
    /// a statement that changes nothing (a `SAVEPOINT`), the change count of the statement
    /// before it, so carried along it would falsify the rows-affected count.
    async fn flush_deferred(&mut self) -> Result<(), DbError> {
        if let (Some(sql), TxInner::Sqlite(conn)) = (self.deferred.take(), &mut self.inner) {
            sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut **conn).await?;
        }
        Ok(())
    }

    /// Takes back a deferred statement that no statement has carried yet.
    pub(super) fn take_deferred(&mut self) -> Option<String> {
        self.deferred.take()
    }

    /// `sql`, preceded by the deferred statement if there is one.
    fn with_deferred(&mut self, sql: SqlStr) -> SqlStr {
        match self.deferred.take() {
            Some(mut text) => {
                text.push_str(";\n");
                text.push_str(sql.as_str());
                AssertSqlSafe(text).into_sql_str()
            }
            None => sql,
        }
    }

    pub async fn commit(self) -> Result<(), DbError> {
        match self.inner {
            TxInner::Sqlite(tx) => tx.commit().await?,
            TxInner::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), DbError> {
        match self.inner {
            TxInner::Sqlite(tx) => tx.rollback().await?,
            TxInner::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }

    pub fn dialect(&self) -> super::Dialect {
        match self.inner {
            TxInner::Sqlite(_) => super::Dialect::Sqlite,
            TxInner::Postgres(_) => super::Dialect::Postgres,
        }
    }
}

/// Several write statements sent together: on SQLite as one round trip to the connection's
/// thread (the texts joined, their `$n` parameters renumbered), on PostgreSQL one after the
/// other. For transactions whose statements need no answer in between. Statement texts must
/// not contain `$` other than in parameters.
#[derive(Default)]
pub struct Batch {
    parts: Vec<Query>,
}

impl Batch {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, query: Query) {
        self.parts.push(query);
    }

    /// Runs every statement in `tx`; stops at the first failure (roll the transaction back).
    pub async fn execute(self, tx: &mut Tx) -> Result<(), DbError> {
        if let TxInner::Sqlite(_) = &tx.inner {
            let mut sql = tx.deferred.take().map(|d| d + ";\n").unwrap_or_default();
            let mut args = Vec::new();
            for part in self.parts {
                sql.push_str(&renumber(part.sql.as_str(), args.len()));
                sql.push_str(";\n");
                args.extend(part.args);
            }
            if let TxInner::Sqlite(conn) = &mut tx.inner {
                sqlite_query(AssertSqlSafe(sql).into_sql_str(), args).execute(&mut **conn).await?;
            }
            return Ok(());
        }
        for part in self.parts {
            part.execute(&mut *tx).await?;
        }
        Ok(())
    }
}

/// `sql` with every `$n` turned into `$(n + offset)`.
fn renumber(sql: &str, offset: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        out.push(c);
        if c != '$' {
            continue;
        }
        let mut digits = String::new();
        while let Some((_, d)) = chars.peek().copied().filter(|(_, d)| d.is_ascii_digit()) {
            digits.push(d);
            chars.next();
        }
        match digits.parse::<usize>() {
            Ok(n) => out.push_str(&(n + offset).to_string()),
            Err(_) => out.push_str(&digits),
        }
    }
    out
}

fn is_read_only(sql: &str) -> bool {
    let head = sql.trim_start().get(..6).unwrap_or_default();
    head.eq_ignore_ascii_case("select")
}

fn sqlite_query(sql: SqlStr, args: Vec<Arg>) -> sqlx::query::Query<'static, Sqlite, SqliteArguments> {
    let mut q = sqlx::query::<Sqlite>(sql);
    for arg in args {
        q = match arg {
            Arg::Bool(v) => q.bind(v),
            Arg::I64(v) => q.bind(v),
            Arg::F64(v) => q.bind(v),
            Arg::Text(v) => q.bind(v),
            Arg::Bytes(v) => q.bind(v),
            Arg::Uuid(v) => q.bind(v),
            Arg::Time(v) => q.bind(v),
            Arg::Date(v) => q.bind(v),
            Arg::Json(v) => q.bind(v.map(Json)),
        };
    }
    q
}

fn pg_query(sql: SqlStr, args: Vec<Arg>) -> sqlx::query::Query<'static, Postgres, PgArguments> {
    let mut q = sqlx::query::<Postgres>(sql);
    for arg in args {
        q = match arg {
            Arg::Bool(v) => q.bind(v),
            Arg::I64(v) => q.bind(v),
            Arg::F64(v) => q.bind(v),
            Arg::Text(v) => q.bind(v),
            Arg::Bytes(v) => q.bind(v),
            Arg::Uuid(v) => q.bind(v),
            Arg::Time(v) => q.bind(v),
            Arg::Date(v) => q.bind(v),
            Arg::Json(v) => q.bind(v.map(Json)),
        };
    }
    q
}

/// Runs `$method` of the native query on whichever connection `$target` resolves to, then
/// applies `$sqlite` / `$pg` to the driver-specific result.
macro_rules! dispatch {
    ($self:ident, $target:expr, $method:ident, |$r:ident| $sqlite:expr, $pg:expr) => {{
        let read = is_read_only($self.sql.as_str());
        match $target {
            Target::Db(db) => match &db.pools {
                Pools::Sqlite { writer, reader } => {
                    let pool = if read { reader } else { writer };
                    let $r = sqlite_query($self.sql, $self.args).$method(pool).await?;
                    $sqlite
                }
                Pools::Postgres(pool) => {
                    let $r = pg_query($self.sql, $self.args).$method(pool).await?;
                    $pg
                }
            },
            Target::Tx(tx) => {
                // Only SQLite defers statements; on PostgreSQL this leaves the text as is.
                let sql = tx.with_deferred($self.sql);
                match &mut tx.inner {
                    TxInner::Sqlite(conn) => {
                        let $r = sqlite_query(sql, $self.args).$method(&mut **conn).await?;
                        $sqlite
                    }
                    TxInner::Postgres(conn) => {
                        let $r = pg_query(sql, $self.args).$method(&mut **conn).await?;
                        $pg
                    }
                }
            }
        }
    }};
}

impl Query {
    pub fn bind(mut self, value: impl IntoArg) -> Self {
        self.args.push(value.into_arg());
        self
    }

    /// Binds a serialisable value as JSON (TEXT on SQLite, JSONB on PostgreSQL).
    pub fn bind_json<T: serde::Serialize>(self, value: &T) -> Result<Self, DbError> {
        let json = serde_json::to_value(value).map_err(|e| DbError::Other(e.to_string()))?;
        Ok(self.bind(json))
    }

    pub fn sql(&self) -> &str {
        self.sql.as_str()
    }

    /// Runs a statement; returns the number of rows affected.
    pub async fn execute<'c>(self, on: impl Executor<'c>) -> Result<u64, DbError> {
        let mut target = on.target();
        if let Target::Tx(tx) = &mut target {
            tx.flush_deferred().await?;
        }
        dispatch!(self, target, execute, |r| Ok(r.rows_affected()), Ok(r.rows_affected()))
    }

    pub async fn fetch_all<'c, T: FromRow>(self, on: impl Executor<'c>) -> Result<Vec<T>, DbError> {
        dispatch!(
            self,
            on.target(),
            fetch_all,
            |rows| rows.iter().map(|row| T::from_row(&Row::Sqlite(row))).collect(),
            rows.iter().map(|row| T::from_row(&Row::Postgres(row))).collect()
        )
    }

    pub async fn fetch_optional<'c, T: FromRow>(self, on: impl Executor<'c>) -> Result<Option<T>, DbError> {
        dispatch!(
            self,
            on.target(),
            fetch_optional,
            |row| row.as_ref().map(|r| T::from_row(&Row::Sqlite(r))).transpose(),
            row.as_ref().map(|r| T::from_row(&Row::Postgres(r))).transpose()
        )
    }

    /// Exactly one row, or `DbError::NotFound`.
    pub async fn fetch_one<'c, T: FromRow>(self, on: impl Executor<'c>) -> Result<T, DbError> {
        self.fetch_optional(on).await?.ok_or(DbError::NotFound)
    }

    /// Runs a script of several statements without parameters (migrations).
    pub(crate) async fn execute_script<'c>(self, on: impl Executor<'c>) -> Result<(), DbError> {
        let script = sqlx::raw_sql(self.sql);
        match on.target() {
            Target::Db(db) => match &db.pools {
                Pools::Sqlite { writer, .. } => script.execute(writer).await.map(|_| ())?,
                Pools::Postgres(pool) => script.execute(pool).await.map(|_| ())?,
            },
            Target::Tx(tx) => match &mut tx.inner {
                TxInner::Sqlite(conn) => script.execute(&mut **conn).await.map(|_| ())?,
                TxInner::Postgres(conn) => script.execute(&mut **conn).await.map(|_| ())?,
            },
        }
        Ok(())
    }
}

impl Query {
    /// Runs a parameterless script on a bare PostgreSQL connection (schema bootstrap, before
    /// any pool exists).
    pub(crate) async fn execute_script_on_pg(self, conn: &mut sqlx::PgConnection) -> Result<(), DbError> {
        sqlx::raw_sql(self.sql).execute(conn).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn batches_renumber_parameters() {
        assert_eq!(
            super::renumber("a = $1 AND b IN ($2, $10) AND c = '$'", 4),
            "a = $5 AND b IN ($6, $14) AND c = '$'"
        );
        assert_eq!(super::renumber("no parameters", 7), "no parameters");
    }
}
