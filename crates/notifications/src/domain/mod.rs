//! Pure notification logic: the vocabulary (types, channels), the preference rules and the
//! notifications that identity, booking (reservations and menu orders), payment, messaging and
//! review events turn into, and trip reminders. No I/O, unit tested here.

pub mod booking_texts;
pub mod bookings;
pub mod dreamscape;
pub mod inbox;
pub mod kind;
pub mod locale;
pub mod message_texts;
pub mod order_texts;
pub mod orders;
pub mod payment_texts;
pub mod preferences;
pub mod reminder_texts;
pub mod review_texts;
pub mod reviews;

pub use inbox::{Draft, draft_for};
pub use kind::{BookingNews, DsType, Kind};
pub use preferences::{Channel, ChannelPrefs, Preferences, Topic, delivers_in_app};

/// Which notifications a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Unread,
    Read,
    All,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Unread => "unread",
            Status::Read => "read",
            Status::All => "all",
        }
    }

    pub fn parse(raw: &str) -> Option<Status> {
        match raw {
            "unread" => Some(Status::Unread),
            "read" => Some(Status::Read),
            "all" => Some(Status::All),
            _ => None,
        }
    }

    /// DreamScape's `filter`: `unread` or `read`, and any other value (or none) means all.
    pub fn from_filter(raw: Option<&str>) -> Status {
        match raw.and_then(Status::parse) {
            Some(status) => status,
            None => Status::All,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for s in [Status::Unread, Status::Read, Status::All] {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("UNREAD"), None);
        assert_eq!(Status::from_filter(Some("unread")), Status::Unread);
        assert_eq!(Status::from_filter(Some("UNREAD")), Status::All);
        assert_eq!(Status::from_filter(Some("")), Status::All);
        assert_eq!(Status::from_filter(None), Status::All);
    }
}
