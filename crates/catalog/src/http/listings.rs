//! `/api/v1/listings`: create, read, update (If-Match), publish, unpublish, delete, lists.

use axum::extract::State as AxumState;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody, FieldError, Page, PageQuery, PageRequest};
use platform::auth::{AuthUser, MaybeAuthUser};
use platform::http::{IfNoneMatch, Json, Path, Query, ok, ok_with_message};
use serde::Deserialize;
use serde_json::json;

use super::State;
use crate::domain::fields::{KINDS, country, one_of};
use crate::domain::listing::{Listing, ListingInput};
use crate::store::listings::PublicFilter;

/// The listing with its version as a strong ETag (send it back in `If-Match`).
fn with_etag(response: Response, l: &Listing) -> Response {
    etag(response, l.version)
}

fn etag(response: Response, version: i64) -> Response {
    platform::http::with_version_etag(response, version)
}

fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    platform::http::if_match_version(headers, "the listing")
}

/// The menu of a restaurant listing.
#[utoipa::path(get, path = "/api/v1/listings/{id}/menu", tag = "Listings", operation_id = "get_listing_menu",
    security((), ("bearerAuth" = [])), params(("id" = String, Path, description = "Listing id")),
    responses((status = 200, description = "`{menu}`"), (status = 404, body = ErrorBody),
        (status = 409, description = "`not_a_restaurant`", body = ErrorBody)))]
pub async fn get_menu(
    AxumState(state): AxumState<State>,
    user: MaybeAuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let menu = state.menu(kernel::parse_id(&id, "listing")?, user.0.as_ref()).await?;
    Ok(ok(json!({ "menu": menu })))
}

/// Replace the menu: sections of items with price, allergens (the 14 EU ones), dietary tags and
/// an availability flag. Owner only; `If-Match` guards it like any listing change.
#[utoipa::path(put, path = "/api/v1/listings/{id}/menu", tag = "Listings", operation_id = "put_listing_menu",
    security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Listing id"), ("If-Match" = Option<String>, Header, description = "ETag of the version you edit")),
    request_body = crate::domain::restaurant::Menu,
    responses((status = 200, description = "`{menu}` with the listing's new `ETag`"), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody)))]
pub async fn put_menu(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<crate::domain::restaurant::Menu>,
) -> Result<Response, ApiError> {
    let l = state.set_menu(kernel::parse_id(&id, "listing")?, &user, &body, if_match(&headers)?).await?;
    Ok(with_etag(ok_with_message(json!({ "menu": l.restaurant.menu }), "Menu updated"), &l))
}

/// Create a listing (providers only). It starts as a draft.
#[utoipa::path(post, path = "/api/v1/listings", operation_id = "create_listing", tag = "Listings", security(("bearerAuth" = [])), request_body = ListingInput,
    responses((status = 201, description = "`{listing}` (draft) with its rating (`ListingRating`); `ETag` carries the version"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "`not_a_provider`", body = ErrorBody)))]
pub async fn create(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<ListingInput>,
) -> Result<Response, ApiError> {
    let l = state.create_listing(user.user_id, &body).await?;
    let response = (StatusCode::CREATED, ok(json!({ "listing": state.view(&l).await? }))).into_response();
    Ok(with_etag(response, &l))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// 1 to 100 listings, each as for `POST /api/v1/listings`.
    pub listings: Vec<ListingInput>,
    /// Publish them at once; each must then be complete.
    #[serde(default)]
    pub publish: bool,
}

/// Create up to 100 listings at once (providers only; imports, channel managers): all or none.
/// With `publish`, they are published too. Errors name each faulty item (`listings[3].title`).
#[utoipa::path(post, path = "/api/v1/listings/batch", operation_id = "create_listings", tag = "Listings", security(("bearerAuth" = [])), request_body = BatchRequest,
    responses((status = 201, description = "`{listings}` in the order sent, each with its rating (`ListingRating`)"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "`not_a_provider`", body = ErrorBody),
        (status = 422, description = "`listing_incomplete`: what each item lacks to be published", body = ErrorBody)))]
pub async fn create_batch(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<BatchRequest>,
) -> Result<Response, ApiError> {
    let made = state.create_listings(user.user_id, &body.listings, body.publish).await?;
    let views = state.views(&made).await?;
    Ok((StatusCode::CREATED, ok(json!({ "listings": views }))).into_response())
}

/// A listing with its photos and media summary: published ones are public; drafts are visible
/// to their owner (and admins) only. The public sees ready photos; the owner every photo with
/// its status.
#[utoipa::path(get, path = "/api/v1/listings/{id}", operation_id = "get_listing", tag = "Listings", security((), ("bearerAuth" = [])),
    params(("id" = String, Path, description = "Listing id"),
        ("If-None-Match" = Option<String>, Header, description = "The `ETag` you hold: `304` if it is still current")),
    responses((status = 200, description = "`{listing}` with its rating (`ListingRating`), `media` (`MediaSummary`) and photos, with `ETag` (`\"<version>.<hash>\"`; usable in `If-Match`)"),
        (status = 304, description = "Not modified: the `If-None-Match` ETag is current"), (status = 404, body = ErrorBody)))]
pub async fn get(
    AxumState(state): AxumState<State>,
    user: MaybeAuthUser,
    Path(id): Path<String>,
    IfNoneMatch(if_none_match): IfNoneMatch,
) -> Result<Response, ApiError> {
    let answer = state.listing_detail(kernel::parse_id(&id, "listing")?, user.0.as_ref()).await?;
    Ok(answer.respond(if_none_match.as_ref()))
}

/// Change a listing (owner only). Send `If-Match` with the ETag you read: a concurrent change
/// answers 412 instead of being overwritten.
#[utoipa::path(put, path = "/api/v1/listings/{id}", operation_id = "update_listing", tag = "Listings", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Listing id"), ("If-Match" = Option<String>, Header, description = "ETag of the version you edit")),
    request_body = ListingInput,
    responses((status = 200, description = "`{listing}` with its rating (`ListingRating`), with the new `ETag`"), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 412, description = "`version_conflict`", body = ErrorBody),
        (status = 422, description = "`listing_incomplete` (a published listing must stay complete)", body = ErrorBody)))]
pub async fn update(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<ListingInput>,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "listing")?;
    let l = state.update_listing(id, &user, &body, if_match(&headers)?).await?;
    Ok(with_etag(ok_with_message(json!({ "listing": state.view(&l).await? }), "Listing updated"), &l))
}

/// Delete a listing (owner only). It disappears from every list; bookings keep their copy.
#[utoipa::path(delete, path = "/api/v1/listings/{id}", operation_id = "delete_listing", tag = "Listings", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Listing id")),
    responses((status = 200, description = "Deleted"), (status = 404, body = ErrorBody)))]
pub async fn delete(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state.delete_listing(kernel::parse_id(&id, "listing")?, &user).await?;
    Ok(ok_with_message(json!({}), "Listing deleted"))
}

/// Publish a complete listing; a 422 names every missing field.
#[utoipa::path(post, path = "/api/v1/listings/{id}/publish", operation_id = "publish_listing", tag = "Listings", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Listing id")),
    responses((status = 200, description = "`{listing}` published, with its rating (`ListingRating`)"), (status = 404, body = ErrorBody),
        (status = 422, description = "`listing_incomplete`", body = ErrorBody)))]
pub async fn publish(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let l = state.publish(kernel::parse_id(&id, "listing")?, &user).await?;
    Ok(with_etag(ok_with_message(json!({ "listing": state.view(&l).await? }), "Listing published"), &l))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnpublishRequest {
    /// Why (moderation).
    pub reason: Option<String>,
}

/// Take a listing offline: its owner, or an administrator moderating.
#[utoipa::path(post, path = "/api/v1/listings/{id}/unpublish", operation_id = "unpublish_listing", tag = "Listings", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Listing id")),
    responses((status = 200, description = "`{listing}` unpublished, with its rating (`ListingRating`)"), (status = 404, body = ErrorBody)))]
pub async fn unpublish(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let body: UnpublishRequest = if body.iter().all(u8::is_ascii_whitespace) {
        UnpublishRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|_| ApiError::invalid_json("Body must be {\"reason\": \"...\"} or empty"))?
    };
    let l = state.unpublish(kernel::parse_id(&id, "listing")?, &user, body.reason.as_deref()).await?;
    Ok(with_etag(ok_with_message(json!({ "listing": state.view(&l).await? }), "Listing unpublished"), &l))
}

/// The caller's listings in every state but deleted, newest first.
#[utoipa::path(get, path = "/api/v1/listings/mine", operation_id = "list_my_listings", tag = "Listings", security(("bearerAuth" = [])), params(PageQuery),
    responses((status = 200, description = "`{listings, pagination}`, each listing with its rating (`ListingRating`)"), (status = 401, body = ErrorBody)))]
pub async fn mine(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let page = PageRequest::parse(&q)?;
    let (items, total) = state.mine(user.user_id, &page).await?;
    let views = state.views(&items).await?;
    Ok(ok(Page::new(views, &page, u64::try_from(total).ok()).keyed("listings")))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicQuery {
    /// `stay`, `restaurant`, `transport`, `activity` or `product`.
    pub kind: Option<String>,
    /// City name (case-insensitive, exact).
    pub city: Option<String>,
    /// ISO 3166 alpha-2.
    pub country: Option<String>,
    /// Provider id.
    pub provider: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}

/// Published listings, newest first (the full search engine comes later).
#[utoipa::path(get, path = "/api/v1/listings", operation_id = "list_listings", tag = "Listings", security(()), params(PublicQuery),
    responses((status = 200, description = "`{listings, pagination}`, each listing with its rating (`ListingRating`)"), (status = 400, body = ErrorBody)))]
pub async fn list_public(
    AxumState(state): AxumState<State>,
    Query(q): Query<PublicQuery>,
) -> Result<Response, ApiError> {
    let mut errors: Vec<FieldError> = Vec::new();
    let page =
        PageRequest::parse_collecting(&PageQuery { limit: q.limit, offset: q.offset, cursor: None }, &mut errors);
    let kind =
        q.kind.as_deref().and_then(|k| one_of(k, &KINDS).map_err(|m| errors.push(FieldError::new("kind", m))).ok());
    let country =
        q.country.as_deref().and_then(|c| country(c).map_err(|m| errors.push(FieldError::new("country", m))).ok());
    let provider = q.provider.as_deref().and_then(|p| {
        p.parse::<uuid::Uuid>().map_err(|_| errors.push(FieldError::new("provider", "must be a provider id"))).ok()
    });
    let city = q.city.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty() && c.chars().count() <= 100);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let (items, total) = state.public_listings(&PublicFilter { kind, city, country, provider }, &page).await?;
    let views = state.views(&items).await?;
    Ok(ok(Page::new(views, &page, u64::try_from(total).ok()).keyed("listings")))
}
