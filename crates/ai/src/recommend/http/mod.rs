//! DreamScape's routes of §5.1 (`/api/v1/recommendations`) and §5.4 (`/api/v1/ai`). Bodies are
//! bare JSON as DreamScape's; errors our envelope. Anything about a user needs the caller's
//! token and is the caller's own (administrators may act for others); public lists need none;
//! platform-wide operations are administrators'.

mod admin;
mod onboarding;
mod public;
mod similar_listings;
mod user;

use axum::Json as AxumJson;
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, FieldError};
use platform::auth::AuthUser;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::service::Recommender;

pub type State = Recommender;

pub fn routes() -> OpenApiRouter<State> {
    OpenApiRouter::new()
        .routes(routes!(user::generate))
        .routes(routes!(user::personalized))
        .routes(routes!(user::track))
        .routes(routes!(user::refresh))
        .routes(routes!(user::vector_post))
        .routes(routes!(user::vector_get))
        .routes(routes!(user::cold_start))
        .routes(routes!(public::trending))
        .routes(routes!(public::similar))
        .routes(routes!(similar_listings::similar_listings))
        .routes(routes!(public::deals))
        .routes(routes!(public::by_location))
        .routes(routes!(public::popular))
        .routes(routes!(public::segment_popular))
        .routes(routes!(admin::analytics))
        .routes(routes!(admin::cleanup))
        .routes(routes!(admin::popularity_refresh))
        .routes(routes!(admin::cache_stats))
        .routes(routes!(onboarding::complete))
        .routes(routes!(onboarding::refine))
        .routes(routes!(onboarding::segment))
        .routes(routes!(onboarding::regenerate))
}

/// A bare JSON body (DreamScape's §5 answers carry no envelope).
pub fn bare<T: Serialize>(v: T) -> Response {
    AxumJson(v).into_response()
}

/// The user a request names: required (`missing` is the message), a UUID.
pub fn user_param(raw: Option<&str>, field: &str, missing: &str) -> Result<Uuid, ApiError> {
    let raw = raw.map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| ApiError::bad_request(missing))?;
    raw.parse().map_err(|_| ApiError::validation(vec![FieldError::new(field, "must be a user id (UUID)")]))
}

/// 403 unless `user` is the caller or the caller is an administrator.
pub fn own(caller: &AuthUser, user: Uuid) -> Result<(), ApiError> {
    if caller.user_id == user || caller.is_admin() {
        Ok(())
    } else {
        Err(ApiError::forbidden("You may only act on your own recommendations"))
    }
}

/// A whole number `min..=max` (`default` when absent).
pub fn number(raw: Option<&str>, field: &str, default: usize, min: usize, max: usize) -> Result<usize, ApiError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(default),
        Some(s) => s.parse().ok().filter(|n| (min..=max).contains(n)).ok_or_else(|| {
            ApiError::validation(vec![FieldError::new(field, format!("must be a whole number from {min} to {max}"))])
        }),
    }
}

/// A number `min..=max` (`default` when absent).
pub fn real(raw: Option<&str>, field: &str, default: f64, min: f64, max: f64) -> Result<f64, ApiError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(default),
        Some(s) => s.parse().ok().filter(|n: &f64| (min..=max).contains(n)).ok_or_else(|| {
            ApiError::validation(vec![FieldError::new(field, format!("must be a number from {min} to {max}"))])
        }),
    }
}
