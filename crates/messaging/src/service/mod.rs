//! Messaging's use cases, shared by the HTTP handlers and the socket events: who may see a
//! conversation, opening them, sending, reading, moderation, and what booking events write.
//! Handlers parse and render; the rules are here and in `domain`.

pub mod bookings;
pub mod conversations;
mod messages;
mod moderation;
pub mod send;

use std::sync::Arc;

use kernel::{ApiError, Clock};
use platform::Events;
use platform::config::Limit;
use platform::db::Db;
use platform::ratelimit::RateLimiter;
use platform::storage::Media;
use uuid::Uuid;

pub use bookings::BookingsHandler;
pub use send::{Outgoing, Upload};

use crate::domain;
use crate::realtime::Publisher;
use crate::store::{self, Conversation, Participant};

/// New conversations per user and hour.
pub const CONVERSATIONS_PER_HOUR: Limit = Limit::new(30, 3600);
/// Messages per user and minute.
pub const MESSAGES_PER_MINUTE: Limit = Limit::new(30, 60);

#[derive(Clone)]
pub struct Messaging {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub media: Media,
    pub limits: Arc<RateLimiter>,
    pub events: Events,
    pub publisher: Publisher,
}

/// Who acts: a user, and whether they are an administrator.
pub use platform::auth::Actor;

pub fn conversation_not_found() -> ApiError {
    ApiError::new(404, "conversation_not_found", "Conversation not found")
}

pub fn message_not_found() -> ApiError {
    ApiError::new(404, "message_not_found", "Message not found")
}

/// A conversation the actor may see, and their own participant row if they have one.
#[derive(Debug, Clone)]
pub struct Access {
    pub conversation: Conversation,
    pub me: Option<Participant>,
}

impl Messaging {
    /// The conversation if the actor takes part in it, or is an administrator and it is a
    /// support conversation; 404 `conversation_not_found` otherwise (also for ids that do not
    /// exist: the two are indistinguishable).
    pub async fn access(&self, actor: &Actor, id: Uuid) -> Result<Access, ApiError> {
        let conversation = store::find(&self.db, id).await?.ok_or_else(conversation_not_found)?;
        let me = store::participant(&self.db, id, actor.user_id).await?;
        if me.is_none() && !(actor.admin && conversation.kind == domain::SUPPORT) {
            return Err(conversation_not_found());
        }
        Ok(Access { conversation, me })
    }

    /// The participants of a conversation the actor may see.
    pub async fn participant_ids(&self, actor: &Actor, id: Uuid) -> Result<Vec<Uuid>, ApiError> {
        self.access(actor, id).await?;
        Ok(store::participants(&self.db, id).await?.into_iter().map(|p| p.user_id).collect())
    }

    /// Whether guest and host may see each other's contact details in this conversation:
    /// once its reservation is confirmed (support conversations are never masked).
    pub async fn unmasked(&self, c: &Conversation) -> Result<bool, ApiError> {
        if c.kind == domain::SUPPORT {
            return Ok(true);
        }
        let Some(reservation) = c.reservation_id else { return Ok(false) };
        let status = store::models::reservation(&self.db, reservation).await?.map(|r| r.status);
        Ok(status.as_deref().is_some_and(domain::unmasks))
    }

    async fn limit(&self, what: &str, user: Uuid, limit: Limit) -> Result<(), ApiError> {
        self.limits.check(&format!("messaging:{what}:{user}"), limit).await.map_err(ApiError::from)
    }
}
