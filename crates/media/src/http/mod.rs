//! Media's HTTP surface: listing media (`/api/v1/listings/{id}/media`, `/api/v1/media/...`),
//! chunked uploads, tours (`/api/v1/listings/{id}/tour`) and VR sessions (`/api/v1/vr/sessions`).
//! Handlers parse, call the service and render. Upload routes read their bodies as streams
//! and enforce their own limits, so the platform's body limit is lifted for them.

mod objects;
mod tours;
mod uploads;

use axum::extract::DefaultBodyLimit;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::service::MediaService;

pub type State = MediaService;

pub fn routes() -> OpenApiRouter<State> {
    let streamed = OpenApiRouter::new()
        .routes(routes!(objects::upload, objects::list))
        .routes(routes!(uploads::status, uploads::append, uploads::abort))
        .routes(routes!(objects::put_poster))
        .layer(DefaultBodyLimit::disable());
    OpenApiRouter::new()
        .routes(routes!(tours::get_tour, tours::put_tour, tours::delete_tour))
        .routes(routes!(objects::get, objects::update, objects::delete))
        .routes(routes!(uploads::start))
        .merge(streamed)
}
