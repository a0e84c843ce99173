//! The user-facing profile (DreamScape's `/users/profile`): names and phone from the account,
//! plus bio, avatar, birth date and settings; and the public view others may see.

use kernel::ApiError;
use serde_json::json;
use uuid::Uuid;

use super::Accounts;
use super::login::Fields;
use crate::domain::profile;
use crate::domain::user::{Status, User};
use crate::store::{self, profiles::Profile, users::ProfileChange};

/// Changes to a profile: `None` keeps a field, `Some("")` clears an optional one.
#[derive(Debug, Default)]
pub struct ProfilePatch {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone_number: Option<String>,
    pub avatar: Option<String>,
    pub bio: Option<String>,
    pub date_of_birth: Option<String>,
    pub language: Option<String>,
    pub currency: Option<String>,
    pub timezone: Option<String>,
    pub theme: Option<String>,
}

/// Applies `value` to `slot` through `rule`; an empty string clears the slot.
fn apply<T>(
    fields: &mut Fields,
    name: &str,
    value: Option<&str>,
    slot: &mut Option<T>,
    rule: impl FnOnce(&str) -> Result<T, &'static str>,
) {
    match value.map(str::trim) {
        None => {}
        Some("") => *slot = None,
        Some(v) => {
            if let Some(parsed) = fields.check(name, rule(v)) {
                *slot = Some(parsed);
            }
        }
    }
}

impl Accounts {
    pub async fn profile_of(&self, id: Uuid) -> Result<(User, Profile), ApiError> {
        let user = self.user(id).await?;
        let extras = store::profiles::find(&self.db, id).await?.unwrap_or_default();
        Ok((user, extras))
    }

    pub async fn patch_profile(&self, id: Uuid, p: ProfilePatch) -> Result<(User, Profile), ApiError> {
        let today = self.now().date_naive();
        let mut fields = Fields::default();
        let names = ProfileChange {
            email: None,
            first_name: p.first_name.as_deref().and_then(|v| fields.check("firstName", profile::name(v))),
            last_name: p.last_name.as_deref().and_then(|v| fields.check("lastName", profile::name(v))),
            username: None,
            phone_number: p.phone_number.as_deref().and_then(|v| fields.check("phoneNumber", profile::phone(v))),
        };
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let mut extras = store::profiles::find_tx(&mut tx, id).await?.unwrap_or_default();
        apply(&mut fields, "avatar", p.avatar.as_deref(), &mut extras.avatar_url, profile::avatar_url);
        apply(&mut fields, "bio", p.bio.as_deref(), &mut extras.bio, profile::bio);
        apply(&mut fields, "dateOfBirth", p.date_of_birth.as_deref(), &mut extras.date_of_birth, |v| {
            profile::date_of_birth(v, today)
        });
        apply(&mut fields, "settings.language", p.language.as_deref(), &mut extras.language, profile::language);
        apply(&mut fields, "settings.currency", p.currency.as_deref(), &mut extras.currency, profile::currency);
        apply(&mut fields, "settings.timezone", p.timezone.as_deref(), &mut extras.timezone, profile::timezone);
        apply(&mut fields, "settings.theme", p.theme.as_deref(), &mut extras.theme, profile::theme);
        fields.finish()?;
        store::users::update_profile(&mut tx, id, names, now).await?;
        store::profiles::save(&mut tx, id, &extras, now).await?;
        let user = store::users::find_tx(&mut tx, id)
            .await?
            .ok_or_else(|| ApiError::unauthorized("Account no longer exists"))?;
        let data = json!({"userId": id, "firstName": user.first_name, "lastName": user.last_name,
                          "avatar": extras.avatar_url, "language": extras.language, "currency": extras.currency});
        self.emit(&mut tx, "user.profile_updated", id, data).await?;
        tx.commit().await?;
        self.events.committed();
        Ok((user, extras))
    }

    /// What anyone may see of an account: no contact details, no birth date. Accounts that
    /// are banned are "not found".
    pub async fn public_profile(&self, id: Uuid) -> Result<(User, Profile), ApiError> {
        let user = store::users::find(&self.db, id)
            .await?
            .filter(|u| !matches!(u.status, Status::Banned | Status::Deleted))
            .ok_or_else(|| ApiError::not_found("User not found"))?;
        let extras = store::profiles::find(&self.db, id).await?.unwrap_or_default();
        Ok((user, extras))
    }
}
