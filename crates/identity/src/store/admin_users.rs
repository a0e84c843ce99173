//! Accounts as DreamScape's admin back-office lists them: filtered, sorted from an allow-list,
//! with their counts (searches, favourites, history), last sign-in, and what they booked and
//! paid (from the read model, in the reporting currency).

use chrono::{DateTime, NaiveDate, Utc};
use platform::auth::Role;
use platform::db::{Arg, Db, DbError, FromRow, IntoArg, Row, Tx, query, query_dynamic};
use uuid::Uuid;

use super::dashboard::IS_SEARCH;
use crate::domain::user::Status;

/// Which roles a list keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleFilter {
    /// DreamScape's `USER`: users and hosts.
    Travellers,
    Exactly(Role),
    /// DreamScape's `MODERATOR`: no such role here, so nobody.
    Nobody,
}

/// Which statuses a list keeps. Without one, erased accounts are left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// DreamScape's `suspended`: suspended or banned (`isSuspended`).
    Suspended,
    Exactly(Status),
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Lowercased substring of the email, names or username.
    pub search: Option<String>,
    pub role: Option<RoleFilter>,
    pub status: Option<StatusFilter>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    /// Only these accounts (the export's `ids`).
    pub ids: Option<Vec<Uuid>>,
}

/// A sort column of the allow-list, as SQL on `users u`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub expression: &'static str,
    pub descending: bool,
}

const LAST_LOGIN: &str = "(SELECT MAX(s.created_at) FROM sessions s WHERE s.user_id = u.id)";

/// DreamScape's `sortBy` names and the SQL each sorts on; anything else is refused.
pub const SORTS: [(&str, &str); 13] = [
    ("createdAt", "u.created_at"),
    ("updatedAt", "u.updated_at"),
    ("email", "u.email"),
    ("firstName", "LOWER(u.first_name)"),
    ("lastName", "LOWER(u.last_name)"),
    ("username", "u.username_key"),
    ("role", "u.role"),
    ("isVerified", "CASE WHEN u.email_verified_at IS NULL THEN 0 ELSE 1 END"),
    ("isSuspended", "CASE WHEN u.status IN ('suspended', 'banned') THEN 1 ELSE 0 END"),
    ("userCategory", "u.user_category"),
    ("onboardingCompleted", "CASE WHEN u.onboarding_completed THEN 1 ELSE 0 END"),
    ("suspendedAt", "u.suspended_at"),
    ("lastLoginAt", LAST_LOGIN),
];

/// The reporting currency: money is summed in it only (no conversion). [`select`] and
/// [`super::dashboard`] spell it out in their SQL.
pub const REPORT_CURRENCY: &str = "EUR";

/// One account with what the back-office shows beside it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub id: Uuid,
    pub email: String,
    pub username: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone_number: Option<String>,
    pub role: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub suspended_at: Option<DateTime<Utc>>,
    pub suspended_until: Option<DateTime<Utc>>,
    pub user_category: String,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub onboarding_completed: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub searches: i64,
    pub favorites: i64,
    pub bookings: i64,
    /// Minor units of [`REPORT_CURRENCY`], net of refunds.
    pub revenue: i64,
}

impl FromRow for Listed {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Listed {
            id: row.get("id")?,
            email: row.get("email")?,
            username: row.get("username")?,
            first_name: row.get("first_name")?,
            last_name: row.get("last_name")?,
            phone_number: row.get("phone_number")?,
            role: row.get("role")?,
            status: row.get("status")?,
            status_reason: row.get("status_reason")?,
            suspended_at: row.get("suspended_at")?,
            suspended_until: row.get("suspended_until")?,
            user_category: row.get("user_category")?,
            email_verified_at: row.get("email_verified_at")?,
            onboarding_completed: row.get("onboarding_completed")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
            last_login_at: row.get("last_login_at")?,
            searches: row.get("searches")?,
            favorites: row.get("favorites")?,
            bookings: row.get("bookings")?,
            revenue: row.get("revenue")?,
        })
    }
}

/// An account `u` with its counts and last sign-in (searches as the history table spells them).
fn select() -> String {
    format!(
        "SELECT u.id, u.email, u.username, u.first_name, u.last_name, u.phone_number, u.role, u.status, \
         u.status_reason, u.suspended_at, u.suspended_until, u.user_category, u.email_verified_at, u.onboarding_completed, \
         u.created_at, u.updated_at, {LAST_LOGIN} AS last_login_at, \
         (SELECT COUNT(*) FROM history h WHERE h.user_id = u.id AND {IS_SEARCH}) AS searches, \
         (SELECT COUNT(*) FROM favorites f WHERE f.user_id = u.id) AS favorites, \
         (SELECT COUNT(*) FROM admin_bookings b WHERE b.user_id = u.id AND b.trip_id IS NULL) AS bookings, \
         (SELECT CAST(COALESCE(SUM(p.amount - p.refunded), 0) AS BIGINT) FROM admin_payments p \
             WHERE p.user_id = u.id AND p.status = 'SUCCEEDED' AND p.currency = 'EUR') AS revenue \
         FROM users u"
    )
}

fn like_pattern(needle: &str) -> String {
    let escaped: String = needle
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("%{escaped}%")
}

/// Adds `value` to `args`; its placeholder.
fn bind(args: &mut Vec<Arg>, value: Arg) -> String {
    args.push(value);
    format!("${}", args.len())
}

/// The WHERE clause of `f` and its arguments, numbered from `$1`.
fn clause(f: &Filter) -> (String, Vec<Arg>) {
    let mut parts: Vec<String> = Vec::new();
    let mut args: Vec<Arg> = Vec::new();
    if let Some(search) = &f.search {
        let p = bind(&mut args, like_pattern(search).into_arg());
        parts.push(format!(
            "(LOWER(u.email) LIKE {p} ESCAPE '\\' OR LOWER(COALESCE(u.first_name, '')) LIKE {p} ESCAPE '\\' \
             OR LOWER(COALESCE(u.last_name, '')) LIKE {p} ESCAPE '\\' OR COALESCE(u.username_key, '') LIKE {p} ESCAPE '\\')"
        ));
    }
    match f.role {
        None => {}
        Some(RoleFilter::Travellers) => parts.push("u.role IN ('user', 'host')".into()),
        Some(RoleFilter::Nobody) => parts.push("1 = 0".into()),
        Some(RoleFilter::Exactly(role)) => {
            let p = bind(&mut args, role.as_str().into_arg());
            parts.push(format!("u.role = {p}"));
        }
    }
    match f.status {
        None => parts.push("u.status <> 'deleted'".into()),
        Some(StatusFilter::Suspended) => parts.push("u.status IN ('suspended', 'banned')".into()),
        Some(StatusFilter::Exactly(status)) => {
            let p = bind(&mut args, status.as_str().into_arg());
            parts.push(format!("u.status = {p}"));
        }
    }
    if let Some(from) = f.created_from {
        let p = bind(&mut args, from.into_arg());
        parts.push(format!("u.created_at >= {p}"));
    }
    if let Some(before) = f.created_before {
        let p = bind(&mut args, before.into_arg());
        parts.push(format!("u.created_at < {p}"));
    }
    if let Some(ids) = &f.ids {
        if ids.is_empty() {
            parts.push("1 = 0".into());
        } else {
            let list: Vec<String> = ids.iter().map(|id| bind(&mut args, (*id).into_arg())).collect();
            parts.push(format!("u.id IN ({})", list.join(", ")));
        }
    }
    (parts.join(" AND "), args)
}

/// A page of accounts sorted by `sort` (nulls last, then newest first), and the total.
pub async fn list(db: &Db, f: &Filter, sort: Sort, limit: u32, offset: u64) -> Result<(Vec<Listed>, i64), DbError> {
    let (clause, args) = clause(f);
    let mut count = query_dynamic(format!("SELECT COUNT(*) FROM users u WHERE {clause}"));
    for a in &args {
        count = count.bind(a.clone());
    }
    let (total,): (i64,) = count.fetch_one(db).await?;
    let direction = if sort.descending { "DESC" } else { "ASC" };
    let e = sort.expression;
    let n = args.len();
    let mut page = query_dynamic(format!(
        "{} WHERE {clause} ORDER BY ({e}) IS NULL, {e} {direction}, u.created_at DESC, u.id DESC \
         LIMIT ${} OFFSET ${}",
        select(),
        n + 1,
        n + 2
    ));
    for a in args {
        page = page.bind(a);
    }
    let users = page.bind(i64::from(limit)).bind(i64::try_from(offset).unwrap_or(i64::MAX)).fetch_all(db).await?;
    Ok((users, total))
}

/// Every account `f` keeps, newest first, at most `limit`.
pub async fn export(db: &Db, f: &Filter, limit: u32) -> Result<Vec<Listed>, DbError> {
    let newest = Sort { expression: "u.created_at", descending: true };
    Ok(list(db, f, newest, limit, 0).await?.0)
}

/// One account (erased ones too), with its counts.
pub async fn find(db: &Db, id: Uuid) -> Result<Option<Listed>, DbError> {
    query_dynamic(format!("{} WHERE u.id = $1", select())).bind(id).fetch_optional(db).await
}

/// What the detail screen adds to a listed account.
#[derive(Debug, Clone, Default)]
pub struct Details {
    pub date_of_birth: Option<NaiveDate>,
    pub nationality: Option<String>,
    pub onboarding_completed_at: Option<DateTime<Utc>>,
    pub history: i64,
}

pub async fn details(db: &Db, id: Uuid) -> Result<Details, DbError> {
    let (onboarding_completed_at, history): (Option<DateTime<Utc>>, i64) = query(
        "SELECT (SELECT o.completed_at FROM onboarding o WHERE o.user_id = $1), \
         (SELECT COUNT(*) FROM history h WHERE h.user_id = $1)",
    )
    .bind(id)
    .fetch_one(db)
    .await?;
    let profile: Option<(Option<NaiveDate>, Option<String>)> =
        query("SELECT date_of_birth, nationality FROM profiles WHERE user_id = $1").bind(id).fetch_optional(db).await?;
    let (date_of_birth, nationality) = profile.unwrap_or_default();
    Ok(Details { date_of_birth, nationality, onboarding_completed_at, history })
}

/// DreamScape's editable fields of an account.
pub struct AdminChange {
    pub verified_at: Option<Option<DateTime<Utc>>>,
    pub category: Option<&'static str>,
}

pub async fn apply_admin_change(tx: &mut Tx, id: Uuid, c: &AdminChange, now: DateTime<Utc>) -> Result<(), DbError> {
    if let Some(verified) = c.verified_at {
        query("UPDATE users SET email_verified_at = $1, updated_at = $2 WHERE id = $3")
            .bind(verified)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(category) = c.category {
        query("UPDATE users SET user_category = $1, updated_at = $2 WHERE id = $3")
            .bind(category)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Stamps when a suspension began (kept while it lasts, cleared when lifted).
pub async fn stamp_suspension(tx: &mut Tx, id: Uuid, at: Option<DateTime<Utc>>) -> Result<(), DbError> {
    query("UPDATE users SET suspended_at = $1 WHERE id = $2").bind(at).bind(id).execute(tx).await?;
    Ok(())
}
