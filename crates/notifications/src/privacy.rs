//! This context's part of GDPR exports and erasure: inbox notices (their text can name the
//! user), notification preferences and the language notices are written in.

use async_trait::async_trait;
use platform::db::Db;
use platform::privacy::{PersonalData, PrivacyError};
use serde_json::{Value, json};
use uuid::Uuid;

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
        let language = store::reader_language(&self.db, user).await.map_err(fail)?;
        Ok(json!({ "notifications": notifications, "preferences": preferences, "language": language }))
    }

    async fn erase(&self, user: Uuid) -> Result<(), PrivacyError> {
        let mut tx = self.db.begin().await.map_err(fail)?;
        store::erase(&mut tx, user).await.map_err(fail)?;
        tx.commit().await.map_err(fail)
    }
}
