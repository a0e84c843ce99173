//! Items users save or look at: a type from a fixed list, an id as the owning system knows it
//! (our listing ids, supplier offer codes), and an optional small JSON snapshot for display.

use serde_json::Value;

pub const ITEM_TYPES: [&str; 5] = ["destination", "flight", "hotel", "activity", "listing"];
/// History kinds a client may record; `booking` and `favorite` are recorded by the platform.
pub const CLIENT_KINDS: [&str; 2] = ["search", "view"];
pub const ALL_KINDS: [&str; 4] = ["search", "view", "booking", "favorite"];
const MAX_SNAPSHOT_BYTES: usize = 4096;

pub fn item_type(raw: &str) -> Result<String, &'static str> {
    let v = raw.trim().to_ascii_lowercase();
    if ITEM_TYPES.contains(&v.as_str()) {
        Ok(v)
    } else {
        Err("must be destination, flight, hotel, activity or listing")
    }
}

pub fn item_id(raw: &str) -> Result<String, &'static str> {
    let v = raw.trim();
    if v.is_empty() || v.chars().count() > 200 || v.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("must be 1 to 200 characters without spaces");
    }
    Ok(v.to_owned())
}

/// A JSON object of at most 4 KiB.
pub fn snapshot(value: &Value) -> Result<Value, &'static str> {
    if !value.is_object() {
        return Err("must be an object");
    }
    if value.to_string().len() > MAX_SNAPSHOT_BYTES {
        return Err("must be at most 4096 bytes of JSON");
    }
    Ok(value.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rules() {
        assert_eq!(item_type("Hotel"), Ok("hotel".into()));
        assert!(item_type("car").is_err());
        assert!(item_id("PAR-NYC-2026-12-01").is_ok());
        assert!(item_id("a b").is_err() && item_id("").is_err());
        assert!(snapshot(&json!({"name": "Kyoto"})).is_ok());
        assert!(snapshot(&json!([1])).is_err());
        assert!(snapshot(&json!({"x": "y".repeat(5000)})).is_err());
    }
}
