//! `/api/v1/coupons`: providers' and the platform's coupons.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, FieldError, Page, PageQuery, PageRequest};
use platform::auth::AuthUser;
use platform::http::{Json, Path, Query, created, ok};
use serde::Deserialize;
use serde_json::{Value, json};

use super::State;
use crate::service::coupons::{CouponIn, coupon_view};

/// Creates a coupon: a provider's for their listings (all of them, or `listingIds`), or — by an
/// administrator without `listingIds` — a platform coupon valid everywhere.
#[utoipa::path(post, path = "/api/v1/coupons", tag = "Booking", operation_id = "create_coupon",
    security(("bearerAuth" = [])), request_body = CouponIn,
    responses((status = 201, description = "`{coupon}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "`not_a_provider`", body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`coupon_code_taken`", body = ErrorBody)))]
pub async fn create(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<CouponIn>,
) -> Result<Response, ApiError> {
    let c = state.create_coupon(&user, body).await?;
    Ok(created(json!({ "coupon": coupon_view(&c) })))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CouponsQuery {
    /// `mine` (default) or, for administrators, `platform`.
    pub scope: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}

/// The caller's coupons (administrators: `scope=platform` for the platform's), newest first.
#[utoipa::path(get, path = "/api/v1/coupons", tag = "Booking", operation_id = "list_coupons",
    security(("bearerAuth" = [])), params(CouponsQuery),
    responses((status = 200, description = "`{coupons, pagination}`"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<CouponsQuery>,
) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    let page =
        PageRequest::parse_collecting(&PageQuery { limit: q.limit, offset: q.offset, cursor: None }, &mut errors);
    let owner = match q.scope.as_deref().map(str::trim) {
        None | Some("" | "mine") => Some(user.user_id),
        Some("platform") if user.is_admin() => None,
        Some("platform") => return Err(ApiError::forbidden("Administrators only")),
        Some(_) => {
            errors.push(FieldError::new("scope", "must be mine or platform"));
            Some(user.user_id)
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let coupons = state.coupons(owner, &page).await?;
    let items: Vec<Value> = coupons.iter().map(coupon_view).collect();
    Ok(ok(Page::new(items, &page, None).keyed("coupons")))
}

/// One coupon (its owner or an administrator).
#[utoipa::path(get, path = "/api/v1/coupons/{id}", tag = "Booking", operation_id = "get_coupon",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Coupon id")),
    responses((status = 200, description = "`{coupon}`"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "coupon")?;
    Ok(ok(json!({ "coupon": coupon_view(&state.coupon(&user, id).await?) })))
}

/// Deactivates a coupon: it stops applying to new quotes and reservations.
#[utoipa::path(delete, path = "/api/v1/coupons/{id}", tag = "Booking", operation_id = "deactivate_coupon",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Coupon id")),
    responses((status = 200, description = "`{coupon}`"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn deactivate(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "coupon")?;
    Ok(ok(json!({ "coupon": coupon_view(&state.deactivate_coupon(&user, id).await?) })))
}
