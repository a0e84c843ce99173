//! Coupons and their redemptions. A use is counted by a conditional UPDATE that also locks
//! the coupon row for the rest of the transaction, so the per-user count read after it is
//! exact on PostgreSQL too.

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, Executor, FromRow, Json, Row, Tx, query};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct Coupon {
    pub id: Uuid,
    /// Upper case, unique.
    pub code: String,
    /// `None`: a platform coupon (made by an administrator), valid on every listing.
    pub owner_id: Option<Uuid>,
    /// Empty: every listing of the owner.
    pub listing_ids: Vec<Uuid>,
    /// `percent` (value in basis points) or `fixed` (value in minor units of `currency`).
    pub discount_kind: String,
    pub discount_value: i64,
    pub currency: Option<String>,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub min_nights: Option<i64>,
    pub max_uses: Option<i64>,
    pub max_uses_per_user: Option<i64>,
    pub uses: i64,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl FromRow for Coupon {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let Json(listing_ids): Json<Vec<Uuid>> = row.get("listing_ids")?;
        Ok(Coupon {
            id: row.get("id")?,
            code: row.get("code")?,
            owner_id: row.get("owner_id")?,
            listing_ids,
            discount_kind: row.get("discount_kind")?,
            discount_value: row.get("discount_value")?,
            currency: row.get("currency")?,
            valid_from: row.get("valid_from")?,
            valid_until: row.get("valid_until")?,
            min_nights: row.get("min_nights")?,
            max_uses: row.get("max_uses")?,
            max_uses_per_user: row.get("max_uses_per_user")?,
            uses: row.get("uses")?,
            active: row.get("active")?,
            created_at: row.get("created_at")?,
        })
    }
}

const SELECT: &str = "SELECT id, code, owner_id, listing_ids, discount_kind, discount_value, currency, valid_from, \
     valid_until, min_nights, max_uses, max_uses_per_user, uses, active, created_at FROM coupons";

pub async fn insert(tx: &mut Tx, c: &Coupon) -> Result<(), DbError> {
    query(
        "INSERT INTO coupons (id, code, owner_id, listing_ids, discount_kind, discount_value, currency, valid_from, \
         valid_until, min_nights, max_uses, max_uses_per_user, uses, active, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(c.id)
    .bind(c.code.as_str())
    .bind(c.owner_id)
    .bind_json(&c.listing_ids)?
    .bind(c.discount_kind.as_str())
    .bind(c.discount_value)
    .bind(c.currency.clone())
    .bind(c.valid_from)
    .bind(c.valid_until)
    .bind(c.min_nights)
    .bind(c.max_uses)
    .bind(c.max_uses_per_user)
    .bind(c.uses)
    .bind(c.active)
    .bind(c.created_at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn by_code<'c>(on: impl Executor<'c>, code: &str) -> Result<Option<Coupon>, DbError> {
    platform::db::query_dynamic(format!("{SELECT} WHERE code = $1")).bind(code).fetch_optional(on).await
}

pub async fn by_id<'c>(on: impl Executor<'c>, id: Uuid) -> Result<Option<Coupon>, DbError> {
    platform::db::query_dynamic(format!("{SELECT} WHERE id = $1")).bind(id).fetch_optional(on).await
}

/// Coupons of an owner, or the platform's (`owner` `None`), newest first.
pub async fn of_owner(db: &Db, owner: Option<Uuid>, limit: i64, offset: i64) -> Result<Vec<Coupon>, DbError> {
    let sql = match owner {
        Some(_) => format!("{SELECT} WHERE owner_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"),
        None => format!(
            "{SELECT} WHERE owner_id IS NULL AND $1 IS NULL ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
        ),
    };
    platform::db::query_dynamic(sql).bind(owner).bind(limit).bind(offset).fetch_all(db).await
}

pub async fn deactivate(tx: &mut Tx, id: Uuid) -> Result<u64, DbError> {
    query("UPDATE coupons SET active = FALSE WHERE id = $1").bind(id).execute(tx).await
}

/// Counts one use if the coupon is active and has uses left.
pub async fn take_use(tx: &mut Tx, id: Uuid) -> Result<bool, DbError> {
    let changed =
        query("UPDATE coupons SET uses = uses + 1 WHERE id = $1 AND active AND (max_uses IS NULL OR uses < max_uses)")
            .bind(id)
            .execute(tx)
            .await?;
    Ok(changed == 1)
}

/// Redemptions of a coupon by one user.
pub async fn uses_by<'c>(on: impl Executor<'c>, coupon: Uuid, user: Uuid) -> Result<i64, DbError> {
    let (n,): (i64,) =
        query("SELECT CAST(COUNT(*) AS BIGINT) FROM coupon_redemptions WHERE coupon_id = $1 AND user_id = $2")
            .bind(coupon)
            .bind(user)
            .fetch_one(on)
            .await?;
    Ok(n)
}

pub async fn redeem(
    tx: &mut Tx,
    coupon: Uuid,
    reservation: Uuid,
    user: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    query("INSERT INTO coupon_redemptions (reservation_id, coupon_id, user_id, created_at) VALUES ($1, $2, $3, $4)")
        .bind(reservation)
        .bind(coupon)
        .bind(user)
        .bind(now)
        .execute(tx)
        .await?;
    Ok(())
}

/// Gives a reservation's use back (it ended without being used).
pub async fn release(tx: &mut Tx, reservation: Uuid) -> Result<(), DbError> {
    let gone: Option<(Uuid,)> = query("DELETE FROM coupon_redemptions WHERE reservation_id = $1 RETURNING coupon_id")
        .bind(reservation)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some((coupon,)) = gone {
        query("UPDATE coupons SET uses = uses - 1 WHERE id = $1 AND uses > 0").bind(coupon).execute(tx).await?;
    }
    Ok(())
}
