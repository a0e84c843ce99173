//! Insights' HTTP surface: `/api/v1/analytics/*` (tracking, host dashboards, reports) and
//! the administrators' KPIs. Handlers parse, call the service and render.

mod admin;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub type State = crate::service::Insights;

pub fn routes() -> OpenApiRouter<State> {
    OpenApiRouter::new()
        // adminkpi
        .routes(routes!(admin::kpis))
        .routes(routes!(admin::series))
        .routes(routes!(admin::top))
}
