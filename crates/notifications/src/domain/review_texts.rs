//! The words of review notices, in English and French. As for bookings, each sentence is
//! assembled from pieces that may be missing (no listing title, no deadline, no rating):
//! missing pieces are left out with their quotes and spaces. Without a title the listing is
//! "your listing" or "your reservation": reviews are written for stays, tables and tours
//! alike, so the words stay neutral about the kind.

use super::booking_texts::{quoted, words};
use super::locale::{self, Lang};
use super::reviews::{Facts, Notice, Role};

/// `4` → "4/5", `4.5` → "4.5/5" (French "4,5/5").
fn rating(lang: Lang, r: f64) -> String {
    let shown = format!("{:.2}", r);
    let shown = shown.trim_end_matches('0').trim_end_matches('.');
    match lang {
        Lang::En => format!("{shown}/5"),
        Lang::Fr => format!("{}/5", shown.replace('.', ",")),
    }
}

/// The title and body of `notice` for a reader of `lang`.
pub fn render(notice: Notice, lang: Lang, f: &Facts) -> (String, String) {
    let title = quoted(lang, f.title.as_deref());
    let deadline = f.closes_at.as_ref().map(|t| locale::date_time(lang, t));
    let rating = f.rating.map(|r| rating(lang, r));
    match lang {
        Lang::En => english(notice, f, &title, deadline, rating),
        Lang::Fr => french(notice, f, &title, deadline, rating),
    }
}

fn english(
    notice: Notice,
    f: &Facts,
    title: &str,
    deadline: Option<String>,
    rating: Option<String>,
) -> (String, String) {
    let at = |who: &str| words(&[who, if title.is_empty() { "" } else { "at" }, title]);
    let of = words(&["your review", if title.is_empty() { "" } else { "of" }, title]);
    match notice {
        Notice::ReviewedYou { author } => {
            let (heading, who) = match author {
                Role::Guest => ("Your guest reviewed you", at("Your guest")),
                Role::Host => ("Your host reviewed you", at("Your host")),
            };
            let by = deadline.map_or_else(String::new, |d| format!("by {d}"));
            let write = match author {
                Role::Guest => "Write your review of them",
                Role::Host => "Write your review",
            };
            (heading.to_owned(), format!("{who} reviewed you. {} to read theirs.", words(&[write, &by])))
        }
        Notice::Published { author } => {
            let lead = match (author, rating) {
                (Role::Guest, Some(r)) => words(&["Your guest rated your listing", title, &r]),
                (Role::Guest, None) => words(&["Your guest reviewed your listing", title]),
                (Role::Host, Some(r)) => format!("{} rated you {r}", at("Your host")),
                (Role::Host, None) => format!("{} reviewed you", at("Your host")),
            };
            ("You have a new review".to_owned(), format!("{lead}. Their review is now published."))
        }
        Notice::Responded => ("Your review got a reply".to_owned(), format!("{} got a reply.", capital(&of))),
        Notice::Hidden => {
            let reason = f.reason.as_deref().map_or_else(String::new, |r| format!(" Reason: {r}"));
            let reason = if reason.is_empty() || reason.ends_with(['.', '!', '?']) { reason } else { reason + "." };
            ("Your review was hidden".to_owned(), format!("{} was hidden by moderation.{reason}", capital(&of)))
        }
        Notice::Restored => ("Your review was restored".to_owned(), format!("{} is visible again.", capital(&of))),
        Notice::Reminder { role, last: false } => {
            let question = match (role, title.is_empty()) {
                (Role::Guest, false) => format!("How was {title}?"),
                (Role::Guest, true) => "How did your reservation go?".to_owned(),
                (Role::Host, _) => format!("How was {}?", at("your guest")),
            };
            let by = deadline.map_or_else(|| ".".to_owned(), |d| format!(" by {d}."));
            ("Time to write your review".to_owned(), format!("{question} Write your review{by}"))
        }
        Notice::Reminder { role, last: true } => {
            let heading = match f.days_left {
                Some(n) if n >= 2 => format!("{n} days left to write your review"),
                Some(_) => "Last day to write your review".to_owned(),
                None => "Last days to write your review".to_owned(),
            };
            let what = match role {
                Role::Guest => of.clone(),
                Role::Host => words(&["your review of", &at("your guest")]),
            };
            let body = match deadline {
                Some(d) => format!("You can write {what} until {d}."),
                None => format!("You can still write {what}."),
            };
            (heading, body)
        }
    }
}

fn french(
    notice: Notice,
    f: &Facts,
    title: &str,
    deadline: Option<String>,
    rating: Option<String>,
) -> (String, String) {
    // The host is "de" the listing, the guest came "pour" it.
    let host = words(&["votre hôte", if title.is_empty() { "" } else { "de" }, title]);
    let guest = words(&["votre voyageur", if title.is_empty() { "" } else { "pour" }, title]);
    let on = words(&["votre avis", if title.is_empty() { "" } else { "sur" }, title]);
    match notice {
        Notice::ReviewedYou { author } => {
            let (heading, who) = match author {
                Role::Guest => ("Votre voyageur vous a évalué", &guest),
                Role::Host => ("Votre hôte vous a évalué", &host),
            };
            let by = deadline.map_or_else(String::new, |d| format!("avant le {d}"));
            (
                heading.to_owned(),
                format!("{} vous a évalué. {} pour lire le sien.", capital(who), words(&["Écrivez votre avis", &by])),
            )
        }
        Notice::Published { author } => {
            let lead = match (author, rating) {
                (Role::Guest, Some(r)) => words(&["Votre voyageur a donné", &r, "à votre annonce", title]),
                (Role::Guest, None) => words(&["Votre voyageur a évalué votre annonce", title]),
                (Role::Host, Some(r)) => format!("{} vous a donné {r}", capital(&host)),
                (Role::Host, None) => format!("{} vous a évalué", capital(&host)),
            };
            ("Vous avez un nouvel avis".to_owned(), format!("{lead}. Son avis est maintenant publié."))
        }
        Notice::Responded => {
            ("Votre avis a reçu une réponse".to_owned(), format!("{} a reçu une réponse.", capital(&on)))
        }
        Notice::Hidden => {
            let reason = f.reason.as_deref().map_or_else(String::new, |r| format!(" Motif\u{a0}: {r}"));
            let reason = if reason.is_empty() || reason.ends_with(['.', '!', '?']) { reason } else { reason + "." };
            ("Votre avis a été masqué".to_owned(), format!("{} a été masqué par la modération.{reason}", capital(&on)))
        }
        Notice::Restored => {
            ("Votre avis a été rétabli".to_owned(), format!("{} est de nouveau visible.", capital(&on)))
        }
        Notice::Reminder { role, last: false } => {
            let question = match (role, title.is_empty()) {
                (Role::Guest, false) => format!("Comment était {title}\u{a0}?"),
                (Role::Guest, true) => "Comment s'est passée votre réservation\u{a0}?".to_owned(),
                (Role::Host, _) => format!("Qu'avez-vous pensé de {guest}\u{a0}?"),
            };
            let by = deadline.map_or_else(|| ".".to_owned(), |d| format!(" avant le {d}."));
            ("C'est le moment d'écrire votre avis".to_owned(), format!("{question} Écrivez votre avis{by}"))
        }
        Notice::Reminder { role, last: true } => {
            let heading = match f.days_left {
                Some(n) if n >= 2 => format!("Plus que {n} jours pour écrire votre avis"),
                Some(_) => "Dernier jour pour écrire votre avis".to_owned(),
                None => "Derniers jours pour écrire votre avis".to_owned(),
            };
            let what = match role {
                Role::Guest => on.clone(),
                Role::Host => words(&["votre avis sur", &guest]),
            };
            let body = match deadline {
                Some(d) => format!("Vous pouvez écrire {what} jusqu'au {d}."),
                None => format!("Vous pouvez encore écrire {what}."),
            };
            (heading, body)
        }
    }
}

fn capital(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::locale::local;
    use chrono::{DateTime, Utc};

    const ALL: [Notice; 10] = [
        Notice::ReviewedYou { author: Role::Guest },
        Notice::ReviewedYou { author: Role::Host },
        Notice::Published { author: Role::Guest },
        Notice::Published { author: Role::Host },
        Notice::Responded,
        Notice::Hidden,
        Notice::Restored,
        Notice::Reminder { role: Role::Guest, last: false },
        Notice::Reminder { role: Role::Host, last: false },
        Notice::Reminder { role: Role::Guest, last: true },
    ];

    fn full() -> Facts {
        let at = DateTime::parse_from_rfc3339("2027-03-30T10:00:00Z").unwrap().with_timezone(&Utc);
        Facts {
            title: Some("Cosy loft".into()),
            closes_at: Some(local(at, None)),
            days_left: Some(3),
            rating: Some(4.0),
            reason: Some("Personal details".into()),
        }
    }

    #[test]
    fn the_other_side_reviewed_you_says_until_when_you_can_answer() {
        let f = full();
        assert_eq!(
            render(Notice::ReviewedYou { author: Role::Guest }, Lang::En, &f),
            (
                "Your guest reviewed you".to_owned(),
                "Your guest at “Cosy loft” reviewed you. Write your review of them by Tue 30 Mar 2027, 10:00 (UTC) \
                 to read theirs."
                    .to_owned()
            )
        );
        assert_eq!(
            render(Notice::ReviewedYou { author: Role::Host }, Lang::Fr, &f),
            (
                "Votre hôte vous a évalué".to_owned(),
                "Votre hôte de «\u{a0}Cosy loft\u{a0}» vous a évalué. Écrivez votre avis avant le mardi 30 mars 2027 \
                 à 10:00 (UTC) pour lire le sien."
                    .to_owned()
            )
        );
    }

    #[test]
    fn a_published_review_gives_its_rating_in_the_readers_notation() {
        let mut f = full();
        f.rating = Some(4.5);
        assert_eq!(
            render(Notice::Published { author: Role::Guest }, Lang::En, &f).1,
            "Your guest rated your listing “Cosy loft” 4.5/5. Their review is now published."
        );
        assert_eq!(
            render(Notice::Published { author: Role::Guest }, Lang::Fr, &f).1,
            "Votre voyageur a donné 4,5/5 à votre annonce «\u{a0}Cosy loft\u{a0}». Son avis est maintenant publié."
        );
        f.rating = Some(5.0);
        let (title, body) = render(Notice::Published { author: Role::Host }, Lang::En, &f);
        assert_eq!(title, "You have a new review");
        assert_eq!(body, "Your host at “Cosy loft” rated you 5/5. Their review is now published.");
        assert_eq!(render(Notice::Published { author: Role::Host }, Lang::Fr, &f).0, "Vous avez un nouvel avis");
    }

    #[test]
    fn moderation_tells_the_author_why_their_review_was_hidden() {
        let f = full();
        assert_eq!(
            render(Notice::Hidden, Lang::En, &f).1,
            "Your review of “Cosy loft” was hidden by moderation. Reason: Personal details."
        );
        assert_eq!(
            render(Notice::Hidden, Lang::Fr, &f).1,
            "Votre avis sur «\u{a0}Cosy loft\u{a0}» a été masqué par la modération. Motif\u{a0}: Personal details."
        );
        assert_eq!(render(Notice::Restored, Lang::En, &f).1, "Your review of “Cosy loft” is visible again.");
        assert_eq!(
            render(Notice::Responded, Lang::Fr, &f).1,
            "Votre avis sur «\u{a0}Cosy loft\u{a0}» a reçu une réponse."
        );
    }

    #[test]
    fn reminders_ask_each_side_and_count_the_days_left() {
        let mut f = full();
        assert_eq!(
            render(Notice::Reminder { role: Role::Guest, last: false }, Lang::En, &f).1,
            "How was “Cosy loft”? Write your review by Tue 30 Mar 2027, 10:00 (UTC)."
        );
        assert_eq!(
            render(Notice::Reminder { role: Role::Host, last: false }, Lang::Fr, &f).1,
            "Qu'avez-vous pensé de votre voyageur pour «\u{a0}Cosy loft\u{a0}»\u{a0}? Écrivez votre avis avant le \
             mardi 30 mars 2027 à 10:00 (UTC)."
        );
        let last = Notice::Reminder { role: Role::Guest, last: true };
        assert_eq!(
            render(last, Lang::En, &f),
            (
                "3 days left to write your review".to_owned(),
                "You can write your review of “Cosy loft” until Tue 30 Mar 2027, 10:00 (UTC).".to_owned()
            )
        );
        assert_eq!(render(last, Lang::Fr, &f).0, "Plus que 3 jours pour écrire votre avis");
        f.days_left = Some(1);
        assert_eq!(render(last, Lang::En, &f).0, "Last day to write your review");
        f.days_left = Some(0);
        assert_eq!(render(last, Lang::Fr, &f).0, "Dernier jour pour écrire votre avis");
    }

    #[test]
    fn missing_pieces_leave_no_blanks_in_any_notice() {
        for lang in [Lang::En, Lang::Fr] {
            for notice in ALL.into_iter().chain([Notice::Reminder { role: Role::Host, last: true }]) {
                let (title, body) = render(notice, lang, &Facts::default());
                for text in [&title, &body] {
                    assert!(!text.contains("  ") && !text.contains(" .") && !text.contains(" ?"), "{text:?}");
                    assert!(!text.contains("“”") && !text.contains('«') && !text.contains(" /5"), "{text:?}");
                    assert!(!text.starts_with(' ') && !text.ends_with(' '), "{text:?}");
                    assert!(!text.contains("None") && !text.contains("Reason") && !text.contains("Motif"), "{text:?}");
                }
                assert!(body.ends_with('.'), "{notice:?} {lang:?}: {body:?}");
            }
        }
        let bare = Facts::default();
        let text = |notice, lang| render(notice, lang, &bare).1;
        assert_eq!(
            text(Notice::ReviewedYou { author: Role::Guest }, Lang::En),
            "Your guest reviewed you. Write your review of them to read theirs."
        );
        assert_eq!(
            text(Notice::Published { author: Role::Guest }, Lang::En),
            "Your guest reviewed your listing. Their review is now published."
        );
        assert_eq!(
            text(Notice::Reminder { role: Role::Guest, last: false }, Lang::Fr),
            "Comment s'est passée votre réservation\u{a0}? Écrivez votre avis."
        );
        assert_eq!(
            render(Notice::Reminder { role: Role::Host, last: true }, Lang::En, &bare).0,
            "Last days to write your review"
        );
        assert_eq!(
            text(Notice::Reminder { role: Role::Host, last: true }, Lang::En),
            "You can still write your review of your guest."
        );
    }
}
