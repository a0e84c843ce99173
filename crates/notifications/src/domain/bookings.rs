//! What lands in the guest's and the host's inboxes for each booking event: the other party
//! is told what they need to act on or know about; nobody is told what they just did.

use kernel::EventEnvelope;
use serde_json::{Value, json};
use uuid::Uuid;

use super::inbox::Draft;
use super::{Kind, Topic};

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

/// `12345` EUR → `123.45 EUR`, in the currency's minor units.
pub fn money(amount: i64, currency: &str) -> String {
    match kernel::Currency::parse(currency) {
        Ok(c) => kernel::Money::new(amount, c).to_string(),
        Err(_) => format!("{amount} {currency}"),
    }
}

/// When the reservation is for: its dates, or its start.
fn when(r: &Value) -> String {
    match (text(r, "checkIn"), text(r, "checkOut")) {
        (Some(a), Some(b)) => format!("from {a} to {b}"),
        _ => text(r, "startsAt").map_or_else(String::new, |s| format!("on {s}")),
    }
}

/// The notices a `booking.*` event asks for (none for most events).
pub fn drafts_for(event: &EventEnvelope) -> Result<Vec<Draft>, &'static str> {
    let r = event.data.get("reservation").ok_or("the event carries no reservation")?;
    let id =
        |key: &str| text(r, key).and_then(|s| Uuid::try_parse(s).ok()).ok_or("the reservation names no valid party");
    let (guest, host) = (id("guestId")?, id("hostId")?);
    let when = when(r);
    let refund = event.data.get("refundAmount").and_then(Value::as_i64).unwrap_or(0);
    let currency = text(r, "currency").unwrap_or("EUR");
    let refund_line =
        if refund > 0 { format!(" {} will be refunded to you.", money(refund, currency)) } else { String::new() };
    let data = json!({ "event": event.event_type, "reservationId": r.get("id"), "listingId": r.get("listingId") });
    let notice = |user: Uuid, title: &str, body: String| Draft {
        user_id: user,
        kind: Kind::Topic(Topic::BookingConfirmation),
        title: title.to_owned(),
        body,
        data: data.clone(),
    };
    let drafts = match event.event_type.as_str() {
        "booking.requested" => {
            let by = text(r, "respondBy").map_or_else(String::new, |t| format!(" Please answer before {t}."));
            vec![notice(host, "New booking request", format!("A guest asked to book your listing {when}.{by}"))]
        }
        "booking.confirmed" => vec![
            notice(guest, "Your booking is confirmed", format!("Your reservation {when} is confirmed.")),
            notice(host, "New confirmed booking", format!("A reservation of your listing {when} is confirmed.")),
        ],
        "booking.declined" => vec![notice(
            guest,
            "Your booking request was declined",
            format!("The host could not accept your request {when}.{refund_line}"),
        )],
        "booking.cancelled" => match text(r, "cancelledBy") {
            Some("guest") => vec![notice(
                host,
                "A guest cancelled",
                format!("The reservation of your listing {when} was cancelled by the guest."),
            )],
            _ => vec![notice(
                guest,
                "Your booking was cancelled",
                format!("Your reservation {when} was cancelled by the host.{refund_line}"),
            )],
        },
        "booking.expired" if text(r, "respondBy").is_some() => vec![
            notice(
                guest,
                "Your booking request expired",
                format!("The host did not answer your request {when} in time.{refund_line}"),
            ),
            notice(
                host,
                "A booking request expired",
                format!("A request to book your listing {when} was not answered in time."),
            ),
        ],
        "booking.expired" => vec![notice(
            guest,
            "Your reservation expired",
            format!("Your reservation {when} was not paid in time and has been released."),
        )],
        _ => vec![],
    };
    Ok(drafts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, reservation: Value, refund: Option<i64>) -> EventEnvelope {
        let data = json!({ "reservation": reservation, "refundAmount": refund });
        EventEnvelope::new(kind, kernel::new_id(), chrono::Utc::now(), data)
    }

    #[test]
    fn each_party_hears_what_the_other_did() {
        let (g, h) = (kernel::new_id(), kernel::new_id());
        let r = json!({"id": kernel::new_id(), "guestId": g, "hostId": h, "currency": "EUR",
                       "checkIn": "2027-03-10", "checkOut": "2027-03-13", "cancelledBy": "host"});
        let cancelled = drafts_for(&event("booking.cancelled", r.clone(), Some(12345))).unwrap_or_default();
        assert_eq!(cancelled.len(), 1);
        assert_eq!(cancelled[0].user_id, g);
        assert!(cancelled[0].body.contains("123.45 EUR will be refunded"), "{}", cancelled[0].body);
        let mut by_guest = r.clone();
        by_guest["cancelledBy"] = json!("guest");
        let cancelled = drafts_for(&event("booking.cancelled", by_guest, Some(0))).unwrap_or_default();
        assert_eq!((cancelled.len(), cancelled[0].user_id), (1, h));
        let confirmed = drafts_for(&event("booking.confirmed", r.clone(), None)).unwrap_or_default();
        assert_eq!(confirmed.iter().map(|d| d.user_id).collect::<Vec<_>>(), [g, h]);
        assert!(drafts_for(&event("booking.created", r, None)).unwrap_or_default().is_empty());
        assert!(drafts_for(&event("booking.confirmed", json!({"guestId": "x"}), None)).is_err());
        assert_eq!(money(5, "JPY"), "5 JPY");
        assert_eq!(money(-1005, "EUR"), "-10.05 EUR");
    }
}
