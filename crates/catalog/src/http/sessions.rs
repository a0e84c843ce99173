//! `/api/v1/listings/{id}/sessions`: when an activity runs.

use axum::extract::State as AxumState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use kernel::{ApiError, ErrorBody};
use platform::auth::{AuthUser, MaybeAuthUser};
use platform::http::{Json, Path, Query, ok, ok_with_message};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::State;
use crate::service::sessions::NewSession;
use kernel::Window;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionIn {
    /// RFC 3339 instant, in the future.
    pub starts_at: DateTime<Utc>,
    /// Default: the activity's `maxParticipants`.
    pub capacity: Option<i64>,
    /// Minor units; default: the activity's `pricePerPerson`.
    pub price_per_person: Option<i64>,
}

/// Schedule a session (owner of an activity listing).
#[utoipa::path(post, path = "/api/v1/listings/{id}/sessions", tag = "Listings", operation_id = "add_listing_session",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Listing id")), request_body = SessionIn,
    responses((status = 201, description = "`{session}`"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`not_an_activity` / `session_exists`", body = ErrorBody)))]
pub async fn add(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<SessionIn>,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "listing")?;
    let new =
        NewSession { starts_at: body.starts_at, capacity: body.capacity, price_per_person: body.price_per_person };
    let session = state.add_session(id, &user, new).await?;
    Ok((StatusCode::CREATED, ok(json!({ "session": session }))).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionsQuery {
    /// From this RFC 3339 instant, or from the start of this `YYYY-MM-DD` day in the listing's
    /// time zone (default: now).
    pub from: Option<String>,
    /// Until this RFC 3339 instant, exclusive, or to the end of this `YYYY-MM-DD` day in the
    /// listing's time zone, included (default: 90 days after `from`; at most 366 days).
    pub to: Option<String>,
}

/// Upcoming sessions of a listing (visible like the listing itself).
#[utoipa::path(get, path = "/api/v1/listings/{id}/sessions", tag = "Listings", operation_id = "list_listing_sessions",
    security((), ("bearerAuth" = [])), params(("id" = String, Path, description = "Listing id"), SessionsQuery),
    responses((status = 200, description = "`{sessions}`"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    AxumState(state): AxumState<State>,
    user: MaybeAuthUser,
    Path(id): Path<String>,
    Query(q): Query<SessionsQuery>,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "listing")?;
    let window = Window::parse(q.from.as_deref(), q.to.as_deref())?;
    let sessions = state.sessions(id, user.0.as_ref(), &window).await?;
    Ok(ok(json!({ "sessions": sessions })))
}

/// Cancel a scheduled session (owner).
#[utoipa::path(delete, path = "/api/v1/listings/{id}/sessions/{sessionId}", tag = "Listings", operation_id = "remove_listing_session",
    security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Listing id"), ("sessionId" = String, Path, description = "Session id")),
    responses((status = 200, description = "Removed"), (status = 404, body = ErrorBody)))]
pub async fn remove(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path((id, session)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "listing")?;
    let session = kernel::parse_id(&session, "session")?;
    state.remove_session(id, &user, session).await?;
    Ok(ok_with_message(json!({}), "Session removed"))
}
