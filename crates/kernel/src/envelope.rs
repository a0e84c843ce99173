//! The DreamScape response envelope, used by every endpoint so the platform feels like one
//! product: `{ "success": true, "data": ..., "message"? }` and
//! `{ "success": false, "error": msg, "code": code, "message": msg, "details"? }`.
//! `error` and `message` carry the same text because DreamScape clients read either; a validation
//! error also lists its fields in `errors` as DreamScape's express-validator does
//! (`{ type: "field", path, msg, location }`), whose `msg`s DreamScape's web client shows.

use serde::Serialize;

use crate::error::{ApiError, FieldError};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Envelope<T> {
    pub success: bool,
    pub data: T,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl<T> Envelope<T> {
    pub fn ok(data: T) -> Self {
        Self { success: true, data, message: None }
    }

    pub fn with_message(data: T, message: impl Into<String>) -> Self {
        Self { success: true, data, message: Some(message.into()) }
    }
}

/// The body of every error response.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Always `false`.
    pub success: bool,
    /// Human-readable message (same as `message`).
    pub error: String,
    /// Stable snake_case code clients may switch on.
    pub code: String,
    pub message: String,
    /// The failing fields of a validation error.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<FieldError>,
    /// `details` in DreamScape's express-validator shape.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldMessage>,
    /// Machine-readable facts about the error, when it has some.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub data: Option<serde_json::Value>,
}

/// One entry of `errors`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldMessage {
    /// Always `field`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub path: String,
    pub msg: String,
    /// Always `body`.
    pub location: &'static str,
}

impl From<&ApiError> for ErrorBody {
    fn from(err: &ApiError) -> Self {
        Self {
            success: false,
            error: err.message.clone(),
            code: err.code.to_string(),
            message: err.message.clone(),
            details: err.details.clone(),
            errors: err
                .details
                .iter()
                .map(|d| FieldMessage {
                    kind: "field",
                    path: d.field.clone(),
                    msg: d.message.clone(),
                    location: "body",
                })
                .collect(),
            data: err.data.as_deref().cloned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn success_and_error_shapes_match_dreamscape() {
        let ok = serde_json::to_value(Envelope::ok(json!({"user": {"id": 1}}))).unwrap();
        assert_eq!(ok, json!({"success": true, "data": {"user": {"id": 1}}}));
        let msg = serde_json::to_value(Envelope::with_message(1, "done")).unwrap();
        assert_eq!(msg["message"], "done");

        let err = ApiError::validation(vec![FieldError::new("email", "required")]);
        let body = serde_json::to_value(ErrorBody::from(&err)).unwrap();
        assert_eq!(
            body,
            json!({
                "success": false,
                "error": "email: required",
                "code": "validation_failed",
                "message": "email: required",
                "details": [{"field": "email", "message": "required"}],
                "errors": [{"type": "field", "path": "email", "msg": "required", "location": "body"}]
            })
        );
        let plain = serde_json::to_value(ErrorBody::from(&ApiError::not_found("x"))).unwrap();
        assert!(plain.get("details").is_none());
    }
}
