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
