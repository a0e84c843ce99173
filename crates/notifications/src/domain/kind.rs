//! The type of an inbox notification, in Sojourn's precise vocabulary, and how it reads in
//! DreamScape's coarser one (`BOOKING_CONFIRMED`, `SYSTEM`, ...). The precise type is what is
//! stored; DreamScape's is derived from it, so nothing is lost either way.

use super::Topic;

/// What happened to a booking, as far as an inbox notice is concerned: each has its own
/// notice type, so a client can tell a decline from a confirmation without reading the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingNews {
    Requested,
    Confirmed,
    Declined,
    Cancelled,
    Expired,
}

impl BookingNews {
    pub const ALL: [BookingNews; 5] = [
        BookingNews::Requested,
        BookingNews::Confirmed,
        BookingNews::Declined,
        BookingNews::Cancelled,
        BookingNews::Expired,
    ];

    /// `booking_confirmed` and `booking_cancelled` are DreamScape's names for theirs.
    pub fn as_str(self) -> &'static str {
        match self {
            BookingNews::Requested => "booking_requested",
            BookingNews::Confirmed => "booking_confirmed",
            BookingNews::Declined => "booking_declined",
            BookingNews::Cancelled => "booking_cancelled",
            BookingNews::Expired => "booking_expired",
        }
    }
}

/// The type of an inbox notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Sent once, at sign-up, always.
    Welcome,
    /// A service notice with no more precise type (DreamScape's `SYSTEM`).
    System,
    Booking(BookingNews),
    /// Booking notices made before booking news had types of their own.
    BookingConfirmation,
    PaymentReceived,
    PaymentFailed,
    RefundProcessed,
    Promotions,
    PlatformUpdate,
    AccountSecurity,
    PriceAlert,
    TripReminder,
    Messages,
    Reviews,
    /// A host was paid out (their earnings transferred).
    PayoutSent,
}

/// DreamScape's notification types (`type` on its routes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DsType {
    BookingConfirmed,
    BookingCancelled,
    PaymentReceived,
    PaymentFailed,
    RefundProcessed,
    PromoOffer,
    PlatformUpdate,
    AccountSecurity,
    PriceAlert,
    TripReminder,
    System,
}

impl DsType {
    pub const ALL: [DsType; 11] = [
        DsType::BookingConfirmed,
        DsType::BookingCancelled,
        DsType::PaymentReceived,
        DsType::PaymentFailed,
        DsType::RefundProcessed,
        DsType::PromoOffer,
        DsType::PlatformUpdate,
        DsType::AccountSecurity,
        DsType::PriceAlert,
        DsType::TripReminder,
        DsType::System,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DsType::BookingConfirmed => "BOOKING_CONFIRMED",
            DsType::BookingCancelled => "BOOKING_CANCELLED",
            DsType::PaymentReceived => "PAYMENT_RECEIVED",
            DsType::PaymentFailed => "PAYMENT_FAILED",
            DsType::RefundProcessed => "REFUND_PROCESSED",
            DsType::PromoOffer => "PROMO_OFFER",
            DsType::PlatformUpdate => "PLATFORM_UPDATE",
            DsType::AccountSecurity => "ACCOUNT_SECURITY",
            DsType::PriceAlert => "PRICE_ALERT",
            DsType::TripReminder => "TRIP_REMINDER",
            DsType::System => "SYSTEM",
        }
    }

    pub fn parse(raw: &str) -> Option<DsType> {
        DsType::ALL.into_iter().find(|t| t.as_str() == raw)
    }

    /// The precise type a notice of this DreamScape type is stored as.
    pub fn kind(self) -> Kind {
        match self {
            DsType::BookingConfirmed => Kind::Booking(BookingNews::Confirmed),
            DsType::BookingCancelled => Kind::Booking(BookingNews::Cancelled),
            DsType::PaymentReceived => Kind::PaymentReceived,
            DsType::PaymentFailed => Kind::PaymentFailed,
            DsType::RefundProcessed => Kind::RefundProcessed,
            DsType::PromoOffer => Kind::Promotions,
            DsType::PlatformUpdate => Kind::PlatformUpdate,
            DsType::AccountSecurity => Kind::AccountSecurity,
            DsType::PriceAlert => Kind::PriceAlert,
            DsType::TripReminder => Kind::TripReminder,
            DsType::System => Kind::System,
        }
    }
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Welcome => "welcome",
            Kind::System => "system",
            Kind::Booking(news) => news.as_str(),
            Kind::BookingConfirmation => "booking_confirmation",
            Kind::PaymentReceived => "payment_received",
            Kind::PaymentFailed => "payment_failed",
            Kind::RefundProcessed => "refund_processed",
            Kind::Promotions => "promotions",
            Kind::PlatformUpdate => "platform_update",
            Kind::AccountSecurity => "account_security",
            Kind::PriceAlert => "price_alert",
            Kind::TripReminder => "trip_reminder",
            Kind::Messages => "messages",
            Kind::Reviews => "reviews",
            Kind::PayoutSent => "payout_sent",
        }
    }

    /// The preference that decides whether a notice of this type is delivered: booking
    /// cancellations follow `booking_cancelled`, every other booking news the booking-updates
    /// preference (`booking_confirmation`); `welcome` and `system` none (always delivered).
    pub fn preference(self) -> Option<Topic> {
        match self {
            Kind::Welcome | Kind::System => None,
            Kind::Booking(BookingNews::Cancelled) => Some(Topic::BookingCancelled),
            Kind::Booking(_) | Kind::BookingConfirmation => Some(Topic::BookingConfirmation),
            // Money that reached its owner, either way: a payment taken or a payout made.
            Kind::PaymentReceived | Kind::PayoutSent => Some(Topic::PaymentSucceeded),
            Kind::PaymentFailed => Some(Topic::PaymentFailed),
            Kind::RefundProcessed => Some(Topic::RefundProcessed),
            Kind::Promotions => Some(Topic::Promotions),
            Kind::PlatformUpdate => Some(Topic::PlatformUpdate),
            Kind::AccountSecurity => Some(Topic::AccountSecurity),
            Kind::PriceAlert => Some(Topic::PriceAlert),
            Kind::TripReminder => Some(Topic::TripReminder),
            Kind::Messages => Some(Topic::Messages),
            Kind::Reviews => Some(Topic::Reviews),
        }
    }

    /// How DreamScape's clients see this type: the closest of theirs. A declined or expired
    /// booking will not happen, as a cancelled one; a request, a welcome, messages and reviews
    /// have no counterpart and read `SYSTEM`.
    pub fn dreamscape(self) -> DsType {
        match self {
            Kind::Welcome | Kind::System | Kind::Messages | Kind::Reviews => DsType::System,
            Kind::Booking(BookingNews::Requested) => DsType::System,
            Kind::Booking(BookingNews::Confirmed) | Kind::BookingConfirmation => DsType::BookingConfirmed,
            Kind::Booking(BookingNews::Declined | BookingNews::Cancelled | BookingNews::Expired) => {
                DsType::BookingCancelled
            }
            Kind::PaymentReceived | Kind::PayoutSent => DsType::PaymentReceived,
            Kind::PaymentFailed => DsType::PaymentFailed,
            Kind::RefundProcessed => DsType::RefundProcessed,
            Kind::Promotions => DsType::PromoOffer,
            Kind::PlatformUpdate => DsType::PlatformUpdate,
            Kind::AccountSecurity => DsType::AccountSecurity,
            Kind::PriceAlert => DsType::PriceAlert,
            Kind::TripReminder => DsType::TripReminder,
        }
    }

    pub fn parse(raw: &str) -> Option<Kind> {
        Kind::all().into_iter().find(|k| k.as_str() == raw)
    }

    fn all() -> Vec<Kind> {
        let mut all = vec![Kind::Welcome, Kind::System];
        all.extend(BookingNews::ALL.map(Kind::Booking));
        all.extend([
            Kind::BookingConfirmation,
            Kind::PaymentReceived,
            Kind::PaymentFailed,
            Kind::RefundProcessed,
            Kind::Promotions,
            Kind::PlatformUpdate,
            Kind::AccountSecurity,
            Kind::PriceAlert,
            Kind::TripReminder,
            Kind::Messages,
            Kind::Reviews,
            Kind::PayoutSent,
        ]);
        all
    }

    /// Every value `type` can take, for error messages and docs.
    pub fn names() -> Vec<&'static str> {
        Kind::all().into_iter().map(Kind::as_str).collect()
    }

    /// The stored type of a row, read back: a name this version does not know reads `system`.
    pub fn read(stored: &str) -> Kind {
        Kind::parse(stored).unwrap_or(Kind::System)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_are_distinct() {
        let names = Kind::names();
        for name in &names {
            assert_eq!(Kind::parse(name).map(Kind::as_str), Some(*name));
        }
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len());
        assert_eq!(names.len(), 19);
        assert_eq!(Kind::parse("Welcome"), None);
        assert_eq!(Kind::parse(""), None);
        assert_eq!(Kind::parse("booking_cancelled"), Some(Kind::Booking(BookingNews::Cancelled)));
        assert_eq!(Kind::read("carrier_pigeon"), Kind::System);
    }

    #[test]
    fn every_dreamscape_type_round_trips_through_its_kind() {
        for t in DsType::ALL {
            assert_eq!(DsType::parse(t.as_str()), Some(t));
            assert_eq!(t.kind().dreamscape(), t, "{t:?}");
        }
        assert_eq!(DsType::parse("system"), None);
    }

    #[test]
    fn our_precise_types_read_as_the_closest_dreamscape_type() {
        let ds = |k: Kind| k.dreamscape().as_str();
        assert_eq!(ds(Kind::Booking(BookingNews::Declined)), "BOOKING_CANCELLED");
        assert_eq!(ds(Kind::Booking(BookingNews::Expired)), "BOOKING_CANCELLED");
        assert_eq!(ds(Kind::Booking(BookingNews::Requested)), "SYSTEM");
        assert_eq!(ds(Kind::BookingConfirmation), "BOOKING_CONFIRMED");
        assert_eq!(ds(Kind::Welcome), "SYSTEM");
        assert_eq!(ds(Kind::Promotions), "PROMO_OFFER");
        assert_eq!(ds(Kind::PayoutSent), "PAYMENT_RECEIVED");
        // DreamScape's PAYMENT_RECEIVED still stores a payment's receipt, not a payout.
        assert_eq!(DsType::PaymentReceived.kind(), Kind::PaymentReceived);
    }

    #[test]
    fn booking_news_follows_the_booking_preferences() {
        for news in BookingNews::ALL {
            let expected =
                if news == BookingNews::Cancelled { Topic::BookingCancelled } else { Topic::BookingConfirmation };
            assert_eq!(Kind::Booking(news).preference(), Some(expected));
        }
        assert_eq!(Kind::Welcome.preference(), None);
        assert_eq!(Kind::System.preference(), None);
        assert_eq!(Kind::PaymentReceived.preference(), Some(Topic::PaymentSucceeded));
        assert_eq!(Kind::Reviews.preference(), Some(Topic::Reviews));
        assert_eq!(Kind::PayoutSent.preference(), Some(Topic::PaymentSucceeded));
        assert_eq!(Kind::parse("payout_sent"), Some(Kind::PayoutSent));
    }
}
