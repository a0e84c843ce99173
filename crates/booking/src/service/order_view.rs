//! A product order's shipping as its parties see it. The reservation view gains
//! `deliveryAddress`, `shipping`, `shipment` and `returns` — only where the caller is its guest,
//! its seller or an administrator (the reservation's own reads, the parties' lists, their GDPR
//! export). Booking's events never carry the address: consumers get the shipment's progress
//! from `order.*`, not where the guest lives.

use std::collections::HashMap;

use kernel::ApiError;
use platform::db::{Db, DbError};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{Bookings, reservation_view};
use crate::store::reservations::Reservation;
use crate::store::shipments::{self, AddressRecord, Order, ReturnRecord, Shipment};

/// `{ status, carrier, trackingNumber, trackingUrl, shippedAt, deliveredAt }`.
pub fn shipment_view(s: &Shipment) -> Value {
    json!({"status": s.status, "carrier": s.carrier, "trackingNumber": s.tracking_number,
           "trackingUrl": s.tracking_url, "shippedAt": s.shipped_at, "deliveredAt": s.delivered_at})
}

fn address_view(a: &AddressRecord) -> Value {
    json!({"name": a.name, "line1": a.line1, "line2": a.line2, "city": a.city, "postalCode": a.postal_code,
           "region": a.region, "country": a.country, "phone": a.phone, "erased": a.erased_at.is_some()})
}

pub fn return_view(r: &ReturnRecord) -> Value {
    json!({"id": r.id, "quantity": r.quantity, "reason": r.reason, "refundAmount": r.refund_amount,
           "refund": r.refund, "createdAt": r.created_at})
}

/// The order's fields of the reservation view.
fn order_fields(o: &Order) -> Map<String, Value> {
    let s = &o.shipment;
    let mut map = Map::new();
    map.insert("deliveryAddress".into(), o.address.as_ref().map_or(Value::Null, address_view));
    map.insert("shipping".into(), json!({"name": s.option_name, "price": s.price, "estimatedDays": s.estimated_days}));
    map.insert("shipment".into(), shipment_view(s));
    map.insert("returns".into(), Value::Array(o.returns.iter().map(return_view).collect()));
    map
}

/// [`reservation_view`] with the order's fields, when it has any.
pub fn with_order(r: &Reservation, order: Option<&Order>) -> Value {
    let mut v = reservation_view(r);
    if let (Some(map), Some(order)) = (v.as_object_mut(), order) {
        map.extend(order_fields(order));
    }
    v
}

/// The views of `rows` with their orders (one read per table for the whole page).
pub async fn with_orders(db: &Db, rows: &[Reservation]) -> Result<Vec<Value>, DbError> {
    let ids: Vec<Uuid> = rows.iter().filter(|r| r.kind == "product").map(|r| r.id).collect();
    let orders: HashMap<Uuid, Order> =
        if ids.is_empty() { HashMap::new() } else { shipments::orders_of(db, &ids).await? };
    Ok(rows.iter().map(|r| with_order(r, orders.get(&r.id))).collect())
}

impl Bookings {
    /// The reservation as its guest, seller or an administrator sees it (callers check who).
    pub async fn party_view(&self, r: &Reservation) -> Result<Value, ApiError> {
        let order = if r.kind == "product" { shipments::order(&self.db, r.id).await? } else { None };
        Ok(with_order(r, order.as_ref()))
    }

    /// [`Self::party_view`] of each of `rows`.
    pub async fn party_views(&self, rows: &[Reservation]) -> Result<Vec<Value>, ApiError> {
        Ok(with_orders(&self.db, rows).await?)
    }
}
