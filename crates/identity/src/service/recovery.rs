//! Email verification and password reset: single-use, expiring links whose tokens are stored
//! only as hashes. "Forgot password" answers identically whether or not the address exists.
//! Identity sends no mail itself: it writes the link in an event (`identity.email_verification`,
//! `identity.password_reset`) in the same transaction as the token, and the notifications
//! context delivers it through its retried pipeline.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use kernel::ApiError;
use platform::db::Tx;
use serde_json::json;
use uuid::Uuid;

use super::Accounts;
use super::login::check_new_password;
use crate::domain::email::Email;
use crate::domain::secret;
use crate::domain::user::{Status, User};
use crate::store::{self, one_time};

fn invalid_token() -> ApiError {
    ApiError::new(400, "invalid_token", "This link is invalid or has expired")
}

impl Accounts {
    /// Stores a fresh link token for `user` (inside `tx`): the raw token and when it expires.
    pub(super) async fn issue_link(
        &self,
        tx: &mut Tx,
        user: &User,
        purpose: one_time::Purpose,
    ) -> Result<(String, DateTime<Utc>), ApiError> {
        let token = secret::token().map_err(|_| ApiError::internal())?;
        let ttl = match purpose {
            one_time::Purpose::VerifyEmail => self.config.email_verification_ttl_secs,
            one_time::Purpose::ResetPassword => self.config.password_reset_ttl_secs,
        };
        let now = self.now();
        let expires_at = now + chrono::Duration::seconds(i64::try_from(ttl).unwrap_or(3600));
        let new = one_time::NewToken {
            hash: secret::digest(&token),
            user: user.id,
            purpose,
            email: &user.email,
            now,
            expires_at,
        };
        one_time::issue(tx, new).await?;
        Ok((token, expires_at))
    }

    /// Issues a link for `user` and asks for it to be mailed: the event
    /// `identity.email_verification` or `identity.password_reset`, written with the link in
    /// `tx`, which the notifications context turns into a mail (and retries) once committed.
    pub(super) async fn mail_link(&self, tx: &mut Tx, user: &User, purpose: one_time::Purpose) -> Result<(), ApiError> {
        let (token, expires_at) = self.issue_link(tx, user, purpose).await?;
        let (kind, page) = match purpose {
            one_time::Purpose::VerifyEmail => ("identity.email_verification", "verify-email"),
            one_time::Purpose::ResetPassword => ("identity.password_reset", "reset-password"),
        };
        let data = json!({
            "userId": user.id,
            "email": user.email,
            "firstName": user.first_name,
            "link": format!("{}/{page}?token={token}", self.public_url),
            "expiresAt": expires_at,
        });
        self.emit(tx, kind, user.id, data).await
    }

    pub async fn verify_email(&self, token: &str) -> Result<(), ApiError> {
        if token.is_empty() || token.len() > secret::MAX_TOKEN_LEN {
            return Err(invalid_token());
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let (user_id, email) = one_time::consume(&mut tx, secret::digest(token), one_time::Purpose::VerifyEmail, now)
            .await?
            .ok_or_else(invalid_token)?;
        if store::users::mark_verified(&mut tx, user_id, &email, now).await? == 0 {
            let user = store::users::find_tx(&mut tx, user_id).await?.ok_or_else(invalid_token)?;
            if user.email != email {
                return Err(invalid_token());
            }
        } else {
            self.emit(&mut tx, "user.email_verified", user_id, json!({"userId": user_id, "email": email})).await?;
        }
        tx.commit().await?;
        self.forget_account(user_id).await;
        self.events.committed();
        Ok(())
    }

    pub async fn resend_verification(&self, id: Uuid, ip: &str) -> Result<(), ApiError> {
        self.limit(format!("email:ip:{ip}"), self.rate.email_per_ip).await?;
        let user = self.user(id).await?;
        if user.email_verified_at.is_some() {
            return Err(ApiError::new(409, "already_verified", "This email address is already verified"));
        }
        self.limit(format!("email:account:{}", user.email), self.rate.email_per_account).await?;
        let mut tx = self.db.begin().await?;
        self.mail_link(&mut tx, &user, one_time::Purpose::VerifyEmail).await?;
        tx.commit().await?;
        self.events.committed();
        Ok(())
    }

    /// Mails a reset link if the account exists and is active. Answers at once and does the
    /// work afterwards, so neither the answer nor its timing says whether the address exists.
    pub async fn forgot_password(self: &Arc<Self>, email: &str, ip: &str) -> Result<(), ApiError> {
        self.limit(format!("email:ip:{ip}"), self.rate.email_per_ip).await?;
        let Ok(email) = Email::parse(email) else { return Ok(()) };
        let this = self.clone();
        tokio::spawn(async move {
            if let Err(e) = this.send_reset_link(&email).await {
                tracing::warn!(error = %e.message, "password reset link not sent");
            }
        });
        Ok(())
    }

    async fn send_reset_link(&self, email: &Email) -> Result<(), ApiError> {
        if self.limits.check(&format!("email:account:{email}"), self.rate.email_per_account).await.is_err() {
            return Ok(());
        }
        let Some(user) = store::users::find_by_email(&self.db, email.as_str()).await? else { return Ok(()) };
        if user.status != Status::Active {
            return Ok(());
        }
        let mut tx = self.db.begin().await?;
        self.mail_link(&mut tx, &user, one_time::Purpose::ResetPassword).await?;
        tx.commit().await?;
        self.events.committed();
        Ok(())
    }

    /// Sets a new password from a reset link; every session of the account is signed out.
    pub async fn reset_password(&self, token: &str, new: &str) -> Result<(), ApiError> {
        check_new_password(new)?;
        if token.is_empty() || token.len() > secret::MAX_TOKEN_LEN {
            return Err(invalid_token());
        }
        let hash = self.hasher.hash(new).await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let (user_id, email) = one_time::consume(&mut tx, secret::digest(token), one_time::Purpose::ResetPassword, now)
            .await?
            .ok_or_else(invalid_token)?;
        store::users::set_password_hash(&mut tx, user_id, &hash, now).await?;
        // Receiving the link proves the address.
        store::users::mark_verified(&mut tx, user_id, &email, now).await?;
        let revoked = store::sessions::revoke_all(&mut tx, user_id, None, "password_reset", now).await?;
        self.emit(
            &mut tx,
            "user.password_changed",
            user_id,
            json!({"userId": user_id, "via": "reset", "sessionsRevoked": revoked.len()}),
        )
        .await?;
        tx.commit().await?;
        self.forget_account(user_id).await;
        self.events.committed();
        self.forget_sessions(&revoked);
        self.failures.clear(&format!("login:account:{email}"));
        self.limits.reset(&format!("login:account:{email}")).await;
        Ok(())
    }
}
