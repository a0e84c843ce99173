//! `/api/v1/listings/{id}/tour`: read (public with the listing), create or replace (owner,
//! `If-Match` with the tour's ETag to replace), delete.

use axum::extract::State as AxumState;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody};
use platform::auth::{Actor, AuthUser, MaybeAuthUser};
use platform::http::{Json, Path, created, ok};

use super::State;
use crate::domain::tour::TourDoc;
use crate::service::tours::TourView;

fn etag_of(version: i64) -> String {
    format!("\"{version}\"")
}

fn with_etag(response: Response, version: i64) -> Response {
    platform::http::with_version_etag(response, version)
}

fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    platform::http::if_match_version(headers, "the tour")
}

/// The virtual tour of a listing: scenes (a panorama each, with the view it opens on) and
/// hotspots. Public when the listing is; `ETag` is the tour's version (`If-None-Match` → 304).
#[utoipa::path(get, path = "/api/v1/listings/{id}/tour", tag = "Media", operation_id = "get_listing_tour",
    security((), ("bearerAuth" = [])), params(("id" = String, Path, description = "Listing id")),
    responses((status = 200, description = "`{data: tour}`", body = TourView), (status = 304, description = "Unchanged"),
        (status = 404, description = "No such listing, or no tour", body = ErrorBody)))]
pub async fn get_tour(
    AxumState(state): AxumState<State>,
    user: MaybeAuthUser,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let viewer = user.0.as_ref().map(Actor::from);
    let tour = state.tour(kernel::parse_id(&id, "listing")?, viewer).await?;
    let tag = etag_of(tour.version);
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim().trim_start_matches("W/") == tag));
    if unchanged {
        return Ok(with_etag(StatusCode::NOT_MODIFIED.into_response(), tour.version));
    }
    let version = tour.version;
    Ok(with_etag(ok(tour), version))
}

/// Create the listing's tour, or replace it (send its ETag in `If-Match`). Every scene shows a
/// ready panorama of the listing; hotspots lead to another scene or show an info card.
#[utoipa::path(put, path = "/api/v1/listings/{id}/tour", tag = "Media", operation_id = "put_listing_tour",
    security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Listing id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the tour you edit (required to replace one)")),
    request_body = TourDoc,
    responses((status = 200, description = "Replaced; new `ETag`", body = TourView), (status = 201, description = "Created", body = TourView),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 412, description = "`version_conflict`", body = ErrorBody),
        (status = 400, description = "`validation_failed`: invalid scenes or hotspots", body = ErrorBody),
        (status = 428, description = "`precondition_required`: a tour exists and no If-Match was sent", body = ErrorBody)))]
pub async fn put_tour(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(doc): Json<TourDoc>,
) -> Result<Response, ApiError> {
    let listing = kernel::parse_id(&id, "listing")?;
    let (tour, was_created) = state.put_tour(listing, Actor::from(&user), doc, if_match(&headers)?).await?;
    let version = tour.version;
    Ok(with_etag(if was_created { created(tour) } else { ok(tour) }, version))
}

/// Delete the listing's tour (owner). `If-Match` guards it when sent.
#[utoipa::path(delete, path = "/api/v1/listings/{id}/tour", tag = "Media", operation_id = "delete_listing_tour",
    security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Listing id"), ("If-Match" = Option<String>, Header, description = "ETag of the tour")),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 412, body = ErrorBody)))]
pub async fn delete_tour(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    state.delete_tour(kernel::parse_id(&id, "listing")?, Actor::from(&user), if_match(&headers)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
