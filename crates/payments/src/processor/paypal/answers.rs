//! How PayPal's answers read: the statuses of orders, captures and authorisations, the issue of
//! a refusal, the approval link, and what a webhook event means for a payment. Pure functions
//! of PayPal's JSON, apart from the client that fetches it.

use serde_json::{Map, Value, json};

use super::super::{Outcome, ProcessorError, Status};

pub(super) fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// The first issue of a PayPal error (`details[0].issue`), else its `name`.
pub(super) fn issue(error: &Value) -> Option<&str> {
    text(error, "/details/0/issue").or_else(|| text(error, "/name"))
}

/// Where the buyer approves an order.
pub(super) fn approval_link(order: &Value) -> Option<String> {
    let links = order.get("links").and_then(Value::as_array)?;
    let link = |rel: &str| {
        links.iter().find(|l| l.get("rel").and_then(Value::as_str) == Some(rel)).and_then(|l| text(l, "/href"))
    };
    link("payer-action").or_else(|| link("approve")).map(str::to_owned)
}

pub(super) fn unexpected(what: &str, status: Option<&str>) -> ProcessorError {
    ProcessorError::Unavailable(format!("unexpected PayPal {what} status {status:?}"))
}

/// The status of a capture.
pub(super) fn capture_status(capture: &Value) -> Result<Status, ProcessorError> {
    let status = text(capture, "/status");
    Ok(match status {
        Some("COMPLETED" | "PARTIALLY_REFUNDED" | "REFUNDED") => Status::Succeeded,
        Some("PENDING") => Status::Processing,
        Some(s @ ("DECLINED" | "FAILED")) => Status::Declined {
            code: text(capture, "/status_details/reason")
                .map_or_else(|| format!("capture_{}", s.to_ascii_lowercase()), str::to_ascii_lowercase),
        },
        _ => return Err(unexpected("capture", status)),
    })
}

/// The status of an authorisation.
pub(super) fn authorization_status(authorization: &Value) -> Result<Status, ProcessorError> {
    let status = text(authorization, "/status");
    Ok(match status {
        Some("CREATED") => Status::Authorized,
        Some("CAPTURED" | "PARTIALLY_CAPTURED") => Status::Succeeded,
        Some("PENDING") => Status::Processing,
        Some("DENIED") => Status::Declined { code: "authorization_denied".into() },
        Some("VOIDED" | "EXPIRED") => Status::Canceled,
        _ => return Err(unexpected("authorisation", status)),
    })
}

/// Where an order stands, from its first purchase unit's payments (a capture first, then an
/// authorisation), else from the order's own status.
pub(super) fn order_outcome(order: &Value) -> Result<Outcome, ProcessorError> {
    let payments = order.pointer("/purchase_units/0/payments");
    let capture = payments.and_then(|p| p.pointer("/captures/0"));
    let authorization = payments.and_then(|p| p.pointer("/authorizations/0"));
    let mut data = Map::new();
    if let Some(id) = authorization.and_then(|a| text(a, "/id")) {
        data.insert("authorizationId".into(), id.into());
    }
    if let Some(id) = capture.and_then(|c| text(c, "/id")) {
        data.insert("captureId".into(), id.into());
    }
    let status = match (capture, authorization) {
        (Some(capture), _) => capture_status(capture)?,
        (None, Some(authorization)) => authorization_status(authorization)?,
        (None, None) => match text(order, "/status") {
            Some("CREATED" | "PAYER_ACTION_REQUIRED") => Status::RequiresAction { url: approval_link(order) },
            Some("APPROVED" | "SAVED") => Status::Processing,
            Some("COMPLETED") => Status::Succeeded,
            Some("VOIDED") => Status::Canceled,
            status => return Err(unexpected("order", status)),
        },
    };
    Ok(Outcome { status, data: Value::Object(data) })
}

pub(super) fn merge(mut outcome: Outcome, extra: Value) -> Outcome {
    match (&mut outcome.data, extra) {
        (Value::Object(data), Value::Object(extra)) => data.extend(extra),
        (data, extra) => *data = extra,
    }
    outcome
}

pub(super) fn refund_note(reason: &str) -> &'static str {
    match reason {
        "duplicate" => "Refund of a duplicate payment",
        _ => "Refund of your booking payment",
    }
}

/// What a (verified) PayPal webhook event means for a payment: the event's id, the order it is
/// about, its status and the data to remember. `None` for events that do not move a payment.
pub fn webhook_effect(event: &Value) -> Option<(String, String, Status, Value)> {
    let resource = event.get("resource")?;
    let resource_id = text(resource, "/id");
    let (status, key) = match text(event, "/event_type")? {
        "PAYMENT.CAPTURE.COMPLETED" => (Status::Succeeded, "captureId"),
        "PAYMENT.CAPTURE.PENDING" => (Status::Processing, "captureId"),
        "PAYMENT.CAPTURE.DENIED" | "PAYMENT.CAPTURE.DECLINED" => {
            (Status::Declined { code: "capture_denied".into() }, "captureId")
        }
        "PAYMENT.AUTHORIZATION.CREATED" => (Status::Authorized, "authorizationId"),
        "PAYMENT.AUTHORIZATION.VOIDED" => (Status::Canceled, "authorizationId"),
        _ => return None,
    };
    let event_id = text(event, "/id")?;
    let order_id = text(resource, "/supplementary_data/related_ids/order_id")?;
    let data = resource_id.map_or_else(|| json!({}), |id| json!({ key: id }));
    Some((event_id.to_owned(), order_id.to_owned(), status, data))
}
