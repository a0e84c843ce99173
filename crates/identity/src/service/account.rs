//! The signed-in user's own account: profile and password.

use chrono::{DateTime, Utc};
use kernel::ApiError;
use platform::db::Tx;
use serde_json::json;
use uuid::Uuid;

use super::Accounts;
use super::login::{Fields, check_new_password};
use super::profile::{apply, profile_event};
use crate::domain::email::Email;
use crate::domain::password::Verified;
use crate::domain::user::User;
use crate::domain::{profile, settings};
use crate::store::{self, one_time, profiles::Profile, users::ProfileChange};

/// `PUT /api/v1/auth/profile`: `None` keeps a field; `""` clears `dateOfBirth` and
/// `nationality`, and sets `userCategory` back to `LEISURE`.
#[derive(Default)]
pub struct ProfileUpdate {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub phone_number: Option<String>,
    pub date_of_birth: Option<String>,
    pub nationality: Option<String>,
    pub user_category: Option<String>,
}

/// What the auth routes show beside the account row.
pub struct Facts {
    pub profile: Profile,
    /// When onboarding was completed, while the account counts it as completed.
    pub onboarding_completed_at: Option<DateTime<Utc>>,
}

impl ProfileChange {
    pub fn is_empty(&self) -> bool {
        self.email.is_none()
            && self.first_name.is_none()
            && self.last_name.is_none()
            && self.username.is_none()
            && self.phone_number.is_none()
    }
}

impl Accounts {
    /// The account `id` and its facts, in one read; 401 when the account no longer exists.
    pub async fn account(&self, id: Uuid) -> Result<(User, Facts), ApiError> {
        let (user, profile, onboarding_completed_at) = store::users::find_with_facts(&self.db, id)
            .await?
            .ok_or_else(|| ApiError::unauthorized("Account no longer exists"))?;
        Ok((user, Facts { profile, onboarding_completed_at }))
    }

    pub async fn facts(&self, user: &User) -> Result<Facts, ApiError> {
        let profile = store::profiles::find(&self.db, user.id).await?.unwrap_or_default();
        let onboarding_completed_at = if user.onboarding_completed {
            store::onboarding::find(&self.db, user.id).await?.and_then(|o| o.completed_at)
        } else {
            None
        };
        Ok(Facts { profile, onboarding_completed_at })
    }

    pub async fn update_profile(&self, id: Uuid, u: ProfileUpdate) -> Result<User, ApiError> {
        let today = self.now().date_naive();
        let mut fields = Fields::default();
        let change = ProfileChange {
            email: u
                .email
                .as_deref()
                .and_then(|v| fields.check("email", Email::parse(v)))
                .map(|e| e.as_str().to_owned()),
            first_name: u.first_name.as_deref().and_then(|v| fields.check("firstName", profile::name(v))),
            last_name: u.last_name.as_deref().and_then(|v| fields.check("lastName", profile::name(v))),
            username: u.username.as_deref().and_then(|v| fields.check("username", profile::username(v))),
            phone_number: u.phone_number.as_deref().and_then(|v| fields.check("phoneNumber", profile::phone(v))),
        };
        let mut tx = self.db.begin().await?;
        let mut extras = store::profiles::find_tx(&mut tx, id).await?.unwrap_or_default();
        let before = extras.clone();
        apply(&mut fields, "dateOfBirth", u.date_of_birth.as_deref(), &mut extras.date_of_birth, |v| {
            profile::date_of_birth(v, today)
        });
        apply(&mut fields, "nationality", u.nationality.as_deref(), &mut extras.nationality, settings::nationality);
        let category = match u.user_category.as_deref().map(str::trim) {
            None => None,
            Some("") => Some("leisure".to_owned()),
            Some(v) => fields.check("userCategory", settings::user_category(v)),
        };
        fields.finish()?;
        let account = store::users::find_tx(&mut tx, id)
            .await?
            .ok_or_else(|| ApiError::unauthorized("Account no longer exists"))?;
        if let Some(category) = &category {
            store::users::set_category(&mut tx, id, category, self.now()).await?;
        }
        let user = self.write_account(&mut tx, &account, change).await?;
        if extras != before {
            extras.touch(self.now());
            store::profiles::save(&mut tx, id, &extras, self.now()).await?;
        }
        // What other contexts keep of the profile (address, verified number) may have changed.
        self.emit(&mut tx, "user.profile_updated", id, profile_event(&user, &extras)).await?;
        tx.commit().await?;
        self.forget_account(id).await;
        self.events.committed();
        Ok(user)
    }

    /// Applies `change` to the account row inside `tx`: a taken address or username is a 409, a
    /// new address gets a verification link (mailed through `identity.email_verification`), a
    /// new phone number is unverified until proven again. Emits `user.updated`.
    pub(super) async fn write_account(
        &self,
        tx: &mut Tx,
        before: &User,
        mut change: ProfileChange,
    ) -> Result<User, ApiError> {
        let id = before.id;
        let email_changed = change.email.as_ref().is_some_and(|e| *e != before.email);
        // However it is spelt, the number already verified stays verified (and in E.164).
        if before.phone_verified_at.is_some()
            && let (Some(new), Some(current)) = (change.phone_number.as_deref(), before.phone_number.as_deref())
            && kernel::Phone::parse(new).is_ok_and(|p| kernel::Phone::parse(current).is_ok_and(|c| c == p))
        {
            change.phone_number = None;
        }
        store::users::update_profile(tx, id, change, self.now()).await.map_err(|e| {
            if e.is_unique_violation("email") {
                ApiError::new(409, "email_taken", "An account with this email already exists")
            } else if e.is_unique_violation("username") {
                ApiError::new(409, "username_taken", "This username is taken")
            } else {
                e.into()
            }
        })?;
        let user = store::users::find_tx(tx, id).await?.ok_or_else(ApiError::internal)?;
        if email_changed {
            self.mail_link(tx, &user, one_time::Purpose::VerifyEmail).await?;
        }
        self.emit(
            tx,
            "user.updated",
            id,
            json!({"userId": id, "email": user.email, "firstName": user.first_name, "lastName": user.last_name,
                   "username": user.username, "emailChanged": email_changed, "phoneNumber": user.phone_number,
                   "phoneVerified": user.phone_verified_at.is_some()}),
        )
        .await?;
        Ok(user)
    }

    /// Changes the password; every other session of the user is signed out. A wrong current
    /// password is a 400, as DreamScape answers it.
    pub async fn change_password(&self, id: Uuid, session: Uuid, current: &str, new: &str) -> Result<(), ApiError> {
        let user = self.user(id).await?;
        if current.len() > 1024 || self.hasher.verify(current, Some(&user.password_hash)).await? == Verified::No {
            return Err(ApiError::new(400, "invalid_credentials", "Current password is incorrect"));
        }
        check_new_password(new)?;
        if current == new {
            return Err(ApiError::validation(vec![kernel::FieldError::new(
                "newPassword",
                "must differ from the current password",
            )]));
        }
        let hash = self.hasher.hash(new).await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        store::users::set_password_hash(&mut tx, id, &hash, now).await?;
        let revoked = store::sessions::revoke_all(&mut tx, id, Some(session), "password_changed", now).await?;
        self.emit(
            &mut tx,
            "user.password_changed",
            id,
            json!({"userId": id, "via": "change", "sessionsRevoked": revoked.len()}),
        )
        .await?;
        tx.commit().await?;
        self.forget_account(id).await;
        self.events.committed();
        self.forget_sessions(&revoked);
        Ok(())
    }
}
