use chrono::{DateTime, Utc};
use platform::auth::Role;
use platform::db::{Db, DbError, FromRow, Row, Tx, query};
use uuid::Uuid;

use crate::domain::user::{Status, User};
use crate::store::profiles::Profile;

const COLUMNS: &str = "id, email, password_hash, first_name, last_name, username, phone_number, role, status, \
     status_reason, suspended_until, email_verified_at, phone_verified_at, onboarding_completed, mfa_secret, \
     mfa_pending_secret, user_category, created_at, updated_at";

impl FromRow for User {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let role: String = row.get("role")?;
        let status: String = row.get("status")?;
        Ok(User {
            id: row.get("id")?,
            email: row.get("email")?,
            password_hash: row.get("password_hash")?,
            first_name: row.get("first_name")?,
            last_name: row.get("last_name")?,
            username: row.get("username")?,
            phone_number: row.get("phone_number")?,
            role: Role::parse(&role)
                .ok_or_else(|| DbError::Decode { column: "role".into(), message: format!("unknown role {role}") })?,
            status: Status::parse(&status).ok_or_else(|| DbError::Decode {
                column: "status".into(),
                message: format!("unknown status {status}"),
            })?,
            status_reason: row.get("status_reason")?,
            suspended_until: row.get("suspended_until")?,
            email_verified_at: row.get("email_verified_at")?,
            phone_verified_at: row.get("phone_verified_at")?,
            onboarding_completed: row.get("onboarding_completed")?,
            user_category: row.get("user_category")?,
            mfa_secret: row.get("mfa_secret")?,
            mfa_pending_secret: row.get("mfa_pending_secret")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

pub struct NewUser<'a> {
    pub id: Uuid,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub username: Option<(String, String)>,
    pub role: Role,
    pub now: DateTime<Utc>,
}

pub async fn insert(tx: &mut Tx, u: NewUser<'_>) -> Result<(), DbError> {
    let (username, username_key) = u.username.map_or((None, None), |(n, k)| (Some(n), Some(k)));
    query(
        "INSERT INTO users (id, email, password_hash, first_name, last_name, username, username_key, role, status, \
         onboarding_completed, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9, $10, $10)",
    )
    .bind(u.id)
    .bind(u.email)
    .bind(u.password_hash)
    .bind(u.first_name)
    .bind(u.last_name)
    .bind(username)
    .bind(username_key)
    .bind(u.role.as_str())
    .bind(false)
    .bind(u.now)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn find(db: &Db, id: Uuid) -> Result<Option<User>, DbError> {
    query_by("id", id).fetch_optional(db).await
}

/// The account `id` with its profile (default when it has none) and, while the account counts
/// onboarding as completed, when that was: one read, where `/auth/profile` made three.
pub async fn find_with_facts(db: &Db, id: Uuid) -> Result<Option<(User, Profile, Option<DateTime<Utc>>)>, DbError> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let qualified = |table: &str, columns: &str| {
            columns.split(',').map(|c| format!("{table}.{}", c.trim())).collect::<Vec<_>>().join(", ")
        };
        format!(
            "SELECT {}, {}, p.created_at AS profile_created_at, o.completed_at AS onboarding_completed_at \
             FROM users u LEFT JOIN profiles p ON p.user_id = u.id \
             LEFT JOIN onboarding o ON u.onboarding_completed AND o.user_id = u.id WHERE u.id = $1",
            qualified("u", COLUMNS),
            qualified("p", super::profiles::COLUMNS_BUT_CREATED),
        )
    });
    struct Joined(User, Profile, Option<DateTime<Utc>>);
    impl FromRow for Joined {
        fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
            Ok(Joined(
                User::from_row(row)?,
                Profile::decode(row, "profile_created_at")?,
                row.get("onboarding_completed_at")?,
            ))
        }
    }
    let found: Option<Joined> = query(SQL.as_str()).bind(id).fetch_optional(db).await?;
    Ok(found.map(|Joined(u, p, o)| (u, p, o)))
}

pub async fn find_tx(tx: &mut Tx, id: Uuid) -> Result<Option<User>, DbError> {
    query_by("id", id).fetch_optional(tx).await
}

pub async fn find_by_email(db: &Db, email: &str) -> Result<Option<User>, DbError> {
    query_dynamic_by("email").bind(email).fetch_optional(db).await
}

fn query_by(column: &'static str, id: Uuid) -> platform::db::Query {
    query_dynamic_by(column).bind(id)
}

fn query_dynamic_by(column: &'static str) -> platform::db::Query {
    platform::db::query_dynamic(format!("SELECT {COLUMNS} FROM users WHERE {column} = $1"))
}

pub struct ProfileChange {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub username: Option<(String, String)>,
    pub phone_number: Option<String>,
}

/// Applies the fields that are `Some`; a changed email is unverified again, and so is a phone
/// number given anew (the caller leaves out a number that is the verified one).
pub async fn update_profile(tx: &mut Tx, id: Uuid, c: ProfileChange, now: DateTime<Utc>) -> Result<(), DbError> {
    let (username, username_key) = c.username.map_or((None, None), |(n, k)| (Some(n), Some(k)));
    query(
        "UPDATE users SET \
         email_verified_at = CASE WHEN $1 IS NOT NULL AND $1 <> email THEN NULL ELSE email_verified_at END, \
         phone_verified_at = CASE WHEN $6 IS NOT NULL THEN NULL ELSE phone_verified_at END, \
         email = COALESCE($1, email), first_name = COALESCE($2, first_name), last_name = COALESCE($3, last_name), \
         username = COALESCE($4, username), username_key = COALESCE($5, username_key), \
         phone_number = COALESCE($6, phone_number), updated_at = $7 WHERE id = $8",
    )
    .bind(c.email)
    .bind(c.first_name)
    .bind(c.last_name)
    .bind(username)
    .bind(username_key)
    .bind(c.phone_number)
    .bind(now)
    .bind(id)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn set_password_hash(tx: &mut Tx, id: Uuid, hash: &str, now: DateTime<Utc>) -> Result<(), DbError> {
    query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now)
        .bind(id)
        .execute(tx)
        .await?;
    Ok(())
}

/// Replaces a hash only if it is still the one that was verified (a concurrent password
/// change wins over a login's transparent re-hash).
pub async fn upgrade_password_hash(tx: &mut Tx, id: Uuid, old: &str, new: &str) -> Result<(), DbError> {
    query("UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3")
        .bind(new)
        .bind(id)
        .bind(old)
        .execute(tx)
        .await?;
    Ok(())
}

pub async fn set_status(
    tx: &mut Tx,
    id: Uuid,
    status: Status,
    reason: Option<&str>,
    until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<u64, DbError> {
    query("UPDATE users SET status = $1, status_reason = $2, suspended_until = $3, updated_at = $4 WHERE id = $5")
        .bind(status.as_str())
        .bind(reason)
        .bind(until)
        .bind(now)
        .bind(id)
        .execute(tx)
        .await
}

/// Lifts a suspension whose end has passed; true when this call lifted it.
pub async fn lift_expired_suspension(tx: &mut Tx, id: Uuid, now: DateTime<Utc>) -> Result<bool, DbError> {
    let n = query(
        "UPDATE users SET status = 'active', status_reason = NULL, suspended_until = NULL, updated_at = $1 \
         WHERE id = $2 AND status = 'suspended' AND suspended_until IS NOT NULL AND suspended_until <= $1",
    )
    .bind(now)
    .bind(id)
    .execute(tx)
    .await?;
    Ok(n == 1)
}

pub async fn set_role(tx: &mut Tx, id: Uuid, role: Role, now: DateTime<Utc>) -> Result<u64, DbError> {
    query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
        .bind(role.as_str())
        .bind(now)
        .bind(id)
        .execute(tx)
        .await
}

/// Sets the account's phone number to `phone` (E.164), verified now.
pub async fn set_verified_phone(tx: &mut Tx, id: Uuid, phone: &str, now: DateTime<Utc>) -> Result<(), DbError> {
    query("UPDATE users SET phone_number = $1, phone_verified_at = $2, updated_at = $2 WHERE id = $3")
        .bind(phone)
        .bind(now)
        .bind(id)
        .execute(tx)
        .await?;
    Ok(())
}

/// Marks the address verified if it is still `email` (the link was for that address).
pub async fn mark_verified(tx: &mut Tx, id: Uuid, email: &str, now: DateTime<Utc>) -> Result<u64, DbError> {
    query("UPDATE users SET email_verified_at = $1, updated_at = $1 WHERE id = $2 AND email = $3 AND email_verified_at IS NULL")
        .bind(now)
        .bind(id)
        .bind(email)
        .execute(tx)
        .await
}

pub async fn set_pending_mfa(db: &Db, id: Uuid, secret: &str, now: DateTime<Utc>) -> Result<(), DbError> {
    let mut tx = db.begin().await?;
    query("UPDATE users SET mfa_pending_secret = $1, updated_at = $2 WHERE id = $3")
        .bind(secret)
        .bind(now)
        .bind(id)
        .execute(&mut tx)
        .await?;
    tx.commit().await
}

/// Moves the pending secret to the active one, if it is still the one the code was checked against.
pub async fn enable_mfa(tx: &mut Tx, id: Uuid, secret: &str, now: DateTime<Utc>) -> Result<u64, DbError> {
    query(
        "UPDATE users SET mfa_secret = $1, mfa_pending_secret = NULL, mfa_enabled_at = $2, updated_at = $2 \
         WHERE id = $3 AND mfa_pending_secret = $1 AND mfa_secret IS NULL",
    )
    .bind(secret)
    .bind(now)
    .bind(id)
    .execute(tx)
    .await
}

/// Records `step` as used; false when it (or a later one) was already used — a replay.
pub async fn use_totp_step(tx: &mut Tx, id: Uuid, step: i64) -> Result<bool, DbError> {
    let n =
        query("UPDATE users SET mfa_last_step = $1 WHERE id = $2 AND (mfa_last_step IS NULL OR mfa_last_step < $1)")
            .bind(step)
            .bind(id)
            .execute(tx)
            .await?;
    Ok(n == 1)
}

pub async fn disable_mfa(tx: &mut Tx, id: Uuid, now: DateTime<Utc>) -> Result<(), DbError> {
    query("UPDATE users SET mfa_secret = NULL, mfa_pending_secret = NULL, mfa_enabled_at = NULL, mfa_last_step = NULL, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(tx)
        .await?;
    Ok(())
}

/// Sets the traveller category (`leisure` or `business`).
pub async fn set_category(tx: &mut Tx, id: Uuid, category: &str, now: DateTime<Utc>) -> Result<(), DbError> {
    query("UPDATE users SET user_category = $1, updated_at = $2 WHERE id = $3")
        .bind(category)
        .bind(now)
        .bind(id)
        .execute(tx)
        .await?;
    Ok(())
}
