//! What lands in the guest's and the host's inboxes for each booking event: the other party
//! is told what they need to act on or know about; nobody is told what they just did.
//!
//! Reading an event is split from writing its text: [`notices_for`] decides who hears what
//! (pure, from the event alone), the caller looks up each reader's language, and
//! [`BookingNotices::drafts`] writes each notice in it ([`super::booking_texts`]).

use chrono::{DateTime, NaiveDate, Utc};
use kernel::EventEnvelope;
use serde_json::{Value, json};
use uuid::Uuid;

use super::booking_texts::{self, Notice};
use super::inbox::Draft;
use super::locale::{self, Lang, LocalTime};
use super::{BookingNews, Kind};

/// When a reservation is for, as its reader will be told.
#[derive(Debug, Clone, PartialEq)]
pub enum When {
    /// A stay: its check-in and check-out dates (already the listing's local dates).
    Dates(NaiveDate, NaiveDate),
    /// A table, session or departure, on the listing's clock.
    At(LocalTime),
    /// A product, or an event that says nothing usable: the sentence goes without it.
    Unknown,
}

/// What a notice may mention. Every field may be missing (older events carry no title); the
/// texts then leave the words out rather than a blank.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub title: Option<String>,
    /// A shop purchase: "order" rather than "booking".
    pub product: bool,
    pub when: When,
    pub respond_by: Option<LocalTime>,
    /// Minor units and currency, only when something is given back.
    pub refund: Option<(i64, String)>,
    /// Minor units and currency held on the guest's card (authorised, never taken) that the
    /// event lets go of: a declined or expired request. Nothing is refunded then.
    pub released: Option<(i64, String)>,
    /// Who cancelled, for a cancellation: `guest`, `host`, `admin`.
    pub cancelled_by: Option<String>,
}

/// The notices one booking event asks for, not yet written in anyone's language.
#[derive(Debug, Clone)]
pub struct BookingNotices {
    pub news: BookingNews,
    pub facts: Facts,
    pub data: Value,
    pub recipients: Vec<(Uuid, Notice)>,
}

impl BookingNotices {
    /// The notices, each in its reader's language.
    pub fn drafts(&self, lang_of: impl Fn(Uuid) -> Lang) -> Vec<Draft> {
        self.recipients
            .iter()
            .map(|&(user_id, notice)| {
                let (title, body) = booking_texts::render(notice, lang_of(user_id), &self.facts);
                Draft { user_id, kind: Kind::Booking(self.news), title, body, data: self.data.clone() }
            })
            .collect()
    }
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

fn instant(v: &Value, key: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text(v, key)?).ok().map(|t| t.with_timezone(&Utc))
}

fn date(v: &Value, key: &str) -> Option<NaiveDate> {
    text(v, key)?.parse().ok()
}

/// The facts a reservation (as booking's events carry it) gives a notice.
pub fn facts_of(r: &Value, refund: Option<i64>) -> Facts {
    let zone = text(r, "timezone");
    let when = match (date(r, "checkIn"), date(r, "checkOut"), instant(r, "startsAt")) {
        (Some(from), Some(to), _) => When::Dates(from, to),
        (_, _, Some(at)) => When::At(locale::local(at, zone)),
        _ => When::Unknown,
    };
    Facts {
        title: text(r, "listingTitle").map(|t| t.chars().take(120).collect()),
        product: text(r, "kind") == Some("product"),
        when,
        respond_by: instant(r, "respondBy").map(|t| locale::local(t, zone)),
        refund: refund.filter(|&n| n > 0).map(|n| (n, text(r, "currency").unwrap_or("EUR").to_owned())),
        released: r
            .get("authorised")
            .and_then(Value::as_i64)
            .filter(|&n| n > 0 && refund.unwrap_or(0) == 0)
            .map(|n| (n, text(r, "currency").unwrap_or("EUR").to_owned())),
        cancelled_by: text(r, "cancelledBy").map(str::to_owned),
    }
}

/// The notices a `booking.*` event asks for: `Ok(None)` for events that make none, `Err`
/// when the event is malformed (it is then skipped, not retried forever).
pub fn notices_for(event: &EventEnvelope) -> Result<Option<BookingNotices>, &'static str> {
    let news = match event.event_type.as_str() {
        "booking.requested" => BookingNews::Requested,
        "booking.confirmed" => BookingNews::Confirmed,
        "booking.declined" => BookingNews::Declined,
        "booking.cancelled" => BookingNews::Cancelled,
        "booking.expired" => BookingNews::Expired,
        _ => return Ok(None),
    };
    let r = event.data.get("reservation").ok_or("the event carries no reservation")?;
    let id =
        |key: &str| text(r, key).and_then(|s| Uuid::try_parse(s).ok()).ok_or("the reservation names no valid party");
    let (guest, host) = (id("guestId")?, id("hostId")?);
    let facts = facts_of(r, event.data.get("refundAmount").and_then(Value::as_i64));
    let recipients = match news {
        BookingNews::Requested => vec![(host, Notice::RequestToHost)],
        BookingNews::Confirmed => vec![(guest, Notice::ConfirmedToGuest), (host, Notice::ConfirmedToHost)],
        BookingNews::Declined => vec![(guest, Notice::DeclinedToGuest)],
        BookingNews::Cancelled if facts.cancelled_by.as_deref() == Some("guest") => {
            vec![(host, Notice::CancelledToHost)]
        }
        BookingNews::Cancelled => vec![(guest, Notice::CancelledToGuest)],
        // Only a request has an answer deadline: its expiry is the host's silence.
        BookingNews::Expired if facts.respond_by.is_some() => {
            vec![(guest, Notice::RequestExpiredToGuest), (host, Notice::RequestExpiredToHost)]
        }
        BookingNews::Expired => vec![(guest, Notice::HoldExpiredToGuest)],
    };
    let mut data = json!({ "event": event.event_type, "reservationId": r.get("id"), "listingId": r.get("listingId") });
    if news == BookingNews::Cancelled {
        data["cancelledBy"] = json!(facts.cancelled_by);
    }
    Ok(Some(BookingNotices { news, facts, data, recipients }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, reservation: Value, refund: Option<i64>) -> EventEnvelope {
        let data = json!({ "reservation": reservation, "refundAmount": refund });
        EventEnvelope::new(kind, kernel::new_id(), chrono::Utc::now(), data)
    }

    fn drafts(kind: &str, r: &Value, refund: Option<i64>, lang: Lang) -> Vec<Draft> {
        notices_for(&event(kind, r.clone(), refund)).unwrap().map(|n| n.drafts(|_| lang)).unwrap_or_default()
    }

    #[test]
    fn each_party_hears_what_the_other_did_with_a_type_per_event() {
        let (g, h) = (kernel::new_id(), kernel::new_id());
        let r = json!({"id": kernel::new_id(), "guestId": g, "hostId": h, "currency": "EUR", "kind": "stay",
                       "checkIn": "2027-03-10", "checkOut": "2027-03-13", "cancelledBy": "host"});
        let cancelled = drafts("booking.cancelled", &r, Some(12345), Lang::En);
        assert_eq!((cancelled.len(), cancelled[0].user_id), (1, g));
        assert_eq!(cancelled[0].kind.as_str(), "booking_cancelled");
        assert_eq!(cancelled[0].data["cancelledBy"], "host");
        assert!(cancelled[0].body.contains("123.45 EUR will be refunded"), "{}", cancelled[0].body);
        let mut by_guest = r.clone();
        by_guest["cancelledBy"] = json!("guest");
        let cancelled = drafts("booking.cancelled", &by_guest, Some(0), Lang::En);
        assert_eq!((cancelled.len(), cancelled[0].user_id), (1, h));
        let confirmed = drafts("booking.confirmed", &r, None, Lang::En);
        assert_eq!(confirmed.iter().map(|d| d.user_id).collect::<Vec<_>>(), [g, h]);
        assert!(confirmed.iter().all(|d| d.kind.as_str() == "booking_confirmed"));
        for (kind, expected) in [
            ("booking.requested", "booking_requested"),
            ("booking.declined", "booking_declined"),
            ("booking.expired", "booking_expired"),
        ] {
            assert_eq!(drafts(kind, &r, None, Lang::En)[0].kind.as_str(), expected, "{kind}");
        }
        assert!(drafts("booking.created", &r, None, Lang::En).is_empty());
        assert!(notices_for(&event("booking.completed", json!(null), None)).unwrap().is_none());
        assert!(notices_for(&event("booking.confirmed", json!({"guestId": "x"}), None)).is_err());
    }

    #[test]
    fn an_unanswered_request_and_an_unpaid_hold_expire_differently() {
        let (g, h) = (kernel::new_id(), kernel::new_id());
        let mut r = json!({"guestId": g, "hostId": h, "respondBy": "2026-12-07T01:12:24.310983Z"});
        let request = drafts("booking.expired", &r, None, Lang::En);
        assert_eq!(request.iter().map(|d| d.user_id).collect::<Vec<_>>(), [g, h]);
        r["respondBy"] = Value::Null;
        let hold = drafts("booking.expired", &r, None, Lang::En);
        assert_eq!((hold.len(), hold[0].title.as_str()), (1, "Your reservation expired"));
    }

    #[test]
    fn a_table_in_paris_reads_on_the_paris_clock_in_the_readers_language() {
        let (g, h) = (kernel::new_id(), kernel::new_id());
        let r = json!({"guestId": g, "hostId": h, "kind": "restaurant", "listingTitle": "Le Petit Bistro",
                       "timezone": "Europe/Paris", "startsAt": "2026-12-12T18:00:00Z",
                       "respondBy": "2026-12-07T01:12:24.310983Z"});
        let notices = notices_for(&event("booking.confirmed", r.clone(), None)).unwrap().unwrap();
        let by_reader = notices.drafts(|user| if user == g { Lang::Fr } else { Lang::En });
        assert_eq!(by_reader[0].title, "Votre réservation est confirmée");
        assert_eq!(
            by_reader[0].body,
            "Votre réservation pour «\u{a0}Le Petit Bistro\u{a0}» le samedi 12 décembre 2026 à 19:00 (Europe/Paris) est confirmée."
        );
        assert_eq!(
            by_reader[1].body,
            "A reservation of your listing “Le Petit Bistro” on Sat 12 Dec 2026, 19:00 (Europe/Paris) is confirmed."
        );
        let asked = drafts("booking.requested", &r, None, Lang::En);
        assert!(asked[0].body.ends_with("Please answer before Mon 7 Dec 2026, 02:12 (Europe/Paris)."), "{:?}", asked);
    }
}
