//! Where hosts are paid: with Stripe, their Stripe Connect account (`acct_…`); with PayPal,
//! their PayPal e-mail address. The sandbox pays without one. A host registers it themselves;
//! payouts wait until they have.

use kernel::{ApiError, FieldError};
use platform::auth::AuthUser;
use platform::db::query;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::service::Payments;

/// Checks an account for `provider`.
fn valid(provider: &str, account: &str) -> Result<(), &'static str> {
    match provider {
        "stripe" => {
            let tail = account.strip_prefix("acct_").unwrap_or("");
            if tail.is_empty() || tail.len() > 64 || !tail.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err("must be a Stripe Connect account id (acct_…)");
            }
        }
        "paypal" => {
            let (local, domain) = account.split_once('@').unwrap_or(("", ""));
            let plausible = !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && account.len() <= 254
                && !account.chars().any(|c| c.is_whitespace() || c.is_control() || c == ',');
            if !plausible || domain.contains('@') {
                return Err("must be the e-mail address of a PayPal account");
            }
        }
        _ => {
            if account.is_empty() || account.len() > 100 || account.chars().any(char::is_control) {
                return Err("must be 1 to 100 characters");
            }
        }
    }
    Ok(())
}

impl Payments {
    /// The host's account at the deployment's processor.
    pub async fn payout_account(&self, host: Uuid) -> Result<Option<String>, ApiError> {
        let row: Option<(String,)> = query("SELECT account FROM payout_accounts WHERE host_id = $1 AND provider = $2")
            .bind(host)
            .bind(self.processor.name())
            .fetch_optional(&self.db)
            .await?;
        Ok(row.map(|(a,)| a))
    }

    /// Registers (or replaces) where the caller is paid.
    pub async fn set_payout_account(&self, user: &AuthUser, account: &str) -> Result<Value, ApiError> {
        let account = account.trim();
        let provider = self.processor.name();
        valid(provider, account).map_err(|m| ApiError::validation(vec![FieldError::new("account", m)]))?;
        let mut tx = self.db.begin().await?;
        query(
            "INSERT INTO payout_accounts (host_id, provider, account, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (host_id) DO UPDATE SET provider = excluded.provider, account = excluded.account, \
             updated_at = excluded.updated_at",
        )
        .bind(user.user_id)
        .bind(provider)
        .bind(account)
        .bind(self.clock.now())
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(json!({ "provider": provider, "account": account }))
    }
}

#[cfg(test)]
mod tests {
    use super::valid;

    #[test]
    fn accounts_match_their_processor() {
        assert!(valid("stripe", "acct_1Nv0FGQ9RKHgCVdK").is_ok());
        assert!(valid("stripe", "acct_").is_err());
        assert!(valid("stripe", "host@example.com").is_err());
        assert!(valid("paypal", "host@example.com").is_ok());
        assert!(valid("paypal", "acct_1").is_err());
        assert!(valid("sandbox", "anything").is_ok());
        assert!(valid("sandbox", "").is_err());
    }
}
