//! Extractors that fail with the standard error envelope instead of axum's plain-text
//! rejections: a client always gets `{ success: false, code, message }` it can parse.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorCode, FieldError};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// JSON body extractor and responder. Rejections: wrong or missing `Content-Type` → 415,
/// malformed JSON → 400 `invalid_json`, wrong shape → 400 `validation_failed` naming the
/// field, body over the limit → 413.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

const DATA_ERROR_PREFIX: &str = "Failed to deserialize the JSON body into the target type: ";

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(e) => {
            let text = e.body_text();
            let detail = text.strip_prefix(DATA_ERROR_PREFIX).unwrap_or(&text);
            // serde_path_to_error renders `path: message`; `.` is the root.
            let (path, message) = match detail.split_once(": ") {
                Some((path, message)) if !path.contains(' ') => (path, message),
                _ => (".", detail),
            };
            ApiError::validation(vec![shape_error(path, message)])
        }
        JsonRejection::JsonSyntaxError(e) => {
            let text = e.body_text();
            let detail = text.rsplit(": ").next().unwrap_or("syntax error");
            ApiError::invalid_json(format!("The request body is not valid JSON ({detail})"))
        }
        JsonRejection::MissingJsonContentType(_) => ApiError::from_code(
            ErrorCode::UnsupportedMediaType,
            "Expected a JSON body with `Content-Type: application/json`",
        ),
        JsonRejection::BytesRejection(e) if e.status().as_u16() == 413 => ApiError::for_status(413),
        other => ApiError::bad_request(format!("Cannot read the request body: {}", other.body_text())),
    }
}

/// The `details` entry of a serde data error: `path` as serde_path_to_error renders it (`.` for
/// the root, `a.b[0].c`), `message` serde's. Contexts that deserialize a part of a body
/// themselves (a listing's kind block) report its shape errors through this, with their own
/// prefix on the path, so every shape error names its field the same way.
pub fn shape_error(path: &str, message: &str) -> FieldError {
    FieldError::new(field_name(path, message), strip_location(message))
}

/// The field a serde data error is about: its path, or for errors at the object itself
/// (`missing field `x``, `unknown field `x``) the quoted name, joined to the path.
fn field_name(path: &str, message: &str) -> String {
    let quoted = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split('`').next());
    match (path, quoted) {
        (".", Some(name)) => name.to_owned(),
        (".", None) => "body".to_owned(),
        // serde_path_to_error already includes an unknown field in the path.
        (path, Some(name)) if path == name || path.ends_with(&format!(".{name}")) => path.to_owned(),
        (path, Some(name)) => format!("{path}.{name}"),
        (path, None) => path.to_owned(),
    }
}

/// Drops serde_json's " at line 1 column 17" suffix: the field name says more.
fn strip_location(message: &str) -> &str {
    message.find(" at line ").map_or(message, |i| &message[..i])
}

/// Query-string extractor with enveloped 400s.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(rejection) => Err(query_rejection(&rejection)),
        }
    }
}

fn query_rejection(rejection: &QueryRejection) -> ApiError {
    let text = rejection.body_text();
    let detail = text.strip_prefix("Failed to deserialize query string: ").unwrap_or(&text);
    ApiError::bad_request(format!("Invalid query string: {detail}"))
}

/// Path-parameter extractor with enveloped 400s.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(rejection) => Err(path_rejection(&rejection)),
        }
    }
}

fn path_rejection(rejection: &PathRejection) -> ApiError {
    ApiError::bad_request(format!("Invalid path parameter: {}", rejection.body_text()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_errors_name_their_field() {
        assert_eq!(field_name(".", "missing field `name` at line 1 column 2"), "name");
        assert_eq!(field_name("stay", "missing field `x`"), "stay.x");
        assert_eq!(field_name("stay.x", "unknown field `x`, expected `a`"), "stay.x");
        assert_eq!(field_name("stay.nightlyPrice", "invalid type: string \"a\", expected i64"), "stay.nightlyPrice");
        assert_eq!(field_name(".", "invalid type: integer `1`, expected a map"), "body");
        assert_eq!(strip_location("missing field `name` at line 1 column 2"), "missing field `name`");
    }
}
