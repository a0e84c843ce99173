//! Administrators: the support queue, the message report queue and its resolutions, and a
//! manual run of messaging's scheduled work.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, FieldError, PageQuery, PageRequest};
use platform::auth::AuthUser;
use platform::http::{Json, Path, Query, ok};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{State, cursor_page, next_cursor};
use crate::service::Actor;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SupportQuery {
    /// Only `support` (administrators do not read guest ↔ host conversations).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub kind: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// Every support conversation, most recent activity first (administrators).
#[utoipa::path(get, path = "/api/v1/admin/conversations", tag = "Messaging admin", operation_id = "admin_list_conversations",
    security(("bearerAuth" = [])), params(SupportQuery),
    responses((status = 200, description = "`{conversations, pagination}`"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn support_conversations(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<SupportQuery>,
) -> Result<Response, ApiError> {
    user.require_admin()?;
    if !matches!(q.kind.as_deref().map(str::trim), None | Some("support")) {
        return Err(ApiError::validation(vec![FieldError::new("type", "must be support")]));
    }
    let (limit, cursor) = cursor_page(q.limit, q.cursor)?;
    let (items, next) = state.list(&Actor::from(&user), false, true, cursor, limit).await?;
    Ok(ok(
        json!({"conversations": items, "pagination": {"limit": limit, "offset": 0, "nextCursor": next_cursor(next)}}),
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportsQuery {
    /// `open` (default) or `resolved`.
    pub status: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}

/// The report queue, oldest first, each report with the message as written.
#[utoipa::path(get, path = "/api/v1/admin/message-reports", tag = "Messaging admin", operation_id = "admin_list_message_reports",
    security(("bearerAuth" = [])), params(ReportsQuery),
    responses((status = 200, description = "`{reports, pagination}`"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn reports(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<ReportsQuery>,
) -> Result<Response, ApiError> {
    user.require_admin()?;
    let status = q.status.as_deref().map(str::trim).unwrap_or("open");
    if !matches!(status, "open" | "resolved") {
        return Err(ApiError::validation(vec![FieldError::new("status", "must be open or resolved")]));
    }
    let page = PageRequest::parse(&PageQuery { limit: q.limit, offset: q.offset, cursor: None })?;
    let (items, total) = state.reports(status, page.limit, page.offset).await?;
    Ok(ok(json!({"reports": items, "pagination": {"total": total, "limit": page.limit, "offset": page.offset}})))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResolveBody {
    /// `dismiss` or `remove_message` (soft-deletes the message).
    pub action: Option<String>,
    pub note: Option<String>,
}

/// Resolve an open report.
#[utoipa::path(post, path = "/api/v1/admin/message-reports/{id}/resolve", tag = "Messaging admin", operation_id = "admin_resolve_message_report",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Report id")), request_body = ResolveBody,
    responses((status = 200, description = "`{report}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "`report_not_found`", body = ErrorBody),
        (status = 409, description = "`report_resolved`", body = ErrorBody)))]
pub async fn resolve(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<ResolveBody>,
) -> Result<Response, ApiError> {
    user.require_admin()?;
    let id = kernel::parse_id(&id, "Report").map_err(|_| ApiError::new(404, "report_not_found", "Report not found"))?;
    let action = body.action.unwrap_or_default();
    Ok(ok(json!({ "report": state.resolve(&Actor::from(&user), id, action.trim(), body.note).await? })))
}

/// Run messaging's scheduled work now (check-in messages of started stays; forgetting
/// day-old idempotency keys).
#[utoipa::path(post, path = "/api/v1/admin/messaging/jobs/run", tag = "Messaging admin", operation_id = "admin_run_messaging_jobs",
    security(("bearerAuth" = [])),
    responses((status = 200, description = "`{checkIns, keysForgotten}`"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn run_jobs(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    user.require_admin()?;
    let (check_ins, forgotten) = state.run_jobs().await?;
    Ok(ok(json!({"checkIns": check_ins, "keysForgotten": forgotten})))
}
