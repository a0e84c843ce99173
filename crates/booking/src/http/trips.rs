//! DreamScape's bookings by reference (`/bookings/…`, under the voyage prefixes).

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, Page, PageQuery, PageRequest};
use platform::auth::AuthUser;
use platform::http::{Path, Query, ok};
use serde::Deserialize;

use super::State;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TripsQuery {
    pub limit: Option<String>,
    pub offset: Option<String>,
}

/// The caller's bookings, newest first: `{bookings, pagination}`.
#[utoipa::path(get, path = "/bookings", tag = "Bookings", operation_id = "list_bookings",
    security(("bearerAuth" = [])), params(TripsQuery),
    responses((status = 200, description = "`{bookings, pagination}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<TripsQuery>,
) -> Result<Response, ApiError> {
    let page = PageRequest::parse(&PageQuery { limit: q.limit, offset: q.offset, cursor: None })?;
    let (rows, total) = state.trips(&user, &page).await?;
    Ok(ok(Page::new(rows, &page, Some(total.max(0) as u64)).keyed("bookings")))
}

/// The caller's bookings counted (never anyone else's, whatever `userId` says): `{total,
/// byStatus, byType, totalSpent, currency, upcomingTrips}`.
#[utoipa::path(get, path = "/bookings/stats", tag = "Bookings", operation_id = "booking_stats",
    security(("bearerAuth" = [])),
    responses((status = 200, description = "`{total, byStatus, byType, totalSpent, currency, upcomingTrips}`"),
        (status = 401, body = ErrorBody)))]
pub async fn stats(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    Ok(ok(state.trip_stats(&user).await?))
}

/// One of the caller's bookings: `{bookingReference, status, amount, currency, items, …}`.
#[utoipa::path(get, path = "/bookings/{reference}", tag = "Bookings", operation_id = "get_booking",
    security(("bearerAuth" = [])), params(("reference" = String, Path, description = "DS-XXXXXXXX")),
    responses((status = 200, description = "the booking"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(reference): Path<String>,
) -> Result<Response, ApiError> {
    let (trip, items, found) = state.trip_of(&user, &reference).await?;
    Ok(ok(crate::service::Bookings::trip_view(&trip, &items, &found)))
}

/// Cancels a booking: each reservation by its policy, each supplier offer at the supplier;
/// payments refunds what they give back.
#[utoipa::path(delete, path = "/bookings/{reference}", tag = "Bookings", operation_id = "cancel_booking",
    security(("bearerAuth" = [])), params(("reference" = String, Path, description = "DS-XXXXXXXX")),
    responses((status = 200, description = "the booking, `CANCELLED`"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(reference): Path<String>,
) -> Result<Response, ApiError> {
    Ok(ok(state.cancel_trip(&user, &reference).await?))
}

/// Confirms a booking after its payment: payments is asked where the payment stands (the
/// client's word is not taken); `409 payment_incomplete` until it is captured.
#[utoipa::path(post, path = "/bookings/{reference}/confirm", tag = "Bookings", operation_id = "confirm_booking",
    security(("bearerAuth" = [])), params(("reference" = String, Path, description = "DS-XXXXXXXX")),
    request_body(content = Object, description = "`{paymentIntentId?}` (informative: payments is asked)"),
    responses((status = 200, description = "the booking"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`payment_incomplete`", body = ErrorBody)))]
pub async fn confirm(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(reference): Path<String>,
) -> Result<Response, ApiError> {
    Ok(ok(state.confirm_trip(&user, &reference).await?))
}

async fn documents(
    state: &State,
    user: &AuthUser,
    reference: &str,
) -> Result<crate::voyage::documents::Docs, ApiError> {
    let (trip, items, found) = state.trip_of(user, reference).await?;
    let mut addresses = Vec::new();
    for r in &found {
        let address = crate::store::find(&state.db, r.listing_id).await?.and_then(|l| {
            let a = l.data.get("address")?;
            let part = |k: &str| a.get(k).and_then(serde_json::Value::as_str).map(str::to_owned);
            Some([part("line1"), part("city"), part("country")].into_iter().flatten().collect::<Vec<_>>().join(", "))
        });
        addresses.push((r.id, address));
    }
    Ok(crate::voyage::documents::Docs::new(&trip, &items, &found, |r| {
        addresses.iter().find(|(id, _)| *id == r.id).and_then(|(_, a)| a.clone())
    }))
}

fn attachment(content_type: &'static str, name: String, body: Vec<u8>) -> Response {
    use axum::response::IntoResponse;
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static(content_type)),
            (
                axum::http::header::CONTENT_DISPOSITION,
                axum::http::HeaderValue::from_str(&disposition)
                    .unwrap_or_else(|_| axum::http::HeaderValue::from_static("attachment")),
            ),
        ],
        body,
    )
        .into_response()
}

/// The booking as a PDF confirmation (reference, traveller, items, amounts, policies).
#[utoipa::path(get, path = "/bookings/{reference}/pdf", tag = "Bookings", operation_id = "booking_pdf",
    security(("bearerAuth" = [])), params(("reference" = String, Path, description = "DS-XXXXXXXX")),
    responses((status = 200, description = "application/pdf", content_type = "application/pdf"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn pdf(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(reference): Path<String>,
) -> Result<Response, ApiError> {
    let docs = documents(&state, &user, &reference).await?;
    let pdf = docs.pdf().map_err(|e| {
        tracing::error!(error = %e, "booking PDF");
        ApiError::internal()
    })?;
    Ok(attachment("application/pdf", format!("{}.pdf", reference.trim()), pdf))
}

/// The booking as an RFC 5545 calendar: one event per dated item, in its own time zone.
#[utoipa::path(get, path = "/bookings/{reference}/ics", tag = "Bookings", operation_id = "booking_ics",
    security(("bearerAuth" = [])), params(("reference" = String, Path, description = "DS-XXXXXXXX")),
    responses((status = 200, description = "text/calendar", content_type = "text/calendar"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn ics(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(reference): Path<String>,
) -> Result<Response, ApiError> {
    let docs = documents(&state, &user, &reference).await?;
    Ok(attachment("text/calendar; charset=utf-8", format!("{}.ics", reference.trim()), docs.ics().into_bytes()))
}
