//! Our favourites batches: save, remove and check many items by type and id at once. Same
//! rows and service as DreamScape's routes (`favorites`).

use axum::extract::State as AxumState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody};
use platform::auth::AuthUser;
use platform::http::{Json, ok, ok_with_message};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::State;
use crate::service::favorites::{ItemRef, legacy_view, parse_items};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BatchItem {
    /// `destination`, `flight`, `hotel`, `activity`, `booking` or `listing` (any case).
    pub item_type: String,
    pub item_id: String,
    /// Optional display snapshot (name, image, price…), a JSON object of at most 16 KiB.
    #[schema(value_type = Option<Object>)]
    pub item_data: Option<Value>,
}

/// A batch: a bare array, or `{ "items": [...] }`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Batch {
    List(Vec<BatchItem>),
    Wrapped { items: Vec<BatchItem> },
}

impl Batch {
    fn refs(self) -> Result<Vec<ItemRef>, ApiError> {
        let (Batch::List(items) | Batch::Wrapped { items }) = self;
        let raw: Vec<(String, String, Option<Value>)> =
            items.into_iter().map(|f| (f.item_type, f.item_id, f.item_data)).collect();
        parse_items(&raw, true)
    }
}

/// Save up to 100 items at once (idempotent per item).
#[utoipa::path(post, path = "/api/v1/users/favorites/batch", tag = "Favorites", security(("bearerAuth" = [])), request_body = Batch,
    responses((status = 201, description = "`{favorites, added}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 422, description = "`favorites_limit`", body = ErrorBody)))]
pub async fn add_batch(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<Batch>,
) -> Result<Response, ApiError> {
    let saved = state.add_favorites(user.user_id, body.refs()?).await?;
    let added = saved.iter().filter(|(_, a)| *a).count();
    let favorites: Vec<Value> = saved.iter().map(|(f, _)| legacy_view(f)).collect();
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
    let removed = state.remove_favorites(user.user_id, &body.refs()?).await?;
    Ok(ok_with_message(json!({ "removed": removed }), "Favorites removed"))
}

/// Which of these items the caller has saved (DreamScape's client uses `check-batch`).
#[utoipa::path(post, path = "/api/v1/users/favorites/check", operation_id = "check_favorites", tag = "Favorites", security(("bearerAuth" = [])), request_body = Batch,
    responses((status = 200, description = "`{results: [{itemType, itemId, isFavorite, favoriteId}]}`"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)))]
pub async fn check(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<Batch>,
) -> Result<Response, ApiError> {
    let refs = body.refs()?;
    let found = state.check_favorites(user.user_id, &refs).await?;
    let results: Vec<Value> = refs
        .iter()
        .zip(found)
        .map(|(r, f)| {
            json!({"itemType": r.item_type, "itemId": r.item_id, "isFavorite": f.is_some(), "favoriteId": f.map(|f| f.id)})
        })
        .collect();
    Ok(ok(json!({ "results": results })))
}
