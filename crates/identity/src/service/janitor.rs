//! Housekeeping: refresh tokens are kept while their session lives (a spent one must stay
//! recognisable for reuse detection), then deleted; ended sessions are kept 30 days for the
//! record; expired email links and phone codes go after a day; expired export archives are
//! dropped. Runs hourly in the background.

use std::time::Duration;

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, query};

/// How long ended sessions stay listed in the database.
const SESSION_RETENTION_DAYS: i64 = 30;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub refresh_tokens: u64,
    pub sessions: u64,
    pub links: u64,
    /// Phone verification codes.
    pub phone_codes: u64,
}

/// Deletes what is no longer needed as of `now`.
pub async fn sweep(db: &Db, now: DateTime<Utc>) -> Result<Swept, DbError> {
    let day_ago = now - chrono::Duration::days(1);
    let retention = now - chrono::Duration::days(SESSION_RETENTION_DAYS);
    let mut tx = db.begin().await?;
    let refresh_tokens = query(
        "DELETE FROM refresh_tokens WHERE session_id IN (SELECT id FROM sessions \
         WHERE (revoked_at IS NOT NULL AND revoked_at < $1) OR expires_at < $1)",
    )
    .bind(day_ago)
    .execute(&mut tx)
    .await?;
    let sessions = query("DELETE FROM sessions WHERE (revoked_at IS NOT NULL AND revoked_at < $1) OR expires_at < $1")
        .bind(retention)
        .execute(&mut tx)
        .await?;
    let links = query("DELETE FROM one_time_tokens WHERE expires_at < $1").bind(day_ago).execute(&mut tx).await?;
    let phone_codes =
        query("DELETE FROM phone_verifications WHERE expires_at < $1").bind(day_ago).execute(&mut tx).await?;
    // Export archives are personal data too: dropped once they can no longer be downloaded.
    query("UPDATE gdpr_requests SET result = NULL WHERE result IS NOT NULL AND expires_at < $1")
        .bind(now)
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Swept { refresh_tokens, sessions, links, phone_codes })
}

/// Sweeps every `every` until the process ends or the database is closed.
pub fn spawn(db: Db, clock: std::sync::Arc<dyn kernel::Clock>, every: Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            if db.is_closed() {
                break;
            }
            match sweep(&db, clock.now()).await {
                Ok(s) => tracing::debug!(?s, "identity housekeeping"),
                Err(e) => tracing::warn!(error = %e, "identity housekeeping failed"),
            }
        }
    });
}
