//! The JSON of an order, and its status as the guest and the kitchen see it, derived from its
//! reservation's state and the kitchen's stage.

use serde_json::{Value, json};

use super::store::Order;
use crate::store::reservations::Reservation;

/// `pending_payment`, `received`, `accepted`, `preparing`, `ready`, `served`, `collected`,
/// `rejected`, `cancelled` or `expired`.
pub fn status(r: &Reservation, o: &Order) -> String {
    match r.status.as_str() {
        "pending_payment" => "pending_payment".into(),
        "awaiting_host" => "received".into(),
        "confirmed" | "completed" => o.stage.clone(),
        "declined" => "rejected".into(),
        "cancelled" if r.cancelled_by.as_deref() == Some("host") => "rejected".into(),
        other => other.into(),
    }
}

pub fn order(r: &Reservation, o: &Order) -> Value {
    json!({
        "id": o.reservation_id, "reservationId": o.reservation_id, "listingId": o.listing_id, "guestId": o.guest_id,
        "mode": o.mode, "status": status(r, o), "tableReservationId": o.table_reservation_id, "tableCode": o.table_code,
        "pickupAt": if o.mode == "takeaway" { json!(r.starts_at) } else { Value::Null },
        "serveAt": r.starts_at,
        "lines": o.lines, "currency": r.currency, "subtotal": o.subtotal, "service": o.service, "taxes": o.taxes,
        "total": r.total, "payAtTable": o.pay_at_table,
        "paymentRequired": r.status == "pending_payment",
        "holdExpiresAt": r.hold_expires_at, "acceptBy": r.respond_by,
        "paid": r.paid, "authorised": r.authorised, "refunded": r.refunded,
        "rejectReason": if r.cancelled_by.as_deref() == Some("host") { json!(r.cancel_reason) } else { Value::Null },
        "refund": r.refund, "history": o.history, "createdAt": o.created_at, "updatedAt": r.updated_at.max(o.updated_at),
    })
}

/// The orders of `ids`, in that order: two queries, whatever their number.
pub async fn of_ids(db: &platform::db::Db, ids: &[uuid::Uuid]) -> Result<Vec<Value>, platform::db::DbError> {
    let mut reservations: std::collections::HashMap<uuid::Uuid, Reservation> =
        crate::store::reservations::find_many(db, ids).await?.into_iter().map(|r| (r.id, r)).collect();
    let mut orders: std::collections::HashMap<uuid::Uuid, Order> =
        super::store::find_many(db, ids).await?.into_iter().map(|o| (o.reservation_id, o)).collect();
    Ok(ids.iter().filter_map(|id| Some(order(&reservations.remove(id)?, &orders.remove(id)?))).collect())
}

/// Every order of a guest (the GDPR export).
pub async fn of_guest(db: &platform::db::Db, guest: uuid::Uuid) -> Result<Vec<Value>, platform::db::DbError> {
    of_ids(db, &super::store::of_guest(db, guest, 10_000, 0).await?).await
}
