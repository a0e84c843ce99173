//! The rules of a review, without I/O: who reviews whom, the categories each kind of
//! reservation is rated on, limits on ratings and texts, the review window, and who may read
//! what. Everything here is unit tested; the service applies it inside transactions.

pub mod draft;
pub mod summary;

use chrono::{DateTime, Duration, Utc};

/// How long after completion both sides may review.
pub const WINDOW_DAYS: i64 = 14;
/// The first reminder, after completion.
pub const FIRST_REMINDER_AFTER: Duration = Duration::days(1);
/// The last reminder, before the window closes.
pub const LAST_REMINDER_BEFORE: Duration = Duration::days(3);
/// Aggregates are shown publicly from this many reviews.
pub const SHOWN_FROM: i64 = 3;

pub const GUEST: &str = "guest";
pub const HOST: &str = "host";

/// When a window that opened at `completed_at` closes.
pub fn closes_at(completed_at: DateTime<Utc>) -> DateTime<Utc> {
    completed_at + Duration::days(WINDOW_DAYS)
}

/// The categories a side rates, by the reservation's kind. A guest rates what they booked; a
/// host rates the guest (for stays, also how the place was left).
pub fn categories(kind: &str, role: &str) -> &'static [&'static str] {
    if role == HOST {
        return if kind == "stay" {
            &["cleanliness", "communication", "respect"]
        } else {
            &["communication", "respect"]
        };
    }
    match kind {
        "stay" => &["cleanliness", "accuracy", "checkIn", "communication", "location", "value"],
        "restaurant" => &["food", "service", "ambience", "cleanliness", "value"],
        "activity" => &["guide", "organization", "experience", "safety", "value"],
        "transport" => &["punctuality", "comfort", "driver", "cleanliness", "value"],
        "product" => &["quality", "accuracy", "packaging", "delivery", "value"],
        _ => &["value"],
    }
}

/// Where a review stands for those who may see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Written, hidden from the other side until both wrote or the window closed.
    Pending,
    Published,
    /// Hidden by a moderator.
    Hidden,
}

impl Status {
    pub fn of(published: bool, hidden: bool) -> Self {
        match (published, hidden) {
            (_, true) => Status::Hidden,
            (true, false) => Status::Published,
            (false, false) => Status::Pending,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Published => "published",
            Status::Hidden => "hidden",
        }
    }
}

/// How a viewer relates to a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Author,
    Subject,
    Admin,
    Anyone,
}

impl Viewer {
    /// Whether this viewer may read a review in `status`: its author and administrators
    /// always; everyone else once it is published and not hidden (double-blind until then).
    pub fn may_read(self, status: Status) -> bool {
        matches!(self, Viewer::Author | Viewer::Admin) || status == Status::Published
    }

    /// Whether the private note is shown: to the two sides and administrators.
    pub fn reads_private_note(self) -> bool {
        self != Viewer::Anyone
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_and_side_has_its_categories() {
        assert_eq!(categories("stay", GUEST).len(), 6);
        assert!(categories("stay", GUEST).contains(&"checkIn"));
        assert_eq!(categories("stay", HOST), ["cleanliness", "communication", "respect"]);
        assert_eq!(categories("restaurant", HOST), ["communication", "respect"]);
        for kind in ["restaurant", "activity", "transport", "product"] {
            assert_eq!(categories(kind, GUEST).len(), 5, "{kind}");
            assert!(categories(kind, GUEST).contains(&"value"), "{kind}");
        }
    }

    #[test]
    fn double_blind_hides_pending_and_hidden_reviews_from_all_but_author_and_admins() {
        for viewer in [Viewer::Subject, Viewer::Anyone] {
            assert!(!viewer.may_read(Status::Pending));
            assert!(!viewer.may_read(Status::Hidden));
            assert!(viewer.may_read(Status::Published));
        }
        for viewer in [Viewer::Author, Viewer::Admin] {
            assert!(viewer.may_read(Status::Pending) && viewer.may_read(Status::Hidden));
        }
        assert!(!Viewer::Anyone.reads_private_note());
        assert!(Viewer::Subject.reads_private_note());
        assert_eq!(Status::of(true, true), Status::Hidden);
    }

    #[test]
    fn the_window_closes_fourteen_days_after_completion() {
        let done = "2027-01-10T11:00:00Z".parse::<DateTime<Utc>>().unwrap_or_default();
        assert_eq!(closes_at(done).to_rfc3339(), "2027-01-24T11:00:00+00:00");
    }
}
