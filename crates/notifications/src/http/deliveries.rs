//! The delivery log: every email, SMS and push queued for a reader, with its status (pending,
//! sent, failed with the reason, cancelled), attempts and times. Readers see their own
//! (`/api/v1/users/notifications/deliveries`), administrators anyone's or all
//! (`/api/v1/admin/notifications/deliveries`). Newest first, cursor-paginated.

use axum::extract::State as AxumState;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::AuthUser;
use platform::http::{Query, ok};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::State;
use crate::delivery::store::{self, Delivery, LogFilter};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    /// The inbox notice it carries, if it is in the inbox.
    pub notification_id: Option<Uuid>,
    /// `email`, `sms` or `push`.
    pub channel: String,
    /// The email template, or the notice type an SMS or push carries.
    pub template: String,
    /// The preference type it follows; `null` for transactional messages.
    #[serde(rename = "type")]
    pub topic: Option<String>,
    /// Address, phone number or push subscription id.
    pub recipient: String,
    /// `pending`, `sent`, `failed` or `cancelled`.
    pub status: String,
    pub attempts: i64,
    /// Why the last attempt failed (or why it was cancelled).
    pub last_error: Option<String>,
    /// The provider's id of what was sent (Twilio's message SID, a push service's location).
    pub provider_ref: Option<String>,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When it stops being retried.
    pub give_up_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        let pending = d.status == "pending";
        DeliveryView {
            id: d.id,
            user_id: d.user_id,
            notification_id: d.notification_id,
            channel: d.channel,
            template: d.template,
            topic: d.topic,
            recipient: d.recipient,
            status: d.status,
            attempts: d.attempts,
            last_error: d.last_error,
            provider_ref: d.provider_ref,
            next_attempt_at: pending.then_some(d.not_before),
            give_up_at: d.give_up_at,
            created_at: d.created_at,
            updated_at: d.updated_at,
            sent_at: d.sent_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryPage {
    pub items: Vec<DeliveryView>,
    /// Pass as `cursor` for the next (older) page; `null` at the end.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct LogQuery {
    /// `email`, `sms` or `push`.
    pub channel: Option<String>,
    /// `pending`, `sent`, `failed` or `cancelled`.
    pub status: Option<String>,
    /// 1–100 (default 20).
    #[param(value_type = Option<u32>)]
    pub limit: Option<String>,
    /// `nextCursor` of the previous page.
    pub cursor: Option<String>,
    /// Administrators only: one user's deliveries.
    #[param(value_type = Option<String>)]
    pub user_id: Option<String>,
}

struct Parsed<'a> {
    filter: LogFilter<'a>,
    limit: u32,
}

fn parse(q: &LogQuery) -> Result<Parsed<'_>, ApiError> {
    let mut errors = Vec::new();
    let channel = q.channel.as_deref();
    if let Some(c) = channel
        && !["email", "sms", "push"].contains(&c)
    {
        errors.push(FieldError::new("channel", "must be email, sms or push"));
    }
    let status = q.status.as_deref();
    if let Some(s) = status
        && !["pending", "sent", "failed", "cancelled"].contains(&s)
    {
        errors.push(FieldError::new("status", "must be pending, sent, failed or cancelled"));
    }
    let limit = match q.limit.as_deref().map(str::parse::<u32>) {
        None => 20,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => {
            errors.push(FieldError::new("limit", "must be an integer from 1 to 100"));
            20
        }
    };
    let before = match q.cursor.as_deref() {
        None => None,
        Some(raw) => {
            let decoded = decode_cursor(raw);
            if decoded.is_none() {
                errors.push(FieldError::new("cursor", "is not a cursor this list gave"));
            }
            decoded
        }
    };
    let user_id = match q.user_id.as_deref() {
        None => None,
        Some(raw) => {
            let id = Uuid::try_parse(raw.trim()).ok();
            if id.is_none() {
                errors.push(FieldError::new("userId", "must be a user id"));
            }
            id
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(Parsed { filter: LogFilter { user_id, channel, status, before }, limit })
}

fn encode_cursor(d: &DeliveryView) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{}", d.created_at.to_rfc3339(), d.id))
}

fn decode_cursor(raw: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw.trim()).ok()?).ok()?;
    let (at, id) = text.split_once('|')?;
    Some((DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc), Uuid::try_parse(id).ok()?))
}

async fn page(state: &State, parsed: Parsed<'_>) -> Result<Response, ApiError> {
    let rows = store::log(&state.db, parsed.filter, parsed.limit + 1).await?;
    let more = rows.len() > parsed.limit as usize;
    let items: Vec<DeliveryView> = rows.into_iter().take(parsed.limit as usize).map(DeliveryView::from).collect();
    let next_cursor = if more { items.last().map(encode_cursor) } else { None };
    Ok(ok(DeliveryPage { items, next_cursor }))
}

/// The caller's delivery log: what was sent to them by email, SMS and push, and what failed.
#[utoipa::path(get, path = "/api/v1/users/notifications/deliveries", tag = "Notifications", operation_id = "list_my_notification_deliveries",
    security(("bearerAuth" = [])),
    params(LogQuery),
    responses((status = 200, body = DeliveryPage),
        (status = 400, description = "`validation_failed`: channel, status, limit or cursor", body = ErrorBody),
        (status = 401, body = ErrorBody)))]
pub async fn mine(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<LogQuery>,
) -> Result<Response, ApiError> {
    let mut parsed = parse(&q)?;
    // A user's own log, whatever `userId` says.
    parsed.filter.user_id = Some(user.user_id);
    page(&state, parsed).await
}

/// Every delivery, or one user's (`userId`): administrators only.
#[utoipa::path(get, path = "/api/v1/admin/notifications/deliveries", tag = "Notifications", operation_id = "list_notification_deliveries",
    security(("bearerAuth" = [])),
    params(LogQuery),
    responses((status = 200, body = DeliveryPage),
        (status = 400, description = "`validation_failed`: channel, status, limit, cursor or userId", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn admin(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<LogQuery>,
) -> Result<Response, ApiError> {
    user.require_admin()?;
    let parsed = parse(&q)?;
    page(&state, parsed).await
}
