//! Proving a phone number by SMS: the account asks for a code for a number (its stored one by
//! default), the code goes out as the event `identity.phone_code` (the notifications context
//! sends the SMS), and typing it back marks the number verified.
//!
//! A code is 6 digits, so what keeps it from being guessed is how few guesses it allows: 5,
//! each spent *before* the guess is judged (an atomic update that also serialises concurrent
//! guesses), then it is void. It expires after 10 minutes, works once (the pending row is
//! deleted in the transaction that verifies), and a new request replaces it. Requests are
//! limited per account and per number, so the SMS cannot be used to pester someone else's
//! phone.

use chrono::{DateTime, Utc};
use kernel::{ApiError, FieldError, Phone};
use platform::config::Limit;
use serde_json::json;
use uuid::Uuid;

use super::Accounts;
use super::profile::profile_event;
use crate::domain::phone_code;
use crate::store::{self, phone::Pending};

/// How long a code works.
pub const CODE_TTL_SECS: i64 = 600;
/// Guesses a code allows, right one included.
pub const MAX_ATTEMPTS: i64 = 5;
/// Codes an account may ask for.
pub const PER_ACCOUNT: Limit = Limit::new(5, 3600);
/// Codes one number may receive, whichever accounts ask.
pub const PER_NUMBER: Limit = Limit::new(5, 3600);

/// A code on its way.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub phone: Phone,
    pub expires_at: DateTime<Utc>,
}

fn invalid_code(message: &str) -> ApiError {
    ApiError::new(400, "invalid_code", message).with_details(vec![FieldError::new("code", message)])
}

fn field(name: &str, message: &str) -> ApiError {
    ApiError::validation(vec![FieldError::new(name, message)])
}

impl Accounts {
    /// Sends a new code to `phone` (or the account's stored number), replacing any pending one.
    pub async fn start_phone_verification(&self, id: Uuid, phone: Option<&str>) -> Result<Challenge, ApiError> {
        let user = self.user(id).await?;
        let raw = phone
            .filter(|p| !p.trim().is_empty())
            .or(user.phone_number.as_deref())
            .ok_or_else(|| field("phoneNumber", "is required: the account has no phone number"))?;
        let phone = Phone::parse(raw).map_err(|m| field("phoneNumber", m))?;
        let stored = user.phone_number.as_deref().and_then(|p| Phone::parse(p).ok());
        if user.phone_verified_at.is_some() && stored.as_ref() == Some(&phone) {
            return Err(ApiError::new(409, "already_verified", "This phone number is already verified"));
        }
        self.limit(format!("sms:account:{id}"), PER_ACCOUNT).await?;
        self.limit(format!("sms:number:{phone}"), PER_NUMBER).await?;

        let code = phone_code::new_code().map_err(|_| ApiError::internal())?;
        let now = self.now();
        let pending = Pending {
            user_id: id,
            phone_number: phone.as_str().to_owned(),
            code_hash: self.codes.digest(id, phone.as_str(), &code),
            attempts: 0,
            created_at: now,
            expires_at: now + chrono::Duration::seconds(CODE_TTL_SECS),
        };
        let mut tx = self.db.begin().await?;
        store::phone::replace(&mut tx, &pending).await?;
        let data = json!({"userId": id, "phoneNumber": phone, "code": code, "expiresAt": pending.expires_at});
        self.emit(&mut tx, "identity.phone_code", id, data).await?;
        tx.commit().await?;
        self.events.committed();
        Ok(Challenge { phone, expires_at: pending.expires_at })
    }

    /// Checks `code` against the pending verification; the right one (once) sets the
    /// account's number, verified.
    pub async fn verify_phone(&self, id: Uuid, code: &str) -> Result<Phone, ApiError> {
        let code = phone_code::parse(code).ok_or_else(|| field("code", "must be the 6-digit code from the SMS"))?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if !store::phone::spend_attempt(&mut tx, id, MAX_ATTEMPTS, now).await? {
            // Nothing spent: say why, and change nothing.
            return Err(match store::phone::find_tx(&mut tx, id).await? {
                None => {
                    ApiError::new(409, "no_pending_verification", "No phone verification is pending: ask for a code")
                }
                Some(p) if p.attempts >= MAX_ATTEMPTS => {
                    invalid_code("Too many wrong codes: this one no longer works, ask for a new code")
                }
                Some(_) => ApiError::new(400, "code_expired", "This code has expired: ask for a new one")
                    .with_details(vec![FieldError::new("code", "has expired")]),
            });
        }
        let pending = store::phone::find_tx(&mut tx, id).await?.ok_or_else(ApiError::internal)?;
        if !self.codes.matches(id, &pending.phone_number, code, &pending.code_hash) {
            tx.commit().await?;
            return Err(if pending.attempts >= MAX_ATTEMPTS {
                invalid_code("Wrong code, and the last try: ask for a new code")
            } else {
                invalid_code("Wrong code")
            });
        }
        let phone = Phone::parse(&pending.phone_number).map_err(|_| ApiError::internal())?;
        store::phone::delete(&mut tx, id).await?;
        store::users::set_verified_phone(&mut tx, id, phone.as_str(), now).await?;
        let user = store::users::find_tx(&mut tx, id).await?.ok_or_else(ApiError::internal)?;
        let profile = store::profiles::find_tx(&mut tx, id).await?.unwrap_or_default();
        self.emit(&mut tx, "user.phone_verified", id, json!({"userId": id, "phoneNumber": phone})).await?;
        self.emit(&mut tx, "user.profile_updated", id, profile_event(&user, &profile)).await?;
        tx.commit().await?;
        self.forget_account(id).await;
        self.events.committed();
        Ok(phone)
    }
}
