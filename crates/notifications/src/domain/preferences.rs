//! Preferences: for each topic × channel, on or off. Only what a user changed is stored; the
//! rest follows the defaults, so a new default reaches everyone who never touched it.

use std::collections::BTreeMap;

use kernel::FieldError;
use serde::Serialize;

/// A kind of notification a user can tune.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Topic {
    /// Booking updates: every booking notice but cancellations.
    BookingConfirmation,
    BookingCancelled,
    PaymentSucceeded,
    PaymentFailed,
    RefundProcessed,
    PriceAlert,
    TripReminder,
    Promotions,
    PlatformUpdate,
    AccountSecurity,
    Messages,
    Reviews,
}

impl Topic {
    pub const ALL: [Topic; 12] = [
        Topic::BookingConfirmation,
        Topic::BookingCancelled,
        Topic::PaymentSucceeded,
        Topic::PaymentFailed,
        Topic::RefundProcessed,
        Topic::PriceAlert,
        Topic::TripReminder,
        Topic::Promotions,
        Topic::PlatformUpdate,
        Topic::AccountSecurity,
        Topic::Messages,
        Topic::Reviews,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Topic::BookingConfirmation => "booking_confirmation",
            Topic::BookingCancelled => "booking_cancelled",
            Topic::PaymentSucceeded => "payment_succeeded",
            Topic::PaymentFailed => "payment_failed",
            Topic::RefundProcessed => "refund_processed",
            Topic::PlatformUpdate => "platform_update",
            Topic::PriceAlert => "price_alert",
            Topic::TripReminder => "trip_reminder",
            Topic::Promotions => "promotions",
            Topic::AccountSecurity => "account_security",
            Topic::Messages => "messages",
            Topic::Reviews => "reviews",
        }
    }

    pub fn parse(raw: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.as_str() == raw)
    }
}

/// Where a notification is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Channel {
    Email,
    Push,
    Sms,
    InApp,
}

impl Channel {
    pub const ALL: [Channel; 4] = [Channel::Email, Channel::Push, Channel::Sms, Channel::InApp];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Push => "push",
            Channel::Sms => "sms",
            Channel::InApp => "in_app",
        }
    }

    pub fn parse(raw: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == raw)
    }
}

/// Everything is on except SMS (costs money per message; opt-in), and offers and platform
/// news reach only the inbox unless the user opts in (anti-spam rules; DreamScape's defaults).
pub fn default_enabled(topic: Topic, channel: Channel) -> bool {
    match (topic, channel) {
        (_, Channel::Sms) => false,
        (Topic::Promotions | Topic::PlatformUpdate, channel) => channel == Channel::InApp,
        _ => true,
    }
}

/// Security notices must reach the user somewhere they cannot turn off: the inbox.
pub fn is_locked(topic: Topic, channel: Channel) -> bool {
    topic == Topic::AccountSecurity && channel == Channel::InApp
}

/// Whether a notification of `topic` goes into the inbox, given the user's stored choice for
/// `(topic, in_app)` if any.
pub fn delivers_in_app(topic: Topic, stored: Option<bool>) -> bool {
    if is_locked(topic, Channel::InApp) {
        return true;
    }
    stored.unwrap_or_else(|| default_enabled(topic, Channel::InApp))
}

/// One topic's channels, as the API shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChannelPrefs {
    pub email: bool,
    pub push: bool,
    pub sms: bool,
    pub in_app: bool,
}

impl ChannelPrefs {
    fn defaults(topic: Topic) -> Self {
        let d = |c| default_enabled(topic, c);
        ChannelPrefs {
            email: d(Channel::Email),
            push: d(Channel::Push),
            sms: d(Channel::Sms),
            in_app: d(Channel::InApp),
        }
    }

    pub fn channel(&self, channel: Channel) -> bool {
        match channel {
            Channel::Email => self.email,
            Channel::Push => self.push,
            Channel::Sms => self.sms,
            Channel::InApp => self.in_app,
        }
    }

    fn set(&mut self, channel: Channel, on: bool) {
        match channel {
            Channel::Email => self.email = on,
            Channel::Push => self.push = on,
            Channel::Sms => self.sms = on,
            Channel::InApp => self.in_app = on,
        }
    }
}

/// A user's effective preferences: the defaults overlaid with their stored choices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences(BTreeMap<Topic, ChannelPrefs>);

impl Default for Preferences {
    fn default() -> Self {
        Preferences(Topic::ALL.into_iter().map(|t| (t, ChannelPrefs::defaults(t))).collect())
    }
}

impl Preferences {
    /// The defaults overlaid with stored `(topic, channel, enabled)` rows; rows naming a topic
    /// or channel this version does not know are ignored.
    pub fn from_stored<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str, bool)>) -> Self {
        let mut prefs = Preferences::default();
        for (topic, channel, on) in rows {
            if let (Some(topic), Some(channel)) = (Topic::parse(topic), Channel::parse(channel)) {
                prefs.set(topic, channel, on);
            }
        }
        prefs
    }

    pub fn set(&mut self, topic: Topic, channel: Channel, on: bool) {
        let on = on || is_locked(topic, channel);
        self.0.entry(topic).or_insert_with(|| ChannelPrefs::defaults(topic)).set(channel, on);
    }

    pub fn get(&self, topic: Topic) -> ChannelPrefs {
        self.0.get(&topic).copied().unwrap_or_else(|| ChannelPrefs::defaults(topic))
    }
}

/// Checks a requested change: refuses turning off a locked channel, naming the field.
pub fn validate_changes(changes: &[(Topic, Channel, bool)]) -> Result<(), Vec<FieldError>> {
    let errors: Vec<FieldError> = changes
        .iter()
        .filter(|(topic, channel, on)| !on && is_locked(*topic, *channel))
        .map(|(topic, channel, _)| {
            FieldError::new(
                format!("{}.{}", topic.as_str(), channel.as_str()),
                "security notifications cannot be turned off in the inbox",
            )
        })
        .collect();
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_on_except_sms_and_news_outside_the_inbox() {
        let prefs = Preferences::default();
        for topic in Topic::ALL {
            let p = prefs.get(topic);
            let on = !matches!(topic, Topic::Promotions | Topic::PlatformUpdate);
            assert_eq!((p.email, p.push, p.in_app), (on, on, true), "{topic:?}");
            assert!(!p.sms, "{topic:?}");
        }
    }

    #[test]
    fn stored_choices_override_defaults_and_unknown_rows_are_ignored() {
        let prefs = Preferences::from_stored([
            ("promotions", "email", true),
            ("reviews", "push", false),
            ("nonsense", "email", false),
            ("reviews", "pigeon", false),
        ]);
        assert!(prefs.get(Topic::Promotions).email);
        assert!(!prefs.get(Topic::Promotions).push);
        assert!(prefs.get(Topic::Promotions).in_app);
        assert!(!prefs.get(Topic::Reviews).push);
        assert!(prefs.get(Topic::Reviews).email);
    }

    #[test]
    fn the_inbox_gate_follows_the_in_app_choice() {
        // Default: in-app on for every topic.
        assert!(delivers_in_app(Topic::Messages, None));
        assert!(delivers_in_app(Topic::Promotions, None));
        // A stored choice wins over the default...
        assert!(!delivers_in_app(Topic::Messages, Some(false)));
        assert!(!delivers_in_app(Topic::Promotions, Some(false)));
        // ...except for security notices, which always reach the inbox.
        assert!(delivers_in_app(Topic::AccountSecurity, Some(false)));
        assert!(delivers_in_app(Topic::AccountSecurity, None));
    }

    #[test]
    fn security_in_app_cannot_be_turned_off() {
        let errors = validate_changes(&[
            (Topic::AccountSecurity, Channel::InApp, false),
            (Topic::AccountSecurity, Channel::Email, false),
            (Topic::Promotions, Channel::InApp, false),
        ])
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "account_security.in_app");
        assert!(validate_changes(&[(Topic::AccountSecurity, Channel::InApp, true)]).is_ok());
        // Even a row that says otherwise cannot switch it off.
        assert!(Preferences::from_stored([("account_security", "in_app", false)]).get(Topic::AccountSecurity).in_app);
    }

    #[test]
    fn names_round_trip() {
        for t in Topic::ALL {
            assert_eq!(Topic::parse(t.as_str()), Some(t));
        }
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        assert_eq!(Channel::parse("inApp"), None);
    }
}
