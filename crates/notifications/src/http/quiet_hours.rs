//! Quiet hours: the caller's window (on their own clock) during which SMS and push wait.
//! Email is never held. Until set, the deployment's defaults apply (22:00–08:00).

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::AuthUser;
use platform::http::{Json, ok, ok_with_message};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::State;
use crate::delivery::fanout::quiet_hours;
use crate::store;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuietHoursView {
    pub enabled: bool,
    /// `HH:MM` on the caller's clock.
    pub start: String,
    pub end: String,
    /// The IANA zone they are read in (`null`: UTC, until the profile or this setting names one).
    pub timezone: Option<String>,
}

fn hhmm(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

async fn view(state: &State, user: uuid::Uuid) -> Result<QuietHoursView, ApiError> {
    let reader = store::reader(&state.db, user).await?;
    let q = quiet_hours(&state.pipeline, &reader);
    Ok(QuietHoursView { enabled: q.enabled, start: hhmm(q.start), end: hhmm(q.end), timezone: reader.timezone })
}

/// The caller's quiet hours.
#[utoipa::path(get, path = "/api/v1/users/notification-preferences/quiet-hours", tag = "NotificationPreferences", operation_id = "get_notification_quiet_hours",
    security(("bearerAuth" = [])),
    responses((status = 200, body = QuietHoursView), (status = 401, body = ErrorBody)))]
pub async fn get_quiet_hours(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    Ok(ok(view(&state, user.user_id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuietHoursIn {
    pub enabled: bool,
    /// `HH:MM`.
    pub start: String,
    /// `HH:MM`; before `start` means the next morning.
    pub end: String,
    /// IANA zone (e.g. `Europe/Paris`); absent keeps the profile's.
    pub timezone: Option<String>,
}

/// Sets the caller's quiet hours.
#[utoipa::path(put, path = "/api/v1/users/notification-preferences/quiet-hours", tag = "NotificationPreferences", operation_id = "put_notification_quiet_hours",
    security(("bearerAuth" = [])),
    request_body = QuietHoursIn,
    responses((status = 200, body = QuietHoursView),
        (status = 400, description = "`validation_failed`: `start`, `end` (HH:MM) or `timezone` (IANA name)", body = ErrorBody),
        (status = 401, body = ErrorBody)))]
pub async fn put_quiet_hours(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<QuietHoursIn>,
) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    let start = platform::config::minutes_of(body.start.trim());
    if start.is_none() {
        errors.push(FieldError::new("start", "must be a time HH:MM"));
    }
    let end = platform::config::minutes_of(body.end.trim());
    if end.is_none() {
        errors.push(FieldError::new("end", "must be a time HH:MM"));
    }
    let zone = body.timezone.as_deref().map(str::trim);
    if let Some(z) = zone
        && z.parse::<chrono_tz::Tz>().is_err()
    {
        errors.push(FieldError::new("timezone", "must be an IANA time zone such as Europe/Paris"));
    }
    let (Some(start), Some(end)) = (start, end) else { return Err(ApiError::validation(errors)) };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut tx = state.db.begin().await?;
    store::set_quiet_hours(&mut tx, user.user_id, body.enabled, start, end, zone).await?;
    tx.commit().await?;
    Ok(ok_with_message(view(&state, user.user_id).await?, "Quiet hours updated"))
}
