//! Query parameters of the typed recommendation routes, read from the raw query string: DreamScape's
//! client sends lists as repeated `key[]=v` (axios) or comma-joined, others repeat `key=v`; all
//! three read the same here. Every bad value is a `400` naming its parameter.

use std::collections::HashMap;

use chrono::NaiveDate;
use kernel::{ApiError, FieldError};
use platform::auth::AuthUser;
use uuid::Uuid;

/// The most values one list parameter keeps.
const MAX_LIST: usize = 50;

#[derive(Debug, Default)]
pub struct Params {
    values: HashMap<String, Vec<String>>,
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `application/x-www-form-urlencoded` decoding (`+` is a space; a broken `%` stays as is).
fn decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn invalid(field: &str, message: &str) -> ApiError {
    ApiError::validation(vec![FieldError::new(field, message)])
}

/// A `400` whose message is exactly `message` (DreamScape's texts, which its client shows).
pub fn exact(field: &str, message: &str) -> ApiError {
    ApiError::new(400, "validation_failed", message).with_details(vec![FieldError::new(field, message)])
}

impl Params {
    pub fn parse(raw: Option<&str>) -> Self {
        let mut values: HashMap<String, Vec<String>> = HashMap::new();
        for pair in raw.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let key = decode(k);
            let key = key.strip_suffix("[]").unwrap_or(&key).to_owned();
            let list = values.entry(key).or_default();
            if list.len() < MAX_LIST {
                list.push(decode(v));
            }
        }
        Self { values }
    }

    /// The first non-blank value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key)?.iter().map(|v| v.trim()).find(|v| !v.is_empty())
    }

    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Every value, comma-split, trimmed, blanks dropped, at most 50.
    pub fn list(&self, key: &str) -> Vec<String> {
        self.values
            .get(key)
            .into_iter()
            .flatten()
            .flat_map(|v| v.split(','))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty() && v.len() <= 100)
            .take(MAX_LIST)
            .collect()
    }

    /// A list lower-cased (vocabulary words).
    pub fn words(&self, key: &str) -> Vec<String> {
        self.list(key).into_iter().map(|v| v.to_lowercase()).collect()
    }

    pub fn int(&self, key: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        let Some(v) = self.get(key) else { return Ok(None) };
        v.parse::<i64>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .map(Some)
            .ok_or_else(|| invalid(key, &format!("must be a whole number from {min} to {max}")))
    }

    pub fn num(&self, key: &str, min: f64, max: f64) -> Result<Option<f64>, ApiError> {
        let Some(v) = self.get(key) else { return Ok(None) };
        v.parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && (min..=max).contains(n))
            .map(Some)
            .ok_or_else(|| invalid(key, &format!("must be a number from {min} to {max}")))
    }

    /// A flag: `true`/`1` or `false`/`0` (the web client sends `true`/`false`); `None` when
    /// absent; anything else is a `400` (DreamScape reads it as false, which hides a typo).
    pub fn flag(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => Ok(Some(false)),
            Some(_) => Err(invalid(key, "must be true or false")),
        }
    }

    pub fn date(&self, key: &str) -> Result<Option<NaiveDate>, ApiError> {
        let Some(v) = self.get(key) else { return Ok(None) };
        NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| exact(key, "Invalid date format. Use YYYY-MM-DD"))
    }

    /// `HH:MM` as minutes after midnight.
    pub fn time(&self, key: &str) -> Result<Option<u32>, ApiError> {
        let Some(v) = self.get(key) else { return Ok(None) };
        let parsed = v.split_once(':').and_then(|(h, m)| Some((h.parse::<u32>().ok()?, m.parse::<u32>().ok()?)));
        match parsed {
            Some((h, m)) if h < 24 && m < 60 => Ok(Some(h * 60 + m)),
            _ => Err(invalid(key, "must be a time HH:MM")),
        }
    }

    /// An IATA-like code (2–8 letters or digits), upper-cased.
    pub fn code(&self, key: &str) -> Result<Option<String>, ApiError> {
        let Some(v) = self.get(key) else { return Ok(None) };
        if (2..=8).contains(&v.len()) && v.chars().all(|c| c.is_ascii_alphanumeric()) {
            Ok(Some(v.to_ascii_uppercase()))
        } else {
            Err(invalid(key, "must be a code of 2 to 8 letters or digits"))
        }
    }

    /// `limit`: `1..=max`, default `default`.
    pub fn limit(&self, default: i64, max: i64) -> Result<usize, ApiError> {
        let n = self.int("limit", 1, max)?.unwrap_or(default);
        Ok(usize::try_from(n).unwrap_or(1))
    }
}

/// The user a request is about: `userId` when given (the caller's own, or anyone's for an
/// administrator: else `403`), the caller otherwise.
pub fn owner(caller: &AuthUser, user_id: Option<&str>) -> Result<Uuid, ApiError> {
    let Some(raw) = user_id.map(str::trim).filter(|u| !u.is_empty()) else { return Ok(caller.user_id) };
    let user = Uuid::parse_str(raw).map_err(|_| invalid("userId", "must be a user id (UUID)"))?;
    if user != caller.user_id && !caller.is_admin() {
        return Err(ApiError::forbidden("You can only act for yourself"));
    }
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_the_same_in_every_form() {
        let p = Params::parse(Some("a[]=x&a[]=y&b=x,y&c=x&c=y&d=&e=%C3%A9t%C3%A9+chaud&f=50%"));
        assert_eq!(p.list("a"), vec!["x", "y"]);
        assert_eq!(p.list("b"), vec!["x", "y"]);
        assert_eq!(p.list("c"), vec!["x", "y"]);
        assert!(p.get("d").is_none());
        assert_eq!(p.get("e"), Some("été chaud"));
        assert_eq!(p.get("f"), Some("50%"));
        assert!(p.int("b", 0, 5).is_err());
        assert!(Params::parse(Some("limit=0")).limit(20, 50).is_err());
        assert_eq!(Params::parse(None).limit(20, 50).unwrap(), 20);
        assert_eq!(Params::parse(Some("t=07:30")).time("t").unwrap(), Some(450));
        assert!(Params::parse(Some("t=25:00")).time("t").is_err());
        assert!(Params::parse(Some("d=2030-02-30")).date("d").is_err());
    }
}
