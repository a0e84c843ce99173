//! Rules of DreamScape's admin back-office, without I/O: how our bookings and payments read
//! in DreamScape's enumerations, the dashboard's evolution figures, and CSV cells.

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

/// DreamScape's `BookingStatus` of a reservation in state `state`.
pub fn reservation_status(state: &str) -> &'static str {
    match state {
        "pending_payment" => "PENDING_PAYMENT",
        "awaiting_host" => "PENDING",
        "confirmed" => "CONFIRMED",
        "completed" => "COMPLETED",
        "expired" => "FAILED",
        _ => "CANCELLED",
    }
}

/// DreamScape's status of a booking by reference (`state`: `pending_payment`, `paid`,
/// `cancelled` or `failed`) from what is known of it: whether its payment was opened and the
/// states of its reservations. The booking context's own rule (`voyage::trips::status_of`),
/// except that supplier offers, which no event describes, count as booked.
pub fn trip_status(state: &str, payment_opened: bool, parts: &[String]) -> &'static str {
    match state {
        "cancelled" => "CANCELLED",
        "failed" => "FAILED",
        "pending_payment" => {
            let lapsed = !parts.is_empty() && parts.iter().all(|s| s == "expired" || s == "cancelled");
            match (lapsed, payment_opened) {
                (true, _) => "FAILED",
                (false, false) => "DRAFT",
                (false, true) => "PENDING_PAYMENT",
            }
        }
        _ if !parts.is_empty() && parts.iter().all(|s| s == "completed") => "COMPLETED",
        _ if parts.iter().all(|s| s == "confirmed" || s == "completed") => "CONFIRMED",
        _ => "PENDING",
    }
}

/// Every `BookingStatus`, in DreamScape's order.
pub const BOOKING_STATUSES: [&str; 7] =
    ["DRAFT", "PENDING_PAYMENT", "PENDING", "CONFIRMED", "CANCELLED", "COMPLETED", "FAILED"];

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

/// DreamScape's evolution figure: the change from `previous` to `current` in whole percent;
/// 100 when there was nothing before and something now, 0 when nothing either time.
pub fn evolution(current: f64, previous: f64) -> i64 {
    if previous == 0.0 {
        return if current > 0.0 { 100 } else { 0 };
    }
    #[allow(clippy::cast_possible_truncation)]
    let rounded = ((current - previous) / previous * 100.0).round() as i64;
    rounded
}

/// `value` rounded to two decimals.
pub fn two_decimals(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Minor units of `currency` as a major-unit number (2 decimals unless the currency says
/// otherwise): 22450 EUR → 224.5.
pub fn major(minor: i64, currency: &str) -> f64 {
    let digits = kernel::Currency::parse(currency).map_or(2, |c| c.minor_digits());
    #[allow(clippy::cast_precision_loss)]
    let value = minor as f64;
    value / 10_f64.powi(i32::from(digits))
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

    fn parts(states: &[&str]) -> Vec<String> {
        states.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn trip_status_follows_payment_then_every_part() {
        assert_eq!(trip_status("pending_payment", false, &[]), "DRAFT");
        assert_eq!(trip_status("pending_payment", true, &parts(&["pending_payment"])), "PENDING_PAYMENT");
        assert_eq!(trip_status("pending_payment", true, &parts(&["expired", "cancelled"])), "FAILED");
        assert_eq!(trip_status("paid", true, &parts(&["confirmed", "awaiting_host"])), "PENDING");
        assert_eq!(trip_status("paid", true, &parts(&["confirmed", "completed"])), "CONFIRMED");
        assert_eq!(trip_status("paid", true, &parts(&["completed"])), "COMPLETED");
        assert_eq!(trip_status("paid", true, &[]), "CONFIRMED", "supplier offers only");
        assert_eq!(trip_status("cancelled", true, &parts(&["confirmed"])), "CANCELLED");
        assert_eq!(trip_status("failed", true, &[]), "FAILED");
    }

    #[test]
    fn types_and_statuses_in_dreamscape_spelling() {
        assert_eq!(trip_type(["stay"]), "HOTEL");
        assert_eq!(trip_type(["stay", "hotel"]), "HOTEL");
        assert_eq!(trip_type(["stay", "flight"]), "PACKAGE");
        assert_eq!(trip_type([]), "PACKAGE");
        assert_eq!(booking_type("restaurant"), "ACTIVITY");
        assert_eq!(reservation_status("awaiting_host"), "PENDING");
        assert_eq!(reservation_status("declined"), "CANCELLED");
        assert_eq!(payment_status("payment.refunded"), None);
        assert_eq!(refunded_status("SUCCEEDED", 100, 40), "SUCCEEDED");
        assert_eq!(refunded_status("SUCCEEDED", 100, 100), "REFUNDED");
    }

    #[test]
    fn evolution_is_dreamscape_s() {
        assert_eq!(evolution(15.0, 10.0), 50);
        assert_eq!(evolution(5.0, 10.0), -50);
        assert_eq!(evolution(3.0, 0.0), 100);
        assert_eq!(evolution(0.0, 0.0), 0);
        assert_eq!(evolution(1.0, 3.0), -67);
        assert!((two_decimals(66.666_6) - 66.67).abs() < f64::EPSILON);
        assert!((major(22450, "EUR") - 224.5).abs() < f64::EPSILON);
        assert!((major(500, "JPY") - 500.0).abs() < f64::EPSILON);
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
