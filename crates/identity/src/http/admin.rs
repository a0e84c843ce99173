//! Administrator actions on accounts.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::AuthUser;
use platform::http::{Json, Path, ok_with_message};

use super::State;
use super::dto::{StatusRequest, UserData};
use crate::domain::user::Status;
use crate::service::Accounts;

/// Activate, suspend or ban an account. Suspending or banning signs it out everywhere at once.
#[utoipa::path(patch, path = "/api/v1/admin/users/{id}/status", tag = "Administration", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "User id")), request_body = StatusRequest,
    responses((status = 200, body = UserData), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_status(
    AxumState(state): AxumState<State>,
    admin: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<StatusRequest>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let id = kernel::parse_id(&id, "user")?;
    let status = Status::parse(&body.status).ok_or_else(|| {
        ApiError::validation(vec![FieldError::new("status", "must be one of active, suspended, banned")])
    })?;
    if body.reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
        return Err(ApiError::validation(vec![FieldError::new("reason", "must be at most 500 characters")]));
    }
    let user = state.set_status(admin.user_id, id, status, body.reason.as_deref()).await?;
    Ok(ok_with_message(UserData { user: Accounts::view(&user) }, "Status updated"))
}
