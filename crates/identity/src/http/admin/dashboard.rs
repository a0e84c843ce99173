//! DreamScape's admin dashboard (`/api/v1/admin/dashboard/*`, WEB-CLIENT rows M1–M4): users
//! from identity's tables, bookings, revenue and transactions from the read model fed by the
//! booking and payments contexts' events.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::AuthUser;
use platform::http::{Query, ok};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::super::State;
use crate::service::dashboard::{
    DashboardDestination, DashboardRevenueDay, DashboardStats, DashboardTransaction, Period, period,
};

/// `period` values (documentation only).
#[derive(ToSchema)]
#[allow(dead_code)]
enum PeriodParam {
    #[schema(rename = "24h")]
    Day,
    #[schema(rename = "7d")]
    Week,
    #[schema(rename = "30d")]
    Month,
    #[schema(rename = "custom")]
    Custom,
}

/// The period every dashboard figure covers.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// The last 24 hours, 7 days (default) or 30 days, or `custom` (then `startDate` and
    /// `endDate` are required). Figures are compared with the period of equal length just before.
    #[param(value_type = Option<PeriodParam>, inline)]
    pub period: Option<String>,
    /// Start of a custom period (RFC 3339 instant or `YYYY-MM-DD`).
    #[param(rename = "startDate")]
    pub start_date: Option<String>,
    /// End of a custom period (RFC 3339 instant, or `YYYY-MM-DD`: that day included).
    #[param(rename = "endDate")]
    pub end_date: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LimitParam {
    /// How many, 1–100.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

fn resolve(state: &State, p: &PeriodParams) -> Result<Period, ApiError> {
    period(state.now(), p.period.as_deref(), p.start_date.as_deref(), p.end_date.as_deref())
}

fn limit(raw: Option<&str>, default: u32) -> Result<u32, ApiError> {
    match raw {
        None => Ok(default),
        Some(raw) => raw.parse().ok().filter(|l| (1..=100).contains(l)).ok_or_else(|| {
            ApiError::validation(vec![FieldError::new("limit", "must be a whole number from 1 to 100")])
        }),
    }
}

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
    let period = resolve(&state, &p)?;
    Ok(ok(state.dashboard_stats(period).await?))
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
    let period = resolve(&state, &p)?;
    Ok(ok(state.revenue_chart(period).await?))
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
    let period = resolve(&state, &p)?;
    let limit = limit(l.limit.as_deref(), 5)?;
    Ok(ok(state.bookings_by_destination(period, limit).await?))
}

/// The period's payments, newest first, with their payer.
#[utoipa::path(get, path = "/api/v1/admin/dashboard/recent-transactions", operation_id = "dashboard_recent_transactions",
    tag = "Administration", security(("bearerAuth" = [])), params(PeriodParams, LimitParam),
    responses((status = 200, body = [DashboardTransaction]), (status = 400, description = "A bad period or limit (default 10)", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "Not an administrator", body = ErrorBody)))]
pub async fn recent_transactions(
    AxumState(state): AxumState<State>,
    admin: AuthUser,
    Query(p): Query<PeriodParams>,
    Query(l): Query<LimitParam>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let period = resolve(&state, &p)?;
    let limit = limit(l.limit.as_deref(), 10)?;
    Ok(ok(state.recent_transactions(period, limit).await?))
}
