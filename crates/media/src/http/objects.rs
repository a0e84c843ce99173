//! `/api/v1/listings/{id}/media` and `/api/v1/media/{id}`: upload a panorama or a video in one
//! request (raw body or multipart), list a listing's media, read, rename, delete, and give a
//! video a poster. Large files use the chunked uploads of `uploads.rs`.

use axum::body::Body;
use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest, Multipart, Request, State as AxumState};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::{Actor, AuthUser, MaybeAuthUser};
use platform::http::{Json, Path, Query, created, ok};
use serde::Deserialize;
use serde_json::json;

use super::State;
use crate::domain::object::{self, Kind};
use crate::service::objects::{NewObject, spool_error};
use crate::service::view::ObjectView;

/// `kind` and `title` of a single-request upload (query, or multipart fields before the file).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// `panorama` or `video`.
    pub kind: Option<String>,
    pub title: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only `panorama` or only `video`.
    pub kind: Option<String>,
}

fn kind_of(raw: Option<&str>) -> Result<Kind, ApiError> {
    raw.and_then(Kind::parse).ok_or_else(|| {
        ApiError::validation(vec![FieldError::new("kind", "must be `panorama` or `video` (query or form field)")])
    })
}

fn multipart_error(e: &MultipartError) -> ApiError {
    let status = e.status().as_u16();
    let code = if status == 413 { "payload_too_large" } else { "bad_request" };
    ApiError::new(status, code, e.body_text())
}

/// A short text field, refused beyond 1 KiB.
async fn small_text(mut field: Field<'_>) -> Result<String, ApiError> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(&e))? {
        buf.extend_from_slice(&chunk);
        if buf.len() > 1024 {
            return Err(ApiError::bad_request("Form fields other than the file are at most 1 KiB"));
        }
    }
    String::from_utf8(buf).map_err(|_| ApiError::bad_request("Form fields must be UTF-8 text"))
}

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        413,
        "payload_too_large",
        format!("At most {} MiB in one request; use a chunked upload (POST …/media/uploads)", limit / (1024 * 1024)),
    )
}

/// Upload a panorama (equirectangular 2:1 JPEG, PNG or WebP) or a video (MP4 or WebM) to a
/// listing (owner). The body is the file itself (`Content-Type` of the file, `kind` in the
/// query) or `multipart/form-data` (fields `kind`, `title`, then `file`). Answers at once with
/// the object `processing`; it turns `ready` when its previews or poster are made.
#[utoipa::path(post, path = "/api/v1/listings/{id}/media", tag = "Media", operation_id = "upload_listing_media",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Listing id"), UploadParams),
    request_body(content_type = "application/octet-stream", description = "The file (or multipart/form-data with `file`)"),
    responses((status = 201, description = "`{data: object}` (status `processing`)", body = ObjectView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, description = "`payload_too_large` or `quota_exceeded`", body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, description = "`invalid_file`, e.g. truncated", body = ErrorBody)))]
pub async fn upload(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    Query(params): Query<UploadParams>,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
    let listing = kernel::parse_id(&id, "listing")?;
    let actor = Actor::from(&user);
    let l = state.owned_listing(listing, actor).await?;
    let dir = state.storage.spool_dir();
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"));
    let request_limit = state.config.media.max_request_upload_bytes();
    let (kind, title, spooled) = if multipart {
        let mut form = Multipart::from_request(request, &())
            .await
            .map_err(|e| ApiError::new(e.status().as_u16(), "bad_request", e.body_text()))?;
        let (mut kind, mut title) = (params.kind, params.title);
        let mut spooled = None;
        while let Some(field) = form.next_field().await.map_err(|e| multipart_error(&e))? {
            match field.name() {
                Some("kind") => kind = Some(small_text(field).await?),
                Some("title") => title = Some(small_text(field).await?),
                Some("file") if spooled.is_none() => {
                    let k = kind_of(kind.as_deref())?;
                    let limit = state.max_bytes(k).min(request_limit);
                    let file = platform::storage::spool::spool(field.map_err(|e| e.body_text()), &dir, limit)
                        .await
                        .map_err(|e| match e {
                            platform::storage::spool::SpoolError::TooLarge { limit } => too_large(limit),
                            other => spool_error(other),
                        })?;
                    spooled = Some((k, file));
                }
                _ => {}
            }
        }
        let (k, file) = spooled.ok_or_else(|| {
            ApiError::validation(vec![FieldError::new("file", "a multipart field `file` with the file is required")])
        })?;
        (k, title, file)
    } else {
        let k = kind_of(params.kind.as_deref())?;
        let limit = state.max_bytes(k).min(request_limit);
        if declared.is_some_and(|n| n > limit) {
            return Err(too_large(limit));
        }
        let body: Body = request.into_body();
        let file =
            platform::storage::spool::spool(body.into_data_stream(), &dir, limit).await.map_err(|e| match e {
                platform::storage::spool::SpoolError::TooLarge { limit } => too_large(limit),
                other => spool_error(other),
            })?;
        (k, params.title, file)
    };
    let title = object::title(title.as_deref()).map_err(|m| ApiError::validation(vec![FieldError::new("title", m)]))?;
    let new = NewObject { listing, owner: l.owner_id, kind, title, path: &spooled.path, size: spooled.size };
    let view = state.accept(actor, new).await?;
    Ok(created(view))
}

/// A listing's panoramas and videos, oldest first: ready ones for everyone who may see the
/// listing; all (with their status) for its owner.
#[utoipa::path(get, path = "/api/v1/listings/{id}/media", tag = "Media", operation_id = "list_listing_media",
    security((), ("bearerAuth" = [])), params(("id" = String, Path, description = "Listing id"), ListParams),
    responses((status = 200, description = "`{data: [object]}`", body = [ObjectView]), (status = 404, body = ErrorBody)))]
pub async fn list(
    AxumState(state): AxumState<State>,
    user: MaybeAuthUser,
    Path(id): Path<String>,
    Query(params): Query<ListParams>,
) -> Result<Response, ApiError> {
    let kind = match params.kind.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(kind_of(Some(raw))?),
    };
    let viewer = user.0.as_ref().map(Actor::from);
    Ok(ok(state.listing_media(kernel::parse_id(&id, "listing")?, viewer, kind).await?))
}

fn media_id(raw: &str) -> Result<uuid::Uuid, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found("Media not found"))
}

/// One panorama or video (`processing` ones only for the owner).
#[utoipa::path(get, path = "/api/v1/media/{id}", tag = "Media", operation_id = "get_media_object",
    security((), ("bearerAuth" = [])), params(("id" = String, Path, description = "Media id")),
    responses((status = 200, description = "`{data: object}`", body = ObjectView), (status = 404, body = ErrorBody)))]
pub async fn get(
    AxumState(state): AxumState<State>,
    user: MaybeAuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(ok(state.object(media_id(&id)?, user.0.as_ref().map(Actor::from)).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rename {
    /// Plain text, at most 120 characters; empty or null removes it.
    pub title: Option<String>,
}

/// Rename a panorama or video (owner).
#[utoipa::path(patch, path = "/api/v1/media/{id}", tag = "Media", operation_id = "update_media_object",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Media id")), request_body = Rename,
    responses((status = 200, description = "`{data: object}`", body = ObjectView), (status = 401, body = ErrorBody),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<Rename>,
) -> Result<Response, ApiError> {
    Ok(ok(state.rename(media_id(&id)?, Actor::from(&user), body.title.as_deref()).await?))
}

/// Delete a panorama or video (owner); refused (`409 in_use`) while the tour shows it.
#[utoipa::path(delete, path = "/api/v1/media/{id}", tag = "Media", operation_id = "delete_media_object",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Media id")),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`in_use`", body = ErrorBody)))]
pub async fn delete(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.delete_object(media_id(&id)?, Actor::from(&user)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Largest poster image.
const MAX_POSTER: usize = 10 * 1024 * 1024;

/// Give a video a poster (owner): the body is a JPEG, PNG or WebP image (at most 10 MB). Its
/// `poster` and `thumb` are rendered off the request path (202).
#[utoipa::path(put, path = "/api/v1/media/{id}/poster", tag = "Media", operation_id = "put_media_poster",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Media id (a video)")),
    request_body(content_type = "image/jpeg", description = "The image"),
    responses((status = 202, description = "Accepted; the poster appears in `variants` shortly"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "`not_a_video`", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn put_poster(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = axum::body::to_bytes(body, MAX_POSTER)
        .await
        .map_err(|_| ApiError::new(413, "payload_too_large", "A poster is at most 10 MB"))?;
    state.upload_poster(media_id(&id)?, Actor::from(&user), bytes.to_vec()).await?;
    Ok((StatusCode::ACCEPTED, ok(json!({ "accepted": true }))).into_response())
}
