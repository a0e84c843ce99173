//! The `from` / `to` window of schedule lists (sessions, trips).

use chrono::{DateTime, Utc};
use kernel::{ApiError, FieldError};

fn instant(field: &str, raw: Option<&str>) -> Result<Option<DateTime<Utc>>, FieldError> {
    raw.map(|r| {
        kernel::parse_day_or_instant(r)
            .ok_or_else(|| FieldError::new(field, "must be a date YYYY-MM-DD or an RFC 3339 instant"))
    })
    .transpose()
}

/// `[from, to)`: default from `now` for 90 days; at most 366 days wide.
pub fn parse(
    from: Option<&str>,
    to: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
    let mut errors = Vec::new();
    let from = instant("from", from).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let to = instant("to", to).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let from = from.unwrap_or(now);
    let to = to.unwrap_or(from + chrono::Duration::days(90));
    if errors.is_empty() && (to <= from || to - from > chrono::Duration::days(366)) {
        errors.push(FieldError::new("to", "must be after `from`, at most 366 days later"));
    }
    if errors.is_empty() { Ok((from, to)) } else { Err(ApiError::validation(errors)) }
}
