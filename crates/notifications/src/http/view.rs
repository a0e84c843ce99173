//! A notification as the API shows it: DreamScape's entity (`type` in its upper-case
//! vocabulary, `message`, `metadata`, `updatedAt`) plus `kind`, Sojourn's precise type.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::Kind;
use crate::store::Notification;

/// DreamScape's notification types (documentation of `type`).
#[derive(ToSchema)]
#[schema(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(dead_code)]
pub enum DsTypeDoc {
    BookingConfirmed,
    BookingCancelled,
    PaymentReceived,
    PaymentFailed,
    RefundProcessed,
    PromoOffer,
    PlatformUpdate,
    AccountSecurity,
    PriceAlert,
    TripReminder,
    System,
}

/// Sojourn's precise notification types (documentation of `kind` and of the `type` filter).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum KindDoc {
    Welcome,
    System,
    BookingRequested,
    BookingConfirmed,
    BookingDeclined,
    BookingCancelled,
    BookingExpired,
    BookingConfirmation,
    PaymentReceived,
    PaymentFailed,
    RefundProcessed,
    Promotions,
    PlatformUpdate,
    AccountSecurity,
    PriceAlert,
    TripReminder,
    Messages,
    Reviews,
    PayoutSent,
}

/// One notification.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationView {
    pub id: Uuid,
    pub user_id: Uuid,
    /// DreamScape's type: the closest of its types to `kind`.
    #[serde(rename = "type")]
    #[schema(value_type = DsTypeDoc)]
    pub ds_type: &'static str,
    /// Sojourn's precise type (`booking_declined`, `welcome`, ...).
    #[schema(value_type = KindDoc)]
    pub kind: String,
    pub title: String,
    pub message: String,
    pub read: bool,
    pub read_at: Option<DateTime<Utc>>,
    /// Details for the client (links, ids): an object, or `null`.
    #[schema(value_type = Option<Object>)]
    pub metadata: Value,
    pub created_at: DateTime<Utc>,
    /// The last change: when it was read, else when it was made.
    pub updated_at: DateTime<Utc>,
}

impl From<Notification> for NotificationView {
    fn from(n: Notification) -> Self {
        NotificationView {
            id: n.id,
            user_id: n.user_id,
            ds_type: Kind::read(&n.kind).dreamscape().as_str(),
            title: n.title,
            message: n.body,
            read: n.read_at.is_some(),
            read_at: n.read_at,
            metadata: serde_json::from_str(&n.data).unwrap_or(Value::Null),
            created_at: n.created_at,
            updated_at: n.read_at.unwrap_or(n.created_at),
            kind: n.kind,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DsType;
    use utoipa::PartialSchema;

    pub fn documented(schema: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>) -> Vec<String> {
        let v = serde_json::to_value(schema).unwrap_or_default();
        v["enum"]
            .as_array()
            .map(|e| e.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    }

    #[test]
    fn documented_types_are_the_real_ones() {
        assert_eq!(documented(KindDoc::schema()), Kind::names());
        let ds: Vec<&str> = DsType::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(documented(DsTypeDoc::schema()), ds);
    }
}
