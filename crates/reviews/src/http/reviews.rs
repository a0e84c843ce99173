//! Writing and reading one review: `POST /reviews`, `GET|DELETE /reviews/{id}`, the response,
//! flags, a reservation's pair, and the reservations the caller may still review.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody};
use platform::auth::{AuthUser, MaybeAuthUser};
use platform::http::{Json, Path, created, ok, ok_with_message};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::{State, review_id, some_id};
use crate::service::Actor;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewBody {
    /// The completed reservation reviewed (the caller is its guest or its host).
    pub reservation_id: Option<String>,
    /// Overall rating, a whole number from 1 to 5.
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 5)]
    pub rating: Option<Value>,
    /// Category ratings 1–5, by name; the names depend on the reservation's kind and the
    /// author's side (see docs/reviews.md), e.g. for a guest's stay review `cleanliness`,
    /// `accuracy`, `checkIn`, `communication`, `location`, `value`.
    #[schema(value_type = Option<Object>)]
    pub categories: Option<Value>,
    /// Public text, 1–5000 characters.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 5000)]
    pub comment: Option<Value>,
    /// A note only the other side reads, up to 2000 characters.
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub private_note: Option<Value>,
}

/// Review a completed reservation, as its guest or its host, within 14 days of completion.
/// Double-blind: the other side reads it only when they have written theirs or the window
/// has closed; both are then published at the same instant.
#[utoipa::path(post, path = "/api/v1/reviews", tag = "Reviews", operation_id = "create_review", security(("bearerAuth" = [])),
    request_body = ReviewBody,
    responses((status = 201, description = "`{review}` as its author reads it (`status`: `pending` or `published`)"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "`not_a_party`", body = ErrorBody), (status = 404, description = "`reservation_not_found`", body = ErrorBody),
        (status = 409, description = "`already_reviewed`, `not_completed`, `review_window_closed`, `nobody_to_review`", body = ErrorBody)))]
pub async fn create(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<ReviewBody>,
) -> Result<Response, ApiError> {
    let mut map = serde_json::Map::new();
    for (key, v) in [
        ("reservationId", body.reservation_id.map(Value::String)),
        ("rating", body.rating),
        ("categories", body.categories),
        ("comment", body.comment),
        ("privateNote", body.private_note),
    ] {
        if let Some(v) = v {
            map.insert(key.to_owned(), v);
        }
    }
    let review = state.submit(&Actor::from(&user), &map).await?;
    Ok(created(json!({ "review": crate::view::review(&review, crate::domain::Viewer::Author) })))
}

/// One review: its author and administrators always; anyone once it is published (and not
/// hidden). The private note is shown to the two sides only.
#[utoipa::path(get, path = "/api/v1/reviews/{id}", tag = "Reviews", operation_id = "get_review",
    params(("id" = String, Path, description = "Review id")),
    responses((status = 200, description = "`{review}`"), (status = 401, body = ErrorBody),
        (status = 404, description = "`review_not_found`", body = ErrorBody)))]
pub async fn get(
    AxumState(state): AxumState<State>,
    MaybeAuthUser(user): MaybeAuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let actor = user.as_ref().map(Actor::from);
    Ok(ok(json!({ "review": state.get(actor.as_ref(), review_id(&id)?).await? })))
}

/// Withdraw the caller's review while the other side cannot read it yet (it may be written
/// again while the window is open).
#[utoipa::path(delete, path = "/api/v1/reviews/{id}", tag = "Reviews", operation_id = "withdraw_review", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Review id")),
    responses((status = 200, description = "Withdrawn"), (status = 401, body = ErrorBody),
        (status = 403, description = "`not_author`", body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`already_published`", body = ErrorBody)))]
pub async fn withdraw(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = review_id(&id)?;
    state.withdraw(&Actor::from(&user), id).await?;
    Ok(ok_with_message(json!({"id": id, "withdrawn": true}), "Review withdrawn"))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResponseBody {
    /// The public response, 1–2000 characters.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 2000)]
    pub response: Option<Value>,
}

/// The reviewed side's one public response to a published review.
#[utoipa::path(post, path = "/api/v1/reviews/{id}/response", tag = "Reviews", operation_id = "respond_to_review", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Review id")), request_body = ResponseBody,
    responses((status = 200, description = "`{review}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "`not_reviewed_party`", body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`already_responded`, `not_published`", body = ErrorBody)))]
pub async fn respond(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<ResponseBody>,
) -> Result<Response, ApiError> {
    let actor = Actor::from(&user);
    let review = state.respond(&actor, review_id(&id)?, body.response.as_ref()).await?;
    Ok(ok(json!({ "review": crate::view::review(&review, crate::service::viewer(Some(&actor), &review)) })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlagBody {
    /// `spam`, `offensive`, `fake`, `irrelevant`, `personal_data` or `other`.
    #[schema(value_type = Option<String>)]
    pub reason: Option<Value>,
    /// Up to 2000 characters.
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub details: Option<Value>,
}

/// Flag a review for the moderators (once per review; not one's own).
#[utoipa::path(post, path = "/api/v1/reviews/{id}/flag", tag = "Reviews", operation_id = "flag_review", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Review id")), request_body = FlagBody,
    responses((status = 201, description = "`{flag}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "`already_flagged`", body = ErrorBody),
        (status = 422, description = "`cannot_flag_own`", body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn flag(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<FlagBody>,
) -> Result<Response, ApiError> {
    let flag = state.flag(&Actor::from(&user), review_id(&id)?, body.reason.as_ref(), body.details.as_ref()).await?;
    Ok(created(json!({ "flag": flag })))
}

/// A reservation's reviews as one of its sides sees them, with its window.
#[utoipa::path(get, path = "/api/v1/reviews/reservation/{reservationId}", tag = "Reviews", operation_id = "reservation_reviews",
    security(("bearerAuth" = [])), params(("reservationId" = String, Path, description = "Reservation id")),
    responses((status = 200, description = "`{reservationId, status, completedAt, closesAt, published, canReview, otherSideReviewed, mine, reviews}`"),
        (status = 401, body = ErrorBody), (status = 404, description = "`reservation_not_found`", body = ErrorBody)))]
pub async fn of_reservation(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = some_id(&id, "Reservation", "reservation_not_found")?;
    Ok(ok(state.of_reservation(&Actor::from(&user), id).await?))
}

/// The completed reservations the caller may still review, soonest closing first, with the
/// categories to rate.
#[utoipa::path(get, path = "/api/v1/reviews/pending", tag = "Reviews", operation_id = "reviews_to_write", security(("bearerAuth" = [])),
    responses((status = 200, description = "`{pending: [{reservationId, listingId, listingTitle, kind, role, completedAt, closesAt, otherSideReviewed, categories}]}`"),
        (status = 401, body = ErrorBody)))]
pub async fn awaiting(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    Ok(ok(json!({ "pending": state.awaiting(&Actor::from(&user)).await? })))
}
