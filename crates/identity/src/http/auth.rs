//! Register, login, refresh, logout, token verification, JWKS and health.

use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody};
use platform::auth::{AuthUser, bearer_token, cookie_token};
use platform::hot::Hot;
use platform::http::{ClientIp, Json, ok_with_message};
use serde_json::json;

use super::dto::{AccountView, AuthData, LoginRequest, RefreshRequest, RegisterRequest, Tokens, optional_json, span};
use super::{State, cookie, origin};
use crate::service::SignedIn;
use crate::service::login::{Credentials, Registration};

async fn signed_in(state: &State, s: SignedIn, status: StatusCode, message: &str) -> Result<Response, ApiError> {
    let facts = state.facts(&s.user).await?;
    let access_ttl = state.auth.access_ttl_secs();
    let data = AuthData {
        user: AccountView::new(&s.user, &facts),
        tokens: Tokens {
            access_token: s.access_token.clone(),
            refresh_token: s.refresh_token.clone(),
            access_token_expires_in: span(access_ttl),
            refresh_token_expires_in: span(s.refresh_max_age),
        },
    };
    let mut response = ok_with_message(data, message);
    *response.status_mut() = status;
    cookie::set(&mut response, &s.refresh_token, s.refresh_max_age, state.cookie_secure);
    cookie::set_access(&mut response, &s.access_token, access_ttl, state.cookie_secure);
    // Tokens must not be kept by any cache between here and the client.
    response.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(response)
}

/// An optional name field: blank counts as absent (DreamScape's web client sends `lastName: ""`
/// for a one-word name).
fn given(v: Option<String>) -> Option<String> {
    v.filter(|v| !v.trim().is_empty())
}

/// Create an account; signs the new user in.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "Authentication", request_body = RegisterRequest,
    responses((status = 201, description = "Created; `refreshToken` (7 days) and `accessToken` cookies set", body = AuthData),
        (status = 400, body = ErrorBody), (status = 409, description = "`email_taken` / `username_taken`", body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn register(
    AxumState(state): AxumState<State>,
    ip: ClientIp,
    headers: HeaderMap,
    Json(body): Json<RegisterRequest>,
) -> Result<Response, ApiError> {
    let r = Registration {
        email: body.email,
        password: body.password,
        first_name: given(body.first_name),
        last_name: given(body.last_name),
        username: given(body.username),
    };
    let s = state.register(r, &origin(ip, &headers)).await?;
    signed_in(&state, s, StatusCode::CREATED, "Account created successfully").await
}

/// Sign in with email and password (and a two-factor code when enabled).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "Authentication", request_body = LoginRequest,
    responses((status = 200, description = "Signed in; `refreshToken` (7 days, 30 with rememberMe) and `accessToken` cookies set", body = AuthData),
        (status = 400, body = ErrorBody),
        (status = 401, description = "`invalid_credentials`, `mfa_required`, `invalid_mfa_code`, `account_suspended`, `account_banned`", body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn login(
    AxumState(state): AxumState<State>,
    ip: ClientIp,
    headers: HeaderMap,
    Json(body): Json<LoginRequest>,
) -> Result<Response, ApiError> {
    let c = Credentials {
        email: body.email,
        password: body.password,
        remember_me: body.remember_me,
        totp_code: body.totp_code,
        recovery_code: body.recovery_code,
    };
    let s = state.login(c, &origin(ip, &headers)).await?;
    signed_in(&state, s, StatusCode::OK, "Login successful").await
}

/// New access token and rotated refresh token. Reusing a rotated token revokes the session.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "Tokens", request_body(content = Option<RefreshRequest>, description = "Optional when the cookie is sent"),
    responses((status = 200, description = "New tokens; both cookies renewed", body = AuthData),
        (status = 401, description = "`invalid_refresh_token` / `refresh_token_reused`", body = ErrorBody)))]
pub async fn refresh(
    AxumState(state): AxumState<State>,
    ip: ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let from_body = optional_json::<RefreshRequest>(&body)?.and_then(|b| b.refresh_token);
    let token = from_body
        .or_else(|| cookie::read(&headers))
        .ok_or_else(|| ApiError::new(401, "invalid_refresh_token", "Refresh token required (cookie or body)"))?;
    let s = state.refresh(&token, &ip.label()).await?;
    signed_in(&state, s, StatusCode::OK, "Tokens refreshed successfully").await
}

/// Sign out this session: its refresh token and its access tokens stop working now.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "Tokens", security(("cookieAuth" = []), ("bearerAuth" = [])),
    request_body(content = Option<RefreshRequest>, description = "Optional: the refresh token, when not sent as the cookie"),
    responses((status = 200, description = "Signed out; both cookies cleared"), (status = 400, description = "A body that is not `{ refreshToken? }`", body = ErrorBody)))]
pub async fn logout(AxumState(state): AxumState<State>, parts: Parts, body: Bytes) -> Result<Response, ApiError> {
    let from_body = optional_json::<RefreshRequest>(&body)?.and_then(|b| b.refresh_token);
    let refresh = from_body.or_else(|| cookie::read(&parts.headers));
    // An expired or revoked access token (header or cookie) still names the session to end.
    let access = bearer_token(&parts)
        .or_else(|| cookie_token(&parts))
        .and_then(|t| parts.extensions.get::<std::sync::Arc<platform::auth::Auth>>().map(|a| a.inspect(t)))
        .and_then(Result::ok)
        .map(|c| (c.sub, c.sid));
    state.logout(refresh.as_deref(), access).await?;
    let mut response = ok_with_message(json!({}), "Logged out successfully");
    cookie::clear(&mut response, state.cookie_secure);
    Ok(response)
}

/// Sign out every session of the caller.
#[utoipa::path(post, path = "/api/v1/auth/logout-all", tag = "Tokens", security(("bearerAuth" = []), ("cookieAuth" = [])),
    responses((status = 200, description = "All sessions revoked; both cookies cleared"), (status = 401, body = ErrorBody)))]
pub async fn logout_all(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let n = state.logout_all(user.user_id).await?;
    let mut response = ok_with_message(json!({ "sessionsRevoked": n }), "Logged out from all devices successfully");
    cookie::clear(&mut response, state.cookie_secure);
    Ok(response)
}

/// Check an access token; returns its user and claims.
#[utoipa::path(post, path = "/api/v1/auth/verify-token", tag = "Tokens", security(("bearerAuth" = []), ("cookieAuth" = [])),
    responses((status = 200, description = "`{valid: true, user, claims}`"), (status = 401, body = ErrorBody)))]
pub async fn verify_token(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    // The account comes serialised from the hot cache (the claims differ per token): the
    // envelope `ok_with_message` would write is put around it here.
    let view = state
        .account_answer(user.user_id, crate::service::cached::VIEW, |account, facts| {
            Hot::bare(&AccountView::new(account, facts), account.updated_at.timestamp_millis(), Some(account.id))
        })
        .await?;
    let c = &user.claims;
    let claims =
        json!({ "sub": c.sub, "sid": c.sid, "role": c.role, "iat": c.iat, "exp": c.exp, "iss": c.iss, "aud": c.aud });
    let mut body = Vec::with_capacity(view.body.len() + 320);
    body.extend_from_slice(br#"{"success":true,"data":{"valid":true,"user":"#);
    body.extend_from_slice(&view.body);
    body.extend_from_slice(br#","claims":"#);
    serde_json::to_writer(&mut body, &claims).map_err(|_| ApiError::internal())?;
    body.extend_from_slice(br#"},"message":"Token is valid"}"#);
    Ok(([(CONTENT_TYPE, "application/json")], body).into_response())
}

/// Public keys that verify access tokens (JWK Set, EdDSA / Ed25519).
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "Tokens", security(()),
    responses((status = 200, description = "JWK Set")))]
pub async fn jwks(AxumState(state): AxumState<State>) -> Response {
    let mut response = axum::Json(state.auth.jwks()).into_response();
    if let Ok(v) = "public, max-age=300".parse() {
        response.headers_mut().insert(axum::http::header::CACHE_CONTROL, v);
    }
    response
}

/// Health of the auth service (DreamScape shape).
#[utoipa::path(get, path = "/api/v1/auth/health", operation_id = "auth_health", tag = "System", security(()),
    responses((status = 200, description = "`{status, uptime, database, cache}`"), (status = 503, description = "Database unreachable")))]
pub async fn health(AxumState(state): AxumState<State>) -> Response {
    let db_ok = state.db.ping().await.is_ok();
    let body = json!({
        "status": if db_ok { "healthy" } else { "unhealthy" },
        "service": "identity",
        "uptime": state.started.elapsed().as_secs_f64(),
        "database": if db_ok { "connected" } else { "disconnected" },
        "cache": "connected",
    });
    let status = if db_ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, axum::Json(body)).into_response()
}
