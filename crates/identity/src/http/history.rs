//! DreamScape's activity history (`/api/v1/users/history`).

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
use crate::service::favorites::parse_bound;
use crate::store::history::HistoryFilter;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// `search`, `view`, `booking` or `favorite`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
    /// From this day (`YYYY-MM-DD`) or instant, inclusive.
    pub from: Option<String>,
    /// Up to this day (inclusive) or instant (exclusive).
    pub to: Option<String>,
}

fn kind(raw: Option<&str>, allowed: &[&str]) -> Result<Option<String>, FieldError> {
    match raw.map(|k| k.trim().to_ascii_lowercase()) {
        None => Ok(None),
        Some(k) if allowed.contains(&k.as_str()) => Ok(Some(k)),
        Some(_) => Err(FieldError::new("type", format!("must be one of {}", allowed.join(", ")))),
    }
}

/// The caller's activity, newest first.
#[utoipa::path(get, path = "/api/v1/users/history", operation_id = "list_history", tag = "History", security(("bearerAuth" = [])), params(HistoryQuery),
    responses((status = 200, description = "`{history, pagination}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<HistoryQuery>,
) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    let page =
        PageRequest::parse_collecting(&PageQuery { limit: q.limit, offset: q.offset, cursor: None }, &mut errors);
    let kind = kind(q.kind.as_deref(), &items::ALL_KINDS).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let from = parse_bound("from", q.from.as_deref(), false).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let to = parse_bound("to", q.to.as_deref(), true).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let (entries, total) = state.history(user.user_id, &HistoryFilter { kind, from, to }, &page).await?;
    Ok(ok(Page::new(entries, &page, u64::try_from(total).ok()).keyed("history")))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecordRequest {
    /// `search` or `view` (bookings and favourites are recorded by the platform).
    #[serde(rename = "type")]
    pub kind: String,
    pub item_type: Option<String>,
    pub item_id: Option<String>,
    /// The search criteria or what was viewed, a JSON object of at most 4 KiB.
    #[schema(value_type = Option<Object>)]
    pub data: Option<Value>,
}

/// Record a search or a view.
#[utoipa::path(post, path = "/api/v1/users/history", tag = "History", security(("bearerAuth" = [])), request_body = RecordRequest,
    responses((status = 201, description = "`{entry}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn record(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<RecordRequest>,
) -> Result<Response, ApiError> {
    let mut fields = crate::service::login::Fields::default();
    let kind = match kind(Some(&body.kind), &items::CLIENT_KINDS) {
        Ok(k) => k,
        Err(e) => {
            fields.add(&e.field, &e.message);
            None
        }
    };
    let item = match (&body.item_type, &body.item_id) {
        (None, None) => None,
        (Some(t), Some(i)) => {
            match (fields.check("itemType", items::item_type(t)), fields.check("itemId", items::item_id(i))) {
                (Some(t), Some(i)) => Some((t, i)),
                _ => None,
            }
        }
        _ => {
            fields.add("itemId", "itemType and itemId go together");
            None
        }
    };
    let data = body.data.as_ref().and_then(|d| fields.check("data", items::snapshot(d)));
    if kind.as_deref() == Some("view") && item.is_none() && body.item_type.is_none() {
        fields.add("itemId", "a view names the item viewed");
    }
    fields.finish()?;
    let kind = kind.ok_or_else(ApiError::internal)?;
    let entry = state.record_activity(user.user_id, &kind, item, data).await?;
    Ok((StatusCode::CREATED, ok(json!({ "entry": entry }))).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClearQuery {
    /// Only entries of this type.
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// Delete the caller's history (or one type of it).
#[utoipa::path(delete, path = "/api/v1/users/history", tag = "History", security(("bearerAuth" = [])), params(ClearQuery),
    responses((status = 200, description = "`{deleted}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn clear(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<ClearQuery>,
) -> Result<Response, ApiError> {
    let kind = kind(q.kind.as_deref(), &items::ALL_KINDS).map_err(|e| ApiError::validation(vec![e]))?;
    let deleted = state.clear_history(user.user_id, kind.as_deref()).await?;
    Ok(ok_with_message(json!({ "deleted": deleted }), "History cleared"))
}

/// Delete one entry.
#[utoipa::path(delete, path = "/api/v1/users/history/{id}", operation_id = "remove_history_entry", tag = "History", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Entry id")),
    responses((status = 200, description = "Deleted"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state.remove_history_entry(user.user_id, kernel::parse_id(&id, "history entry")?).await?;
    Ok(ok_with_message(json!({}), "Entry deleted"))
}
