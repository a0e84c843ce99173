//! Registration and sign-in.

use std::collections::BTreeMap;

use kernel::{ApiError, EventEnvelope, FieldError};
use platform::auth::Role;
use platform::events::enqueue;
use serde_json::json;
use uuid::Uuid;

use super::{Accounts, Origin, SignedIn, check_policy, invalid_credentials};
use crate::domain::email::Email;
use crate::domain::password::Verified;
use crate::domain::user::{Status, User};
use crate::domain::{profile, secret, totp};
use crate::store::{self, one_time, users::NewUser};

pub struct Registration {
    pub email: String,
    pub password: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub username: Option<String>,
}

pub struct Credentials {
    pub email: String,
    pub password: String,
    pub remember_me: bool,
    pub totp_code: Option<String>,
    pub recovery_code: Option<String>,
}

/// Collects per-field errors so a form can show them all at once.
#[derive(Default)]
pub struct Fields(BTreeMap<usize, FieldError>);

impl Fields {
    pub fn check<T>(&mut self, field: &str, result: Result<T, &'static str>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(m) => {
                self.0.insert(self.0.len(), FieldError::new(field, m));
                None
            }
        }
    }

    pub fn add(&mut self, field: &str, message: &str) {
        self.0.insert(self.0.len(), FieldError::new(field, message));
    }

    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() { Ok(()) } else { Err(ApiError::validation(self.0.into_values().collect())) }
    }
}

impl Accounts {
    pub async fn register(&self, r: Registration, origin: &Origin) -> Result<SignedIn, ApiError> {
        self.limit(format!("register:ip:{}", origin.ip), self.rate.register_per_ip).await?;
        let mut fields = Fields::default();
        let email = fields.check("email", Email::parse(&r.email));
        for m in crate::domain::password::policy_violations(&r.password) {
            fields.add("password", m);
        }
        let first_name = r.first_name.as_deref().and_then(|v| fields.check("firstName", profile::name(v)));
        let last_name = r.last_name.as_deref().and_then(|v| fields.check("lastName", profile::name(v)));
        let username = r.username.as_deref().and_then(|v| fields.check("username", profile::username(v)));
        fields.finish()?;
        let Some(email) = email else { return Err(ApiError::internal()) };

        let hash = self.hasher.hash(&r.password).await?;
        let now = self.now();
        let id = kernel::new_id();
        let mut tx = self.db.begin().await?;
        let new = NewUser {
            id,
            email: email.as_str(),
            password_hash: &hash,
            first_name,
            last_name,
            username,
            role: Role::User,
            now,
        };
        store::users::insert(&mut tx, new).await.map_err(|e| {
            if e.is_unique_violation("email") {
                ApiError::new(409, "email_taken", "An account with this email already exists")
            } else if e.is_unique_violation("username") {
                ApiError::new(409, "username_taken", "This username is taken")
            } else {
                e.into()
            }
        })?;
        let user = store::users::find_tx(&mut tx, id).await?.ok_or_else(ApiError::internal)?;
        let (session, refresh, max_age) = self.open_session(&mut tx, &user, false, origin).await?;
        self.mail_link(&mut tx, &user, one_time::Purpose::VerifyEmail).await?;
        self.emit(
            &mut tx,
            "user.created",
            id,
            json!({"userId": id, "email": user.email, "firstName": user.first_name, "lastName": user.last_name, "role": "user"}),
        )
        .await?;
        tx.commit().await?;
        self.events.committed();
        let access_token = self.access_token(&user, session.id)?;
        Ok(SignedIn { user, access_token, refresh_token: refresh, refresh_max_age: max_age })
    }

    pub async fn login(&self, c: Credentials, origin: &Origin) -> Result<SignedIn, ApiError> {
        self.limit(format!("login:ip:{}", origin.ip), self.rate.login_per_ip).await?;
        let key = c.email.trim().to_lowercase();
        let account_key = format!("login:account:{key}");
        if let Some(wait) = self.limits.would_refuse(&account_key, self.rate.login_per_account).await {
            self.login_failed(self.account_of(&key).await, "locked", origin).await;
            return Err(wait.into());
        }
        if c.password.len() > 1024 {
            let user = self.account_of(&key).await;
            self.login_failed(user, if user.is_some() { "bad_password" } else { "unknown_account" }, origin).await;
            return Err(invalid_credentials());
        }
        let user = match Email::parse(&key) {
            Ok(email) => store::users::find_by_email(&self.db, email.as_str()).await?,
            Err(_) => None,
        };
        let verdict = self.hasher.verify(&c.password, user.as_ref().map(|u| u.password_hash.as_str())).await?;
        let user = match (user, verdict) {
            (Some(user), Verified::Yes | Verified::YesRehash) => user,
            (user, _) => {
                // Both branches record the same way: the answer's timing tells nothing more.
                let reason = if user.is_some() { "bad_password" } else { "unknown_account" };
                self.login_failed(user.map(|u| u.id), reason, origin).await;
                return Err(self.failed_login(&account_key).await);
            }
        };
        let id = user.id;
        let user = match self.check_status(user).await {
            Ok(user) => user,
            Err(error) => {
                let reason = match error.code.as_ref() {
                    "account_suspended" => Some("suspended"),
                    "account_banned" => Some("banned"),
                    "invalid_credentials" => Some("deleted"),
                    _ => None,
                };
                if let Some(reason) = reason {
                    self.login_failed(Some(id), reason, origin).await;
                }
                return Err(error);
            }
        };
        // Hash before taking the write transaction: hashing takes tens of milliseconds.
        let upgraded = match verdict {
            Verified::YesRehash => Some(self.hasher.hash(&c.password).await?),
            _ => None,
        };
        let mut tx = self.db.begin().await?;
        if user.mfa_enabled() {
            let ok = match (&c.totp_code, &c.recovery_code) {
                (None, None) => {
                    return Err(ApiError::new(401, "mfa_required", "A two-factor code is required"));
                }
                (Some(code), _) => {
                    match self.totp_secret(&user).and_then(|s| totp::matching_step(&s, code, self.now().timestamp())) {
                        Some(step) => store::users::use_totp_step(&mut tx, user.id, step).await?,
                        None => false,
                    }
                }
                (None, Some(code)) => {
                    let hash = secret::digest(&secret::normalise_recovery_code(code));
                    store::recovery::consume(&mut tx, user.id, hash, self.now()).await?
                }
            };
            if !ok {
                // Nothing was written; the failure is recorded in a transaction of its own.
                let _ = tx.rollback().await;
                self.login_failed(Some(user.id), "mfa_failed", origin).await;
                self.failed_login(&account_key).await;
                return Err(ApiError::new(401, "invalid_mfa_code", "Invalid two-factor code"));
            }
        }
        if let Some(new_hash) = &upgraded {
            // Conditional: a password change that committed meanwhile wins.
            store::users::upgrade_password_hash(&mut tx, user.id, &user.password_hash, new_hash).await?;
        }
        let (session, refresh, max_age) = self.open_session(&mut tx, &user, c.remember_me, origin).await?;
        // A device this account never signed in from (within the sessions kept) is news: the
        // notifications context may alert the owner.
        let new_device = !store::sessions::device_seen(&mut tx, user.id, &session.device_label, session.id).await?;
        self.emit(
            &mut tx,
            "user.logged_in",
            user.id,
            json!({"userId": user.id, "sessionId": session.id, "deviceLabel": session.device_label, "ip": origin.ip,
                   "newDevice": new_device, "at": session.created_at}),
        )
        .await?;
        tx.commit().await?;
        self.events.committed();
        self.failures.clear(&account_key);
        self.limits.reset(&account_key).await;
        let access_token = self.access_token(&user, session.id)?;
        Ok(SignedIn { user, access_token, refresh_token: refresh, refresh_max_age: max_age })
    }

    /// Refuses suspended and banned accounts; lifts a suspension whose end has passed.
    async fn check_status(&self, user: User) -> Result<User, ApiError> {
        match user.status {
            Status::Active => Ok(user),
            Status::Suspended if user.suspended_until.is_some_and(|until| until <= self.now()) => {
                let mut tx = self.db.begin().await?;
                if store::users::lift_expired_suspension(&mut tx, user.id, self.now()).await? {
                    let data =
                        json!({"userId": user.id, "from": "suspended", "to": "active", "reason": "suspension ended"});
                    self.emit(&mut tx, "user.status_changed", user.id, data).await?;
                }
                let user = store::users::find_tx(&mut tx, user.id).await?.ok_or_else(invalid_credentials)?;
                tx.commit().await?;
                self.forget_account(user.id).await;
                self.events.committed();
                Ok(user)
            }
            // 401, as DreamScape answers a suspended account's login.
            Status::Suspended => {
                Err(ApiError::new(401, "account_suspended", "Your account has been suspended. Please contact support."))
            }
            Status::Banned => {
                Err(ApiError::new(401, "account_banned", "This account is banned. Please contact support."))
            }
            Status::Deleted => Err(invalid_credentials()),
        }
    }

    /// The account an address names, if any (for recording a failure).
    async fn account_of(&self, key: &str) -> Option<Uuid> {
        let email = Email::parse(key).ok()?;
        store::users::find_by_email(&self.db, email.as_str()).await.ok().flatten().map(|u| u.id)
    }

    /// Records a failed sign-in (`user.login_failed`: the account when it exists, why, from
    /// where; never the address typed) in a transaction of its own. It never changes the
    /// answer: should recording fail, that is logged and the answer stays what it was.
    async fn login_failed(&self, user: Option<Uuid>, reason: &str, origin: &Origin) {
        let data = json!({"userId": user, "reason": reason, "ip": origin.ip});
        let aggregate = user.map_or_else(|| "unknown".to_owned(), |u| u.to_string());
        let event = EventEnvelope::new("user.login_failed", aggregate, self.now(), data);
        let recorded = async {
            let mut tx = self.db.begin().await?;
            enqueue(&mut tx, &event).await?;
            tx.commit().await
        };
        match recorded.await {
            Ok(()) => self.events.committed(),
            Err(e) => tracing::warn!(error = %e, reason, "a failed sign-in could not be recorded"),
        }
    }

    /// Counts a failure against the account and waits the progressive delay.
    async fn failed_login(&self, account_key: &str) -> ApiError {
        let _ = self.limits.check(account_key, self.rate.login_per_account).await;
        let delay = self.failures.record(
            account_key,
            self.now().timestamp(),
            self.rate.failures_before_delay,
            self.rate.max_failure_delay_ms,
        );
        if self.limits.enabled() && !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        invalid_credentials()
    }
}

pub fn check_new_password(password: &str) -> Result<(), ApiError> {
    check_policy("newPassword", password)
}
