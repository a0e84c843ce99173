//! Public lists and aggregates: a listing's reviews (newest, highest, lowest) and its
//! statistics, a user's reviews (about them, or written by them) and theirs.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::MaybeAuthUser;
use platform::http::{Path, Query, ok};
use serde::Deserialize;
use serde_json::json;

use super::{ListParams, State, page_json, some_id};
use crate::service::Actor;

fn listing_id(raw: &str) -> Result<uuid::Uuid, ApiError> {
    some_id(raw, "Listing", "listing_not_found")
}

fn user_id(raw: &str) -> Result<uuid::Uuid, ApiError> {
    some_id(raw, "User", "user_not_found")
}

/// A listing's published guest reviews and its aggregate (numbers public from 3 reviews).
#[utoipa::path(get, path = "/api/v1/reviews/listing/{listingId}", tag = "Reviews", operation_id = "listing_reviews",
    params(("listingId" = String, Path, description = "Listing id"), ListParams),
    responses((status = 200, description = "`{reviews, total, limit, offset, hasMore, summary}`"), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn of_listing(
    AxumState(state): AxumState<State>,
    MaybeAuthUser(user): MaybeAuthUser,
    Path(id): Path<String>,
    Query(params): Query<ListParams>,
) -> Result<Response, ApiError> {
    let (id, q) = (listing_id(&id)?, params.parse()?);
    let actor = user.as_ref().map(Actor::from);
    let (page, summary) = state.of_listing(actor.as_ref(), id, q).await?;
    let mut body = page_json(page, q);
    body["summary"] = summary;
    Ok(ok(body))
}

/// A listing's aggregate: `{listingId, reviewCount, shown, rating, categories, distribution}`;
/// `rating`, `categories` and `distribution` are `null` below 3 reviews (administrators see them).
#[utoipa::path(get, path = "/api/v1/reviews/stats/{listingId}", tag = "Reviews", operation_id = "listing_review_stats",
    params(("listingId" = String, Path, description = "Listing id")),
    responses((status = 200, description = "`{stats}`"), (status = 404, body = ErrorBody)))]
pub async fn listing_stats(
    AxumState(state): AxumState<State>,
    MaybeAuthUser(user): MaybeAuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let actor = user.as_ref().map(Actor::from);
    Ok(ok(json!({ "stats": state.listing_summary(actor.as_ref(), listing_id(&id)?).await? })))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListParams {
    /// `about` (default): reviews about the user; `by`: reviews the user wrote.
    pub r#as: Option<String>,
    /// `newest` (default), `highest` or `lowest` rating first.
    pub sort: Option<String>,
    /// Items per page, 1–100 (default 20).
    pub limit: Option<String>,
    /// Items to skip (default 0).
    pub offset: Option<String>,
}

/// Reviews about a user (from guests and hosts; with their aggregate), or written by them
/// (`as=by`: their pending and hidden ones too when they ask themselves).
#[utoipa::path(get, path = "/api/v1/reviews/user/{userId}", tag = "Reviews", operation_id = "user_reviews",
    params(("userId" = String, Path, description = "User id"), UserListParams),
    responses((status = 200, description = "`{reviews, total, limit, offset, hasMore, summary?}`"), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn of_user(
    AxumState(state): AxumState<State>,
    MaybeAuthUser(user): MaybeAuthUser,
    Path(id): Path<String>,
    Query(params): Query<UserListParams>,
) -> Result<Response, ApiError> {
    let id = user_id(&id)?;
    let by = match params.r#as.as_deref().map(str::trim) {
        None | Some("" | "about") => false,
        Some("by") => true,
        Some(_) => return Err(ApiError::validation(vec![FieldError::new("as", "must be about or by")])),
    };
    let q = ListParams { sort: params.sort, limit: params.limit, offset: params.offset }.parse()?;
    let actor = user.as_ref().map(Actor::from);
    if by {
        return Ok(ok(page_json(state.by(actor.as_ref(), id, q).await?, q)));
    }
    let (page, summary) = state.about(actor.as_ref(), id, q).await?;
    let mut body = page_json(page, q);
    body["summary"] = summary;
    Ok(ok(body))
}

/// A user's aggregate overall, as a host (from guests) and as a guest (from hosts).
#[utoipa::path(get, path = "/api/v1/reviews/user/{userId}/stats", tag = "Reviews", operation_id = "user_review_stats",
    params(("userId" = String, Path, description = "User id")),
    responses((status = 200, description = "`{stats: {userId, reviewCount, shown, rating, distribution, asHost, asGuest}}`"),
        (status = 404, body = ErrorBody)))]
pub async fn user_stats(
    AxumState(state): AxumState<State>,
    MaybeAuthUser(user): MaybeAuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let actor = user.as_ref().map(Actor::from);
    Ok(ok(json!({ "stats": state.user_summary(actor.as_ref(), user_id(&id)?).await? })))
}
