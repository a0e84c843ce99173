//! DreamScape's favourites (`/api/v1/users/favorites`), plus batch check and our `listing` type.

use axum::extract::State as AxumState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody, FieldError, Page, PageQuery, PageRequest};
use platform::auth::AuthUser;
use platform::http::{Json, Path, Query, ok, ok_with_message};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::State;
use crate::domain::items;
use crate::service::favorites::{ItemRef, parse_items};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FavoriteIn {
    /// `destination`, `flight`, `hotel`, `activity` or `listing`.
    pub item_type: String,
    pub item_id: String,
    /// Optional display snapshot (name, image, price…), a JSON object of at most 4 KiB.
    #[schema(value_type = Option<Object>)]
    pub item_data: Option<Value>,
}

fn refs(list: Vec<FavoriteIn>, batch: bool) -> Result<Vec<ItemRef>, ApiError> {
    let raw: Vec<(String, String, Option<Value>)> =
        list.into_iter().map(|f| (f.item_type, f.item_id, f.item_data)).collect();
    parse_items(&raw, batch)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FavoritesQuery {
    /// Only this item type.
    #[serde(rename = "type")]
    pub item_type: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}

/// The caller's favourites, newest first.
#[utoipa::path(get, path = "/api/v1/users/favorites", operation_id = "list_favorites", tag = "Favorites", security(("bearerAuth" = [])), params(FavoritesQuery),
    responses((status = 200, description = "`{favorites, pagination}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<FavoritesQuery>,
) -> Result<Response, ApiError> {
    let page = PageRequest::parse(&PageQuery { limit: q.limit, offset: q.offset, cursor: None })?;
    let item_type = match q.item_type.as_deref() {
        None => None,
        Some(t) => Some(items::item_type(t).map_err(|m| ApiError::validation(vec![FieldError::new("type", m)]))?),
    };
    let (favorites, total) = state.favorites(user.user_id, item_type.as_deref(), &page).await?;
    Ok(ok(Page::new(favorites, &page, u64::try_from(total).ok()).keyed("favorites")))
}

/// Save an item. Saving it again changes nothing and answers 200 with the existing favourite.
#[utoipa::path(post, path = "/api/v1/users/favorites", tag = "Favorites", security(("bearerAuth" = [])), request_body = FavoriteIn,
    responses((status = 201, description = "Added: `{favorite}`"), (status = 200, description = "Already saved: `{favorite}`"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, description = "`favorites_limit`", body = ErrorBody)))]
pub async fn add(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<FavoriteIn>,
) -> Result<Response, ApiError> {
    let added = state.add_favorites(user.user_id, refs(vec![body], false)?).await?;
    let (favorite, created) = added.into_iter().next().ok_or_else(ApiError::internal)?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    let message = if created { "Added to favorites" } else { "Already in favorites" };
    Ok((status, ok_with_message(json!({ "favorite": favorite }), message)).into_response())
}

/// Remove a favourite by its id.
#[utoipa::path(delete, path = "/api/v1/users/favorites/{id}", operation_id = "remove_favorite", tag = "Favorites", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Favorite id")),
    responses((status = 200, description = "Removed"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state.remove_favorite(user.user_id, kernel::parse_id(&id, "favorite")?).await?;
    Ok(ok_with_message(json!({}), "Removed from favorites"))
}

/// A batch: DreamScape sends a bare array; `{ "items": [...] }` is accepted too.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Batch {
    List(Vec<FavoriteIn>),
    Wrapped { items: Vec<FavoriteIn> },
}

impl Batch {
    fn into_items(self) -> Vec<FavoriteIn> {
        match self {
            Batch::List(items) | Batch::Wrapped { items } => items,
        }
    }
}

/// Save up to 100 items at once (idempotent per item).
#[utoipa::path(post, path = "/api/v1/users/favorites/batch", tag = "Favorites", security(("bearerAuth" = [])), request_body = Batch,
    responses((status = 201, description = "`{favorites, added}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn add_batch(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<Batch>,
) -> Result<Response, ApiError> {
    let saved = state.add_favorites(user.user_id, refs(body.into_items(), true)?).await?;
    let added = saved.iter().filter(|(_, a)| *a).count();
    let favorites: Vec<_> = saved.into_iter().map(|(f, _)| f).collect();
    let response = ok_with_message(json!({ "favorites": favorites, "added": added }), "Favorites saved");
    Ok((StatusCode::CREATED, response).into_response())
}

/// Remove up to 100 items at once (by type and id).
#[utoipa::path(delete, path = "/api/v1/users/favorites/batch", tag = "Favorites", security(("bearerAuth" = [])), request_body = Batch,
    responses((status = 200, description = "`{removed}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn remove_batch(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<Batch>,
) -> Result<Response, ApiError> {
    let removed = state.remove_favorites(user.user_id, &refs(body.into_items(), true)?).await?;
    Ok(ok_with_message(json!({ "removed": removed }), "Favorites removed"))
}

/// Which of these items the caller has saved (to draw hearts on a results page).
#[utoipa::path(post, path = "/api/v1/users/favorites/check", tag = "Favorites", security(("bearerAuth" = [])), request_body = Batch,
    responses((status = 200, description = "`{results: [{itemType, itemId, isFavorite, favoriteId}]}`"), (status = 400, body = ErrorBody)))]
pub async fn check(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<Batch>,
) -> Result<Response, ApiError> {
    let refs = refs(body.into_items(), true)?;
    let found = state.check_favorites(user.user_id, &refs).await?;
    let results: Vec<Value> = refs
        .iter()
        .zip(found)
        .map(|(r, id)| json!({"itemType": r.item_type, "itemId": r.item_id, "isFavorite": id.is_some(), "favoriteId": id}))
        .collect();
    Ok(ok(json!({ "results": results })))
}
