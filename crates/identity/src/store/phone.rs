//! Pending phone verifications: one per account, replaced by a new code, spent by guesses,
//! deleted when used.

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, FromRow, Row, Tx, query};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct Pending {
    pub user_id: Uuid,
    /// E.164.
    pub phone_number: String,
    pub code_hash: Vec<u8>,
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl FromRow for Pending {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Pending {
            user_id: row.get("user_id")?,
            phone_number: row.get("phone_number")?,
            code_hash: row.get("code_hash")?,
            attempts: row.get("attempts")?,
            created_at: row.get("created_at")?,
            expires_at: row.get("expires_at")?,
        })
    }
}

const SELECT: &str = "SELECT user_id, phone_number, code_hash, attempts, created_at, expires_at FROM phone_verifications WHERE user_id = $1";

/// Stores `p` as the account's pending verification, replacing any earlier one (its code no
/// longer works).
pub async fn replace(tx: &mut Tx, p: &Pending) -> Result<(), DbError> {
    query("DELETE FROM phone_verifications WHERE user_id = $1").bind(p.user_id).execute(&mut *tx).await?;
    query(
        "INSERT INTO phone_verifications (user_id, phone_number, code_hash, attempts, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(p.user_id)
    .bind(p.phone_number.as_str())
    .bind(p.code_hash.clone())
    .bind(p.attempts)
    .bind(p.created_at)
    .bind(p.expires_at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn find(db: &Db, user: Uuid) -> Result<Option<Pending>, DbError> {
    query(SELECT).bind(user).fetch_optional(db).await
}

pub async fn find_tx(tx: &mut Tx, user: Uuid) -> Result<Option<Pending>, DbError> {
    query(SELECT).bind(user).fetch_optional(tx).await
}

/// Spends one attempt of the account's pending code, if it has one left and is unexpired;
/// true when this call spent it. The row stays locked until `tx` ends, so concurrent guesses
/// are judged one at a time.
pub async fn spend_attempt(tx: &mut Tx, user: Uuid, max_attempts: i64, now: DateTime<Utc>) -> Result<bool, DbError> {
    let n = query(
        "UPDATE phone_verifications SET attempts = attempts + 1 \
         WHERE user_id = $1 AND attempts < $2 AND expires_at > $3",
    )
    .bind(user)
    .bind(max_attempts)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(n == 1)
}

/// Deletes the account's pending verification (used, or erased).
pub async fn delete(tx: &mut Tx, user: Uuid) -> Result<u64, DbError> {
    query("DELETE FROM phone_verifications WHERE user_id = $1").bind(user).execute(tx).await
}
