//! The search context's HTTP surface: `GET /api/v1/search/listings`, public.

mod listings;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::index::SearchIndex;

#[derive(Clone)]
pub struct State {
    pub index: SearchIndex,
}

pub fn routes() -> OpenApiRouter<State> {
    OpenApiRouter::new().routes(routes!(listings::search))
}
