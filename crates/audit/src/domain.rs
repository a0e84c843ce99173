//! What the audit log records of each event: its category, the action, who did it, what it
//! was done to, the money it moved, and the event's data without personal data. Pure
//! functions of the event, so the mapping is tested without a database.

use kernel::EventEnvelope;
use serde_json::{Map, Value};
use uuid::Uuid;

/// Event families the log consumes (one subscription each). Within a batch of one outbox the
/// in-process bus serves subscriptions in this order: administrators' actions first, so that
/// they usually precede what they caused (the chain's order is the order of appends).
pub const FAMILIES: [&str; 6] = ["admin.*", "user.*", "privacy_policy.*", "payment.*", "refund.*", "payout.*"];

/// The security events recorded (identity's); other `user.*` events (profiles, favourites…)
/// are not security events and are skipped.
const SECURITY: [&str; 13] = [
    "user.logged_in",
    "user.login_failed",
    "user.logged_out",
    "user.session_revoked",
    "user.password_changed",
    "user.mfa_enabled",
    "user.mfa_disabled",
    "user.status_changed",
    "user.role_changed",
    "user.deleted",
    "user.email_verified",
    "user.gdpr_request_updated",
    "privacy_policy.published",
];

/// The money events recorded (payments'): captures, failures, refunds, payouts.
const MONEY: [&str; 6] =
    ["payment.succeeded", "payment.failed", "refund.completed", "refund.failed", "payout.paid", "payout.failed"];

/// Targets of an administrator's action that are money: a manual adjustment of a payment.
const MONEY_TARGETS: [&str; 3] = ["payment", "refund", "payout"];

/// Keys never copied into an entry's detail, at any depth: names, addresses, contact details
/// and links with tokens. The log keeps ids only (see docs/audit.md, GDPR).
const PERSONAL: [&str; 15] = [
    "email",
    "firstName",
    "lastName",
    "username",
    "name",
    "fullName",
    "displayName",
    "phoneNumber",
    "phone",
    "address",
    "contactEmail",
    "contactPhone",
    "avatar",
    "link",
    "token",
];

/// Largest detail kept, in bytes of JSON; a larger one is replaced by a marker.
pub const MAX_DETAIL: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Security,
    Money,
    Admin,
}

impl Category {
    pub const ALL: [Category; 3] = [Category::Security, Category::Money, Category::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Security => "security",
            Category::Money => "money",
            Category::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == raw)
    }
}

/// An entry before it joins the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub category: Category,
    pub action: String,
    pub actor_id: Option<Uuid>,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    pub amount: Option<i64>,
    pub currency: Option<String>,
    pub ip: Option<String>,
    pub detail: Value,
}

fn uuid(v: &Value, key: &str) -> Option<Uuid> {
    v.get(key)?.as_str()?.trim().parse().ok()
}

fn text(v: &Value, key: &str, max: usize) -> Option<String> {
    let t = v.get(key)?.as_str()?.trim();
    (!t.is_empty()).then(|| t.chars().take(max).collect())
}

/// `value` without personal keys, at any depth.
pub fn scrub(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter().filter(|(k, _)| !PERSONAL.contains(&k.as_str())).map(|(k, v)| (k.clone(), scrub(v))).collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(scrub).collect()),
        other => other.clone(),
    }
}

/// The detail as stored: scrubbed, and a marker instead of anything too large.
pub fn detail_text(detail: &Value) -> String {
    let text = scrub(detail).to_string();
    if text.len() <= MAX_DETAIL {
        return text;
    }
    let mut marker = Map::new();
    marker.insert("omitted".into(), Value::from(format!("detail larger than {MAX_DETAIL} bytes")));
    Value::Object(marker).to_string()
}

/// What the log records of `event`; `None` for events it does not record.
pub fn draft(event: &EventEnvelope) -> Option<Draft> {
    let kind = event.event_type.as_str();
    if kind == platform::events::ADMIN_ACTION {
        return admin_action(event);
    }
    if MONEY.contains(&kind) {
        return Some(money(event));
    }
    if SECURITY.contains(&kind) {
        return Some(security(event));
    }
    None
}

fn security(event: &EventEnvelope) -> Draft {
    let d = &event.data;
    let kind = event.event_type.as_str();
    let by = uuid(d, "by");
    let (subject_type, subject_id) = if kind == "privacy_policy.published" {
        ("privacy_policy", text(d, "version", 64))
    } else {
        let user = uuid(d, "userId")
            .or_else(|| if kind == "user.login_failed" { None } else { event.aggregate_id.parse().ok() });
        ("user", user.map(|u| u.to_string()))
    };
    // The administrator who did it; else the user themselves — except for a failed sign-in,
    // which anyone may have attempted (its account is the subject).
    let actor = by.or_else(|| match kind {
        "user.login_failed" => None,
        _ => uuid(d, "userId").or_else(|| event.actor.as_deref().and_then(|a| a.parse().ok())),
    });
    Draft {
        category: if by.is_some() { Category::Admin } else { Category::Security },
        action: event.event_type.clone(),
        actor_id: actor,
        subject_type: subject_id.as_ref().map(|_| subject_type.to_owned()),
        subject_id,
        amount: None,
        currency: None,
        ip: text(d, "ip", 64),
        detail: d.clone(),
    }
}

fn money(event: &EventEnvelope) -> Draft {
    let d = &event.data;
    let kind = event.event_type.as_str();
    let (subject_type, key) = match kind.split('.').next() {
        Some("refund") => ("refund", "refundId"),
        Some("payout") => ("payout", "id"),
        _ => ("payment", "paymentIntentId"),
    };
    // A payment is the payer's doing; refunds and payouts are the platform's.
    let actor = (subject_type == "payment").then(|| uuid(d, "userId")).flatten();
    Draft {
        category: Category::Money,
        action: event.event_type.clone(),
        actor_id: actor,
        subject_type: Some(subject_type.to_owned()),
        subject_id: text(d, key, 128).or_else(|| Some(event.aggregate_id.clone())),
        amount: d.get("amount").and_then(Value::as_i64),
        currency: text(d, "currency", 8).map(|c| c.to_ascii_uppercase()),
        ip: None,
        detail: d.clone(),
    }
}

fn admin_action(event: &EventEnvelope) -> Option<Draft> {
    let d = &event.data;
    let action = text(d, "action", 64)?;
    let target_type = text(d, "targetType", 32);
    let detail = d.get("detail").cloned().unwrap_or(Value::Null);
    let money = target_type.as_deref().is_some_and(|t| MONEY_TARGETS.contains(&t));
    Some(Draft {
        category: if money { Category::Money } else { Category::Admin },
        action,
        actor_id: uuid(d, "actorId"),
        subject_type: target_type,
        subject_id: text(d, "targetId", 128),
        amount: detail.get("amount").and_then(Value::as_i64),
        currency: text(&detail, "currency", 8).map(|c| c.to_ascii_uppercase()),
        ip: None,
        detail,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use chrono::Utc;
    use serde_json::json;

    use super::*;

    fn event(kind: &str, aggregate: &str, data: Value) -> EventEnvelope {
        EventEnvelope::new(kind, aggregate, Utc::now(), data)
    }

    #[test]
    fn sign_ins_name_the_user_and_failures_no_actor() {
        let user = kernel::new_id();
        let ok = draft(&event("user.logged_in", &user.to_string(), json!({"userId": user, "ip": "10.0.0.1"}))).unwrap();
        assert_eq!((ok.category, ok.actor_id, ok.ip.as_deref()), (Category::Security, Some(user), Some("10.0.0.1")));
        let failed = json!({"userId": user, "reason": "bad_password", "ip": "10.0.0.2"});
        let failed = draft(&event("user.login_failed", &user.to_string(), failed)).unwrap();
        assert_eq!((failed.actor_id, failed.subject_id), (None, Some(user.to_string())));
        let unknown = json!({"userId": null, "reason": "unknown_account", "ip": "10.0.0.2"});
        let unknown = draft(&event("user.login_failed", "unknown", unknown)).unwrap();
        assert_eq!((unknown.subject_type, unknown.subject_id), (None, None));
    }

    #[test]
    fn an_administrators_change_is_an_admin_entry_by_that_administrator() {
        let (user, admin) = (kernel::new_id(), kernel::new_id());
        let d = json!({"userId": user, "from": "user", "to": "host", "by": admin});
        let role = draft(&event("user.role_changed", &user.to_string(), d)).unwrap();
        assert_eq!((role.category, role.actor_id), (Category::Admin, Some(admin)));
        assert_eq!(role.subject_id, Some(user.to_string()));
        let refund = platform::events::admin_action(
            admin,
            "payment.refund",
            ("payment", "pi_1"),
            json!({"amount": 500, "currency": "eur"}),
            Utc::now(),
        );
        let refund = draft(&refund).unwrap();
        assert_eq!((refund.category, refund.action.as_str()), (Category::Money, "payment.refund"));
        assert_eq!((refund.amount, refund.currency.as_deref()), (Some(500), Some("EUR")));
    }

    #[test]
    fn money_events_carry_amounts_and_other_events_are_skipped() {
        let d = json!({"paymentIntentId": "pi_9", "amount": 22400, "currency": "EUR", "userId": kernel::new_id()});
        let paid = draft(&event("payment.succeeded", "r", d)).unwrap();
        assert_eq!((paid.subject_id.as_deref(), paid.amount), (Some("pi_9"), Some(22400)));
        let payout =
            draft(&event("payout.paid", "h", json!({"id": "po_1", "amount": 100, "currency": "EUR"}))).unwrap();
        assert_eq!((payout.subject_type.as_deref(), payout.actor_id), (Some("payout"), None));
        assert!(draft(&event("user.favorites_added", "u", json!({}))).is_none());
        assert!(draft(&event("payment.created", "r", json!({}))).is_none());
    }

    #[test]
    fn personal_data_never_reaches_the_detail() {
        let d =
            json!({"userId": "u", "email": "a@b.c", "nested": [{"firstName": "Ann", "id": 1}], "link": "x?token=1"});
        let text = detail_text(&d);
        assert!(!text.contains("a@b.c") && !text.contains("Ann") && !text.contains("token=1"), "{text}");
        assert!(text.contains("\"id\":1"), "{text}");
        let huge = json!({"blob": "x".repeat(MAX_DETAIL)});
        assert!(detail_text(&huge).contains("omitted"));
    }
}
