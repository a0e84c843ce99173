//! Amadeus's refusals in our terms. Amadeus answers errors as `{"errors": [{status, code,
//! title, detail, source: {parameter | pointer}}]}`; the caller gets what it can fix (`400`
//! naming the parameter, `404`, `409 offer_unavailable`) and nothing of Amadeus's own troubles
//! or of our credentials (those become `503`).

use kernel::{ApiError, FieldError};
use serde_json::Value;

use crate::provider::Operation;

/// Longest Amadeus text passed on to a client.
const TEXT_CAP: usize = 300;

/// `Retry-After` of a 503 when nothing better is known.
pub(super) const RETRY_AFTER_SECS: u64 = 5;

/// The first error of an Amadeus error body.
fn first(body: Option<&Value>) -> Option<&Value> {
    body?.get("errors")?.as_array()?.first()
}

fn text<'a>(error: &'a Value, name: &str) -> Option<&'a str> {
    error.get(name).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

fn capped(text: &str) -> String {
    match text.char_indices().nth(TEXT_CAP) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// Amadeus's error code (a number) for the logs, or `-`.
pub(super) fn code(body: Option<&Value>) -> String {
    first(body).and_then(|e| e.get("code")).map_or_else(|| "-".to_owned(), |c| c.to_string())
}

/// Amadeus's explanation: its detail, else its title.
fn message(body: Option<&Value>, fallback: &str) -> String {
    first(body).and_then(|e| text(e, "detail").or_else(|| text(e, "title"))).map_or_else(|| fallback.to_owned(), capped)
}

/// One entry per Amadeus error that names what it is about.
fn details(body: Option<&Value>) -> Vec<FieldError> {
    let errors = body.and_then(|b| b.get("errors")).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    errors
        .iter()
        .filter_map(|e| {
            let source = e.get("source")?;
            let field = text(source, "parameter").or_else(|| text(source, "pointer"))?;
            let message = text(e, "detail").or_else(|| text(e, "title")).unwrap_or("is not valid");
            Some(FieldError::new(field, capped(message)))
        })
        .collect()
}

/// The error for a 4xx Amadeus answer other than 401/403/429 (those are handled by the caller).
pub(super) fn refusal(status: u16, body: Option<&Value>) -> ApiError {
    match status {
        404 => ApiError::not_found(message(body, "Not found at the supplier")),
        409 | 422 => ApiError::new(409, "offer_unavailable", message(body, "The offer is no longer available")),
        _ => ApiError::new(400, "supplier_rejected", message(body, "The supplier rejected the request"))
            .with_details(details(body)),
    }
}

/// The error for Amadeus (or our access to it) not working: no details, a retry hint.
pub(super) fn unavailable(retry_after: Option<u64>) -> ApiError {
    ApiError::unavailable(
        "The travel supplier is unavailable, try again shortly",
        retry_after.or(Some(RETRY_AFTER_SECS)),
    )
}

/// For `Operation::offline_only` operations.
pub(super) fn not_offered(op: Operation) -> ApiError {
    ApiError::new(422, "not_offered_by_supplier", format!("Amadeus does not offer {op:?}; the offline supplier does"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn amadeus_errors_become_ours() {
        let body = json!({ "errors": [
            { "status": 400, "code": 477, "title": "INVALID FORMAT", "detail": "must be a date",
              "source": { "parameter": "departureDate" } },
            { "status": 400, "code": 32171, "title": "MANDATORY DATA MISSING",
              "source": { "pointer": "/data/travelers[0]/name" } },
            { "status": 400, "code": 1, "title": "nothing named" } ] });
        let e = refusal(400, Some(&body));
        assert_eq!((e.status, e.code.as_ref(), e.message.as_str()), (400, "supplier_rejected", "must be a date"));
        assert_eq!(
            e.details,
            vec![
                FieldError::new("departureDate", "must be a date"),
                FieldError::new("/data/travelers[0]/name", "MANDATORY DATA MISSING"),
            ]
        );
        assert_eq!(code(Some(&body)), "477");
        assert_eq!(code(None), "-");

        let gone = json!({ "errors": [{ "status": 400, "code": 34651, "title": "SEGMENT SELL FAILURE" }] });
        let e = refusal(422, Some(&gone));
        assert_eq!((e.status, e.code.as_ref(), e.message.as_str()), (409, "offer_unavailable", "SEGMENT SELL FAILURE"));
        assert_eq!(refusal(404, None).code, "not_found");
        assert_eq!(refusal(405, Some(&json!("<html>"))).status, 400);
        let e = unavailable(None);
        assert_eq!((e.status, e.retry_after), (503, Some(RETRY_AFTER_SECS)));
        assert_eq!(not_offered(Operation::HotelOrderCancel).status, 422);
        assert_eq!(capped(&"x".repeat(400)).chars().count(), TEXT_CAP + 1);
    }
}
