//! DreamScape's payment contract under `/api/v1/payment`, whichever processor makes the payments.

use axum::extract::State as AxumState;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody, Page, PageQuery, PageRequest};
use platform::auth::AuthUser;
use platform::http::{Json, Path, Query, ok};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::audit::Actor;
use crate::idempotency;
use crate::refunds::RefundIn;
use crate::service::{IntentIn, Payments, created_view, intent_view};

pub fn routes() -> OpenApiRouter<Payments> {
    OpenApiRouter::new()
        .routes(routes!(create_intent))
        .routes(routes!(history))
        .routes(routes!(config))
        .routes(routes!(health))
        .routes(routes!(webhook))
        .routes(routes!(paypal_webhook))
        .routes(routes!(refund))
        .routes(routes!(cancel))
        .routes(routes!(balances))
        .routes(routes!(ledger_account))
        .routes(routes!(payouts))
        .routes(routes!(payout_account, set_payout_account))
        .routes(routes!(run_payouts))
        .routes(routes!(stats))
        .routes(routes!(financial_csv))
        .routes(routes!(audit_log))
        .routes(routes!(get_intent))
        .routes(routes!(confirm))
        .merge(crate::admin::routes())
        .merge(crate::dreamscape::routes())
}

/// Creates a payment intent for a reservation the caller owes: `amount` and `currency` must be
/// exactly what it still owes (else `409 amount_mismatch`).
#[utoipa::path(post, path = "/api/v1/payment/intent", tag = "Payments", operation_id = "create_payment_intent",
    security(("bearerAuth" = [])), request_body = IntentIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "The same key answers the same response for 24 h")),
    responses((status = 200, description = "`{clientSecret, paymentIntentId, amount, currency, status}`"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`amount_mismatch`, `not_payable`", body = ErrorBody)))]
pub async fn create_intent(
    AxumState(state): AxumState<Payments>,
    user: AuthUser,
    request: Option<axum::Extension<platform::http::RequestId>>,
    headers: HeaderMap,
    Json(body): Json<IntentIn>,
) -> Result<Response, ApiError> {
    let fingerprint = format!("intent {}", serde_json::to_string(&body).map_err(|_| ApiError::internal())?);
    idempotency::run(&state, user.user_id, &headers, fingerprint, || async {
        let i = state.create_intent(user.user_id, body, &actor(&user, request)).await?;
        Ok((StatusCode::OK, json!({ "success": true, "data": created_view(&i) })))
    })
    .await
}

/// A payment of the caller's.
#[utoipa::path(get, path = "/api/v1/payment/{paymentIntentId}", tag = "Payments", operation_id = "get_payment_intent",
    security(("bearerAuth" = [])), params(("paymentIntentId" = String, Path, description = "pi_…")),
    responses((status = 200, description = "`{id, status, amount, currency, bookingReference, createdAt, …}`"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_intent(
    AxumState(state): AxumState<Payments>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(ok(intent_view(&state.intent(&user, &id).await?)))
}

#[derive(Debug, Default, serde::Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfirmIn {
    /// A payment method. Sandbox test methods: `pm_card_visa`, `pm_card_mastercard`,
    /// `pm_card_amex` (approved), `pm_card_chargeDeclined`,
    /// `pm_card_chargeDeclinedInsufficientFunds`, `pm_card_chargeDeclinedExpiredCard`
    /// (declined), `pm_card_threeDSecure2Required`, `pm_card_authenticationRequired` (3-D
    /// Secure: confirm again to complete). With Stripe, a PaymentMethod id (`pm_…`); with
    /// PayPal, none (confirm after the payer approved at `approvalUrl`).
    pub payment_method: Option<String>,
}

/// Confirms a payment at the processor (what Stripe.js does in a browser; for PayPal, after
/// the payer approved): `succeeded`, `requires_capture` (request to book) or `requires_action`.
#[utoipa::path(post, path = "/api/v1/payment/{paymentIntentId}/confirm", tag = "Payments",
    operation_id = "confirm_payment_intent", security(("bearerAuth" = [])),
    params(("paymentIntentId" = String, Path, description = "pi_…"),
        ("Idempotency-Key" = Option<String>, Header, description = "The same key answers the same response for 24 h")),
    request_body = ConfirmIn,
    responses((status = 200, description = "the payment: `succeeded`, `requires_capture` or `requires_action`"),
        (status = 400, body = ErrorBody), (status = 402, description = "`card_declined`", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn confirm(
    AxumState(state): AxumState<Payments>,
    user: AuthUser,
    request: Option<axum::Extension<platform::http::RequestId>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let body: ConfirmIn = if body.iter().all(u8::is_ascii_whitespace) {
        ConfirmIn::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::invalid_json(format!("Invalid request body: {e}")))?
    };
    let fingerprint = format!("confirm {id} {}", body.payment_method.as_deref().unwrap_or(""));
    idempotency::run(&state, user.user_id, &headers, fingerprint, || async {
        let i = state.confirm(&user, &id, body.payment_method.as_deref(), &actor(&user, request)).await?;
        Ok((StatusCode::OK, json!({ "success": true, "data": intent_view(&i) })))
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    pub limit: Option<String>,
    pub offset: Option<String>,
}

/// The caller's payments, newest first.
#[utoipa::path(get, path = "/api/v1/payment/history", tag = "Payments", operation_id = "payment_history",
    security(("bearerAuth" = [])), params(HistoryQuery),
    responses((status = 200, description = "`{transactions, pagination}`"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)))]
pub async fn history(
    AxumState(state): AxumState<Payments>,
    user: AuthUser,
    Query(q): Query<HistoryQuery>,
) -> Result<Response, ApiError> {
    let page = PageRequest::parse(&PageQuery { limit: q.limit, offset: q.offset, cursor: None })?;
    let (rows, total) = state.history(&user, &page).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|i| {
            json!({ "paymentIntentId": i.id, "amount": i.amount, "currency": i.currency.to_lowercase(),
                         "status": i.status, "bookingReference": i.booking_reference, "createdAt": i.created_at })
        })
        .collect();
    Ok(ok(Page::new(items, &page, Some(total.max(0) as u64)).keyed("transactions")))
}

/// What a client needs to start paying: the processor in use and its public key
/// (`publishableKey`: Stripe's, or the sandbox's own; PayPal's `clientId`). Public.
#[utoipa::path(get, path = "/api/v1/payment/config", tag = "Payments", operation_id = "payment_config",
    responses((status = 200, description = "`{provider, publishableKey}` (Stripe, sandbox), `{provider, clientId, publishableKey: null}` (PayPal)")))]
pub async fn config(AxumState(state): AxumState<Payments>) -> Response {
    ok(state.processor.client_config())
}

/// The payment service answers.
#[utoipa::path(get, path = "/api/v1/payment/health", tag = "Payments", operation_id = "payment_health",
    responses((status = 200, description = "`{status, provider}`")))]
pub async fn health(AxumState(state): AxumState<Payments>) -> Response {
    ok(json!({ "status": "ok", "provider": state.processor.name() }))
}

/// Processor events (Stripe's format), signed with `Stripe-Signature: t=…,v1=…` over the raw
/// body. Applied once per event id; a bad or missing signature is `400` and changes nothing.
#[utoipa::path(post, path = "/api/v1/payment/webhook", tag = "Payments", operation_id = "payment_webhook",
    params(("stripe-signature" = String, Header, description = "t=<unix seconds>,v1=<hex HMAC-SHA256>")),
    request_body(content = Object, description = "The processor's event: `{id, type, data: {object}}`"),
    responses((status = 200, description = "`{received: true, applied}` (also in `data`)"), (status = 400, body = ErrorBody)))]
pub async fn webhook(
    AxumState(state): AxumState<Payments>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let signature = headers.get("stripe-signature").and_then(|v| v.to_str().ok());
    let secret = state.webhook_secret.clone();
    let applied = state.webhook(&secret, signature, &body).await?;
    if applied {
        state.run_ops().await;
    }
    // DreamScape's `{received: true}`, at the top as Stripe's clients read it.
    let data = json!({ "received": true, "applied": applied });
    Ok(axum::Json(json!({ "success": true, "received": true, "applied": applied, "data": data })).into_response())
}

/// PayPal's webhook events (with the PayPal provider): each delivery is verified with PayPal
/// (`payments.paypal.webhook_id`), then applied once per event id. Unverified → `400`.
#[utoipa::path(post, path = "/api/v1/payment/webhook/paypal", tag = "Payments", operation_id = "payment_webhook_paypal",
    request_body(content = Object, description = "PayPal's event: `{id, event_type, resource}`"),
    responses((status = 200, description = "`{received: true, applied}`"), (status = 400, body = ErrorBody),
        (status = 404, description = "the deployment does not use PayPal", body = ErrorBody),
        (status = 503, description = "PayPal could not be asked; it will deliver again", body = ErrorBody)))]
pub async fn paypal_webhook(
    AxumState(state): AxumState<Payments>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let applied = state.processor_webhook(&headers, &body).await?;
    if applied {
        state.run_ops().await;
    }
    Ok(ok(json!({ "received": true, "applied": applied })))
}

/// Refunds a captured payment, fully or in part (administrators: a guest's refund follows the
/// booking's cancellation rules). Several partial refunds may follow each other, never beyond
/// what was captured. DreamScape's `bookingId` and `userId`, when sent, must be the payment's.
#[utoipa::path(post, path = "/api/v1/payment/refund", tag = "Payments", operation_id = "refund_payment",
    security(("bearerAuth" = [])), request_body = RefundIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "The same key answers the same response for 24 h")),
    responses((status = 200, description = "`{refundId, paymentIntentId, amount, currency, reason, status}`"),
        (status = 400, description = "bad fields; `bookingId` or `userId` not the payment's", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 402, description = "`refund_failed`", body = ErrorBody),
        (status = 403, description = "not an administrator", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`not_captured`, `refund_exceeds_captured`", body = ErrorBody)))]
pub async fn refund(
    AxumState(state): AxumState<Payments>,
    user: AuthUser,
    request: Option<axum::Extension<platform::http::RequestId>>,
    headers: HeaderMap,
    Json(body): Json<RefundIn>,
) -> Result<Response, ApiError> {
    let fingerprint = format!("refund {}", serde_json::to_string(&body).map_err(|_| ApiError::internal())?);
    idempotency::run(&state, user.user_id, &headers, fingerprint, || async {
        let done = state.refund(&user, body, &actor(&user, request)).await?;
        Ok((StatusCode::OK, json!({ "success": true, "data": done })))
    })
    .await
}

/// Cancels a payment that was not made yet (the payer or an administrator): DreamScape's
/// `{success, message}`, with the payment in `data`. A payment captured or authorised is
/// `409` (an authorisation is released by cancelling its reservation).
#[utoipa::path(post, path = "/api/v1/payment/cancel/{paymentIntentId}", tag = "Payments", operation_id = "cancel_payment_intent",
    security(("bearerAuth" = [])), params(("paymentIntentId" = String, Path, description = "pi_…")),
    responses((status = 200, description = "`{message}` and the payment, `canceled`"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "`invalid_state`", body = ErrorBody),
        (status = 503, description = "the processor cannot be reached", body = ErrorBody)))]
pub async fn cancel(
    AxumState(state): AxumState<Payments>,
    user: AuthUser,
    request: Option<axum::Extension<platform::http::RequestId>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let by = actor(&user, request);
    let i = state.cancel(&user, &id, &by).await?;
    Ok(platform::http::ok_with_message(intent_view(&i), "Payment intent canceled successfully"))
}

/// Every ledger account's balance per currency (administrators). Signed minor units: debits
/// positive, credits negative — `processor` holds money (positive), `host:<id>` and
/// `taxes_payable` are owed (negative), `platform_revenue` is earned (negative).
#[utoipa::path(get, path = "/api/v1/payment/ledger/balances", tag = "Payments", operation_id = "ledger_balances",
    security(("bearerAuth" = [])),
    responses((status = 200, description = "`{balances: [{account, currency, balance}]}`"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn balances(AxumState(state): AxumState<Payments>, user: AuthUser) -> Result<Response, ApiError> {
    if !user.is_admin() {
        return Err(ApiError::forbidden("Administrators only"));
    }
    let rows = crate::ledger::balances(&state.db).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|(account, currency, balance)| json!({"account": account, "currency": currency, "balance": balance}))
        .collect();
    Ok(ok(json!({ "balances": items })))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountQuery {
    /// The ledger account, e.g. `host:<user id>`.
    pub account: String,
    /// Start (RFC 3339 or `YYYY-MM-DD`, inclusive); default: 30 days before `to`.
    pub from: Option<String>,
    /// End (exclusive); default: now.
    pub to: Option<String>,
}

/// One ledger account's movement over a period (administrators), per currency: the sum of its
/// entries (debits positive) and the part of each journal kind (`capture`, `refund`,
/// `payout`) — what a host's monthly statement is checked against.
#[utoipa::path(get, path = "/api/v1/payment/ledger/account", tag = "Payments", operation_id = "ledger_account",
    security(("bearerAuth" = [])), params(AccountQuery),
    responses((status = 200, description = "`{account, from, to, currencies: [{currency, sum, kinds: {capture: {entries, sum}, …}}]}`"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn ledger_account(
    AxumState(state): AxumState<Payments>,
    user: AuthUser,
    Query(q): Query<AccountQuery>,
) -> Result<Response, ApiError> {
    let (from, to) = period(&state, &user, &PeriodQuery { from: q.from, to: q.to })?;
    let account = q.account.trim();
    if account.is_empty() || account.len() > 100 {
        return Err(ApiError::validation(vec![kernel::FieldError::new("account", "must be a ledger account")]));
    }
    let mut currencies: Vec<Value> = Vec::new();
    for (currency, kind, entries, sum) in crate::ledger::account_sums(&state.db, account, from, to).await? {
        if currencies.last().is_none_or(|c| c["currency"] != currency.as_str()) {
            currencies.push(json!({ "currency": currency, "sum": 0, "kinds": {} }));
        }
        if let Some(c) = currencies.last_mut() {
            c["sum"] = json!(c["sum"].as_i64().unwrap_or(0) + sum);
            c["kinds"][kind] = json!({ "entries": entries, "sum": sum });
        }
    }
    Ok(ok(json!({ "account": account, "from": from, "to": to, "currencies": currencies })))
}

/// The caller's payouts as a host, and what they earned that is not paid out yet.
#[utoipa::path(get, path = "/api/v1/payouts", tag = "Payments", operation_id = "list_payouts",
    security(("bearerAuth" = [])),
    responses((status = 200, description = "`{payouts: [{id, currency, amount, status, reservations, createdAt}], pending: [{currency, amount, nextAvailableAt}]}`"),
        (status = 401, body = ErrorBody)))]
pub async fn payouts(AxumState(state): AxumState<Payments>, user: AuthUser) -> Result<Response, ApiError> {
    Ok(ok(state.payouts_of(&user).await?))
}

/// Where the caller is paid as a host: `{provider, account}` (`account` null until set).
#[utoipa::path(get, path = "/api/v1/payouts/account", tag = "Payments", operation_id = "get_payout_account",
    security(("bearerAuth" = [])),
    responses((status = 200, description = "`{provider, account, required}`"), (status = 401, body = ErrorBody)))]
pub async fn payout_account(AxumState(state): AxumState<Payments>, user: AuthUser) -> Result<Response, ApiError> {
    let account = state.payout_account(user.user_id).await?;
    Ok(ok(json!({ "provider": state.processor.name(), "account": account,
                  "required": state.processor.needs_payout_account() })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PayoutAccountIn {
    /// A Stripe Connect account id (`acct_…`) with Stripe, a PayPal e-mail address with PayPal.
    pub account: String,
}

/// Sets where the caller is paid as a host. Payouts wait until it is set when the processor
/// needs one (Stripe, PayPal).
#[utoipa::path(put, path = "/api/v1/payouts/account", tag = "Payments", operation_id = "set_payout_account",
    security(("bearerAuth" = [])), request_body = PayoutAccountIn,
    responses((status = 200, description = "`{provider, account}`"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)))]
pub async fn set_payout_account(
    AxumState(state): AxumState<Payments>,
    user: AuthUser,
    Json(body): Json<PayoutAccountIn>,
) -> Result<Response, ApiError> {
    Ok(ok(state.set_payout_account(&user, &body.account).await?))
}

/// Pays every host what is due now (administrators; it also runs hourly).
#[utoipa::path(post, path = "/api/v1/admin/payouts/run", tag = "Payments", operation_id = "run_payouts",
    security(("bearerAuth" = [])),
    responses((status = 200, description = "`{payouts}`: those made by this run"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn run_payouts(AxumState(state): AxumState<Payments>, user: AuthUser) -> Result<Response, ApiError> {
    if !user.is_admin() {
        return Err(ApiError::forbidden("Administrators only"));
    }
    let made = state.run_payouts().await?;
    Ok(ok(json!({ "payouts": made.iter().map(crate::payouts::payout_view).collect::<Vec<_>>() })))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// Start (RFC 3339 or `YYYY-MM-DD`, inclusive); default: 30 days before `to`.
    pub from: Option<String>,
    /// End (exclusive); default: now.
    pub to: Option<String>,
}

/// The caller and their request, for the audit log.
pub(crate) fn actor(user: &AuthUser, request: Option<axum::Extension<platform::http::RequestId>>) -> Actor {
    Actor { user: Some(user.user_id), request_id: request.map(|axum::Extension(r)| r.0) }
}

fn period(
    state: &Payments,
    user: &AuthUser,
    q: &PeriodQuery,
) -> Result<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>), ApiError> {
    if !user.is_admin() {
        return Err(ApiError::forbidden("Administrators only"));
    }
    let mut errors = Vec::new();
    let mut when = |field: &str, raw: Option<&str>| {
        raw.and_then(|r| {
            kernel::parse_day_or_instant(r).or_else(|| {
                errors.push(kernel::FieldError::new(field, "must be RFC 3339 or YYYY-MM-DD"));
                None
            })
        })
    };
    let to = when("to", q.to.as_deref()).unwrap_or_else(|| state.clock.now());
    let from = when("from", q.from.as_deref()).unwrap_or(to - chrono::Duration::days(30));
    if errors.is_empty() && (from >= to || to - from > chrono::Duration::days(3660)) {
        errors.push(kernel::FieldError::new("to", "must be after `from`, at most ten years later"));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok((from, to))
}

/// Money per currency over a period, from the ledger (administrators).
#[utoipa::path(get, path = "/api/v1/payment/stats", tag = "Payments", operation_id = "payment_stats",
    security(("bearerAuth" = [])), params(PeriodQuery),
    responses((status = 200, description = "`{from, to, currencies: [{currency, payments, gross, refunds, fees, net, payouts}]}`"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn stats(
    AxumState(state): AxumState<Payments>,
    user: AuthUser,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, ApiError> {
    let (from, to) = period(&state, &user, &q)?;
    let lines = crate::reports::lines(&state.db, from, to).await?;
    Ok(ok(json!({ "from": from, "to": to, "currencies": lines })))
}

/// The same report as CSV: `period_start,period_end,currency,payments,gross,fees,refunds,net,payouts`.
#[utoipa::path(get, path = "/api/v1/payment/reports/financial.csv", tag = "Payments", operation_id = "payment_report_csv",
    security(("bearerAuth" = [])), params(PeriodQuery),
    responses((status = 200, description = "text/csv", content_type = "text/csv"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn financial_csv(
    AxumState(state): AxumState<Payments>,
    user: AuthUser,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, ApiError> {
    let (from, to) = period(&state, &user, &q)?;
    let lines = crate::reports::lines(&state.db, from, to).await?;
    let body = crate::reports::csv(&lines, from, to);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (axum::http::header::CONTENT_DISPOSITION, "attachment; filename=\"financial-report.csv\""),
        ],
        body,
    )
        .into_response())
}

/// Every money movement, newest first (administrators): `{ entries: [{ at, action, subject,
/// reservationId, amount, currency, actorId, requestId }], pagination }`.
#[utoipa::path(get, path = "/api/v1/payment/audit", tag = "Payments", operation_id = "payment_audit_log",
    security(("bearerAuth" = [])), params(HistoryQuery),
    responses((status = 200, description = "`{entries, pagination}`"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn audit_log(
    AxumState(state): AxumState<Payments>,
    user: AuthUser,
    Query(q): Query<HistoryQuery>,
) -> Result<Response, ApiError> {
    if !user.is_admin() {
        return Err(ApiError::forbidden("Administrators only"));
    }
    let page = PageRequest::parse(&PageQuery { limit: q.limit, offset: q.offset, cursor: None })?;
    let offset = i64::try_from(page.offset).unwrap_or(i64::MAX);
    let entries = crate::audit::list(&state.db, i64::from(page.limit), offset).await?;
    Ok(ok(Page::new(entries, &page, None).keyed("entries")))
}
