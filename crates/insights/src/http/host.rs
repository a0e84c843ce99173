//! Hosts' analytics: `GET /api/v1/analytics/host/dashboard`, its downloads under
//! `/api/v1/analytics/host/reports/`, and the monthly statement
//! `/api/v1/analytics/host/statements/{YYYY-MM}` (`.csv` for the file). Any signed-in user
//! reads their own listings' numbers (a guest without listings gets an empty dashboard);
//! administrators may name a host (`hostId`).

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody};
use platform::auth::AuthUser;
use platform::http::{Path, Query, ok};
use serde::Deserialize;

use super::State;
use crate::reports;
use crate::service::host::{Ask, Caller, Dashboard, validate};
use crate::service::host_statement::Statement;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct DashboardQuery {
    /// First local day (`YYYY-MM-DD`, inclusive); default: 29 days before `to`.
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last local day (inclusive); default: today (UTC). At most 731 days.
    #[param(format = Date)]
    pub to: Option<String>,
    /// One of the caller's listings (`404` for any other).
    pub listing_id: Option<String>,
    /// The series' buckets: `day` (default), `week` (from Monday) or `month`.
    pub interval: Option<String>,
    /// Only listings and amounts in this currency.
    pub currency: Option<String>,
    /// Administrators: whose dashboard.
    pub host_id: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct StatementQuery {
    /// Administrators: whose statement.
    pub host_id: Option<String>,
}

fn caller(user: &AuthUser) -> Caller {
    Caller { user_id: user.user_id, admin: user.is_admin() }
}

async fn dashboard_of(state: &State, user: &AuthUser, q: DashboardQuery) -> Result<Dashboard, ApiError> {
    let ask = Ask {
        from: q.from,
        to: q.to,
        listing_id: q.listing_id,
        interval: q.interval,
        currency: q.currency,
        host_id: q.host_id,
    };
    let req = validate(caller(user), &ask, state.clock.now().date_naive())?;
    state.host_dashboard(&req).await
}

/// The caller's listings' figures over a period and the previous one, per listing and in
/// total, with a series. Money in minor units per currency.
#[utoipa::path(get, path = "/api/v1/analytics/host/dashboard", tag = "Insights", operation_id = "host_dashboard",
    security(("bearerAuth" = [])), params(DashboardQuery),
    responses((status = 200, body = Dashboard), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn dashboard(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, ApiError> {
    Ok(ok(dashboard_of(&state, &user, q).await?))
}

/// The dashboard as CSV (`scope,listing_id,listing_title,timezone,period,from,to,currency,
/// metric,value`; amounts in major units), streamed as an attachment.
#[utoipa::path(get, path = "/api/v1/analytics/host/reports/dashboard.csv", tag = "Insights",
    operation_id = "host_dashboard_csv", security(("bearerAuth" = [])), params(DashboardQuery),
    responses((status = 200, description = "text/csv", content_type = "text/csv"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn dashboard_csv(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, ApiError> {
    let d = dashboard_of(&state, &user, q).await?;
    let name = format!("dashboard-{}-{}.csv", d.period.from, d.period.to);
    Ok(reports::download("text/csv; charset=utf-8", &name, reports::dashboard::csv(d)))
}

/// The dashboard as a JSON file (the same object as the dashboard's `data`).
#[utoipa::path(get, path = "/api/v1/analytics/host/reports/dashboard.json", tag = "Insights",
    operation_id = "host_dashboard_json", security(("bearerAuth" = [])), params(DashboardQuery),
    responses((status = 200, body = Dashboard), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn dashboard_json(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, ApiError> {
    let d = dashboard_of(&state, &user, q).await?;
    let name = format!("dashboard-{}-{}.json", d.period.from, d.period.to);
    Ok(reports::download("application/json", &name, reports::dashboard::json(d)))
}

/// The caller's statement for a UTC month (`2026-03`, or `2026-03.csv` for the CSV file):
/// per currency, captures, refunds, recoveries, payouts and the closing movement, which equals
/// minus the month's sum of the `host:<id>` ledger entries.
#[utoipa::path(get, path = "/api/v1/analytics/host/statements/{month}", tag = "Insights",
    operation_id = "host_statement", security(("bearerAuth" = [])),
    params(("month" = String, Path, description = "`YYYY-MM`, or `YYYY-MM.csv`"), StatementQuery),
    responses((status = 200, body = Statement), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn statement(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(month): Path<String>,
    Query(q): Query<StatementQuery>,
) -> Result<Response, ApiError> {
    let (month, as_csv) = match month.strip_suffix(".csv") {
        Some(m) => (m.to_owned(), true),
        None => (month.strip_suffix(".json").unwrap_or(&month).to_owned(), false),
    };
    let s = state.host_statement(caller(&user), q.host_id.as_deref(), &month).await?;
    if as_csv {
        let name = format!("statement-{}.csv", s.month);
        return Ok(reports::download("text/csv; charset=utf-8", &name, reports::statement::csv(&s)));
    }
    Ok(ok(s))
}
