//! Administrators: start a reindex from the owners' feeds (`POST /api/v1/admin/search/reindex`)
//! and see where the index stands (`GET /api/v1/admin/search/status`).

use axum::extract::State as AxumState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody};
use platform::auth::AuthUser;
use platform::http::ok;
use serde::Serialize;
use utoipa::ToSchema;

use super::State;
use crate::rebuild::RebuildReport;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IndexStatus {
    /// Listings in the index (as searchers see it now).
    pub documents: u64,
    /// Whether searches are answered (false while a first build runs).
    pub serving: bool,
    /// Whether a rebuild runs.
    pub rebuilding: bool,
    /// Seconds the oldest change not yet committed to the index has waited (0 when none).
    pub lag_seconds: f64,
    /// The index's schema version (its directory is `search/v<version>`).
    pub schema_version: u32,
    pub last_rebuild: Option<RebuildReport>,
}

/// The index's state.
pub fn status_of(state: &State) -> IndexStatus {
    IndexStatus {
        documents: state.index.reader.searcher().num_docs(),
        serving: state.rebuilds.serving(),
        rebuilding: state.rebuilds.running(),
        lag_seconds: state.rebuilds.indexing.writer.progress.lag_seconds(),
        schema_version: crate::SCHEMA_VERSION,
        last_rebuild: state.rebuilds.last(),
    }
}

/// Rebuilds the index from catalog's, booking's (and reviews') feeds; the current index is
/// searched until the new one is complete.
#[utoipa::path(post, path = "/api/v1/admin/search/reindex", tag = "Search", operation_id = "search_reindex",
    security(("bearer" = [])),
    responses((status = 202, description = "Started", body = IndexStatus),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "`reindex_running`", body = ErrorBody)))]
pub async fn reindex(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    user.require_admin()?;
    if !state.rebuilds.reindex() {
        return Err(ApiError::new(409, "reindex_running", "A reindex is already running"));
    }
    Ok((StatusCode::ACCEPTED, ok(status_of(&state))).into_response())
}

/// Where the index stands.
#[utoipa::path(get, path = "/api/v1/admin/search/status", tag = "Search", operation_id = "search_status",
    security(("bearer" = [])),
    responses((status = 200, body = IndexStatus), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn status(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    user.require_admin()?;
    Ok(ok(status_of(&state)))
}
