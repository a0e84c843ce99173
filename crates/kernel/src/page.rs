//! Lists are paged the same way everywhere: `limit` (default 20, max 100) and `offset`, or an
//! opaque `cursor` for large or live lists, rendered as
//! `{ "<resources>": [...], "pagination": { "total", "limit", "offset", "nextCursor"? } }`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use crate::error::{ApiError, FieldError};

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;
/// Offsets beyond this are refused: deep offset scans are a cheap way to load the database.
pub const MAX_OFFSET: u64 = 100_000;

/// The raw query parameters, as strings so that bad values get a precise error.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1–100 (default 20).
    pub limit: Option<String>,
    /// Items to skip (default 0).
    pub offset: Option<String>,
    /// Opaque cursor from a previous page's `nextCursor`.
    pub cursor: Option<String>,
}

/// A validated page request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    pub offset: u64,
    pub cursor: Option<String>,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self { limit: DEFAULT_LIMIT, offset: 0, cursor: None }
    }
}

impl PageRequest {
    /// As [`PageRequest::parse`], adding problems to `errors` (and returning the default page)
    /// so a handler can report them with its own filters' errors in one answer.
    pub fn parse_collecting(query: &PageQuery, errors: &mut Vec<FieldError>) -> Self {
        Self::parse(query).unwrap_or_else(|e| {
            errors.extend(e.details);
            Self::default()
        })
    }

    pub fn parse(query: &PageQuery) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        let limit = match query.limit.as_deref().map(str::trim) {
            None | Some("") => DEFAULT_LIMIT,
            Some(raw) => match raw.parse::<u32>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    errors.push(FieldError::new("limit", format!("must be an integer from 1 to {MAX_LIMIT}")));
                    DEFAULT_LIMIT
                }
            },
        };
        let offset = match query.offset.as_deref().map(str::trim) {
            None | Some("") => 0,
            Some(raw) => match raw.parse::<u64>() {
                Ok(n) if n <= MAX_OFFSET => n,
                _ => {
                    errors.push(FieldError::new("offset", format!("must be an integer from 0 to {MAX_OFFSET}")));
                    0
                }
            },
        };
        let cursor = query.cursor.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned);
        if cursor.as_ref().is_some_and(|c| c.len() > 512) {
            errors.push(FieldError::new("cursor", "is not a valid cursor"));
        }
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        Ok(Self { limit, offset, cursor })
    }
}

/// An opaque, URL-safe cursor wrapping whatever position a store needs (e.g. `(created_at, id)`).
#[derive(Debug)]
pub struct Cursor;

impl Cursor {
    pub fn encode<T: Serialize>(position: &T) -> String {
        // Serialising plain data to JSON cannot fail; an empty cursor would simply restart.
        let json = serde_json::to_vec(position).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    pub fn decode<T: DeserializeOwned>(raw: &str) -> Result<T, ApiError> {
        let invalid = || ApiError::validation(vec![FieldError::new("cursor", "is not a valid cursor")]);
        let bytes = URL_SAFE_NO_PAD.decode(raw.as_bytes()).map_err(|_| invalid())?;
        serde_json::from_slice(&bytes).map_err(|_| invalid())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    /// Total matching items (absent when a cursor list cannot count cheaply).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    pub limit: u32,
    pub offset: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// One page of items plus where it sits in the whole list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub pagination: Pagination,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, request: &PageRequest, total: Option<u64>) -> Self {
        Self {
            items,
            pagination: Pagination { total, limit: request.limit, offset: request.offset, next_cursor: None },
        }
    }

    pub fn with_next_cursor(mut self, cursor: Option<String>) -> Self {
        self.pagination.next_cursor = cursor;
        self
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), pagination: self.pagination }
    }

    /// Renders as `{ "<key>": [...], "pagination": {...} }`.
    pub fn keyed(self, key: &'static str) -> KeyedPage<T> {
        KeyedPage { key, page: self }
    }
}

/// A page serialised under a resource name, e.g. `bookings`.
#[derive(Debug, Clone)]
pub struct KeyedPage<T> {
    key: &'static str,
    page: Page<T>,
}

impl<T: Serialize> Serialize for KeyedPage<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry(self.key, &self.page.items)?;
        map.serialize_entry("pagination", &self.page.pagination)?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn q(limit: Option<&str>, offset: Option<&str>) -> PageQuery {
        PageQuery { limit: limit.map(Into::into), offset: offset.map(Into::into), cursor: None }
    }

    #[test]
    fn defaults_and_bounds() {
        assert_eq!(PageRequest::parse(&q(None, None)).unwrap(), PageRequest::default());
        assert_eq!(PageRequest::parse(&q(Some("100"), Some("40"))).unwrap().limit, 100);
        for bad in ["0", "101", "-1", "abc", "1.5"] {
            let err = PageRequest::parse(&q(Some(bad), None)).unwrap_err();
            assert_eq!(err.status, 400, "{bad}");
            assert_eq!(err.details[0].field, "limit");
        }
        let err = PageRequest::parse(&q(Some("0"), Some("-3"))).unwrap_err();
        assert_eq!(err.details.len(), 2);
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = Cursor::encode(&("2026-01-01T00:00:00Z", 42));
        let back: (String, i32) = Cursor::decode(&c).unwrap();
        assert_eq!(back, ("2026-01-01T00:00:00Z".to_owned(), 42));
        assert_eq!(Cursor::decode::<(String, i32)>("!!!").unwrap_err().status, 400);
        assert!(Cursor::decode::<(String, i32)>(&Cursor::encode(&"x")).is_err());
    }

    #[test]
    fn keyed_pages_render_like_dreamscape_lists() {
        let page = Page::new(vec![1, 2], &PageRequest::default(), Some(7)).with_next_cursor(Some("abc".into()));
        let v = serde_json::to_value(page.keyed("bookings")).unwrap();
        assert_eq!(
            v,
            json!({"bookings": [1, 2], "pagination": {"total": 7, "limit": 20, "offset": 0, "nextCursor": "abc"}})
        );
    }
}
