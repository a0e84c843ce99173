//! The audit log's SQL — the only code that touches its tables: appending under the head's
//! lock, reading in chain order (verification) and newest first with filters (the admin
//! query), and pruning the oldest entries behind the anchor (retention).

pub mod prune;

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, Dialect, FromRow, Row, Tx, query, query_dynamic};
use uuid::Uuid;

use crate::chain::Entry;
use crate::domain::Category;

const COLUMNS: &str = "seq, id, at, recorded_at, category, action, actor_id, subject_type, subject_id, amount, \
     currency, ip, source_event_id, detail, prev_hash, hash";

impl FromRow for Entry {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Entry {
            seq: row.get("seq")?,
            id: row.get("id")?,
            at: row.get("at")?,
            recorded_at: row.get("recorded_at")?,
            category: row.get("category")?,
            action: row.get("action")?,
            actor_id: row.get("actor_id")?,
            subject_type: row.get("subject_type")?,
            subject_id: row.get("subject_id")?,
            amount: row.get("amount")?,
            currency: row.get("currency")?,
            ip: row.get("ip")?,
            source_event_id: row.get("source_event_id")?,
            detail: row.get("detail")?,
            prev_hash: row.get("prev_hash")?,
            hash: row.get("hash")?,
        })
    }
}

/// A chain position: an entry's seq and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub seq: i64,
    pub hash: String,
}

/// Takes the chain's head for the rest of `tx`: on PostgreSQL a row lock other appenders wait
/// on; on SQLite the transaction already holds the only write lock.
pub async fn lock_head(tx: &mut Tx) -> Result<Link, DbError> {
    let sql = match tx.dialect() {
        Dialect::Postgres => "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
        Dialect::Sqlite => "SELECT seq, hash FROM audit_head WHERE id = 1",
    };
    let (seq, hash): (i64, String) = query(sql).fetch_one(&mut *tx).await?;
    Ok(Link { seq, hash })
}

/// The head as last committed.
pub async fn head(db: &Db) -> Result<Link, DbError> {
    let (seq, hash): (i64, String) = query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(db).await?;
    Ok(Link { seq, hash })
}

/// Where the chain starts (the last pruned entry; seq 0 and the zero hash before any pruning).
pub async fn anchor(db: &Db) -> Result<Link, DbError> {
    let (seq, hash): (i64, String) = query("SELECT seq, hash FROM audit_anchor WHERE id = 1").fetch_one(db).await?;
    Ok(Link { seq, hash })
}

/// Whether an entry already records `event`.
pub async fn recorded(tx: &mut Tx, event: Uuid) -> Result<bool, DbError> {
    let row: Option<(i64,)> =
        query("SELECT seq FROM audit_entries WHERE source_event_id = $1").bind(event).fetch_optional(tx).await?;
    Ok(row.is_some())
}

/// Inserts `e` and makes it the head (the caller holds the head's lock).
pub async fn insert(tx: &mut Tx, e: &Entry) -> Result<(), DbError> {
    query(
        "INSERT INTO audit_entries (seq, id, at, recorded_at, category, action, actor_id, subject_type, subject_id, \
         amount, currency, ip, source_event_id, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(e.seq)
    .bind(e.id)
    .bind(e.at)
    .bind(e.recorded_at)
    .bind(e.category.as_str())
    .bind(e.action.as_str())
    .bind(e.actor_id)
    .bind(e.subject_type.clone())
    .bind(e.subject_id.clone())
    .bind(e.amount)
    .bind(e.currency.clone())
    .bind(e.ip.clone())
    .bind(e.source_event_id)
    .bind(e.detail.as_str())
    .bind(e.prev_hash.as_str())
    .bind(e.hash.as_str())
    .execute(&mut *tx)
    .await?;
    query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(e.seq)
        .bind(e.hash.as_str())
        .execute(tx)
        .await?;
    Ok(())
}

/// Up to `limit` entries after `after`, in chain order.
pub async fn after(db: &Db, after: i64, limit: u32) -> Result<Vec<Entry>, DbError> {
    query_dynamic(format!("SELECT {COLUMNS} FROM audit_entries WHERE seq > $1 ORDER BY seq LIMIT $2"))
        .bind(after)
        .bind(limit)
        .fetch_all(db)
        .await
}

/// The admin query's filters; every one optional, all of them together.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub category: Option<Category>,
    pub action: Option<String>,
    pub actor_id: Option<Uuid>,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    /// `at >= from`.
    pub from: Option<DateTime<Utc>>,
    /// `at < to`.
    pub to: Option<DateTime<Utc>>,
    /// Entries before this seq only (the cursor).
    pub before: Option<i64>,
}

/// Up to `limit` entries matching `f`, newest first.
pub async fn list(db: &Db, f: &Filter, limit: u32) -> Result<Vec<Entry>, DbError> {
    let mut clauses: Vec<String> = Vec::new();
    let mut n = 0;
    let mut next = |column: &str, op: &str| {
        n += 1;
        format!("{column} {op} ${n}")
    };
    // Only column names and placeholders enter the text; every value is bound below, in the
    // same order.
    if f.category.is_some() {
        clauses.push(next("category", "="));
    }
    if f.action.is_some() {
        clauses.push(next("action", "="));
    }
    if f.actor_id.is_some() {
        clauses.push(next("actor_id", "="));
    }
    if f.subject_type.is_some() {
        clauses.push(next("subject_type", "="));
    }
    if f.subject_id.is_some() {
        clauses.push(next("subject_id", "="));
    }
    if f.from.is_some() {
        clauses.push(next("at", ">="));
    }
    if f.to.is_some() {
        clauses.push(next("at", "<"));
    }
    if f.before.is_some() {
        clauses.push(next("seq", "<"));
    }
    let limit_at = n + 1;
    let filter = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    let mut q =
        query_dynamic(format!("SELECT {COLUMNS} FROM audit_entries {filter} ORDER BY seq DESC LIMIT ${limit_at}"));
    if let Some(c) = f.category {
        q = q.bind(c.as_str());
    }
    if let Some(a) = &f.action {
        q = q.bind(a.as_str());
    }
    if let Some(a) = f.actor_id {
        q = q.bind(a);
    }
    for t in [&f.subject_type, &f.subject_id].into_iter().flatten() {
        q = q.bind(t.as_str());
    }
    for t in [f.from, f.to].into_iter().flatten() {
        q = q.bind(t);
    }
    if let Some(b) = f.before {
        q = q.bind(b);
    }
    q.bind(limit).fetch_all(db).await
}
