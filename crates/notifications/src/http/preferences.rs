//! The caller's notification preferences in DreamScape's shape: 7 keys, each
//! `{ inApp, email }`. They are a view of Sojourn's type × channel grid (see `channels`), so a
//! change through either shows in the other.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody};
use platform::auth::AuthUser;
use platform::http::{Json, ok, ok_with_message};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::State;
use crate::domain::dreamscape::{INVALID_PREFERENCES, parse_preferences};
use crate::domain::{Channel, Preferences, Topic};
use crate::service;

/// One type's channels in DreamScape's shape.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DsChannels {
    /// Into the inbox.
    pub in_app: bool,
    pub email: bool,
}

/// DreamScape's notification preferences: exactly these 7 keys. As a request body every key
/// and both booleans are required; other keys are ignored.
#[derive(Debug, Serialize, ToSchema)]
pub struct DsPreferences {
    /// Booking updates: confirmations, requests, declines and expiries (Sojourn's `booking_confirmation`).
    pub booking_confirmed: DsChannels,
    pub booking_cancelled: DsChannels,
    pub payment_succeeded: DsChannels,
    pub payment_failed: DsChannels,
    pub refund_processed: DsChannels,
    /// Offers (Sojourn's `promotions`); e-mail off by default.
    pub promo_offer: DsChannels,
    /// Platform news; e-mail off by default.
    pub platform_update: DsChannels,
}

impl From<&Preferences> for DsPreferences {
    fn from(p: &Preferences) -> Self {
        let of = |topic: Topic| {
            let c = p.get(topic);
            DsChannels { in_app: c.channel(Channel::InApp), email: c.channel(Channel::Email) }
        };
        DsPreferences {
            booking_confirmed: of(Topic::BookingConfirmation),
            booking_cancelled: of(Topic::BookingCancelled),
            payment_succeeded: of(Topic::PaymentSucceeded),
            payment_failed: of(Topic::PaymentFailed),
            refund_processed: of(Topic::RefundProcessed),
            promo_offer: of(Topic::Promotions),
            platform_update: of(Topic::PlatformUpdate),
        }
    }
}

/// The caller's notification preferences (DreamScape's defaults when never changed).
#[utoipa::path(get, path = "/api/v1/users/notification-preferences", tag = "NotificationPreferences", operation_id = "get_notification_preferences",
    security(("bearerAuth" = [])),
    responses((status = 200, description = "Preferences", body = DsPreferences), (status = 401, body = ErrorBody)))]
pub async fn get_preferences(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let prefs = service::preferences(&state.db, user.user_id).await?;
    Ok(ok(DsPreferences::from(&prefs)))
}

/// Replace the 7 preferences. Values sent back unchanged keep following the defaults.
#[utoipa::path(put, path = "/api/v1/users/notification-preferences", tag = "NotificationPreferences", operation_id = "put_notification_preferences",
    security(("bearerAuth" = [])),
    request_body = DsPreferences,
    responses((status = 200, description = "The preferences after the change", body = DsPreferences),
        (status = 400, description = "`validation_failed` with DreamScape's message: a key missing, not an object, or `inApp`/`email` not a boolean (`details` names each)", body = ErrorBody),
        (status = 401, body = ErrorBody)))]
pub async fn put_preferences(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let wanted = parse_preferences(&body)
        .map_err(|errors| ApiError::new(400, "validation_failed", INVALID_PREFERENCES).with_details(errors))?;
    let prefs = service::change_preferences(&state.db, user.user_id, wanted, true, state.clock.now()).await?;
    Ok(ok_with_message(DsPreferences::from(&prefs), "Preferences updated"))
}
