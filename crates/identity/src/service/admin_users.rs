//! DreamScape's user administration (`/api/v1/admin/users…`): the list and its filters, the
//! CSV export, one account with what it booked and paid, its activity, and the edits —
//! on the same account rules as our own admin routes (`super::admin`) and the same erasure
//! as a user deleting their account (`super::privacy`).

use chrono::{DateTime, Utc};
use kernel::{ApiError, FieldError, window::Bound};
use platform::auth::Role;
use platform::events::{admin_action, enqueue};
use serde_json::json;
use uuid::Uuid;

use super::Accounts;
use super::account::ProfileUpdate;
use crate::domain::backoffice::{csv_cell, major, two_decimals};
use crate::domain::email::Email;
use crate::domain::profile;
use crate::domain::user::Status;
use crate::store::admin_users::{
    self as store, AdminChange, Details, Filter, Listed, REPORT_CURRENCY, RoleFilter, SORTS, Sort, StatusFilter,
};

/// The list's query as sent (every value still raw).
#[derive(Debug, Default, Clone, Copy)]
pub struct ListInput<'a> {
    pub search: Option<&'a str>,
    pub role: Option<&'a str>,
    pub status: Option<&'a str>,
    pub start_date: Option<&'a str>,
    pub end_date: Option<&'a str>,
    pub sort_by: Option<&'a str>,
    pub sort_order: Option<&'a str>,
    /// Comma-joined account ids (the export's selection).
    pub ids: Option<&'a str>,
}

/// At most this many ids in an export's selection, and rows in an export.
pub const MAX_EXPORT: u32 = 10_000;
/// The most ids an `ids` selection may name (a page of the admin list holds at most 100): a
/// selection travels in the query string, whose length HTTP servers bound — even a list too
/// long by one character, percent-encoded, must reach this check rather than be a `414`.
pub const MAX_IDS: usize = 100;
/// The longest `ids` list (100 ids and their commas).
pub const MAX_IDS_LENGTH: usize = 3_700;

fn parse_role(raw: &str) -> Option<RoleFilter> {
    match raw {
        "USER" => Some(RoleFilter::Travellers),
        "ADMIN" => Some(RoleFilter::Exactly(Role::Admin)),
        "MODERATOR" => Some(RoleFilter::Nobody),
        other => Role::parse(other).map(RoleFilter::Exactly),
    }
}

fn parse_status(raw: &str) -> Option<StatusFilter> {
    match raw {
        "suspended" => Some(StatusFilter::Suspended),
        other => Status::parse(other).map(StatusFilter::Exactly),
    }
}

fn day_start(day: chrono::NaiveDate) -> Option<DateTime<Utc>> {
    day.and_hms_opt(0, 0, 0).map(|t| t.and_utc())
}

/// The filters and sort of a list query; every bad value is named at once.
pub fn list_query(input: &ListInput<'_>) -> Result<(Filter, Sort), ApiError> {
    let mut errors = Vec::new();
    let mut filter = Filter::default();
    if input.search.is_some_and(|s| s.chars().count() > 100) {
        errors.push(FieldError::new("search", "must be at most 100 characters"));
    }
    filter.search = input.search.map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty());
    if let Some(raw) = input.role {
        filter.role = parse_role(raw);
        if filter.role.is_none() {
            errors.push(FieldError::new("role", "must be USER, ADMIN or MODERATOR (or user, host, admin)"));
        }
    }
    if let Some(raw) = input.status {
        filter.status = parse_status(raw);
        if filter.status.is_none() {
            errors.push(FieldError::new("status", "must be active, suspended, banned or deleted"));
        }
    }
    let mut date = |field: &str, raw: Option<&str>, end: bool| {
        let bound = Bound::parse(raw?);
        let at = match bound {
            Some(Bound::At(t)) => Some(t),
            Some(Bound::Day(d)) if end => d.succ_opt().and_then(day_start),
            Some(Bound::Day(d)) => day_start(d),
            None => None,
        };
        if at.is_none() {
            errors.push(FieldError::new(field, "must be an RFC 3339 instant or a YYYY-MM-DD date"));
        }
        at
    };
    filter.created_from = date("startDate", input.start_date, false);
    filter.created_before = date("endDate", input.end_date, true);
    let sort_by = input.sort_by.unwrap_or("createdAt");
    let expression = SORTS.iter().find(|(name, _)| *name == sort_by).map(|(_, sql)| *sql);
    if expression.is_none() {
        let names: Vec<&str> = SORTS.iter().map(|(n, _)| *n).collect();
        errors.push(FieldError::new("sortBy", format!("must be one of {}", names.join(", "))));
    }
    let descending = match input.sort_order {
        None | Some("desc") => true,
        Some("asc") => false,
        Some(_) => {
            errors.push(FieldError::new("sortOrder", "must be asc or desc"));
            true
        }
    };
    if let Some(raw) = input.ids {
        let ids: Vec<Option<Uuid>> =
            raw.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| s.parse().ok()).collect();
        if ids.iter().any(Option::is_none) || ids.len() > MAX_IDS || raw.len() > MAX_IDS_LENGTH {
            errors.push(FieldError::new("ids", format!("must be at most {MAX_IDS} comma-separated user ids")));
        }
        filter.ids = Some(ids.into_iter().flatten().collect());
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok((filter, Sort { expression: expression.unwrap_or("u.created_at"), descending }))
}

/// DreamScape's editable fields, as sent.
#[derive(Debug, Default, Clone)]
pub struct AdminEdit {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub role: Option<String>,
    pub is_verified: Option<bool>,
    pub user_category: Option<String>,
}

impl Accounts {
    pub async fn backoffice_users(
        &self,
        filter: &Filter,
        sort: Sort,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<Listed>, i64), ApiError> {
        Ok(store::list(&self.db, filter, sort, limit, offset).await?)
    }

    /// DreamScape's CSV export of the accounts `filter` keeps, newest first.
    pub async fn export_users(&self, filter: &Filter) -> Result<String, ApiError> {
        let users = store::export(&self.db, filter, MAX_EXPORT).await?;
        let mut csv = String::from(
            "id,email,firstName,lastName,role,isVerified,isSuspended,createdAt,lastLoginAt,bookingsCount,revenueGenerated\n",
        );
        let at = |t: Option<DateTime<Utc>>| {
            t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)).unwrap_or_default()
        };
        for u in &users {
            let row = [
                u.id.to_string(),
                csv_cell(&u.email),
                csv_cell(u.first_name.as_deref().unwrap_or("")),
                csv_cell(u.last_name.as_deref().unwrap_or("")),
                dreamscape_role(&u.role).to_owned(),
                u.email_verified_at.is_some().to_string(),
                is_suspended(&u.status).to_string(),
                at(Some(u.created_at)),
                at(u.last_login_at),
                u.bookings.to_string(),
                two_decimals(major(u.revenue, REPORT_CURRENCY)).to_string(),
            ];
            csv.push_str(&row.join(","));
            csv.push('\n');
        }
        Ok(csv)
    }

    /// One account for DreamScape's detail screen (erased ones too, with status `deleted`);
    /// the look is written to the user's access log.
    pub async fn backoffice_user(&self, admin: Uuid, id: Uuid) -> Result<(Listed, Details), ApiError> {
        let user = store::find(&self.db, id).await?.ok_or_else(|| ApiError::not_found("User not found"))?;
        let details = store::details(&self.db, id).await?;
        self.log_admin_access(id, admin, "admin_viewed_account").await?;
        Ok((user, details))
    }

    async fn listed(&self, id: Uuid) -> Result<Listed, ApiError> {
        store::find(&self.db, id).await?.ok_or_else(|| ApiError::not_found("User not found"))
    }

    /// DreamScape's edit: names and email as the owner's own profile update does them (a new
    /// email is verified again unless `isVerified` says otherwise), the role (`USER` keeps a
    /// host a host), verification and category. Everything is checked before anything changes.
    pub async fn admin_edit(&self, admin: Uuid, id: Uuid, edit: AdminEdit) -> Result<Listed, ApiError> {
        let before = self.changeable(id).await?;
        let mut errors = Vec::new();
        for (field, value) in [("firstName", &edit.first_name), ("lastName", &edit.last_name)] {
            if let Some(Err(m)) = value.as_deref().map(profile::name) {
                errors.push(FieldError::new(field, m));
            }
        }
        if let Some(Err(m)) = edit.email.as_deref().map(Email::parse) {
            errors.push(FieldError::new("email", m));
        }
        let role = match edit.role.as_deref() {
            None => None,
            Some("ADMIN") => Some(Role::Admin),
            Some("USER") => Some(if before.role == Role::Admin { Role::User } else { before.role }),
            Some("MODERATOR") => {
                errors.push(FieldError::new("role", "MODERATOR does not exist in Sojourn: use USER or ADMIN"));
                None
            }
            Some(_) => {
                errors.push(FieldError::new("role", "must be USER or ADMIN"));
                None
            }
        };
        let category = match edit.user_category.as_deref() {
            None => None,
            Some("LEISURE") => Some("leisure"),
            Some("BUSINESS") => Some("business"),
            Some(_) => {
                errors.push(FieldError::new("userCategory", "must be LEISURE or BUSINESS"));
                None
            }
        };
        let role = role.filter(|r| *r != before.role);
        if role.is_some() && admin == id {
            errors.push(FieldError::new("role", "Cannot change your own role"));
        }
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        // What the audit log is told changed (names of fields, never their values).
        let given = [
            ("firstName", edit.first_name.is_some()),
            ("lastName", edit.last_name.is_some()),
            ("email", edit.email.is_some()),
            ("role", role.is_some()),
            ("isVerified", edit.is_verified.is_some()),
            ("userCategory", category.is_some()),
        ];
        let fields: Vec<&str> = given.iter().filter(|(_, g)| *g).map(|(f, _)| *f).collect();
        if edit.first_name.is_some() || edit.last_name.is_some() || edit.email.is_some() {
            let change = ProfileUpdate {
                email: edit.email,
                first_name: edit.first_name,
                last_name: edit.last_name,
                ..ProfileUpdate::default()
            };
            self.update_profile(id, change).await.map_err(|e| {
                if e.status == 409 && e.code == "email_taken" {
                    ApiError::new(409, "email_taken", "Email already in use")
                } else {
                    e
                }
            })?;
        }
        if let Some(role) = role {
            self.set_role(admin, id, role).await?;
        }
        let after = self.user_for_admin(id).await?;
        let verified_at = match edit.is_verified {
            Some(true) if after.email_verified_at.is_none() => Some(Some(self.now())),
            Some(false) if after.email_verified_at.is_some() => Some(None),
            _ => None,
        };
        let change = AdminChange { verified_at, category };
        if !fields.is_empty() {
            let mut tx = self.db.begin().await?;
            if change.verified_at.is_some() || change.category.is_some() {
                store::apply_admin_change(&mut tx, id, &change, self.now()).await?;
            }
            let detail = json!({"fields": fields, "role": role.map(Role::as_str)});
            enqueue(&mut tx, &admin_action(admin, "user.edit", ("user", &id.to_string()), detail, self.now())).await?;
            tx.commit().await?;
            self.forget_account(id).await;
            self.events.committed();
        }
        self.listed(id).await
    }

    /// DreamScape's suspension: until lifted, `reason` optional.
    pub async fn admin_suspend(&self, admin: Uuid, id: Uuid, reason: Option<&str>) -> Result<Listed, ApiError> {
        if admin == id {
            return Err(ApiError::bad_request("Cannot suspend your own account"));
        }
        if reason.is_some_and(|r| r.chars().count() > 500) {
            return Err(ApiError::validation(vec![FieldError::new("reason", "must be at most 500 characters")]));
        }
        let user = self.changeable(id).await?;
        if matches!(user.status, Status::Suspended | Status::Banned) {
            return Err(ApiError::new(409, "already_suspended", "User already suspended"));
        }
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        self.set_status(admin, id, Status::Suspended, reason, None).await?;
        self.listed(id).await
    }

    /// DreamScape's reactivation of a suspended (or banned) account.
    pub async fn admin_reactivate(&self, admin: Uuid, id: Uuid) -> Result<Listed, ApiError> {
        let user = self.changeable(id).await?;
        if !matches!(user.status, Status::Suspended | Status::Banned) {
            return Err(ApiError::new(409, "not_suspended", "User is not suspended"));
        }
        self.set_status(admin, id, Status::Active, None, None).await?;
        self.listed(id).await
    }

    /// An administrator erases an account: the same erasure as its owner's.
    pub async fn admin_delete(&self, admin: Uuid, id: Uuid) -> Result<(), ApiError> {
        if admin == id {
            return Err(ApiError::bad_request("Cannot delete your own account"));
        }
        match store::find(&self.db, id).await? {
            Some(u) if u.status != Status::Deleted.as_str() => self.erase_account(id, admin, None).await,
            _ => Err(ApiError::not_found("User not found")),
        }
    }
}

/// DreamScape's spelling of our roles: a host is a `USER` there.
pub fn dreamscape_role(role: &str) -> &'static str {
    if role == "admin" { "ADMIN" } else { "USER" }
}

/// DreamScape's `isSuspended`: suspended or banned.
pub fn is_suspended(status: &str) -> bool {
    status == "suspended" || status == "banned"
}

/// DreamScape's `userCategory`.
pub fn dreamscape_category(category: &str) -> &'static str {
    if category == "business" { "BUSINESS" } else { "LEISURE" }
}

/// When a suspension began: only while the account is suspended.
pub fn suspended_at(u: &Listed) -> Option<DateTime<Utc>> {
    u.suspended_at.filter(|_| is_suspended(&u.status))
}
