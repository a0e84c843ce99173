//! The administrators' HTTP surface: `GET /api/v1/admin/audit` (entries, newest first, with
//! filters and a cursor) and `GET /api/v1/admin/audit/verify` (the chain's status). Both are
//! administrators only. Handlers parse and render.

use axum::extract::State as AxumState;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::AuthUser;
use platform::http::{Query, ok};
use serde::Deserialize;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::Category;
use crate::service::{self, Audit, DEFAULT_LIMIT, MAX_LIMIT};
use crate::store::Filter;

pub fn routes() -> OpenApiRouter<Audit> {
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(verify))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ListParams {
    /// `security`, `money` or `admin`.
    pub category: Option<String>,
    /// An action, e.g. `user.logged_in`, `payment.succeeded`, `booking.cancel`.
    pub action: Option<String>,
    /// Who did it (a user id).
    pub actor_id: Option<String>,
    /// What it was done to: `user`, `payment`, `refund`, `payout`, `booking`, `privacy_policy`…
    pub subject_type: Option<String>,
    /// Its id.
    pub subject_id: Option<String>,
    /// Events from this instant (RFC 3339) or day (`YYYY-MM-DD`, from its start, UTC).
    pub from: Option<String>,
    /// Events before this instant, or up to the end of this day (UTC).
    pub to: Option<String>,
    /// Entries per page, 1–200 (default 50).
    pub limit: Option<String>,
    /// `nextCursor` of the previous page.
    pub cursor: Option<String>,
}

/// A bound: an instant as is; a day from its start, or (`end`) to the start of the next day.
fn bound(raw: &str, end: bool) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(day) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        let day = if end { day.succ_opt()? } else { day };
        return day.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    }
    DateTime::parse_from_rfc3339(raw).ok().map(|t| t.with_timezone(&Utc))
}

/// A word of lowercase letters, digits, `_`, `.` and `-`, 1 to `max` long.
fn word(raw: &str, max: usize) -> bool {
    (1..=max).contains(&raw.len())
        && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

impl ListParams {
    /// The filter and page size; every bad value named at once.
    fn parse(self) -> Result<(Filter, u32), ApiError> {
        let mut errors = Vec::new();
        let mut f = Filter::default();
        let mut bad = |field: &str, message: &str| errors.push(FieldError::new(field, message));
        let given = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        if let Some(raw) = given(self.category) {
            f.category = Category::parse(&raw);
            if f.category.is_none() {
                bad("category", "must be security, money or admin");
            }
        }
        if let Some(raw) = given(self.action) {
            if !word(&raw, 64) {
                bad("action", "must be an action such as user.logged_in (at most 64 characters)");
            }
            f.action = Some(raw);
        }
        if let Some(raw) = given(self.actor_id) {
            f.actor_id = raw.parse().ok();
            if f.actor_id.is_none() {
                bad("actorId", "must be a user id");
            }
        }
        if let Some(raw) = given(self.subject_type) {
            if !word(&raw, 32) {
                bad("subjectType", "must be a type such as user or payment (at most 32 characters)");
            }
            f.subject_type = Some(raw);
        }
        if let Some(raw) = given(self.subject_id) {
            if raw.chars().count() > 128 {
                bad("subjectId", "must be at most 128 characters");
            }
            f.subject_id = Some(raw);
        }
        for (field, raw, end) in [("from", given(self.from), false), ("to", given(self.to), true)] {
            let Some(raw) = raw else { continue };
            let at = bound(&raw, end);
            if at.is_none() {
                bad(field, "must be an RFC 3339 instant or a YYYY-MM-DD date");
            }
            if end { f.to = at } else { f.from = at }
        }
        if let (Some(from), Some(to)) = (f.from, f.to)
            && to <= from
        {
            bad("to", "must be after from");
        }
        let limit = match given(self.limit) {
            None => DEFAULT_LIMIT,
            Some(raw) => raw.parse::<u32>().ok().filter(|n| (1..=MAX_LIMIT).contains(n)).unwrap_or_else(|| {
                bad("limit", &format!("must be an integer from 1 to {MAX_LIMIT}"));
                DEFAULT_LIMIT
            }),
        };
        if let Some(raw) = given(self.cursor) {
            match service::decode_cursor(&raw) {
                Ok(seq) => f.before = Some(seq),
                Err(_) => bad("cursor", "is not a valid cursor"),
            }
        }
        if errors.is_empty() { Ok((f, limit)) } else { Err(ApiError::validation(errors)) }
    }
}

/// The audit log, newest first: security and money events and administrators' actions, each
/// with its place in the hash chain. Administrators only.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "Audit", operation_id = "list_audit_entries",
    security(("bearerAuth" = [])), params(ListParams),
    responses((status = 200, description = "`{entries: [{seq, id, at, recordedAt, category, action, actorId, subjectType, \
        subjectId, amount, currency, ip, sourceEventId, detail, prevHash, hash}], pagination: {limit, nextCursor}}`"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    AxumState(state): AxumState<Audit>,
    user: AuthUser,
    Query(params): Query<ListParams>,
) -> Result<Response, ApiError> {
    user.require_admin()?;
    let (filter, limit) = params.parse()?;
    let page = state.list(&filter, limit).await?;
    Ok(ok(json!({"entries": page.entries, "pagination": {"limit": limit, "nextCursor": page.next_cursor}})))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct VerifyParams {
    /// A head recorded earlier, `SEQ:HASH` as verify answers it: the chain must still hold it.
    known_head: Option<String>,
}

/// Verifies the whole chain now (as `sojourn audit verify` does): `ok`, the entries checked,
/// the head and the anchor, and the first problem if any. Administrators only.
#[utoipa::path(get, path = "/api/v1/admin/audit/verify", tag = "Audit", operation_id = "verify_audit_chain",
    params(VerifyParams), security(("bearerAuth" = [])),
    responses((status = 200, description = "`{ok, entries, head: {seq, hash}, anchor: {seq, hash}, problem: {seq, kind, message} | null}`"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn verify(
    AxumState(state): AxumState<Audit>,
    user: AuthUser,
    Query(params): Query<VerifyParams>,
) -> Result<Response, ApiError> {
    user.require_admin()?;
    let known = match params.known_head.as_deref() {
        Some(raw) => Some(crate::Position::parse(raw).ok_or_else(|| {
            ApiError::validation(vec![FieldError::new("knownHead", "must be SEQ:HASH (a 64-digit hex SHA-256)")])
        })?),
        None => None,
    };
    Ok(ok(state.verify(known.as_ref()).await?))
}
