//! This context's part of GDPR exports and erasure: inbox notices (their text can name the
//! user), notification preferences, what we know to reach them (address, verified phone, zone,
//! quiet hours), the delivery log and push subscriptions.

use async_trait::async_trait;
use platform::db::Db;
use platform::privacy::{PersonalData, PrivacyError};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::delivery::store as queue;
use crate::store;

pub struct NotificationsData {
    pub db: Db,
}

fn fail(e: impl std::fmt::Display) -> PrivacyError {
    PrivacyError::new("notifications", e)
}

#[async_trait]
impl PersonalData for NotificationsData {
    async fn export(&self, user: Uuid) -> Result<Value, PrivacyError> {
        let notifications: Vec<Value> = store::all_for_user(&self.db, user)
            .await
            .map_err(fail)?
            .into_iter()
            .map(|n| {
                json!({"id": n.id, "type": n.kind, "title": n.title, "body": n.body,
                       "data": serde_json::from_str::<Value>(&n.data).unwrap_or(Value::Null),
                       "readAt": n.read_at, "createdAt": n.created_at})
            })
            .collect();
        let preferences: Vec<Value> = store::preferences(&self.db, user)
            .await
            .map_err(fail)?
            .into_iter()
            .map(|(kind, channel, enabled)| json!({"type": kind, "channel": channel, "enabled": enabled}))
            .collect();
        let reader = store::reader(&self.db, user).await.map_err(fail)?;
        // What was sent where: the log, without payloads (a sent link or code is spent).
        let deliveries: Vec<Value> = queue::all_for_user(&self.db, user)
            .await
            .map_err(fail)?
            .into_iter()
            .map(|d| {
                json!({"id": d.id, "channel": d.channel, "template": d.template, "recipient": d.recipient,
                       "status": d.status, "attempts": d.attempts, "createdAt": d.created_at, "sentAt": d.sent_at})
            })
            .collect();
        let subscriptions: Vec<Value> = queue::subscriptions(&self.db, user)
            .await
            .map_err(fail)?
            .into_iter()
            .map(|s| json!({"id": s.id, "endpoint": s.endpoint, "userAgent": s.user_agent, "createdAt": s.created_at}))
            .collect();
        Ok(json!({ "notifications": notifications, "preferences": preferences, "language": reader.language,
                   "contact": {"email": reader.email, "firstName": reader.first_name, "phone": reader.phone,
                               "timezone": reader.timezone},
                   "quietHours": {"enabled": reader.quiet_enabled, "start": reader.quiet_start, "end": reader.quiet_end},
                   "deliveries": deliveries, "pushSubscriptions": subscriptions }))
    }

    async fn erase(&self, user: Uuid) -> Result<(), PrivacyError> {
        let mut tx = self.db.begin().await.map_err(fail)?;
        store::erase(&mut tx, user).await.map_err(fail)?;
        tx.commit().await.map_err(fail)
    }
}
