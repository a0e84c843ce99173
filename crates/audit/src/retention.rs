//! Retention (`[audit] retention_days`): once a day the entries recorded longer ago than
//! that are deleted, oldest first and in seq order, a batch per transaction. The last one
//! deleted becomes the anchor — its seq and hash — from which verification starts, so what
//! remains still verifies.

use std::time::Duration;

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError};

use crate::store::prune;

/// Entries deleted per transaction.
const BATCH: i64 = 5_000;

/// How often retention runs.
pub const EVERY: Duration = Duration::from_secs(24 * 3600);

/// Deletes the entries recorded before `now - keep`; returns how many went.
pub async fn prune(db: &Db, keep: chrono::Duration, now: DateTime<Utc>) -> Result<u64, DbError> {
    let Some(cutoff) = now.checked_sub_signed(keep) else { return Ok(0) };
    let Some(last) = prune::last_before(db, cutoff).await? else { return Ok(0) };
    let mut deleted = 0;
    loop {
        let mut tx = db.begin().await?;
        let anchor = prune::lock_anchor(&mut tx).await?;
        if anchor.seq >= last {
            return Ok(deleted);
        }
        let Some(to) = prune::at_or_before(&mut tx, last.min(anchor.seq + BATCH)).await? else { return Ok(deleted) };
        if to.seq <= anchor.seq {
            return Ok(deleted);
        }
        deleted += prune::cut(&mut tx, &to, now).await?;
        tx.commit().await?;
    }
}
