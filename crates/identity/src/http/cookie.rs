//! The `refreshToken` cookie: HttpOnly (scripts never see it), SameSite=Lax, scoped to the
//! auth routes, `Secure` in production.

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;

pub const NAME: &str = "refreshToken";
const PATH: &str = "/api/v1/auth";

pub fn set(response: &mut Response, value: &str, max_age: i64, secure: bool) {
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!("{NAME}={value}; HttpOnly; SameSite=Lax; Path={PATH}; Max-Age={max_age}{secure}");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(SET_COOKIE, v);
    }
}

pub fn clear(response: &mut Response, secure: bool) {
    set(response, "", 0, secure);
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
