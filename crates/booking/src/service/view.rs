//! The JSON shape of a reservation: the full one for responses, and the one events carry —
//! the same without the itemised quote, whose totals it keeps (consumers need amounts, not
//! one line per night; a long stay's quote would make every event large).

use serde_json::{Value, json};

use crate::store::ListingModel;
use crate::store::reservations::Reservation;

pub fn reservation_view(r: &Reservation) -> Value {
    let mut v = json!({
        "id": r.id, "listingId": r.listing_id, "guestId": r.guest_id, "hostId": r.host_id, "kind": r.kind,
        "status": r.status, "quantity": r.quantity, "startsAt": r.starts_at, "endsAt": r.ends_at,
        "currency": r.currency, "timezone": r.timezone, "total": r.total, "quote": r.quote, "instantBook": r.instant_book,
        "cancellationPolicy": r.cancellation_policy, "holdExpiresAt": r.hold_expires_at, "respondBy": r.respond_by,
        "authorised": r.authorised, "paid": r.paid, "refunded": r.refunded, "paymentId": r.payment_id, "cancelledBy": r.cancelled_by,
        "cancelReason": r.cancel_reason, "refund": r.refund, "createdAt": r.created_at, "updatedAt": r.updated_at,
        // The reservation's conversation in messaging (same derivation on both sides).
        "conversationId": kernel::id::reservation_conversation_id(&r.id),
    });
    let extra = match r.kind.as_str() {
        "stay" => json!({"checkIn": r.check_in, "checkOut": r.check_out, "guests": r.quantity}),
        "restaurant" => json!({"slotStart": r.starts_at, "partySize": r.quantity}),
        "activity" => json!({"sessionId": unit_id(r), "partySize": r.quantity}),
        "transport" => json!({"tripId": unit_id(r), "seats": r.quantity}),
        _ => json!({}),
    };
    if let (Some(map), Value::Object(extra)) = (v.as_object_mut(), extra) {
        map.extend(extra);
    }
    // A menu order is a reservation row too: lists show it marked as one (`GET /orders/{id}`).
    if let (Some(map), Some(mode)) = (v.as_object_mut(), crate::orders::domain::mode_of(r.unit_key.as_deref())) {
        map.insert("orderMode".into(), json!(mode.as_str()));
    }
    v
}

/// The session or trip id inside a `session:<id>` / `trip:<id>` unit key.
fn unit_id(r: &Reservation) -> Option<&str> {
    r.unit_key.as_deref().and_then(|k| k.split_once(':')).map(|(_, id)| id)
}

/// The reservation as events carry it: [`reservation_view`] with the quote's totals in
/// `amounts` instead of the itemised quote, and the listing's title (`listingTitle`) and city
/// (`destination`), `null` when the listing is not known here, so that consumers such as the
/// inbox and identity's admin dashboard can name what was booked without a listing read model
/// of their own. `kind` and `timezone` are the listing's already.
pub fn event_view(r: &Reservation, listing: Option<&ListingModel>) -> Value {
    let mut v = reservation_view(r);
    let q = &r.quote;
    if let Some(map) = v.as_object_mut() {
        map.remove("quote");
        map.insert("listingTitle".into(), json!(listing.and_then(listing_title)));
        map.insert("destination".into(), json!(listing.and_then(listing_city)));
        map.insert(
            "amounts".into(),
            json!({
                "base": q.base, "cleaningFee": q.cleaning_fee, "guestServiceFee": q.guest_service_fee,
                "taxes": q.taxes, "guestTotal": q.guest_total, "hostFee": q.host_fee,
                "hostPayout": q.host_payout, "platformRevenue": q.platform_revenue,
            }),
        );
    }
    v
}

/// The city of a listing's address.
pub fn listing_city(l: &ListingModel) -> Option<&str> {
    l.data.get("address").and_then(|a| a.get("city")).and_then(Value::as_str)
}

/// The title a listing's view carries.
pub fn listing_title(l: &ListingModel) -> Option<&str> {
    l.data.get("title").and_then(Value::as_str)
}
