//! Product orders' delivery addresses, shipments and returns. Each step is one guarded UPDATE
//! (`WHERE status = <the step before>`; a return `WHERE returned = <what was read>`), so of two
//! racing requests exactly one applies.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use platform::db::{Conn, Db, DbError, FromRow, Json, Query, Row, Tx, query, query_dynamic};
use serde_json::Value;
use uuid::Uuid;

use crate::pricing::ShippingLine;
use crate::shipping::DeliveryAddress;
use crate::shipping::tracking::Tracking;

/// A stored delivery address; after erasure only `country` is left.
#[derive(Debug, Clone)]
pub struct AddressRecord {
    pub name: Option<String>,
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub region: Option<String>,
    pub country: String,
    pub phone: Option<String>,
    pub erased_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct Shipment {
    pub reservation_id: Uuid,
    pub option_name: String,
    pub price: i64,
    pub estimated_days: i64,
    /// `pending`, `shipped` or `delivered`.
    pub status: String,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    pub shipped_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// Units returned so far.
    pub returned: i64,
    /// What the returns so far decided to refund.
    pub refunds_decided: i64,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct ReturnRecord {
    pub id: Uuid,
    pub reservation_id: Uuid,
    pub quantity: i64,
    pub reason: Option<String>,
    pub refund_amount: i64,
    pub refund: Value,
    pub idem_key: Option<String>,
    pub fingerprint: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A product order's shipping: the shipment, its address and its returns (oldest first).
#[derive(Debug, Clone)]
pub struct Order {
    pub shipment: Shipment,
    pub address: Option<AddressRecord>,
    pub returns: Vec<ReturnRecord>,
}

const SHIPMENT: &str = "reservation_id, option_name, price, estimated_days, status, carrier, tracking_number, \
     tracking_url, shipped_at, delivered_at, returned, refunds_decided, updated_at";
const ADDRESS: &str = "reservation_id, name, line1, line2, city, postal_code, region, country, phone, erased_at";
const RETURN: &str = "id, reservation_id, quantity, reason, refund_amount, refund, idem_key, fingerprint, created_at";

impl FromRow for Shipment {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Shipment {
            reservation_id: row.get("reservation_id")?,
            option_name: row.get("option_name")?,
            price: row.get("price")?,
            estimated_days: row.get("estimated_days")?,
            status: row.get("status")?,
            carrier: row.get("carrier")?,
            tracking_number: row.get("tracking_number")?,
            tracking_url: row.get("tracking_url")?,
            shipped_at: row.get("shipped_at")?,
            delivered_at: row.get("delivered_at")?,
            returned: row.get("returned")?,
            refunds_decided: row.get("refunds_decided")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

/// An address with the reservation it belongs to.
struct AddressRow(Uuid, AddressRecord);

impl FromRow for AddressRow {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(AddressRow(
            row.get("reservation_id")?,
            AddressRecord {
                name: row.get("name")?,
                line1: row.get("line1")?,
                line2: row.get("line2")?,
                city: row.get("city")?,
                postal_code: row.get("postal_code")?,
                region: row.get("region")?,
                country: row.get("country")?,
                phone: row.get("phone")?,
                erased_at: row.get("erased_at")?,
            },
        ))
    }
}

impl FromRow for ReturnRecord {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let Json(refund): Json<Value> = row.get("refund")?;
        Ok(ReturnRecord {
            id: row.get("id")?,
            reservation_id: row.get("reservation_id")?,
            quantity: row.get("quantity")?,
            reason: row.get("reason")?,
            refund_amount: row.get("refund_amount")?,
            refund,
            idem_key: row.get("idem_key")?,
            fingerprint: row.get("fingerprint")?,
            created_at: row.get("created_at")?,
        })
    }
}

/// The statements recording a sale's shipping (sent in the sale's batch).
pub fn insert_queries(reservation: Uuid, to: &DeliveryAddress, line: &ShippingLine, now: DateTime<Utc>) -> [Query; 2] {
    let address = query(
        "INSERT INTO delivery_addresses (reservation_id, name, line1, line2, city, postal_code, region, country, phone, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(reservation)
    .bind(to.name())
    .bind(to.line1())
    .bind(to.line2())
    .bind(to.city())
    .bind(to.postal_code())
    .bind(to.region())
    .bind(to.country())
    .bind(to.phone())
    .bind(now);
    let shipment = query(
        "INSERT INTO shipments (reservation_id, option_name, price, estimated_days, status, updated_at) \
         VALUES ($1, $2, $3, $4, 'pending', $5)",
    )
    .bind(reservation)
    .bind(line.name.as_str())
    .bind(line.price)
    .bind(line.estimated_days)
    .bind(now);
    [address, shipment]
}

/// `$1, $2, …` for `n` values.
fn marks(n: usize) -> String {
    (1..=n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// The orders of those of `ids` that ship (chunks of 500 binds).
pub async fn orders_of(db: &Db, ids: &[Uuid]) -> Result<HashMap<Uuid, Order>, DbError> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let select = |sql: String| chunk.iter().fold(query_dynamic(sql), |q, id| q.bind(*id));
        let at = marks(chunk.len());
        let shipments: Vec<Shipment> =
            select(format!("SELECT {SHIPMENT} FROM shipments WHERE reservation_id IN ({at})")).fetch_all(db).await?;
        if shipments.is_empty() {
            continue;
        }
        let addresses: Vec<AddressRow> =
            select(format!("SELECT {ADDRESS} FROM delivery_addresses WHERE reservation_id IN ({at})"))
                .fetch_all(db)
                .await?;
        let returns: Vec<ReturnRecord> = select(format!(
            "SELECT {RETURN} FROM shipment_returns WHERE reservation_id IN ({at}) ORDER BY created_at, id"
        ))
        .fetch_all(db)
        .await?;
        let mut addresses: HashMap<Uuid, AddressRecord> =
            addresses.into_iter().map(|AddressRow(id, a)| (id, a)).collect();
        for shipment in shipments {
            let id = shipment.reservation_id;
            let returns = returns.iter().filter(|r| r.reservation_id == id).cloned().collect();
            out.insert(id, Order { address: addresses.remove(&id), shipment, returns });
        }
    }
    Ok(out)
}

/// One reservation's order, if it ships.
pub async fn order(db: &Db, id: Uuid) -> Result<Option<Order>, DbError> {
    Ok(orders_of(db, &[id]).await?.remove(&id))
}

/// The reservation's shipment, read inside `conn`.
pub async fn shipment(conn: &mut Conn<'_>, id: Uuid) -> Result<Option<Shipment>, DbError> {
    query_dynamic(format!("SELECT {SHIPMENT} FROM shipments WHERE reservation_id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Whether the reservation's goods have left the seller (a cancellation is then refused).
pub async fn sent(tx: &mut Tx, id: Uuid) -> Result<bool, DbError> {
    let row: Option<(String,)> =
        query("SELECT status FROM shipments WHERE reservation_id = $1").bind(id).fetch_optional(tx).await?;
    Ok(row.is_some_and(|(status,)| status != "pending"))
}

/// `pending` → `shipped` with its tracking; `false` if it was not pending.
pub async fn mark_shipped(tx: &mut Tx, id: Uuid, t: &Tracking, now: DateTime<Utc>) -> Result<bool, DbError> {
    let n = query(
        "UPDATE shipments SET status = 'shipped', carrier = $2, tracking_number = $3, tracking_url = $4, \
         shipped_at = $5, updated_at = $5 WHERE reservation_id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(t.carrier.as_str())
    .bind(t.number.as_str())
    .bind(t.url.clone())
    .bind(now)
    .execute(tx)
    .await?;
    Ok(n == 1)
}

/// `shipped` → `delivered`; `false` if it was not shipped.
pub async fn mark_delivered(tx: &mut Tx, id: Uuid, now: DateTime<Utc>) -> Result<bool, DbError> {
    let n = query(
        "UPDATE shipments SET status = 'delivered', delivered_at = $2, updated_at = $2 \
         WHERE reservation_id = $1 AND status = 'shipped'",
    )
    .bind(id)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(n == 1)
}

/// Counts a return of `units` refunding `amount`, if the shipment is still as `read` (sent, with
/// the same units returned and refunds decided); `false` when another return came first.
pub async fn take_return(
    tx: &mut Tx,
    read: &Shipment,
    units: i64,
    amount: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let n = query(
        "UPDATE shipments SET returned = returned + $2, refunds_decided = refunds_decided + $3, updated_at = $4 \
         WHERE reservation_id = $1 AND returned = $5 AND refunds_decided = $6 AND status <> 'pending'",
    )
    .bind(read.reservation_id)
    .bind(units)
    .bind(amount)
    .bind(now)
    .bind(read.returned)
    .bind(read.refunds_decided)
    .execute(tx)
    .await?;
    Ok(n == 1)
}

pub async fn insert_return(tx: &mut Tx, r: &ReturnRecord) -> Result<(), DbError> {
    query(
        "INSERT INTO shipment_returns (id, reservation_id, quantity, reason, refund_amount, refund, idem_key, \
         fingerprint, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(r.id)
    .bind(r.reservation_id)
    .bind(r.quantity)
    .bind(r.reason.clone())
    .bind(r.refund_amount)
    .bind(r.refund.clone())
    .bind(r.idem_key.clone())
    .bind(r.fingerprint.clone())
    .bind(r.created_at)
    .execute(tx)
    .await?;
    Ok(())
}

/// The return made under the seller's `key` for this reservation.
pub async fn return_by_key(conn: &mut Conn<'_>, reservation: Uuid, key: &str) -> Result<Option<ReturnRecord>, DbError> {
    query_dynamic(format!("SELECT {RETURN} FROM shipment_returns WHERE reservation_id = $1 AND idem_key = $2"))
        .bind(reservation)
        .bind(key)
        .fetch_optional(conn)
        .await
}

/// Erasure: the user's delivery addresses keep only their country; the reasons written on the
/// returns of their orders (as guest or seller) go, as cancellation reasons do.
pub async fn erase(tx: &mut Tx, user: Uuid, now: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "UPDATE delivery_addresses SET name = NULL, line1 = NULL, line2 = NULL, city = NULL, postal_code = NULL, \
         region = NULL, phone = NULL, erased_at = $2 WHERE erased_at IS NULL \
         AND reservation_id IN (SELECT id FROM reservations WHERE guest_id = $1)",
    )
    .bind(user)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    query(
        "UPDATE shipment_returns SET reason = NULL WHERE reason IS NOT NULL \
         AND reservation_id IN (SELECT id FROM reservations WHERE guest_id = $1 OR host_id = $1)",
    )
    .bind(user)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
