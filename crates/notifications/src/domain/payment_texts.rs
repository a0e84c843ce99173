//! Money notices, from payments' events: the payer hears that a payment was received or
//! refused and that a refund was made; the host that a payout was sent. Written in English and
//! French, amounts in the reader's format, the booking by the short reference people quote.
//!
//! As for bookings, reading an event ([`notice_for`], who hears what) is split from writing it
//! ([`PaymentNotice::draft`], in the reader's language, which the caller looks up between the
//! two). Missing pieces (no amount, no reference) are left out of the sentence, never blank.

use kernel::EventEnvelope;
use serde_json::{Value, json};
use uuid::Uuid;

use super::Kind;
use super::booking_texts::words;
use super::inbox::Draft;
use super::locale::{self, Lang};

/// Which money notice a reader gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyNews {
    /// `payment.succeeded`: the payer's receipt.
    Received,
    /// `payment.failed`: the payer's card (or PayPal) was refused.
    Failed,
    /// `payment.refunded`: money went back to the payer.
    Refunded,
    /// `payout.paid`: the host's earnings were transferred.
    PayoutSent,
}

impl MoneyNews {
    pub fn kind(self) -> Kind {
        match self {
            MoneyNews::Received => Kind::PaymentReceived,
            MoneyNews::Failed => Kind::PaymentFailed,
            MoneyNews::Refunded => Kind::RefundProcessed,
            MoneyNews::PayoutSent => Kind::PayoutSent,
        }
    }
}

/// What a money notice may mention; each piece may be missing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Facts {
    /// Minor units and currency code.
    pub amount: Option<(i64, String)>,
    /// The booking as people quote it (see [`short_reference`]).
    pub reference: Option<String>,
    /// How many reservations a payout pays for.
    pub reservations: Option<i64>,
}

/// The one notice a payment or payout event asks for, not yet written in its reader's language.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentNotice {
    pub user_id: Uuid,
    pub news: MoneyNews,
    pub facts: Facts,
    pub data: Value,
}

impl PaymentNotice {
    /// The notice, in `lang`.
    pub fn draft(&self, lang: Lang) -> Draft {
        let (title, body) = render(self.news, lang, &self.facts);
        Draft { user_id: self.user_id, kind: self.news.kind(), title, body, data: self.data.clone() }
    }
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// A booking as people quote it: a reservation id by its first 8 characters in upper case (as
/// booking mails show it), anything else (DreamScape's `DS-…` group references) as it is.
pub fn short_reference(raw: &str) -> String {
    let raw = raw.trim();
    if Uuid::try_parse(raw).is_ok() {
        raw.chars().filter(char::is_ascii_alphanumeric).take(8).collect::<String>().to_uppercase()
    } else {
        raw.chars().take(40).collect()
    }
}

/// The notice a `payment.*` or `payout.*` event asks for: `Ok(None)` for events that make none
/// (`payment.created`, `payment.authorized`, `payment.canceled`...), `Err` when the event is
/// malformed (it is then skipped, not retried forever).
pub fn notice_for(event: &EventEnvelope) -> Result<Option<PaymentNotice>, &'static str> {
    let news = match event.event_type.as_str() {
        "payment.succeeded" => MoneyNews::Received,
        "payment.failed" => MoneyNews::Failed,
        "payment.refunded" => MoneyNews::Refunded,
        "payout.paid" => MoneyNews::PayoutSent,
        _ => return Ok(None),
    };
    let d = &event.data;
    let (who, missing) = match news {
        MoneyNews::PayoutSent => ("hostId", "the payout names no valid host (hostId)"),
        _ => ("userId", "the payment names no valid payer (userId)"),
    };
    let user_id = text(d, who).and_then(|s| Uuid::try_parse(s).ok()).ok_or(missing)?;
    let currency = text(d, "currency").map(str::to_ascii_uppercase);
    let amount = d.get("amount").and_then(Value::as_i64).zip(currency.clone());
    let facts = Facts {
        amount,
        reference: text(d, "bookingReference").or_else(|| text(d, "reservationId")).map(short_reference),
        reservations: d.get("reservations").and_then(Value::as_i64).filter(|n| *n > 0),
    };
    let data = match news {
        MoneyNews::PayoutSent => json!({"event": event.event_type, "payoutId": d.get("id"), "amount": d.get("amount"),
                                        "currency": currency, "reservations": facts.reservations}),
        _ => {
            let mut data = json!({"event": event.event_type, "paymentIntentId": d.get("paymentIntentId"),
                                  "reservationId": d.get("reservationId"), "bookingReference": d.get("bookingReference"),
                                  "amount": d.get("amount"), "currency": currency});
            if news == MoneyNews::Refunded {
                data["refundId"] = d.get("refundId").cloned().unwrap_or(Value::Null);
            }
            data
        }
    };
    let facts = if news == MoneyNews::PayoutSent { Facts { reference: None, ..facts } } else { facts };
    Ok(Some(PaymentNotice { user_id, news, facts, data }))
}

/// The title and body of a money notice for a reader of `lang`.
pub fn render(news: MoneyNews, lang: Lang, f: &Facts) -> (String, String) {
    let amount = f.amount.as_ref().map(|(a, c)| locale::money(lang, *a, c));
    let reference = f.reference.as_deref();
    match lang {
        Lang::En => english(news, f, amount.as_deref(), reference),
        Lang::Fr => french(news, f, amount.as_deref(), reference),
    }
}

fn english(news: MoneyNews, f: &Facts, amount: Option<&str>, reference: Option<&str>) -> (String, String) {
    let of = amount.map(|a| format!("of {a}")).unwrap_or_default();
    let booking = reference.map(|r| format!("for booking {r}")).unwrap_or_default();
    match news {
        MoneyNews::Received => {
            ("Payment received".to_owned(), format!("{}.", words(&["We received your payment", &of, &booking])))
        }
        MoneyNews::Failed => (
            "Payment failed".to_owned(),
            format!(
                "{}. Please try again or use another payment method.",
                words(&["Your payment", &of, &booking, "did not go through"])
            ),
        ),
        MoneyNews::Refunded => {
            let done = match amount {
                Some(a) => words(&[a, "has been refunded to you", &booking]),
                None => words(&["Your refund", &booking, "has been processed"]),
            };
            ("Refund processed".to_owned(), format!("{done}. It can take a few days to show on your statement."))
        }
        MoneyNews::PayoutSent => {
            let count = match f.reservations {
                Some(1) => "for 1 reservation".to_owned(),
                Some(n) => format!("for {n} reservations"),
                None => String::new(),
            };
            (
                "Payout sent".to_owned(),
                format!(
                    "{}. It can take a few days to reach your account.",
                    words(&["We sent you a payout", &of, &count])
                ),
            )
        }
    }
}

fn french(news: MoneyNews, f: &Facts, amount: Option<&str>, reference: Option<&str>) -> (String, String) {
    let of = amount.map(|a| format!("de {a}")).unwrap_or_default();
    let booking = reference.map(|r| format!("pour la réservation {r}")).unwrap_or_default();
    match news {
        MoneyNews::Received => {
            ("Paiement reçu".to_owned(), format!("{}.", words(&["Nous avons bien reçu votre paiement", &of, &booking])))
        }
        MoneyNews::Failed => (
            "Échec du paiement".to_owned(),
            format!(
                "{}. Veuillez réessayer ou utiliser un autre moyen de paiement.",
                words(&["Votre paiement", &of, &booking, "n'a pas abouti"])
            ),
        ),
        MoneyNews::Refunded => {
            let done = match amount {
                Some(a) => words(&[a, "vous ont été remboursés", &booking]),
                None => words(&["Votre remboursement", &booking, "a été effectué"]),
            };
            (
                "Remboursement effectué".to_owned(),
                format!("{done}. Il peut falloir quelques jours pour qu'il apparaisse sur votre relevé."),
            )
        }
        MoneyNews::PayoutSent => {
            let count = match f.reservations {
                Some(1) => "pour 1 réservation".to_owned(),
                Some(n) => format!("pour {n} réservations"),
                None => String::new(),
            };
            (
                "Versement envoyé".to_owned(),
                format!(
                    "{}. Il peut falloir quelques jours pour qu'il arrive sur votre compte.",
                    words(&["Nous vous avons envoyé un versement", &of, &count])
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [MoneyNews; 4] = [MoneyNews::Received, MoneyNews::Failed, MoneyNews::Refunded, MoneyNews::PayoutSent];

    fn event(kind: &str, data: Value) -> EventEnvelope {
        EventEnvelope::new(kind, kernel::new_id(), chrono::Utc::now(), data)
    }

    fn payment(payer: Uuid, reservation: Uuid) -> Value {
        json!({"paymentIntentId": "pi_1", "amount": 22400, "currency": "eur", "reservationId": reservation,
               "bookingReference": reservation, "status": "succeeded", "userId": payer})
    }

    #[test]
    fn the_payer_hears_of_their_payment_with_its_amount_and_reference() {
        let (payer, reservation) = (kernel::new_id(), kernel::new_id());
        let n = notice_for(&event("payment.succeeded", payment(payer, reservation))).unwrap().unwrap();
        assert_eq!((n.user_id, n.news), (payer, MoneyNews::Received));
        let reference = reservation.simple().to_string()[..8].to_uppercase();
        let d = n.draft(Lang::En);
        assert_eq!(d.kind, Kind::PaymentReceived);
        assert_eq!(d.title, "Payment received");
        assert_eq!(d.body, format!("We received your payment of 224.00 EUR for booking {reference}."));
        let d = n.draft(Lang::Fr);
        assert_eq!(d.title, "Paiement reçu");
        assert_eq!(
            d.body,
            format!("Nous avons bien reçu votre paiement de 224,00 EUR pour la réservation {reference}.")
        );
        assert_eq!(d.data["event"], "payment.succeeded");
        assert_eq!(d.data["currency"], "EUR");
        assert_eq!(d.data["reservationId"], json!(reservation));

        let n = notice_for(&event("payment.failed", payment(payer, reservation))).unwrap().unwrap();
        let d = n.draft(Lang::En);
        assert_eq!((d.kind, d.title.as_str()), (Kind::PaymentFailed, "Payment failed"));
        assert_eq!(
            d.body,
            format!(
                "Your payment of 224.00 EUR for booking {reference} did not go through. Please try again or use \
                 another payment method."
            )
        );
        assert!(n.draft(Lang::Fr).body.contains("n'a pas abouti"), "{:?}", n.draft(Lang::Fr));
    }

    #[test]
    fn a_refund_tells_the_payer_and_a_payout_the_host() {
        let (payer, reservation, host) = (kernel::new_id(), kernel::new_id(), kernel::new_id());
        let mut refund = payment(payer, reservation);
        refund["amount"] = json!(4500);
        refund["refundId"] = json!("re_1");
        let n = notice_for(&event("payment.refunded", refund)).unwrap().unwrap();
        let d = n.draft(Lang::Fr);
        assert_eq!((d.kind, d.title.as_str()), (Kind::RefundProcessed, "Remboursement effectué"));
        assert!(d.body.starts_with("45,00 EUR vous ont été remboursés pour la réservation "), "{}", d.body);
        assert_eq!(d.data["refundId"], "re_1");

        let payout = json!({"id": "po_1", "hostId": host, "currency": "EUR", "amount": 17000, "status": "paid",
                            "reservations": 2, "transferId": "tr_1"});
        let n = notice_for(&event("payout.paid", payout.clone())).unwrap().unwrap();
        assert_eq!(n.user_id, host);
        let d = n.draft(Lang::En);
        assert_eq!((d.kind, d.title.as_str()), (Kind::PayoutSent, "Payout sent"));
        assert_eq!(
            d.body,
            "We sent you a payout of 170.00 EUR for 2 reservations. It can take a few days to reach your account."
        );
        assert_eq!(
            d.data,
            json!({"event": "payout.paid", "payoutId": "po_1", "amount": 17000, "currency": "EUR",
                                  "reservations": 2})
        );
        let mut one = payout;
        one["reservations"] = json!(1);
        let d = notice_for(&event("payout.paid", one)).unwrap().unwrap().draft(Lang::Fr);
        assert_eq!(d.title, "Versement envoyé");
        assert!(
            d.body.starts_with("Nous vous avons envoyé un versement de 170,00 EUR pour 1 réservation."),
            "{}",
            d.body
        );
    }

    #[test]
    fn other_payment_events_tell_nobody_and_broken_ones_are_refused() {
        let (payer, reservation) = (kernel::new_id(), kernel::new_id());
        for kind in ["payment.created", "payment.authorized", "payment.canceled", "refund.completed", "payout.failed"] {
            assert_eq!(notice_for(&event(kind, payment(payer, reservation))), Ok(None), "{kind}");
        }
        let mut anonymous = payment(payer, reservation);
        anonymous["userId"] = json!("nobody");
        assert!(notice_for(&event("payment.succeeded", anonymous)).is_err());
        assert!(notice_for(&event("payout.paid", json!({"amount": 1}))).is_err());
    }

    #[test]
    fn references_are_short_for_ids_and_kept_for_groups() {
        assert_eq!(short_reference("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"), "0193A1B2");
        assert_eq!(short_reference(" DS-7KQ2M9 "), "DS-7KQ2M9");
    }

    #[test]
    fn missing_pieces_leave_no_blanks() {
        for lang in [Lang::En, Lang::Fr] {
            for news in ALL {
                let (title, body) = render(news, lang, &Facts::default());
                for text in [&title, &body] {
                    assert!(!text.contains("  ") && !text.contains(" .") && !text.starts_with(' '), "{text:?}");
                    assert!(!text.is_empty());
                }
                assert!(body.ends_with('.'), "{body:?}");
            }
        }
        assert_eq!(render(MoneyNews::Received, Lang::En, &Facts::default()).1, "We received your payment.");
        assert_eq!(
            render(MoneyNews::Refunded, Lang::En, &Facts::default()).1,
            "Your refund has been processed. It can take a few days to show on your statement."
        );
    }
}
