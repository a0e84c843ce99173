//! Price alerts for the dashboard (`/api/price-alerts`, also under `/api/v1/price-alerts`).
//! `currentPrice` is `null` until a price source feeds alerts.

use axum::extract::State as AxumState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody};
use platform::auth::AuthUser;
use platform::http::{Json, Path, ok, ok_with_message};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::State;
use crate::service::alerts::{AlertPatch, AlertView, NewAlert};

fn alert_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(raw.trim()).map_err(|_| ApiError::not_found("Price alert not found"))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlertIn {
    /// `"<from> → <to>"` (or `->`), each place 1 to 60 characters.
    #[schema(example = "Paris → New York", max_length = 130)]
    pub route: String,
    /// In major units of `currency` (e.g. `450` or `299.99`), greater than 0, at most 100000000.
    #[schema(exclusive_minimum = 0, maximum = 100_000_000)]
    pub target_price: f64,
    /// `YYYY-MM-DD`, from today up to two years ahead.
    #[schema(example = "2026-12-01", max_length = 40)]
    pub departure_date: String,
    /// ISO 4217 code.
    #[schema(example = "USD", max_length = 3, min_length = 3)]
    pub currency: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlertChange {
    pub is_active: Option<bool>,
    /// In major units, greater than 0, at most 100000000.
    #[schema(exclusive_minimum = 0, maximum = 100_000_000)]
    pub target_price: Option<f64>,
}

async fn list_alerts(state: State, user: AuthUser) -> Result<Response, ApiError> {
    Ok(ok(state.price_alerts(user.user_id).await?))
}

async fn create_alert(state: State, user: AuthUser, body: AlertIn) -> Result<Response, ApiError> {
    let new = NewAlert {
        route: body.route,
        target_price: body.target_price,
        departure_date: body.departure_date,
        currency: body.currency,
    };
    let alert = state.create_price_alert(user.user_id, new).await?;
    Ok((StatusCode::CREATED, ok_with_message(alert, "Price alert created")).into_response())
}

async fn change_alert(state: State, user: AuthUser, id: &str, body: AlertChange) -> Result<Response, ApiError> {
    let patch = AlertPatch { is_active: body.is_active, target_price: body.target_price };
    let alert = state.update_price_alert(user.user_id, alert_id(id)?, patch).await?;
    Ok(ok_with_message(alert, "Price alert updated"))
}

async fn delete_alert(state: State, user: AuthUser, id: &str) -> Result<Response, ApiError> {
    let id = alert_id(id)?;
    state.delete_price_alert(user.user_id, id).await?;
    Ok(ok_with_message(json!({ "id": id }), "Price alert deleted"))
}

/// The caller's price alerts, newest first (at most 50).
#[utoipa::path(get, path = "/api/price-alerts", tag = "Price alerts", security(("bearerAuth" = [])),
    responses((status = 200, description = "The alerts", body = [AlertView]), (status = 401, body = ErrorBody)))]
pub async fn list(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    list_alerts(state, user).await
}

/// Watch a route's price (at most 50 alerts per account).
#[utoipa::path(post, path = "/api/price-alerts", tag = "Price alerts", security(("bearerAuth" = [])), request_body = AlertIn,
    responses((status = 201, description = "The alert", body = AlertView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 422, description = "`price_alerts_limit`", body = ErrorBody)))]
pub async fn create(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<AlertIn>,
) -> Result<Response, ApiError> {
    create_alert(state, user, body).await
}

/// Pause, resume or re-target an alert; another user's is `404`.
#[utoipa::path(patch, path = "/api/price-alerts/{id}", tag = "Price alerts", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Alert id")), request_body = AlertChange,
    responses((status = 200, description = "The alert", body = AlertView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn change(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<AlertChange>,
) -> Result<Response, ApiError> {
    change_alert(state, user, &id, body).await
}

/// Delete an alert; another user's is `404`.
#[utoipa::path(delete, path = "/api/price-alerts/{id}", tag = "Price alerts", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Alert id")),
    responses((status = 200, description = "`{id}`"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    delete_alert(state, user, &id).await
}

/// As `GET /api/price-alerts`.
#[utoipa::path(get, path = "/api/v1/price-alerts", operation_id = "list_price_alerts_v1", tag = "Price alerts", security(("bearerAuth" = [])),
    responses((status = 200, description = "The alerts", body = [AlertView]), (status = 401, body = ErrorBody)))]
pub async fn list_v1(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    list_alerts(state, user).await
}

/// As `POST /api/price-alerts`.
#[utoipa::path(post, path = "/api/v1/price-alerts", operation_id = "create_price_alert_v1", tag = "Price alerts", security(("bearerAuth" = [])),
    request_body = AlertIn,
    responses((status = 201, description = "The alert", body = AlertView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 422, description = "`price_alerts_limit`", body = ErrorBody)))]
pub async fn create_v1(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<AlertIn>,
) -> Result<Response, ApiError> {
    create_alert(state, user, body).await
}

/// As `PATCH /api/price-alerts/{id}`.
#[utoipa::path(patch, path = "/api/v1/price-alerts/{id}", operation_id = "change_price_alert_v1", tag = "Price alerts", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Alert id")), request_body = AlertChange,
    responses((status = 200, description = "The alert", body = AlertView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn change_v1(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<AlertChange>,
) -> Result<Response, ApiError> {
    change_alert(state, user, &id, body).await
}

/// As `DELETE /api/price-alerts/{id}`.
#[utoipa::path(delete, path = "/api/v1/price-alerts/{id}", operation_id = "remove_price_alert_v1", tag = "Price alerts", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Alert id")),
    responses((status = 200, description = "`{id}`"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_v1(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    delete_alert(state, user, &id).await
}
