//! One error type for every HTTP-facing failure.
//!
//! Every error carries an HTTP status, a stable snake_case `code` that clients may switch on,
//! and a human message. Contexts map their own error enums into this; the codes below are the
//! platform-wide ones, and contexts add their own (e.g. `dates_unavailable`) with `ApiError::new`.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

/// The platform-wide error codes and their HTTP statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// 400: the request body or parameters could not be parsed.
    BadRequest,
    /// 400: the body is not valid JSON (a wrong shape is `ValidationFailed`).
    InvalidJson,
    /// 400: parsed, but one or more fields break a rule (see `details`).
    ValidationFailed,
    /// 401: no credentials, or credentials that are not valid.
    Unauthorized,
    /// 403: authenticated, but not allowed to do this.
    Forbidden,
    /// 404: no such resource (also used for resources the caller may not know exist).
    NotFound,
    /// 405: the path exists, the method does not.
    MethodNotAllowed,
    /// 408: the request took longer than the server allows.
    RequestTimeout,
    /// 409: conflicts with the current state (already exists, unavailable, ...).
    Conflict,
    /// 412: `If-Match` did not match the current version.
    PreconditionFailed,
    /// 413: the body exceeds the size limit.
    PayloadTooLarge,
    /// 415: the body's media type is not accepted.
    UnsupportedMediaType,
    /// 422: well-formed but semantically invalid.
    Unprocessable,
    /// 429: too many requests; see `Retry-After`.
    RateLimited,
    /// 500: a bug or unexpected failure; details are logged, never returned.
    Internal,
    /// 503: a dependency (database, broker, provider) is unavailable.
    ServiceUnavailable,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::InvalidJson => "invalid_json",
            Self::ValidationFailed => "validation_failed",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::RequestTimeout => "request_timeout",
            Self::Conflict => "conflict",
            Self::PreconditionFailed => "precondition_failed",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::Unprocessable => "unprocessable_entity",
            Self::RateLimited => "rate_limited",
            Self::Internal => "internal_error",
            Self::ServiceUnavailable => "service_unavailable",
        }
    }

    pub const fn status(self) -> u16 {
        match self {
            Self::BadRequest | Self::InvalidJson | Self::ValidationFailed => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::RequestTimeout => 408,
            Self::Conflict => 409,
            Self::PreconditionFailed => 412,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::Unprocessable => 422,
            Self::RateLimited => 429,
            Self::Internal => 500,
            Self::ServiceUnavailable => 503,
        }
    }

    /// The generic code for a status, used when a lower layer (router, body limit, timeout)
    /// produced a bare status that must be rendered in the envelope.
    pub const fn for_status(status: u16) -> Self {
        match status {
            401 => Self::Unauthorized,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            405 => Self::MethodNotAllowed,
            408 => Self::RequestTimeout,
            409 => Self::Conflict,
            412 => Self::PreconditionFailed,
            413 => Self::PayloadTooLarge,
            415 => Self::UnsupportedMediaType,
            422 => Self::Unprocessable,
            429 => Self::RateLimited,
            503 | 504 => Self::ServiceUnavailable,
            400..=499 => Self::BadRequest,
            _ => Self::Internal,
        }
    }

    /// A short message for the generic case.
    pub const fn default_message(self) -> &'static str {
        match self {
            Self::BadRequest => "The request could not be understood",
            Self::InvalidJson => "The request body is not valid JSON",
            Self::ValidationFailed => "Validation failed",
            Self::Unauthorized => "Authentication required",
            Self::Forbidden => "You are not allowed to do this",
            Self::NotFound => "Not found",
            Self::MethodNotAllowed => "Method not allowed for this path",
            Self::RequestTimeout => "The request took too long",
            Self::Conflict => "The request conflicts with the current state",
            Self::PreconditionFailed => "The resource has changed since you read it",
            Self::PayloadTooLarge => "The request body is too large",
            Self::UnsupportedMediaType => "Unsupported media type",
            Self::Unprocessable => "The request is well-formed but cannot be processed",
            Self::RateLimited => "Too many requests",
            Self::Internal => "Internal server error",
            Self::ServiceUnavailable => "Service temporarily unavailable",
        }
    }
}

/// One invalid field: `field` is a dotted path into the request (`stay.nightlyPrice`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    /// A machine-readable value that goes with the message (e.g. the current price of a
    /// `409 price_changed`), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub value: Option<serde_json::Value>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into(), value: None }
    }

    pub fn with_value(mut self, value: serde_json::Value) -> Self {
        self.value = Some(value);
        self
    }
}

/// An error that will be shown to an API client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: Cow<'static, str>,
    pub message: String,
    pub details: Vec<FieldError>,
    /// Seconds, rendered as a `Retry-After` header (429, 503).
    pub retry_after: Option<u64>,
    /// Machine-readable facts about the error for the client (rendered as `data`), e.g. the
    /// current price of a `409 price_changed`.
    pub data: Option<Box<serde_json::Value>>,
}

impl ApiError {
    /// An error with a context-specific code, e.g. `ApiError::new(409, "dates_unavailable", ..)`.
    pub fn new(status: u16, code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self { status, code: code.into(), message: message.into(), details: Vec::new(), retry_after: None, data: None }
    }

    pub fn from_code(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(code.status(), code.as_str(), message)
    }

    /// The generic error for a bare status (router 404/405, body limit 413, ...).
    pub fn for_status(status: u16) -> Self {
        let code = ErrorCode::for_status(status);
        Self::new(status, code.as_str(), code.default_message())
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::from_code(ErrorCode::BadRequest, message)
    }

    pub fn invalid_json(message: impl Into<String>) -> Self {
        Self::from_code(ErrorCode::InvalidJson, message)
    }

    /// 400 with the list of failing fields.
    pub fn validation(details: Vec<FieldError>) -> Self {
        let message = match details.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            _ => ErrorCode::ValidationFailed.default_message().to_owned(),
        };
        Self { details, ..Self::from_code(ErrorCode::ValidationFailed, message) }
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::from_code(ErrorCode::Unauthorized, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::from_code(ErrorCode::Forbidden, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::from_code(ErrorCode::NotFound, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::from_code(ErrorCode::Conflict, message)
    }

    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::from_code(ErrorCode::Unprocessable, message)
    }

    /// 500. The message shown to the client is generic; log the cause before calling this.
    pub fn internal() -> Self {
        Self::for_status(500)
    }

    pub fn unavailable(message: impl Into<String>, retry_after: Option<u64>) -> Self {
        Self { retry_after, ..Self::from_code(ErrorCode::ServiceUnavailable, message) }
    }

    pub fn with_details(mut self, details: Vec<FieldError>) -> Self {
        self.details = details;
        self
    }

    pub fn with_data(mut self, data: serde_json::Value) -> Self {
        self.data = Some(Box::new(data));
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn is_server_error(&self) -> bool {
        self.status >= 500
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_its_status() {
        let all = [
            ErrorCode::Unauthorized,
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::MethodNotAllowed,
            ErrorCode::RequestTimeout,
            ErrorCode::Conflict,
            ErrorCode::PreconditionFailed,
            ErrorCode::PayloadTooLarge,
            ErrorCode::UnsupportedMediaType,
            ErrorCode::Unprocessable,
            ErrorCode::RateLimited,
            ErrorCode::Internal,
            ErrorCode::ServiceUnavailable,
        ];
        for code in all {
            assert_eq!(ErrorCode::for_status(code.status()), code, "{code:?}");
            let s = code.as_str();
            assert!(s.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{s}");
        }
        assert_eq!(ErrorCode::for_status(418), ErrorCode::BadRequest);
        assert_eq!(ErrorCode::for_status(502), ErrorCode::Internal);
    }

    #[test]
    fn a_single_validation_error_names_its_field_in_the_message() {
        let err = ApiError::validation(vec![FieldError::new("email", "is not a valid address")]);
        assert_eq!(err.status, 400);
        assert_eq!(err.code, "validation_failed");
        assert_eq!(err.message, "email: is not a valid address");
        let two = ApiError::validation(vec![FieldError::new("a", "x"), FieldError::new("b", "y")]);
        assert_eq!(two.message, "Validation failed");
        assert_eq!(two.details.len(), 2);
    }
}
