//! The words of the trip reminder a guest gets the day before their reservation starts, in
//! English and French: what they booked, when, and (for a stay) from what time they can check
//! in — always on the listing's clock, with its zone named.

use chrono::{DateTime, Timelike, Utc};
use serde_json::Value;

use super::booking_texts::{capitalised, quoted, words};
use super::bookings::{When, facts_of};
use super::locale::{self, Lang, LocalTime};

/// What was booked, as far as the reminder's words go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trip {
    Stay,
    /// A restaurant table.
    Table,
    /// A session, a departure, anything else with a start.
    Other,
}

/// What a reminder may mention; each piece may be missing.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub trip: Trip,
    pub title: Option<String>,
    pub when: When,
    /// A stay's check-in, on the listing's clock.
    pub check_in: Option<LocalTime>,
}

/// The reminder's facts from a reservation (as booking's events carry it) that starts at
/// `start` (a stay's check-in instant).
pub fn facts(r: &Value, start: Option<DateTime<Utc>>) -> Facts {
    let f = facts_of(r, None);
    let trip = match r.get("kind").and_then(Value::as_str) {
        Some("stay") => Trip::Stay,
        Some("restaurant") => Trip::Table,
        _ => Trip::Other,
    };
    let zone = r.get("timezone").and_then(Value::as_str);
    Facts {
        trip,
        title: f.title,
        when: f.when,
        check_in: start.filter(|_| trip == Trip::Stay).map(|at| locale::local(at, zone)),
    }
}

/// "16:00 (Europe/Paris)".
fn clock(t: &LocalTime) -> String {
    format!("{:02}:{:02} ({})", t.at.hour(), t.at.minute(), t.zone)
}

/// The title and body of a trip reminder for a reader of `lang`.
pub fn render(lang: Lang, f: &Facts) -> (String, String) {
    let title = quoted(lang, f.title.as_deref());
    match lang {
        Lang::En => english(f, &title),
        Lang::Fr => french(f, &title),
    }
}

fn english(f: &Facts, title: &str) -> (String, String) {
    let at = if title.is_empty() { String::new() } else { format!("at {title}") };
    match (f.trip, &f.when) {
        (Trip::Stay, when) => {
            let dates = match when {
                When::Dates(from, to) => format!("({})", locale::date_range(Lang::En, *from, *to)),
                _ => String::new(),
            };
            let check_in = f.check_in.as_ref().map(|t| format!(" Check-in from {}.", clock(t))).unwrap_or_default();
            (
                "Your trip is tomorrow".to_owned(),
                format!("{}.{check_in}", words(&["Your stay", &at, "starts tomorrow", &dates])),
            )
        }
        (Trip::Table, When::At(t)) => (
            "Your table is booked for tomorrow".to_owned(),
            format!("{}.", words(&["Your table", &at, "is booked for", &locale::date_time(Lang::En, t)])),
        ),
        (Trip::Table, _) => {
            ("Your table is booked for tomorrow".to_owned(), format!("{}.", words(&["Your table", &at, "is tomorrow"])))
        }
        (Trip::Other, when) => {
            let on = match when {
                When::At(t) => format!(", {}", locale::date_time(Lang::En, t)),
                _ => String::new(),
            };
            let what = if title.is_empty() { String::new() } else { format!("for {title}") };
            ("Your trip is tomorrow".to_owned(), format!("{}{on}.", words(&["Your reservation", &what, "is tomorrow"])))
        }
    }
}

fn french(f: &Facts, title: &str) -> (String, String) {
    let at = if title.is_empty() { String::new() } else { format!("à {title}") };
    match (f.trip, &f.when) {
        (Trip::Stay, when) => {
            let dates = match when {
                When::Dates(from, to) => format!("({})", locale::date_range(Lang::Fr, *from, *to)),
                _ => String::new(),
            };
            let check_in =
                f.check_in.as_ref().map(|t| format!(" Arrivée à partir de {}.", clock(t))).unwrap_or_default();
            (
                "Votre voyage, c'est demain".to_owned(),
                format!("{}.{check_in}", words(&["Votre séjour", &at, "commence demain", &dates])),
            )
        }
        (Trip::Table, When::At(t)) => (
            "Votre table est réservée pour demain".to_owned(),
            format!("{}.", words(&["Votre table", &at, "est réservée pour le", &locale::date_time(Lang::Fr, t)])),
        ),
        (Trip::Table, _) => (
            "Votre table est réservée pour demain".to_owned(),
            format!("{}.", words(&["Votre table", &at, "est réservée pour demain"])),
        ),
        (Trip::Other, when) => {
            let on = match when {
                When::At(t) => format!(", le {}", locale::date_time(Lang::Fr, t)),
                _ => String::new(),
            };
            let what = if title.is_empty() { String::new() } else { format!("pour {title}") };
            (
                "Votre voyage, c'est demain".to_owned(),
                format!("{}{on}.", capitalised(&words(&["votre réservation", &what, "a lieu demain"]))),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_stay_names_its_dates_and_check_in_time_on_the_listings_clock() {
        let r = json!({"kind": "stay", "listingTitle": "Canal flat", "timezone": "Europe/Paris",
                       "checkIn": "2027-03-28", "checkOut": "2027-03-30"});
        // 28 March 2027 is the spring change in Paris: 14:00 UTC is 16:00 there (UTC+2).
        let f = facts(&r, Some(utc("2027-03-28T14:00:00Z")));
        assert_eq!(
            render(Lang::En, &f),
            (
                "Your trip is tomorrow".to_owned(),
                "Your stay at “Canal flat” starts tomorrow (28–30 March 2027). Check-in from 16:00 (Europe/Paris)."
                    .to_owned()
            )
        );
        assert_eq!(
            render(Lang::Fr, &f),
            (
                "Votre voyage, c'est demain".to_owned(),
                "Votre séjour à «\u{a0}Canal flat\u{a0}» commence demain (du 28 au 30 mars 2027). Arrivée à partir \
                 de 16:00 (Europe/Paris)."
                    .to_owned()
            )
        );
    }

    #[test]
    fn a_table_and_a_session_name_their_time() {
        let table = json!({"kind": "restaurant", "listingTitle": "Bistro", "timezone": "Europe/Paris",
                           "startsAt": "2026-12-12T18:00:00Z"});
        let f = facts(&table, Some(utc("2026-12-12T18:00:00Z")));
        assert_eq!(f.check_in, None, "only a stay has a check-in");
        assert_eq!(
            render(Lang::En, &f).1,
            "Your table at “Bistro” is booked for Sat 12 Dec 2026, 19:00 (Europe/Paris)."
        );
        assert_eq!(
            render(Lang::Fr, &f).1,
            "Votre table à «\u{a0}Bistro\u{a0}» est réservée pour le samedi 12 décembre 2026 à 19:00 (Europe/Paris)."
        );
        let walk = json!({"kind": "activity", "listingTitle": "Old town walk", "timezone": "Europe/Paris",
                          "startsAt": "2027-07-03T08:00:00Z"});
        let f = facts(&walk, None);
        assert_eq!(
            render(Lang::En, &f),
            (
                "Your trip is tomorrow".to_owned(),
                "Your reservation for “Old town walk” is tomorrow, Sat 3 Jul 2027, 10:00 (Europe/Paris).".to_owned()
            )
        );
        assert_eq!(
            render(Lang::Fr, &f).1,
            "Votre réservation pour «\u{a0}Old town walk\u{a0}» a lieu demain, le samedi 3 juillet 2027 à 10:00 \
             (Europe/Paris)."
        );
    }

    #[test]
    fn missing_pieces_leave_no_blanks() {
        for kind in ["stay", "restaurant", "activity"] {
            for lang in [Lang::En, Lang::Fr] {
                let (title, body) = render(lang, &facts(&json!({"kind": kind}), None));
                for text in [&title, &body] {
                    assert!(!text.contains("  ") && !text.contains(" .") && !text.contains("()"), "{text:?}");
                    assert!(!text.contains("“”") && !text.starts_with(' '), "{text:?}");
                }
                assert!(body.ends_with('.'), "{body:?}");
            }
        }
        assert_eq!(render(Lang::En, &facts(&json!({"kind": "stay"}), None)).1, "Your stay starts tomorrow.");
        assert_eq!(render(Lang::Fr, &facts(&json!({}), None)).1, "Votre réservation a lieu demain.");
    }
}
