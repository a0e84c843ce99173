//! Orders' SQL: the order rows beside their reservations, restaurants' order settings, and
//! listing staff with their invitations.

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, Executor, FromRow, Json, Row, Tx, query, query_dynamic};
use serde_json::Value;
use uuid::Uuid;

use super::domain::PricedLine;

#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub reservation_id: Uuid,
    pub listing_id: Uuid,
    pub guest_id: Uuid,
    pub mode: String,
    pub table_reservation_id: Option<Uuid>,
    pub table_code: Option<String>,
    pub lines: Vec<PricedLine>,
    pub subtotal: i64,
    pub service: i64,
    pub taxes: i64,
    pub pay_at_table: bool,
    /// The kitchen's progress once accepted: `accepted`, `preparing`, `ready`, `served` or
    /// `collected` (`placed` before).
    pub stage: String,
    /// `[{step, at, by?, reason?}]`, oldest first.
    pub history: Vec<Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl FromRow for Order {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let Json(lines): Json<Vec<PricedLine>> = row.get("lines")?;
        let Json(history): Json<Vec<Value>> = row.get("history")?;
        Ok(Order {
            reservation_id: row.get("reservation_id")?,
            listing_id: row.get("listing_id")?,
            guest_id: row.get("guest_id")?,
            mode: row.get("mode")?,
            table_reservation_id: row.get("table_reservation_id")?,
            table_code: row.get("table_code")?,
            lines,
            subtotal: row.get("subtotal")?,
            service: row.get("service")?,
            taxes: row.get("taxes")?,
            pay_at_table: row.get("pay_at_table")?,
            stage: row.get("stage")?,
            history,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

pub async fn insert(tx: &mut Tx, o: &Order) -> Result<(), DbError> {
    query(
        "INSERT INTO orders (reservation_id, listing_id, guest_id, mode, table_reservation_id, table_code, lines, subtotal, \
         service, taxes, pay_at_table, stage, history, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)",
    )
    .bind(o.reservation_id)
    .bind(o.listing_id)
    .bind(o.guest_id)
    .bind(o.mode.as_str())
    .bind(o.table_reservation_id)
    .bind(o.table_code.clone())
    .bind_json(&o.lines)?
    .bind(o.subtotal)
    .bind(o.service)
    .bind(o.taxes)
    .bind(o.pay_at_table)
    .bind(o.stage.as_str())
    .bind_json(&o.history)?
    .bind(o.created_at)
    .execute(tx)
    .await?;
    Ok(())
}

const ORDER: &str = "reservation_id, listing_id, guest_id, mode, table_reservation_id, table_code, lines, subtotal, \
     service, taxes, pay_at_table, stage, history, created_at, updated_at";

pub async fn find<'c>(on: impl Executor<'c>, id: Uuid) -> Result<Option<Order>, DbError> {
    query_dynamic(format!("SELECT {ORDER} FROM orders WHERE reservation_id = $1")).bind(id).fetch_optional(on).await
}

/// The orders of `ids` (in no particular order), 500 ids a query.
pub async fn find_many(db: &Db, ids: &[Uuid]) -> Result<Vec<Order>, DbError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
        let sql = format!("SELECT {ORDER} FROM orders WHERE reservation_id IN ({})", marks.join(", "));
        out.extend(chunk.iter().fold(query_dynamic(sql), |q, id| q.bind(*id)).fetch_all::<Order>(db).await?);
    }
    Ok(out)
}

/// Moves the kitchen's stage from `from` to `to` with its history entry; false when the
/// stage was no longer `from` (another step won).
pub async fn move_stage(
    tx: &mut Tx,
    id: Uuid,
    from: &str,
    to: &str,
    entry: Value,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let Some(order) = find(&mut *tx, id).await? else { return Ok(false) };
    let mut history = order.history;
    history.push(entry);
    let n =
        query("UPDATE orders SET stage = $1, history = $2, updated_at = $3 WHERE reservation_id = $4 AND stage = $5")
            .bind(to)
            .bind_json(&history)?
            .bind(now)
            .bind(id)
            .bind(from)
            .execute(tx)
            .await?;
    Ok(n == 1)
}

/// Orders of a listing, newest first: those still in the kitchen's hands (`active`), or all.
pub async fn of_listing(db: &Db, listing: Uuid, active: bool, limit: u32, offset: u64) -> Result<Vec<Uuid>, DbError> {
    let sql = if active {
        "SELECT o.reservation_id FROM orders o JOIN reservations r ON r.id = o.reservation_id WHERE o.listing_id = $1 \
         AND r.status IN ('awaiting_host', 'confirmed') ORDER BY r.starts_at, o.created_at, o.reservation_id LIMIT $2 OFFSET $3"
    } else {
        "SELECT o.reservation_id FROM orders o WHERE o.listing_id = $1 ORDER BY o.created_at DESC, o.reservation_id \
         LIMIT $2 OFFSET $3"
    };
    let rows: Vec<(Uuid,)> =
        query(sql).bind(listing).bind(limit).bind(i64::try_from(offset).unwrap_or(i64::MAX)).fetch_all(db).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// A guest's orders, newest first.
pub async fn of_guest(db: &Db, guest: Uuid, limit: u32, offset: u64) -> Result<Vec<Uuid>, DbError> {
    let rows: Vec<(Uuid,)> = query(
        "SELECT reservation_id FROM orders WHERE guest_id = $1 ORDER BY created_at DESC, reservation_id LIMIT $2 OFFSET $3",
    )
    .bind(guest)
    .bind(limit)
    .bind(i64::try_from(offset).unwrap_or(i64::MAX))
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// A restaurant's order settings.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub accepts_orders: bool,
    /// Service charge, basis points of the lines (0–2 500).
    pub service_bps: i64,
    pub pay_at_table: bool,
    pub table_codes: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { accepts_orders: true, service_bps: 0, pay_at_table: false, table_codes: Vec::new() }
    }
}

pub async fn settings<'c>(on: impl Executor<'c>, listing: Uuid) -> Result<Settings, DbError> {
    let row: Option<(bool, i64, bool)> =
        query("SELECT accepts_orders, service_bps, pay_at_table FROM order_settings WHERE listing_id = $1")
            .bind(listing)
            .fetch_optional(on)
            .await?;
    Ok(match row {
        Some((accepts_orders, service_bps, pay_at_table)) => {
            Settings { accepts_orders, service_bps, pay_at_table, table_codes: Vec::new() }
        }
        None => Settings::default(),
    })
}

pub async fn table_codes<'c>(on: impl Executor<'c>, listing: Uuid) -> Result<Vec<String>, DbError> {
    let row: Option<(Json<Vec<String>>,)> =
        query("SELECT table_codes FROM order_settings WHERE listing_id = $1").bind(listing).fetch_optional(on).await?;
    Ok(row.map(|(Json(c),)| c).unwrap_or_default())
}

pub async fn save_settings(tx: &mut Tx, listing: Uuid, s: &Settings, now: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO order_settings (listing_id, accepts_orders, service_bps, pay_at_table, table_codes, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (listing_id) DO UPDATE SET accepts_orders = excluded.accepts_orders, \
         service_bps = excluded.service_bps, pay_at_table = excluded.pay_at_table, table_codes = excluded.table_codes, \
         updated_at = excluded.updated_at",
    )
    .bind(listing)
    .bind(s.accepts_orders)
    .bind(s.service_bps)
    .bind(s.pay_at_table)
    .bind_json(&s.table_codes)?
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

/// Whether `user` is on `listing`'s staff.
pub async fn is_staff<'c>(on: impl Executor<'c>, listing: Uuid, user: Uuid) -> Result<bool, DbError> {
    let row: Option<(String,)> = query("SELECT role FROM listing_staff WHERE listing_id = $1 AND user_id = $2")
        .bind(listing)
        .bind(user)
        .fetch_optional(on)
        .await?;
    Ok(row.is_some())
}

/// The staff of a listing: `(user, role, added_at)`.
pub async fn staff(db: &Db, listing: Uuid) -> Result<Vec<(Uuid, String, DateTime<Utc>)>, DbError> {
    query("SELECT user_id, role, created_at FROM listing_staff WHERE listing_id = $1 ORDER BY created_at, user_id")
        .bind(listing)
        .fetch_all(db)
        .await
}

pub async fn remove_staff(tx: &mut Tx, listing: Uuid, user: Uuid) -> Result<bool, DbError> {
    let n = query("DELETE FROM listing_staff WHERE listing_id = $1 AND user_id = $2")
        .bind(listing)
        .bind(user)
        .execute(tx)
        .await?;
    Ok(n == 1)
}

pub async fn invite(
    tx: &mut Tx,
    code_hash: &str,
    listing: Uuid,
    by: Uuid,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    query(
        "INSERT INTO staff_invitations (code_hash, listing_id, role, created_by, expires_at, accepted_by, accepted_at, created_at) \
         VALUES ($1, $2, 'staff', $3, $4, NULL, NULL, $5)",
    )
    .bind(code_hash)
    .bind(listing)
    .bind(by)
    .bind(expires_at)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

/// Redeems an invitation (once, before it expires): the listing it was for, if it was.
pub async fn redeem(tx: &mut Tx, code_hash: &str, user: Uuid, now: DateTime<Utc>) -> Result<Option<Uuid>, DbError> {
    let n = query(
        "UPDATE staff_invitations SET accepted_by = $1, accepted_at = $2 WHERE code_hash = $3 AND accepted_by IS NULL \
         AND expires_at > $2",
    )
    .bind(user)
    .bind(now)
    .bind(code_hash)
    .execute(&mut *tx)
    .await?;
    if n == 0 {
        return Ok(None);
    }
    let (listing, by): (Uuid, Uuid) =
        query("SELECT listing_id, created_by FROM staff_invitations WHERE code_hash = $1")
            .bind(code_hash)
            .fetch_one(&mut *tx)
            .await?;
    query(
        "INSERT INTO listing_staff (listing_id, user_id, role, added_by, created_at) VALUES ($1, $2, 'staff', $3, $4) \
         ON CONFLICT (listing_id, user_id) DO NOTHING",
    )
    .bind(listing)
    .bind(user)
    .bind(by)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(Some(listing))
}

/// GDPR erasure: the person's staff memberships go, and the notes they wrote on their orders
/// (the orders stay: accounting records).
pub async fn erase(tx: &mut Tx, user: Uuid) -> Result<(), DbError> {
    query("DELETE FROM listing_staff WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
    let rows: Vec<(Uuid, Json<Vec<PricedLine>>)> =
        query("SELECT reservation_id, lines FROM orders WHERE guest_id = $1").bind(user).fetch_all(&mut *tx).await?;
    for (id, Json(mut lines)) in rows {
        for l in &mut lines {
            l.notes = None;
        }
        query("UPDATE orders SET lines = $1 WHERE reservation_id = $2")
            .bind_json(&lines)?
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}
