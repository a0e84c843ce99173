//! What lands in an inbox for each of booking's `order.*` events: menu orders at restaurants
//! (a pre-order with a table reservation, a takeaway, an order at the table). The kitchen has
//! to act on a new order within minutes, and the guest wants to know when theirs was accepted,
//! is ready, or will not happen and what becomes of their money; the steps in between
//! (preparing, served, collected...) are seen live on the order and make no notice.
//!
//! Orders are reservations in booking, so their notices take the booking types (and so the
//! booking preferences) that say the same thing: a new order is a request to the restaurant
//! (`booking_requested`), an accepted or ready order a confirmed one (`booking_confirmed`), a
//! rejection a decline, a guest's cancellation a cancellation. No preference of its own: a
//! reader who turned booking updates off in the inbox does not want order updates there either.
//!
//! Every order event tells one person, so reading one yields at most one notice:
//! [`notice_for`] decides who hears what (pure, from the event alone), the caller looks up that
//! reader's language, and [`OrderNotice::draft`] writes it ([`super::order_texts`]).

use chrono::{DateTime, Utc};
use kernel::EventEnvelope;
use serde_json::{Value, json};
use uuid::Uuid;

use super::inbox::Draft;
use super::locale::{self, Lang, LocalTime};
use super::order_texts;
use super::{BookingNews, Kind};

/// How an order is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Ordered ahead with a table reservation, served at its time.
    Preorder,
    /// Picked up at a chosen time.
    Takeaway,
    /// At a table now, named by its code.
    DineIn,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Preorder => "preorder",
            Mode::Takeaway => "takeaway",
            Mode::DineIn => "dine_in",
        }
    }

    fn parse(raw: Option<&str>) -> Option<Mode> {
        match raw? {
            "preorder" => Some(Mode::Preorder),
            "takeaway" => Some(Mode::Takeaway),
            "dine_in" => Some(Mode::DineIn),
            _ => None,
        }
    }
}

/// Which notice a reader gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// A new order for the restaurant to accept or reject.
    ReceivedToRestaurant,
    AcceptedToGuest,
    ReadyToGuest,
    RejectedToGuest,
    /// The restaurant did not answer before the order's deadline.
    NotAcceptedToGuest,
    /// The guest did not pay before the hold ran out: nobody was asked to accept anything.
    UnpaidToGuest,
    /// The guest (or Sojourn) cancelled; the restaurant is told.
    CancelledToRestaurant,
}

/// What becomes of the guest's money when an order will not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// Minor units and currency given back.
    Refunded(i64, String),
    /// Minor units and currency held on the card (authorised, never taken), let go of.
    Released(i64, String),
    /// Nothing refunded and the event does not say what was held: the hold is let go of.
    HoldReleased,
    /// Nothing was paid nor held (paid at the table, or a free order).
    NothingCharged,
}

/// What a notice may mention. Every field but `settlement` may be missing (an event from the
/// payment path carries no `order`): the texts then leave the words out.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    /// The restaurant's title.
    pub title: Option<String>,
    pub mode: Option<Mode>,
    /// How many items, all lines together.
    pub items: Option<i64>,
    /// When it is to be collected or served, on the restaurant's clock (never for an order
    /// at the table: it is served now).
    pub at: Option<LocalTime>,
    /// The table of an order at the table.
    pub table: Option<String>,
    /// Until when the restaurant can accept it.
    pub respond_by: Option<LocalTime>,
    /// The restaurant's reason for rejecting it.
    pub reason: Option<String>,
    pub settlement: Settlement,
    /// Who cancelled, for a cancellation: `guest`, `host`, `admin`.
    pub cancelled_by: Option<String>,
}

/// The one notice an order event asks for, not yet written in its reader's language.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderNotice {
    pub user_id: Uuid,
    pub notice: Notice,
    pub facts: Facts,
    /// What a client needs to link the notice (`orderId`, `listingId`, `mode`...).
    pub data: Value,
}

impl OrderNotice {
    /// The notice, in `lang`.
    pub fn draft(&self, lang: Lang) -> Draft {
        let (title, body) = order_texts::render(self.notice, lang, &self.facts);
        Draft { user_id: self.user_id, kind: kind(self.notice), title, body, data: self.data.clone() }
    }
}

/// The booking type that says the same thing about a reservation.
pub fn kind(notice: Notice) -> Kind {
    Kind::Booking(match notice {
        Notice::ReceivedToRestaurant => BookingNews::Requested,
        Notice::AcceptedToGuest | Notice::ReadyToGuest => BookingNews::Confirmed,
        Notice::RejectedToGuest => BookingNews::Declined,
        Notice::NotAcceptedToGuest | Notice::UnpaidToGuest => BookingNews::Expired,
        Notice::CancelledToRestaurant => BookingNews::Cancelled,
    })
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

/// The items of an order: its lines' quantities added up, else the reservation's quantity
/// (booking counts an order's items there).
fn items(order: &Value, r: &Value) -> Option<i64> {
    let lines = order.get("lines").and_then(Value::as_array).filter(|l| !l.is_empty());
    let counted = lines.map(|lines| {
        lines.iter().filter_map(|l| l.get("quantity").and_then(Value::as_i64)).filter(|&q| q > 0).sum::<i64>()
    });
    counted.or_else(|| r.get("quantity").and_then(Value::as_i64)).filter(|&n| n > 0)
}

/// What becomes of the money: a refund when one is made, else what the card held; an event
/// that says nothing was paid nor held (both explicitly 0) charged nothing.
fn settlement(r: &Value, refund: Option<i64>) -> Settlement {
    let currency = || text(r, "currency").unwrap_or("EUR").to_owned();
    let amount = |key: &str| r.get(key).and_then(Value::as_i64);
    match (refund.filter(|&n| n > 0), amount("authorised"), amount("paid")) {
        (Some(n), _, _) => Settlement::Refunded(n, currency()),
        (None, Some(held), _) if held > 0 => Settlement::Released(held, currency()),
        (None, Some(0), Some(0)) => Settlement::NothingCharged,
        _ => Settlement::HoldReleased,
    }
}

/// The facts an order event gives a notice: `r` is its reservation, `order` its order view
/// (`Value::Null` when the event carries none).
pub fn facts_of(r: &Value, order: &Value, refund: Option<i64>) -> Facts {
    let zone = text(r, "timezone");
    let mode = Mode::parse(text(order, "mode"));
    let at = instant(order, "pickupAt").or_else(|| instant(order, "serveAt")).or_else(|| instant(r, "startsAt"));
    Facts {
        title: text(r, "listingTitle").map(|t| t.chars().take(120).collect()),
        mode,
        items: items(order, r),
        at: at.filter(|_| mode != Some(Mode::DineIn)).map(|t| locale::local(t, zone)),
        table: text(order, "tableCode").filter(|_| mode == Some(Mode::DineIn)).map(|t| t.chars().take(20).collect()),
        respond_by: instant(r, "respondBy").map(|t| locale::local(t, zone)),
        reason: text(r, "cancelReason").map(|t| t.chars().take(500).collect()),
        settlement: settlement(r, refund),
        cancelled_by: text(r, "cancelledBy").map(str::to_owned),
    }
}

/// The notice an `order.*` event asks for: `Ok(None)` for events that make none (the kitchen's
/// intermediate steps, shipping, anything unknown, a notice to the event's own actor), `Err`
/// when the event lacks what it must carry (it is then skipped, not retried forever).
pub fn notice_for(event: &EventEnvelope) -> Result<Option<OrderNotice>, &'static str> {
    let notice = match event.event_type.as_str() {
        "order.received" => Notice::ReceivedToRestaurant,
        "order.accepted" => Notice::AcceptedToGuest,
        "order.ready" => Notice::ReadyToGuest,
        "order.rejected" => Notice::RejectedToGuest,
        "order.expired" => Notice::NotAcceptedToGuest,
        "order.cancelled" => Notice::CancelledToRestaurant,
        _ => return Ok(None),
    };
    let d = &event.data;
    let r = d.get("reservation").filter(|r| r.is_object()).ok_or("the event carries no reservation")?;
    let order = d.get("order").filter(|o| o.is_object()).unwrap_or(&Value::Null);
    let facts = facts_of(r, order, d.get("refundAmount").and_then(Value::as_i64));
    let notice = match notice {
        // No deadline to answer and nothing paid nor held: the guest never paid, so the
        // restaurant was never asked.
        Notice::NotAcceptedToGuest if facts.respond_by.is_none() && facts.settlement == Settlement::NothingCharged => {
            Notice::UnpaidToGuest
        }
        other => other,
    };
    let reader = match notice {
        Notice::ReceivedToRestaurant | Notice::CancelledToRestaurant => "hostId",
        _ => "guestId",
    };
    let user = id(r, reader).ok_or("the reservation names no valid party to tell")?;
    if event.actor.as_deref().and_then(|a| Uuid::try_parse(a.trim()).ok()) == Some(user) {
        return Ok(None);
    }
    let order_id = id(r, "id").or_else(|| Uuid::try_parse(event.aggregate_id.trim()).ok());
    let mut data = json!({
        "event": event.event_type, "orderId": order_id, "reservationId": order_id,
        "listingId": id(r, "listingId"), "mode": facts.mode.map(Mode::as_str),
    });
    if notice == Notice::CancelledToRestaurant {
        data["cancelledBy"] = json!(facts.cancelled_by);
    }
    Ok(Some(OrderNotice { user_id: user, notice, facts, data }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, data: Value, actor: Option<Uuid>) -> EventEnvelope {
        let mut e = EventEnvelope::new(kind, kernel::new_id(), Utc::now(), data);
        e.actor = actor.map(|a| a.to_string());
        e
    }

    fn reservation(guest: Uuid, host: Uuid) -> Value {
        json!({"id": kernel::new_id(), "listingId": kernel::new_id(), "listingTitle": "Le Petit Bistro",
               "guestId": guest, "hostId": host, "status": "awaiting_host", "kind": "restaurant",
               "startsAt": "2027-07-03T18:00:00Z", "timezone": "Europe/Paris", "currency": "EUR", "total": 4500,
               "quantity": 3, "respondBy": "2027-07-03T16:15:00Z", "authorised": 4500, "paid": 0})
    }

    fn takeaway() -> Value {
        json!({"mode": "takeaway", "status": "received", "pickupAt": "2027-07-03T18:00:00Z", "tableCode": null,
               "lines": [{"name": "Soup", "quantity": 2}, {"name": "Steak", "quantity": 1}], "total": 4500})
    }

    fn notice(kind: &str, r: &Value, order: Option<Value>, refund: Option<i64>) -> Option<OrderNotice> {
        let data = json!({"reservation": r, "order": order, "refundAmount": refund});
        notice_for(&event(kind, data, None)).unwrap()
    }

    #[test]
    fn each_event_tells_the_restaurant_or_the_guest_under_a_booking_type() {
        let (g, h) = (kernel::new_id(), kernel::new_id());
        let r = reservation(g, h);
        for (kind, user, expected, type_) in [
            ("order.received", h, Notice::ReceivedToRestaurant, "booking_requested"),
            ("order.accepted", g, Notice::AcceptedToGuest, "booking_confirmed"),
            ("order.ready", g, Notice::ReadyToGuest, "booking_confirmed"),
            ("order.rejected", g, Notice::RejectedToGuest, "booking_declined"),
            ("order.expired", g, Notice::NotAcceptedToGuest, "booking_expired"),
            ("order.cancelled", h, Notice::CancelledToRestaurant, "booking_cancelled"),
        ] {
            let n = notice(kind, &r, Some(takeaway()), None).unwrap_or_else(|| panic!("{kind}"));
            assert_eq!((n.user_id, n.notice), (user, expected), "{kind}");
            assert_eq!(n.draft(Lang::En).kind.as_str(), type_, "{kind}");
            assert_eq!((&n.data["event"], &n.data["orderId"]), (&json!(kind), &r["id"]), "{kind}");
            assert_eq!((&n.data["listingId"], &n.data["mode"]), (&r["listingId"], &json!("takeaway")));
        }
        for kind in [
            "order.placed",
            "order.preparing",
            "order.served",
            "order.collected",
            "order.completed",
            "order.refund_due",
            "order.shipped",
            "order.delivered",
            "order.returned",
            "order.whatever",
        ] {
            assert_eq!(notice(kind, &r, Some(takeaway()), Some(4500)), None, "{kind}");
        }
    }

    #[test]
    fn nobody_is_told_what_they_did_themselves() {
        let (g, h) = (kernel::new_id(), kernel::new_id());
        let data = json!({"reservation": reservation(g, h)});
        assert_eq!(notice_for(&event("order.cancelled", data.clone(), Some(h))), Ok(None));
        let by_guest = notice_for(&event("order.cancelled", data.clone(), Some(g))).unwrap().unwrap();
        assert_eq!(by_guest.user_id, h);
        assert_eq!(notice_for(&event("order.received", data.clone(), Some(h))), Ok(None));
        assert!(notice_for(&event("order.rejected", data, Some(h))).unwrap().is_some());
    }

    #[test]
    fn the_facts_come_from_the_order_else_from_the_reservation() {
        let (g, h) = (kernel::new_id(), kernel::new_id());
        let r = reservation(g, h);
        let f = notice("order.received", &r, Some(takeaway()), None).unwrap().facts;
        assert_eq!((f.mode, f.items, f.title.as_deref()), (Some(Mode::Takeaway), Some(3), Some("Le Petit Bistro")));
        assert_eq!(
            f.at.map(|t| (t.at.to_string(), t.zone)),
            Some(("2027-07-03 20:00:00".into(), "Europe/Paris".into()))
        );
        // From the payment path the event carries no order: the reservation still tells a lot.
        let f = notice("order.received", &r, None, None).unwrap().facts;
        assert_eq!((f.mode, f.items, f.at.is_some(), f.respond_by.is_some()), (None, Some(3), true, true));
        // At the table: no time (it is now), its table instead.
        let dine_in = json!({"mode": "dine_in", "tableCode": "T-12", "lines": [{"name": "Soup", "quantity": 1}]});
        let f = notice("order.received", &r, Some(dine_in), None).unwrap().facts;
        assert_eq!((f.at, f.table.as_deref(), f.items), (None, Some("T-12"), Some(1)));
    }

    #[test]
    fn the_money_is_refunded_released_or_never_taken() {
        let (g, h) = (kernel::new_id(), kernel::new_id());
        let mut r = reservation(g, h);
        let settled = |r: &Value, refund| notice("order.rejected", r, None, refund).unwrap().facts.settlement;
        assert_eq!(settled(&r, Some(4500)), Settlement::Refunded(4500, "EUR".into()));
        assert_eq!(settled(&r, Some(0)), Settlement::Released(4500, "EUR".into()));
        r["authorised"] = json!(0);
        assert_eq!(settled(&r, None), Settlement::NothingCharged, "paid at the table");
        r.as_object_mut().unwrap().remove("paid");
        assert_eq!(settled(&r, None), Settlement::HoldReleased, "the event does not say");
        // An order nobody paid for expires as an unpaid one, not as one the kitchen ignored.
        let mut unpaid = reservation(g, h);
        unpaid["respondBy"] = Value::Null;
        unpaid["authorised"] = json!(0);
        assert_eq!(notice("order.expired", &unpaid, None, Some(0)).unwrap().notice, Notice::UnpaidToGuest);
        unpaid["respondBy"] = json!("2027-07-03T16:15:00Z");
        assert_eq!(notice("order.expired", &unpaid, None, None).unwrap().notice, Notice::NotAcceptedToGuest);
    }

    #[test]
    fn an_event_without_its_reader_is_an_error() {
        let (g, h) = (kernel::new_id(), kernel::new_id());
        let mut no_host = reservation(g, h);
        no_host["hostId"] = json!("not-an-id");
        assert!(notice_for(&event("order.received", json!({"reservation": no_host}), None)).is_err());
        assert!(notice_for(&event("order.ready", json!({"order": takeaway()}), None)).is_err());
        assert!(notice_for(&event("order.accepted", json!(["x"]), None)).is_err());
        assert!(notice_for(&event("order.accepted", json!({"reservation": "x"}), None)).is_err());
        assert_eq!(notice_for(&event("order.preparing", json!(null), None)), Ok(None));
    }
}
