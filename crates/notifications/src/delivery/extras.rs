//! What an email adds to a notice's text: the booking's details as a small table (listing,
//! dates, amount, reference) and the link to act on, in the reader's language — taken from the
//! event the notice was made from, since the inbox keeps only ids.

use kernel::EventEnvelope;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::domain::bookings::{When, facts_of};
use crate::domain::locale::{self, Lang};

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
