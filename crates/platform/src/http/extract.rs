//! Extractors that fail with the standard error envelope instead of axum's plain-text
//! rejections: a client always gets `{ success: false, code, message }` it can parse.

use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::uri::{PathAndQuery, Uri};
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorCode, FieldError};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// JSON body extractor and responder. Rejections: wrong `Content-Type` → 415, malformed JSON →
/// 400 `invalid_json`, wrong shape → 400 `validation_failed` naming the field, body over the
/// limit → 413.
///
/// A request with neither a body nor a `Content-Type` reads as `{}`: browser clients (axios)
/// send bodiless POST/PUT/PATCH/DELETE that way, so a body whose fields are all optional needs
/// nothing, and one with required fields answers which are missing. A non-empty body without
/// `Content-Type` is still a 415.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if req.headers().contains_key(CONTENT_TYPE) {
            return match axum::Json::<T>::from_request(req, state).await {
                Ok(axum::Json(value)) => Ok(Json(value)),
                Err(rejection) => Err(json_rejection(&rejection)),
            };
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status().as_u16() == 413 {
                ApiError::for_status(413)
            } else {
                ApiError::bad_request(format!("Cannot read the request body: {}", e.body_text()))
            }
        })?;
        if !bytes.is_empty() {
            return Err(missing_content_type());
        }
        match axum::Json::<T>::from_bytes(b"{}") {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn missing_content_type() -> ApiError {
    ApiError::from_code(ErrorCode::UnsupportedMediaType, "Expected a JSON body with `Content-Type: application/json`")
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
        JsonRejection::MissingJsonContentType(_) => missing_content_type(),
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
///
/// Array parameters in the bracket form browser clients send (`key[]=a&key[]=b`, axios's
/// default) read as one comma-separated value (`key=a,b`), the form our list parameters take.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(joined) = parts.uri.query().and_then(join_bracket_arrays)
            && let Ok(uri) = with_query(&parts.uri, &joined)
        {
            parts.uri = uri;
        }
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(rejection) => Err(query_rejection(&rejection)),
        }
    }
}

/// `a[]=1&b=2&a[]=3` → `a=1,3&b=2` (first-appearance order); `None` when there is no `[]` key.
fn join_bracket_arrays(query: &str) -> Option<String> {
    const SUFFIXES: [&str; 3] = ["[]", "%5B%5D", "%5b%5d"];
    let is_array = |key: &str| SUFFIXES.iter().any(|s| key.ends_with(s));
    if !query.split('&').any(|pair| is_array(pair.split_once('=').map_or(pair, |(k, _)| k))) {
        return None;
    }
    let mut out: Vec<(String, Vec<&str>)> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match SUFFIXES.iter().find_map(|s| key.strip_suffix(s)) {
            Some(base) => match out.iter_mut().find(|(k, _)| k == base) {
                Some((_, values)) => values.push(value),
                None => out.push((base.to_owned(), vec![value])),
            },
            None => out.push((key.to_owned(), vec![value])),
        }
    }
    Some(out.iter().map(|(k, v)| format!("{k}={}", v.join(","))).collect::<Vec<_>>().join("&"))
}

fn with_query(uri: &Uri, query: &str) -> Result<Uri, axum::http::Error> {
    let path_and_query = PathAndQuery::try_from(format!("{}?{query}", uri.path()))?;
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(path_and_query);
    Ok(Uri::from_parts(parts)?)
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

/// The request's `Idempotency-Key`, trimmed: `None` without one, 400 `validation_failed` when
/// it is empty, longer than 255 characters or not visible ASCII. Every write that must never
/// happen twice (a reservation, a message) reads it the same way.
pub fn idempotency_key(headers: &axum::http::HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(raw) = headers.get("idempotency-key") else { return Ok(None) };
    match raw.to_str() {
        Ok(k) if (1..=255).contains(&k.trim().len()) => Ok(Some(k.trim().to_owned())),
        _ => Err(ApiError::validation(vec![FieldError::new(
            "Idempotency-Key",
            "must be 1 to 255 visible ASCII characters",
        )])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bracket_arrays_join_into_one_value() {
        assert_eq!(join_bracket_arrays("a=1&b=2"), None);
        assert_eq!(join_bracket_arrays("t[]=x&n=1&t[]=y").as_deref(), Some("t=x,y&n=1"));
        assert_eq!(join_bracket_arrays("t%5B%5D=x&t%5b%5d=y").as_deref(), Some("t=x,y"));
        assert_eq!(join_bracket_arrays("t[]=").as_deref(), Some("t="));
        let uri: Uri = "/p?t[]=a".parse().unwrap_or_default();
        assert_eq!(with_query(&uri, "t=a").map(|u| u.to_string()).ok().as_deref(), Some("/p?t=a"));
    }

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

/// The request's `If-None-Match`, taken alone (extracting the whole `HeaderMap` would copy every
/// header of every request), for answers served by [`crate::hot::Hot::respond`].
#[derive(Debug, Clone, Default)]
pub struct IfNoneMatch(pub Option<axum::http::HeaderValue>);

impl<S: Send + Sync> FromRequestParts<S> for IfNoneMatch {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.headers.get(axum::http::header::IF_NONE_MATCH).cloned()))
    }
}
