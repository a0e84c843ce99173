//! `/itineraries` (DreamScape voyage): a traveller's itineraries and their ordered items.
//! Paths are relative to the voyage prefixes (see `voyage.rs`). Owner only: anyone else's
//! itinerary answers 404.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, Page, PageQuery, PageRequest};
use platform::auth::AuthUser;
use platform::http::{Json, Path, Query, created, ok, ok_with_message};
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::State;
use crate::itineraries::{ItemIn, ItineraryIn, item_view, itinerary_view};

pub fn routes() -> OpenApiRouter<State> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get, update, delete))
        .routes(routes!(add_item))
        .routes(routes!(update_item, delete_item))
        .routes(routes!(ics))
}

fn itinerary_id(raw: &str) -> Result<uuid::Uuid, ApiError> {
    kernel::parse_id(raw, "Itinerary")
}

fn item_id(raw: &str) -> Result<uuid::Uuid, ApiError> {
    kernel::parse_id(raw, "Itinerary item")
}

/// Creates an itinerary (at most 100 per traveller).
#[utoipa::path(post, path = "/itineraries", tag = "Itineraries", operation_id = "create_itinerary",
    security(("bearerAuth" = [])), request_body = ItineraryIn,
    responses((status = 201, description = "`{itinerary}` with `items: []`"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 409, description = "`limit_reached`", body = ErrorBody)))]
pub async fn create(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<ItineraryIn>,
) -> Result<Response, ApiError> {
    let detail = state.create_itinerary(&user, &body).await?;
    Ok(created(json!({ "itinerary": detail.view() })))
}

/// The caller's itineraries, newest first, without their items (see `itemCount`).
#[utoipa::path(get, path = "/itineraries", tag = "Itineraries", operation_id = "list_itineraries",
    security(("bearerAuth" = [])), params(PageQuery),
    responses((status = 200, description = "`{itineraries, pagination}`"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)))]
pub async fn list(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let page = PageRequest::parse(&PageQuery { cursor: None, ..q })?;
    let (rows, total) = state.itineraries(&user, &page).await?;
    let items: Vec<Value> = rows.iter().map(|i| itinerary_view(i, None)).collect();
    Ok(ok(Page::new(items, &page, Some(u64::try_from(total).unwrap_or(0))).keyed("itineraries")))
}

/// The itinerary as an iCalendar file: one event per item that has a start, in its time zone.
#[utoipa::path(get, path = "/itineraries/{id}/ics", tag = "Itineraries", operation_id = "itinerary_ics",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Itinerary id")),
    responses((status = 200, description = "text/calendar", content_type = "text/calendar"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn ics(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    use axum::response::IntoResponse;
    let detail = state.itinerary(&user, itinerary_id(&id)?).await?;
    let name: String = detail
        .itinerary
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .take(80)
        .collect();
    let disposition = format!("attachment; filename=\"{name}.ics\"");
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        detail.ics(),
    )
        .into_response())
}

/// One itinerary with its items in order.
#[utoipa::path(get, path = "/itineraries/{id}", tag = "Itineraries", operation_id = "get_itinerary",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Itinerary id")),
    responses((status = 200, description = "`{itinerary}`"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let detail = state.itinerary(&user, itinerary_id(&id)?).await?;
    Ok(ok(json!({ "itinerary": detail.view() })))
}

/// Changes the fields sent (`null` clears an optional one).
#[utoipa::path(put, path = "/itineraries/{id}", tag = "Itineraries", operation_id = "update_itinerary",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Itinerary id")), request_body = ItineraryIn,
    responses((status = 200, description = "`{itinerary}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn update(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<ItineraryIn>,
) -> Result<Response, ApiError> {
    let detail = state.update_itinerary(&user, itinerary_id(&id)?, &body).await?;
    Ok(ok_with_message(json!({ "itinerary": detail.view() }), "Itinerary updated"))
}

/// Deletes an itinerary and its items.
#[utoipa::path(delete, path = "/itineraries/{id}", tag = "Itineraries", operation_id = "delete_itinerary",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Itinerary id")),
    responses((status = 200, description = "Deleted"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state.delete_itinerary(&user, itinerary_id(&id)?).await?;
    Ok(ok_with_message(json!({}), "Itinerary deleted"))
}

/// Adds an item at `order` (the others move down), or at the end; at most 200 per itinerary.
#[utoipa::path(post, path = "/itineraries/{id}/items", tag = "Itineraries", operation_id = "add_itinerary_item",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Itinerary id")), request_body = ItemIn,
    responses((status = 201, description = "`{item, itinerary}`: the new item and the itinerary with every item in order"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`limit_reached`", body = ErrorBody)))]
pub async fn add_item(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<ItemIn>,
) -> Result<Response, ApiError> {
    let (item, detail) = state.add_item(&user, itinerary_id(&id)?, &body).await?;
    Ok(created(json!({ "item": item_view(&item), "itinerary": detail.view() })))
}

/// Changes the fields sent (`null` clears an optional one); a new `order` moves the item
/// there and renumbers the others 0..n-1.
#[utoipa::path(put, path = "/itineraries/{id}/items/{itemId}", tag = "Itineraries", operation_id = "update_itinerary_item",
    security(("bearerAuth" = [])), request_body = ItemIn,
    params(("id" = String, Path, description = "Itinerary id"), ("itemId" = String, Path, description = "Item id")),
    responses((status = 200, description = "`{item, itinerary}`"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_item(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path((id, item)): Path<(String, String)>,
    Json(body): Json<ItemIn>,
) -> Result<Response, ApiError> {
    let (item, detail) = state.update_item(&user, itinerary_id(&id)?, item_id(&item)?, &body).await?;
    Ok(ok_with_message(json!({ "item": item_view(&item), "itinerary": detail.view() }), "Item updated"))
}

/// Removes an item; the ones after it move up.
#[utoipa::path(delete, path = "/itineraries/{id}/items/{itemId}", tag = "Itineraries", operation_id = "delete_itinerary_item",
    security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Itinerary id"), ("itemId" = String, Path, description = "Item id")),
    responses((status = 200, description = "`{itinerary}`"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_item(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path((id, item)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let detail = state.delete_item(&user, itinerary_id(&id)?, item_id(&item)?).await?;
    Ok(ok_with_message(json!({ "itinerary": detail.view() }), "Item removed"))
}
