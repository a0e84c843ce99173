//! The user-facing profile (DreamScape's `/users/profile`): names and phone from the account,
//! plus bio, avatar, birth date, settings and travel preferences; DreamScape's profile row
//! (create and delete by user id); and the public view others may see.

use kernel::{ApiError, FieldError};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::Accounts;
use super::login::Fields;
use crate::domain::email::Email;
use crate::domain::profile;
use crate::domain::settings::{self, SettingsUpdate};
use crate::domain::user::{Status, User};
use crate::store::{self, profiles::Profile, users::ProfileChange};

/// Applies `value` to `slot` through `rule`; an empty string clears the slot.
pub(super) fn apply<T>(
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

/// The first of `candidates` that is sent and is not the current value, if any: a client sends
/// back what it read, and the key it edited is the one that differs.
fn edited<'a>(candidates: &[Option<&'a String>], unchanged: impl Fn(&str) -> bool) -> Option<&'a str> {
    candidates.iter().flatten().map(|s| s.as_str()).find(|v| !unchanged(v))
}

/// Whether a sent value is `current` (absent counts as `""`).
fn same(current: Option<&str>) -> impl Fn(&str) -> bool + '_ {
    move |v| v.trim() == current.unwrap_or("")
}

/// DreamScape's profile row, created by `POST /api/v1/users/profile/{userId}`.
pub struct NewProfile {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub date_of_birth: Option<String>,
    pub preferences: Option<Value>,
}

impl Accounts {
    pub async fn profile_of(&self, id: Uuid) -> Result<(User, Profile), ApiError> {
        let user = self.user(id).await?;
        let extras = store::profiles::find(&self.db, id).await?.unwrap_or_default();
        Ok((user, extras))
    }

    /// `PUT /api/v1/users/profile`: every section optional, every value equal to the current
    /// one ignored; all problems reported at once and nothing stored then.
    pub async fn update_settings(&self, id: Uuid, u: SettingsUpdate) -> Result<(User, Profile), ApiError> {
        let u = u.folded();
        let today = self.now().date_naive();
        let mut tx = self.db.begin().await?;
        let user = store::users::find_tx(&mut tx, id)
            .await?
            .ok_or_else(|| ApiError::unauthorized("Account no longer exists"))?;
        let mut p = store::profiles::find_tx(&mut tx, id).await?.unwrap_or_default();
        let mut f = Fields::default();
        let mut account =
            ProfileChange { email: None, first_name: None, last_name: None, username: None, phone_number: None };

        let s = u.profile.unwrap_or_default();
        let shown =
            settings::display_name(user.username.as_deref(), user.first_name.as_deref(), user.last_name.as_deref());
        if let Some(name) = s.name.as_deref().filter(|n| n.trim() != shown) {
            if user.username.is_some() {
                account.username = f.check("profile.name", profile::username(name));
            } else {
                let (first, last) = name.trim().split_once(char::is_whitespace).unwrap_or((name.trim(), ""));
                account.first_name = f.check("profile.name", profile::name(first));
                account.last_name =
                    Some(last).filter(|l| !l.trim().is_empty()).and_then(|l| f.check("profile.name", profile::name(l)));
            }
        }
        if account.first_name.is_none() && account.username.is_none() {
            if let Some(v) = edited(&[s.first_name.as_ref()], same(user.first_name.as_deref())) {
                account.first_name = f.check("profile.firstName", profile::name(v));
            }
            if let Some(v) = edited(&[s.last_name.as_ref()], same(user.last_name.as_deref())) {
                account.last_name = f.check("profile.lastName", profile::name(v));
            }
            if let Some(v) = edited(&[s.username.as_ref()], same(user.username.as_deref())) {
                account.username = f.check("profile.username", profile::username(v));
            }
        }
        if let Some(v) = edited(&[s.email.as_ref()], |v| v.trim().eq_ignore_ascii_case(&user.email)) {
            account.email = f.check("profile.email", Email::parse(v)).map(|e| e.as_str().to_owned());
        }
        if let Some(v) = edited(&[s.phone_number.as_ref()], same(user.phone_number.as_deref())) {
            account.phone_number = f.check("profile.phoneNumber", profile::phone(v));
        }
        // `photo` changes the avatar only when set (as DreamScape); our `avatar` also clears it.
        let photo = s.photo.as_ref().filter(|v| !v.trim().is_empty());
        let avatar_now = p.avatar_url.clone();
        let avatar = edited(&[photo, s.avatar.as_ref()], same(avatar_now.as_deref()));
        let field = if photo.is_some_and(|v| Some(v.as_str()) == avatar) { "profile.photo" } else { "profile.avatar" };
        apply(&mut f, field, avatar, &mut p.avatar_url, profile::avatar_url);
        apply(&mut f, "profile.bio", edited(&[s.bio.as_ref()], same(p.bio.as_deref())), &mut p.bio, profile::bio);
        let dob_now = p.date_of_birth.map(|d| d.to_string());
        let dob = edited(&[s.date_of_birth.as_ref()], same(dob_now.as_deref()));
        apply(&mut f, "profile.dateOfBirth", dob, &mut p.date_of_birth, |v| profile::date_of_birth(v, today));
        let nationality = edited(&[s.nationality.as_ref()], same(p.nationality.as_deref()));
        apply(&mut f, "profile.nationality", nationality, &mut p.nationality, settings::nationality);
        let category =
            edited(&[s.user_category.as_ref()], |v| settings::user_category(v).is_ok_and(|c| c == user.user_category))
                .and_then(|v| match v.trim() {
                    "" => Some("leisure".to_owned()),
                    v => f.check("profile.userCategory", settings::user_category(v)),
                });

        let pr = u.preferences.unwrap_or_default();
        let tag_now = p.language.clone().unwrap_or_else(|| settings::DEFAULT_LANGUAGE.into());
        let language =
            edited(&[pr.language.as_ref(), pr.preferred_language.as_ref(), pr.language_code.as_ref()], |v| {
                settings::language(v).is_ok_and(|t| t == tag_now)
            });
        apply(&mut f, "preferences.language", language, &mut p.language, settings::language);
        let currency_now = p.currency.clone().unwrap_or_else(|| settings::DEFAULT_CURRENCY.into());
        let currency = edited(&[pr.currency.as_ref(), pr.preferred_currency.as_ref()], |v| {
            v.trim().eq_ignore_ascii_case(&currency_now)
        });
        apply(&mut f, "preferences.currency", currency, &mut p.currency, profile::currency);
        apply(&mut f, "preferences.timezone", pr.timezone.as_deref(), &mut p.timezone, profile::timezone);
        apply(&mut f, "preferences.theme", pr.theme.as_deref(), &mut p.theme, profile::theme);
        let (dashboard, problems) = settings::dashboard_preferences(&pr);
        for (field, message) in problems {
            f.add(&format!("preferences.{field}"), message);
        }
        if !dashboard.is_empty() {
            let mut stored = p.preferences.take().and_then(|v| v.as_object().cloned()).unwrap_or_default();
            for (key, value) in dashboard {
                if value.is_null() {
                    stored.remove(&key);
                } else {
                    stored.insert(key, value);
                }
            }
            p.preferences = (!stored.is_empty()).then_some(Value::Object(stored));
        }

        if let Some(n) = u.notifications {
            p.deal_alerts = n.deal_alerts.or(p.deal_alerts);
            p.trip_reminders = n.trip_reminders.or(p.trip_reminders);
            p.price_alerts = n.price_alerts.or(p.price_alerts);
            p.newsletter = n.newsletter.or(p.newsletter);
        }
        if let Some(v) = u.privacy {
            let visibility = v.profile_visibility.as_deref();
            apply(&mut f, "privacy.profileVisibility", visibility, &mut p.profile_visibility, settings::visibility);
            p.data_sharing = v.data_sharing.or(p.data_sharing);
            p.marketing = v.marketing.or(p.marketing);
        }
        if let Some(t) = u.travel {
            let mut lists = p.travel.take().and_then(|v| v.as_object().cloned()).unwrap_or_default();
            for (key, list) in t.lists() {
                if let Some(items) = list
                    && let Some(clean) = f.check(&format!("travel.{key}"), settings::text_list(items))
                {
                    lists.insert(key.to_owned(), json!(clean));
                }
            }
            p.travel = Some(Value::Object(lists));
        }
        f.finish()?;

        let now = self.now();
        if let Some(category) = &category {
            store::users::set_category(&mut tx, id, category, now).await?;
        }
        let user = if account.is_empty() {
            store::users::find_tx(&mut tx, id).await?.ok_or_else(ApiError::internal)?
        } else {
            self.write_account(&mut tx, &user, account).await?
        };
        p.touch(now);
        store::profiles::save(&mut tx, id, &p, now).await?;
        self.emit(&mut tx, "user.profile_updated", id, profile_event(&user, &p)).await?;
        tx.commit().await?;
        self.forget_account(id).await;
        self.events.committed();
        Ok((user, p))
    }

    /// Creates DreamScape's profile row of `id`: names and phone go to the account, birth date
    /// and preferences to the profile. 409 when a profile exists (see [`Profile::touch`]).
    pub async fn create_profile(&self, id: Uuid, n: NewProfile) -> Result<(User, Profile), ApiError> {
        let today = self.now().date_naive();
        let mut f = Fields::default();
        let (first, last) = (n.first_name.as_deref().map(str::trim), n.last_name.as_deref().map(str::trim));
        let missing: Vec<FieldError> = [("firstName", first), ("lastName", last)]
            .into_iter()
            .filter(|(_, v)| v.is_none_or(str::is_empty))
            .map(|(field, _)| FieldError::new(field, "is required"))
            .collect();
        if !missing.is_empty() {
            let e = ApiError::validation(missing);
            return Err(ApiError { message: "First name and last name are required".into(), ..e });
        }
        let account = ProfileChange {
            email: None,
            first_name: first.and_then(|v| f.check("firstName", profile::name(v))),
            last_name: last.and_then(|v| f.check("lastName", profile::name(v))),
            username: None,
            phone_number: n
                .phone
                .as_deref()
                .filter(|v| !v.trim().is_empty())
                .and_then(|v| f.check("phone", profile::phone(v))),
        };
        let dob = n
            .date_of_birth
            .as_deref()
            .filter(|v| !v.trim().is_empty())
            .and_then(|v| f.check("dateOfBirth", profile::date_of_birth(v, today)));
        if let Some(prefs) = &n.preferences {
            f.check("preferences", settings::bounded_json(prefs, 4096, 5));
        }
        f.finish()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let user = store::users::find_tx(&mut tx, id)
            .await?
            .filter(|u| u.status != Status::Deleted)
            .ok_or_else(|| ApiError::not_found("User not found"))?;
        let mut p = store::profiles::find_tx(&mut tx, id).await?.unwrap_or_default();
        if p.created_at.is_some() {
            return Err(ApiError::conflict("Profile already exists for this user"));
        }
        let user = self.write_account(&mut tx, &user, account).await?;
        p.date_of_birth = dob.or(p.date_of_birth);
        p.preferences = n.preferences.filter(|v| !v.is_null()).or(p.preferences);
        p.created_at = Some(now);
        store::profiles::save(&mut tx, id, &p, now).await?;
        self.emit(&mut tx, "user.profile_updated", id, profile_event(&user, &p)).await?;
        tx.commit().await?;
        self.forget_account(id).await;
        self.events.committed();
        Ok((user, p))
    }

    /// The profile of `id` for the `{userId}` routes: 404 unless the account and its profile
    /// exist.
    pub async fn existing_profile(&self, id: Uuid) -> Result<(User, Profile), ApiError> {
        let user = store::users::find(&self.db, id)
            .await?
            .filter(|u| u.status != Status::Deleted)
            .ok_or_else(|| ApiError::not_found("Profile not found"))?;
        let p = store::profiles::find(&self.db, id).await?.filter(|p| p.created_at.is_some());
        Ok((user, p.ok_or_else(|| ApiError::not_found("Profile not found"))?))
    }

    /// Deletes DreamScape's profile row of `id`: birth date, avatar (and its image), bio and
    /// preferences. The account, its names and the settings stay.
    pub async fn delete_profile(&self, id: Uuid) -> Result<(), ApiError> {
        let mut tx = self.db.begin().await?;
        let mut p = store::profiles::find_tx(&mut tx, id)
            .await?
            .filter(|p| p.created_at.is_some())
            .ok_or_else(|| ApiError::not_found("Profile not found"))?;
        let avatar = p.avatar_url.take();
        p.date_of_birth = None;
        p.bio = None;
        p.preferences = None;
        p.created_at = None;
        store::profiles::save(&mut tx, id, &p, self.now()).await?;
        tx.commit().await?;
        self.forget_account(id).await;
        self.delete_stored_avatar(avatar.as_deref()).await;
        Ok(())
    }

    /// What anyone may see of an account: no contact details, no birth date; with
    /// `profileVisibility: private`, no bio or avatar either. Accounts that are banned are
    /// "not found".
    pub async fn public_profile(&self, id: Uuid) -> Result<(User, Profile), ApiError> {
        let user = store::users::find(&self.db, id)
            .await?
            .filter(|u| !matches!(u.status, Status::Banned | Status::Deleted))
            .ok_or_else(|| ApiError::not_found("User not found"))?;
        let mut extras = store::profiles::find(&self.db, id).await?.unwrap_or_default();
        if extras.profile_visibility.as_deref() == Some("private") {
            extras.bio = None;
            extras.avatar_url = None;
        }
        Ok((user, extras))
    }
}

/// `user.profile_updated`'s data: what other contexts keep of a profile (notifications: the
/// reader's language, address, verified number and time zone).
pub(super) fn profile_event(user: &User, p: &Profile) -> Value {
    json!({
        "userId": user.id,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "email": user.email,
        "phoneNumber": user.phone_number,
        "phoneVerified": user.phone_verified_at.is_some(),
        "avatar": p.avatar_url,
        "language": p.language,
        "currency": p.currency,
        "timezone": p.timezone,
    })
}

/// The stored dashboard preferences of `p` (only the keys the dashboard knows).
pub fn dashboard_of(p: &Profile) -> Map<String, Value> {
    let stored = p.preferences.as_ref().and_then(Value::as_object);
    settings::DASHBOARD_KEYS
        .iter()
        .filter_map(|k| stored.and_then(|s| s.get(*k)).map(|v| ((*k).to_owned(), v.clone())))
        .collect()
}
