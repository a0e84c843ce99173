//! DreamScape's favourites (`/api/v1/users/favorites`). Our batch routes are in
//! `favorites_batch`, on the same service.

use axum::extract::State as AxumState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::AuthUser;
use platform::http::{Json, Path, Query, ok, ok_with_message};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use super::State;
use crate::domain::items;
use crate::service::favorites::{FavoritePatch, FavoriteView, ItemRef, MAX_BATCH, parse_entity, rejected};

const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 100;
/// Larger `limit` values are refused rather than clamped.
const MAX_ASKED_LIMIT: u32 = 1000;
const MAX_OFFSET: u32 = 100_000;

/// DreamScape's favourite types, plus our `LISTING`.
#[derive(Debug, Serialize, ToSchema)]
#[allow(dead_code, clippy::upper_case_acronyms)]
pub enum FavoriteType {
    FLIGHT,
    HOTEL,
    ACTIVITY,
    DESTINATION,
    BOOKING,
    LISTING,
}

fn favorite_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(raw.trim()).map_err(|_| ApiError::not_found("Favorite not found"))
}

fn type_filter(raw: Option<&str>) -> Result<Option<String>, ApiError> {
    raw.map(|t| {
        items::favorite_type(t)
            .ok_or_else(|| rejected(vec![FieldError::new("entityType", items::INVALID_FAVORITE_TYPE)]))
    })
    .transpose()
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct FavoritesQuery {
    /// Favourites per page (0 or absent: 20; above 100: 100). The header badge sends 0 and
    /// reads the top-level `total`.
    #[param(maximum = 1000)]
    pub limit: Option<u32>,
    /// Favourites to skip.
    #[param(maximum = 100000)]
    pub offset: Option<u32>,
    #[param(value_type = Option<FavoriteType>)]
    pub entity_type: Option<String>,
}

/// The caller's favourites, newest first: `data` is the list, `pagination` and `total` sit
/// beside it.
#[utoipa::path(get, path = "/api/v1/users/favorites", operation_id = "list_favorites", tag = "Favorites", security(("bearerAuth" = [])), params(FavoritesQuery),
    responses((status = 200, description = "`{success, data: [favorite], pagination: {total, limit, offset, hasMore}, total}`"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<FavoritesQuery>,
) -> Result<Response, ApiError> {
    let limit = match q.limit.unwrap_or(0) {
        0 => DEFAULT_LIMIT,
        n => n.min(MAX_LIMIT),
    };
    let offset = q.offset.unwrap_or(0);
    let mut errors = Vec::new();
    if offset > MAX_OFFSET {
        errors.push(FieldError::new("offset", "must be at most 100000"));
    }
    if q.limit.is_some_and(|l| l > MAX_ASKED_LIMIT) {
        errors.push(FieldError::new("limit", "must be at most 1000"));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let item_type = type_filter(q.entity_type.as_deref())?;
    let (favorites, total) = state.favorites(user.user_id, item_type.as_deref(), limit, u64::from(offset)).await?;
    let owner = state.owner(user.user_id).await?;
    let data: Vec<FavoriteView> =
        favorites.into_iter().map(|f| crate::service::Accounts::favorite_view(f, &owner)).collect();
    let has_more = i64::from(offset) + i64::from(limit) < total;
    Ok(axum::Json(json!({
        "success": true,
        "data": data,
        "pagination": {"total": total, "limit": limit, "offset": offset, "hasMore": has_more},
        "total": total,
    }))
    .into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FavoriteIn {
    #[schema(value_type = FavoriteType)]
    pub entity_type: String,
    #[schema(min_length = 1, max_length = 200)]
    pub entity_id: String,
    /// What the client shows for the item (title, price, image…), any JSON up to 16 KiB, kept
    /// verbatim.
    pub entity_data: Option<Value>,
    /// At most 50 characters; `""` means none.
    #[schema(max_length = 50)]
    pub category: Option<String>,
    /// At most 1000 characters; `""` means none.
    #[schema(max_length = 1000)]
    pub notes: Option<String>,
}

/// Save an item. An item already saved is `409`.
#[utoipa::path(post, path = "/api/v1/users/favorites", tag = "Favorites", security(("bearerAuth" = [])), request_body = FavoriteIn,
    responses((status = 201, description = "`Favorite added successfully`: the favourite", body = FavoriteView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 409, description = "Already in the favourites", body = ErrorBody),
        (status = 422, description = "`favorites_limit`", body = ErrorBody)))]
pub async fn add(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<FavoriteIn>,
) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    let item = parse_entity("", &body.entity_type, &body.entity_id, &mut errors);
    let item_data = match body.entity_data {
        None | Some(Value::Null) => None,
        Some(v) => {
            items::any_json(&v).map_err(|m| errors.push(FieldError::new("entityData", format!("Entity data {m}")))).ok()
        }
    };
    let category = items::note(body.category.as_deref(), items::MAX_CATEGORY_CHARS)
        .map_err(|m| errors.push(FieldError::new("category", format!("Category {m}"))))
        .ok()
        .flatten();
    let notes = items::note(body.notes.as_deref(), items::MAX_NOTES_CHARS)
        .map_err(|m| errors.push(FieldError::new("notes", format!("Notes {m}"))))
        .ok()
        .flatten();
    let (Some(item), true) = (item, errors.is_empty()) else { return Err(rejected(errors)) };
    let item = ItemRef { item_data, category, notes, ..item };
    let favorite = state.add_favorite(user.user_id, item).await?;
    let view = crate::service::Accounts::favorite_view(favorite, &state.owner(user.user_id).await?);
    Ok((StatusCode::CREATED, ok_with_message(view, "Favorite added successfully")).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckItem {
    #[schema(value_type = FavoriteType)]
    pub entity_type: String,
    #[schema(min_length = 1, max_length = 200)]
    pub entity_id: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CheckBatch {
    #[schema(max_items = 100)]
    pub items: Vec<CheckItem>,
}

fn summary(f: Option<&crate::store::favorites::Favorite>) -> Value {
    f.map_or(Value::Null, |f| {
        json!({"id": f.id, "entityType": items::favorite_type_label(&f.item_type), "entityId": f.item_id, "createdAt": f.created_at})
    })
}

/// Which of these items (at most 100) the caller has saved; one result per item, in order,
/// in a top-level `results`.
#[utoipa::path(post, path = "/api/v1/users/favorites/check-batch", tag = "Favorites", security(("bearerAuth" = [])), request_body = CheckBatch,
    responses((status = 200, description = "`{success, results: [{entityType, entityId, isFavorited, favorite: {id, entityType, entityId, createdAt} | null}]}`"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn check_batch(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<CheckBatch>,
) -> Result<Response, ApiError> {
    if body.items.len() > MAX_BATCH {
        return Err(rejected(vec![FieldError::new("items", "Maximum 100 items allowed per batch request")]));
    }
    let mut errors = Vec::new();
    let refs: Vec<ItemRef> = body
        .items
        .iter()
        .enumerate()
        .filter_map(|(i, it)| parse_entity(&format!("items[{i}]."), &it.entity_type, &it.entity_id, &mut errors))
        .collect();
    if !errors.is_empty() {
        return Err(rejected(errors));
    }
    let found = state.check_favorites(user.user_id, &refs).await?;
    let results: Vec<Value> = body
        .items
        .iter()
        .zip(found)
        .map(|(it, f)| {
            json!({"entityType": it.entity_type, "entityId": it.entity_id, "isFavorited": f.is_some(), "favorite": summary(f.as_ref())})
        })
        .collect();
    Ok(axum::Json(json!({ "success": true, "results": results })).into_response())
}

/// Whether the caller saved this item: top-level `isFavorited` and `favorite`.
#[utoipa::path(get, path = "/api/v1/users/favorites/check/{entityType}/{entityId}", operation_id = "check_favorite", tag = "Favorites", security(("bearerAuth" = [])),
    params(("entityType" = FavoriteType, Path, description = "Upper case, as listed"),
        ("entityId" = String, Path, description = "1 to 200 characters", max_length = 200)),
    responses((status = 200, description = "`{success, isFavorited, favorite: {id, createdAt} | null}`"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn check(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path((entity_type, entity_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    let item = parse_entity("", &entity_type, &entity_id, &mut errors);
    let (Some(item), true) = (item, errors.is_empty()) else { return Err(rejected(errors)) };
    let found = state.check_favorites(user.user_id, std::slice::from_ref(&item)).await?.pop().flatten();
    Ok(axum::Json(json!({
        "success": true,
        "isFavorited": found.is_some(),
        "favorite": summary(found.as_ref()),
    }))
    .into_response())
}

/// One favourite. Another user's is `403`.
#[utoipa::path(get, path = "/api/v1/users/favorites/{id}", operation_id = "get_favorite", tag = "Favorites", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Favorite id")),
    responses((status = 200, description = "The favourite", body = FavoriteView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let favorite = state.favorite(user.user_id, favorite_id(&id)?).await?;
    Ok(ok(crate::service::Accounts::favorite_view(favorite, &state.owner(user.user_id).await?)))
}

/// A JSON value that was present, `null` included (absent stays `None`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FavoriteUpdate {
    /// A string of at most 50 characters, or `null` to clear.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 50)]
    pub category: Option<Value>,
    /// A string of at most 1000 characters, or `null` to clear.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 1000)]
    pub notes: Option<Value>,
    /// Replaces the stored item data (any JSON up to 16 KiB; `null` clears).
    #[serde(default, deserialize_with = "present")]
    pub entity_data: Option<Value>,
}

/// Change a favourite's category, notes or item data (other fields are ignored).
#[utoipa::path(put, path = "/api/v1/users/favorites/{id}", operation_id = "update_favorite", tag = "Favorites", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Favorite id")), request_body = FavoriteUpdate,
    responses((status = 200, description = "`Favorite updated successfully`: the favourite", body = FavoriteView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<FavoriteUpdate>,
) -> Result<Response, ApiError> {
    let patch = FavoritePatch { category: body.category, notes: body.notes, entity_data: body.entity_data };
    let favorite = state.update_favorite(user.user_id, favorite_id(&id)?, patch).await?;
    let view = crate::service::Accounts::favorite_view(favorite, &state.owner(user.user_id).await?);
    Ok(ok_with_message(view, "Favorite updated successfully"))
}

/// Remove a favourite. Another user's is `403`.
#[utoipa::path(delete, path = "/api/v1/users/favorites/{id}", operation_id = "remove_favorite", tag = "Favorites", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Favorite id")),
    responses((status = 200, description = "`Favorite deleted successfully`"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state.delete_favorite(user.user_id, favorite_id(&id)?).await?;
    Ok(axum::Json(json!({"success": true, "message": "Favorite deleted successfully"})).into_response())
}
