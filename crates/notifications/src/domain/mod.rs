//! Pure notification logic: the vocabulary (types, channels), the preference rules and the
//! notifications that identity and booking events turn into. No I/O, unit tested here.

pub mod booking_texts;
pub mod bookings;
pub mod inbox;
pub mod locale;
pub mod preferences;

pub use inbox::{Draft, draft_for};
pub use preferences::{Channel, ChannelPrefs, Preferences, Topic, delivers_in_app};

/// What happened to a booking, as far as an inbox notice is concerned: each has its own
/// notice type, so a client can tell a decline from a confirmation without reading the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingNews {
    Requested,
    Confirmed,
    Declined,
    Cancelled,
    Expired,
}

impl BookingNews {
    pub const ALL: [BookingNews; 5] = [
        BookingNews::Requested,
        BookingNews::Confirmed,
        BookingNews::Declined,
        BookingNews::Cancelled,
        BookingNews::Expired,
    ];

    /// `booking_confirmed` and `booking_cancelled` are DreamScape's names for theirs.
    pub fn as_str(self) -> &'static str {
        match self {
            BookingNews::Requested => "booking_requested",
            BookingNews::Confirmed => "booking_confirmed",
            BookingNews::Declined => "booking_declined",
            BookingNews::Cancelled => "booking_cancelled",
            BookingNews::Expired => "booking_expired",
        }
    }
}

/// The type of an inbox notification: `welcome` (sent once, always), news about a booking,
/// or a preference topic used as the type itself (`account_security`; `booking_confirmation`
/// on notices made before booking news had types of their own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Welcome,
    Booking(BookingNews),
    Topic(Topic),
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Welcome => "welcome",
            Kind::Booking(news) => news.as_str(),
            Kind::Topic(topic) => topic.as_str(),
        }
    }

    /// The preference that decides whether a notice of this type is delivered: all booking
    /// news follows the booking-updates preference (`booking_confirmation`); `welcome` none.
    pub fn preference(self) -> Option<Topic> {
        match self {
            Kind::Welcome => None,
            Kind::Booking(_) => Some(Topic::BookingConfirmation),
            Kind::Topic(topic) => Some(topic),
        }
    }

    pub fn parse(raw: &str) -> Option<Kind> {
        Kind::all().into_iter().find(|k| k.as_str() == raw)
    }

    fn all() -> Vec<Kind> {
        std::iter::once(Kind::Welcome)
            .chain(BookingNews::ALL.into_iter().map(Kind::Booking))
            .chain(Topic::ALL.into_iter().map(Kind::Topic))
            .collect()
    }

    /// Every value `type` can take, for error messages and docs.
    pub fn names() -> Vec<&'static str> {
        Kind::all().into_iter().map(Kind::as_str).collect()
    }
}

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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for name in Kind::names() {
            assert_eq!(Kind::parse(name).map(Kind::as_str), Some(name));
        }
        assert_eq!(Kind::parse("Welcome"), None);
        assert_eq!(Kind::parse(""), None);
        assert_eq!(Kind::names().len(), 13);
        assert_eq!(Kind::parse("booking_cancelled"), Some(Kind::Booking(BookingNews::Cancelled)));
    }

    #[test]
    fn booking_news_follows_the_booking_preference() {
        for news in BookingNews::ALL {
            assert_eq!(Kind::Booking(news).preference(), Some(Topic::BookingConfirmation));
        }
        assert_eq!(Kind::Welcome.preference(), None);
        assert_eq!(Kind::Topic(Topic::Reviews).preference(), Some(Topic::Reviews));
    }

    #[test]
    fn statuses_round_trip() {
        for s in [Status::Unread, Status::Read, Status::All] {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("UNREAD"), None);
    }
}
