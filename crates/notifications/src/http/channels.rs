//! The caller's notification preferences as Sojourn's grid: every type × channel, on or off
//! (`/api/v1/users/notification-preferences/channels`). DreamScape's 7-key view of the same
//! settings is at `/api/v1/users/notification-preferences` (see `preferences`).

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody};
use platform::auth::AuthUser;
use platform::http::{Json, ok, ok_with_message};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::State;
use crate::domain::{Channel, ChannelPrefs, Preferences, Topic};
use crate::service;

/// Effective preferences: defaults overlaid with the caller's choices.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreferencesView {
    pub booking_confirmation: ChannelPrefs,
    pub booking_cancelled: ChannelPrefs,
    pub payment_succeeded: ChannelPrefs,
    pub payment_failed: ChannelPrefs,
    pub refund_processed: ChannelPrefs,
    pub price_alert: ChannelPrefs,
    pub trip_reminder: ChannelPrefs,
    pub promotions: ChannelPrefs,
    pub platform_update: ChannelPrefs,
    pub account_security: ChannelPrefs,
    pub messages: ChannelPrefs,
    pub reviews: ChannelPrefs,
}

impl From<&Preferences> for PreferencesView {
    fn from(p: &Preferences) -> Self {
        PreferencesView {
            booking_confirmation: p.get(Topic::BookingConfirmation),
            booking_cancelled: p.get(Topic::BookingCancelled),
            payment_succeeded: p.get(Topic::PaymentSucceeded),
            payment_failed: p.get(Topic::PaymentFailed),
            refund_processed: p.get(Topic::RefundProcessed),
            price_alert: p.get(Topic::PriceAlert),
            trip_reminder: p.get(Topic::TripReminder),
            promotions: p.get(Topic::Promotions),
            platform_update: p.get(Topic::PlatformUpdate),
            account_security: p.get(Topic::AccountSecurity),
            messages: p.get(Topic::Messages),
            reviews: p.get(Topic::Reviews),
        }
    }
}

/// Channels to change for one type; absent or `null` leaves a channel as it is.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelsPatch {
    pub email: Option<bool>,
    pub push: Option<bool>,
    pub sms: Option<bool>,
    /// `account_security.in_app` cannot be turned off.
    pub in_app: Option<bool>,
}

impl ChannelsPatch {
    fn changes(&self) -> impl Iterator<Item = (Channel, bool)> {
        [
            (Channel::Email, self.email),
            (Channel::Push, self.push),
            (Channel::Sms, self.sms),
            (Channel::InApp, self.in_app),
        ]
        .into_iter()
        .filter_map(|(c, on)| on.map(|on| (c, on)))
    }
}

/// Types to change; absent or `null` leaves a type as it is.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesPatch {
    pub booking_confirmation: Option<ChannelsPatch>,
    pub booking_cancelled: Option<ChannelsPatch>,
    pub payment_succeeded: Option<ChannelsPatch>,
    pub payment_failed: Option<ChannelsPatch>,
    pub refund_processed: Option<ChannelsPatch>,
    pub price_alert: Option<ChannelsPatch>,
    pub trip_reminder: Option<ChannelsPatch>,
    pub promotions: Option<ChannelsPatch>,
    pub platform_update: Option<ChannelsPatch>,
    pub account_security: Option<ChannelsPatch>,
    pub messages: Option<ChannelsPatch>,
    pub reviews: Option<ChannelsPatch>,
}

impl PreferencesPatch {
    fn changes(&self) -> Vec<(Topic, Channel, bool)> {
        [
            (Topic::BookingConfirmation, &self.booking_confirmation),
            (Topic::BookingCancelled, &self.booking_cancelled),
            (Topic::PaymentSucceeded, &self.payment_succeeded),
            (Topic::PaymentFailed, &self.payment_failed),
            (Topic::RefundProcessed, &self.refund_processed),
            (Topic::PriceAlert, &self.price_alert),
            (Topic::TripReminder, &self.trip_reminder),
            (Topic::Promotions, &self.promotions),
            (Topic::PlatformUpdate, &self.platform_update),
            (Topic::AccountSecurity, &self.account_security),
            (Topic::Messages, &self.messages),
            (Topic::Reviews, &self.reviews),
        ]
        .into_iter()
        .filter_map(|(topic, patch)| patch.as_ref().map(|p| (topic, p)))
        .flat_map(|(topic, patch)| patch.changes().map(move |(channel, on)| (topic, channel, on)))
        .collect()
    }
}

/// The caller's preferences as Sojourn's grid: every type × channel (defaults when never
/// changed). `data` is the grid itself.
#[utoipa::path(get, path = "/api/v1/users/notification-preferences/channels", tag = "NotificationPreferences", operation_id = "get_notification_channels",
    security(("bearerAuth" = [])),
    responses((status = 200, description = "Preferences", body = PreferencesView), (status = 401, body = ErrorBody)))]
pub async fn get_channels(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let prefs = service::preferences(&state.db, user.user_id).await?;
    Ok(ok(PreferencesView::from(&prefs)))
}

/// Change some preferences; only the types and channels sent change (no body: nothing).
#[utoipa::path(put, path = "/api/v1/users/notification-preferences/channels", tag = "NotificationPreferences", operation_id = "put_notification_channels",
    security(("bearerAuth" = [])),
    request_body(content = Option<PreferencesPatch>, description = "What to change; no body changes nothing"),
    responses((status = 200, description = "The preferences after the change", body = PreferencesView),
        (status = 400, description = "`validation_failed`: unknown type or channel (e.g. `foo`), not a boolean, or `account_security.in_app` turned off", body = ErrorBody),
        (status = 401, body = ErrorBody)))]
pub async fn put_channels(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<PreferencesPatch>,
) -> Result<Response, ApiError> {
    let prefs = service::change_preferences(&state.db, user.user_id, body.changes(), false, state.clock.now()).await?;
    Ok(ok_with_message(PreferencesView::from(&prefs), "Preferences updated"))
}
