//! Rules of DreamScape's admin back-office, without I/O: how our bookings and payments read
//! in DreamScape's enumerations and CSV cells. The vocabulary insights' dashboard shares
//! (statuses, evolution figures, major units) is [`kernel::dreamscape`]'s.

pub use kernel::dreamscape::{major, reservation_status, trip_status, two_decimals};

/// DreamScape's `BookingType` of one of our item kinds (a listing's kind, or a supplier
/// offer's type). Restaurants and products have no DreamScape type: they read as `ACTIVITY`.
pub fn booking_type(kind: &str) -> &'static str {
    match kind {
        "stay" | "hotel" => "HOTEL",
        "flight" => "FLIGHT",
        "transport" | "transfer" => "TRANSFER",
        _ => "ACTIVITY",
    }
}

/// The type of a DreamScape booking holding items of `kinds`: theirs when they all share one,
/// `PACKAGE` otherwise (or when unknown).
pub fn trip_type<'a>(kinds: impl IntoIterator<Item = &'a str>) -> &'static str {
    let mut types = kinds.into_iter().map(booking_type);
    match types.next() {
        Some(first) if types.all(|t| t == first) => first,
        _ => "PACKAGE",
    }
}

/// DreamScape's `PaymentTransactionStatus` after payments' event `event_type`; `None` for an
/// event that does not set it (a refund: see [`refunded_status`]).
pub fn payment_status(event_type: &str) -> Option<&'static str> {
    match event_type {
        "payment.created" => Some("PENDING"),
        "payment.authorized" => Some("PROCESSING"),
        "payment.succeeded" => Some("SUCCEEDED"),
        "payment.failed" => Some("FAILED"),
        "payment.canceled" => Some("CANCELED"),
        _ => None,
    }
}

/// A payment's status once `refunded` of its `amount` went back: `REFUNDED` when all of it.
pub fn refunded_status(current: &str, amount: i64, refunded: i64) -> &str {
    if refunded >= amount && amount > 0 { "REFUNDED" } else { current }
}

/// One CSV cell: quoted when it holds a comma, a quote or a line break (quotes doubled), and
/// defused when a spreadsheet would read it as a formula (it starts with `=`, `+`, `-`, `@`,
/// a tab or a carriage return): a leading `'` makes it text.
pub fn csv_cell(raw: &str) -> String {
    let defused = if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{raw}") } else { raw.to_owned() };
    if defused.contains([',', '"', '\n', '\r']) { format!("\"{}\"", defused.replace('"', "\"\"")) } else { defused }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_statuses_in_dreamscape_spelling() {
        assert_eq!(trip_type(["stay"]), "HOTEL");
        assert_eq!(trip_type(["stay", "hotel"]), "HOTEL");
        assert_eq!(trip_type(["stay", "flight"]), "PACKAGE");
        assert_eq!(trip_type([]), "PACKAGE");
        assert_eq!(booking_type("restaurant"), "ACTIVITY");
        assert_eq!(payment_status("payment.refunded"), None);
        assert_eq!(refunded_status("SUCCEEDED", 100, 40), "SUCCEEDED");
        assert_eq!(refunded_status("SUCCEEDED", 100, 100), "REFUNDED");
    }

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-2"), "'-2");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
    }
}
