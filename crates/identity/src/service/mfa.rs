//! Two-factor authentication with TOTP and single-use recovery codes.

use kernel::ApiError;
use serde_json::json;
use uuid::Uuid;

use super::{Accounts, invalid_credentials};
use crate::domain::password::Verified;
use crate::domain::{secret, totp};
use crate::store;

pub struct MfaSetup {
    pub secret: String,
    pub otpauth_uri: String,
}

fn invalid_code() -> ApiError {
    ApiError::new(400, "invalid_mfa_code", "Invalid two-factor code")
}

impl Accounts {
    pub async fn mfa_setup(&self, id: Uuid) -> Result<MfaSetup, ApiError> {
        let user = self.user(id).await?;
        if user.mfa_enabled() {
            return Err(ApiError::new(409, "mfa_already_enabled", "Two-factor authentication is already enabled"));
        }
        let raw = secret::random_bytes::<20>().map_err(|_| ApiError::internal())?;
        let secret_b32 = totp::base32_encode(&raw);
        let sealed = self.sealer.seal(&secret_b32, id).map_err(|_| ApiError::internal())?;
        store::users::set_pending_mfa(&self.db, id, &sealed, self.now()).await?;
        self.forget_account(id).await;
        let otpauth_uri = totp::otpauth_uri(&self.config.issuer_label(), &user.email, &secret_b32);
        Ok(MfaSetup { secret: secret_b32, otpauth_uri })
    }

    /// Confirms the pending secret with a code; returns the recovery codes (shown once).
    pub async fn mfa_enable(&self, id: Uuid, code: &str) -> Result<Vec<String>, ApiError> {
        let user = self.user(id).await?;
        if user.mfa_enabled() {
            return Err(ApiError::new(409, "mfa_already_enabled", "Two-factor authentication is already enabled"));
        }
        let Some(pending) = user.mfa_pending_secret else {
            return Err(ApiError::new(409, "mfa_not_set_up", "Call /mfa/setup first"));
        };
        let raw = self
            .sealer
            .open(&pending, id)
            .and_then(|b32| totp::base32_decode(&b32))
            .ok_or_else(|| ApiError::new(409, "mfa_not_set_up", "Call /mfa/setup again"))?;
        let Some(step) = totp::matching_step(&raw, code, self.now().timestamp()) else {
            return Err(invalid_code());
        };
        let codes = secret::recovery_codes().map_err(|_| ApiError::internal())?;
        let hashes = codes.iter().map(|c| secret::digest(&secret::normalise_recovery_code(c))).collect();
        let mut tx = self.db.begin().await?;
        if store::users::enable_mfa(&mut tx, id, &pending, self.now()).await? != 1 {
            return Err(ApiError::conflict("Two-factor setup changed meanwhile; start again"));
        }
        store::users::use_totp_step(&mut tx, id, step).await?;
        store::recovery::replace(&mut tx, id, hashes).await?;
        self.emit(&mut tx, "user.mfa_enabled", id, json!({"userId": id})).await?;
        tx.commit().await?;
        self.forget_account(id).await;
        self.events.committed();
        Ok(codes)
    }

    pub async fn mfa_disable(&self, id: Uuid, password: &str, code: &str) -> Result<(), ApiError> {
        let user = self.user(id).await?;
        if password.len() > 1024 || self.hasher.verify(password, Some(&user.password_hash)).await? == Verified::No {
            return Err(invalid_credentials());
        }
        if !user.mfa_enabled() {
            return Err(ApiError::new(409, "mfa_not_enabled", "Two-factor authentication is not enabled"));
        }
        let mut tx = self.db.begin().await?;
        let by_totp = self.totp_secret(&user).and_then(|s| totp::matching_step(&s, code, self.now().timestamp()));
        let ok = match by_totp {
            Some(step) => store::users::use_totp_step(&mut tx, id, step).await?,
            None => {
                let hash = secret::digest(&secret::normalise_recovery_code(code));
                store::recovery::consume(&mut tx, id, hash, self.now()).await?
            }
        };
        if !ok {
            return Err(invalid_code());
        }
        store::users::disable_mfa(&mut tx, id, self.now()).await?;
        store::recovery::clear(&mut tx, id).await?;
        self.emit(&mut tx, "user.mfa_disabled", id, json!({"userId": id})).await?;
        tx.commit().await?;
        self.forget_account(id).await;
        self.events.committed();
        Ok(())
    }
}

trait IssuerLabel {
    fn issuer_label(&self) -> String;
}

impl IssuerLabel for platform::config::AuthConfig {
    fn issuer_label(&self) -> String {
        if self.issuer == "sojourn" { "Sojourn".into() } else { self.issuer.clone() }
    }
}
