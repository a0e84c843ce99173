//! `/api/v1/reservations/{id}/ship`, `/deliver`, `/receipt` and `/returns`: a product order's
//! way to the guest and back.

use axum::extract::State as AxumState;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody};
use platform::auth::AuthUser;
use platform::http::{Json, Path, idempotency_key, ok_with_message};
use serde::Deserialize;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::State;
use crate::service::fulfilment::Receiver;
use crate::service::order_view::return_view;
use crate::shipping::tracking::{ReturnRequest, Tracking};
use crate::store::reservations::Reservation;

pub fn routes() -> OpenApiRouter<State> {
    OpenApiRouter::new()
        .routes(routes!(ship))
        .routes(routes!(deliver))
        .routes(routes!(receipt))
        .routes(routes!(create_return))
}

/// How the parcel travels.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ShipIn {
    /// 1–80 characters, e.g. `Colissimo`.
    #[schema(max_length = 80)]
    pub carrier: Option<String>,
    /// 1–64 letters, digits, spaces or dashes.
    #[schema(max_length = 64)]
    pub tracking_number: Option<String>,
    /// An `https://` link to follow the parcel, up to 500 characters.
    #[schema(max_length = 500)]
    pub tracking_url: Option<String>,
}

/// Units sent back.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReturnIn {
    /// 1 to the units bought and not yet returned.
    #[schema(minimum = 1, maximum = 1000)]
    pub quantity: Option<i64>,
    /// Why, 1–500 characters.
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

async fn answer(state: &State, r: &Reservation, message: &str) -> Result<Response, ApiError> {
    Ok(ok_with_message(json!({ "reservation": state.party_view(r).await? }), message))
}

/// The seller ships a confirmed order: its shipment becomes `shipped` (`order.shipped`).
#[utoipa::path(post, path = "/api/v1/reservations/{id}/ship", tag = "Booking", operation_id = "ship_order",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Reservation id")), request_body = ShipIn,
    responses((status = 200, description = "`{reservation}` with its `shipment`"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_state`: not confirmed, not an order shipped to an address, or already shipped", body = ErrorBody)))]
pub async fn ship(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<ShipIn>,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "reservation")?;
    let tracking =
        Tracking::parse(body.carrier.as_deref(), body.tracking_number.as_deref(), body.tracking_url.as_deref())?;
    answer(&state, &state.ship(&user, id, tracking).await?, "Order shipped").await
}

/// The seller marks a shipped order delivered: the reservation is `completed`
/// (`order.delivered`, `booking.completed`).
#[utoipa::path(post, path = "/api/v1/reservations/{id}/deliver", tag = "Booking", operation_id = "deliver_order",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Reservation id")),
    responses((status = 200, description = "`{reservation}`, completed"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_state`: not shipped", body = ErrorBody)))]
pub async fn deliver(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "reservation")?;
    answer(&state, &state.deliver(&user, id, Receiver::Seller).await?, "Order delivered").await
}

/// The guest confirms they received a shipped order: as `deliver`.
#[utoipa::path(post, path = "/api/v1/reservations/{id}/receipt", tag = "Booking", operation_id = "confirm_order_receipt",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Reservation id")),
    responses((status = 200, description = "`{reservation}`, completed"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_state`: not shipped", body = ErrorBody)))]
pub async fn receipt(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "reservation")?;
    answer(&state, &state.deliver(&user, id, Receiver::Guest).await?, "Receipt confirmed").await
}

/// The seller takes back units of a shipped or delivered order and refunds their share of what
/// was paid (shipping excepted) through payments (`order.returned`, `booking.refund_due`). The
/// same `Idempotency-Key` answers the same return.
#[utoipa::path(post, path = "/api/v1/reservations/{id}/returns", tag = "Booking", operation_id = "return_order_units",
    security(("bearerAuth" = [])), request_body = ReturnIn,
    params(("id" = String, Path, description = "Reservation id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key, 1–255 characters")),
    responses((status = 201, description = "`{return, reservation}` (with `Idempotent-Replayed: true` when repeated)"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_state` (not shipped), `return_exceeds_quantity`", body = ErrorBody),
        (status = 422, description = "`idempotency_key_reused`", body = ErrorBody)))]
pub async fn create_return(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<ReturnIn>,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "reservation")?;
    let key = idempotency_key(&headers)?;
    let ask = ReturnRequest::parse(body.quantity, body.reason.as_deref())?;
    let made = state.return_units(&user, id, ask, key.as_deref()).await?;
    let reservation = state.party_view(&made.reservation).await?;
    let data = json!({"success": true, "data": {"return": return_view(&made.record), "reservation": reservation}});
    let mut response = (StatusCode::CREATED, axum::Json(data)).into_response();
    if made.replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}
