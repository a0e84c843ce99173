//! What lands in an inbox for each review event. Reviews are double-blind: a review stays
//! hidden until both sides have written theirs or the window closes, so the notices are what
//! moves people to write (the other side reviewed you, reminders) and what tells them the
//! outcome (a review published, answered, hidden or restored).
//!
//! Every review event tells one person, so reading an event yields at most one notice:
//! [`notice_for`] decides who hears what (pure, from the event alone), the caller looks up
//! that reader's language, and [`ReviewNotice::draft`] writes it ([`super::review_texts`]).
//! Nobody is told what they just did themselves.

use chrono::{DateTime, Utc};
use kernel::EventEnvelope;
use serde_json::{Value, json};
use uuid::Uuid;

use super::Kind;
use super::inbox::Draft;
use super::locale::{self, Lang, LocalTime};
use super::review_texts;

/// Which side of a reservation someone is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Guest,
    Host,
}

impl Role {
    fn parse(raw: Option<&str>) -> Option<Role> {
        match raw {
            Some("guest") => Some(Role::Guest),
            Some("host") => Some(Role::Host),
            _ => None,
        }
    }
}

/// Which notice a reader gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// The other side (`author`) reviewed the reader, who has not yet: write yours to read theirs.
    ReviewedYou { author: Role },
    /// A review of the reader (written by `author`) is now public.
    Published { author: Role },
    /// The reviewed party answered the reader's review.
    Responded,
    /// Moderation hid the reader's review.
    Hidden,
    /// Moderation made the reader's review visible again.
    Restored,
    /// The reader (on side `role`) has not reviewed yet; the first or the last reminder.
    Reminder { role: Role, last: bool },
}

/// What a notice may mention. Every field may be missing: the texts leave it out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Facts {
    pub title: Option<String>,
    /// Until when a review can be written, on the listing's clock when the event names its
    /// zone, else in UTC (labelled).
    pub closes_at: Option<LocalTime>,
    /// Whole days left to write, rounded to the nearest day, from when the event occurred.
    pub days_left: Option<i64>,
    /// The overall rating, 1 to 5.
    pub rating: Option<f64>,
    /// The moderator's reason for hiding a review.
    pub reason: Option<String>,
}

/// The one notice a review event asks for, not yet written in its reader's language.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewNotice {
    pub user_id: Uuid,
    pub notice: Notice,
    pub facts: Facts,
    /// What a client needs to link the notice (`reviewId`, `reservationId`, `listingId`...).
    pub data: Value,
}

impl ReviewNotice {
    /// The notice, in `lang`.
    pub fn draft(&self, lang: Lang) -> Draft {
        let (title, body) = review_texts::render(self.notice, lang, &self.facts);
        Draft { user_id: self.user_id, kind: Kind::Reviews, title, body, data: self.data.clone() }
    }
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

fn id(v: &Value, key: &str) -> Option<Uuid> {
    text(v, key).and_then(|s| Uuid::try_parse(s).ok())
}

fn instant(v: &Value, key: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text(v, key)?).ok().map(|t| t.with_timezone(&Utc))
}

/// Days from `from` to `to`, to the nearest whole day (never below 0).
pub fn days_between(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    ((to - from).num_minutes().max(0) + 12 * 60) / (24 * 60)
}

/// The notice a `review.*` event asks for: `Ok(None)` for events that make none (a summary
/// change, an unknown type, a review the subject has already answered with their own, a notice
/// to its own actor), `Err` when the event lacks what it must carry (it is then skipped, not
/// retried forever).
pub fn notice_for(event: &EventEnvelope) -> Result<Option<ReviewNotice>, &'static str> {
    let d = &event.data;
    let review = || id(d, "reviewId").ok_or("the event names no valid review id");
    let closes = instant(d, "closesAt");
    let mut facts = Facts {
        title: text(d, "listingTitle").map(|t| t.chars().take(120).collect()),
        closes_at: closes.map(|t| locale::local(t, text(d, "timezone"))),
        ..Facts::default()
    };
    let mut data = json!({ "event": event.event_type, "listingId": id(d, "listingId") });
    let (user, notice) = match event.event_type.as_str() {
        "review.created" => {
            let review = review()?;
            let subject = id(d, "subjectId").ok_or("the event names no valid subject")?;
            let author = Role::parse(text(d, "authorRole")).ok_or("the event names no valid author role")?;
            let answered = d.get("subjectHasReviewed").and_then(Value::as_bool).ok_or("subjectHasReviewed missing")?;
            // The subject already wrote theirs: both are published together, and that is the news.
            if answered || id(d, "authorId") == Some(subject) {
                return Ok(None);
            }
            data["reviewId"] = json!(review);
            data["reservationId"] = json!(id(d, "reservationId"));
            data["closesAt"] = json!(closes);
            data["authorRole"] = json!(text(d, "authorRole"));
            (subject, Notice::ReviewedYou { author })
        }
        "review.published" => {
            let review = review()?;
            let subject = id(d, "subjectId").ok_or("the event names no valid subject")?;
            let author = Role::parse(text(d, "authorRole")).ok_or("the event names no valid author role")?;
            if id(d, "authorId") == Some(subject) {
                return Ok(None);
            }
            facts.rating = d.get("rating").and_then(Value::as_f64).filter(|r| (1.0..=5.0).contains(r));
            data["reviewId"] = json!(review);
            data["reservationId"] = json!(id(d, "reservationId"));
            data["rating"] = json!(facts.rating);
            data["authorRole"] = json!(text(d, "authorRole"));
            (subject, Notice::Published { author })
        }
        "review.responded" => {
            let review = review()?;
            let author = id(d, "authorId").ok_or("the event names no valid author")?;
            if id(d, "responderId") == Some(author) {
                return Ok(None);
            }
            data["reviewId"] = json!(review);
            (author, Notice::Responded)
        }
        "review.moderated" => {
            let review = review()?;
            let author = id(d, "authorId").ok_or("the event names no valid author")?;
            let notice = match text(d, "action") {
                Some("hidden") => Notice::Hidden,
                Some("restored") => Notice::Restored,
                _ => return Err("the event names no valid moderation action"),
            };
            if notice == Notice::Hidden {
                facts.reason = text(d, "reason").map(|r| r.chars().take(500).collect());
            }
            data["reviewId"] = json!(review);
            data["action"] = json!(text(d, "action"));
            (author, notice)
        }
        "review.reminder" => {
            let user = id(d, "userId").ok_or("the event names no valid user")?;
            let reservation = id(d, "reservationId").ok_or("the event names no valid reservation")?;
            let role = Role::parse(text(d, "role")).ok_or("the event names no valid role")?;
            let last = match text(d, "stage") {
                Some("first") => false,
                Some("last") => true,
                _ => return Err("the event names no valid reminder stage"),
            };
            facts.days_left = closes.map(|t| days_between(event.occurred_at, t));
            data["reservationId"] = json!(reservation);
            data["closesAt"] = json!(closes);
            data["role"] = json!(text(d, "role"));
            data["stage"] = json!(text(d, "stage"));
            (user, Notice::Reminder { role, last })
        }
        _ => return Ok(None),
    };
    Ok(Some(ReviewNotice { user_id: user, notice, facts, data }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, data: Value) -> EventEnvelope {
        let at = DateTime::parse_from_rfc3339("2027-03-20T10:00:00Z").unwrap().with_timezone(&Utc);
        EventEnvelope::new(kind, kernel::new_id(), at, data)
    }

    fn created(subject: Uuid, answered: Value) -> Value {
        json!({"reviewId": kernel::new_id(), "reservationId": kernel::new_id(), "listingId": kernel::new_id(),
               "listingTitle": "Cosy loft", "authorId": kernel::new_id(), "subjectId": subject,
               "authorRole": "guest", "closesAt": "2027-03-30T10:00:00Z", "subjectHasReviewed": answered})
    }

    #[test]
    fn a_hidden_review_tells_its_subject_only_while_they_have_not_written_theirs() {
        let host = kernel::new_id();
        let n = notice_for(&event("review.created", created(host, json!(false)))).unwrap().unwrap();
        assert_eq!((n.user_id, n.notice), (host, Notice::ReviewedYou { author: Role::Guest }));
        assert_eq!(n.data["closesAt"], "2027-03-30T10:00:00Z");
        assert_eq!(n.data["event"], "review.created");
        assert!(n.data["reviewId"].is_string() && n.data["reservationId"].is_string(), "{}", n.data);
        assert_eq!(n.draft(Lang::En).kind, Kind::Reviews);
        assert_eq!(notice_for(&event("review.created", created(host, json!(true)))), Ok(None));
        assert!(notice_for(&event("review.created", created(host, json!(null)))).is_err());
        let mut bad = created(host, json!(false));
        bad["authorRole"] = json!("admin");
        assert!(notice_for(&event("review.created", bad)).is_err());
    }

    #[test]
    fn each_event_tells_the_one_person_it_concerns() {
        let (author, subject) = (kernel::new_id(), kernel::new_id());
        let review = kernel::new_id();
        let published = json!({"reviewId": review, "authorId": author, "subjectId": subject, "authorRole": "host",
                               "rating": 4, "listingTitle": null});
        let n = notice_for(&event("review.published", published)).unwrap().unwrap();
        assert_eq!(
            (n.user_id, n.notice, n.facts.rating),
            (subject, Notice::Published { author: Role::Host }, Some(4.0))
        );
        let responded = json!({"reviewId": review, "authorId": author, "responderId": subject});
        let n = notice_for(&event("review.responded", responded)).unwrap().unwrap();
        assert_eq!((n.user_id, n.notice), (author, Notice::Responded));
        for (action, notice) in [("hidden", Notice::Hidden), ("restored", Notice::Restored)] {
            let moderated = json!({"reviewId": review, "authorId": author, "action": action, "reason": "Off topic"});
            let n = notice_for(&event("review.moderated", moderated)).unwrap().unwrap();
            assert_eq!((n.user_id, n.notice), (author, notice));
            assert_eq!(n.facts.reason.is_some(), notice == Notice::Hidden, "a restored review has no reason to tell");
        }
        let reminder = json!({"userId": subject, "reservationId": kernel::new_id(), "role": "host", "stage": "last",
                              "closesAt": "2027-03-23T09:00:00Z"});
        let n = notice_for(&event("review.reminder", reminder)).unwrap().unwrap();
        assert_eq!((n.user_id, n.notice), (subject, Notice::Reminder { role: Role::Host, last: true }));
        assert_eq!(n.facts.days_left, Some(3));
        assert_eq!(n.data["stage"], "last");
    }

    #[test]
    fn other_review_events_make_nothing_and_broken_ones_are_errors() {
        let listing = json!({"listingId": kernel::new_id(), "version": 3, "reviewCount": 1});
        assert_eq!(notice_for(&event("review.summary_changed", listing)), Ok(None));
        assert_eq!(notice_for(&event("review.flagged", json!({}))), Ok(None));
        let someone = kernel::new_id();
        let own = json!({"reviewId": kernel::new_id(), "authorId": someone, "responderId": someone});
        assert_eq!(notice_for(&event("review.responded", own)), Ok(None), "nobody hears of their own reply");
        for (kind, data) in [
            ("review.published", json!({"reviewId": "x", "subjectId": someone, "authorRole": "guest"})),
            ("review.responded", json!({"reviewId": kernel::new_id()})),
            ("review.moderated", json!({"reviewId": kernel::new_id(), "authorId": someone, "action": "deleted"})),
            ("review.reminder", json!({"userId": someone, "reservationId": kernel::new_id(), "role": "guest"})),
            ("review.reminder", json!({"userId": someone, "role": "guest", "stage": "first"})),
            ("review.created", json!(null)),
        ] {
            assert!(notice_for(&event(kind, data.clone())).is_err(), "{kind} {data}");
        }
    }

    #[test]
    fn days_left_round_to_the_nearest_day() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let from = t("2027-03-20T10:00:00Z");
        assert_eq!(days_between(from, t("2027-03-23T10:00:00Z")), 3);
        assert_eq!(days_between(from, t("2027-03-23T09:55:00Z")), 3, "a reminder sent a little late");
        assert_eq!(days_between(from, t("2027-03-22T21:00:00Z")), 2);
        assert_eq!(days_between(from, t("2027-03-20T12:00:00Z")), 0);
        assert_eq!(days_between(from, t("2027-03-19T12:00:00Z")), 0, "already closed");
    }
}
