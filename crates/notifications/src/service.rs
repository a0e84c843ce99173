//! The inbox and preference operations, once: Sojourn's routes and DreamScape's call the same
//! functions here, and the event consumers deliver through [`deliver`] as the internal route
//! does. Rules live in `domain`, SQL in `store`.

use chrono::{DateTime, Utc};
use kernel::{ApiError, FieldError};
use platform::db::{Db, DbError, Tx};
use serde_json::Value;
use uuid::Uuid;

use crate::delivery::Pipeline;
use crate::delivery::fanout::{self, Outgoing, template_for};
use crate::domain::preferences::validate_changes;
use crate::domain::{self, Channel, Kind, Preferences, Topic};
use crate::store::{self, Filter, Notification};

/// One page of a user's inbox with the counts around it.
#[derive(Debug)]
pub struct Listed {
    pub items: Vec<Notification>,
    /// Notifications matching the filter.
    pub total: u64,
    /// Unread notifications of the user, whatever the filter.
    pub unread: i64,
}

pub async fn list(db: &Db, filter: Filter<'_>, limit: u32, offset: u64) -> Result<Listed, ApiError> {
    let items = store::list(db, filter, limit, offset).await?;
    let total = u64::try_from(store::count(db, filter).await?).unwrap_or_default();
    let unread = store::unread_count(db, filter.user_id).await?;
    Ok(Listed { items, total, unread })
}

pub async fn unread_count(db: &Db, user: Uuid) -> Result<i64, ApiError> {
    Ok(store::unread_count(db, user).await?)
}

/// Marks one of the user's notifications read (its first `readAt` stays) and returns it.
pub async fn mark_read(db: &Db, user: Uuid, raw_id: &str, now: DateTime<Utc>) -> Result<Notification, ApiError> {
    let not_found = || ApiError::not_found("Notification not found");
    let id = Uuid::try_parse(raw_id.trim()).map_err(|_| not_found())?;
    store::mark_read(db, user, id, now).await?.ok_or_else(not_found)
}

/// Marks every unread notification of the user read: how many changed.
pub async fn mark_all_read(db: &Db, user: Uuid, now: DateTime<Utc>) -> Result<u64, ApiError> {
    Ok(store::mark_all_read(db, user, now).await?)
}

/// Deletes the user's read notifications: how many.
pub async fn delete_read(db: &Db, user: Uuid) -> Result<u64, ApiError> {
    Ok(store::delete_read(db, user).await?)
}

/// Deletes one of the user's notifications, read or not.
pub async fn delete(db: &Db, user: Uuid, raw_id: &str) -> Result<(), ApiError> {
    let not_found = || ApiError::not_found("Notification not found");
    let id = Uuid::try_parse(raw_id.trim()).map_err(|_| not_found())?;
    if store::delete(db, user, id).await? { Ok(()) } else { Err(not_found()) }
}

/// What became of a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    /// It is in the reader's inbox.
    pub in_inbox: bool,
    /// Email, SMS and push deliveries queued for it.
    pub queued: u32,
}

/// Puts `notification` into its reader's inbox if their preferences let its type in, and
/// queues its email, SMS and push deliveries as they allow — all in `tx`. `source`: the event
/// it was made from, which can make only one notice (and one delivery per channel).
pub async fn deliver(
    tx: &mut Tx,
    pipeline: &Pipeline,
    notification: &Notification,
    source: Option<Uuid>,
    event: Option<&kernel::EventEnvelope>,
    hold: Option<(String, chrono::Duration)>,
    now: DateTime<Utc>,
) -> Result<Delivered, DbError> {
    let kind = Kind::read(&notification.kind);
    let in_app = match kind.preference() {
        Some(topic) => {
            let stored = store::preference(tx, notification.user_id, topic.as_str(), Channel::InApp.as_str()).await?;
            domain::delivers_in_app(topic, stored)
        }
        None => true,
    };
    let in_inbox = in_app && store::insert(tx, notification, source).await?;
    let outgoing = Outgoing {
        notification,
        in_inbox,
        key: source.unwrap_or(notification.id).to_string(),
        extras: None,
        event,
        template: template_for(&notification.kind, event.map(|e| e.event_type.as_str())),
        hold,
    };
    let queued = fanout::notice(tx, pipeline, &outgoing, now).await?;
    Ok(Delivered { in_inbox, queued })
}

/// A notification an administrator or another service asks for.
#[derive(Debug)]
pub struct Request {
    pub user_id: Uuid,
    pub kind: Kind,
    pub title: String,
    pub message: String,
    /// An object, or `Value::Null`.
    pub metadata: Value,
}

/// Creates the requested notification, unless the reader turned its type off in the inbox
/// (`None` then, as DreamScape answers `data: null`).
pub async fn create(
    db: &Db,
    pipeline: &Pipeline,
    request: Request,
    now: DateTime<Utc>,
) -> Result<Option<Notification>, ApiError> {
    let notification = Notification {
        id: kernel::new_id(),
        user_id: request.user_id,
        kind: request.kind.as_str().to_owned(),
        title: request.title,
        body: request.message,
        data: request.metadata.to_string(),
        read_at: None,
        created_at: now,
    };
    let mut tx = db.begin().await?;
    let delivered = deliver(&mut tx, pipeline, &notification, None, None, None, now).await?;
    tx.commit().await?;
    if delivered.queued > 0 {
        pipeline.queued();
    }
    Ok(delivered.in_inbox.then_some(notification))
}

/// A user's effective preferences.
pub async fn preferences(db: &Db, user: Uuid) -> Result<Preferences, ApiError> {
    let rows = store::preferences(db, user).await?;
    Ok(Preferences::from_stored(rows.iter().map(|(t, c, on)| (t.as_str(), c.as_str(), *on))))
}

/// Applies `changes` (all or none) and returns the preferences after them. `restate`: the
/// changes are a whole view sent back, so only what differs from the current value is stored
/// (what the user left alone keeps following the defaults).
pub async fn change_preferences(
    db: &Db,
    user: Uuid,
    changes: Vec<(Topic, Channel, bool)>,
    restate: bool,
    now: DateTime<Utc>,
) -> Result<Preferences, ApiError> {
    validate_changes(&changes).map_err(ApiError::validation)?;
    let mut tx = db.begin().await?;
    let read = |rows: Vec<(String, String, bool)>| {
        Preferences::from_stored(rows.iter().map(|(t, c, on)| (t.as_str(), c.as_str(), *on)))
    };
    let changes = if restate {
        domain::dreamscape::changes(&read(store::preferences(&mut tx, user).await?), changes)
    } else {
        changes
    };
    for (topic, channel, on) in changes {
        store::set_preference(&mut tx, user, topic.as_str(), channel.as_str(), on, now).await?;
    }
    let after = read(store::preferences(&mut tx, user).await?);
    tx.commit().await?;
    Ok(after)
}

/// Title and message limits of a requested notification (characters), and of its metadata
/// (bytes of JSON).
pub const MAX_TITLE: usize = 200;
pub const MAX_MESSAGE: usize = 2000;
pub const MAX_METADATA: usize = 8192;

/// Checks a requested notification's text and metadata against the limits.
pub fn check_request(title: &str, message: &str, metadata: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if title.chars().count() > MAX_TITLE {
        errors.push(FieldError::new("title", format!("must be at most {MAX_TITLE} characters")));
    }
    if message.chars().count() > MAX_MESSAGE {
        errors.push(FieldError::new("message", format!("must be at most {MAX_MESSAGE} characters")));
    }
    if !(metadata.is_object() || metadata.is_null()) {
        errors.push(FieldError::new("metadata", "must be an object"));
    } else if metadata.to_string().len() > MAX_METADATA {
        errors.push(FieldError::new("metadata", format!("must be at most {MAX_METADATA} bytes of JSON")));
    }
    errors
}
