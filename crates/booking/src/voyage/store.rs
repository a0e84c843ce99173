//! The voyage tables: carts, trips (checked-out carts, by DS- reference) and their items.

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, Executor, FromRow, Json, Row, Tx, query};
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct CartItem {
    pub id: Uuid,
    pub user_id: Uuid,
    pub item_type: String,
    pub item_data: Value,
    pub title: String,
    pub quantity: i64,
    /// Minor units, as the server priced it.
    pub unit_price: i64,
    pub total: i64,
    pub currency: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl FromRow for CartItem {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let Json(item_data): Json<Value> = row.get("item_data")?;
        Ok(CartItem {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            item_type: row.get("item_type")?,
            item_data,
            title: row.get("title")?,
            quantity: row.get("quantity")?,
            unit_price: row.get("unit_price")?,
            total: row.get("total")?,
            currency: row.get("currency")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

const ITEM_COLUMNS: &str =
    "id, user_id, item_type, item_data, title, quantity, unit_price, total, currency, created_at, updated_at";

pub async fn items(db: &Db, user: Uuid) -> Result<Vec<CartItem>, DbError> {
    platform::db::query_dynamic(format!(
        "SELECT {ITEM_COLUMNS} FROM cart_items WHERE user_id = $1 ORDER BY created_at, id"
    ))
    .bind(user)
    .fetch_all(db)
    .await
}

/// When the cart last changed.
pub async fn touched<'c>(on: impl Executor<'c>, user: Uuid) -> Result<Option<DateTime<Utc>>, DbError> {
    let row: Option<(DateTime<Utc>,)> =
        query("SELECT updated_at FROM carts WHERE user_id = $1").bind(user).fetch_optional(on).await?;
    Ok(row.map(|(at,)| at))
}

pub async fn touch(tx: &mut Tx, user: Uuid, now: DateTime<Utc>) -> Result<(), DbError> {
    query("INSERT INTO carts (user_id, updated_at) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET updated_at = excluded.updated_at")
        .bind(user)
        .bind(now)
        .execute(tx)
        .await?;
    Ok(())
}

pub async fn insert_item(tx: &mut Tx, i: &CartItem) -> Result<(), DbError> {
    query(
        "INSERT INTO cart_items (id, user_id, item_type, item_data, title, quantity, unit_price, total, currency, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(i.id)
    .bind(i.user_id)
    .bind(i.item_type.as_str())
    .bind(i.item_data.clone())
    .bind(i.title.as_str())
    .bind(i.quantity)
    .bind(i.unit_price)
    .bind(i.total)
    .bind(i.currency.as_str())
    .bind(i.created_at)
    .bind(i.updated_at)
    .execute(tx)
    .await?;
    Ok(())
}

/// Updates an item's quantity, data and price; `false` if it is gone.
pub async fn update_item(tx: &mut Tx, i: &CartItem) -> Result<bool, DbError> {
    let n = query(
        "UPDATE cart_items SET item_data = $3, quantity = $4, unit_price = $5, total = $6, currency = $7, title = $8, \
         updated_at = $9 WHERE id = $1 AND user_id = $2",
    )
    .bind(i.id)
    .bind(i.user_id)
    .bind(i.item_data.clone())
    .bind(i.quantity)
    .bind(i.unit_price)
    .bind(i.total)
    .bind(i.currency.as_str())
    .bind(i.title.as_str())
    .bind(i.updated_at)
    .execute(tx)
    .await?;
    Ok(n == 1)
}

pub async fn delete_item(tx: &mut Tx, user: Uuid, item: Uuid) -> Result<bool, DbError> {
    let n = query("DELETE FROM cart_items WHERE id = $1 AND user_id = $2").bind(item).bind(user).execute(tx).await?;
    Ok(n == 1)
}

pub async fn clear(tx: &mut Tx, user: Uuid) -> Result<u64, DbError> {
    query("DELETE FROM cart_items WHERE user_id = $1").bind(user).execute(tx).await
}

/// Empties carts idle since before `cutoff`; returns how many items went.
pub async fn expire(db: &Db, cutoff: DateTime<Utc>) -> Result<u64, DbError> {
    let mut tx = db.begin().await?;
    let n = query("DELETE FROM cart_items WHERE user_id IN (SELECT user_id FROM carts WHERE updated_at < $1)")
        .bind(cutoff)
        .execute(&mut tx)
        .await?;
    query("DELETE FROM carts WHERE updated_at < $1").bind(cutoff).execute(&mut tx).await?;
    tx.commit().await?;
    Ok(n)
}

#[derive(Debug, Clone)]
pub struct Trip {
    pub id: Uuid,
    pub reference: String,
    pub user_id: Uuid,
    pub status: String,
    pub currency: String,
    pub total: i64,
    pub supplier_amount: i64,
    pub paid: i64,
    pub refunded: i64,
    pub payment_intent_id: Option<String>,
    pub contact_email: Option<String>,
    pub passengers: Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When its payment arrived (DreamScape's `confirmedAt`).
    pub confirmed_at: Option<DateTime<Utc>>,
    /// Administrators' area: `adminNotes`, `cancellationReason`, `cancelledAt`, `extra`.
    /// Written only by [`set_admin_data`], never by the booking's own transitions.
    pub admin_data: Value,
}

impl FromRow for Trip {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let Json(passengers): Json<Value> = row.get("passengers")?;
        let Json(admin_data): Json<Value> = row.get("admin_data")?;
        Ok(Trip {
            id: row.get("id")?,
            reference: row.get("reference")?,
            user_id: row.get("user_id")?,
            status: row.get("status")?,
            currency: row.get("currency")?,
            total: row.get("total")?,
            supplier_amount: row.get("supplier_amount")?,
            paid: row.get("paid")?,
            refunded: row.get("refunded")?,
            payment_intent_id: row.get("payment_intent_id")?,
            contact_email: row.get("contact_email")?,
            passengers,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
            confirmed_at: row.get("confirmed_at")?,
            admin_data,
        })
    }
}

pub(crate) const TRIP_COLUMNS: &str = "id, reference, user_id, status, currency, total, supplier_amount, paid, \
     refunded, payment_intent_id, contact_email, passengers, created_at, updated_at, confirmed_at, admin_data";

pub async fn insert_trip(tx: &mut Tx, t: &Trip) -> Result<(), DbError> {
    query(
        "INSERT INTO trips (id, reference, user_id, status, currency, total, supplier_amount, paid, refunded, \
         payment_intent_id, contact_email, passengers, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(t.id)
    .bind(t.reference.as_str())
    .bind(t.user_id)
    .bind(t.status.as_str())
    .bind(t.currency.as_str())
    .bind(t.total)
    .bind(t.supplier_amount)
    .bind(t.paid)
    .bind(t.refunded)
    .bind(t.payment_intent_id.clone())
    .bind(t.contact_email.clone())
    .bind(t.passengers.clone())
    .bind(t.created_at)
    .bind(t.updated_at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn trip_by_reference<'c>(on: impl Executor<'c>, reference: &str) -> Result<Option<Trip>, DbError> {
    platform::db::query_dynamic(format!("SELECT {TRIP_COLUMNS} FROM trips WHERE reference = $1"))
        .bind(reference)
        .fetch_optional(on)
        .await
}

pub async fn trip<'c>(on: impl Executor<'c>, id: Uuid) -> Result<Option<Trip>, DbError> {
    platform::db::query_dynamic(format!("SELECT {TRIP_COLUMNS} FROM trips WHERE id = $1"))
        .bind(id)
        .fetch_optional(on)
        .await
}

/// A user's trips, newest first, and how many there are.
pub async fn trips_of(db: &Db, user: Uuid, limit: i64, offset: i64) -> Result<(Vec<Trip>, i64), DbError> {
    let rows = platform::db::query_dynamic(format!(
        "SELECT {TRIP_COLUMNS} FROM trips WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(user)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await?;
    let (total,): (i64,) =
        query("SELECT CAST(COUNT(*) AS BIGINT) FROM trips WHERE user_id = $1").bind(user).fetch_one(db).await?;
    Ok((rows, total))
}

/// Moves a trip from `expected` to `t`'s status, amounts and payment; `false` if another
/// change won.
pub async fn update_trip(tx: &mut Tx, t: &Trip, expected: &str) -> Result<bool, DbError> {
    let n = query(
        "UPDATE trips SET status = $2, paid = $3, refunded = $4, payment_intent_id = $5, updated_at = $6, \
         confirmed_at = $8 WHERE id = $1 AND status = $7",
    )
    .bind(t.id)
    .bind(t.status.as_str())
    .bind(t.paid)
    .bind(t.refunded)
    .bind(t.payment_intent_id.clone())
    .bind(t.updated_at)
    .bind(expected)
    .bind(t.confirmed_at)
    .execute(tx)
    .await?;
    Ok(n == 1)
}

#[derive(Debug, Clone)]
pub struct TripItem {
    pub id: Uuid,
    pub trip_id: Uuid,
    pub position: i64,
    pub item_type: String,
    pub title: String,
    pub quantity: i64,
    pub amount: i64,
    pub reservation_id: Option<Uuid>,
    /// The supplier's offer as priced at checkout.
    pub offer: Option<Value>,
    /// Supplier items: `pending` (to book once paid), `booked`, `failed`, `cancelled`. Our
    /// reservations: `reservation` (their own status is the reservation's).
    pub status: String,
    pub supplier_ref: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl FromRow for TripItem {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let offer: Option<Json<Value>> = row.get("offer")?;
        Ok(TripItem {
            id: row.get("id")?,
            trip_id: row.get("trip_id")?,
            position: row.get("position")?,
            item_type: row.get("item_type")?,
            title: row.get("title")?,
            quantity: row.get("quantity")?,
            amount: row.get("amount")?,
            reservation_id: row.get("reservation_id")?,
            offer: offer.map(|Json(v)| v),
            status: row.get("status")?,
            supplier_ref: row.get("supplier_ref")?,
            created_at: row.get("created_at")?,
        })
    }
}

pub async fn insert_trip_item(tx: &mut Tx, i: &TripItem) -> Result<(), DbError> {
    query(
        "INSERT INTO trip_items (id, trip_id, position, item_type, title, quantity, amount, reservation_id, offer, \
         status, supplier_ref, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(i.id)
    .bind(i.trip_id)
    .bind(i.position)
    .bind(i.item_type.as_str())
    .bind(i.title.as_str())
    .bind(i.quantity)
    .bind(i.amount)
    .bind(i.reservation_id)
    .bind(i.offer.clone())
    .bind(i.status.as_str())
    .bind(i.supplier_ref.clone())
    .bind(i.created_at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn trip_items<'c>(on: impl Executor<'c>, trip: Uuid) -> Result<Vec<TripItem>, DbError> {
    query(
        "SELECT id, trip_id, position, item_type, title, quantity, amount, reservation_id, offer, status, supplier_ref, \
         created_at FROM trip_items WHERE trip_id = $1 ORDER BY position",
    )
    .bind(trip)
    .fetch_all(on)
    .await
}

/// The trip a reservation was checked out in, if any.
pub async fn trip_of_reservation<'c>(on: impl Executor<'c>, reservation: Uuid) -> Result<Option<Uuid>, DbError> {
    let row: Option<(Uuid,)> =
        query("SELECT trip_id FROM trip_items WHERE reservation_id = $1").bind(reservation).fetch_optional(on).await?;
    Ok(row.map(|(id,)| id))
}

/// Moves a supplier item from `expected` to `status` (with the supplier's reference).
pub async fn set_item_status(
    tx: &mut Tx,
    item: Uuid,
    expected: &str,
    status: &str,
    supplier_ref: Option<&str>,
) -> Result<bool, DbError> {
    let n = query(
        "UPDATE trip_items SET status = $3, supplier_ref = COALESCE($4, supplier_ref) WHERE id = $1 AND status = $2",
    )
    .bind(item)
    .bind(expected)
    .bind(status)
    .bind(supplier_ref)
    .execute(tx)
    .await?;
    Ok(n == 1)
}

pub async fn save_key(
    tx: &mut Tx,
    user: Uuid,
    key: &str,
    fingerprint: &str,
    trip: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let n = query(
        "INSERT INTO trip_keys (user_id, idem_key, fingerprint, trip_id, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (user_id, idem_key) DO NOTHING",
    )
    .bind(user)
    .bind(key)
    .bind(fingerprint)
    .bind(trip)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(n == 1)
}

pub async fn find_key(db: &Db, user: Uuid, key: &str) -> Result<Option<(String, Uuid)>, DbError> {
    query("SELECT fingerprint, trip_id FROM trip_keys WHERE user_id = $1 AND idem_key = $2")
        .bind(user)
        .bind(key)
        .fetch_optional(db)
        .await
}
