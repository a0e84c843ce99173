//! Every notification that reaches an inbox is also pushed to its reader's open sockets as
//! `notification:new`, with exactly the object the REST inbox returns (DreamScape's web client
//! prepends it to its panel and refetches the unread count).
//!
//! A push happens only once the notification is committed: those made by an event handler are
//! held until its transaction commits ([`EventHandler::after_commit`]), so a rolled-back
//! delivery never shows a notification that does not exist.
//!
//! [`EventHandler::after_commit`]: platform::events::EventHandler::after_commit

use std::collections::HashMap;
use std::sync::Mutex;

use platform::realtime::{Realtime, Room};
use uuid::Uuid;

use crate::http::view::NotificationView;
use crate::store::Notification;

/// The realtime event name DreamScape's client listens to.
pub const EVENT: &str = "notification:new";

pub struct Pusher {
    realtime: Realtime,
    /// Notifications made by the event being handled, keyed by the event's id.
    held: Mutex<HashMap<Uuid, Vec<Notification>>>,
}

impl std::fmt::Debug for Pusher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pusher")
    }
}

impl Pusher {
    pub fn new(realtime: Realtime) -> Self {
        Self { realtime, held: Mutex::default() }
    }

    /// Pushes a committed notification now.
    pub fn push(&self, notification: Notification) {
        let user = notification.user_id;
        match serde_json::to_value(NotificationView::from(notification)) {
            Ok(view) => {
                self.realtime.publish(Room::User(user), EVENT, view);
            }
            Err(e) => tracing::error!(error = %e, "notification view not serialisable"),
        }
    }

    /// Forgets what an earlier, failed attempt at `event` held (it is being handled again).
    pub fn begin(&self, event: Uuid) {
        if let Ok(mut held) = self.held.lock() {
            held.remove(&event);
        }
    }

    /// Holds `notification`, made while handling `event`, until that handling commits.
    pub fn hold(&self, event: Uuid, notification: Notification) {
        if let Ok(mut held) = self.held.lock() {
            held.entry(event).or_default().push(notification);
        }
    }

    /// `event`'s handling committed: push what it made.
    pub fn committed(&self, event: Uuid) {
        let made = self.held.lock().ok().and_then(|mut held| held.remove(&event)).unwrap_or_default();
        for notification in made {
            self.push(notification);
        }
    }
}
