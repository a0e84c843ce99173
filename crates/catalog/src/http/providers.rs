//! `/api/v1/providers`: becoming a provider, the public provider profile, one's own.

use axum::extract::State as AxumState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody};
use platform::auth::AuthUser;
use platform::http::{Json, Path, ok, ok_with_message};
use serde_json::json;

use super::State;
use crate::service::providers::ProviderInput;
use crate::store::providers::Provider;

/// Become a provider (a host): you can then create listings.
#[utoipa::path(post, path = "/api/v1/providers", operation_id = "create_provider", tag = "Providers", security(("bearerAuth" = [])), request_body = ProviderInput,
    responses((status = 201, description = "`{provider}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 409, description = "`already_provider`", body = ErrorBody)))]
pub async fn create(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<ProviderInput>,
) -> Result<Response, ApiError> {
    let provider = state.become_provider(user.user_id, &body).await?;
    Ok((StatusCode::CREATED, ok_with_message(json!({ "provider": provider }), "You are now a provider"))
        .into_response())
}

/// The caller's provider profile (with contact details and payout reference).
#[utoipa::path(get, path = "/api/v1/providers/me", operation_id = "get_my_provider", tag = "Providers", security(("bearerAuth" = [])),
    responses((status = 200, description = "`{provider}`"), (status = 401, body = ErrorBody),
        (status = 403, description = "`not_a_provider`", body = ErrorBody)))]
pub async fn me(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    Ok(ok(json!({ "provider": state.my_provider(user.user_id).await? })))
}

/// Update the caller's provider profile.
#[utoipa::path(put, path = "/api/v1/providers/me", operation_id = "update_my_provider", tag = "Providers", security(("bearerAuth" = [])), request_body = ProviderInput,
    responses((status = 200, description = "`{provider}`"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn update_me(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<ProviderInput>,
) -> Result<Response, ApiError> {
    let provider = state.update_provider(user.user_id, &body).await?;
    Ok(ok_with_message(json!({ "provider": provider }), "Provider updated"))
}

fn public(p: &Provider) -> serde_json::Value {
    json!({"id": p.id, "displayName": p.display_name, "kind": p.kind, "memberSince": p.created_at})
}

/// A provider's public profile (no contact details).
#[utoipa::path(get, path = "/api/v1/providers/{id}", operation_id = "get_provider", tag = "Providers", security(()),
    params(("id" = String, Path, description = "Provider id")),
    responses((status = 200, description = "`{provider}`, with an `ETag`"),
        (status = 304, description = "Not modified: the `If-None-Match` ETag is current"), (status = 404, body = ErrorBody)))]
pub async fn get(
    AxumState(state): AxumState<State>,
    Path(id): Path<String>,
    platform::http::IfNoneMatch(if_none_match): platform::http::IfNoneMatch,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "provider")?;
    let answer = state.provider_answer(id, |p| json!({ "provider": public(p) })).await?;
    Ok(answer.respond(if_none_match.as_ref()))
}
