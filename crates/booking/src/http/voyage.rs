//! DreamScape's voyage service: cart, bookings by reference and itineraries. DreamScape
//! serves it at `/api/v1` and `/api`, and its gateway at `/api/v1/voyage`: the same routes are
//! mounted under all three, and documented once, under `/api/v1`.

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{State, cart, trips};

/// The voyage routes, with paths relative to a prefix.
fn relative() -> OpenApiRouter<State> {
    OpenApiRouter::new()
        .routes(routes!(cart::get, cart::clear))
        .routes(routes!(cart::add))
        .routes(routes!(cart::update, cart::remove))
        .routes(routes!(cart::checkout))
        .routes(routes!(trips::list))
        .routes(routes!(trips::stats))
        .routes(routes!(trips::get, trips::cancel))
        .routes(routes!(trips::confirm))
        .routes(routes!(trips::pdf))
        .routes(routes!(trips::ics))
        .merge(super::itineraries::routes())
}

/// Mounted under `/api/v1` (documented), `/api` and `/api/v1/voyage`.
pub fn routes() -> OpenApiRouter<State> {
    platform::http::voyage::mount(relative)
}

/// The alias templates (`/api/...` and `/api/v1/voyage/...`) of the documented voyage routes.
pub fn alias_templates() -> Vec<String> {
    platform::http::voyage::alias_templates(relative())
}
