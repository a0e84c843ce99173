//! Hotel orders (Amadeus Hotel Booking v2 `hotel-order`): guests checked field by field, every
//! room association re-priced from its offer id, then all their rooms taken for every night at
//! once. Card numbers are never stored: the answer keeps only a masked one.

use kernel::{ApiError, FieldError};
use serde_json::{Value, json};

use super::orders::{self, Hold};
use super::rates::{self, Stay};
use super::{Offline, check_person, invalid, invalid_offer, text};
use crate::provider::Request;

const KIND: &str = "hotel";

/// `POST /v2/booking/hotel-orders`.
pub(super) async fn create(offline: &Offline, request: &Request) -> Result<Value, ApiError> {
    let data = request.body.as_ref().and_then(|b| b.get("data")).filter(|d| d.is_object());
    let Some(data) = data else {
        return Err(invalid("data", "is required: { type: \"hotel-order\", guests, roomAssociations, payment }"));
    };
    let mut errors = Vec::new();
    let guests = data.get("guests").and_then(Value::as_array).cloned().unwrap_or_default();
    if guests.is_empty() || guests.len() > 9 {
        errors.push(FieldError::new("data.guests", "1 to 9 guests are required"));
    }
    let mut tids = Vec::new();
    for (i, guest) in guests.iter().enumerate() {
        let prefix = format!("data.guests[{i}]");
        check_person(guest, &prefix, ("firstName", "lastName"), Some("email"), Some("phone"), &mut errors);
        if guest.get("phone").and_then(Value::as_str).is_none_or(|p| p.trim().is_empty()) {
            errors.push(FieldError::new(format!("{prefix}.phone"), "is required"));
        }
        tids.push(reference_of(guest.get("tid")).unwrap_or_else(|| (i + 1).to_string()));
    }
    let associations = data.get("roomAssociations").and_then(Value::as_array).cloned().unwrap_or_default();
    if associations.is_empty() || associations.len() > 9 {
        errors.push(FieldError::new("data.roomAssociations", "1 to 9 room associations are required"));
    }
    let mut stays = Vec::new();
    for (i, association) in associations.iter().enumerate() {
        let field = format!("data.roomAssociations[{i}].hotelOfferId");
        let Some(stay) = text(association, "hotelOfferId").and_then(|id| Stay::decode(offline.seed, id)) else {
            return Err(invalid_offer(&field));
        };
        let refs = association.get("guestReferences").and_then(Value::as_array).cloned().unwrap_or_default();
        for (j, r) in refs.iter().enumerate() {
            if reference_of(r.get("guestReference")).is_none_or(|r| !tids.contains(&r)) {
                let field = format!("data.roomAssociations[{i}].guestReferences[{j}].guestReference");
                errors.push(FieldError::new(field, "must be the tid of one of data.guests"));
            }
        }
        stays.push((stay, association.clone()));
    }
    let card = masked_card(data.get("payment"), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if let Some(done) = orders::replay(offline, KIND, request.key.as_deref()).await? {
        return Ok(done);
    }
    let id = orders::new_id("OFHO");
    let mut bookings = Vec::new();
    let mut holds: Vec<Hold> = Vec::new();
    for (stay, association) in &stays {
        let (offer, _, taken) = rates::current(offline, stay).await?;
        for hold in taken {
            match holds.iter_mut().find(|h| h.key == hold.key) {
                Some(same) => same.count += hold.count,
                None => holds.push(hold),
            }
        }
        let hotel = &stay.hotel;
        bookings.push(json!({
            "type": "hotel-booking",
            "id": orders::new_id("OFHB"),
            "bookingStatus": "CONFIRMED",
            "hotelProviderInformation": [{"hotelProviderCode": hotel.chain, "confirmationNumber": orders::confirmation(9)}],
            "roomAssociations": [{"hotelOfferId": offer["id"], "guestReferences": association.get("guestReferences").cloned().unwrap_or(json!([]))}],
            "hotelOffer": offer,
            "hotel": {"hotelId": hotel.id, "chainCode": hotel.chain, "name": hotel.name, "cityCode": hotel.city.code,
                      "self": format!("/v1/reference-data/locations/hotels/by-hotels?hotelIds={}", hotel.id)},
            "payment": card,
            "travelAgentId": "00000000",
        }));
    }
    let guests: Vec<Value> = guests
        .iter()
        .zip(&tids)
        .enumerate()
        .map(|(i, (g, tid))| {
            json!({"tid": tid.parse::<i64>().map(Value::from).unwrap_or(json!(tid)), "id": i + 1,
                   "title": g.get("title").cloned().unwrap_or(Value::Null),
                   "firstName": text(g, "firstName").map(str::to_uppercase),
                   "lastName": text(g, "lastName").map(str::to_uppercase),
                   "phone": text(g, "phone"), "email": text(g, "email")})
        })
        .collect();
    let answer = json!({"data": {
        "type": "hotel-order",
        "id": id,
        "hotelBookings": bookings,
        "guests": guests,
        "associatedRecords": [{"reference": orders::new_id("").get(..6).unwrap_or("OFFLIN"), "originSystemCode": "GDS"}],
        "self": format!("/v2/booking/hotel-orders/{id}"),
    }});
    orders::place(offline, KIND, request.key.as_deref(), &id, &holds, answer).await
}

/// `DELETE /v2/booking/hotel-orders/{id}` (offline only): the rooms go back, the bookings read
/// `CANCELLED`.
pub(super) async fn cancel(offline: &Offline, request: &Request) -> Result<Value, ApiError> {
    let id = request.id.as_deref().map(str::trim).unwrap_or_default();
    orders::cancel(offline, KIND, id, |answer| {
        if let Some(bookings) = answer.pointer_mut("/data/hotelBookings").and_then(Value::as_array_mut) {
            for booking in bookings {
                booking["bookingStatus"] = json!("CANCELLED");
            }
        }
    })
    .await
}

/// A guest reference (`"1"` or `1`) as text.
fn reference_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The payment as the answer shows it: the card masked; its number and expiry checked.
fn masked_card(payment: Option<&Value>, errors: &mut Vec<FieldError>) -> Value {
    let Some(payment) = payment.filter(|p| p.is_object()) else { return Value::Null };
    let method = text(payment, "method").unwrap_or("CREDIT_CARD");
    let Some(card) = payment.pointer("/paymentCard/paymentCardInfo") else {
        return json!({"method": method});
    };
    let number: String = text(card, "cardNumber").unwrap_or_default().chars().filter(char::is_ascii_digit).collect();
    if !(12..=19).contains(&number.len()) {
        errors.push(FieldError::new("data.payment.paymentCard.paymentCardInfo.cardNumber", "must be a card number"));
    }
    let expiry = text(card, "expiryDate").unwrap_or_default();
    let expiry_ok = expiry.len() == 7
        && expiry.get(..4).is_some_and(|y| y.parse::<u32>().is_ok())
        && expiry.get(5..).and_then(|m| m.parse::<u32>().ok()).is_some_and(|m| (1..=12).contains(&m));
    if !expiry_ok {
        errors.push(FieldError::new("data.payment.paymentCard.paymentCardInfo.expiryDate", "must be YYYY-MM"));
    }
    let last = number.get(number.len().saturating_sub(4)..).unwrap_or_default();
    let first = number.get(..6.min(number.len())).unwrap_or_default();
    json!({"method": method, "paymentCard": {"paymentCardInfo": {
        "vendorCode": text(card, "vendorCode"),
        "cardNumber": format!("{first}{}{last}", "X".repeat(number.len().saturating_sub(10))),
        "expiryDate": expiry,
        "holderName": text(card, "holderName"),
    }}})
}
