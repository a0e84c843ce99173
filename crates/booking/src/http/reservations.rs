//! `/api/v1/reservations`: quotes, reservations and their transitions.

use axum::extract::State as AxumState;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use kernel::{ApiError, ErrorBody, FieldError, Page, PageQuery, PageRequest};
use platform::auth::{AuthUser, MaybeAuthUser};
use platform::http::{Json, Path, Query, ok, ok_with_message};
use serde::Deserialize;
use serde_json::{Value, json};

use super::State;
use crate::request::ReservationBody;
use crate::service::jobs::JobRun;
use crate::service::reservation_view;
use crate::store::reservations::{Filter, Side};

const STATUSES: [&str; 7] =
    ["pending_payment", "awaiting_host", "confirmed", "completed", "declined", "cancelled", "expired"];

/// Prices a request exactly as a reservation would be priced now, and checks it can be sold;
/// nothing is held.
#[utoipa::path(post, path = "/api/v1/reservations/quote", tag = "Booking", operation_id = "quote_reservation",
    security((), ("bearerAuth" = [])), request_body = ReservationBody,
    responses((status = 200, description = "`{quote}`: itemised lines, discounts, fees, taxes and totals"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`dates_unavailable`, `sold_out`, `coupon_exhausted`", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn quote(
    AxumState(state): AxumState<State>,
    user: MaybeAuthUser,
    Json(body): Json<ReservationBody>,
) -> Result<Response, ApiError> {
    let offer = state.quote(user.0.as_ref(), &body).await?;
    Ok(ok(json!({ "quote": offer.quote, "startsAt": offer.starts_at, "endsAt": offer.ends_at })))
}

pub(super) use platform::http::idempotency_key;

/// Reserves: stays `{listingId, checkIn, checkOut, guests}`, restaurants `{listingId,
/// slotStart, partySize}`, activities `{listingId, sessionId, partySize}`, transport
/// `{listingId, tripId, seats}`, products `{listingId, quantity, shippingOption, deliveryAddress}`;
/// `couponCode` optional. The same `Idempotency-Key` answers the same reservation.
#[utoipa::path(post, path = "/api/v1/reservations", tag = "Booking", operation_id = "create_reservation",
    security(("bearerAuth" = [])), request_body = ReservationBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key, 1–255 characters")),
    responses((status = 201, description = "`{reservation}` (with `Idempotent-Replayed: true` when repeated)"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`dates_unavailable`, `sold_out`, `listing_unavailable`, `coupon_exhausted`", body = ErrorBody),
        (status = 422, description = "… or `country_not_served` (`deliveryAddress.country`)", body = ErrorBody)))]
pub async fn create(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    headers: HeaderMap,
    Json(body): Json<ReservationBody>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers)?;
    let made = state.reserve(&user, &body, key.as_deref()).await?;
    let mut response = (
        StatusCode::CREATED,
        axum::Json(json!({"success": true, "data": {"reservation": state.party_view(&made.reservation).await?}})),
    )
        .into_response();
    if made.replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct ListQuery {
    /// One of the states.
    pub status: Option<String>,
    pub listing_id: Option<String>,
    /// Reservations ending at or after this instant (RFC 3339 or `YYYY-MM-DD`).
    pub from: Option<String>,
    /// Reservations starting before this instant.
    pub to: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}

async fn list(state: &State, user: &AuthUser, side: Side, q: ListQuery) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    let page = PageRequest::parse_collecting(
        &PageQuery { limit: q.limit.clone(), offset: q.offset.clone(), cursor: None },
        &mut errors,
    );
    let status = q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    if status.as_deref().is_some_and(|s| !STATUSES.contains(&s)) {
        errors.push(FieldError::new("status", format!("must be one of {}", STATUSES.join(", "))));
    }
    let listing = q.listing_id.as_deref().and_then(|l| {
        l.trim().parse().map_err(|_| errors.push(FieldError::new("listingId", "must be a listing id"))).ok()
    });
    let mut when = |field: &str, raw: Option<&str>| -> Option<DateTime<Utc>> {
        raw.and_then(|r| {
            kernel::parse_day_or_instant(r).or_else(|| {
                errors.push(FieldError::new(field, "must be RFC 3339 or YYYY-MM-DD"));
                None
            })
        })
    };
    let filter = Filter { status, listing, from: when("from", q.from.as_deref()), to: when("to", q.to.as_deref()) };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let (rows, total) = state.list(user, side, &filter, &page).await?;
    let items: Vec<Value> = state.party_views(&rows).await?;
    Ok(ok(Page::new(items, &page, Some(total.max(0) as u64)).keyed("reservations")))
}

/// The caller's reservations as a guest, newest first.
#[utoipa::path(get, path = "/api/v1/reservations", tag = "Booking", operation_id = "list_my_reservations",
    security(("bearerAuth" = [])), params(ListQuery),
    responses((status = 200, description = "`{reservations, pagination}`"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)))]
pub async fn mine(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    list(&state, &user, Side::Guest, q).await
}

/// Reservations of the caller's listings, newest first.
#[utoipa::path(get, path = "/api/v1/reservations/hosting", tag = "Booking", operation_id = "list_hosting_reservations",
    security(("bearerAuth" = [])), params(ListQuery),
    responses((status = 200, description = "`{reservations, pagination}`"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)))]
pub async fn hosting(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    list(&state, &user, Side::Host, q).await
}

/// One reservation: its guest, its host or an administrator; anyone else gets 404. Its money
/// is what the payment did, in minor units: `authorised` (held on the card, not captured),
/// `paid` (captured) and `refunded` (given back).
#[utoipa::path(get, path = "/api/v1/reservations/{id}", tag = "Booking", operation_id = "get_reservation",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Reservation id")),
    responses((status = 200, description = "`{reservation}`, with `authorised`, `paid` (captured) and `refunded` in minor units"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "reservation")?;
    let (r, _) = state.reservation_for(&user, id).await?;
    Ok(ok(json!({ "reservation": state.party_view(&r).await? })))
}

/// What cancelling now would refund the guest, for the caller's role.
#[utoipa::path(get, path = "/api/v1/reservations/{id}/cancellation", tag = "Booking",
    operation_id = "preview_reservation_cancellation", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Reservation id")),
    responses((status = 200, description = "`{refund}`"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn cancellation(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "reservation")?;
    let (r, refund) = state.cancellation_preview(&user, id).await?;
    Ok(ok(json!({ "reservationId": r.id, "policy": r.cancellation_policy, "refund": refund })))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonIn {
    /// Up to 500 characters, shown to the other party.
    pub reason: Option<String>,
}

/// The optional `{reason}` body of decline and cancel (an empty body is fine).
fn reason_of(body: &[u8]) -> Result<Option<String>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let parsed: ReasonIn =
        serde_json::from_slice(body).map_err(|e| ApiError::invalid_json(format!("Invalid request body: {e}")))?;
    Ok(parsed.reason)
}

fn done(r: &crate::store::reservations::Reservation, message: &str) -> Response {
    ok_with_message(json!({ "reservation": reservation_view(r) }), message)
}

/// The host accepts a request to book.
#[utoipa::path(post, path = "/api/v1/reservations/{id}/accept", tag = "Booking", operation_id = "accept_reservation",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Reservation id")),
    responses((status = 200, description = "`{reservation}`"), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "`invalid_state`", body = ErrorBody)))]
pub async fn accept(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "reservation")?;
    Ok(done(&state.accept(&user, id).await?, "Reservation confirmed"))
}

/// The host declines a request to book: the guest's authorisation is released (nothing was
/// captured, so `refund.amount` is 0, rule `authorisation_released`).
#[utoipa::path(post, path = "/api/v1/reservations/{id}/decline", tag = "Booking", operation_id = "decline_reservation",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Reservation id")), request_body = ReasonIn,
    responses((status = 200, description = "`{reservation}` with its `refund`"), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn decline(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "reservation")?;
    let reason = reason_of(&body)?;
    Ok(done(&state.decline(&user, id, reason).await?, "Reservation declined"))
}

/// Cancels: by the guest under the listing's policy, by the host with a full refund.
#[utoipa::path(post, path = "/api/v1/reservations/{id}/cancel", tag = "Booking", operation_id = "cancel_reservation",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Reservation id")), request_body = ReasonIn,
    responses((status = 200, description = "`{reservation}` with its `refund`"), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn cancel(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "reservation")?;
    let reason = reason_of(&body)?;
    Ok(done(&state.cancel(&user, id, reason).await?, "Reservation cancelled"))
}

/// The host marks a reservation completed (goods delivered, or after it ended).
#[utoipa::path(post, path = "/api/v1/reservations/{id}/complete", tag = "Booking", operation_id = "complete_reservation",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Reservation id")),
    responses((status = 200, description = "`{reservation}`"), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn complete(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "reservation")?;
    Ok(done(&state.complete(&user, id).await?, "Reservation completed"))
}

/// Administrators: run the scheduler now (expire holds and requests, complete ended stays).
#[utoipa::path(post, path = "/api/v1/admin/booking/jobs/run", tag = "Booking", operation_id = "run_booking_jobs",
    security(("bearerAuth" = [])),
    responses((status = 200, body = JobRun), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn run_jobs(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    if !user.is_admin() {
        return Err(ApiError::forbidden("Administrators only"));
    }
    Ok(ok(state.run_jobs().await?))
}
