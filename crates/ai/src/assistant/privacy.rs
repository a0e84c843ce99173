//! GDPR: the assistant's conversations (what the user wrote and what they were answered,
//! with the tools used and itineraries drafted) and their daily usage are personal data:
//! exported, and erased with the account (also on `user.deleted`, for deployments where the
//! erasure is not driven through the registry).

use async_trait::async_trait;
use kernel::EventEnvelope;
use platform::db::{Db, Tx};
use platform::events::{EventHandler, HandlerError};
use platform::privacy::{PersonalData, PrivacyError};
use serde_json::{Value, json};
use uuid::Uuid;

use super::service::{conversation_view, message_view};
use super::store;

/// The consumer name of the `user.deleted` handler.
pub const USERS_CONSUMER: &str = "ai.assistant.users";

pub struct AssistantData {
    pub db: Db,
}

fn err(e: impl std::fmt::Display) -> PrivacyError {
    PrivacyError::new("ai.assistant", e)
}

#[async_trait]
impl PersonalData for AssistantData {
    async fn export(&self, user: Uuid) -> Result<Value, PrivacyError> {
        let mut conversations = Vec::new();
        let list = store::conversations(&self.db, user, i64::MAX / 2, 0).await.map_err(err)?;
        for c in &list {
            let mut view = conversation_view(c);
            let messages = store::messages(&self.db, c.id).await.map_err(err)?;
            view["messages"] = json!(messages.iter().filter_map(message_view).collect::<Vec<_>>());
            conversations.push(view);
        }
        let usage: Vec<Value> = store::usage_days(&self.db, user)
            .await
            .map_err(err)?
            .into_iter()
            .map(|(day, p, c, cost, calls)| {
                json!({"day": day, "promptTokens": p, "completionTokens": c, "costMicros": cost, "calls": calls})
            })
            .collect();
        Ok(json!({"conversations": conversations, "usage": usage}))
    }

    async fn erase(&self, user: Uuid) -> Result<(), PrivacyError> {
        store::erase(&self.db, user).await.map(|_| ()).map_err(err)
    }
}

/// Erases a deleted user's conversations and usage.
pub struct DeletedUsers;

#[async_trait]
impl EventHandler for DeletedUsers {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        if event.event_type != "user.deleted" {
            return Ok(());
        }
        let user = event
            .data
            .get("userId")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Uuid>().ok())
            .or_else(|| event.aggregate_id.parse().ok());
        if let Some(user) = user {
            store::erase_in(tx, user).await?;
        }
        Ok(())
    }
}
