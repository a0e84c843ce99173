use chrono::{DateTime, Utc};
use platform::db::{DbError, Tx, query};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
        }
    }
}

pub struct NewToken<'a> {
    pub hash: Vec<u8>,
    pub user: Uuid,
    pub purpose: Purpose,
    pub email: &'a str,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Stores a new token and retires earlier unused ones of the same purpose (only the latest
/// link works).
pub async fn issue(tx: &mut Tx, t: NewToken<'_>) -> Result<(), DbError> {
    query("UPDATE one_time_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL")
        .bind(t.now)
        .bind(t.user)
        .bind(t.purpose.as_str())
        .execute(&mut *tx)
        .await?;
    query(
        "INSERT INTO one_time_tokens (token_hash, user_id, purpose, email, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(t.hash)
    .bind(t.user)
    .bind(t.purpose.as_str())
    .bind(t.email)
    .bind(t.now)
    .bind(t.expires_at)
    .execute(tx)
    .await?;
    Ok(())
}

/// Spends a token atomically: returns its user and email only for the one caller that uses
/// it while unexpired.
pub async fn consume(
    tx: &mut Tx,
    hash: Vec<u8>,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<Option<(Uuid, String)>, DbError> {
    let n = query(
        "UPDATE one_time_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(hash.clone())
    .bind(purpose.as_str())
    .execute(&mut *tx)
    .await?;
    if n != 1 {
        return Ok(None);
    }
    query("SELECT user_id, email FROM one_time_tokens WHERE token_hash = $1").bind(hash).fetch_optional(tx).await
}
