//! DreamScape's admin payments routes (`/api/v1/admin/payments`, its rows M19–M21), for
//! administrators only.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::AuthUser;
use platform::http::{Json, Path, Query, ok};
use serde::Deserialize;

use super::admin::PageAt;
use super::transactions::{Filter, STATUSES, sort_column};
use crate::service::Payments;

/// DreamScape's list parameters. Empty values mean "no filter", as when the client leaves one
/// blank.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct AdminPaymentsQuery {
    /// From 1 (default 1).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100000)]
    pub page: Option<String>,
    /// 1–100 (default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// Part of the booking reference or of the payment id (any case).
    #[param(max_length = 100)]
    pub search: Option<String>,
    /// DreamScape's PaymentTransactionStatus.
    #[param(pattern = "^(|PENDING|PROCESSING|SUCCEEDED|FAILED|CANCELED|REFUNDED)$")]
    pub status: Option<String>,
    /// Created at or after (RFC 3339 or `YYYY-MM-DD`).
    #[param(pattern = "^$|^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]+(Z|z|[+-][0-9]{2}:?[0-9]{2})?)?$")]
    pub start_date: Option<String>,
    /// Created before this instant, or up to the end of this day (`YYYY-MM-DD`).
    #[param(pattern = "^$|^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]+(Z|z|[+-][0-9]{2}:?[0-9]{2})?)?$")]
    pub end_date: Option<String>,
    /// At least this much, in major units (`99.5`).
    #[param(pattern = "^$|^[0-9]{1,12}(\\.[0-9]{1,6})?$")]
    pub min_amount: Option<String>,
    /// At most this much, in major units.
    #[param(pattern = "^$|^[0-9]{1,12}(\\.[0-9]{1,6})?$")]
    pub max_amount: Option<String>,
    /// Default `createdAt`. `amount` sorts by minor units.
    #[param(pattern = "^(|createdAt|updatedAt|amount|status|currency|paymentIntentId|id|bookingReference)$")]
    pub sort_by: Option<String>,
    /// `asc` or `desc` (default).
    #[param(pattern = "^(|asc|desc|ASC|DESC)$")]
    pub sort_order: Option<String>,
}

/// A whole number in `range`, written with digits only.
fn number(
    raw: Option<&str>,
    field: &str,
    range: std::ops::RangeInclusive<i64>,
    default: i64,
    e: &mut Vec<FieldError>,
) -> i64 {
    let Some(raw) = raw else { return default };
    let parsed = raw.bytes().all(|b| b.is_ascii_digit()).then(|| raw.parse::<i64>().ok()).flatten();
    parsed.filter(|n| range.contains(n)).unwrap_or_else(|| {
        e.push(FieldError::new(field, format!("must be a whole number from {} to {}", range.start(), range.end())));
        default
    })
}

/// A filter's value; an empty one is no filter. Values are taken exactly as sent.
fn given(raw: Option<&str>) -> Option<&str> {
    raw.filter(|s| !s.is_empty())
}

/// `YYYY-MM-DD`, or that followed by `T` (or a space), a time, and an optional zone: the
/// parameters' documented pattern, checked before the value is read.
fn day_or_instant_shape(raw: &str) -> bool {
    let b = raw.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    if !(digits(0..4) && b.get(4) == Some(&b'-') && digits(5..7) && b.get(7) == Some(&b'-') && digits(8..10)) {
        return false;
    }
    if b.len() == 10 {
        return true;
    }
    if !matches!(b[10], b'T' | b' ') {
        return false;
    }
    let mut time = &b[11..];
    if let Some((last, rest)) = time.split_last()
        && matches!(last, b'Z' | b'z')
    {
        time = rest;
    } else if time.len() >= 6 {
        let zone = |z: &[u8]| {
            matches!(z[0], b'+' | b'-')
                && z[1..].iter().enumerate().all(|(i, c)| c.is_ascii_digit() || (z.len() == 6 && i == 2 && *c == b':'))
        };
        for width in [6, 5] {
            if time.len() > width && zone(&time[time.len() - width..]) {
                time = &time[..time.len() - width];
                break;
            }
        }
    }
    !time.is_empty() && time.iter().all(|c| c.is_ascii_digit() || matches!(c, b':' | b'.'))
}

impl AdminPaymentsQuery {
    /// The filter and page asked for; every bad value named in one `400`.
    pub fn parse(&self) -> Result<(Filter, PageAt), ApiError> {
        let mut e = Vec::new();
        let page = number(self.page.as_deref(), "page", 1..=100_000, 1, &mut e);
        let limit = number(self.limit.as_deref(), "limit", 1..=100, 20, &mut e);
        let search = given(self.search.as_deref()).and_then(|s| {
            if s.chars().count() > 100 {
                e.push(FieldError::new("search", "must be at most 100 characters"));
                return None;
            }
            Some(s.trim().to_lowercase()).filter(|s| !s.is_empty())
        });
        let status = given(self.status.as_deref()).and_then(|s| {
            STATUSES.iter().copied().find(|x| *x == s).or_else(|| {
                e.push(FieldError::new("status", format!("must be one of {}", STATUSES.join(", "))));
                None
            })
        });
        let mut instant = |raw: Option<&str>, field: &str, end: bool| {
            let raw = given(raw)?;
            match kernel::parse_day_or_instant(raw).filter(|_| day_or_instant_shape(raw)) {
                Some(t) if end && raw.len() == 10 => Some(t + chrono::Duration::days(1)),
                Some(t) => Some(t),
                None => {
                    e.push(FieldError::new(field, "must be RFC 3339 or YYYY-MM-DD"));
                    None
                }
            }
        };
        let from = instant(self.start_date.as_deref(), "startDate", false);
        let to = instant(self.end_date.as_deref(), "endDate", true);
        let mut amount = |raw: Option<&str>, field: &str| {
            let parsed = decimal(given(raw)?);
            if parsed.is_none() {
                e.push(FieldError::new(field, "must be a non-negative number of major units"));
            }
            parsed
        };
        let min_amount = amount(self.min_amount.as_deref(), "minAmount");
        let max_amount = amount(self.max_amount.as_deref(), "maxAmount");
        let sort = match given(self.sort_by.as_deref()) {
            None => "i.created_at",
            Some(s) => sort_column(s).unwrap_or_else(|| {
                e.push(FieldError::new(
                    "sortBy",
                    "must be createdAt, updatedAt, amount, status, currency, paymentIntentId or bookingReference",
                ));
                "i.created_at"
            }),
        };
        let descending = match given(self.sort_order.as_deref()) {
            None | Some("desc" | "DESC") => true,
            Some("asc" | "ASC") => false,
            Some(_) => {
                e.push(FieldError::new("sortOrder", "must be asc or desc"));
                true
            }
        };
        if !e.is_empty() {
            return Err(ApiError::validation(e));
        }
        Ok((Filter { search, status, from, to, min_amount, max_amount, sort, descending }, PageAt { page, limit }))
    }
}

/// `12`, `12.5`: a non-negative decimal of at most 12 integer and 6 fractional digits.
fn decimal(raw: &str) -> Option<f64> {
    let (whole, frac) = raw.split_once('.').unwrap_or((raw, ""));
    let digits = |s: &str, max: usize| s.len() <= max && s.bytes().all(|b| b.is_ascii_digit());
    let ok = !whole.is_empty() && digits(whole, 12) && digits(frac, 6) && !(raw.contains('.') && frac.is_empty());
    ok.then(|| raw.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_amounts_follow_the_documented_patterns() {
        for good in ["2030-01-02", "2030-01-02T10:00:00Z", "2030-01-02T10:00:00.123+01:00", "2030-01-02 10:00:00-0500"]
        {
            assert!(day_or_instant_shape(good), "{good}");
        }
        for bad in
            [" 2030-01-02", "2030-01-02 ", "2030-1-02", "2030-01-02t10:00:00Z", "2030-01-02T", "2030-01-02TZ", "x"]
        {
            assert!(!day_or_instant_shape(bad), "{bad}");
        }
        assert_eq!(decimal("12.5"), Some(12.5));
        for bad in ["-1", "1.", ".5", "1e3", " 1", "+1", "1.1234567"] {
            assert_eq!(decimal(bad), None, "{bad}");
        }
    }
}

/// DreamScape's payment transactions, newest first (administrators): `{payments, pagination:
/// {page, limit, total, totalPages}}`. `amount` is a number in major units; `user` carries the
/// id only (payments does not hold users' names or e-mail addresses).
#[utoipa::path(get, path = "/api/v1/admin/payments", tag = "Admin payments", operation_id = "admin_list_payments",
    security(("bearerAuth" = [])), params(AdminPaymentsQuery),
    responses((status = 200, description = "`{payments: [{id, paymentIntentId, bookingId, bookingReference, userId, amount, currency, status, paymentMethod, failureReason, createdAt, confirmedAt, failedAt, refundedAt, user}], pagination}`"),
        (status = 400, description = "a bad filter, page or `sortBy`", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "not an administrator", body = ErrorBody)))]
pub async fn list(
    AxumState(state): AxumState<Payments>,
    user: AuthUser,
    Query(q): Query<AdminPaymentsQuery>,
) -> Result<Response, ApiError> {
    super::admin::admin_only(&user)?;
    let (filter, at) = q.parse()?;
    Ok(ok(state.admin_payments(&user, &filter, at).await?))
}

/// One payment transaction (administrators): the list's fields, its `metadata`, and its
/// `booking` `{id, reference, type, status, totalAmount, currency, createdAt}` as booking's
/// events told payments (`null` when they have not; `type` is null where DreamScape has no
/// equivalent).
#[utoipa::path(get, path = "/api/v1/admin/payments/{id}", tag = "Admin payments", operation_id = "admin_get_payment",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "The payment's id (`pi_…`)")),
    responses((status = 200, description = "the payment with `metadata` and `booking`"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`Payment not found`", body = ErrorBody)))]
pub async fn get(
    AxumState(state): AxumState<Payments>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(ok(state.admin_payment(&user, &id).await?))
}

/// DreamScape's body of a status change.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct StatusIn {
    #[schema(value_type = String, required = true, pattern = "^(PENDING|SUCCEEDED|FAILED|REFUNDED)$")]
    pub status: Option<String>,
}

/// Changes a payment's status as far as it is safe (administrators): `FAILED` cancels a payment
/// not made yet at the processor; `REFUNDED` refunds what a captured payment has left, through
/// the refund flow; the payment's own status changes nothing. Every other change would set the
/// ledger and the processor apart: `409 invalid_state`.
#[utoipa::path(put, path = "/api/v1/admin/payments/{id}/status", tag = "Admin payments", operation_id = "admin_set_payment_status",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "The payment's id (`pi_…`)")),
    request_body = StatusIn,
    responses((status = 200, description = "the payment as the list shows it"),
        (status = 400, description = "`Status is required` (checked first), `Invalid status` (after 404)", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 402, description = "the processor refused the refund", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "`Payment not found`", body = ErrorBody),
        (status = 409, description = "`invalid_state`: a change that is not safe", body = ErrorBody),
        (status = 503, description = "the processor cannot be reached", body = ErrorBody)))]
pub async fn set_status(
    AxumState(state): AxumState<Payments>,
    user: AuthUser,
    request: Option<axum::Extension<platform::http::RequestId>>,
    Path(id): Path<String>,
    Json(body): Json<StatusIn>,
) -> Result<Response, ApiError> {
    let actor = crate::http::actor(&user, request);
    Ok(ok(state.admin_set_status(&user, &id, body.status.as_deref(), &actor).await?))
}
