//! What an email adds to a notice's text: the booking's details as a small table (listing,
//! dates, amount, reference) and the link to act on, in the reader's language — taken from the
//! event the notice was made from, since the inbox keeps only ids. Payments and payouts show
//! their amount and reference, a new message links to its conversation, a trip reminder shows
//! its reservation as a booking mail does.

use kernel::EventEnvelope;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::domain::bookings::{When, facts_of};
use crate::domain::locale::{self, Lang};
use crate::domain::payment_texts::short_reference;

/// Details and the main action of a message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extras {
    /// (label, value), already in the reader's language.
    pub facts: Vec<(String, String)>,
    /// (label, path in the web app).
    pub action: Option<(String, String)>,
}

impl Extras {
    pub fn facts_json(&self) -> Value {
        Value::Array(self.facts.iter().map(|(label, value)| json!({"label": label, "value": value})).collect())
    }
}

fn say(lang: Lang, en: &str, fr: &str) -> String {
    match lang {
        Lang::En => en.to_owned(),
        Lang::Fr => fr.to_owned(),
    }
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// The short booking reference people quote: the first 8 characters of the id, upper case.
pub fn reference(id: &str) -> String {
    id.chars().filter(char::is_ascii_alphanumeric).take(8).collect::<String>().to_uppercase()
}

/// The details of a payment, refund or payout event: the amount, the booking's reference (or
/// how many reservations a payout pays for), and where to look.
fn money(event: &EventEnvelope, lang: Lang) -> Extras {
    let d = &event.data;
    let kind = event.event_type.as_str();
    let mut facts = Vec::new();
    if let (Some(amount), Some(currency)) = (d.get("amount").and_then(Value::as_i64), text(d, "currency")) {
        let label = if kind == "payment.refunded" {
            say(lang, "Refund", "Remboursement")
        } else {
            say(lang, "Amount", "Montant")
        };
        facts.push((label, locale::money(lang, amount, &currency.to_ascii_uppercase())));
    }
    if kind.starts_with("payout.") {
        if let Some(n) = d.get("reservations").and_then(Value::as_i64).filter(|n| *n > 0) {
            facts.push((say(lang, "Reservations", "Réservations"), n.to_string()));
        }
        let action = (say(lang, "View your payouts", "Voir vos versements"), "/host/payouts".to_owned());
        return Extras { facts, action: Some(action) };
    }
    if let Some(r) = text(d, "bookingReference").or_else(|| text(d, "reservationId")) {
        facts.push((say(lang, "Reference", "Référence"), short_reference(r)));
    }
    // A group (DreamScape's cart) has no one reservation: its reference leads to it.
    let target = text(d, "reservationId").or_else(|| text(d, "bookingReference"));
    let action = target.map(|id| {
        let label = if kind == "payment.failed" {
            say(lang, "Try again", "Réessayer")
        } else {
            say(lang, "View your booking", "Voir votre réservation")
        };
        (label, format!("/bookings/{id}"))
    });
    Extras { facts, action }
}

/// The details of a reservation (as booking's events carry it) for `reader`.
pub fn reservation(r: &Value, reader: Uuid, lang: Lang, refund: Option<i64>) -> Extras {
    let facts = facts_of(r, refund);
    let mut out = Vec::new();
    if let Some(title) = &facts.title {
        out.push((say(lang, "Listing", "Annonce"), title.clone()));
    }
    match &facts.when {
        When::Dates(from, to) => out.push((say(lang, "Dates", "Dates"), locale::date_range(lang, *from, *to))),
        When::At(t) => out.push((say(lang, "When", "Quand"), locale::date_time(lang, t))),
        When::Unknown => {}
    }
    if let Some(n) = r.get("quantity").and_then(Value::as_i64).filter(|n| *n > 0)
        && text(r, "kind") != Some("product")
    {
        out.push((say(lang, "Guests", "Personnes"), n.to_string()));
    }
    let currency = text(r, "currency").unwrap_or("EUR");
    let is_host = text(r, "hostId").and_then(|h| Uuid::try_parse(h).ok()) == Some(reader);
    if is_host {
        if let Some(payout) = r.get("quote").and_then(|q| q.get("hostPayout")).and_then(Value::as_i64) {
            out.push((say(lang, "Your payout", "Votre versement"), locale::money(lang, payout, currency)));
        }
    } else if let Some(total) = r.get("total").and_then(Value::as_i64) {
        out.push((say(lang, "Total", "Total"), locale::money(lang, total, currency)));
    }
    if let Some((amount, currency)) = &facts.refund {
        out.push((say(lang, "Refund", "Remboursement"), locale::money(lang, *amount, currency)));
    }
    let id = text(r, "id");
    if let Some(id) = id {
        out.push((say(lang, "Reference", "Référence"), reference(id)));
    }
    let action = id.map(|id| {
        let label = if is_host {
            say(lang, "View the reservation", "Voir la réservation")
        } else {
            say(lang, "View your booking", "Voir votre réservation")
        };
        (label, format!("/bookings/{id}"))
    });
    Extras { facts: out, action }
}

/// What an email of a notice made from `event` adds, for `reader`.
pub fn for_event(event: &EventEnvelope, reader: Uuid, lang: Lang) -> Extras {
    let d = &event.data;
    let kind = event.event_type.as_str();
    if kind.starts_with("booking.") || kind.starts_with("order.") {
        if let Some(r) = d.get("reservation") {
            return reservation(r, reader, lang, d.get("refundAmount").and_then(Value::as_i64));
        }
        return Extras::default();
    }
    if kind.starts_with("payment.") || kind.starts_with("payout.") {
        return money(event, lang);
    }
    if kind == "message.sent" {
        let action = text(d, "conversationId")
            .map(|id| (say(lang, "Read and reply", "Lire et répondre"), format!("/messages/{id}")));
        return Extras { facts: Vec::new(), action };
    }
    if kind == "trip.reminder" {
        // Made by the reminder sweep from the reservation its confirmation carried.
        return d.get("reservation").map(|r| reservation(r, reader, lang, None)).unwrap_or_default();
    }
    if kind.starts_with("review.") {
        let mut facts = Vec::new();
        if let Some(title) = text(d, "listingTitle") {
            facts.push((say(lang, "Listing", "Annonce"), title.to_owned()));
        }
        let action = text(d, "reservationId")
            .map(|id| (say(lang, "Write or read reviews", "Écrire ou lire les avis"), format!("/bookings/{id}")));
        return Extras { facts, action };
    }
    if kind.starts_with("user.") {
        let mut facts = Vec::new();
        if let Some(device) = text(d, "deviceLabel") {
            facts.push((say(lang, "Device", "Appareil"), device.to_owned()));
        }
        if let Some(ip) = text(d, "ip") {
            facts.push((say(lang, "IP address", "Adresse IP"), ip.to_owned()));
        }
        let action = Some((
            say(lang, "Review your security settings", "Vérifier votre sécurité"),
            "/settings/security".to_owned(),
        ));
        return Extras { facts, action };
    }
    Extras::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, data: Value) -> EventEnvelope {
        EventEnvelope::new(kind, kernel::new_id(), chrono::Utc::now(), data)
    }

    #[test]
    fn a_payment_shows_its_amount_and_reference_and_leads_to_the_booking() {
        let reservation = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
        let paid = json!({"amount": 22400, "currency": "eur", "reservationId": reservation,
                          "bookingReference": reservation});
        let e = for_event(&event("payment.succeeded", paid.clone()), kernel::new_id(), Lang::Fr);
        assert_eq!(
            e.facts,
            [("Montant".to_owned(), "224,00 EUR".to_owned()), ("Référence".to_owned(), "0193A1B2".to_owned())]
        );
        assert_eq!(e.action, Some(("Voir votre réservation".to_owned(), format!("/bookings/{reservation}"))));
        let e = for_event(&event("payment.refunded", paid.clone()), kernel::new_id(), Lang::En);
        assert_eq!(e.facts[0], ("Refund".to_owned(), "224.00 EUR".to_owned()));
        let e = for_event(&event("payment.failed", paid), kernel::new_id(), Lang::En);
        assert_eq!(e.action.map(|a| a.0).as_deref(), Some("Try again"));
        let group = json!({"amount": 100, "currency": "EUR", "bookingReference": "DS-7KQ2M9"});
        let e = for_event(&event("payment.succeeded", group), kernel::new_id(), Lang::En);
        assert_eq!(e.facts[1].1, "DS-7KQ2M9");
        assert_eq!(e.action.map(|a| a.1).as_deref(), Some("/bookings/DS-7KQ2M9"));
    }

    #[test]
    fn a_payout_a_message_and_a_reminder_lead_where_to_act() {
        let payout = json!({"amount": 17000, "currency": "EUR", "reservations": 2});
        let e = for_event(&event("payout.paid", payout), kernel::new_id(), Lang::En);
        assert_eq!(e.facts[1], ("Reservations".to_owned(), "2".to_owned()));
        assert_eq!(e.action, Some(("View your payouts".to_owned(), "/host/payouts".to_owned())));
        let c = kernel::new_id();
        let e = for_event(&event("message.sent", json!({"conversationId": c})), kernel::new_id(), Lang::Fr);
        assert_eq!(e.action, Some(("Lire et répondre".to_owned(), format!("/messages/{c}"))));
        let guest = kernel::new_id();
        let r = json!({"id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "guestId": guest, "kind": "stay",
                       "listingTitle": "Canal flat", "checkIn": "2027-03-28", "checkOut": "2027-03-30",
                       "total": 22400, "currency": "EUR"});
        let e = for_event(&event("trip.reminder", json!({"reservation": r})), guest, Lang::En);
        assert_eq!(e.facts[0], ("Listing".to_owned(), "Canal flat".to_owned()));
        assert_eq!(e.facts[1], ("Dates".to_owned(), "28–30 March 2027".to_owned()));
        assert!(e.action.is_some_and(|a| a.1 == "/bookings/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"));
    }
}
