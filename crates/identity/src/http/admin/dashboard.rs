//! DreamScape's admin dashboard's recent transactions (`/api/v1/admin/dashboard/recent-transactions`,
//! WEB-CLIENT row M4): payments from the read model fed by payments' events, with their payers'
//! e-mails and names, which only identity holds. The dashboard's figures (M1–M3: stats, revenue
//! chart, bookings by destination) are insights' (`insights::dreamscape`).

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::dreamscape::{LimitParam, PeriodParams};
use kernel::{ApiError, ErrorBody};
use platform::auth::AuthUser;
use platform::http::{Query, ok};

use super::super::State;
use crate::service::dashboard::DashboardTransaction;

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
    let period = p.resolve(state.now())?;
    let limit = l.resolve(10)?;
    Ok(ok(state.recent_transactions(period, limit).await?))
}
