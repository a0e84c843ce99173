//! The notifications context's HTTP surface: the caller's inbox and preferences. Every route
//! needs a bearer token and only ever touches the caller's own records.

mod inbox;
mod preferences;

use std::sync::Arc;

use kernel::Clock;
use platform::db::Db;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Clone)]
pub struct State {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
}

pub fn routes() -> OpenApiRouter<State> {
    OpenApiRouter::new()
        .routes(routes!(inbox::list, inbox::delete_read))
        .routes(routes!(inbox::unread_count))
        .routes(routes!(inbox::read_all))
        .routes(routes!(inbox::mark_read))
        .routes(routes!(inbox::delete_one))
        .routes(routes!(preferences::get_preferences, preferences::put_preferences))
}
