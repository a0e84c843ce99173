//! Media's HTTP surface: listing media (`/api/v1/listings/{id}/media`, `/api/v1/media/...`),
//! tours (`/api/v1/listings/{id}/tour`) and VR sessions (`/api/v1/vr/sessions`). Handlers
//! parse, call the service and render.

mod tours;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::service::MediaService;

pub type State = MediaService;

pub fn routes() -> OpenApiRouter<State> {
    OpenApiRouter::new().routes(routes!(tours::get_tour, tours::put_tour, tours::delete_tour))
}
