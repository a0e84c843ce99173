//! The `restaurant` block: cuisine, opening hours (several periods a day make the breaks),
//! tables by size, the reservation slot length, and the menu (edited on its own resource,
//! `/listings/{id}/menu`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::fields::{Errors, absent, amount, int, one_of, parse_block, text, time_of_day};

pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/// The 14 allergens EU law requires menus to declare.
pub const ALLERGENS: [&str; 14] = [
    "gluten",
    "crustaceans",
    "eggs",
    "fish",
    "peanuts",
    "soybeans",
    "milk",
    "nuts",
    "celery",
    "mustard",
    "sesame",
    "sulphites",
    "lupin",
    "molluscs",
];
pub const DIETARY: [&str; 7] = ["vegetarian", "vegan", "gluten_free", "lactose_free", "halal", "kosher", "spicy"];

/// One opening period of a day, listing-local `HH:MM`. A `close` before the `open` runs past
/// midnight (`19:00`–`01:00`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, expecting = "a period: an object { \"open\": \"HH:MM\", \"close\": \"HH:MM\" }")]
#[schema(example = json!({"open": "12:00", "close": "14:30"}))]
pub struct Period {
    /// `HH:MM`, 24-hour.
    #[schema(example = "12:00")]
    pub open: String,
    /// `HH:MM`, 24-hour; different from `open`.
    #[schema(example = "14:30")]
    pub close: String,
}

/// The opening hours of one day of the week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a day's hours: an object { \"day\": \"mon\", \"periods\": [{ \"open\", \"close\" }] }"
)]
#[schema(example = json!({"day": "fri", "periods": [{"open": "12:00", "close": "14:30"}, {"open": "19:00", "close": "23:00"}]}))]
pub struct DayHours {
    /// `mon`, `tue`, `wed`, `thu`, `fri`, `sat` or `sun`; each day at most once.
    #[schema(example = "fri")]
    pub day: String,
    /// Up to 3 periods that do not overlap; the gaps between them are the breaks. Empty: closed.
    #[schema(max_items = 3)]
    pub periods: Vec<Period>,
}

/// Tables of one size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, expecting = "a table size: an object { \"seats\": 2, \"count\": 6 }")]
#[schema(example = json!({"seats": 2, "count": 6}))]
pub struct Tables {
    /// Seats at each of these tables, 1–20.
    #[schema(minimum = 1, maximum = 20)]
    pub seats: i64,
    /// How many such tables, 1–200.
    #[schema(minimum = 1, maximum = 200)]
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MenuItem {
    pub name: String,
    pub description: Option<String>,
    /// Minor units.
    pub price: i64,
    #[serde(default)]
    pub allergens: Vec<String>,
    #[serde(default)]
    pub dietary: Vec<String>,
    #[serde(default = "yes")]
    pub available: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MenuSection {
    pub name: String,
    pub items: Vec<MenuItem>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Menu {
    pub sections: Vec<MenuSection>,
}

/// Stored block. The menu is changed only through `/menu`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Restaurant {
    pub cuisine: Option<Vec<String>>,
    pub opening_hours: Option<Vec<DayHours>>,
    pub tables: Option<Vec<Tables>>,
    pub slot_minutes: Option<i64>,
    #[serde(default)]
    pub menu: Menu,
}

/// The `restaurant` block a client sends: every field optional while a draft; fields left out
/// of a change are kept. The menu is not part of it (`PUT /api/v1/listings/{id}/menu`).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "a restaurant block: an object of restaurant fields"
)]
#[schema(example = json!({"cuisine": ["French"], "slotMinutes": 90,
    "tables": [{"seats": 2, "count": 6}, {"seats": 4, "count": 4}],
    "openingHours": [{"day": "tue", "periods": [{"open": "12:00", "close": "14:30"}, {"open": "19:00", "close": "23:00"}]},
                     {"day": "sat", "periods": [{"open": "19:00", "close": "01:00"}]}]}))]
pub struct RestaurantInput {
    /// 1–5 cuisines of 2–40 characters each. Needed to publish.
    #[schema(min_items = 1, max_items = 5)]
    pub cuisine: Option<Vec<String>>,
    /// One entry per open day of the week. At least one period is needed to publish.
    #[schema(max_items = 7)]
    pub opening_hours: Option<Vec<DayHours>>,
    /// Up to 20 table sizes. At least one is needed to publish.
    #[schema(max_items = 20)]
    pub tables: Option<Vec<Tables>>,
    /// The reservation slot length, 15–240 minutes. Needed to publish.
    #[schema(minimum = 15, maximum = 240)]
    pub slot_minutes: Option<i64>,
}

fn minutes(hhmm: &str) -> i64 {
    let (h, m) = hhmm.split_once(':').unwrap_or(("0", "0"));
    h.parse::<i64>().unwrap_or(0) * 60 + m.parse::<i64>().unwrap_or(0)
}

fn hours(days: &[DayHours], e: &mut Errors) -> Vec<DayHours> {
    let mut out: Vec<DayHours> = Vec::new();
    for (i, d) in days.iter().enumerate() {
        let field = format!("restaurant.openingHours[{i}]");
        let Some(day) = e.check(&format!("{field}.day"), one_of(&d.day, &DAYS)) else { continue };
        if out.iter().any(|o| o.day == day) {
            e.add(&format!("{field}.day"), "appears twice");
            continue;
        }
        if d.periods.len() > 3 {
            e.add(&format!("{field}.periods"), "at most 3 periods a day");
            continue;
        }
        let mut periods: Vec<Period> = Vec::new();
        for (j, p) in d.periods.iter().enumerate() {
            let open = e.check(&format!("{field}.periods[{j}].open"), time_of_day(&p.open));
            let close = e.check(&format!("{field}.periods[{j}].close"), time_of_day(&p.close));
            if let (Some(open), Some(close)) = (open, close) {
                // A close before the open runs past midnight (e.g. 19:00–01:00).
                if open == close {
                    e.add(&format!("{field}.periods[{j}]"), "open and close must differ");
                } else {
                    periods.push(Period { open, close });
                }
            }
        }
        periods.sort_by_key(|p| minutes(&p.open));
        let overlapping = periods
            .windows(2)
            .any(|w| minutes(&w[0].close) > minutes(&w[1].open) && minutes(&w[0].close) > minutes(&w[0].open));
        if overlapping {
            e.add(&format!("{field}.periods"), "periods overlap");
        }
        out.push(DayHours { day, periods });
    }
    out
}

pub fn apply(current: &Restaurant, patch: &Value, e: &mut Errors) -> Restaurant {
    // The menu is not part of the block: it has its own endpoint.
    if patch.get("menu").is_some() {
        e.add("restaurant.menu", "is not part of the listing: send it to PUT /api/v1/listings/{id}/menu");
        return current.clone();
    }
    let Some(parsed) = parse_block::<RestaurantInput>("restaurant", patch, e) else { return current.clone() };
    let mut r = current.clone();
    if let Some(c) = &parsed.cuisine {
        if c.is_empty() || c.len() > 5 {
            e.add("restaurant.cuisine", "must list 1 to 5 cuisines");
        } else {
            let list: Vec<Option<String>> =
                c.iter().map(|v| e.check("restaurant.cuisine", text(v, 2, 40, false))).collect();
            r.cuisine = Some(list.into_iter().flatten().collect());
        }
    }
    if let Some(h) = &parsed.opening_hours {
        r.opening_hours = Some(hours(h, e));
    }
    if let Some(t) = &parsed.tables {
        let mut out = Vec::new();
        for (i, table) in t.iter().enumerate().take(20) {
            let seats = e.check(&format!("restaurant.tables[{i}].seats"), int(table.seats, 1, 20));
            let count = e.check(&format!("restaurant.tables[{i}].count"), int(table.count, 1, 200));
            if let (Some(seats), Some(count)) = (seats, count) {
                out.push(Tables { seats, count });
            }
        }
        if t.len() > 20 {
            e.add("restaurant.tables", "must list at most 20 table sizes");
        }
        r.tables = Some(out);
    }
    if let Some(s) = parsed.slot_minutes
        && let Some(s) = e.check("restaurant.slotMinutes", int(s, 15, 240))
    {
        r.slot_minutes = Some(s);
    }
    r
}

/// Validates a whole menu.
pub fn menu(m: &Menu, e: &mut Errors) -> Menu {
    if m.sections.len() > 20 {
        e.add("sections", "at most 20 sections");
        return Menu::default();
    }
    let mut sections = Vec::new();
    for (i, s) in m.sections.iter().enumerate() {
        let name = e.check(&format!("sections[{i}].name"), text(&s.name, 1, 80, false));
        if s.items.len() > 100 {
            e.add(&format!("sections[{i}].items"), "at most 100 items per section");
            continue;
        }
        let mut items = Vec::new();
        for (j, it) in s.items.iter().enumerate() {
            let f = |k: &str| format!("sections[{i}].items[{j}].{k}");
            let item_name = e.check(&f("name"), text(&it.name, 1, 120, false));
            let description = match &it.description {
                Some(d) => e.check(&f("description"), text(d, 0, 500, false)).map(Some),
                None => Some(None),
            };
            let price = e.check(&f("price"), amount(it.price, 0, 100_000_000));
            let allergens: Option<Vec<String>> =
                it.allergens.iter().map(|a| e.check(&f("allergens"), one_of(a, &ALLERGENS))).collect();
            let dietary: Option<Vec<String>> =
                it.dietary.iter().map(|a| e.check(&f("dietary"), one_of(a, &DIETARY))).collect();
            if let (Some(name), Some(description), Some(price), Some(allergens), Some(dietary)) =
                (item_name, description, price, allergens, dietary)
            {
                items.push(MenuItem { name, description, price, allergens, dietary, available: it.available });
            }
        }
        if let Some(name) = name {
            sections.push(MenuSection { name, items });
        }
    }
    Menu { sections }
}

pub fn missing(r: &Restaurant) -> Vec<&'static str> {
    absent(&[
        ("restaurant.cuisine", r.cuisine.as_ref().is_some_and(|c| !c.is_empty())),
        ("restaurant.openingHours", r.opening_hours.as_ref().is_some_and(|h| h.iter().any(|d| !d.periods.is_empty()))),
        ("restaurant.tables", r.tables.as_ref().is_some_and(|t| !t.is_empty())),
        ("restaurant.slotMinutes", r.slot_minutes.is_some()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn block_and_menu() {
        let mut e = Errors::default();
        let r = apply(
            &Restaurant::default(),
            &json!({"cuisine": ["French"], "slotMinutes": 90,
            "tables": [{"seats": 2, "count": 6}, {"seats": 4, "count": 4}],
            "openingHours": [{"day": "Mon", "periods": [{"open": "19:00", "close": "23:00"}, {"open": "12:00", "close": "14:30"}]},
                             {"day": "fri", "periods": [{"open": "19:00", "close": "01:00"}]}]}),
            &mut e,
        );
        assert!(e.is_empty(), "{:?}", e.0);
        assert!(missing(&r).is_empty());
        assert_eq!(r.opening_hours.as_ref().map(|h| h[0].periods[0].open.clone()), Some("12:00".into()), "sorted");
        apply(
            &r,
            &json!({"openingHours": [{"day": "mon", "periods": [{"open": "12:00", "close": "15:00"}, {"open": "14:00", "close": "16:00"}]},
                                            {"day": "mon", "periods": []}], "tables": [{"seats": 0, "count": 1}], "menu": {}}),
            &mut e,
        );
        assert_eq!(e.0.len(), 1, "an unknown key refuses the block: {:?}", e.0);
        let mut e = Errors::default();
        apply(
            &r,
            &json!({"openingHours": [{"day": "mon", "periods": [{"open": "12:00", "close": "15:00"}, {"open": "14:00", "close": "16:00"}]},
                                            {"day": "mon", "periods": []}], "tables": [{"seats": 0, "count": 1}]}),
            &mut e,
        );
        assert_eq!(e.0.len(), 3, "{:?}", e.0);
        let mut e = Errors::default();
        let m: Menu = serde_json::from_value(json!({"sections": [{"name": "Starters", "items": [
            {"name": "Soup", "price": 800, "allergens": ["celery"], "dietary": ["vegan"]},
            {"name": "Oysters", "price": 1800, "allergens": ["shellfish"]}]}]}))
        .unwrap_or_default();
        let out = menu(&m, &mut e);
        assert_eq!(e.0.len(), 1, "{:?}", e.0);
        assert_eq!(out.sections[0].items.len(), 1);
        assert!(out.sections[0].items[0].available);
    }
}
