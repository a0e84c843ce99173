//! The words of booking notices, in English and French. Each sentence is assembled from
//! pieces that may be missing (no title on an older event, no date for a product): missing
//! pieces are left out with their quotes and spaces, so no notice reads "your listing  is".

use super::bookings::{Facts, When};
use super::locale::{self, Lang};

/// Which notice a reader gets, by event and by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    RequestToHost,
    ConfirmedToGuest,
    ConfirmedToHost,
    DeclinedToGuest,
    /// The guest cancelled; the host is told.
    CancelledToHost,
    /// The host (or an administrator) cancelled; the guest is told.
    CancelledToGuest,
    RequestExpiredToGuest,
    RequestExpiredToHost,
    HoldExpiredToGuest,
}

/// The non-empty pieces, one space apart.
pub(super) fn words(parts: &[&str]) -> String {
    parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ")
}

/// The listing's title in the language's quotes, or nothing.
pub(super) fn quoted(lang: Lang, title: Option<&str>) -> String {
    match (lang, title) {
        (_, None) => String::new(),
        (Lang::En, Some(t)) => format!("“{t}”"),
        (Lang::Fr, Some(t)) => format!("«\u{a0}{t}\u{a0}»"),
    }
}

/// When, as the end of a clause: "on Sat 12 Dec 2026, 19:00 (Europe/Paris)", "for 12–15
/// March 2027", "le samedi 12 décembre 2026 à 19:00 (Europe/Paris)", "du 12 au 15 mars 2027".
fn when(lang: Lang, w: &When) -> String {
    match (lang, w) {
        (_, When::Unknown) => String::new(),
        (Lang::En, When::Dates(a, b)) => format!("for {}", locale::date_range(lang, *a, *b)),
        (Lang::Fr, When::Dates(a, b)) => locale::date_range(lang, *a, *b),
        (Lang::En, When::At(t)) => format!("on {}", locale::date_time(lang, t)),
        (Lang::Fr, When::At(t)) => format!("le {}", locale::date_time(lang, t)),
    }
}

/// The title and body of `notice` for a reader of `lang`.
pub fn render(notice: Notice, lang: Lang, f: &Facts) -> (String, String) {
    let title = quoted(lang, f.title.as_deref());
    let when = when(lang, &f.when);
    let refund = match (&f.refund, &f.released) {
        (Some((amount, currency)), _) => {
            let amount = locale::money(lang, *amount, currency);
            match lang {
                Lang::En => format!(" {amount} will be refunded to you."),
                Lang::Fr => format!(" {amount} vous seront remboursés."),
            }
        }
        (None, Some((amount, currency))) => {
            let amount = locale::money(lang, *amount, currency);
            match lang {
                Lang::En => format!(" The {amount} held on your card is released; nothing was charged."),
                Lang::Fr => format!(" Les {amount} bloqués sur votre carte sont libérés ; rien n'a été débité."),
            }
        }
        (None, None) => String::new(),
    };
    let deadline = f.respond_by.as_ref().map(|t| locale::date_time(lang, t));
    match lang {
        Lang::En => english(notice, f, &title, &when, &refund, deadline),
        Lang::Fr => french(notice, f, &title, &when, &refund, deadline),
    }
}

fn english(
    notice: Notice,
    f: &Facts,
    title: &str,
    when: &str,
    refund: &str,
    deadline: Option<String>,
) -> (String, String) {
    let p = |booking: &'static str, order: &'static str| if f.product { order } else { booking };
    let (guest, host) = (p("guest", "buyer"), p("host", "seller"));
    let yours =
        words(&[p("Your reservation", "Your order"), if title.is_empty() { "" } else { p("for", "of") }, title]);
    let listing = words(&["your listing", title]);
    let (heading, body) = match notice {
        Notice::RequestToHost => {
            let by = deadline.map_or_else(String::new, |d| format!(" Please answer before {d}."));
            (
                p("New booking request", "New order request").to_owned(),
                format!("{}.{by}", words(&["A", guest, "asked to", p("book", "buy"), &listing, when])),
            )
        }
        Notice::ConfirmedToGuest => (
            p("Your booking is confirmed", "Your order is confirmed").to_owned(),
            format!("{}.", words(&[&yours, when, "is confirmed"])),
        ),
        Notice::ConfirmedToHost => (
            p("New confirmed booking", "New confirmed order").to_owned(),
            format!("{}.", words(&[p("A reservation", "An order"), "of", &listing, when, "is confirmed"])),
        ),
        Notice::DeclinedToGuest => (
            p("Your booking request was declined", "Your order request was declined").to_owned(),
            format!("{}.{refund}", words(&["The", host, "could not accept your request", &request_for(title), when])),
        ),
        Notice::CancelledToHost => (
            format!("A {guest} cancelled"),
            format!(
                "{}.",
                words(&["The", p("reservation", "order"), "of", &listing, when, "was cancelled by the", guest])
            ),
        ),
        Notice::CancelledToGuest => {
            let by = match f.cancelled_by.as_deref() {
                Some("host") => format!("by the {host}"),
                Some("admin") => "by Sojourn".to_owned(),
                _ => String::new(),
            };
            (
                p("Your booking was cancelled", "Your order was cancelled").to_owned(),
                format!("{}.{refund}", words(&[&yours, when, "was cancelled", &by])),
            )
        }
        Notice::RequestExpiredToGuest => (
            p("Your booking request expired", "Your order request expired").to_owned(),
            format!(
                "{}.{refund}",
                words(&["The", host, "did not answer your request", &request_for(title), when, "in time"])
            ),
        ),
        Notice::RequestExpiredToHost => (
            p("A booking request expired", "An order request expired").to_owned(),
            format!("{}.", words(&["A request to", p("book", "buy"), &listing, when, "was not answered in time"])),
        ),
        Notice::HoldExpiredToGuest => (
            p("Your reservation expired", "Your order expired").to_owned(),
            format!("{}.", words(&[&yours, when, "was not paid in time and has been", p("released", "cancelled")])),
        ),
    };
    (heading, body)
}

/// "for “Title”" when there is a title to name.
fn request_for(title: &str) -> String {
    if title.is_empty() { String::new() } else { format!("for {title}") }
}

fn french(
    notice: Notice,
    f: &Facts,
    title: &str,
    when: &str,
    refund: &str,
    deadline: Option<String>,
) -> (String, String) {
    // "réservation" and "commande" are both feminine: the agreements below hold for either.
    let p = |booking: &'static str, order: &'static str| if f.product { order } else { booking };
    let (noun, guest, host) = (p("réservation", "commande"), p("le voyageur", "le client"), p("l'hôte", "le vendeur"));
    let yours = words(&["Votre", noun, if title.is_empty() { "" } else { p("pour", "de") }, title]);
    let listing = words(&["votre annonce", title]);
    let request = words(&["votre demande", if title.is_empty() { "" } else { "pour" }, title]);
    let (heading, body) = match notice {
        Notice::RequestToHost => {
            let by = deadline.map_or_else(String::new, |d| format!(" Merci de répondre avant le {d}."));
            (
                format!("Nouvelle demande de {noun}"),
                format!(
                    "{}.{by}",
                    words(&[p("Un voyageur", "Un client"), "souhaite", p("réserver", "acheter"), &listing, when])
                ),
            )
        }
        Notice::ConfirmedToGuest => {
            (format!("Votre {noun} est confirmée"), format!("{}.", words(&[&yours, when, "est confirmée"])))
        }
        Notice::ConfirmedToHost => (
            format!("Nouvelle {noun} confirmée"),
            format!("{}.", words(&["Une", noun, "de", &listing, when, "est confirmée"])),
        ),
        Notice::DeclinedToGuest => (
            format!("Votre demande de {noun} a été refusée"),
            format!("{}.{refund}", words(&[&capitalised(host), "n'a pas pu accepter", &request, when])),
        ),
        Notice::CancelledToHost => (
            format!("{} a annulé", p("Un voyageur", "Un client")),
            format!("{}.", words(&["La", noun, "de", &listing, when, "a été annulée par", guest])),
        ),
        Notice::CancelledToGuest => {
            let by = match f.cancelled_by.as_deref() {
                Some("host") => format!("par {host}"),
                Some("admin") => "par Sojourn".to_owned(),
                _ => String::new(),
            };
            (
                format!("Votre {noun} a été annulée"),
                format!("{}.{refund}", words(&[&yours, when, "a été annulée", &by])),
            )
        }
        Notice::RequestExpiredToGuest => (
            format!("Votre demande de {noun} a expiré"),
            format!("{}.{refund}", words(&[&capitalised(host), "n'a pas répondu à temps à", &request, when])),
        ),
        Notice::RequestExpiredToHost => (
            format!("Une demande de {noun} a expiré"),
            format!("{}.", words(&["Une demande de", noun, "de", &listing, when, "est restée sans réponse"])),
        ),
        Notice::HoldExpiredToGuest => (
            format!("Votre {noun} a expiré"),
            format!("{}.", words(&[&yours, when, "n'a pas été payée à temps et a été annulée"])),
        ),
    };
    (heading, body)
}

pub(super) fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::locale::local;
    use chrono::{DateTime, NaiveDate, Utc};

    const ALL: [Notice; 9] = [
        Notice::RequestToHost,
        Notice::ConfirmedToGuest,
        Notice::ConfirmedToHost,
        Notice::DeclinedToGuest,
        Notice::CancelledToHost,
        Notice::CancelledToGuest,
        Notice::RequestExpiredToGuest,
        Notice::RequestExpiredToHost,
        Notice::HoldExpiredToGuest,
    ];

    fn at(s: &str, zone: &str) -> When {
        When::At(local(DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).unwrap(), Some(zone)))
    }

    fn facts(title: Option<&str>, product: bool, when: When) -> Facts {
        Facts {
            title: title.map(str::to_owned),
            product,
            when,
            respond_by: None,
            refund: None,
            released: None,
            cancelled_by: Some("host".into()),
        }
    }

    #[test]
    fn a_hold_let_go_is_not_called_a_refund() {
        let mut f = facts(Some("Cosy loft"), false, When::Unknown);
        f.released = Some((25760, "EUR".into()));
        let (_, body) = render(Notice::DeclinedToGuest, Lang::En, &f);
        assert_eq!(
            body,
            "The host could not accept your request for “Cosy loft”. The 257.60 EUR held on your card is released; \
             nothing was charged."
        );
        let (_, body) = render(Notice::RequestExpiredToGuest, Lang::Fr, &f);
        assert!(body.ends_with("Les 257,60 EUR bloqués sur votre carte sont libérés ; rien n'a été débité."), "{body}");
        assert!(!body.contains("rembours"), "{body}");
    }

    #[test]
    fn a_stay_names_its_listing_and_dates() {
        let dates =
            When::Dates(NaiveDate::from_ymd_opt(2027, 3, 12).unwrap(), NaiveDate::from_ymd_opt(2027, 3, 15).unwrap());
        let mut f = facts(Some("Cosy loft"), false, dates);
        f.refund = Some((25760, "EUR".into()));
        let (title, body) = render(Notice::DeclinedToGuest, Lang::En, &f);
        assert_eq!(title, "Your booking request was declined");
        assert_eq!(
            body,
            "The host could not accept your request for “Cosy loft” for 12–15 March 2027. 257.60 EUR will be refunded to you."
        );
        let (title, body) = render(Notice::DeclinedToGuest, Lang::Fr, &f);
        assert_eq!(title, "Votre demande de réservation a été refusée");
        assert_eq!(
            body,
            "L'hôte n'a pas pu accepter votre demande pour «\u{a0}Cosy loft\u{a0}» du 12 au 15 mars 2027. \
             257,60 EUR vous seront remboursés."
        );
    }

    #[test]
    fn a_product_is_an_order_without_a_date() {
        let f = facts(Some("Handmade bag"), true, When::Unknown);
        assert_eq!(
            render(Notice::ConfirmedToHost, Lang::En, &f),
            ("New confirmed order".to_owned(), "An order of your listing “Handmade bag” is confirmed.".to_owned())
        );
        assert_eq!(
            render(Notice::ConfirmedToGuest, Lang::Fr, &f),
            (
                "Votre commande est confirmée".to_owned(),
                "Votre commande de «\u{a0}Handmade bag\u{a0}» est confirmée.".to_owned()
            )
        );
    }

    #[test]
    fn a_cancellation_says_who_cancelled() {
        let mut f = facts(Some("Kayak tour"), false, at("2027-07-03T08:00:00Z", "Europe/Paris"));
        let body = |f: &Facts, lang| render(Notice::CancelledToGuest, lang, f).1;
        assert_eq!(
            body(&f, Lang::En),
            "Your reservation for “Kayak tour” on Sat 3 Jul 2027, 10:00 (Europe/Paris) was cancelled by the host."
        );
        f.cancelled_by = Some("admin".into());
        assert!(body(&f, Lang::Fr).ends_with("a été annulée par Sojourn."), "{}", body(&f, Lang::Fr));
        f.cancelled_by = None;
        assert!(body(&f, Lang::En).ends_with("(Europe/Paris) was cancelled."), "{}", body(&f, Lang::En));
    }

    #[test]
    fn missing_pieces_leave_no_blanks_in_any_notice() {
        for lang in [Lang::En, Lang::Fr] {
            for product in [false, true] {
                for notice in ALL {
                    let bare = Facts { cancelled_by: None, ..facts(None, product, When::Unknown) };
                    let (title, body) = render(notice, lang, &bare);
                    for text in [&title, &body] {
                        assert!(!text.contains("  ") && !text.contains(" ."), "{notice:?} {lang:?}: {text:?}");
                        assert!(!text.contains("“”") && !text.contains('«') && !text.contains("  "), "{text:?}");
                        assert!(!text.starts_with(' ') && !text.ends_with(' '), "{text:?}");
                    }
                    assert!(body.ends_with('.'), "{body:?}");
                }
            }
        }
        let bare = facts(None, false, When::Unknown);
        assert_eq!(render(Notice::ConfirmedToHost, Lang::En, &bare).1, "A reservation of your listing is confirmed.");
        assert_eq!(render(Notice::ConfirmedToGuest, Lang::Fr, &bare).1, "Votre réservation est confirmée.");
        assert_eq!(render(Notice::DeclinedToGuest, Lang::En, &bare).1, "The host could not accept your request.");
    }
}
