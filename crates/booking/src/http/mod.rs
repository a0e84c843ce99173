//! The booking context's HTTP surface.

mod calendar;

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
    OpenApiRouter::new().routes(routes!(calendar::get, calendar::put))
}
