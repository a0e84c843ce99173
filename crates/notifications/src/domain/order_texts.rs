//! The words of order notices, in English and French. As for bookings, each sentence is
//! assembled from pieces that may be missing: an order event from the payment path carries no
//! order view (no mode, no lines), an older one no restaurant title. Missing pieces are left
//! out with their quotes and commas, so a notice says "an order" or "the restaurant" rather
//! than leave a blank. Times are on the restaurant's clock, with its zone named.

use super::booking_texts::{capitalised, quoted, words};
use super::locale::{self, Lang};
use super::orders::{Facts, Mode, Notice, Settlement};

/// Whose order a sentence speaks of: "an order" to the restaurant, "your order" to the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Det {
    A,
    Your,
}

/// "a takeaway order of 3 items at “Le Petit Bistro”", "votre précommande d'un article"...
/// (`place`: whether the restaurant is named).
fn order(lang: Lang, det: Det, f: &Facts, place: bool) -> String {
    let title = quoted(lang, f.title.as_deref());
    let (det, noun, items, at) = match lang {
        Lang::En => {
            let noun = match f.mode {
                Some(Mode::Takeaway) => "takeaway order",
                Some(Mode::Preorder) => "pre-order",
                Some(Mode::DineIn) => "dine-in order",
                None => "order",
            };
            let det = match det {
                Det::Your => "your",
                Det::A if noun == "order" => "an",
                Det::A => "a",
            };
            let items = f.items.map(|n| if n == 1 { "of 1 item".to_owned() } else { format!("of {n} items") });
            (det, noun, items, "at")
        }
        Lang::Fr => {
            let noun = match f.mode {
                Some(Mode::Takeaway) => "commande à emporter",
                Some(Mode::Preorder) => "précommande",
                Some(Mode::DineIn) => "commande sur place",
                None => "commande",
            };
            let det = if det == Det::Your { "votre" } else { "une" };
            let items = f.items.map(|n| if n == 1 { "d'un article".to_owned() } else { format!("de {n} articles") });
            (det, noun, items, "chez")
        }
    };
    let place = if place && !title.is_empty() { format!("{at} {title}") } else { String::new() };
    words(&[det, noun, items.as_deref().unwrap_or_default(), &place])
}

/// When and where it is served, as a clause after a comma: "to collect on Sat 3 Jul 2027,
/// 20:00 (Europe/Paris)", "pour la table T-12"; empty when the event does not say.
fn when(lang: Lang, f: &Facts) -> String {
    let at = f.at.as_ref().map(|t| locale::date_time(lang, t));
    let clause = match (lang, f.mode, at, f.table.as_deref()) {
        (Lang::En, Some(Mode::DineIn), _, Some(table)) => format!("for table {table}"),
        (Lang::Fr, Some(Mode::DineIn), _, Some(table)) => format!("pour la table {table}"),
        (_, Some(Mode::DineIn), _, None) | (_, _, None, _) => String::new(),
        (Lang::En, Some(Mode::Takeaway), Some(t), _) => format!("to collect on {t}"),
        (Lang::Fr, Some(Mode::Takeaway), Some(t), _) => format!("à retirer le {t}"),
        (Lang::En, Some(Mode::Preorder), Some(t), _) => format!("to be served on {t}"),
        (Lang::Fr, Some(Mode::Preorder), Some(t), _) => format!("à servir le {t}"),
        (Lang::En, None, Some(t), _) => format!("for {t}"),
        (Lang::Fr, None, Some(t), _) => format!("pour le {t}"),
    };
    if clause.is_empty() { clause } else { format!(", {clause}") }
}

/// What becomes of the money, as a sentence.
fn settlement(lang: Lang, s: &Settlement) -> String {
    match (lang, s) {
        (Lang::En, Settlement::Refunded(n, c)) => {
            format!("{} will be refunded to you in full.", locale::money(lang, *n, c))
        }
        (Lang::Fr, Settlement::Refunded(n, c)) => {
            format!("{} vous seront intégralement remboursés.", locale::money(lang, *n, c))
        }
        (Lang::En, Settlement::Released(n, c)) => {
            format!("The {} held on your card is released; nothing was charged.", locale::money(lang, *n, c))
        }
        (Lang::Fr, Settlement::Released(n, c)) => {
            format!("Les {} bloqués sur votre carte sont libérés ; rien n'a été débité.", locale::money(lang, *n, c))
        }
        (Lang::En, Settlement::HoldReleased) => "The payment hold on your card is released.".to_owned(),
        (Lang::Fr, Settlement::HoldReleased) => "Le blocage du paiement sur votre carte est levé.".to_owned(),
        (Lang::En, Settlement::NothingCharged) => "Nothing was charged.".to_owned(),
        (Lang::Fr, Settlement::NothingCharged) => "Rien n'a été débité.".to_owned(),
    }
}

/// " Reason: Out of fish." (the restaurant's words, closed by a full stop if they lack one).
fn reason(lang: Lang, f: &Facts) -> String {
    let Some(r) = f.reason.as_deref() else { return String::new() };
    let stop = if r.ends_with(['.', '!', '?']) { "" } else { "." };
    match lang {
        Lang::En => format!(" Reason: {r}{stop}"),
        Lang::Fr => format!(" Motif\u{a0}: {r}{stop}"),
    }
}

/// The title and body of `notice` for a reader of `lang`.
pub fn render(notice: Notice, lang: Lang, f: &Facts) -> (String, String) {
    match lang {
        Lang::En => english(notice, f),
        Lang::Fr => french(notice, f),
    }
}

fn english(notice: Notice, f: &Facts) -> (String, String) {
    let restaurant = if f.title.is_some() { quoted(Lang::En, f.title.as_deref()) } else { "The restaurant".into() };
    let (a, yours, when) = (order(Lang::En, Det::A, f, true), order(Lang::En, Det::Your, f, false), when(Lang::En, f));
    let money = settlement(Lang::En, &f.settlement);
    let (heading, body) = match notice {
        Notice::ReceivedToRestaurant => {
            let by = f.respond_by.as_ref().map(|d| locale::date_time(Lang::En, d));
            let by = by.map_or_else(String::new, |d| format!(" Please accept or decline it before {d}."));
            ("New order", format!("You have received {a}{when}.{by}"))
        }
        Notice::AcceptedToGuest => ("Your order was accepted", format!("{restaurant} accepted {yours}{when}.")),
        Notice::ReadyToGuest => {
            let here = capitalised(&order(Lang::En, Det::Your, f, true));
            match f.mode {
                Some(Mode::Takeaway) => ("Your order is ready to collect", format!("{here} is ready to collect.")),
                _ => ("Your order is ready", format!("{here} is ready.")),
            }
        }
        Notice::RejectedToGuest => {
            ("Your order was declined", format!("{restaurant} declined {yours}{when}.{} {money}", reason(Lang::En, f)))
        }
        Notice::NotAcceptedToGuest => {
            ("Your order was not accepted in time", format!("{restaurant} did not accept {yours} in time. {money}"))
        }
        Notice::UnpaidToGuest => (
            "Your order expired",
            format!(
                "{} was not paid in time and has been cancelled.",
                capitalised(&order(Lang::En, Det::Your, f, true))
            ),
        ),
        Notice::CancelledToRestaurant => {
            let body = match f.cancelled_by.as_deref() {
                Some("guest") => format!("The guest cancelled {a}{when}."),
                Some("admin") => format!("Sojourn cancelled {a}{when}."),
                _ if when.is_empty() => format!("{} was cancelled.", capitalised(&a)),
                _ => format!("{}{when}, was cancelled.", capitalised(&a)),
            };
            ("An order was cancelled", body)
        }
    };
    (heading.to_owned(), body)
}

fn french(notice: Notice, f: &Facts) -> (String, String) {
    // "commande" and "précommande" are both feminine: the agreements below hold for either.
    let restaurant = if f.title.is_some() { quoted(Lang::Fr, f.title.as_deref()) } else { "Le restaurant".into() };
    let (a, yours, when) = (order(Lang::Fr, Det::A, f, true), order(Lang::Fr, Det::Your, f, false), when(Lang::Fr, f));
    let money = settlement(Lang::Fr, &f.settlement);
    let (heading, body) = match notice {
        Notice::ReceivedToRestaurant => {
            let by = f.respond_by.as_ref().map(|d| locale::date_time(Lang::Fr, d));
            let by = by.map_or_else(String::new, |d| format!(" Merci de l'accepter ou de la refuser avant le {d}."));
            ("Nouvelle commande", format!("Vous avez reçu {a}{when}.{by}"))
        }
        Notice::AcceptedToGuest => ("Votre commande a été acceptée", format!("{restaurant} a accepté {yours}{when}.")),
        Notice::ReadyToGuest => {
            let here = capitalised(&order(Lang::Fr, Det::Your, f, true));
            match f.mode {
                Some(Mode::Takeaway) => ("Votre commande est prête à retirer", format!("{here} est prête à retirer.")),
                _ => ("Votre commande est prête", format!("{here} est prête.")),
            }
        }
        Notice::RejectedToGuest => (
            "Votre commande a été refusée",
            format!("{restaurant} a refusé {yours}{when}.{} {money}", reason(Lang::Fr, f)),
        ),
        Notice::NotAcceptedToGuest => (
            "Votre commande n'a pas été acceptée à temps",
            format!("{restaurant} n'a pas accepté {yours} à temps. {money}"),
        ),
        Notice::UnpaidToGuest => (
            "Votre commande a expiré",
            format!(
                "{} n'a pas été payée à temps et a été annulée.",
                capitalised(&order(Lang::Fr, Det::Your, f, true))
            ),
        ),
        Notice::CancelledToRestaurant => {
            let body = match f.cancelled_by.as_deref() {
                Some("guest") => format!("Le client a annulé {a}{when}."),
                Some("admin") => format!("Sojourn a annulé {a}{when}."),
                _ if when.is_empty() => format!("{} a été annulée.", capitalised(&a)),
                _ => format!("{}{when}, a été annulée.", capitalised(&a)),
            };
            ("Une commande a été annulée", body)
        }
    };
    (heading.to_owned(), body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::locale::local;
    use chrono::{DateTime, Utc};

    const ALL: [Notice; 7] = [
        Notice::ReceivedToRestaurant,
        Notice::AcceptedToGuest,
        Notice::ReadyToGuest,
        Notice::RejectedToGuest,
        Notice::NotAcceptedToGuest,
        Notice::UnpaidToGuest,
        Notice::CancelledToRestaurant,
    ];

    fn paris(s: &str) -> Option<locale::LocalTime> {
        Some(local(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc), Some("Europe/Paris")))
    }

    /// A takeaway of 3 items at Le Petit Bistro, for 20:00 in Paris (summer), to accept by 18:15.
    fn takeaway() -> Facts {
        Facts {
            title: Some("Le Petit Bistro".into()),
            mode: Some(Mode::Takeaway),
            items: Some(3),
            at: paris("2027-07-03T18:00:00Z"),
            table: None,
            respond_by: paris("2027-07-03T16:15:00Z"),
            reason: Some("Out of fish".into()),
            settlement: Settlement::Refunded(4500, "EUR".into()),
            cancelled_by: Some("guest".into()),
        }
    }

    fn bare(mode: Option<Mode>) -> Facts {
        Facts {
            title: None,
            mode,
            items: None,
            at: None,
            table: None,
            respond_by: None,
            reason: None,
            settlement: Settlement::HoldReleased,
            cancelled_by: None,
        }
    }

    #[test]
    fn the_restaurant_hears_of_a_new_order_with_its_mode_items_and_time() {
        let f = takeaway();
        assert_eq!(
            render(Notice::ReceivedToRestaurant, Lang::En, &f),
            (
                "New order".to_owned(),
                "You have received a takeaway order of 3 items at “Le Petit Bistro”, to collect on Sat 3 Jul 2027, \
                 20:00 (Europe/Paris). Please accept or decline it before Sat 3 Jul 2027, 18:15 (Europe/Paris)."
                    .to_owned()
            )
        );
        assert_eq!(
            render(Notice::ReceivedToRestaurant, Lang::Fr, &f),
            (
                "Nouvelle commande".to_owned(),
                "Vous avez reçu une commande à emporter de 3 articles chez «\u{a0}Le Petit Bistro\u{a0}», à retirer \
                 le samedi 3 juillet 2027 à 20:00 (Europe/Paris). Merci de l'accepter ou de la refuser avant le \
                 samedi 3 juillet 2027 à 18:15 (Europe/Paris)."
                    .to_owned()
            )
        );
        let dine_in = Facts { mode: Some(Mode::DineIn), items: Some(1), at: None, table: Some("T-12".into()), ..f };
        assert_eq!(
            render(Notice::ReceivedToRestaurant, Lang::En, &dine_in).1,
            "You have received a dine-in order of 1 item at “Le Petit Bistro”, for table T-12. Please accept or \
             decline it before Sat 3 Jul 2027, 18:15 (Europe/Paris)."
        );
        let preorder = Facts { mode: Some(Mode::Preorder), respond_by: None, ..takeaway() };
        assert_eq!(
            render(Notice::ReceivedToRestaurant, Lang::Fr, &preorder).1,
            "Vous avez reçu une précommande de 3 articles chez «\u{a0}Le Petit Bistro\u{a0}», à servir le samedi 3 \
             juillet 2027 à 20:00 (Europe/Paris)."
        );
    }

    #[test]
    fn the_guest_hears_it_was_accepted_and_is_ready() {
        let f = takeaway();
        assert_eq!(
            render(Notice::AcceptedToGuest, Lang::En, &f),
            (
                "Your order was accepted".to_owned(),
                "“Le Petit Bistro” accepted your takeaway order of 3 items, to collect on Sat 3 Jul 2027, 20:00 \
                 (Europe/Paris)."
                    .to_owned()
            )
        );
        assert_eq!(render(Notice::AcceptedToGuest, Lang::Fr, &f).0, "Votre commande a été acceptée");
        assert_eq!(
            render(Notice::ReadyToGuest, Lang::En, &f),
            (
                "Your order is ready to collect".to_owned(),
                "Your takeaway order of 3 items at “Le Petit Bistro” is ready to collect.".to_owned()
            )
        );
        assert_eq!(
            render(Notice::ReadyToGuest, Lang::Fr, &f),
            (
                "Votre commande est prête à retirer".to_owned(),
                "Votre commande à emporter de 3 articles chez «\u{a0}Le Petit Bistro\u{a0}» est prête à retirer."
                    .to_owned()
            )
        );
        let preorder = Facts { mode: Some(Mode::Preorder), ..f };
        assert_eq!(render(Notice::ReadyToGuest, Lang::En, &preorder).0, "Your order is ready");
        assert_eq!(render(Notice::ReadyToGuest, Lang::Fr, &preorder).0, "Votre commande est prête");
    }

    #[test]
    fn a_declined_order_gives_the_reason_and_the_money_back() {
        let f = takeaway();
        assert_eq!(
            render(Notice::RejectedToGuest, Lang::En, &f),
            (
                "Your order was declined".to_owned(),
                "“Le Petit Bistro” declined your takeaway order of 3 items, to collect on Sat 3 Jul 2027, 20:00 \
                 (Europe/Paris). Reason: Out of fish. 45.00 EUR will be refunded to you in full."
                    .to_owned()
            )
        );
        assert_eq!(
            render(Notice::RejectedToGuest, Lang::Fr, &f).1,
            "«\u{a0}Le Petit Bistro\u{a0}» a refusé votre commande à emporter de 3 articles, à retirer le samedi 3 \
             juillet 2027 à 20:00 (Europe/Paris). Motif\u{a0}: Out of fish. 45,00 EUR vous seront intégralement \
             remboursés."
        );
        let body =
            |s: Settlement, lang| render(Notice::NotAcceptedToGuest, lang, &Facts { settlement: s, ..takeaway() }).1;
        assert_eq!(
            body(Settlement::Released(4500, "EUR".into()), Lang::En),
            "“Le Petit Bistro” did not accept your takeaway order of 3 items in time. The 45.00 EUR held on your card \
             is released; nothing was charged."
        );
        assert!(body(Settlement::HoldReleased, Lang::En).ends_with(" The payment hold on your card is released."));
        assert!(body(Settlement::NothingCharged, Lang::Fr).ends_with(" à temps. Rien n'a été débité."));
        assert!(body(Settlement::Released(4500, "EUR".into()), Lang::Fr).ends_with("rien n'a été débité."));
        assert_eq!(render(Notice::NotAcceptedToGuest, Lang::Fr, &f).0, "Votre commande n'a pas été acceptée à temps");
    }

    #[test]
    fn the_restaurant_hears_who_cancelled() {
        let mut f = takeaway();
        let body = |f: &Facts, lang| render(Notice::CancelledToRestaurant, lang, f).1;
        assert_eq!(
            body(&f, Lang::En),
            "The guest cancelled a takeaway order of 3 items at “Le Petit Bistro”, to collect on Sat 3 Jul 2027, \
             20:00 (Europe/Paris)."
        );
        assert!(body(&f, Lang::Fr).starts_with("Le client a annulé une commande à emporter de 3 articles chez"));
        f.cancelled_by = Some("admin".into());
        assert!(body(&f, Lang::En).starts_with("Sojourn cancelled a takeaway order"), "{}", body(&f, Lang::En));
        f.cancelled_by = None;
        assert!(body(&f, Lang::En).ends_with("(Europe/Paris), was cancelled."), "{}", body(&f, Lang::En));
        assert!(body(&f, Lang::Fr).ends_with("(Europe/Paris), a été annulée."), "{}", body(&f, Lang::Fr));
        assert_eq!(render(Notice::CancelledToRestaurant, Lang::En, &f).0, "An order was cancelled");
    }

    #[test]
    fn missing_pieces_leave_no_blanks_in_any_notice() {
        for lang in [Lang::En, Lang::Fr] {
            for mode in [None, Some(Mode::Takeaway), Some(Mode::Preorder), Some(Mode::DineIn)] {
                for notice in ALL {
                    let (title, body) = render(notice, lang, &bare(mode));
                    for text in [&title, &body] {
                        assert!(!text.contains("  ") && !text.contains(" .") && !text.contains(" ,"), "{text:?}");
                        assert!(!text.contains("“”") && !text.contains('«') && !text.contains(",."), "{text:?}");
                        assert!(!text.starts_with(' ') && !text.ends_with(' '), "{text:?}");
                        assert!(!text.contains("Reason") && !text.contains("Motif"), "{text:?}");
                    }
                    assert!(body.ends_with('.'), "{notice:?} {lang:?}: {body:?}");
                }
            }
        }
        let text = |notice, lang| render(notice, lang, &bare(None)).1;
        assert_eq!(text(Notice::ReceivedToRestaurant, Lang::En), "You have received an order.");
        assert_eq!(
            text(Notice::RejectedToGuest, Lang::En),
            "The restaurant declined your order. The payment hold on your card is released."
        );
        assert_eq!(text(Notice::AcceptedToGuest, Lang::Fr), "Le restaurant a accepté votre commande.");
        assert_eq!(text(Notice::UnpaidToGuest, Lang::En), "Your order was not paid in time and has been cancelled.");
        assert_eq!(text(Notice::CancelledToRestaurant, Lang::Fr), "Une commande a été annulée.");
    }
}
