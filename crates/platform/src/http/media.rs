//! `GET /media/{*key}`: the images of the object store. Only image types are ever served, so a
//! stored object can never be rendered by a browser as a page or a script, and keys are
//! content-addressed by the callers that put them, so every answer may be cached for good.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kernel::ApiError;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::storage::{Media, StorageError, validate_key};

/// The content types `GET /media/{*key}` answers with; any other stored object is a 404.
pub const SERVED_TYPES: &[&str] = &["image/jpeg", "image/png", "image/webp"];

const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";

#[derive(OpenApi)]
#[openapi(paths(get_media))]
struct MediaDoc;

/// The media route and its OpenAPI description. utoipa-axum's `routes!` takes the axum path
/// from the OpenAPI one, and OpenAPI has no multi-segment parameter, so the wildcard route is
/// added by hand next to the documented `/media/{key}`.
pub fn router(media: Media) -> OpenApiRouter {
    OpenApiRouter::with_openapi(MediaDoc::openapi()).route("/media/{*key}", get(get_media)).with_state(media)
}

fn not_found() -> Response {
    ApiError::not_found("No such media").into_response()
}

/// A stored image (avatar, listing photo). `key` may contain `/`. Answers are immutable and
/// cacheable for a year; missing objects, invalid keys and non-image objects are 404.
#[utoipa::path(
    get,
    path = "/media/{key}",
    tag = "System",
    params(("key" = String, Path, description = "Object key, e.g. `avatars/<user>/<digest>.jpg` (may contain `/`)")),
    responses(
        (status = 200, description = "The image, as `image/jpeg`, `image/png` or `image/webp`", content_type = "image/jpeg"),
        (status = 404, description = "No such image", body = kernel::ErrorBody),
    )
)]
async fn get_media(
    State(media): State<Media>,
    headers: axum::http::HeaderMap,
    key: Result<Path<String>, PathRejection>,
) -> Response {
    let Ok(Path(key)) = key else { return not_found() };
    if validate_key(&key).is_err() {
        return not_found();
    }
    let object = match media.get(&key).await {
        Ok(Some(object)) => object,
        Ok(None) | Err(StorageError::InvalidKey) => return not_found(),
        Err(StorageError::Remote(e)) => {
            tracing::warn!(error = %e, key = %key, "object store unavailable");
            return ApiError::unavailable("Media storage is unavailable, try again shortly", Some(5)).into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, key = %key, "could not read media");
            return ApiError::internal().into_response();
        }
    };
    let content_type = object.content_type.to_ascii_lowercase();
    let Some(served) = SERVED_TYPES.iter().find(|t| **t == content_type) else {
        return not_found();
    };
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &object.bytes);
    let tag: String = digest.as_ref().iter().take(16).map(|b| format!("{b:02x}")).collect();
    let etag = format!("\"{tag}\"");
    let etag_value = HeaderValue::from_str(&etag).unwrap_or_else(|_| HeaderValue::from_static("\"0\""));
    let revalidated = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim().trim_start_matches("W/") == etag));
    let common = [
        (header::ETAG, etag_value),
        (header::CACHE_CONTROL, HeaderValue::from_static(CACHE_FOREVER)),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    ];
    if revalidated {
        return (axum::http::StatusCode::NOT_MODIFIED, common).into_response();
    }
    (common, [(header::CONTENT_TYPE, HeaderValue::from_static(served))], object.bytes).into_response()
}
