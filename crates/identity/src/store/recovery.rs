use chrono::{DateTime, Utc};
use platform::db::{DbError, Tx, query};
use uuid::Uuid;

pub async fn replace(tx: &mut Tx, user: Uuid, hashes: Vec<Vec<u8>>) -> Result<(), DbError> {
    query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
    for hash in hashes {
        query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user)
            .bind(hash)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Uses a recovery code once; true when it was valid and unused.
pub async fn consume(tx: &mut Tx, user: Uuid, hash: Vec<u8>, now: DateTime<Utc>) -> Result<bool, DbError> {
    let n = query("UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL")
        .bind(now)
        .bind(user)
        .bind(hash)
        .execute(tx)
        .await?;
    Ok(n == 1)
}

pub async fn clear(tx: &mut Tx, user: Uuid) -> Result<(), DbError> {
    query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user).execute(tx).await?;
    Ok(())
}
