//! The search context's HTTP surface, public: `GET /api/v1/search/listings`, and discovery
//! (`/api/v1/search/suggest`, `/api/v1/search/popular`).

mod discover;
mod listings;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::index::SearchIndex;

#[derive(Clone)]
pub struct State {
    pub index: SearchIndex,
    /// Suggestions, popular destinations and search history (`crate::discover`).
    pub discover: crate::discover::Discover,
}

pub fn routes() -> OpenApiRouter<State> {
    OpenApiRouter::new()
        .routes(routes!(listings::search))
        // --- discovery ---
        .routes(routes!(discover::suggest))
        .routes(routes!(discover::popular))
}
