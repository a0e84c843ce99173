//! The facts insights keeps (tables `insights_listings`, `insights_reservations`,
//! `insights_money`, `insights_users`, `insights_user_days`): what the other contexts' events
//! said, latest state first. SQL lives here; rollups and dashboards read these tables. What
//! only DreamScape's admin dashboard needs (bookings by reference) is in [`trips`].

pub mod trips;

use chrono::{DateTime, NaiveDate, Utc};
use platform::db::{DbError, FromRow, Row, Tx, query};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub id: Uuid,
    pub host_id: Uuid,
    pub kind: String,
    pub title: String,
    pub city: Option<String>,
    pub country: Option<String>,
    pub timezone: String,
    pub currency: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// Catalog's version of the listing: an older event never overwrites a newer one.
    pub version: i64,
}

impl FromRow for Listing {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Listing {
            id: row.get("id")?,
            host_id: row.get("host_id")?,
            kind: row.get("kind")?,
            title: row.get("title")?,
            city: row.get("city")?,
            country: row.get("country")?,
            timezone: row.get("timezone")?,
            currency: row.get("currency")?,
            status: row.get("status")?,
            created_at: row.get("created_at")?,
            published_at: row.get("published_at")?,
            deleted_at: row.get("deleted_at")?,
            version: row.get("version")?,
        })
    }
}

pub const LISTING_COLUMNS: &str = "id, host_id, kind, title, city, country, timezone, currency, status, created_at, published_at, deleted_at, version";

/// Records the listing unless a later version is known; whether it was recorded.
pub async fn upsert_listing(tx: &mut Tx, l: &Listing) -> Result<bool, DbError> {
    query(
        "INSERT INTO insights_listings (id, host_id, kind, title, city, country, timezone, currency, status, created_at, \
         published_at, deleted_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (id) DO UPDATE SET host_id = excluded.host_id, kind = excluded.kind, title = excluded.title, \
         city = excluded.city, country = excluded.country, timezone = excluded.timezone, currency = excluded.currency, \
         status = excluded.status, published_at = COALESCE(excluded.published_at, insights_listings.published_at), \
         deleted_at = COALESCE(insights_listings.deleted_at, excluded.deleted_at), version = excluded.version \
         WHERE insights_listings.version <= excluded.version OR excluded.deleted_at IS NOT NULL",
    )
    .bind(l.id)
    .bind(l.host_id)
    .bind(l.kind.as_str())
    .bind(l.title.as_str())
    .bind(l.city.clone())
    .bind(l.country.clone())
    .bind(l.timezone.as_str())
    .bind(l.currency.as_str())
    .bind(l.status.as_str())
    .bind(l.created_at)
    .bind(l.published_at)
    .bind(l.deleted_at)
    .bind(l.version)
    .execute(&mut *tx)
    .await
    .map(|n| n == 1)
}

pub async fn find_listing(tx: &mut Tx, id: Uuid) -> Result<Option<Listing>, DbError> {
    platform::db::query_dynamic(format!("SELECT {LISTING_COLUMNS} FROM insights_listings WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
}

/// A reservation as the latest `booking.*` event described it; amounts in minor units.
#[derive(Debug, Clone, PartialEq)]
pub struct Reservation {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub host_id: Option<Uuid>,
    pub guest_id: Option<Uuid>,
    pub kind: String,
    pub status: String,
    pub currency: String,
    pub timezone: String,
    pub destination: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub check_in: Option<NaiveDate>,
    pub check_out: Option<NaiveDate>,
    /// Nights of a stay; 1 for other kinds.
    pub nights: i64,
    pub quantity: i64,
    pub base: i64,
    pub guest_total: i64,
    pub guest_service_fee: i64,
    pub host_fee: i64,
    pub taxes: i64,
    pub host_payout: i64,
    pub platform_revenue: i64,
    pub paid: i64,
    pub refunded: i64,
    /// When it was made (booking's `createdAt`).
    pub booked_at: DateTime<Utc>,
    /// First seen confirmed (or completed).
    pub confirmed_at: Option<DateTime<Utc>>,
    /// First seen cancelled, declined or expired.
    pub cancelled_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

pub const RESERVATION_COLUMNS: &str = "id, listing_id, host_id, guest_id, kind, status, currency, timezone, destination, \
     starts_at, ends_at, check_in, check_out, nights, quantity, base, guest_total, guest_service_fee, host_fee, taxes, \
     host_payout, platform_revenue, paid, refunded, booked_at, confirmed_at, cancelled_at, updated_at";

impl FromRow for Reservation {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Reservation {
            id: row.get("id")?,
            listing_id: row.get("listing_id")?,
            host_id: row.get("host_id")?,
            guest_id: row.get("guest_id")?,
            kind: row.get("kind")?,
            status: row.get("status")?,
            currency: row.get("currency")?,
            timezone: row.get("timezone")?,
            destination: row.get("destination")?,
            starts_at: row.get("starts_at")?,
            ends_at: row.get("ends_at")?,
            check_in: row.get("check_in")?,
            check_out: row.get("check_out")?,
            nights: row.get("nights")?,
            quantity: row.get("quantity")?,
            base: row.get("base")?,
            guest_total: row.get("guest_total")?,
            guest_service_fee: row.get("guest_service_fee")?,
            host_fee: row.get("host_fee")?,
            taxes: row.get("taxes")?,
            host_payout: row.get("host_payout")?,
            platform_revenue: row.get("platform_revenue")?,
            paid: row.get("paid")?,
            refunded: row.get("refunded")?,
            booked_at: row.get("booked_at")?,
            confirmed_at: row.get("confirmed_at")?,
            cancelled_at: row.get("cancelled_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

const UPSERT_RESERVATION: &str = "INSERT INTO insights_reservations (id, listing_id, host_id, guest_id, kind, status, currency, timezone, \
         destination, starts_at, ends_at, check_in, check_out, nights, quantity, base, guest_total, guest_service_fee, \
         host_fee, taxes, host_payout, platform_revenue, paid, refunded, booked_at, confirmed_at, cancelled_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, \
         $23, $24, $25, $26, $27, $28) \
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, host_id = COALESCE(excluded.host_id, insights_reservations.host_id), \
         guest_id = COALESCE(excluded.guest_id, insights_reservations.guest_id), \
         destination = COALESCE(excluded.destination, insights_reservations.destination), \
         starts_at = excluded.starts_at, ends_at = excluded.ends_at, check_in = excluded.check_in, \
         check_out = excluded.check_out, nights = excluded.nights, quantity = excluded.quantity, base = excluded.base, \
         guest_total = excluded.guest_total, guest_service_fee = excluded.guest_service_fee, host_fee = excluded.host_fee, \
         taxes = excluded.taxes, host_payout = excluded.host_payout, platform_revenue = excluded.platform_revenue, \
         paid = excluded.paid, refunded = excluded.refunded, \
         confirmed_at = COALESCE(insights_reservations.confirmed_at, excluded.confirmed_at), \
         cancelled_at = COALESCE(insights_reservations.cancelled_at, excluded.cancelled_at), \
         updated_at = excluded.updated_at \
         WHERE insights_reservations.updated_at <= excluded.updated_at";

/// Records the reservation unless a later state of it is already known; the first
/// confirmation and the first cancellation instants stay. The row as stored when it was
/// recorded (one statement: the write and the read of what it kept), `None` when not.
pub async fn upsert_reservation(tx: &mut Tx, r: &Reservation) -> Result<Option<Reservation>, DbError> {
    static SQL: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("{UPSERT_RESERVATION} RETURNING {RESERVATION_COLUMNS}"));
    query(SQL.as_str())
        .bind(r.id)
        .bind(r.listing_id)
        .bind(r.host_id)
        .bind(r.guest_id)
        .bind(r.kind.as_str())
        .bind(r.status.as_str())
        .bind(r.currency.as_str())
        .bind(r.timezone.as_str())
        .bind(r.destination.clone())
        .bind(r.starts_at)
        .bind(r.ends_at)
        .bind(r.check_in)
        .bind(r.check_out)
        .bind(r.nights)
        .bind(r.quantity)
        .bind(r.base)
        .bind(r.guest_total)
        .bind(r.guest_service_fee)
        .bind(r.host_fee)
        .bind(r.taxes)
        .bind(r.host_payout)
        .bind(r.platform_revenue)
        .bind(r.paid)
        .bind(r.refunded)
        .bind(r.booked_at)
        .bind(r.confirmed_at)
        .bind(r.cancelled_at)
        .bind(r.updated_at)
        .fetch_optional(&mut *tx)
        .await
}

pub async fn find_reservation(tx: &mut Tx, id: Uuid) -> Result<Option<Reservation>, DbError> {
    platform::db::query_dynamic(format!("SELECT {RESERVATION_COLUMNS} FROM insights_reservations WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
}

/// One money movement (see the migration for the kinds).
#[derive(Debug, Clone, PartialEq)]
pub struct Movement {
    pub id: String,
    pub kind: String,
    pub at: DateTime<Utc>,
    pub reservation_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub host_id: Option<Uuid>,
    pub amount: i64,
    pub host_amount: Option<i64>,
    pub currency: String,
    pub reference: Option<String>,
    pub method: Option<String>,
    pub status: Option<String>,
}

pub const MOVEMENT_COLUMNS: &str =
    "id, kind, at, reservation_id, user_id, host_id, amount, host_amount, currency, reference, method, status";

impl FromRow for Movement {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Movement {
            id: row.get("id")?,
            kind: row.get("kind")?,
            at: row.get("at")?,
            reservation_id: row.get("reservation_id")?,
            user_id: row.get("user_id")?,
            host_id: row.get("host_id")?,
            amount: row.get("amount")?,
            host_amount: row.get("host_amount")?,
            currency: row.get("currency")?,
            reference: row.get("reference")?,
            method: row.get("method")?,
            status: row.get("status")?,
        })
    }
}

/// Records a movement once (its id is the source's). A movement's host is the reservation's
/// when the event does not name one. The movement as stored, or `None` when it was already.
pub async fn record_movement(tx: &mut Tx, m: &Movement) -> Result<Option<Movement>, DbError> {
    platform::db::query_dynamic(format!(
        "INSERT INTO insights_money (id, kind, at, reservation_id, user_id, host_id, amount, host_amount, currency, \
         reference, method, status) VALUES ($1, $2, $3, $4, $5, \
         COALESCE($6, (SELECT host_id FROM insights_reservations WHERE id = $4)), $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (id) DO NOTHING RETURNING {MOVEMENT_COLUMNS}",
    ))
    .bind(m.id.as_str())
    .bind(m.kind.as_str())
    .bind(m.at)
    .bind(m.reservation_id)
    .bind(m.user_id)
    .bind(m.host_id)
    .bind(m.amount)
    .bind(m.host_amount)
    .bind(m.currency.as_str())
    .bind(m.reference.clone())
    .bind(m.method.clone())
    .bind(m.status.clone())
    .fetch_optional(&mut *tx)
    .await
}

/// A user as `user.created` describes them.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: Uuid,
    pub role: String,
    pub status: String,
    pub verified: bool,
    pub created_at: DateTime<Utc>,
}

pub async fn create_user(tx: &mut Tx, u: &User) -> Result<(), DbError> {
    query(
        "INSERT INTO insights_users (id, role, status, verified, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(u.id)
    .bind(u.role.as_str())
    .bind(u.status.as_str())
    .bind(u.verified)
    .bind(u.created_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// What a later `user.*` event changes.
#[derive(Debug, Clone, PartialEq)]
pub enum UserChange {
    Verified,
    Role(String),
    Status(String),
    Deleted(DateTime<Utc>),
}

pub async fn set_user(tx: &mut Tx, user: Uuid, change: UserChange) -> Result<(), DbError> {
    let q = match &change {
        UserChange::Verified => query("UPDATE insights_users SET verified = TRUE WHERE id = $1").bind(user),
        UserChange::Role(role) => {
            query("UPDATE insights_users SET role = $2 WHERE id = $1").bind(user).bind(role.as_str())
        }
        UserChange::Status(s) => {
            query("UPDATE insights_users SET status = $2 WHERE id = $1").bind(user).bind(s.as_str())
        }
        UserChange::Deleted(at) => {
            // Erasure: the user's activity days go; the account stays counted as a number.
            query("DELETE FROM insights_user_days WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
            query("UPDATE insights_users SET deleted_at = COALESCE(deleted_at, $2), status = 'deleted' WHERE id = $1")
                .bind(user)
                .bind(*at)
        }
    };
    q.execute(&mut *tx).await?;
    Ok(())
}

/// Marks `user` active on the UTC day of `at`; whether that is new.
pub async fn active(tx: &mut Tx, user: Uuid, at: DateTime<Utc>) -> Result<bool, DbError> {
    query("INSERT INTO insights_user_days (day, user_id) VALUES ($1, $2) ON CONFLICT (day, user_id) DO NOTHING")
        .bind(at.date_naive())
        .bind(user)
        .execute(&mut *tx)
        .await
        .map(|n| n == 1)
}
