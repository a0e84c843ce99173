//! `AuthUser`: the authenticated caller, taken from `Authorization: Bearer <access token>`, or,
//! for browser calls that send no usable Bearer header (DreamScape's web client makes some with
//! `withCredentials` only, and one with the literal `Bearer null`), from the HttpOnly
//! [`ACCESS_COOKIE`] identity sets at sign-in. Handlers that take it cannot run for anonymous or
//! revoked callers.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use kernel::ApiError;
use uuid::Uuid;

use super::{AccessClaims, Auth, Role, TokenError};

/// The caller, authenticated by a valid, unrevoked access token.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user_id: Uuid,
    pub session_id: Uuid,
    pub role: Role,
    pub claims: AccessClaims,
}

/// Who acts, as services reason about it: a user, and whether they are an administrator (a
/// plain copy of the two facts of an [`AuthUser`] that rules need, so services and socket
/// handlers can take it without the token's claims).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Uuid,
    pub admin: bool,
}

impl From<&AuthUser> for Actor {
    fn from(u: &AuthUser) -> Self {
        Actor { user_id: u.user_id, admin: u.is_admin() }
    }
}

impl AuthUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// 403 unless the caller is an administrator.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.is_admin() { Ok(()) } else { Err(ApiError::forbidden("Administrator role required")) }
    }
}

/// The caller if a bearer token was sent (and is valid); `None` for anonymous requests.
/// An invalid token is still a 401: silently treating it as anonymous hides client bugs.
#[derive(Debug, Clone)]
pub struct MaybeAuthUser(pub Option<AuthUser>);

/// The name of the HttpOnly, SameSite=Strict cookie holding the access token. Identity sets it
/// at sign-in and refresh and clears it at sign-out; scripts never see it.
pub const ACCESS_COOKIE: &str = "accessToken";

/// What browser clients put in the header when they hold no token: treated as no header.
const NO_TOKEN: [&str; 3] = ["null", "undefined", "false"];

/// The bearer token of a request, if it has one.
pub fn bearer_token(parts: &Parts) -> Option<&str> {
    bearer_in(&parts.headers)
}

/// The bearer token in `headers` (`Authorization: Bearer …`), if there is a usable one.
pub fn bearer_in(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty() && !NO_TOKEN.contains(t))
}

/// The access token of the [`ACCESS_COOKIE`], if the request carries one.
pub fn cookie_token(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == ACCESS_COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|v| !v.is_empty())
}

/// The credential of a request: the Bearer header, else the access cookie.
fn credential(parts: &Parts) -> Option<&str> {
    bearer_token(parts).or_else(|| cookie_token(parts))
}

fn token_error(e: TokenError) -> ApiError {
    match e {
        TokenError::Expired => ApiError::new(401, "token_expired", "Access token expired"),
        TokenError::Revoked => ApiError::new(401, "token_revoked", "Access token revoked"),
        _ => ApiError::new(401, "invalid_token", "Invalid access token"),
    }
}

fn authenticate(parts: &Parts, token: &str) -> Result<AuthUser, ApiError> {
    let auth = parts.extensions.get::<Arc<Auth>>().ok_or_else(ApiError::internal)?;
    let claims = auth.verify(token).map_err(token_error)?;
    Ok(AuthUser { user_id: claims.sub, session_id: claims.sid, role: claims.role, claims })
}

impl<S: Send + Sync> FromRequestParts<S> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let token = credential(parts).ok_or_else(|| ApiError::unauthorized("Access token required"))?;
        authenticate(parts, token)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for MaybeAuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match credential(parts) {
            None => Ok(MaybeAuthUser(None)),
            Some(token) => authenticate(parts, token).map(|u| MaybeAuthUser(Some(u))),
        }
    }
}
