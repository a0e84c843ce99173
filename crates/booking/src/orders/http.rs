//! Orders' HTTP surface: placing and reading orders, the kitchen's queue and moves, a
//! restaurant's order settings and staff.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, FieldError, PageQuery, PageRequest};
use platform::auth::AuthUser;
use platform::http::{Json, Path, Query, created, ok, ok_with_message};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::service::OrderBody;
use super::{store, view};
use crate::http::State;

pub fn routes() -> OpenApiRouter<State> {
    OpenApiRouter::new()
        .routes(routes!(place, mine))
        .routes(routes!(get))
        .routes(routes!(act))
        .routes(routes!(queue))
        .routes(routes!(settings, set_settings))
        .routes(routes!(invite))
        .routes(routes!(staff))
        .routes(routes!(remove_staff))
        .routes(routes!(join))
}

fn id(raw: &str, what: &str) -> Result<Uuid, ApiError> {
    kernel::parse_id(raw, what)
}

/// Order from a restaurant's menu: a pre-order with a table reservation, a takeaway at a
/// pickup time, or at a table now. Priced from the menu as it is now; pay it as a reservation
/// (`POST /api/v1/payments/intents` with `reservationId` = the order's id) unless paid at the
/// table. The kitchen then has `booking.order_accept_minutes` to accept it.
#[utoipa::path(post, path = "/api/v1/orders", tag = "Orders", operation_id = "place_order", security(("bearerAuth" = [])),
    request_body = OrderBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key, 1–255 characters")),
    responses((status = 201, description = "`{order}` (with `Idempotent-Replayed: true` when repeated)"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`item_unavailable` (names the items), `not_a_restaurant`, `orders_closed`, `restaurant_closed`, `table_reservation_invalid`", body = ErrorBody),
        (status = 422, description = "`closed_at_pickup`, `pickup_out_of_range`, `unknown_table`, `pay_at_table_unavailable`, `own_listing`", body = ErrorBody)))]
pub async fn place(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    headers: axum::http::HeaderMap,
    Json(body): Json<OrderBody>,
) -> Result<Response, ApiError> {
    let key = platform::http::idempotency_key(&headers)?;
    let (r, order, replayed) = state.place_order(&user, body, key.as_deref()).await?;
    let mut response = created(json!({ "order": view::order(&r, &order) }));
    if replayed {
        response.headers_mut().insert("idempotent-replayed", axum::http::HeaderValue::from_static("true"));
    }
    Ok(response)
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MineParams {
    /// Items per page, 1–100 (default 20).
    pub limit: Option<String>,
    /// Items to skip (default 0).
    pub offset: Option<String>,
}

/// The caller's orders, newest first.
#[utoipa::path(get, path = "/api/v1/orders", tag = "Orders", operation_id = "my_orders", security(("bearerAuth" = [])),
    params(MineParams), responses((status = 200, description = "`{orders}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn mine(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<MineParams>,
) -> Result<Response, ApiError> {
    let page = PageRequest::parse(&PageQuery { limit: q.limit, offset: q.offset, cursor: None })?;
    let ids = store::of_guest(&state.db, user.user_id, page.limit, page.offset).await?;
    Ok(ok(json!({ "orders": view::of_ids(&state.db, &ids).await? })))
}

/// One order: its guest, the restaurant's owner and staff, administrators.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "Orders", operation_id = "get_order", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Order id")),
    responses((status = 200, description = "`{order}`"), (status = 401, body = ErrorBody), (status = 404, description = "`order_not_found`", body = ErrorBody)))]
pub async fn get(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let (r, order, _) = state.order_for(&user, id(&raw, "Order")?).await?;
    Ok(ok(json!({ "order": view::order(&r, &order) })))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ActBody {
    /// Why (required to reject; told to the guest).
    pub reason: Option<String>,
}

/// Move an order. The kitchen (owner, staff, administrators): `accept`, `preparing`, `ready`,
/// `served` (pre-order, dine-in) or `collected` (takeaway), one step after the other, or
/// `reject` with a reason (a full refund). The guest: `cancel`, before the kitchen accepted.
#[utoipa::path(post, path = "/api/v1/orders/{id}/{action}", tag = "Orders", operation_id = "move_order", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Order id"),
        ("action" = String, Path, description = "`accept`, `preparing`, `ready`, `served`, `collected`, `reject` or `cancel`")),
    request_body = ActBody,
    responses((status = 200, description = "`{order}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`invalid_state`, `order_in_preparation`", body = ErrorBody)))]
pub async fn act(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path((raw, action)): Path<(String, String)>,
    Json(body): Json<ActBody>,
) -> Result<Response, ApiError> {
    let order_id = id(&raw, "Order")?;
    let (r, order) = match action.as_str() {
        "cancel" => state.cancel_order(&user, order_id).await?,
        "accept" | "reject" | "preparing" | "ready" | "served" | "collected" => {
            state.kitchen(&user, order_id, &action, body.reason).await?
        }
        _ => return Err(ApiError::not_found("No such action on an order")),
    };
    let r = crate::store::reservations::find(&state.db, r.id).await?.unwrap_or(r);
    Ok(ok(json!({ "order": view::order(&r, &order) })))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    /// `true` (default): orders the kitchen still has to handle, by time; `false`: all, newest first.
    pub active: Option<String>,
    /// Items per page, 1–100 (default 20).
    pub limit: Option<String>,
    /// Items to skip (default 0).
    pub offset: Option<String>,
}

/// A restaurant's order queue (owner, staff, administrators).
#[utoipa::path(get, path = "/api/v1/listings/{id}/orders", tag = "Orders", operation_id = "restaurant_orders", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Listing id"), QueueParams),
    responses((status = 200, description = "`{orders}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn queue(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(raw): Path<String>,
    Query(q): Query<QueueParams>,
) -> Result<Response, ApiError> {
    let listing = state.visible_listing(id(&raw, "Listing")?, Some(&user)).await?;
    if !state.works_at(&user, &listing).await? {
        return Err(ApiError::not_found("Listing not found"));
    }
    let mut errors = Vec::new();
    let page =
        PageRequest::parse_collecting(&PageQuery { limit: q.limit, offset: q.offset, cursor: None }, &mut errors);
    let active = match q.active.as_deref().map(str::trim) {
        None | Some("" | "true") => true,
        Some("false") => false,
        Some(_) => {
            errors.push(FieldError::new("active", "must be true or false"));
            true
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let ids = store::of_listing(&state.db, listing.id, active, page.limit, page.offset).await?;
    Ok(ok(json!({ "orders": view::of_ids(&state.db, &ids).await? })))
}

/// A restaurant's order settings (owner).
#[utoipa::path(get, path = "/api/v1/listings/{id}/order-settings", tag = "Orders", operation_id = "order_settings", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Listing id")),
    responses((status = 200, description = "`{settings: {acceptsOrders, serviceBps, payAtTable, tableCodes}}`"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn settings(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let l = state.owned_restaurant(&user, id(&raw, "Listing")?).await?;
    let mut s = store::settings(&state.db, l.id).await?;
    s.table_codes = store::table_codes(&state.db, l.id).await?;
    Ok(ok(json!({ "settings": s })))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettingsBody {
    pub accepts_orders: Option<bool>,
    /// Service charge in basis points of the lines, 0–2500.
    pub service_bps: Option<i64>,
    pub pay_at_table: Option<bool>,
    /// Up to 200 table codes for dine-in orders (empty: any code).
    pub table_codes: Option<Vec<String>>,
}

/// Change a restaurant's order settings (owner); fields left out are kept.
#[utoipa::path(put, path = "/api/v1/listings/{id}/order-settings", tag = "Orders", operation_id = "set_order_settings", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Listing id")), request_body = SettingsBody,
    responses((status = 200, description = "`{settings}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn set_settings(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(raw): Path<String>,
    Json(body): Json<SettingsBody>,
) -> Result<Response, ApiError> {
    let l = state.owned_restaurant(&user, id(&raw, "Listing")?).await?;
    let mut s = store::settings(&state.db, l.id).await?;
    s.table_codes = store::table_codes(&state.db, l.id).await?;
    let mut errors = Vec::new();
    if let Some(v) = body.accepts_orders {
        s.accepts_orders = v;
    }
    if let Some(v) = body.pay_at_table {
        s.pay_at_table = v;
    }
    match body.service_bps {
        Some(bps) if (0..=2500).contains(&bps) => s.service_bps = bps,
        Some(_) => errors.push(FieldError::new("serviceBps", "must be from 0 to 2500")),
        None => {}
    }
    if let Some(codes) = body.table_codes {
        if codes.len() > 200 {
            errors.push(FieldError::new("tableCodes", "at most 200 codes"));
        }
        let mut clean = Vec::new();
        for c in &codes {
            if let Some(c) = super::domain::table_code(Some(c), &mut errors) {
                clean.push(c);
            }
        }
        clean.sort();
        clean.dedup();
        s.table_codes = clean;
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut tx = state.db.begin().await?;
    store::save_settings(&mut tx, l.id, &s, state.clock.now()).await?;
    tx.commit().await?;
    Ok(ok(json!({ "settings": s })))
}

/// Invite someone to a restaurant's staff (owner): a one-time code, valid 7 days, shown once.
#[utoipa::path(post, path = "/api/v1/listings/{id}/staff/invitations", tag = "Orders", operation_id = "invite_staff", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Listing id")),
    responses((status = 201, description = "`{invitation: {code, listingId, role, expiresAt}}`"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn invite(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    Ok(created(json!({ "invitation": state.invite_staff(&user, id(&raw, "Listing")?).await? })))
}

/// A restaurant's staff (owner).
#[utoipa::path(get, path = "/api/v1/listings/{id}/staff", tag = "Orders", operation_id = "list_staff", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Listing id")),
    responses((status = 200, description = "`{staff: [{userId, role, addedAt}]}`"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn staff(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    Ok(ok(json!({ "staff": state.list_staff(&user, id(&raw, "Listing")?).await? })))
}

/// Remove someone from a restaurant's staff (owner).
#[utoipa::path(delete, path = "/api/v1/listings/{id}/staff/{userId}", tag = "Orders", operation_id = "remove_staff", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Listing id"), ("userId" = String, Path, description = "Staff member")),
    responses((status = 200, description = "Removed"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`staff_not_found`", body = ErrorBody)))]
pub async fn remove_staff(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path((raw, member)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let member = kernel::parse_id(&member, "Staff member")
        .map_err(|_| ApiError::new(404, "staff_not_found", "This user is not on the staff"))?;
    state.remove_staff(&user, id(&raw, "Listing")?, member).await?;
    Ok(ok_with_message(json!({"userId": member}), "Removed from the staff"))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct JoinBody {
    /// The invitation's code.
    pub code: Option<String>,
}

/// Join a restaurant's staff with an invitation's code.
#[utoipa::path(post, path = "/api/v1/staff/join", tag = "Orders", operation_id = "join_staff", security(("bearerAuth" = [])),
    request_body = JoinBody,
    responses((status = 200, description = "`{membership: {listingId, userId, role}}`"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, description = "`invitation_not_found`", body = ErrorBody)))]
pub async fn join(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<JoinBody>,
) -> Result<Response, ApiError> {
    Ok(ok(json!({ "membership": state.join_staff(&user, body.code.as_deref()).await? })))
}
