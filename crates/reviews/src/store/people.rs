//! Authors' names, from identity's `user.created` / `user.updated` (reviews show "Jane D."
//! without asking identity), and their erasure.

use chrono::{DateTime, Utc};
use platform::db::{DbError, Tx, query};
use uuid::Uuid;

/// Records a user's name as an event of `at` gives it, unless a later one was recorded or the
/// user was erased.
pub async fn upsert(
    tx: &mut Tx,
    user: Uuid,
    first: Option<&str>,
    last: Option<&str>,
    at: DateTime<Utc>,
) -> Result<(), DbError> {
    query(
        "INSERT INTO people (user_id, first_name, last_name, erased, updated_at) VALUES ($1, $2, $3, FALSE, $4) \
         ON CONFLICT (user_id) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name, \
         updated_at = excluded.updated_at WHERE people.erased = FALSE AND people.updated_at <= excluded.updated_at",
    )
    .bind(user)
    .bind(first)
    .bind(last)
    .bind(at)
    .execute(tx)
    .await?;
    Ok(())
}

/// Forgets a user's name for good (a late `user.updated` cannot bring it back).
pub async fn erase(tx: &mut Tx, user: Uuid, now: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO people (user_id, first_name, last_name, erased, updated_at) VALUES ($1, NULL, NULL, TRUE, $2) \
         ON CONFLICT (user_id) DO UPDATE SET first_name = NULL, last_name = NULL, erased = TRUE, updated_at = excluded.updated_at",
    )
    .bind(user)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}
