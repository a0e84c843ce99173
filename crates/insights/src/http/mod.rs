//! Insights' HTTP surface: `/api/v1/analytics/*` (tracking, host dashboards, reports) and
//! the administrators' KPIs. Handlers parse, call the service and render.

mod admin;
mod host;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub type State = crate::service::Insights;

pub fn routes() -> OpenApiRouter<State> {
    OpenApiRouter::new()
        // Tracking: POST /api/v1/analytics/events, the admin summary and job trigger.
        .merge(crate::tracking::http::routes())
        .routes(routes!(host::dashboard))
        .routes(routes!(host::dashboard_csv))
        .routes(routes!(host::dashboard_json))
        .routes(routes!(host::statement))
        // Administrators' KPIs, series and top lists.
        .routes(routes!(admin::kpis))
        .routes(routes!(admin::series))
        .routes(routes!(admin::top))
}
