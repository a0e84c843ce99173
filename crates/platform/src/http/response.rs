//! Success responses in the DreamScape envelope.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kernel::Envelope;
use serde::Serialize;

/// `200 { success: true, data }`.
pub fn ok<T: Serialize>(data: T) -> Response {
    Envelope::ok(data).into_response()
}

/// `200 { success: true, data, message }`.
pub fn ok_with_message<T: Serialize>(data: T, message: impl Into<String>) -> Response {
    Envelope::with_message(data, message).into_response()
}

/// `201 { success: true, data }`.
pub fn created<T: Serialize>(data: T) -> Response {
    (StatusCode::CREATED, Envelope::ok(data)).into_response()
}

/// `response` with `version` as its strong ETag (`"3"`), for clients to send back in `If-Match`.
pub fn with_version_etag(mut response: Response, version: i64) -> Response {
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!("\"{version}\"")) {
        response.headers_mut().insert(axum::http::header::ETAG, v);
    }
    response
}

/// `If-Match: "3"` → 3 (`W/` tolerated; `"3.<hash>"`, the ETag of a cached detail
/// ([`crate::hot::Hot::json`]), reads as its version 3). Anything else is a 400 naming `what` (e.g. "the
/// listing"): a client that means to guard its write must not be silently unguarded.
pub fn if_match_version(headers: &axum::http::HeaderMap, what: &str) -> Result<Option<i64>, kernel::ApiError> {
    let Some(raw) = headers.get(axum::http::header::IF_MATCH) else { return Ok(None) };
    raw.to_str()
        .ok()
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .map(|v| v.split_once('.').map_or(v, |(version, _)| version))
        .and_then(|v| v.parse::<i64>().ok())
        .map(Some)
        .ok_or_else(|| kernel::ApiError::bad_request(format!("If-Match must be {what}'s ETag, e.g. \"3\"")))
}
