//! Itineraries' rules, free of I/O: the request bodies, how a body changes an itinerary or an
//! item (every bad field reported at once), and the JSON views.

use chrono::{DateTime, NaiveDate, Utc};
use kernel::{ApiError, FieldError};
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};
use uuid::Uuid;

use super::store::{Item, Itinerary};

pub const MAX_ITINERARIES: i64 = 100;
pub const MAX_ITEMS: i64 = 200;
/// Serialised size limit of an item's `data`.
pub const MAX_DATA_BYTES: usize = 8 * 1024;
pub const ITEM_TYPES: [&str; 9] =
    ["flight", "hotel", "stay", "restaurant", "transport", "activity", "product", "note", "transfer"];

/// One field of a request body as sent: absent, `null`, or a value still to be checked. Bodies
/// hold these rather than typed fields so that every bad field is reported at once, and so
/// that a partial update can tell "keep" (absent) from "clear" (`null`).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Field {
    #[default]
    Absent,
    Null,
    Given(Value),
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Null => Field::Null,
            v => Field::Given(v),
        })
    }
}

impl Field {
    fn is_absent(&self) -> bool {
        matches!(self, Field::Absent)
    }
}

/// An itinerary to create (`name` required) or change (absent fields are kept; `null` clears
/// an optional field).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ItineraryIn {
    /// 1–200 characters.
    #[serde(default)]
    #[schema(value_type = String)]
    pub name: Field,
    /// Up to 2000 characters.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub description: Field,
    /// Up to 200 characters.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub destination: Field,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub start_date: Field,
    /// `YYYY-MM-DD`, on or after `startDate`, at most 366 days after it.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub end_date: Field,
    /// Default `false`.
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    pub is_public: Field,
}

/// An item to add (`type` and `title` required) or change (absent fields are kept; `null`
/// clears an optional field).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ItemIn {
    /// `flight`, `hotel`, `stay`, `restaurant`, `transport`, `activity`, `product`, `note` or
    /// `transfer`.
    #[serde(default, rename = "type")]
    #[schema(value_type = String)]
    pub kind: Field,
    /// 1–200 characters.
    #[serde(default)]
    #[schema(value_type = String)]
    pub title: Field,
    /// Up to 2000 characters.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub description: Field,
    /// Up to 300 characters.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub location: Field,
    /// RFC 3339 instant.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub starts_at: Field,
    /// RFC 3339 instant, not before `startsAt`.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ends_at: Field,
    /// IANA time zone name, e.g. `Europe/Paris`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub timezone: Field,
    /// Up to 32 characters, e.g. `DS-A7B3X2K1`; stored as given.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub booking_reference: Field,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub reservation_id: Field,
    /// A JSON object of at most 8 KB.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub data: Field,
    /// Position: adding, where to insert (default: at the end); changing, where to move it.
    /// Out-of-range values are clamped.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub order: Field,
}

/// What a body does to one optional field.
enum Change<T> {
    Keep,
    Clear,
    Set(T),
}

impl<T> Change<T> {
    fn apply(self, to: &mut Option<T>) {
        match self {
            Change::Keep => {}
            Change::Clear => *to = None,
            Change::Set(v) => *to = Some(v),
        }
    }
}

/// Collects every problem of a body.
struct Check(Vec<FieldError>);

impl Check {
    fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    fn failed(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }

    /// A value of `field` with `parse`; `null` clears it. Returns `Keep` after reporting a
    /// bad value.
    fn value<T>(&mut self, name: &str, field: &Field, parse: impl FnOnce(&Value) -> Result<T, String>) -> Change<T> {
        match field {
            Field::Absent => Change::Keep,
            Field::Null => Change::Clear,
            Field::Given(v) => parse(v).map_or_else(
                |message| {
                    self.fail(name, message);
                    Change::Keep
                },
                Change::Set,
            ),
        }
    }

    /// Optional text, trimmed, up to `max` characters; `""` clears it like `null`.
    fn text(&mut self, name: &str, field: &Field, max: usize, multiline: bool) -> Change<String> {
        match self.value(name, field, |v| text(v, max, multiline)) {
            Change::Set(s) if s.is_empty() => Change::Clear,
            other => other,
        }
    }

    /// Required text of 1–`max` characters: must be sent when `creating`, never cleared.
    fn required(&mut self, name: &str, field: &Field, max: usize, creating: bool, to: &mut String) {
        let message = format!("must be 1 to {max} characters");
        match (field, self.text(name, field, max, false)) {
            (Field::Absent, _) if creating => self.fail(name, "is required"),
            (_, Change::Set(s)) => *to = s,
            (_, Change::Clear) => self.fail(name, message),
            (_, Change::Keep) => {}
        }
    }

    fn done(self) -> Result<(), ApiError> {
        if self.0.is_empty() { Ok(()) } else { Err(ApiError::validation(self.0)) }
    }
}

fn text(v: &Value, max: usize, multiline: bool) -> Result<String, String> {
    let s = v.as_str().ok_or("must be a string")?.trim();
    if s.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    // Single-line fields end up in headers and calendar lines; descriptions keep line breaks.
    if s.chars().any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t'))) {
        return Err("must not contain control characters".into());
    }
    Ok(s.to_owned())
}

fn date(v: &Value) -> Result<NaiveDate, String> {
    v.as_str()
        .filter(|s| s.len() == 10)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| "must be a date YYYY-MM-DD".to_owned())
}

fn instant(v: &Value) -> Result<DateTime<Utc>, String> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s.trim()).ok())
        .map(|t| kernel::truncate_micros(t.with_timezone(&Utc)))
        .ok_or_else(|| "must be an RFC 3339 instant, e.g. 2027-05-01T10:00:00Z".to_owned())
}

fn timezone(v: &Value) -> Result<String, String> {
    v.as_str()
        .and_then(|s| s.trim().parse::<chrono_tz::Tz>().ok())
        .map(|tz| tz.name().to_owned())
        .ok_or_else(|| "must be an IANA time zone, e.g. Europe/Paris".to_owned())
}

fn object(v: &Value) -> Result<Value, String> {
    let too_big = serde_json::to_vec(v).map_or(true, |bytes| bytes.len() > MAX_DATA_BYTES);
    if !v.is_object() || too_big {
        return Err(format!("must be a JSON object of at most {} KB", MAX_DATA_BYTES / 1024));
    }
    Ok(v.clone())
}

/// Applies a body to an itinerary (a blank one when `creating`), checking every field and
/// the dates together; on any error the itinerary is left as it was.
pub fn apply_itinerary(target: &mut Itinerary, body: &ItineraryIn, creating: bool) -> Result<(), ApiError> {
    let mut next = target.clone();
    let i = &mut next;
    let mut check = Check(Vec::new());
    check.required("name", &body.name, 200, creating, &mut i.name);
    check.text("description", &body.description, 2000, true).apply(&mut i.description);
    check.text("destination", &body.destination, 200, false).apply(&mut i.destination);
    check.value("startDate", &body.start_date, date).apply(&mut i.start_date);
    check.value("endDate", &body.end_date, date).apply(&mut i.end_date);
    let mut public = Some(i.is_public);
    check
        .value("isPublic", &body.is_public, |v| v.as_bool().ok_or_else(|| "must be true or false".to_owned()))
        .apply(&mut public);
    i.is_public = public.unwrap_or(false);
    if let (Some(start), Some(end)) = (i.start_date, i.end_date)
        && !check.failed("startDate")
        && !check.failed("endDate")
    {
        // Blame the date the request changed (the end, when both or neither).
        let blame = if body.end_date.is_absent() && !body.start_date.is_absent() { "startDate" } else { "endDate" };
        if end < start {
            check.fail(blame, "endDate must be on or after startDate");
        } else if (end - start).num_days() > 366 {
            check.fail(blame, "an itinerary spans at most 366 days");
        }
    }
    check.done()?;
    *target = next;
    Ok(())
}

/// Applies a body to an item (a blank one when `creating`), checking every field and the
/// times together; on any error the item is left as it was. `order` is only checked here:
/// see [`requested_order`].
pub fn apply_item(target: &mut Item, body: &ItemIn, creating: bool) -> Result<(), ApiError> {
    let mut next = target.clone();
    let t = &mut next;
    let mut check = Check(Vec::new());
    let mut kind = Some(std::mem::take(&mut t.kind));
    match check.value("type", &body.kind, |v| {
        v.as_str()
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| ITEM_TYPES.contains(&s.as_str()))
            .ok_or_else(|| format!("must be one of {}", ITEM_TYPES.join(", ")))
    }) {
        Change::Clear => check.fail("type", format!("must be one of {}", ITEM_TYPES.join(", "))),
        Change::Keep if creating && body.kind.is_absent() => check.fail("type", "is required"),
        change => change.apply(&mut kind),
    }
    t.kind = kind.unwrap_or_default();
    check.required("title", &body.title, 200, creating, &mut t.title);
    check.text("description", &body.description, 2000, true).apply(&mut t.description);
    check.text("location", &body.location, 300, false).apply(&mut t.location);
    check.value("startsAt", &body.starts_at, instant).apply(&mut t.starts_at);
    check.value("endsAt", &body.ends_at, instant).apply(&mut t.ends_at);
    check.value("timezone", &body.timezone, timezone).apply(&mut t.timezone);
    check.text("bookingReference", &body.booking_reference, 32, false).apply(&mut t.booking_reference);
    check
        .value("reservationId", &body.reservation_id, |v| {
            v.as_str().and_then(|s| Uuid::try_parse(s.trim()).ok()).ok_or_else(|| "must be a reservation id".to_owned())
        })
        .apply(&mut t.reservation_id);
    check.value("data", &body.data, object).apply(&mut t.data);
    if matches!(body.order, Field::Null | Field::Given(_)) && requested_order(&body.order).is_none() {
        check.fail("order", "must be an integer");
    }
    if let (Some(start), Some(end)) = (t.starts_at, t.ends_at)
        && end < start
        && !check.failed("startsAt")
        && !check.failed("endsAt")
    {
        let blame = if body.ends_at.is_absent() && !body.starts_at.is_absent() { "startsAt" } else { "endsAt" };
        check.fail(blame, "endsAt must not be before startsAt");
    }
    check.done()?;
    *target = next;
    Ok(())
}

/// The position a body asks for, if it asks for a valid one (any integer: the service clamps
/// it to the positions there are).
pub(super) fn requested_order(field: &Field) -> Option<i64> {
    match field {
        Field::Given(v) => v.as_i64(),
        Field::Absent | Field::Null => None,
    }
}

pub fn item_view(t: &Item) -> Value {
    json!({
        "id": t.id, "itineraryId": t.itinerary_id, "type": t.kind, "title": t.title,
        "description": t.description, "location": t.location, "startsAt": t.starts_at, "endsAt": t.ends_at,
        "timezone": t.timezone, "bookingReference": t.booking_reference, "reservationId": t.reservation_id,
        "data": t.data, "order": t.position, "createdAt": t.created_at, "updatedAt": t.updated_at,
    })
}

/// An itinerary; with `items` in order when given (lists leave them out).
pub fn itinerary_view(i: &Itinerary, items: Option<&[Item]>) -> Value {
    let mut view = json!({
        "id": i.id, "name": i.name, "description": i.description, "destination": i.destination,
        "startDate": i.start_date, "endDate": i.end_date, "isPublic": i.is_public, "itemCount": i.item_count,
        "createdAt": i.created_at, "updatedAt": i.updated_at,
    });
    if let Some(items) = items {
        view["items"] = items.iter().map(item_view).collect();
    }
    view
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    fn blank_itinerary() -> Itinerary {
        let now: DateTime<Utc> = "2027-01-04T09:00:00Z".parse().unwrap();
        Itinerary {
            id: Uuid::nil(),
            owner_id: Uuid::nil(),
            name: String::new(),
            description: None,
            destination: None,
            start_date: None,
            end_date: None,
            is_public: false,
            item_count: 0,
            created_at: now,
            updated_at: now,
        }
    }

    fn blank_item() -> Item {
        let now: DateTime<Utc> = "2027-01-04T09:00:00Z".parse().unwrap();
        Item {
            id: Uuid::nil(),
            itinerary_id: Uuid::nil(),
            position: 0,
            kind: String::new(),
            title: String::new(),
            description: None,
            location: None,
            starts_at: None,
            ends_at: None,
            timezone: None,
            booking_reference: None,
            reservation_id: None,
            data: None,
            created_at: now,
            updated_at: now,
        }
    }

    /// The fields `apply` complained about, in order.
    fn fields(result: Result<(), ApiError>) -> Vec<String> {
        result.err().map(|e| e.details.into_iter().map(|d| d.field).collect()).unwrap_or_default()
    }

    fn itinerary_in(body: Value) -> ItineraryIn {
        serde_json::from_value(body).unwrap()
    }

    fn item_in(body: Value) -> ItemIn {
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn a_new_itinerary_is_checked_field_by_field() {
        let mut i = blank_itinerary();
        let body = itinerary_in(json!({"name": "  Lisbon  ", "startDate": "2027-05-01", "endDate": "2027-05-08",
                                       "description": "Line one\nline two", "isPublic": true}));
        assert_eq!(fields(apply_itinerary(&mut i, &body, true)), Vec::<String>::new());
        assert_eq!(i.name, "Lisbon");
        assert_eq!((i.start_date, i.end_date), ("2027-05-01".parse().ok(), "2027-05-08".parse().ok()));
        assert_eq!((i.description.as_deref(), i.is_public), (Some("Line one\nline two"), true));

        let bad = itinerary_in(json!({"description": 5, "destination": "x".repeat(201), "startDate": "2027-5-1",
                                      "endDate": "soon", "isPublic": "yes"}));
        assert_eq!(
            fields(apply_itinerary(&mut blank_itinerary(), &bad, true)),
            ["name", "description", "destination", "startDate", "endDate", "isPublic"]
        );
        let control = itinerary_in(json!({"name": "a\u{0007}b"}));
        assert_eq!(fields(apply_itinerary(&mut blank_itinerary(), &control, true)), ["name"]);
    }

    #[test]
    fn itinerary_dates_are_checked_together() {
        let check = |body: Value| fields(apply_itinerary(&mut blank_itinerary(), &itinerary_in(body), true));
        assert_eq!(check(json!({"name": "a", "startDate": "2027-05-08", "endDate": "2027-05-01"})), ["endDate"]);
        assert_eq!(
            check(json!({"name": "a", "startDate": "2027-01-01", "endDate": "2028-01-02"})),
            Vec::<String>::new()
        );
        assert_eq!(check(json!({"name": "a", "startDate": "2027-01-01", "endDate": "2028-01-03"})), ["endDate"]);
        assert_eq!(
            check(json!({"name": "a", "startDate": "2027-05-01", "endDate": "2027-05-01"})),
            Vec::<String>::new()
        );

        // A change of the start alone is blamed on the start.
        let mut i = blank_itinerary();
        apply_itinerary(&mut i, &itinerary_in(json!({"name": "a", "endDate": "2027-05-08"})), true).unwrap();
        assert_eq!(
            fields(apply_itinerary(&mut i, &itinerary_in(json!({"startDate": "2027-06-01"})), false)),
            ["startDate"]
        );
    }

    #[test]
    fn a_partial_update_keeps_absent_fields_and_clears_nulls() {
        let mut i = blank_itinerary();
        let body = json!({"name": "Lisbon", "description": "d", "destination": "Portugal", "startDate": "2027-05-01",
                          "isPublic": true});
        apply_itinerary(&mut i, &itinerary_in(body), true).unwrap();
        apply_itinerary(
            &mut i,
            &itinerary_in(json!({"description": null, "destination": "", "isPublic": null})),
            false,
        )
        .unwrap();
        assert_eq!(i.name, "Lisbon");
        assert_eq!((i.description.as_deref(), i.destination.as_deref(), i.is_public), (None, None, false));
        assert_eq!(i.start_date, "2027-05-01".parse().ok());
        assert_eq!(fields(apply_itinerary(&mut i, &itinerary_in(json!({"name": null})), false)), ["name"]);
        assert_eq!(fields(apply_itinerary(&mut i, &itinerary_in(json!({"name": " "})), false)), ["name"]);
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(serde_json::from_value::<ItineraryIn>(json!({"name": "a", "colour": "red"})).is_err());
        assert!(serde_json::from_value::<ItemIn>(json!({"type": "note", "title": "a", "id": "x"})).is_err());
    }

    #[test]
    fn a_new_item_is_checked_field_by_field() {
        let mut t = blank_item();
        let body = item_in(json!({"type": "Flight", "title": "CDG → LIS", "startsAt": "2027-05-01T10:00:00+02:00",
                                  "endsAt": "2027-05-01T10:30:00Z", "timezone": "Europe/Lisbon",
                                  "bookingReference": "DS-A7B3X2K1", "reservationId": "0190f3f2-7d2a-7c3e-8f00-000000000001",
                                  "data": {"seat": "12A"}, "order": 3}));
        assert_eq!(fields(apply_item(&mut t, &body, true)), Vec::<String>::new());
        assert_eq!(t.kind, "flight");
        assert_eq!(t.starts_at, "2027-05-01T08:00:00Z".parse().ok());
        assert_eq!((t.timezone.as_deref(), t.data.clone()), (Some("Europe/Lisbon"), Some(json!({"seat": "12A"}))));
        assert_eq!(requested_order(&body.order), Some(3));

        let bad = item_in(json!({"type": "spaceship", "description": [], "location": "x".repeat(301),
                                 "startsAt": "tomorrow", "endsAt": "2027-05-01", "timezone": "Mars/Olympus",
                                 "bookingReference": "x".repeat(33), "reservationId": "DS-1", "data": [1], "order": 1.5}));
        let all = "type title description location startsAt endsAt timezone bookingReference reservationId data order";
        assert_eq!(fields(apply_item(&mut blank_item(), &bad, true)), all.split(' ').collect::<Vec<_>>());
        let big = item_in(json!({"type": "note", "title": "a", "data": {"text": "x".repeat(8 * 1024)}}));
        assert_eq!(fields(apply_item(&mut blank_item(), &big, true)), ["data"]);
    }

    #[test]
    fn item_times_are_checked_together_and_null_clears() {
        let mut t = blank_item();
        let body = item_in(json!({"type": "hotel", "title": "Hotel", "startsAt": "2027-05-02T15:00:00Z",
                                  "endsAt": "2027-05-01T11:00:00Z"}));
        assert_eq!(fields(apply_item(&mut t, &body, true)), ["endsAt"]);

        let mut t = blank_item();
        let body = item_in(json!({"type": "hotel", "title": "Hotel", "startsAt": "2027-05-01T15:00:00Z",
                                  "endsAt": "2027-05-03T11:00:00Z", "location": "Alfama"}));
        apply_item(&mut t, &body, true).unwrap();
        assert_eq!(
            fields(apply_item(&mut t, &item_in(json!({"startsAt": "2027-05-04T00:00:00Z"})), false)),
            ["startsAt"]
        );
        apply_item(&mut t, &item_in(json!({"endsAt": null, "location": null, "title": "Hotel Alfama"})), false)
            .unwrap();
        assert_eq!((t.ends_at, t.location.as_deref(), t.title.as_str()), (None, None, "Hotel Alfama"));
        assert_eq!(t.starts_at, "2027-05-01T15:00:00Z".parse().ok());
        assert_eq!(
            fields(apply_item(&mut t, &item_in(json!({"type": null, "title": null})), false)),
            ["type", "title"]
        );
        assert_eq!(fields(apply_item(&mut t, &item_in(json!({"order": null})), false)), ["order"]);
    }
}
