//! System messages: what booking's state changes say in a reservation's conversation. The
//! `code` is stable (clients may translate it); the text is the English rendering.

/// The code and text of the system message a booking event writes, if it writes one.
/// `cancelled_by` is the reservation's `cancelledBy` (`guest`, `host`, `admin`, `system`).
pub fn for_event(event_type: &str, cancelled_by: Option<&str>) -> Option<(&'static str, String)> {
    let text = match event_type {
        "booking.requested" => {
            "The guest sent a booking request. The host has been asked to accept or decline it.".to_owned()
        }
        "booking.confirmed" => "The reservation is confirmed.".to_owned(),
        "booking.declined" => "The host declined the booking request.".to_owned(),
        "booking.cancelled" => match cancelled_by {
            Some("guest") => "The guest cancelled the reservation.".to_owned(),
            Some("host") => "The host cancelled the reservation.".to_owned(),
            _ => "The reservation was cancelled.".to_owned(),
        },
        "booking.expired" => "The reservation expired before it was confirmed.".to_owned(),
        _ => return None,
    };
    let code = match event_type {
        "booking.requested" => "booking.requested",
        "booking.confirmed" => "booking.confirmed",
        "booking.declined" => "booking.declined",
        "booking.cancelled" => "booking.cancelled",
        _ => "booking.expired",
    };
    Some((code, text))
}

/// The check-in message, written once when a confirmed stay's start has passed.
pub const CHECKED_IN: &str = "booking.checked_in";

pub fn checked_in_text() -> String {
    "The stay has started: the guest has checked in.".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_state_change_has_its_code() {
        for (event, code) in [
            ("booking.requested", "booking.requested"),
            ("booking.confirmed", "booking.confirmed"),
            ("booking.declined", "booking.declined"),
            ("booking.cancelled", "booking.cancelled"),
            ("booking.expired", "booking.expired"),
        ] {
            assert_eq!(for_event(event, None).map(|(c, _)| c), Some(code));
        }
        assert!(for_event("booking.created", None).is_none());
        assert!(for_event("booking.completed", None).is_none());
        assert!(for_event("booking.cancelled", Some("host")).is_some_and(|(_, t)| t.contains("host")));
    }
}
