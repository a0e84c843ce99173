//! A review as submitted, validated on parse: an overall rating 1–5, category ratings 1–5 from
//! the set of the reservation's kind and the author's side, a public comment and an optional
//! private note within their limits. Invalid input is every problem at once, by field.

use std::collections::BTreeMap;

use kernel::FieldError;
use serde_json::Value;

use super::categories;

pub const COMMENT_MAX: usize = 5000;
pub const NOTE_MAX: usize = 2000;
pub const RESPONSE_MAX: usize = 2000;
pub const REASON_MAX: usize = 500;
pub const DETAILS_MAX: usize = 2000;

/// Why a review may be flagged.
pub const FLAG_REASONS: [&str; 6] = ["spam", "offensive", "fake", "irrelevant", "personal_data", "other"];

#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub rating: i64,
    pub categories: BTreeMap<String, i64>,
    pub comment: String,
    pub private_note: Option<String>,
}

/// A whole star count from 1 to 5 (`4` or `4.0`; not `4.5`, not `"4"`).
fn stars(v: &Value) -> Option<i64> {
    let n = v.as_i64().or_else(|| v.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 10.0).map(|f| f as i64))?;
    (1..=5).contains(&n).then_some(n)
}

/// Trimmed text of at most `max` characters; `None` when absent or blank.
pub fn text(v: Option<&Value>, field: &str, max: usize, errors: &mut Vec<FieldError>) -> Option<String> {
    match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            let t = s.trim();
            if t.chars().count() > max {
                errors.push(FieldError::new(field, format!("must be at most {max} characters")));
                None
            } else if t.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
                errors.push(FieldError::new(field, "must not contain control characters"));
                None
            } else {
                Some(t.to_owned()).filter(|t| !t.is_empty())
            }
        }
        Some(_) => {
            errors.push(FieldError::new(field, "must be a string"));
            None
        }
    }
}

impl Draft {
    /// Validates `rating`, `categories`, `comment` and `privateNote` for a review by `role` of a
    /// reservation of `kind`.
    pub fn parse(body: &serde_json::Map<String, Value>, kind: &str, role: &str) -> Result<Draft, Vec<FieldError>> {
        let mut errors = Vec::new();
        let rating = match body.get("rating") {
            None | Some(Value::Null) => {
                errors.push(FieldError::new("rating", "is required"));
                0
            }
            Some(v) => stars(v).unwrap_or_else(|| {
                errors.push(FieldError::new("rating", "must be a whole number from 1 to 5"));
                0
            }),
        };
        let allowed = categories(kind, role);
        let mut scores = BTreeMap::new();
        match body.get("categories") {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => {
                for (name, v) in map {
                    let field = format!("categories.{name}");
                    if !allowed.contains(&name.as_str()) {
                        errors.push(FieldError::new(field, format!("is not rated here (use: {})", allowed.join(", "))));
                    } else if let Some(n) = stars(v) {
                        scores.insert(name.clone(), n);
                    } else if !v.is_null() {
                        errors.push(FieldError::new(field, "must be a whole number from 1 to 5"));
                    }
                }
            }
            Some(_) => errors.push(FieldError::new("categories", "must be an object of category ratings")),
        }
        let comment = text(body.get("comment"), "comment", COMMENT_MAX, &mut errors);
        if comment.is_none() && !errors.iter().any(|e| e.field == "comment") {
            errors.push(FieldError::new("comment", "is required"));
        }
        let private_note = text(body.get("privateNote"), "privateNote", NOTE_MAX, &mut errors);
        if errors.is_empty() {
            Ok(Draft { rating, categories: scores, comment: comment.unwrap_or_default(), private_note })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(v: Value, kind: &str, role: &str) -> Result<Draft, Vec<FieldError>> {
        Draft::parse(v.as_object().unwrap_or(&serde_json::Map::new()), kind, role)
    }

    fn fields(r: Result<Draft, Vec<FieldError>>) -> Vec<String> {
        r.err().unwrap_or_default().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_full_stay_review_parses() {
        let d = parse(
            json!({"rating": 5, "categories": {"cleanliness": 4, "checkIn": 5.0}, "comment": "  Lovely  ", "privateNote": ""}),
            "stay",
            "guest",
        );
        let d = d.unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!((d.rating, d.comment.as_str(), d.private_note), (5, "Lovely", None));
        assert_eq!(d.categories.get("checkIn"), Some(&5));
    }

    #[test]
    fn out_of_range_and_unknown_values_are_reported_by_field() {
        let got = fields(parse(
            json!({"rating": 6, "categories": {"food": 3, "cleanliness": 0, "value": 4.5}, "comment": 3}),
            "stay",
            "guest",
        ));
        assert_eq!(got, ["rating", "categories.cleanliness", "categories.food", "categories.value", "comment"]);
        assert_eq!(fields(parse(json!({"rating": "5", "comment": "ok"}), "stay", "guest")), ["rating"]);
        assert_eq!(fields(parse(json!({"rating": 0.5, "comment": "ok"}), "stay", "guest")), ["rating"]);
        assert_eq!(fields(parse(json!({"comment": " "}), "stay", "guest")), ["rating", "comment"]);
        assert_eq!(
            fields(parse(json!({"rating": 3, "categories": [1], "comment": "x"}), "stay", "guest")),
            ["categories"]
        );
    }

    #[test]
    fn texts_have_limits_and_no_control_characters() {
        let long = "x".repeat(COMMENT_MAX + 1);
        assert_eq!(fields(parse(json!({"rating": 3, "comment": long}), "stay", "guest")), ["comment"]);
        let bell = json!({"rating": 3, "comment": "ok", "privateNote": "a\u{7}b"});
        assert_eq!(fields(parse(bell, "stay", "guest")), ["privateNote"]);
        let lines = parse(json!({"rating": 3, "comment": "one\ntwo"}), "product", "guest");
        assert!(lines.is_ok());
    }

    #[test]
    fn hosts_rate_guests_on_their_own_categories() {
        assert!(
            parse(json!({"rating": 4, "categories": {"respect": 5}, "comment": "Great guest"}), "stay", "host").is_ok()
        );
        assert_eq!(
            fields(parse(json!({"rating": 4, "categories": {"location": 5}, "comment": "x"}), "stay", "host")),
            ["categories.location"]
        );
    }
}
