//! The catalog's HTTP surface: providers and listings.

mod listings;
mod providers;

use std::sync::Arc;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::service::Catalog;

pub type State = Arc<Catalog>;

pub fn routes() -> OpenApiRouter<State> {
    OpenApiRouter::new()
        .routes(routes!(providers::create))
        .routes(routes!(providers::me, providers::update_me))
        .routes(routes!(providers::get))
        .routes(routes!(listings::create, listings::list_public))
        .routes(routes!(listings::mine))
        .routes(routes!(listings::get, listings::update, listings::delete))
        .routes(routes!(listings::publish))
        .routes(routes!(listings::unpublish))
}
