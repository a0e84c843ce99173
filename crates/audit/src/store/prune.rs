//! Retention's SQL: the oldest entries go, in seq order, and the last one deleted becomes the
//! anchor verification starts from.

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, Dialect, Tx, query};

use super::Link;

/// The newest entry recorded before `cutoff` (everything up to it may go).
pub async fn last_before(db: &Db, cutoff: DateTime<Utc>) -> Result<Option<i64>, DbError> {
    let (seq,): (Option<i64>,) =
        query("SELECT MAX(seq) FROM audit_entries WHERE recorded_at < $1").bind(cutoff).fetch_one(db).await?;
    Ok(seq)
}

/// Takes the anchor for the rest of `tx` (one pruner at a time).
pub async fn lock_anchor(tx: &mut Tx) -> Result<Link, DbError> {
    let sql = match tx.dialect() {
        Dialect::Postgres => "SELECT seq, hash FROM audit_anchor WHERE id = 1 FOR UPDATE",
        Dialect::Sqlite => "SELECT seq, hash FROM audit_anchor WHERE id = 1",
    };
    let (seq, hash): (i64, String) = query(sql).fetch_one(&mut *tx).await?;
    Ok(Link { seq, hash })
}

/// The entry at or before `seq` closest to it.
pub async fn at_or_before(tx: &mut Tx, seq: i64) -> Result<Option<Link>, DbError> {
    let row: Option<(i64, String)> =
        query("SELECT seq, hash FROM audit_entries WHERE seq <= $1 ORDER BY seq DESC LIMIT 1")
            .bind(seq)
            .fetch_optional(tx)
            .await?;
    Ok(row.map(|(seq, hash)| Link { seq, hash }))
}

/// Deletes every entry up to `to` and anchors the chain on it; returns how many went.
pub async fn cut(tx: &mut Tx, to: &Link, now: DateTime<Utc>) -> Result<u64, DbError> {
    let deleted = query("DELETE FROM audit_entries WHERE seq <= $1").bind(to.seq).execute(&mut *tx).await?;
    query("UPDATE audit_anchor SET seq = $1, hash = $2, pruned_at = $3 WHERE id = 1")
        .bind(to.seq)
        .bind(to.hash.as_str())
        .bind(now)
        .execute(tx)
        .await?;
    Ok(deleted)
}
