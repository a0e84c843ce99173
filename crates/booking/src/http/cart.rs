//! DreamScape's cart (`/cart/…`, under the voyage prefixes).

use axum::extract::State as AxumState;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::AuthUser;
use platform::http::{Json, Path, created, ok};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::State;
use crate::voyage::cart::{CartItemIn, owner};
use crate::voyage::checkout::CheckoutIn;
use crate::voyage::money::major;

/// The caller's cart: `{userId, items, totals: [{currency, amount}], itemCount, expiresAt}`.
#[utoipa::path(get, path = "/cart/{userId}", tag = "Cart", operation_id = "get_cart",
    security(("bearerAuth" = [])), params(("userId" = String, Path, description = "The caller's id, or `me`")),
    responses((status = 200, description = "the cart"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(who): Path<String>,
) -> Result<Response, ApiError> {
    let id = owner(&user, &who)?;
    Ok(ok(state.cart(id).await?))
}

/// Empties the caller's cart.
#[utoipa::path(delete, path = "/cart/{userId}", tag = "Cart", operation_id = "clear_cart",
    security(("bearerAuth" = [])), params(("userId" = String, Path, description = "The caller's id, or `me`")),
    responses((status = 200, description = "the empty cart"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn clear(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(who): Path<String>,
) -> Result<Response, ApiError> {
    owner(&user, &who)?;
    Ok(ok(state.clear_cart(&user).await?))
}

/// Adds an item: one of our listings (`itemData` is its reservation body) or a supplier's
/// offer (`itemData.offerId`). The server prices it; `price` (per unit, major units) must
/// agree, else `409 price_changed` with the current price.
#[utoipa::path(post, path = "/cart/items", tag = "Cart", operation_id = "add_cart_item",
    security(("bearerAuth" = [])), request_body = CartItemIn,
    responses((status = 201, description = "`{item, cart}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "`price_changed`, `cart_full`, or the item cannot be booked", body = ErrorBody),
        (status = 422, description = "`request_to_book` (the cart takes instant-book listings only: book it with `POST /api/v1/reservations`), `own_listing`, `no_travel_supplier`", body = ErrorBody)))]
pub async fn add(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<CartItemIn>,
) -> Result<Response, ApiError> {
    Ok(created(state.add_to_cart(&user, body).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuantityIn {
    pub quantity: i64,
}

fn item_id(raw: &str) -> Result<Uuid, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found("Cart item not found"))
}

/// Changes an item's quantity (seats, people, units); it is priced again.
#[utoipa::path(put, path = "/cart/{userId}/items/{itemId}", tag = "Cart", operation_id = "update_cart_item",
    security(("bearerAuth" = [])), request_body = QuantityIn,
    params(("userId" = String, Path, description = "The caller's id, or `me`"), ("itemId" = String, Path, description = "The item")),
    responses((status = 200, description = "the cart"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, description = "`request_to_book` (the listing turned request-to-book: remove the line)", body = ErrorBody)))]
pub async fn update(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path((who, item)): Path<(String, String)>,
    Json(body): Json<QuantityIn>,
) -> Result<Response, ApiError> {
    owner(&user, &who)?;
    if !(1..=50).contains(&body.quantity) {
        return Err(ApiError::validation(vec![FieldError::new("quantity", "must be between 1 and 50")]));
    }
    Ok(ok(state.set_quantity(&user, item_id(&item)?, body.quantity).await?))
}

/// Removes an item.
#[utoipa::path(delete, path = "/cart/{userId}/items/{itemId}", tag = "Cart", operation_id = "remove_cart_item",
    security(("bearerAuth" = [])),
    params(("userId" = String, Path, description = "The caller's id, or `me`"), ("itemId" = String, Path, description = "The item")),
    responses((status = 200, description = "the cart"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path((who, item)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    owner(&user, &who)?;
    Ok(ok(state.remove_from_cart(&user, item_id(&item)?).await?))
}

/// Checks the cart out: every item priced again, our listings held (all or none), one payment
/// opened. Answers DreamScape's `BookingResponse`: `{bookingReference, clientSecret,
/// paymentIntentId, amount, currency, status, booking}`. `Idempotency-Key` answers the same
/// booking again.
#[utoipa::path(post, path = "/cart/{userId}/checkout", tag = "Cart", operation_id = "checkout_cart",
    security(("bearerAuth" = [])), request_body = CheckoutIn,
    params(("userId" = String, Path, description = "The caller's id, or `me`"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key, 1–255 characters")),
    responses((status = 200, description = "`BookingResponse`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`items_unavailable` (named in `details`), `price_changed`", body = ErrorBody),
        (status = 422, description = "`cart_empty`, `mixed_currencies`", body = ErrorBody),
        (status = 503, description = "payments cannot be reached", body = ErrorBody)))]
pub async fn checkout(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    headers: HeaderMap,
    Path(who): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    owner(&user, &who)?;
    let body: CheckoutIn = if body.iter().all(u8::is_ascii_whitespace) {
        CheckoutIn::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::invalid_json(format!("Invalid request body: {e}")))?
    };
    let key = super::reservations::idempotency_key(&headers)?;
    let done = state.checkout(&user, body, key.as_deref()).await?;
    let (trip, items, found) = state.trip_of(&user, &done.trip.reference).await?;
    let data = json!({ "bookingReference": done.trip.reference, "clientSecret": done.payment.client_secret,
        "paymentIntentId": done.payment.payment_intent_id, "amount": major(done.trip.total, &done.trip.currency),
        "amountMinor": done.trip.total, "currency": done.trip.currency, "status": done.payment.status,
        "booking": crate::service::Bookings::trip_view(&trip, &items, &found) });
    let mut response = (StatusCode::OK, axum::Json(json!({ "success": true, "data": data }))).into_response();
    if done.replayed {
        response.headers_mut().insert("idempotent-replayed", axum::http::HeaderValue::from_static("true"));
    }
    Ok(response)
}
