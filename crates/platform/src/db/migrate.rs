//! Per-context schema migrations, one SQL file per version and dialect, embedded in the binary
//! with `include_str!` and recorded in `_sojourn_migrations` of the context's own database.
//! Running them twice is a no-op; editing an applied migration is refused (checksum), because
//! it would leave existing installs with a schema nobody can reproduce.

use chrono::Utc;

use super::{Db, DbError, Dialect, query, query_dynamic};

/// One schema change, in both dialects (same tables and columns, dialect-specific DDL).
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

/// A named, ordered set of migrations (a context's, or the platform's own tables).
#[derive(Debug, Clone, Copy)]
pub struct Migrations {
    pub scope: &'static str,
    pub list: &'static [Migration],
}

const LEDGER_SQLITE: &str = "CREATE TABLE IF NOT EXISTS _sojourn_migrations (
    scope TEXT NOT NULL,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    PRIMARY KEY (scope, version)
)";

const LEDGER_POSTGRES: &str = "CREATE TABLE IF NOT EXISTS _sojourn_migrations (
    scope TEXT NOT NULL,
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope, version)
)";

/// Serialises concurrent migrators (several processes starting at once) on PostgreSQL.
pub(super) const PG_LOCK_KEY: i64 = 0x736f_6a6f_7572;

/// FNV-1a: stable across builds and platforms, which is all a change detector needs.
fn checksum(sql: &str) -> String {
    let hash = sql.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("{hash:016x}")
}

/// Applies every pending migration of `set`, each in its own transaction. Returns how many ran.
pub async fn migrate(db: &Db, set: &Migrations) -> Result<usize, DbError> {
    let ledger = match db.dialect() {
        Dialect::Sqlite => LEDGER_SQLITE,
        Dialect::Postgres => LEDGER_POSTGRES,
    };
    // Under the same lock as the migrations: concurrent `CREATE TABLE IF NOT EXISTS` can
    // still collide on PostgreSQL's catalog when two processes start at once.
    let mut tx = db.begin().await?;
    if db.dialect() == Dialect::Postgres {
        query("SELECT pg_advisory_xact_lock($1)").bind(PG_LOCK_KEY).execute(&mut tx).await?;
    }
    query_dynamic(ledger.to_owned()).execute_script(&mut tx).await?;
    tx.commit().await?;

    let newest_known = set.list.iter().map(|m| m.version).max().unwrap_or(0);
    let (newest_applied,): (Option<i64>,) =
        query("SELECT MAX(version) FROM _sojourn_migrations WHERE scope = $1").bind(set.scope).fetch_one(db).await?;
    if newest_applied.is_some_and(|v| v > newest_known) {
        tracing::warn!(
            db = db.name(),
            scope = set.scope,
            applied = newest_applied,
            known = newest_known,
            "the database schema is newer than this binary (downgrade?)"
        );
    }

    let mut list = set.list.to_vec();
    list.sort_by_key(|m| m.version);
    let mut applied = 0;
    for m in list {
        let sql = match db.dialect() {
            Dialect::Sqlite => m.sqlite,
            Dialect::Postgres => m.postgres,
        };
        let sum = checksum(sql);
        let mut tx = db.begin().await?;
        if db.dialect() == Dialect::Postgres {
            query("SELECT pg_advisory_xact_lock($1)").bind(PG_LOCK_KEY).execute(&mut tx).await?;
        }
        let existing: Option<(String,)> =
            query("SELECT checksum FROM _sojourn_migrations WHERE scope = $1 AND version = $2")
                .bind(set.scope)
                .bind(m.version)
                .fetch_optional(&mut tx)
                .await?;
        match existing {
            Some((stored,)) if stored == sum => continue,
            Some(_) => {
                return Err(DbError::Migration(format!(
                    "{}/{:04}_{} was modified after it was applied to database `{}`",
                    set.scope,
                    m.version,
                    m.name,
                    db.name()
                )));
            }
            None => {}
        }
        query_dynamic(sql.to_owned()).execute_script(&mut tx).await.map_err(|e| {
            DbError::Migration(format!("{}/{:04}_{} failed on `{}`: {e}", set.scope, m.version, m.name, db.name()))
        })?;
        query(
            "INSERT INTO _sojourn_migrations (scope, version, name, checksum, applied_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(set.scope)
        .bind(m.version)
        .bind(m.name)
        .bind(sum)
        .bind(Utc::now())
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        tracing::info!(db = db.name(), scope = set.scope, version = m.version, name = m.name, "migration applied");
        applied += 1;
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::checksum;

    #[test]
    fn checksum_is_stable_and_sensitive() {
        assert_eq!(checksum("CREATE TABLE a (x INT)"), checksum("CREATE TABLE a (x INT)"));
        assert_ne!(checksum("CREATE TABLE a (x INT)"), checksum("CREATE TABLE a (y INT)"));
        assert_eq!(checksum("").len(), 16);
    }
}
