//! The search context's HTTP surface: `GET /api/v1/search/listings` and discovery
//! (`/api/v1/search/suggest`, `/api/v1/search/popular`), public; the administrators' reindex
//! and status.

mod admin;
pub use admin::status_of;
mod discover;
mod listings;
mod params;

use std::sync::Arc;

use kernel::{ApiError, Clock};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::index::SearchIndex;
use crate::rebuild::Rebuilds;

#[derive(Clone)]
pub struct State {
    pub index: SearchIndex,
    pub rebuilds: Arc<Rebuilds>,
    pub clock: Arc<dyn Clock>,
    /// Suggestions, popular destinations and search history (`crate::discover`).
    pub discover: crate::discover::Discover,
}

impl State {
    /// `503 search_warming_up` while the index's first build runs.
    pub fn serving(&self) -> Result<(), ApiError> {
        if self.rebuilds.serving() {
            return Ok(());
        }
        Err(ApiError::new(503, "search_warming_up", "The search index is being built; retry in a few seconds")
            .with_retry_after(2))
    }
}

pub fn routes() -> OpenApiRouter<State> {
    OpenApiRouter::new()
        .routes(routes!(listings::search))
        .routes(routes!(admin::reindex))
        .routes(routes!(admin::status))
        // --- discovery ---
        .routes(routes!(discover::suggest))
        .routes(routes!(discover::popular))
}
