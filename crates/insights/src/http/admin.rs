//! Administrators' KPIs (`/api/v1/admin/analytics/*`): parse the query, check the caller is an
//! administrator (401 without a token, 403 otherwise), call the service, render.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody};
use platform::auth::AuthUser;
use platform::http::{Query, ok};
use serde::Deserialize;
use utoipa::IntoParams;

use super::State;
use crate::service::admin::{self, Kpis, SeriesAnswer, TopAnswer};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KpiParams {
    /// First UTC day of the period, `YYYY-MM-DD`.
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last UTC day of the period (included), at most 731 days after `from`.
    #[param(format = Date)]
    pub to: Option<String>,
    /// Only this currency's money figures (ISO 4217).
    pub currency: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SeriesParams {
    /// `gmv` (default), `take`, `net_revenue`, `bookings`, `cancellations`, `captures`, `captured`,
    /// `refunds`, `refunded`, `failed_payments`, `payouts`, `paid_out` (per currency);
    /// `new_users`, `new_hosts`, `new_listings`, `published_listings`, `active_users`.
    pub metric: Option<String>,
    /// `day` (default), `week` (ISO, from Monday) or `month`.
    pub interval: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TopParams {
    /// `gmv` (default) or `bookings`.
    pub by: Option<String>,
    /// `listing` (default), `host` or `destination`.
    pub dimension: Option<String>,
    /// 1–50, default 10.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50)]
    pub limit: Option<String>,
}

/// Platform KPIs of a period of UTC days, each beside the same number of days just before.
/// Money per currency, in minor units.
#[utoipa::path(get, path = "/api/v1/admin/analytics/kpis", operation_id = "admin_analytics_kpis", tag = "Insights",
    security(("bearerAuth" = [])), params(KpiParams),
    responses((status = 200, body = Kpis), (status = 400, description = "A bad period or currency", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "Not an administrator", body = ErrorBody)))]
pub async fn kpis(
    AxumState(state): AxumState<State>,
    admin: AuthUser,
    Query(q): Query<KpiParams>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let period = admin::period(q.from.as_deref(), q.to.as_deref())?;
    let currency = admin::currency(q.currency.as_deref())?;
    Ok(ok(state.kpis(period, currency.as_deref()).await?))
}

/// One KPI by day, week or month over a period (every bucket, zeros included).
#[utoipa::path(get, path = "/api/v1/admin/analytics/series", operation_id = "admin_analytics_series", tag = "Insights",
    security(("bearerAuth" = [])), params(KpiParams, SeriesParams),
    responses((status = 200, body = SeriesAnswer), (status = 400, description = "A bad period, metric or interval", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "Not an administrator", body = ErrorBody)))]
pub async fn series(
    AxumState(state): AxumState<State>,
    admin: AuthUser,
    Query(q): Query<KpiParams>,
    Query(s): Query<SeriesParams>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let period = admin::period(q.from.as_deref(), q.to.as_deref())?;
    let currency = admin::currency(q.currency.as_deref())?;
    let metric = admin::metric(s.metric.as_deref())?;
    let interval = admin::interval(s.interval.as_deref())?;
    let (metric_name, interval_name) = (s.metric.as_deref().unwrap_or("gmv"), s.interval.as_deref().unwrap_or("day"));
    Ok(ok(state.platform_series(period, metric_name, metric, interval_name, interval, currency.as_deref()).await?))
}

/// The first listings, hosts or destinations of a period by GMV or bookings (reservations
/// booked in the period that are or were confirmed), one list per currency.
#[utoipa::path(get, path = "/api/v1/admin/analytics/top", operation_id = "admin_analytics_top", tag = "Insights",
    security(("bearerAuth" = [])), params(KpiParams, TopParams),
    responses((status = 200, body = TopAnswer), (status = 400, description = "A bad period, ranking, dimension or limit", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "Not an administrator", body = ErrorBody)))]
pub async fn top(
    AxumState(state): AxumState<State>,
    admin: AuthUser,
    Query(q): Query<KpiParams>,
    Query(t): Query<TopParams>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let period = admin::period(q.from.as_deref(), q.to.as_deref())?;
    let currency = admin::currency(q.currency.as_deref())?;
    let by_gmv = admin::by_gmv(t.by.as_deref())?;
    let dimension = admin::dimension(t.dimension.as_deref())?;
    let limit = admin::top_limit(t.limit.as_deref())?;
    Ok(ok(state.top(period, dimension, by_gmv, limit, currency.as_deref()).await?))
}
