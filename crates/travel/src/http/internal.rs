//! The supplier's internal endpoints (`/internal/v1/supplier/…`): booking's cart, running in
//! another process, prices, books and cancels offers here (`services.travel_url`). Our own
//! services only: each call carries the `internal_api_key`. Undocumented in the public API.

use axum::Router;
use axum::extract::State as AxumState;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use kernel::ApiError;
use platform::contracts::http::{SUPPLIER_PATH, internal_caller};
use platform::contracts::{SupplierOffer, Traveller};
use platform::http::{Json, ok};
use platform::secrets::Secret;
use serde::Deserialize;
use serde_json::Value;

use crate::service::Travel;

#[derive(Clone)]
struct Internal {
    travel: Travel,
    key: Secret,
}

#[derive(Deserialize)]
struct Price {
    kind: String,
    item: Value,
    quantity: i64,
}

#[derive(Deserialize)]
struct Book {
    offer: SupplierOffer,
    traveller: Traveller,
    key: String,
}

#[derive(Deserialize)]
struct Check {
    kind: String,
    item: Value,
    traveller: Traveller,
}

#[derive(Deserialize)]
struct Search {
    kind: String,
    #[serde(default)]
    params: std::collections::HashMap<String, String>,
}

#[derive(Deserialize)]
struct Cancel {
    confirmation: String,
}

async fn price(
    AxumState(s): AxumState<Internal>,
    headers: HeaderMap,
    Json(b): Json<Price>,
) -> Result<Response, ApiError> {
    internal_caller(&headers, &s.key)?;
    Ok(ok(s.travel.price_offer(&b.kind, &b.item, b.quantity).await?))
}

async fn book(
    AxumState(s): AxumState<Internal>,
    headers: HeaderMap,
    Json(b): Json<Book>,
) -> Result<Response, ApiError> {
    internal_caller(&headers, &s.key)?;
    if b.key.is_empty() || b.key.len() > 255 {
        return Err(ApiError::bad_request("key must be 1 to 255 characters"));
    }
    Ok(ok(s.travel.book_offer(&b.offer, &b.traveller, &b.key).await?))
}

async fn cancel(
    AxumState(s): AxumState<Internal>,
    headers: HeaderMap,
    Json(b): Json<Cancel>,
) -> Result<Response, ApiError> {
    internal_caller(&headers, &s.key)?;
    Ok(ok(s.travel.cancel_order(&b.confirmation).await?))
}

async fn check(
    AxumState(s): AxumState<Internal>,
    headers: HeaderMap,
    Json(b): Json<Check>,
) -> Result<Response, ApiError> {
    internal_caller(&headers, &s.key)?;
    s.travel.check_travellers(&b.kind, &b.item, &b.traveller)?;
    Ok(ok(serde_json::json!({})))
}

async fn search(
    AxumState(s): AxumState<Internal>,
    headers: HeaderMap,
    Json(b): Json<Search>,
) -> Result<Response, ApiError> {
    internal_caller(&headers, &s.key)?;
    Ok(ok(s.travel.search_offers(&b.kind, &b.params).await?))
}

/// The routes, when this process has an `internal_api_key` (a split deployment).
pub fn routes(travel: Travel, key: Option<&Secret>) -> Router {
    let Some(key) = key else { return Router::new() };
    Router::new()
        .route(&format!("{SUPPLIER_PATH}/price"), post(price))
        .route(&format!("{SUPPLIER_PATH}/book"), post(book))
        .route(&format!("{SUPPLIER_PATH}/cancel"), post(cancel))
        .route(&format!("{SUPPLIER_PATH}/check"), post(check))
        .route(&format!("{SUPPLIER_PATH}/search"), post(search))
        .with_state(Internal { travel, key: key.clone() })
}
