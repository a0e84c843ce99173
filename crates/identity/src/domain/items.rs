//! Items users save or act on: a type from a fixed list, an id as the owning system knows it
//! (our listing ids, supplier offer codes), and optional JSON the client keeps with it.
//!
//! Favourite types are stored in lower case; DreamScape's routes spell them in upper case
//! (`FLIGHT`), our own routes in any case. History uses DreamScape's action types (upper case)
//! and entity types (lower case).

use serde_json::Value;

/// Favourite types as stored.
pub const ITEM_TYPES: [&str; 6] = ["destination", "flight", "hotel", "activity", "booking", "listing"];
/// DreamScape's favourite types (upper case, exact), plus our `LISTING`.
pub const FAVORITE_TYPES: [&str; 6] = ["FLIGHT", "HOTEL", "ACTIVITY", "DESTINATION", "BOOKING", "LISTING"];
pub const INVALID_FAVORITE_TYPE: &str =
    "Invalid entity type. Must be one of: FLIGHT, HOTEL, ACTIVITY, DESTINATION, BOOKING, LISTING";

/// History action types (DreamScape's `HistoryActionType`).
pub const ACTION_TYPES: [&str; 7] = ["CREATED", "VIEWED", "UPDATED", "DELETED", "SEARCHED", "FAVORITED", "UNFAVORITED"];
/// History entity types (DreamScape's, lower case, plus our `listing`).
pub const ENTITY_TYPES: [&str; 8] =
    ["booking", "search", "favorite", "destination", "hotel", "activity", "flight", "listing"];
pub const INVALID_ACTION_TYPE: &str =
    "Invalid action type. Valid values are: CREATED, VIEWED, UPDATED, DELETED, SEARCHED, FAVORITED, UNFAVORITED";
pub const INVALID_ENTITY_TYPE: &str =
    "Invalid entity type. Valid values are: booking, search, favorite, destination, hotel, activity, flight, listing";

/// Most bytes of JSON a client may keep with a favourite or a history entry.
pub const MAX_JSON_BYTES: usize = 16 * 1024;
const MAX_ID_CHARS: usize = 200;
pub const MAX_CATEGORY_CHARS: usize = 50;
pub const MAX_NOTES_CHARS: usize = 1000;

/// Our routes' item type, any case; stored lower case.
pub fn item_type(raw: &str) -> Result<String, &'static str> {
    let v = raw.trim().to_ascii_lowercase();
    if ITEM_TYPES.contains(&v.as_str()) {
        Ok(v)
    } else {
        Err("must be destination, flight, hotel, activity, booking or listing")
    }
}

/// DreamScape's favourite type (exactly as listed); the stored, lower-case form.
pub fn favorite_type(raw: &str) -> Option<String> {
    FAVORITE_TYPES.contains(&raw).then(|| raw.to_ascii_lowercase())
}

/// The stored favourite type as DreamScape spells it.
pub fn favorite_type_label(stored: &str) -> String {
    stored.to_ascii_uppercase()
}

pub fn action_type(raw: &str) -> Option<&'static str> {
    ACTION_TYPES.iter().copied().find(|a| *a == raw)
}

pub fn entity_type(raw: &str) -> Option<&'static str> {
    ENTITY_TYPES.iter().copied().find(|e| *e == raw)
}

pub fn item_id(raw: &str) -> Result<String, &'static str> {
    let v = raw.trim();
    if v.is_empty() || raw.chars().count() > MAX_ID_CHARS || v.chars().any(char::is_control) {
        return Err("must be 1 to 200 characters without control characters");
    }
    Ok(v.to_owned())
}

/// A JSON object of at most [`MAX_JSON_BYTES`].
pub fn snapshot(value: &Value) -> Result<Value, &'static str> {
    if !value.is_object() {
        return Err("must be an object");
    }
    any_json(value)
}

/// Any JSON value of at most [`MAX_JSON_BYTES`].
pub fn any_json(value: &Value) -> Result<Value, &'static str> {
    if value.to_string().len() > MAX_JSON_BYTES {
        return Err("must be at most 16384 bytes of JSON");
    }
    Ok(value.clone())
}

/// An optional short text (`category`, `notes`): `""` means none.
pub fn note(raw: Option<&str>, max: usize) -> Result<Option<String>, String> {
    let Some(raw) = raw else { return Ok(None) };
    if raw.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    let v = raw.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(format!("must be at most {max} characters"));
    }
    Ok(Some(v.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rules() {
        assert_eq!(item_type("Hotel"), Ok("hotel".into()));
        assert!(item_type("car").is_err());
        assert_eq!(favorite_type("HOTEL"), Some("hotel".into()));
        assert_eq!(favorite_type("hotel"), None, "DreamScape's types are case-sensitive");
        assert_eq!(favorite_type_label("listing"), "LISTING");
        assert_eq!(action_type("SEARCHED"), Some("SEARCHED"));
        assert_eq!(action_type("SEARCH"), None);
        assert_eq!(entity_type("flight"), Some("flight"));
        assert_eq!(entity_type("FLIGHT"), None);
        assert!(item_id("PAR-NYC-2026-12-01").is_ok());
        assert!(item_id("search 1").is_ok());
        assert!(item_id("a\u{0}b").is_err() && item_id(" ").is_err());
        assert!(snapshot(&json!({"name": "Kyoto"})).is_ok());
        assert!(snapshot(&json!([1])).is_err());
        assert!(any_json(&json!([1])).is_ok());
        assert!(snapshot(&json!({"x": "y".repeat(17_000)})).is_err());
        assert_eq!(note(Some(""), 50), Ok(None));
        assert_eq!(note(Some(" Summer "), 50), Ok(Some("Summer".into())));
        assert!(note(Some(&"x".repeat(51)), 50).is_err());
        assert!(note(Some(&format!(" {}", "x".repeat(50))), 50).is_err(), "the raw length counts");
        assert!(item_id(&format!(" {}", "x".repeat(200))).is_err());
    }
}
