//! Messaging's part of GDPR exports and erasure. The export holds the user's conversations
//! and the messages they wrote. Erasure anonymises them as an author (their messages stay, with
//! no author, so the other party's copy of the conversation remains readable — the issue's
//! rule) and removes their participation, blocks, keys and reporter identity.

use async_trait::async_trait;
use platform::db::Db;
use platform::privacy::{PersonalData, PrivacyError};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::store::{self, messages};

pub struct MessagingData {
    pub db: Db,
}

fn fail(e: impl std::fmt::Display) -> PrivacyError {
    PrivacyError::new("messaging", e)
}

#[async_trait]
impl PersonalData for MessagingData {
    async fn export(&self, user: Uuid) -> Result<Value, PrivacyError> {
        let conversations: Vec<Value> = store::all_for_user(&self.db, user)
            .await
            .map_err(fail)?
            .into_iter()
            .map(|c| {
                json!({"id": c.id, "type": c.kind, "listingId": c.listing_id, "reservationId": c.reservation_id,
                            "subject": c.subject, "createdAt": c.created_at})
            })
            .collect();
        let messages: Vec<Value> = messages::by_author(&self.db, user)
            .await
            .map_err(fail)?
            .into_iter()
            .map(|m| {
                json!({"id": m.id, "conversationId": m.conversation_id, "body": m.body,
                            "deletedAt": m.deleted_at, "createdAt": m.created_at})
            })
            .collect();
        let blocks: Vec<Value> = store::moderation::blocks(&self.db, user)
            .await
            .map_err(fail)?
            .into_iter()
            .map(|(u, at)| json!({"userId": u, "createdAt": at}))
            .collect();
        Ok(json!({"conversations": conversations, "messages": messages, "blocks": blocks}))
    }

    async fn erase(&self, user: Uuid) -> Result<(), PrivacyError> {
        let mut tx = self.db.begin().await.map_err(fail)?;
        store::erase_user(&mut tx, user).await.map_err(fail)?;
        tx.commit().await.map_err(fail)
    }
}
