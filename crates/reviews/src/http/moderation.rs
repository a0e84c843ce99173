//! The administrators' side: the moderation queue, hiding / restoring / dismissing, and
//! running the scheduled work now.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, FieldError, PageQuery, PageRequest};
use platform::auth::AuthUser;
use platform::http::{Json, Path, Query, ok};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::{State, review_id};
use crate::service::Actor;
use crate::store::moderation::Queue;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModerateBody {
    /// `hide`, `restore` or `dismiss` (close the flags, keep the review as it is).
    pub action: Option<String>,
    /// Why, 1–500 characters; told to the author when a review is hidden or restored.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 500)]
    pub reason: Option<Value>,
}

/// Hide or restore a review (it leaves or rejoins the aggregates; its author is notified), or
/// dismiss its flags. Administrators only.
#[utoipa::path(post, path = "/api/v1/reviews/{id}/moderate", tag = "Reviews admin", operation_id = "moderate_review",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Review id")), request_body = ModerateBody,
    responses((status = 200, description = "`{review}` with its flags and moderation history"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`already_hidden`, `not_hidden`", body = ErrorBody)))]
pub async fn moderate(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<ModerateBody>,
) -> Result<Response, ApiError> {
    user.require_admin()?;
    let id = review_id(&id)?;
    let action = body.action.unwrap_or_default();
    Ok(ok(json!({ "review": state.moderate(&Actor::from(&user), id, action.trim(), body.reason.as_ref()).await? })))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    /// `flagged` (default): reviews with open flags, most flagged first; `hidden`: hidden reviews.
    pub status: Option<String>,
    /// Items per page, 1–100 (default 20).
    pub limit: Option<String>,
    /// Items to skip (default 0).
    pub offset: Option<String>,
}

/// The moderation queue. Administrators only.
#[utoipa::path(get, path = "/api/v1/reviews/moderation/queue", tag = "Reviews admin", operation_id = "review_moderation_queue",
    security(("bearerAuth" = [])), params(QueueParams),
    responses((status = 200, description = "`{reviews: [review + {openFlags, flags}], total, limit, offset, hasMore}`"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn queue(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(params): Query<QueueParams>,
) -> Result<Response, ApiError> {
    user.require_admin()?;
    let mut errors = Vec::new();
    let page = PageRequest::parse_collecting(
        &PageQuery { limit: params.limit, offset: params.offset, cursor: None },
        &mut errors,
    );
    let which = match params.status.as_deref().map(str::trim) {
        None | Some("" | "flagged") => Queue::Flagged,
        Some("hidden") => Queue::Hidden,
        Some(_) => {
            errors.push(FieldError::new("status", "must be flagged or hidden"));
            Queue::Flagged
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let (reviews, total) = state.queue(&Actor::from(&user), which, page.limit, page.offset).await?;
    let has_more = page.offset.saturating_add(reviews.len() as u64) < total;
    Ok(ok(json!({"reviews": reviews, "total": total, "limit": page.limit, "offset": page.offset, "hasMore": has_more})))
}

/// Run reviews' scheduled work now (publishing reviews whose window closed; reminders).
/// Administrators only.
#[utoipa::path(post, path = "/api/v1/admin/reviews/jobs/run", tag = "Reviews admin", operation_id = "admin_run_review_jobs",
    security(("bearerAuth" = [])),
    responses((status = 200, description = "`{windowsClosed, reminders}`"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn run_jobs(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    user.require_admin()?;
    Ok(ok(state.run_jobs().await?))
}
