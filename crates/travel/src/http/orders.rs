//! Orders placed directly at the supplier (`POST /flights/orders`, `/hotels/bookings`,
//! `/transfers/bookings`) and reading them back. DreamScape lets anyone order without paying;
//! here a direct order is an administrator's act (an agent booking for a traveller, paid
//! elsewhere). Travellers book through the cart, which takes the payment first and orders at
//! the supplier once paid. An order reads back for the traveller it was placed for.

use axum::extract::State as AxumState;
use axum::http::HeaderMap;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::{Actor, AuthUser};
use platform::contracts::Traveller;
use platform::http::{Json, Path, idempotency_key};
use serde_json::{Value, json};

use super::{State, answer};

fn key(headers: &HeaderMap, kind: &str) -> Result<String, ApiError> {
    Ok(match idempotency_key(headers)? {
        Some(k) => format!("direct-{kind}-{k}"),
        None => format!("direct-{kind}-{}", uuid::Uuid::now_v7()),
    })
}

fn field(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or_default().trim().to_owned()
}

fn missing(message: &str, field_name: &str) -> ApiError {
    ApiError::new(400, "validation_failed", message).with_details(vec![FieldError::new(field_name, "is required")])
}

/// Orders a flight offer for the travellers named (administrators). DreamScape's body:
/// `{offerId, passengers: [{given_name, family_name, born_on, email, phone_number, gender}]}`.
#[utoipa::path(post, path = "/flights/orders", tag = "Travel", operation_id = "order_flight",
    security(("bearerAuth" = [])), request_body(content = Object, description = "`{offerId, passengers}`"),
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, description = "`{data: flight order}`"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn order_flight(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    user.require_admin()?;
    let offer_id = field(&body, "offerId");
    if offer_id.is_empty() {
        return Err(missing("offerId is required", "offerId"));
    }
    let passengers: Vec<Value> = body
        .get("passengers")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|p| {
                    let gender = match field(p, "gender").as_str() {
                        "m" | "M" | "MALE" => json!("MALE"),
                        "f" | "F" | "FEMALE" => json!("FEMALE"),
                        _ => Value::Null,
                    };
                    json!({ "firstName": field(p, "given_name"), "lastName": field(p, "family_name"),
                            "dateOfBirth": field(p, "born_on"), "phone": field(p, "phone_number"), "gender": gender })
                })
                .collect()
        })
        .unwrap_or_default();
    let email = body.pointer("/passengers/0/email").and_then(Value::as_str).map(str::to_owned);
    let offer = state.price_offer("flight", &json!({ "offerId": offer_id }), 1).await?;
    let traveller = Traveller { user_id: user.user_id, email, passengers: Value::Array(passengers) };
    let confirmation = state.book_offer(&offer, &traveller, &key(&headers, "flight")?).await?;
    let actor = Actor::from(&user);
    Ok(answer(200, state.read_order(&actor, &confirmation, "flight").await?))
}

/// A flight order placed for the caller (administrators: any).
#[utoipa::path(get, path = "/flights/orders/{orderId}", tag = "Travel", operation_id = "flight_order",
    security(("bearerAuth" = [])), params(("orderId" = String, Path, description = "Order id or PNR")),
    responses((status = 200, description = "`{data: flight order, meta: {status, confirmation}}`"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn flight_order(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(answer(200, state.read_order(&Actor::from(&user), id.trim(), "flight").await?))
}

/// Books a hotel offer for a guest (administrators). DreamScape's body: `{offerId, guests:
/// [{name: {firstName, lastName}, contact: {email, phone}}], payments: [...]}`.
#[utoipa::path(post, path = "/hotels/bookings", tag = "Travel", operation_id = "book_hotel",
    security(("bearerAuth" = [])), request_body(content = Object, description = "`{offerId, guests, payments}`"),
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, description = "`{data: {id, status, reference}, meta: {bookingId, status}}`"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn book_hotel(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    user.require_admin()?;
    let offer_id = field(&body, "offerId");
    if offer_id.is_empty() {
        return Err(missing("Missing required field: offerId", "offerId"));
    }
    let guests = body
        .get("guests")
        .and_then(Value::as_array)
        .filter(|g| !g.is_empty())
        .ok_or_else(|| missing("Missing required field: guests (must be a non-empty array)", "guests"))?;
    if body.get("payments").and_then(Value::as_array).is_none_or(Vec::is_empty) {
        return Err(missing("Missing required field: payments (must be a non-empty array)", "payments"));
    }
    let mut passengers = Vec::new();
    for (i, g) in guests.iter().enumerate() {
        let (first, last) = (field(&g["name"], "firstName"), field(&g["name"], "lastName"));
        if first.is_empty() || last.is_empty() {
            return Err(missing("Each guest must have name.firstName and name.lastName", &format!("guests[{i}].name")));
        }
        let (email, phone) = (field(&g["contact"], "email"), field(&g["contact"], "phone"));
        if email.is_empty() || phone.is_empty() {
            return Err(missing(
                "Each guest must have contact.email and contact.phone",
                &format!("guests[{i}].contact"),
            ));
        }
        passengers.push(json!({ "firstName": first, "lastName": last, "email": email, "phone": phone }));
    }
    let email = passengers.first().map(|p| field(p, "email"));
    let offer = state.price_offer("hotel", &json!({ "offerId": offer_id }), 1).await?;
    let traveller = Traveller { user_id: user.user_id, email, passengers: Value::Array(passengers) };
    let confirmation = state.book_offer(&offer, &traveller, &key(&headers, "hotel")?).await?;
    let order = state.read_order(&Actor::from(&user), &confirmation, "hotel").await?;
    let id = order.pointer("/data/id").cloned().unwrap_or(Value::Null);
    Ok(answer(
        201,
        json!({ "data": { "id": id, "status": "confirmed", "reference": confirmation, "order": order["data"] },
                           "meta": { "bookingId": id, "status": "confirmed" } }),
    ))
}

/// Books a transfer offer (administrators). Amadeus's body: `{data: {transferOffers: [offer],
/// travelers: [{name: {firstName, lastName}}], contacts: [{emailAddress}]}}`.
#[utoipa::path(post, path = "/transfers/bookings", tag = "Travel", operation_id = "book_transfer",
    security(("bearerAuth" = [])), request_body(content = Object, description = "`{data: {transferOffers, travelers, contacts}}`"),
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, description = "`{data: transfer order}`"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn book_transfer(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    user.require_admin()?;
    let Some(offer) = body.pointer("/data/transferOffers/0").filter(|o| o.is_object()) else {
        return Err(missing("data.transferOffers must hold the offer to book", "data.transferOffers"));
    };
    let lead = body.pointer("/data/travelers/0/name").cloned().unwrap_or(Value::Null);
    let (first, last) = (field(&lead, "firstName"), field(&lead, "lastName"));
    if first.is_empty() || last.is_empty() {
        return Err(missing("The first traveler needs name.firstName and name.lastName", "data.travelers[0].name"));
    }
    let email = body.pointer("/data/contacts/0/emailAddress").and_then(Value::as_str).map(str::to_owned);
    let priced = state.price_offer("transfer", offer, 1).await?;
    let traveller =
        Traveller { user_id: user.user_id, email, passengers: json!([{ "firstName": first, "lastName": last }]) };
    let confirmation = state.book_offer(&priced, &traveller, &key(&headers, "transfer")?).await?;
    Ok(answer(200, state.read_order(&Actor::from(&user), &confirmation, "transfer").await?))
}

/// A transfer order placed for the caller (administrators: any).
#[utoipa::path(get, path = "/transfers/orders/{orderId}", tag = "Travel", operation_id = "transfer_order",
    security(("bearerAuth" = [])), params(("orderId" = String, Path, description = "Order id or confirmation number")),
    responses((status = 200, description = "`{data: transfer order, meta: {status, confirmation}}`"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn transfer_order(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(answer(200, state.read_order(&Actor::from(&user), id.trim(), "transfer").await?))
}
