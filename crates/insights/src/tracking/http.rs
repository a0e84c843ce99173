//! Tracking's HTTP surface: the batch endpoint clients post to, and the administrators'
//! summary and job trigger. Handlers read the request (headers, cookie, body within its
//! limit), call the service and render.

use axum::body::Body;
use axum::extract::{Request, State as AxumState};
use axum::http::header::{CONTENT_LENGTH, COOKIE, SET_COOKIE, USER_AGENT};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, Envelope, ErrorBody, ErrorCode, FieldError};
use platform::auth::{AuthUser, MaybeAuthUser};
use platform::http::{ClientIp, Query, TrustForwardedFor, ok};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::domain::{Consent, MAX_BODY_BYTES};
use super::service::{Outcome, Visit, period};

pub type State = crate::service::Insights;

/// The first-party visitor cookie.
pub const VISITOR_COOKIE: &str = "sj_vid";
/// The visitor id header (apps that keep their own id instead of the cookie).
pub const VISITOR_HEADER: &str = "x-visitor-id";
/// An anonymous visitor's answer to the cookie banner: `granted` or `denied`.
pub const CONSENT_HEADER: &str = "x-analytics-consent";
/// One year, in seconds.
const COOKIE_MAX_AGE: u64 = 365 * 24 * 3600;

pub fn routes() -> OpenApiRouter<State> {
    OpenApiRouter::new().routes(routes!(ingest)).routes(routes!(summary)).routes(routes!(run_jobs))
}

/// A batch of tracked events (documentation of the body; it is read by hand).
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct TrackBatch {
    /// 0 to 100 events.
    pub events: Vec<TrackedEvent>,
    /// `granted` or `denied`: an anonymous visitor's answer (as `X-Analytics-Consent`).
    pub consent: Option<String>,
}

/// One tracked event.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct TrackedEvent {
    /// A UUID the client generated: the same event sent again is stored once.
    pub id: Uuid,
    /// `page_view`, `listing_view`, `search` or `click`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The client's time (RFC 3339); more than 24 h in the past or 5 min in the future: the
    /// server's time instead.
    pub at: String,
    /// Up to 2000 characters.
    pub path: Option<String>,
    /// Required for `listing_view`.
    pub listing_id: Option<Uuid>,
    /// A search's text, up to 200 characters.
    pub query: Option<String>,
    /// What was clicked, up to 200 characters.
    pub target: Option<String>,
    /// Up to 2000 characters.
    pub referrer: Option<String>,
    /// A flat object (strings, numbers, booleans, null), up to 2 KiB.
    #[schema(value_type = Option<Object>)]
    pub props: Option<Value>,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty())
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.trim().to_owned())
}

/// Who sends the batch. A malformed `X-Visitor-Id` or `X-Analytics-Consent` is a 400; a
/// malformed cookie is replaced.
fn visit(headers: &HeaderMap, user: Option<Uuid>) -> Result<Visit, ApiError> {
    let mut errors = Vec::new();
    let visitor = match header(headers, VISITOR_HEADER) {
        Some(raw) => {
            raw.parse::<Uuid>().map_err(|_| errors.push(FieldError::new("X-Visitor-Id", "must be a UUID"))).ok()
        }
        None => cookie(headers, VISITOR_COOKIE).and_then(|v| v.parse::<Uuid>().ok()),
    };
    let consent = header(headers, CONSENT_HEADER).and_then(|raw| {
        let parsed = Consent::parse(raw);
        if parsed.is_none() {
            errors.push(FieldError::new("X-Analytics-Consent", "must be granted or denied"));
        }
        parsed
    });
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(Visit { user, visitor, consent, user_agent: header(headers, USER_AGENT.as_str()).map(str::to_owned) })
}

fn too_large() -> ApiError {
    ApiError::from_code(ErrorCode::PayloadTooLarge, format!("A batch is at most {MAX_BODY_BYTES} bytes"))
}

/// The body, refused with 413 past [`MAX_BODY_BYTES`] (without reading more than that).
async fn read_body(headers: &HeaderMap, body: Body) -> Result<axum::body::Bytes, ApiError> {
    let declared = header(headers, CONTENT_LENGTH.as_str()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, MAX_BODY_BYTES).await.map_err(|_| too_large())
}

/// Whether the request reached us over HTTPS, as a trusted proxy says (`X-Forwarded-Proto`).
fn forwarded_https(request: &Request) -> bool {
    let trusted = request.extensions().get::<TrustForwardedFor>().is_some_and(|t| t.0);
    trusted
        && header(request.headers(), "x-forwarded-proto")
            .and_then(|v| v.split(',').next())
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
}

fn visitor_cookie(visitor: Uuid, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{VISITOR_COOKIE}={visitor}; HttpOnly; SameSite=Lax; Path=/; Max-Age={COOKIE_MAX_AGE}{secure}"
    ))
    .ok()
}

fn render(outcome: &Outcome) -> Value {
    let mut out = json!({"accepted": outcome.accepted, "duplicates": outcome.duplicates, "rejected": outcome.rejected});
    if outcome.dropped > 0 {
        out["dropped"] = json!(outcome.dropped);
    }
    if let Some(visitor) = outcome.visitor {
        out["visitorId"] = json!(visitor);
    }
    out
}

/// Track events: a batch of page views, listing views, searches and clicks. Anonymous
/// callers are welcome (a first-party visitor id is kept in the `sj_vid` cookie, or sent as
/// `X-Visitor-Id`); nothing is kept without consent (a signed-in user's `analytics` consent;
/// for anonymous visitors `X-Analytics-Consent: granted` or `"consent": "granted"`) or from
/// robots (`dropped`). Invalid events are refused one by one in `rejected`.
#[utoipa::path(post, path = "/api/v1/analytics/events", tag = "Analytics", operation_id = "track_events",
    request_body(content = TrackBatch, description = "At most 100 events and 64 KiB; any Content-Type (sendBeacon sends text/plain)"),
    params(("X-Visitor-Id" = Option<String>, Header, description = "The visitor id (UUID) instead of the cookie"),
        ("X-Analytics-Consent" = Option<String>, Header, description = "`granted` or `denied` (anonymous visitors)")),
    responses((status = 202, description = "`{accepted, duplicates, rejected: [{index, errors}], dropped?, visitorId?}`; \
            `Set-Cookie: sj_vid` when a visitor id was minted"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn ingest(
    AxumState(state): AxumState<State>,
    MaybeAuthUser(user): MaybeAuthUser,
    ip: ClientIp,
    request: Request,
) -> Result<Response, ApiError> {
    let visit = visit(request.headers(), user.map(|u| u.user_id))?;
    state.admit_batch(&ip.label(), visit.visitor).await?;
    let secure = state.tracking.cookie_secure || forwarded_https(&request);
    let (parts, body) = request.into_parts();
    let body = read_body(&parts.headers, body).await?;
    let outcome = state.track(&visit, &body).await?;
    let mut response = (StatusCode::ACCEPTED, Envelope::ok(render(&outcome))).into_response();
    if let (true, Some(visitor)) = (outcome.minted, outcome.visitor)
        && let Some(cookie) = visitor_cookie(visitor, secure)
    {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    Ok(response)
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct SummaryParams {
    /// First day, `YYYY-MM-DD` (default: 29 days before `to`).
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last day, included (default: today, UTC). At most 731 days.
    #[param(format = Date)]
    pub to: Option<String>,
    /// One listing: its views by local day and hour in `hours`.
    pub listing_id: Option<String>,
}

/// Tracked events over a period: counts by type and distinct visitors (UTC days), server-side
/// searches (UTC days), the 100 most viewed listings (their local days). Administrators only.
#[utoipa::path(get, path = "/api/v1/admin/analytics/tracked/summary", tag = "Analytics admin",
    operation_id = "tracked_events_summary", security(("bearerAuth" = [])), params(SummaryParams),
    responses((status = 200, description = "`{from, to, events: {page_view, listing_view, search, click}, total, visitors, \
            searches, listings: [{listingId, views}], listingId?, hours?: [{day, hour, views}]}`"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn summary(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(params): Query<SummaryParams>,
) -> Result<Response, ApiError> {
    user.require_admin()?;
    let today = state.clock.now().date_naive();
    let listing = match params.listing_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => Some(
            raw.parse::<Uuid>()
                .map_err(|_| ApiError::validation(vec![FieldError::new("listingId", "must be a UUID")]))?,
        ),
    };
    let (from, to) = period(params.from.as_deref(), params.to.as_deref(), today)?;
    Ok(ok(state.tracked_summary(from, to, listing).await?))
}

/// Runs insights' scheduled work now: the retention sweep of raw tracked events and the
/// ranking of the top-list windows (every one, due or not): `{purged, topWindowsRanked}`.
/// Administrators only.
#[utoipa::path(post, path = "/api/v1/admin/analytics/jobs/run", tag = "Analytics admin",
    operation_id = "run_analytics_jobs", security(("bearerAuth" = [])),
    responses((status = 200, description = "`{purged, topWindowsRanked}`: raw tracked events deleted, windows ranked"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn run_jobs(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    user.require_admin()?;
    let purged = state.purge_tracked().await?;
    let ranked = state.refresh_top_lists(true).await?;
    Ok(ok(json!({"purged": purged, "topWindowsRanked": ranked})))
}
