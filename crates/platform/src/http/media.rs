//! `GET /media/{*key}` (and `HEAD`): the images, videos and audio of the object store, streamed
//! with byte ranges, so a video player can seek in a 100 MB file and nothing is ever held
//! whole in memory. Only a fixed list of media types is served, with `nosniff`, `inline` and a
//! sandboxing `Content-Security-Policy`, so a stored object can never be rendered by a browser
//! as a page or a script. Keys are content-addressed by the callers that put them, so every
//! answer may be cached for good; the `ETag` still changes whenever an object does.
//!
//! Headers are evaluated in RFC 9110's order: `If-None-Match` (`304`), then `Range` with
//! `If-Range` (see [`range`]). The object's meta is read first; the body is then opened at the
//! chosen range and, should the object have changed in between (another tag), the request is
//! evaluated again on the new one, so a range is never cut from a different object.

mod range;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kernel::ApiError;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use self::range::Ranged;
use crate::storage::{Media, ObjectMeta, StorageError, validate_key};

/// The content types `GET /media/{*key}` answers with; any other stored object is a 404.
pub const SERVED_TYPES: &[&str] =
    &["image/jpeg", "image/png", "image/webp", "video/mp4", "video/webm", "audio/mpeg", "audio/ogg"];

const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";
/// Nothing a media answer could load or run, even opened as a document.
const MEDIA_CSP: &str = "default-src 'none'; sandbox";
/// How many times an object that keeps changing between its meta and its body is re-read.
const ATTEMPTS: usize = 3;

#[derive(OpenApi)]
#[openapi(paths(get_media, head_media))]
struct MediaDoc;

/// The media route and its OpenAPI description. utoipa-axum's `routes!` takes the axum path
/// from the OpenAPI one, and OpenAPI has no multi-segment parameter, so the wildcard route is
/// added by hand next to the documented `/media/{key}`.
pub fn router(media: Media) -> OpenApiRouter {
    OpenApiRouter::with_openapi(MediaDoc::openapi())
        .route("/media/{*key}", get(get_media).head(head_media))
        .with_state(media)
}

/// The compression layer's rule: tower-http's default (which skips images and ranges), and
/// never video or audio either. They are compressed already, and a gzipped answer loses its
/// `Content-Length` and `Accept-Ranges`, so a player could no longer seek.
pub fn compressible() -> impl tower_http::compression::Predicate {
    use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
    DefaultPredicate::new().and(NotForContentType::const_new("video/")).and(NotForContentType::const_new("audio/"))
}

fn not_found() -> Response {
    ApiError::not_found("No such media").into_response()
}

fn storage_failure(e: &StorageError, key: &str) -> Response {
    if let StorageError::Remote(e) = e {
        tracing::warn!(error = %e, key = %key, "object store unavailable");
        return ApiError::unavailable("Media storage is unavailable, try again shortly", Some(5)).into_response();
    }
    tracing::error!(error = %e, key = %key, "could not read media");
    ApiError::internal().into_response()
}

/// The served type matching a stored content type (parameters and case aside).
fn served_type(content_type: &str) -> Option<&'static str> {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    SERVED_TYPES.iter().copied().find(|t| t.eq_ignore_ascii_case(essence))
}

fn value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

/// The headers of every answer about an existing object (`200`, `206`, `304`).
fn validators(headers: &mut HeaderMap, meta: &ObjectMeta) {
    headers.insert(header::ETAG, value(&meta.etag));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_FOREVER));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
}

/// What the request's headers ask of an object.
enum Decision {
    /// `304`: the client's copy is current.
    NotModified,
    /// `416`: the range starts past the end.
    Unsatisfiable,
    /// `200` (`None`) or `206` with the inclusive range.
    Send(Option<(u64, u64)>),
}

fn evaluate(request: &HeaderMap, meta: &ObjectMeta) -> Decision {
    let header_text = |name| request.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    if header_text(header::IF_NONE_MATCH).is_some_and(|v| range::none_match_hits(v, &meta.etag)) {
        return Decision::NotModified;
    }
    let Some(asked) = header_text(header::RANGE) else { return Decision::Send(None) };
    if header_text(header::IF_RANGE).is_some_and(|v| !range::if_range_holds(v, &meta.etag)) {
        return Decision::Send(None);
    }
    match range::parse_range(asked, meta.size) {
        Ranged::Whole => Decision::Send(None),
        Ranged::Part(first, last) => Decision::Send(Some((first, last))),
        Ranged::Unsatisfiable => Decision::Unsatisfiable,
    }
}

fn not_modified(meta: &ObjectMeta) -> Response {
    let mut answer = StatusCode::NOT_MODIFIED.into_response();
    validators(answer.headers_mut(), meta);
    answer
}

fn unsatisfiable(meta: &ObjectMeta) -> Response {
    let error =
        ApiError::new(416, "range_not_satisfiable", format!("The range is outside the media's {} bytes", meta.size));
    let headers = [
        (header::CONTENT_RANGE, value(&format!("bytes */{}", meta.size))),
        (header::ACCEPT_RANGES, HeaderValue::from_static("bytes")),
    ];
    (headers, error).into_response()
}

/// A `200` or `206` answer for `meta`'s object (the range, if any), with `body`.
fn answer(meta: &ObjectMeta, served: &'static str, part: Option<(u64, u64)>, body: Body) -> Response {
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    validators(headers, meta);
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(served));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(MEDIA_CSP));
    let length = match part {
        Some((first, last)) => {
            headers.insert(header::CONTENT_RANGE, value(&format!("bytes {first}-{last}/{}", meta.size)));
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
            last - first + 1
        }
        None => meta.size,
    };
    response.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    response
}

/// The media answer for `key`; the body is streamed only when `with_body` (GET, not HEAD).
async fn serve(
    media: &Media,
    key: Result<Path<String>, PathRejection>,
    request: &HeaderMap,
    with_body: bool,
) -> Response {
    let Ok(Path(key)) = key else { return not_found() };
    if validate_key(&key).is_err() {
        return not_found();
    }
    for _ in 0..ATTEMPTS {
        let meta = match media.head(&key).await {
            Ok(Some(meta)) => meta,
            Ok(None) | Err(StorageError::InvalidKey) => return not_found(),
            Err(e) => return storage_failure(&e, &key),
        };
        let Some(served) = served_type(&meta.content_type) else { return not_found() };
        let part = match evaluate(request, &meta) {
            Decision::Send(part) => part,
            Decision::NotModified => return not_modified(&meta),
            Decision::Unsatisfiable => return unsatisfiable(&meta),
        };
        if !with_body {
            return answer(&meta, served, part, Body::empty());
        }
        match media.open(&key, part).await {
            Ok(Some((opened, stream))) if opened.etag == meta.etag => {
                return answer(&meta, served, part, Body::from_stream(stream));
            }
            // Replaced since its meta was read: evaluate the request again on the new object.
            Ok(Some(_)) | Err(StorageError::RangeNotSatisfiable { .. }) => {}
            Ok(None) | Err(StorageError::InvalidKey) => return not_found(),
            Err(e) => return storage_failure(&e, &key),
        }
    }
    tracing::warn!(key = %key, "media kept changing while being read");
    ApiError::unavailable("The media is being replaced, try again shortly", Some(1)).into_response()
}

/// A stored image, video or sound (avatar, listing photo, panorama, video). `key` may contain
/// `/`. Supports one byte range (`Range: bytes=a-b`, `a-`, `-n`, with `If-Range`) and
/// revalidation (`If-None-Match`); answers are immutable and cacheable for a year. Missing
/// objects, invalid keys and objects of any other type are 404.
#[utoipa::path(
    get,
    path = "/media/{key}",
    tag = "System",
    operation_id = "serve_media_file",
    params(
        ("key" = String, Path, description = "Object key, e.g. `avatars/<user>/<digest>.jpg` (may contain `/`)"),
        ("Range" = Option<String>, Header, description = "One byte range: `bytes=0-1023`, `bytes=1024-` or `bytes=-1024`; several ranges or a malformed value are ignored (whole object)"),
        ("If-Range" = Option<String>, Header, description = "The `ETag` the range was computed on; another one serves the whole object"),
        ("If-None-Match" = Option<String>, Header, description = "`ETag`s already held: a match answers 304"),
    ),
    responses(
        (status = 200, description = "The whole object, as `image/jpeg`, `image/png`, `image/webp`, `video/mp4`, `video/webm`, `audio/mpeg` or `audio/ogg`", content_type = "application/octet-stream",
            headers(("ETag" = String), ("Accept-Ranges" = String, description = "`bytes`"), ("Cache-Control" = String))),
        (status = 206, description = "The requested range", content_type = "application/octet-stream",
            headers(("Content-Range" = String, description = "`bytes first-last/size`"), ("ETag" = String))),
        (status = 304, description = "Not modified: the `If-None-Match` tag is current"),
        (status = 404, description = "No such media", body = kernel::ErrorBody),
        (status = 416, description = "`range_not_satisfiable`: the range starts past the end (`Content-Range: bytes */size`)", body = kernel::ErrorBody),
        (status = 503, description = "The object store is unreachable", body = kernel::ErrorBody),
    )
)]
async fn get_media(
    State(media): State<Media>,
    headers: HeaderMap,
    key: Result<Path<String>, PathRejection>,
) -> Response {
    serve(&media, key, &headers, true).await
}

/// The headers `GET /media/{key}` would answer with (size, type, `ETag`, range), no body.
#[utoipa::path(
    head,
    path = "/media/{key}",
    tag = "System",
    operation_id = "head_media_file",
    params(("key" = String, Path, description = "Object key (may contain `/`)")),
    responses(
        (status = 200, description = "The object exists and is served; `Content-Length` is its size"),
        (status = 206, description = "The requested range"),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such media"),
        (status = 416, description = "The range starts past the end"),
    )
)]
async fn head_media(
    State(media): State<Media>,
    headers: HeaderMap,
    key: Result<Path<String>, PathRejection>,
) -> Response {
    serve(&media, key, &headers, false).await
}
