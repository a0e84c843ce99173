//! Pure notification logic: the vocabulary (types, channels), the preference rules and the
//! notifications that identity and booking events turn into. No I/O, unit tested here.

pub mod bookings;
pub mod inbox;
pub mod preferences;

pub use inbox::{Draft, draft_for};
pub use preferences::{Channel, ChannelPrefs, Preferences, Topic, delivers_in_app};

/// The type of an inbox notification: a preference topic, or `welcome` (sent once, always).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Welcome,
    Topic(Topic),
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Welcome => "welcome",
            Kind::Topic(topic) => topic.as_str(),
        }
    }

    pub fn parse(raw: &str) -> Option<Kind> {
        if raw == "welcome" { Some(Kind::Welcome) } else { Topic::parse(raw).map(Kind::Topic) }
    }

    /// Every value `type` can take, for error messages and docs.
    pub fn names() -> Vec<&'static str> {
        std::iter::once("welcome").chain(Topic::ALL.iter().map(|t| t.as_str())).collect()
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
        assert_eq!(Kind::names().len(), 8);
    }

    #[test]
    fn statuses_round_trip() {
        for s in [Status::Unread, Status::Read, Status::All] {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("UNREAD"), None);
    }
}
