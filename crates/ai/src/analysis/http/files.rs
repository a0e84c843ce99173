//! Image analysis and description, photo near-duplicates, and audio transcription.
//!
//! Listing photos carry no event (docs/catalog.md §Photos), so the analysis part cannot hash
//! them on its own: a host sends a photo to `POST /api/v1/ai/images/analyze?listingId=…`, its
//! hash is kept for that listing, and the answer (and `GET …/photos/duplicates` later) lists
//! the earlier analysed photos of the same host's listings within [`NEAR_DUPLICATE_BITS`].

use axum::extract::multipart::MultipartError;
use axum::extract::{FromRequest, Multipart, Request, State as AxumState};
use axum::http::header;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::AuthUser;
use platform::http::{Path, Query};
use platform::images::ImageError;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::{MAX_AUDIO_BYTES, MAX_IMAGE_BYTES, State, bare, count_use};
use crate::analysis::picture::{self, Analysis, NEAR_DUPLICATE_BITS};
use crate::analysis::{model, store};

/// Raw bodies the image routes take (the format itself is read from the bytes).
const IMAGE_TYPES: [&str; 4] = ["image/jpeg", "image/jpg", "image/png", "image/webp"];

struct Upload {
    bytes: Vec<u8>,
    content_type: String,
    filename: String,
    language: Option<String>,
}

fn too_large(max: usize) -> ApiError {
    ApiError::new(413, "payload_too_large", format!("The file is larger than {} MB", max / (1024 * 1024)))
}

fn multipart_error(e: &MultipartError, max: usize) -> ApiError {
    if e.status().as_u16() == 413 { too_large(max) } else { ApiError::new(400, "bad_request", e.body_text()) }
}

fn unsupported(what: &str) -> ApiError {
    ApiError::new(415, "unsupported_media_type", format!("Send {what}"))
}

/// The file of a request: its raw body (when `raw_types` accepts its `Content-Type`) or the
/// multipart field `file` (with an optional `language` field).
async fn read_upload(request: Request, max: usize, raw_types: &[&str]) -> Result<Upload, ApiError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
        .unwrap_or_default();
    let upload = if content_type == "multipart/form-data" {
        let mut form = Multipart::from_request(request, &())
            .await
            .map_err(|e| ApiError::new(e.status().as_u16(), "bad_request", e.body_text()))?;
        let (mut file, mut language) = (None, None);
        while let Some(field) = form.next_field().await.map_err(|e| multipart_error(&e, max))? {
            match field.name() {
                Some("file") if file.is_none() => {
                    let kind = field.content_type().unwrap_or("application/octet-stream").to_ascii_lowercase();
                    let name = field.file_name().unwrap_or("upload").chars().take(200).collect::<String>();
                    let bytes = field.bytes().await.map_err(|e| multipart_error(&e, max))?;
                    file = Some((bytes.to_vec(), kind, name));
                }
                Some("language") if language.is_none() => {
                    language = Some(field.text().await.map_err(|e| multipart_error(&e, max))?);
                }
                _ => {}
            }
        }
        let (bytes, content_type, filename) = file.ok_or_else(|| {
            ApiError::validation(vec![FieldError::new("file", "a multipart field `file` with the file is required")])
        })?;
        Upload { bytes, content_type, filename, language }
    } else if raw_types.contains(&content_type.as_str()) {
        let bytes = axum::body::Bytes::from_request(request, &()).await.map_err(|e| {
            if e.status().as_u16() == 413 { too_large(max) } else { ApiError::new(400, "bad_request", e.body_text()) }
        })?;
        Upload { bytes: bytes.to_vec(), content_type, filename: "upload".into(), language: None }
    } else {
        return Err(unsupported(&format!(
            "the file as multipart/form-data (field `file`) or as {}",
            raw_types.join(", ")
        )));
    };
    if upload.bytes.len() > max {
        return Err(too_large(max));
    }
    if upload.bytes.is_empty() {
        return Err(ApiError::validation(vec![FieldError::new("file", "the file is empty")]));
    }
    Ok(upload)
}

fn image_error(e: &ImageError) -> ApiError {
    let code = match e.status() {
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        _ => "invalid_image",
    };
    ApiError::new(e.status(), code, e.to_string())
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct AnalyzeQuery {
    /// One of the caller's listings: the photo's hash is kept for it and compared with the
    /// host's earlier analysed photos.
    pub listing_id: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Duplicate {
    pub photo_id: Uuid,
    pub listing_id: Uuid,
    /// Bits in which the hashes differ (0–64).
    pub distance: u32,
    pub analysed_at: chrono::DateTime<chrono::Utc>,
}

/// The owner of a listing the caller may act for (`404` otherwise).
async fn owned_listing(state: &State, user: &AuthUser, raw: &str) -> Result<(Uuid, Uuid), ApiError> {
    let listing = kernel::parse_id(raw, "listing")?;
    let owner =
        store::listing_owner(&state.db, listing).await?.ok_or_else(|| ApiError::not_found("listing not found"))?;
    if owner != user.user_id && !user.is_admin() {
        return Err(ApiError::not_found("listing not found"));
    }
    Ok((listing, owner))
}

fn near(hash: u64, others: &[store::PhotoRow], except: Option<Uuid>) -> Vec<Duplicate> {
    let mut out: Vec<Duplicate> = others
        .iter()
        .filter(|p| Some(p.id) != except)
        .filter_map(|p| {
            let distance = picture::distance(hash, u64::from_str_radix(&p.hash, 16).ok()?);
            (distance <= NEAR_DUPLICATE_BITS).then_some(Duplicate {
                photo_id: p.id,
                listing_id: p.listing_id,
                distance,
                analysed_at: p.created_at,
            })
        })
        .collect();
    out.sort_by_key(|d| (d.distance, d.photo_id));
    out
}

/// What a photo's pixels say, offline: format, size, dominant colours, a 64-bit perceptual
/// hash, sharpness (variance of the Laplacian), brightness and contrast, with the flags
/// `blurry`, `dark` and `small`. The body is the image (`image/jpeg`, `image/png`,
/// `image/webp`) or `multipart/form-data` with `file`; at most 10 MB and 40 megapixels (read
/// from the header before decoding). With `listingId` (the caller's listing), the hash is kept
/// and `duplicates` lists the host's earlier analysed photos within 10 bits.
#[utoipa::path(post, path = "/api/v1/ai/images/analyze", tag = "AI", operation_id = "ai_an_image_analyze",
    security(("bearerAuth" = [])), params(AnalyzeQuery),
    request_body(content_type = "multipart/form-data", description = "Field `file` with the image (or the image itself as the body, with its type)"),
    responses((status = 200, body = Analysis), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn analyze(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<AnalyzeQuery>,
    request: Request,
) -> Result<Response, ApiError> {
    let listing = match q.listing_id.as_deref() {
        Some(raw) => Some(owned_listing(&state, &user, raw).await?),
        None => None,
    };
    let upload = read_upload(request, MAX_IMAGE_BYTES, &IMAGE_TYPES).await?;
    count_use(&state, &user).await?;
    let (analysis, hash) = tokio::task::spawn_blocking(move || picture::analyse(&upload.bytes))
        .await
        .map_err(|_| ApiError::internal())?
        .map_err(|e| image_error(&e))?;
    let mut body = serde_json::to_value(&analysis).map_err(|_| ApiError::internal())?;
    if let (Some((listing_id, host_id)), Some(map)) = (listing, body.as_object_mut()) {
        let earlier = store::host_photos(&state.db, host_id).await?;
        let photo = store::NewPhoto {
            id: kernel::new_id(),
            listing_id,
            host_id,
            hash: analysis.hash.clone(),
            width: analysis.width,
            height: analysis.height,
            at: state.clock.now(),
        };
        store::insert_photo(&state.db, &photo).await?;
        map.insert("photoId".into(), json!(photo.id));
        map.insert("listingId".into(), json!(listing_id));
        map.insert("duplicates".into(), json!(near(hash, &earlier, None)));
    }
    Ok(bare(body))
}

/// The photos analysed for a listing (with `analyze?listingId=`) and, for each, the host's
/// analysed photos (any of their listings) within 10 bits. The owner and administrators.
#[utoipa::path(get, path = "/api/v1/ai/listings/{listingId}/photos/duplicates", tag = "AI",
    operation_id = "ai_an_photo_duplicates", security(("bearerAuth" = [])),
    params(("listingId" = String, Path, description = "Listing id")),
    responses((status = 200, description = "`{listingId, threshold, photos: [{photoId, hash, analysedAt, duplicates}]}`"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn duplicates(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(listing): Path<String>,
) -> Result<Response, ApiError> {
    let (listing_id, host_id) = owned_listing(&state, &user, &listing).await?;
    let photos = store::host_photos(&state.db, host_id).await?;
    let mine: Vec<_> = photos
        .iter()
        .filter(|p| p.listing_id == listing_id)
        .filter_map(|p| {
            let hash = u64::from_str_radix(&p.hash, 16).ok()?;
            Some(json!({"photoId": p.id, "hash": p.hash, "analysedAt": p.created_at,
                "duplicates": near(hash, &photos, Some(p.id))}))
        })
        .collect();
    Ok(bare(json!({"listingId": listing_id, "threshold": NEAR_DUPLICATE_BITS, "photos": mine})))
}

/// A caption, tags and a moderation verdict (`safe`, `review`, `unsafe`) for a photo, by the
/// configured vision model, which gets it re-encoded (JPEG, ≤ 1024 px, no metadata). Same
/// input and checks as `analyze`; `503 model_not_configured` without a model.
#[utoipa::path(post, path = "/api/v1/ai/images/describe", tag = "AI", operation_id = "ai_an_image_describe",
    security(("bearerAuth" = [])),
    request_body(content_type = "multipart/form-data", description = "Field `file` with the image (or the image itself as the body, with its type)"),
    responses((status = 200, body = model::Description), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 429, body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn describe(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    request: Request,
) -> Result<Response, ApiError> {
    let upload = read_upload(request, MAX_IMAGE_BYTES, &IMAGE_TYPES).await?;
    let header = platform::images::inspect(&upload.bytes).map_err(|e| image_error(&e))?;
    let m = model::Metered { model: model::require(state.model.as_ref())?, budget: &state.budget, user: user.user_id };
    count_use(&state, &user).await?;
    // The model gets a fresh JPEG at most 1024 pixels wide: fewer tokens, and no metadata
    // (EXIF GPS positions, camera serials) leaves for a third party.
    let jpeg = tokio::task::spawn_blocking(move || {
        let image = platform::images::decode_bounded(
            std::io::Cursor::new(&upload.bytes),
            header.format,
            platform::images::MAX_PIXELS,
        )?;
        platform::images::jpeg_variants(image, &[("model", 1024)])
    })
    .await
    .map_err(|_| ApiError::internal())?
    .map_err(|e| image_error(&e))?;
    let bytes = jpeg.into_iter().next().map(|v| v.bytes).ok_or_else(ApiError::internal)?;
    Ok(bare(model::describe(&m, "image/jpeg", &bytes).await?))
}

/// Speech to text through the model's `/audio/transcriptions`: multipart `file` (an `audio/*`
/// part, at most 25 MB) and optional `language` (ISO-639-1). `503` without a transcription
/// model (`model_not_configured`, `transcription_not_configured`).
#[utoipa::path(post, path = "/api/v1/ai/audio/transcriptions", tag = "AI", operation_id = "ai_an_transcribe",
    security(("bearerAuth" = [])),
    request_body(content_type = "multipart/form-data", description = "Field `file` (audio/*), optional field `language`"),
    responses((status = 200, description = "`{text, language?, duration?}`"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 429, body = ErrorBody), (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn transcribe(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    request: Request,
) -> Result<Response, ApiError> {
    let upload = read_upload(request, MAX_AUDIO_BYTES, &[]).await?;
    if !upload.content_type.starts_with("audio/") {
        return Err(unsupported("an audio file (a part of type audio/*)"));
    }
    let language = match upload.language.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        Some(l) if (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_alphabetic()) => {
            Some(l.to_ascii_lowercase())
        }
        Some(_) => return Err(ApiError::validation(vec![FieldError::new("language", "an ISO-639-1 code such as en")])),
        None => None,
    };
    let m = model::require(state.model.as_ref())?;
    if !m.can_transcribe() {
        return Err(crate::llm::not_configured("transcription"));
    }
    count_use(&state, &user).await?;
    // The transcription API reports no tokens: the call is refused once the day's budget is
    // spent, and not counted itself.
    state.budget.check(user.user_id).await?;
    let transcript = m.transcribe(&upload.bytes, &upload.filename, &upload.content_type, language.as_deref()).await?;
    Ok(bare(transcript))
}
