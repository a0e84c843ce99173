//! DreamScape's admin dashboard routes (`/api/v1/admin/dashboard/stats`, `revenue-chart`,
//! `bookings-by-destination`; WEB-CLIENT rows M1–M3): parse the period, check the caller is an
//! administrator (401 without a token, 403 otherwise), call the service, render.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::dreamscape::{LimitParam, PeriodParams};
use kernel::{ApiError, ErrorBody};
use platform::auth::AuthUser;
use platform::http::{Query, ok};

use super::service::{DashboardDestination, DashboardRevenueDay, DashboardStats};
use crate::http::State;

/// Users, bookings, revenue, conversion and average booking value of the period, with their
/// evolution against the period before. Money is in EUR.
#[utoipa::path(get, path = "/api/v1/admin/dashboard/stats", operation_id = "dashboard_stats", tag = "Administration",
    security(("bearerAuth" = [])), params(PeriodParams),
    responses((status = 200, body = DashboardStats), (status = 400, description = "A bad period (`custom` without its dates)", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "Not an administrator", body = ErrorBody)))]
pub async fn stats(
    AxumState(state): AxumState<State>,
    admin: AuthUser,
    Query(p): Query<PeriodParams>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let period = p.resolve(state.clock.now())?;
    Ok(ok(state.dreamscape_stats(period).await?))
}

/// Revenue per day of the period (days with revenue only, oldest first; UTC days, EUR).
#[utoipa::path(get, path = "/api/v1/admin/dashboard/revenue-chart", operation_id = "dashboard_revenue_chart", tag = "Administration",
    security(("bearerAuth" = [])), params(PeriodParams),
    responses((status = 200, body = [DashboardRevenueDay]), (status = 400, description = "A bad period", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "Not an administrator", body = ErrorBody)))]
pub async fn revenue_chart(
    AxumState(state): AxumState<State>,
    admin: AuthUser,
    Query(p): Query<PeriodParams>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let period = p.resolve(state.clock.now())?;
    Ok(ok(state.dreamscape_revenue_chart(period).await?))
}

/// The period's confirmed, completed and pending bookings per destination (the listing's
/// city), most first; bookings without a known destination are left out.
#[utoipa::path(get, path = "/api/v1/admin/dashboard/bookings-by-destination", operation_id = "dashboard_bookings_by_destination",
    tag = "Administration", security(("bearerAuth" = [])), params(PeriodParams, LimitParam),
    responses((status = 200, body = [DashboardDestination]), (status = 400, description = "A bad period or limit (default 5)", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "Not an administrator", body = ErrorBody)))]
pub async fn bookings_by_destination(
    AxumState(state): AxumState<State>,
    admin: AuthUser,
    Query(p): Query<PeriodParams>,
    Query(l): Query<LimitParam>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let period = p.resolve(state.clock.now())?;
    let limit = l.resolve(5)?;
    Ok(ok(state.dreamscape_destinations(period, limit).await?))
}
