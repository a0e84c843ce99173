//! The rules of a menu order, without I/O: the order as sent (validated on parse), its lines
//! priced from the menu as it is now (the prices are copied into the order, so a later menu
//! change never alters it), service and taxes, whether a pickup time falls in the opening
//! hours, and the kitchen's steps.

use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc};
use chrono_tz::Tz;
use kernel::{ApiError, FieldError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// Lines per order, units per line, and text limits.
pub const MAX_LINES: usize = 50;
pub const MAX_QUANTITY: i64 = 50;
const NOTES_MAX: usize = 200;
const OPTIONS_MAX: usize = 10;
const OPTION_MAX: usize = 60;
const TABLE_CODE_MAX: usize = 20;
/// A takeaway can be picked up from this long after ordering, and at most this far ahead.
pub const PICKUP_LEAD: Duration = Duration::minutes(10);
pub const PICKUP_HORIZON: Duration = Duration::days(7);

/// How the guest eats.
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
    pub const fn as_str(self) -> &'static str {
        match self {
            Mode::Preorder => "preorder",
            Mode::Takeaway => "takeaway",
            Mode::DineIn => "dine_in",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "preorder" => Some(Mode::Preorder),
            "takeaway" => Some(Mode::Takeaway),
            "dine_in" => Some(Mode::DineIn),
            _ => None,
        }
    }

    /// The unit key marking a reservation row as an order of this mode.
    pub fn unit_key(self) -> String {
        format!("order:{}", self.as_str())
    }

    /// The step that ends it well: served at a table, collected at the counter.
    pub const fn handed_over(self) -> &'static str {
        match self {
            Mode::Takeaway => "collected",
            Mode::Preorder | Mode::DineIn => "served",
        }
    }
}

/// Whether a reservation row is an order (`order:<mode>`), and its mode.
pub fn mode_of(unit_key: Option<&str>) -> Option<Mode> {
    unit_key?.strip_prefix("order:").and_then(Mode::parse)
}

/// One line as sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LineBody {
    /// The menu item's name.
    pub item: Option<String>,
    /// The menu section's name, when several items share the name.
    pub section: Option<String>,
    /// 1–50.
    pub quantity: Option<i64>,
    /// Up to 200 characters for the kitchen ("no onions").
    pub notes: Option<String>,
    /// Up to 10 choices of up to 60 characters ("medium rare").
    #[serde(default)]
    pub options: Vec<String>,
}

/// A line validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub item: String,
    pub section: Option<String>,
    pub quantity: i64,
    pub notes: Option<String>,
    pub options: Vec<String>,
}

fn text(raw: Option<&str>, field: &str, max: usize, errors: &mut Vec<FieldError>) -> Option<String> {
    let t = raw.map(str::trim).filter(|t| !t.is_empty())?;
    if t.chars().count() > max || t.chars().any(char::is_control) {
        errors.push(FieldError::new(field, format!("must be at most {max} characters, without control characters")));
        return None;
    }
    Some(t.to_owned())
}

/// Validates the lines of an order.
pub fn lines(body: &[LineBody], errors: &mut Vec<FieldError>) -> Vec<Line> {
    if body.is_empty() || body.len() > MAX_LINES {
        errors.push(FieldError::new("lines", format!("must hold 1 to {MAX_LINES} lines")));
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, l) in body.iter().enumerate() {
        let f = |k: &str| format!("lines[{i}].{k}");
        let item = text(l.item.as_deref(), &f("item"), 120, errors);
        if item.is_none() && !errors.iter().any(|e| e.field == f("item")) {
            errors.push(FieldError::new(f("item"), "is required"));
        }
        let quantity = match l.quantity {
            Some(q) if (1..=MAX_QUANTITY).contains(&q) => q,
            _ => {
                errors.push(FieldError::new(f("quantity"), format!("must be a whole number from 1 to {MAX_QUANTITY}")));
                0
            }
        };
        if l.options.len() > OPTIONS_MAX {
            errors.push(FieldError::new(f("options"), format!("at most {OPTIONS_MAX} options")));
        }
        let options: Vec<String> =
            l.options.iter().filter_map(|o| text(Some(o), &f("options"), OPTION_MAX, errors)).collect();
        let notes = text(l.notes.as_deref(), &f("notes"), NOTES_MAX, errors);
        let section = text(l.section.as_deref(), &f("section"), 80, errors);
        if let Some(item) = item {
            out.push(Line { item, section, quantity, notes, options });
        }
    }
    out
}

/// A dine-in table's code: 1–20 letters, digits or dashes.
pub fn table_code(raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    let code = raw.map(str::trim).filter(|c| !c.is_empty());
    match code {
        Some(c) if c.len() <= TABLE_CODE_MAX && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-') => {
            Some(c.to_ascii_uppercase())
        }
        Some(_) => {
            errors.push(FieldError::new("tableCode", "must be 1–20 letters, digits or dashes"));
            None
        }
        None => {
            errors.push(FieldError::new("tableCode", "is required to order at a table"));
            None
        }
    }
}

/// A line priced from the menu, as the order keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PricedLine {
    pub section: String,
    pub name: String,
    pub unit_price: i64,
    pub quantity: i64,
    pub amount: i64,
    pub notes: Option<String>,
    pub options: Vec<String>,
    pub allergens: Vec<String>,
    pub dietary: Vec<String>,
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key).and_then(Value::as_array).into_iter().flatten().filter_map(|s| s.as_str().map(str::to_owned)).collect()
}

/// Prices `lines` from `menu` (the restaurant block's `menu`): an item not on it is a `400`
/// naming the line, an unavailable one a `409 item_unavailable` naming the item.
pub fn price(menu: &Value, lines: &[Line]) -> Result<Vec<PricedLine>, ApiError> {
    let sections = menu.get("sections").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut errors = Vec::new();
    let mut unavailable = Vec::new();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let found: Vec<(&str, &Value)> = sections
            .iter()
            .filter(|s| line.section.as_deref().is_none_or(|want| s.get("name").and_then(Value::as_str) == Some(want)))
            .flat_map(|s| {
                let section = s.get("name").and_then(Value::as_str).unwrap_or("");
                s.get("items").and_then(Value::as_array).into_iter().flatten().map(move |it| (section, it))
            })
            .filter(|(_, it)| {
                it.get("name").and_then(Value::as_str).is_some_and(|n| n.eq_ignore_ascii_case(&line.item))
            })
            .collect();
        let (section, item) = match found.as_slice() {
            [one] => *one,
            [] => {
                errors.push(FieldError::new(format!("lines[{i}].item"), format!("“{}” is not on the menu", line.item)));
                continue;
            }
            _ => {
                errors.push(FieldError::new(
                    format!("lines[{i}].section"),
                    format!("is needed: several sections have “{}”", line.item),
                ));
                continue;
            }
        };
        let name = item.get("name").and_then(Value::as_str).unwrap_or(&line.item).to_owned();
        if item.get("available").and_then(Value::as_bool) == Some(false) {
            unavailable.push(name);
            continue;
        }
        let unit_price = item.get("price").and_then(Value::as_i64).unwrap_or(0).max(0);
        out.push(PricedLine {
            section: section.to_owned(),
            name,
            unit_price,
            quantity: line.quantity,
            amount: unit_price * line.quantity,
            notes: line.notes.clone(),
            options: line.options.clone(),
            allergens: strings(item, "allergens"),
            dietary: strings(item, "dietary"),
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if !unavailable.is_empty() {
        return Err(ApiError::new(
            409,
            "item_unavailable",
            format!("Not available right now: {}", unavailable.join(", ")),
        )
        .with_data(serde_json::json!({ "items": unavailable })));
    }
    Ok(out)
}

/// What an order costs: lines, the restaurant's service charge, taxes on both, and the
/// platform's fee kept from the restaurant's payout. No guest service fee on orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub subtotal: i64,
    pub service: i64,
    pub taxes: i64,
    pub total: i64,
    pub host_fee: i64,
    pub host_payout: i64,
}

/// `amount × bps / 10 000`, rounded half away from zero.
fn share(amount: i64, bps: i64) -> i64 {
    let v = i128::from(amount) * i128::from(bps);
    let q = (v.abs() + 5_000) / 10_000;
    i64::try_from(if v < 0 { -q } else { q }).unwrap_or(i64::MAX)
}

pub fn totals(lines: &[PricedLine], service_bps: i64, tax_bps: i64, host_fee_bps: i64) -> Totals {
    let subtotal: i64 = lines.iter().map(|l| l.amount).sum();
    let service = share(subtotal, service_bps);
    let base = subtotal + service;
    let taxes = share(base, tax_bps);
    let host_fee = share(base, host_fee_bps);
    Totals { subtotal, service, taxes, total: base + taxes, host_fee, host_payout: base - host_fee }
}

fn time(v: &Value, key: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(v.get(key)?.as_str()?, "%H:%M").ok()
}

/// Whether the restaurant is open at `at` (its opening hours, in its time zone; a period
/// closing before it opens runs past midnight and belongs to the day it opens).
pub fn open_at(restaurant: &Value, tz: Tz, at: DateTime<Utc>) -> bool {
    let local = at.with_timezone(&tz).naive_local();
    let hours = restaurant.get("openingHours").and_then(Value::as_array).cloned().unwrap_or_default();
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    [local.date().pred_opt(), Some(local.date())].into_iter().flatten().any(|date| {
        let day = DAYS[date.weekday().num_days_from_monday() as usize];
        hours.iter().filter(|h| h.get("day").and_then(Value::as_str) == Some(day)).any(|h| {
            h.get("periods").and_then(Value::as_array).into_iter().flatten().any(|p| {
                let (Some(open), Some(close)) = (time(p, "open"), time(p, "close")) else { return false };
                let start = date.and_time(open);
                let end = if close <= open { date.and_time(close) + Duration::days(1) } else { date.and_time(close) };
                start <= local && local < end
            })
        })
    })
}

/// Whether the kitchen may move an accepted order from `stage` to `next` (for `mode`): one step
/// after the other, `accepted` → `preparing` → `ready` → handed over.
pub fn may_move(mode: Mode, stage: &str, next: &str) -> bool {
    match next {
        "preparing" => stage == "accepted",
        "ready" => stage == "preparing",
        step => step == mode.handed_over() && stage == "ready",
    }
}

/// The event an order's reservation transition announces: booking's generic names become the
/// order's own (`booking.confirmed` is the kitchen accepting), so that only consumers of
/// `order.*` (payments, notifications) hear of orders.
pub fn event_name(generic: &str) -> String {
    match generic {
        "booking.created" => "order.placed".to_owned(),
        "booking.requested" => "order.received".to_owned(),
        "booking.confirmed" => "order.accepted".to_owned(),
        "booking.declined" => "order.rejected".to_owned(),
        other => other.replacen("booking.", "order.", 1),
    }
}

/// An order's table reservation must be the guest's, at the same restaurant, and still on.
pub fn table_ok(table_guest: Uuid, table_listing: Uuid, status: &str, guest: Uuid, listing: Uuid) -> bool {
    table_guest == guest
        && table_listing == listing
        && ["pending_payment", "awaiting_host", "confirmed"].contains(&status)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn menu() -> Value {
        json!({"sections": [
            {"name": "Starters", "items": [{"name": "Soup", "price": 700, "allergens": ["celery"], "dietary": ["vegan"]},
                                           {"name": "Oysters", "price": 1800, "available": false}]},
            {"name": "Mains", "items": [{"name": "Steak", "price": 2400}, {"name": "Soup", "price": 900}]}]})
    }

    fn line(item: &str, section: Option<&str>, quantity: i64) -> Line {
        Line { item: item.into(), section: section.map(str::to_owned), quantity, notes: None, options: vec![] }
    }

    #[test]
    fn lines_are_priced_from_the_menu_with_allergens() {
        let priced = price(&menu(), &[line("steak", None, 2), line("Soup", Some("Starters"), 1)]).unwrap();
        assert_eq!((priced[0].name.as_str(), priced[0].amount), ("Steak", 4800));
        assert_eq!(
            (priced[1].allergens.clone(), priced[1].dietary.clone()),
            (vec!["celery".into()], vec!["vegan".into()])
        );
    }

    #[test]
    fn unknown_ambiguous_and_unavailable_items_are_refused_by_name() {
        let e = price(&menu(), &[line("Pizza", None, 1), line("Soup", None, 1)]).unwrap_err();
        let fields: Vec<&str> = e.details.iter().map(|d| d.field.as_str()).collect();
        assert_eq!((e.status, fields), (400, vec!["lines[0].item", "lines[1].section"]));
        let e = price(&menu(), &[line("Oysters", None, 1)]).unwrap_err();
        assert_eq!((e.status, e.code.as_ref()), (409, "item_unavailable"));
        assert!(e.message.contains("Oysters"), "{}", e.message);
    }

    #[test]
    fn service_and_taxes_are_shares_and_the_payout_balances() {
        let l = price(&menu(), &[line("Steak", None, 2)]).unwrap();
        let t = totals(&l, 1000, 1000, 300);
        assert_eq!((t.subtotal, t.service, t.taxes, t.total), (4800, 480, 528, 5808));
        assert_eq!(t.host_payout + t.host_fee + t.taxes, t.total);
    }

    #[test]
    fn opening_hours_include_periods_past_midnight() {
        let r = json!({"openingHours": [{"day": "fri", "periods": [{"open": "19:00", "close": "01:00"}]}]});
        let tz: Tz = "Europe/Paris".parse().unwrap();
        // Friday 2027-01-08 23:30 and Saturday 00:30 in Paris (UTC+1).
        assert!(open_at(&r, tz, "2027-01-08T22:30:00Z".parse().unwrap()));
        assert!(open_at(&r, tz, "2027-01-08T23:30:00Z".parse().unwrap()));
        assert!(!open_at(&r, tz, "2027-01-09T00:30:00Z".parse().unwrap()));
        assert!(!open_at(&r, tz, "2027-01-08T12:00:00Z".parse().unwrap()));
    }

    #[test]
    fn the_kitchen_moves_one_step_at_a_time() {
        assert!(may_move(Mode::Takeaway, "accepted", "preparing"));
        assert!(!may_move(Mode::Takeaway, "accepted", "ready"));
        assert!(may_move(Mode::Takeaway, "ready", "collected"));
        assert!(!may_move(Mode::Takeaway, "ready", "served"));
        assert!(may_move(Mode::Preorder, "ready", "served"));
        assert_eq!(event_name("booking.confirmed"), "order.accepted");
        assert_eq!(event_name("booking.expired"), "order.expired");
        assert_eq!(mode_of(Some("order:dine_in")), Some(Mode::DineIn));
        assert_eq!(mode_of(Some("table:2027")), None);
    }

    #[test]
    fn lines_and_codes_are_validated_by_field() {
        let mut e = Vec::new();
        let body =
            vec![LineBody { item: Some("Soup".into()), quantity: Some(0), ..Default::default() }, LineBody::default()];
        let out = lines(&body, &mut e);
        let fields: Vec<&str> = e.iter().map(|d| d.field.as_str()).collect();
        assert_eq!((out.len(), fields), (1, vec!["lines[0].quantity", "lines[1].item", "lines[1].quantity"]));
        let mut e = Vec::new();
        assert_eq!(table_code(Some(" t-12 "), &mut e), Some("T-12".into()));
        assert!(table_code(Some("table 12!"), &mut e).is_none() && e.len() == 1);
    }
}
