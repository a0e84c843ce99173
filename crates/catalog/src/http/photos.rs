//! `/api/v1/listings/{id}/photos`: upload (multipart), list, caption, reorder, delete.

use axum::extract::Multipart;
use axum::extract::State as AxumState;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::{AuthUser, MaybeAuthUser};
use platform::http::{Json, Path, ok_with_message};
use serde::{Deserialize, Deserializer};
use serde_json::json;
use uuid::Uuid;

use super::State;

fn multipart_error(e: &MultipartError) -> ApiError {
    let status = e.status().as_u16();
    let code = if status == 413 { "payload_too_large" } else { "bad_request" };
    ApiError::new(status, code, e.body_text())
}

fn photo_id(raw: &str) -> Result<Uuid, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found("Photo not found"))
}

/// Add a photo (owner only; multipart field `photo` or `file`: JPEG, PNG or WebP, at most
/// 10 MB and 40 megapixels; optional field `caption`, plain text of at most 200 characters).
/// It is appended last and answered at once as `processing`; a background job then re-encodes
/// it into `thumb`, `medium` and `large` JPEGs without metadata and makes it `ready` (or
/// `failed`, with the reason, if it does not decode). At most 10 photos per listing, processing
/// and failed ones included.
#[utoipa::path(post, path = "/api/v1/listings/{id}/photos", operation_id = "upload_listing_photo", tag = "Listing photos",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Listing id")),
    request_body(content_type = "multipart/form-data", description = "Field `photo` (or `file`) with the image; optional field `caption`"),
    responses((status = 201, description = "`{photo}` (`PhotoView`), `status: processing`"),
        (status = 400, description = "`invalid_image`: damaged or truncated; `validation_failed`", body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "`photo_limit`", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn upload(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let listing = kernel::parse_id(&id, "listing")?;
    let mut multipart = multipart.map_err(|e| ApiError::new(e.status().as_u16(), "bad_request", e.body_text()))?;
    let (mut upload, mut caption) = (None, None);
    while let Some(field) = multipart.next_field().await.map_err(|e| multipart_error(&e))? {
        match field.name() {
            Some("photo" | "file") if upload.is_none() => {
                upload = Some(field.bytes().await.map_err(|e| multipart_error(&e))?.to_vec());
            }
            Some("caption") if caption.is_none() => {
                caption = Some(field.text().await.map_err(|e| multipart_error(&e))?);
            }
            _ => {}
        }
    }
    let upload = upload.ok_or_else(|| {
        ApiError::validation(vec![FieldError::new("photo", "a multipart field `photo` with the image is required")])
    })?;
    let photo = state.add_photo(listing, &user, upload, caption.as_deref()).await?;
    Ok((StatusCode::CREATED, ok_with_message(json!({ "photo": photo }), "Photo added")).into_response())
}

/// A listing's photos in display order; visible to whoever may see the listing. The public
/// sees the ready ones; the owner (and administrators) every photo with its `status`.
#[utoipa::path(get, path = "/api/v1/listings/{id}/photos", operation_id = "list_listing_photos", tag = "Listing photos",
    security((), ("bearerAuth" = [])), params(("id" = String, Path, description = "Listing id")),
    responses((status = 200, description = "`{photos}` (`PhotoView`s), with an `ETag`"),
        (status = 304, description = "Not modified: the `If-None-Match` ETag is current"), (status = 404, body = ErrorBody)))]
pub async fn list(
    AxumState(state): AxumState<State>,
    user: MaybeAuthUser,
    Path(id): Path<String>,
    platform::http::IfNoneMatch(if_none_match): platform::http::IfNoneMatch,
) -> Result<Response, ApiError> {
    let answer = state.listing_photos_answer(kernel::parse_id(&id, "listing")?, user.0.as_ref()).await?;
    Ok(answer.respond(if_none_match.as_ref()))
}

/// `Some(None)` for an explicit `null`, `None` when the field is absent.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhotoPatch {
    /// Plain text, at most 200 characters; `null` or `""` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub caption: Option<Option<String>>,
}

/// Change a photo's caption (owner only).
#[utoipa::path(patch, path = "/api/v1/listings/{id}/photos/{photoId}", operation_id = "update_listing_photo", tag = "Listing photos",
    security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Listing id"), ("photoId" = String, Path, description = "Photo id")),
    request_body = PhotoPatch,
    responses((status = 200, description = "`{photo}`"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path((id, photo)): Path<(String, String)>,
    Json(body): Json<PhotoPatch>,
) -> Result<Response, ApiError> {
    let listing = kernel::parse_id(&id, "listing")?;
    let photo = photo_id(&photo)?;
    let caption = body.caption.as_ref().map(Option::as_deref);
    let photo = state.update_photo(listing, photo, &user, caption).await?;
    Ok(ok_with_message(json!({ "photo": photo }), "Photo updated"))
}

/// Delete a photo, whatever its status, and its stored images (owner only); the photos after
/// it move up.
#[utoipa::path(delete, path = "/api/v1/listings/{id}/photos/{photoId}", operation_id = "delete_listing_photo", tag = "Listing photos",
    security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Listing id"), ("photoId" = String, Path, description = "Photo id")),
    responses((status = 200, description = "Deleted"), (status = 404, body = ErrorBody)))]
pub async fn delete(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path((id, photo)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    state.delete_photo(kernel::parse_id(&id, "listing")?, photo_id(&photo)?, &user).await?;
    Ok(ok_with_message(json!({}), "Photo deleted"))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PhotoOrder {
    /// Every photo id of the listing, once each, in the wanted order.
    pub photo_ids: Vec<String>,
}

/// Reorder a listing's photos (owner only): send every photo id once, in the new order.
#[utoipa::path(put, path = "/api/v1/listings/{id}/photos/order", operation_id = "reorder_listing_photos", tag = "Listing photos",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Listing id")),
    request_body = PhotoOrder,
    responses((status = 200, description = "`{photos}` in the new order"), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn reorder(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<PhotoOrder>,
) -> Result<Response, ApiError> {
    let listing = kernel::parse_id(&id, "listing")?;
    let order = body
        .photo_ids
        .iter()
        .map(|raw| raw.parse::<Uuid>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| ApiError::validation(vec![FieldError::new("photoIds", "must be photo ids")]))?;
    let photos = state.reorder_photos(listing, &user, &order).await?;
    Ok(ok_with_message(json!({ "photos": photos }), "Photos reordered"))
}
