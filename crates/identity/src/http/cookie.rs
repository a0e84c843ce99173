//! The two cookies of a browser session, both HttpOnly (scripts never see them) and `Secure`
//! in production:
//! - `refreshToken`: SameSite=Lax, scoped to the auth routes, lives as long as the session;
//! - `accessToken` ([`platform::auth::ACCESS_COOKIE`]): SameSite=Strict, `Path=/`, lives as long
//!   as the access token; `AuthUser` reads it when a request has no usable Bearer header.

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use platform::auth::ACCESS_COOKIE;

pub const NAME: &str = "refreshToken";
const PATH: &str = "/api/v1/auth";

fn append(response: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(SET_COOKIE, v);
    }
}

fn secure_flag(secure: bool) -> &'static str {
    if secure { "; Secure" } else { "" }
}

pub fn set(response: &mut Response, value: &str, max_age: i64, secure: bool) {
    let secure = secure_flag(secure);
    append(response, &format!("{NAME}={value}; HttpOnly; SameSite=Lax; Path={PATH}; Max-Age={max_age}{secure}"));
}

pub fn set_access(response: &mut Response, token: &str, max_age: i64, secure: bool) {
    let secure = secure_flag(secure);
    append(response, &format!("{ACCESS_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"));
}

/// Clears both cookies.
pub fn clear(response: &mut Response, secure: bool) {
    set(response, "", 0, secure);
    set_access(response, "", 0, secure);
}

/// The refresh token sent as a cookie, if any.
pub fn read(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == NAME)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|v| !v.is_empty())
}
