//! The caller's sessions (devices).

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody};
use platform::auth::AuthUser;
use platform::http::{Path, ok, ok_with_message};
use serde_json::json;

use super::State;

/// Live sessions of the caller, newest first; `current` marks the calling one.
#[utoipa::path(get, path = "/api/v1/auth/sessions", operation_id = "list_sessions", tag = "Sessions", security(("bearerAuth" = [])),
    responses((status = 200, description = "`{sessions: [...]}`"), (status = 401, body = ErrorBody)))]
pub async fn list(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let sessions: Vec<serde_json::Value> = state
        .sessions(user.user_id)
        .await?
        .into_iter()
        .map(|s| {
            let current = s.id == user.session_id;
            let mut v = serde_json::to_value(&s).unwrap_or_default();
            v["current"] = json!(current);
            v
        })
        .collect();
    Ok(ok(json!({ "sessions": sessions })))
}

/// Sign out one of the caller's sessions.
#[utoipa::path(delete, path = "/api/v1/auth/sessions/{id}", tag = "Sessions", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Session id")),
    responses((status = 200, description = "Revoked"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "session")?;
    state.revoke_session(user.user_id, id).await?;
    Ok(ok_with_message(json!({}), "Session revoked"))
}
