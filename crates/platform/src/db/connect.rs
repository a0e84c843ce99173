//! Opening a context's database: a SQLite file under the data directory, or a PostgreSQL
//! schema (`<prefix><context>`) on the configured server.
//!
//! SQLite commits are durable by default (`synchronous=FULL`): a `201` means the row survives
//! a power loss, not just a crash of the process. WAL with `NORMAL` skips the fsync at commit
//! and can lose the last commits on an OS crash; that is an explicit choice
//! (`database.sqlite_synchronous = "normal"`), never the default. The fsync's cost is shared by
//! group commit ([`Db::grouped`]): one fsync carries a whole group of sales.
//!
//! PostgreSQL connections honour the URL's `sslmode` and `sslrootcert` exactly as sqlx parses
//! them (TLS through rustls on aws-lc-rs, the provider the rest of the tree uses), so requiring
//! and verifying TLS is a matter of the URL: `?sslmode=verify-full&sslrootcert=/etc/ca.pem`.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection};

use super::{Db, DbError, Pools};

/// How hard SQLite works to make a commit durable (`PRAGMA synchronous`, WAL mode).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSync {
    /// The WAL is synced at every commit: an acknowledged commit survives a power loss.
    #[default]
    Full,
    /// No sync at commit (only at checkpoints): a power loss or OS crash can roll back the
    /// last commits; the file is never corrupted. Faster when writes are not grouped.
    Normal,
    /// As `Full`, and the directory is synced too when the WAL is reset.
    Extra,
}

impl SqliteSync {
    fn pragma(self) -> SqliteSynchronous {
        match self {
            SqliteSync::Full => SqliteSynchronous::Full,
            SqliteSync::Normal => SqliteSynchronous::Normal,
            SqliteSync::Extra => SqliteSynchronous::Extra,
        }
    }
}

/// What is needed to open any context's database.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// `None` → SQLite files under `data_dir`; `Some(postgres://...)` → PostgreSQL.
    pub url: Option<String>,
    pub data_dir: PathBuf,
    /// Prepended to the context name to form the PostgreSQL schema (tests use a unique one).
    pub schema_prefix: String,
    pub max_connections: u32,
    pub sqlite_readers: u32,
    pub busy_timeout: Duration,
    pub acquire_timeout: Duration,
    /// PostgreSQL cancels statements running longer than this; zero means no limit. (SQLite
    /// has no statement timeout: `busy_timeout` bounds its lock waits.)
    pub statement_timeout: Duration,
    /// SQLite's `synchronous` setting (durable `Full` by default).
    pub sqlite_synchronous: SqliteSync,
}

impl DbOptions {
    /// A small database for tools and tests: one connection and one reader, 5 s busy and
    /// acquire timeouts, no statement timeout, durable SQLite commits, no schema prefix. Other
    /// settings go in with `..DbOptions::small(url, dir)`.
    pub fn small(url: Option<String>, data_dir: PathBuf) -> Self {
        Self {
            url,
            data_dir,
            schema_prefix: String::new(),
            max_connections: 1,
            sqlite_readers: 1,
            busy_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Duration::ZERO,
            sqlite_synchronous: SqliteSync::default(),
        }
    }
}

/// Opens (creating if needed) the database of context `name`.
pub async fn connect(name: &str, opts: &DbOptions) -> Result<Db, DbError> {
    let pools = match opts.url.as_deref() {
        None => open_sqlite(opts.data_dir.join(format!("{name}.db")), opts).await?,
        Some(url) if url.starts_with("sqlite:") => {
            // `sqlite://DIR`: a directory holding one file per context.
            let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
            if path.is_empty() || path.contains('?') || path.contains(":memory:") {
                return Err(DbError::Other("a sqlite: database.url must name a directory: sqlite://DIR".into()));
            }
            let path = PathBuf::from(path).join(format!("{name}.db"));
            open_sqlite(path, opts).await?
        }
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            open_postgres(url, &format!("{}{name}", opts.schema_prefix), opts).await?
        }
        Some(_) => {
            return Err(DbError::Other("database.url must start with postgres://, postgresql:// or sqlite:".into()));
        }
    };
    Ok(Db { name: name.into(), pools, group: Default::default() })
}

async fn open_sqlite(path: PathBuf, opts: &DbOptions) -> Result<Pools, DbError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| DbError::Unavailable(format!("cannot create {}: {e}", dir.display())))?;
    }
    let base = SqliteConnectOptions::new()
        .filename(&path)
        .synchronous(opts.sqlite_synchronous.pragma())
        .busy_timeout(opts.busy_timeout)
        .foreign_keys(true)
        .pragma("cache_size", "-2000")
        .statement_cache_capacity(64);
    // Switching a new file to WAL needs an exclusive lock that SQLite's busy timeout does not
    // wait for, so when several processes open a fresh database at once, retry. WAL is then
    // a property of the file, which is why readers do not ask for it again.
    // The writer keeps its statement and savepoint journals in memory: every grouped sale
    // is a savepoint (see group.rs), and with journals in a temporary file each of them wrote
    // the pages it changed there first (a tenth of a reservation's CPU in a profile). They
    // hold one transaction's changed pages at most; readers' large sorts stay on disk.
    let writer_opts =
        base.clone().journal_mode(SqliteJournalMode::Wal).create_if_missing(true).pragma("temp_store", "memory");
    let started = std::time::Instant::now();
    let mut delay = Duration::from_millis(10);
    let writer = loop {
        // A local file cannot drop a connection: no ping before each use (a round trip to the
        // connection's thread, per query on the readers and per transaction on the writer).
        let attempt = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .test_before_acquire(false)
            .acquire_timeout(opts.acquire_timeout)
            .connect_with(writer_opts.clone())
            .await;
        match attempt {
            Err(e) if is_busy(&e) && started.elapsed() < opts.busy_timeout => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_millis(200));
            }
            other => break other?,
        }
    };
    let reader = SqlitePoolOptions::new()
        .max_connections(opts.sqlite_readers.max(1))
        .test_before_acquire(false)
        .min_connections(0)
        .idle_timeout(Some(Duration::from_secs(60)))
        .acquire_timeout(opts.acquire_timeout)
        // Readers keep a smaller page cache than the writer (512 KiB, not 2 MiB): there are
        // up to `sqlite_readers` of them per database, their memory is glibc's and stays with
        // the process while they live, and a page they miss is a read from the OS page cache.
        .connect_with(base.read_only(true).pragma("cache_size", "-512"))
        .await?;
    Ok(Pools::Sqlite { writer, reader })
}

/// SQLITE_BUSY ("database is locked"), in any of its extended forms.
fn is_busy(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.code().is_some_and(|c| c == "5" || c.parse::<i32>().is_ok_and(|n| n & 0xff == 5)))
}

/// A failed first connection to PostgreSQL, saying so when TLS is what failed (a certificate
/// not signed by `sslrootcert`, a host name not in it, a server without TLS under
/// `sslmode=require`): the bare rustls message alone does not name the setting to look at.
fn connect_error(err: sqlx::Error) -> DbError {
    let tls = |message: String| {
        DbError::Unavailable(format!(
            "TLS to PostgreSQL failed (check database.url's sslmode and sslrootcert): {message}"
        ))
    };
    match err {
        sqlx::Error::Tls(e) => tls(e.to_string()),
        // rustls' verdicts (`invalid peer certificate: UnknownIssuer`) arrive as I/O errors.
        sqlx::Error::Io(e) if is_tls_failure(&e.to_string()) => tls(e.to_string()),
        other => other.into(),
    }
}

fn is_tls_failure(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    ["certificate", "tls", "handshake"].iter().any(|word| message.contains(word))
}

fn valid_schema(schema: &str) -> bool {
    !schema.is_empty()
        && schema.len() <= 63
        && schema.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && schema.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

async fn open_postgres(url: &str, schema: &str, opts: &DbOptions) -> Result<Pools, DbError> {
    if !valid_schema(schema) {
        return Err(DbError::Other(format!("invalid PostgreSQL schema name `{schema}`")));
    }
    let base = PgConnectOptions::from_str(url).map_err(|e| DbError::Other(format!("invalid database.url: {e}")))?;
    // Create the schema on a one-off connection, so the pool can pin search_path to it; under
    // the migration lock, since concurrent CREATE SCHEMA IF NOT EXISTS can collide.
    let mut conn = base.connect().await.map_err(connect_error)?;
    super::query_dynamic(format!(
        "BEGIN; SELECT pg_advisory_xact_lock({}); CREATE SCHEMA IF NOT EXISTS \"{schema}\"; COMMIT;",
        super::migrate::PG_LOCK_KEY
    ))
    .execute_script_on_pg(&mut conn)
    .await?;
    conn.close().await?;
    let pool = PgPoolOptions::new()
        .max_connections(opts.max_connections.max(1))
        .min_connections(0)
        .acquire_timeout(opts.acquire_timeout)
        .idle_timeout(Some(Duration::from_secs(300)))
        .connect_with(base.options([
            ("search_path", schema.to_owned()),
            ("statement_timeout", opts.statement_timeout.as_millis().to_string()),
        ]))
        .await?;
    Ok(Pools::Postgres(pool))
}

#[cfg(test)]
mod tests {

    use super::{DbOptions, Pools, SqliteSync, connect, valid_schema};

    /// `PRAGMA synchronous` as the writer and a reader connection report it.
    async fn synchronous_of(setting: SqliteSync) -> (i64, i64) {
        let dir = tempfile::tempdir().unwrap();
        let opts = DbOptions { sqlite_synchronous: setting, ..DbOptions::small(None, dir.path().to_path_buf()) };
        let db = connect("sync", &opts).await.unwrap();
        let Pools::Sqlite { writer, reader } = &db.pools else { panic!("not SQLite") };
        let ask = "PRAGMA synchronous";
        let (w,): (i64,) = sqlx::query_as(ask).fetch_one(writer).await.unwrap();
        let (r,): (i64,) = sqlx::query_as(ask).fetch_one(reader).await.unwrap();
        db.close().await;
        (w, r)
    }

    #[tokio::test]
    async fn sqlite_commits_are_durable_unless_configured_otherwise() {
        // SQLite's numbering: 1 = NORMAL, 2 = FULL, 3 = EXTRA.
        assert_eq!(SqliteSync::default(), SqliteSync::Full);
        assert_eq!(synchronous_of(SqliteSync::default()).await, (2, 2));
        assert_eq!(synchronous_of(SqliteSync::Normal).await, (1, 1));
        assert_eq!(synchronous_of(SqliteSync::Extra).await, (3, 3));
    }

    #[test]
    fn schema_names_are_plain_identifiers() {
        assert!(valid_schema("identity"));
        assert!(valid_schema("t0192_probe"));
        assert!(!valid_schema("Identity"));
        assert!(!valid_schema("a\"; drop"));
        assert!(!valid_schema("1abc"));
        assert!(!valid_schema(""));
    }
}
