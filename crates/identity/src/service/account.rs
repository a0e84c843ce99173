//! The signed-in user's own account: profile and password.

use kernel::ApiError;
use serde_json::json;
use uuid::Uuid;

use super::login::{Fields, check_new_password};
use super::{Accounts, invalid_credentials};
use crate::domain::email::Email;
use crate::domain::password::Verified;
use crate::domain::profile;
use crate::domain::user::User;
use crate::store::{self, one_time, users::ProfileChange};

#[derive(Default)]
pub struct ProfileUpdate {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub phone_number: Option<String>,
}

impl Accounts {
    pub async fn update_profile(&self, id: Uuid, u: ProfileUpdate) -> Result<User, ApiError> {
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
        fields.finish()?;
        let before = self.user(id).await?;
        let email_changed = change.email.as_ref().is_some_and(|e| *e != before.email);
        let now = self.now();
        let mut tx = self.db.begin().await?;
        store::users::update_profile(&mut tx, id, change, now).await.map_err(|e| {
            if e.is_unique_violation("email") {
                ApiError::new(409, "email_taken", "An account with this email already exists")
            } else if e.is_unique_violation("username") {
                ApiError::new(409, "username_taken", "This username is taken")
            } else {
                e.into()
            }
        })?;
        let user = store::users::find_tx(&mut tx, id).await?.ok_or_else(ApiError::internal)?;
        let link = if email_changed {
            Some(self.issue_link(&mut tx, &user, one_time::Purpose::VerifyEmail).await?)
        } else {
            None
        };
        self.emit(
            &mut tx,
            "user.updated",
            id,
            json!({"userId": id, "email": user.email, "firstName": user.first_name, "lastName": user.last_name,
                   "username": user.username, "emailChanged": email_changed}),
        )
        .await?;
        tx.commit().await?;
        self.events.committed();
        if let Some(link) = link {
            self.send_verification(&user.email, &link);
        }
        Ok(user)
    }

    /// Changes the password; every other session of the user is signed out.
    pub async fn change_password(&self, id: Uuid, session: Uuid, current: &str, new: &str) -> Result<(), ApiError> {
        let user = self.user(id).await?;
        if current.len() > 1024 || self.hasher.verify(current, Some(&user.password_hash)).await? == Verified::No {
            return Err(invalid_credentials());
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
        self.events.committed();
        self.forget_sessions(&revoked);
        Ok(())
    }
}
