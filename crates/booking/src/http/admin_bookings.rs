//! DreamScape's admin back-office over bookings by reference (`/api/v1/admin/bookings…`,
//! administrators only). `{id}` is a booking's id or its `DS-` reference.

use axum::extract::State as AxumState;
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody};
use platform::auth::AuthUser;
use platform::http::{Json, Path, Query, ok};
use serde_json::json;

use super::State;
use crate::voyage::admin::AdminQuery;
use crate::voyage::admin_actions::{BulkStatusIn, CancelIn, ModifyIn, StatusIn, wanted_status};

/// Bookings, filtered, sorted and paged: `{bookings, pagination: {page, limit, total, totalPages}}`.
/// Status, type, amount and destination are derived from each booking; they are applied to
/// at most the 10 000 newest bookings matching the dates and the search.
#[utoipa::path(get, path = "/api/v1/admin/bookings", tag = "Admin", operation_id = "admin_list_bookings",
    security(("bearerAuth" = [])), params(AdminQuery),
    responses((status = 200, description = "`{bookings, pagination}`"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<AdminQuery>,
) -> Result<Response, ApiError> {
    user.require_admin()?;
    Ok(ok(state.admin_page(&q.parse()?).await?))
}

/// The filtered bookings as CSV (at most 10 000 rows; paging ignored): header
/// `id,reference,type,status,destination,userId,userEmail,totalAmount,currency,confirmedAt,createdAt`,
/// every data cell quoted, formulas neutralised.
#[utoipa::path(get, path = "/api/v1/admin/bookings/export", tag = "Admin", operation_id = "admin_export_bookings",
    security(("bearerAuth" = [])), params(AdminQuery),
    responses((status = 200, description = "text/csv", content_type = "text/csv"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn export(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<AdminQuery>,
) -> Result<Response, ApiError> {
    user.require_admin()?;
    let rows = state.admin_trips(&q.parse()?).await?;
    let csv = crate::voyage::stats::export_csv(&rows);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (axum::http::header::CONTENT_DISPOSITION, "attachment; filename=\"bookings-export.csv\""),
        ],
        csv,
    )
        .into_response())
}

/// One booking: the list's fields, `data` (its lines, checkout metadata and the
/// administrators' area) and `payment` (as payments reports it, or `null`).
#[utoipa::path(get, path = "/api/v1/admin/bookings/{id}", tag = "Admin", operation_id = "admin_get_booking",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "The booking's id or DS- reference")),
    responses((status = 200, description = "the booking"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    user.require_admin()?;
    let b = state.admin_trip(&id).await?;
    Ok(ok(state.admin_view(&b).await))
}

/// Moves a booking to a status the way the booking gets there: `CONFIRMED` once payments has
/// the money, `COMPLETED` once every reservation ended, `CANCELLED` by the cancellation flow
/// (the listings' policies refund). Other moves are `409 invalid_transition`.
#[utoipa::path(put, path = "/api/v1/admin/bookings/{id}/status", tag = "Admin", operation_id = "admin_set_booking_status",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "The booking's id or DS- reference")),
    request_body = StatusIn,
    responses((status = 200, description = "the booking"), (status = 400, description = "status missing or invalid", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_transition`, `payment_incomplete`, `not_finished`", body = ErrorBody)))]
pub async fn set_status(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<StatusIn>,
) -> Result<Response, ApiError> {
    user.require_admin()?;
    let wanted = wanted_status(body.status.as_deref())?;
    Ok(ok(state.admin_set_status(&user, &id, &wanted).await?))
}

/// Moves several bookings as `PUT /{id}/status` does each: `{updated, failed: [{id, code, message}]}`.
#[utoipa::path(put, path = "/api/v1/admin/bookings/bulk/status", tag = "Admin", operation_id = "admin_bulk_booking_status",
    security(("bearerAuth" = [])), request_body = BulkStatusIn,
    responses((status = 200, description = "`{updated, failed}`"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn bulk_status(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<BulkStatusIn>,
) -> Result<Response, ApiError> {
    user.require_admin()?;
    let wanted = wanted_status(body.status.as_deref())?;
    Ok(ok(state.admin_bulk_status(&user, body.ids.unwrap_or_default(), &wanted).await?))
}

/// Cancels a booking through the traveller's cancellation flow (suppliers, payments and
/// notifications hear of it): with `refund`, everything paid is given back; without, what the
/// listings' policies give back. `409` when already cancelled or completed.
#[utoipa::path(put, path = "/api/v1/admin/bookings/{id}/cancel", tag = "Admin", operation_id = "admin_cancel_booking",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "The booking's id or DS- reference")),
    request_body(content = Option<CancelIn>, description = "Optional"),
    responses((status = 200, description = "the booking, `CANCELLED`"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn cancel(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<Option<CancelIn>>,
) -> Result<Response, ApiError> {
    user.require_admin()?;
    Ok(ok(state.admin_cancel(&user, &id, body.unwrap_or_default()).await?))
}

/// Notes (`data.adminNotes`), free fields (`data.extra`) and, while no payment was opened for
/// it, the total (`409 amount_locked` otherwise: a charged amount never changes here).
#[utoipa::path(put, path = "/api/v1/admin/bookings/{id}/modify", tag = "Admin", operation_id = "admin_modify_booking",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "The booking's id or DS- reference")),
    request_body(content = Option<ModifyIn>, description = "Optional"),
    responses((status = 200, description = "the booking"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`amount_locked`", body = ErrorBody)))]
pub async fn modify(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<Option<ModifyIn>>,
) -> Result<Response, ApiError> {
    user.require_admin()?;
    Ok(ok(state.admin_modify(&user, &id, body.unwrap_or_default()).await?))
}

/// Sends the booking's confirmation again to its contact e-mail: `{success: true}`.
#[utoipa::path(post, path = "/api/v1/admin/bookings/{id}/resend-email", tag = "Admin", operation_id = "admin_resend_booking_email",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "The booking's id or DS- reference")),
    responses((status = 200, description = "`{success: true}`"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "`no_contact_email`", body = ErrorBody),
        (status = 503, description = "mail cannot be sent now", body = ErrorBody)))]
pub async fn resend(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    user.require_admin()?;
    state.admin_resend(&id).await?;
    Ok(ok(json!({ "success": true })))
}
