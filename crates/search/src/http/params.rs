//! The search's query parameters: every value is read as text so a bad one is named in a 400
//! `validation_failed`, then checked into a [`SearchRequest`].

use chrono::NaiveDate;
use kernel::{ApiError, FieldError};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::domain::day_number;
use crate::index::query::{DateFilter, SearchRequest, Sort};

/// Longest `q`, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;
/// Largest `offset`: deeper pages are not served (refine the search instead).
pub const MAX_OFFSET: usize = 1_000;
pub const DEFAULT_RADIUS_KM: f64 = 25.0;
pub const MAX_RADIUS_KM: f64 = 500.0;
/// Longest stay a date search accepts, in nights.
pub const MAX_NIGHTS: i64 = 90;
/// How far ahead a date search may start, in days (booking publishes a year of availability).
pub const MAX_DAYS_AHEAD: i64 = 365;
/// How deep a cursor may page.
pub const MAX_WINDOW: usize = 10_000;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct SearchQuery {
    /// Words matched against title, description, city and amenities (at most 200 characters);
    /// English and French stems, typos (one from 5 letters, two from 9), the last word as a prefix.
    pub q: Option<String>,
    /// `stay`, `product`, `activity`, `transport` or `restaurant`.
    pub kind: Option<String>,
    /// City, case-insensitive exact match.
    pub city: Option<String>,
    /// ISO country code as written in the listing's address (case-insensitive).
    pub country: Option<String>,
    /// Stays for at least this many guests.
    #[param(value_type = Option<i64>)]
    pub guests: Option<String>,
    /// Minor units of the listing's own currency (no conversion).
    #[param(value_type = Option<i64>)]
    pub price_min: Option<String>,
    /// Minor units of the listing's own currency (no conversion).
    #[param(value_type = Option<i64>)]
    pub price_max: Option<String>,
    /// At least this many bedrooms.
    #[param(value_type = Option<i64>)]
    pub bedrooms: Option<String>,
    /// Comma-separated; the listing must have all of them.
    pub amenities: Option<String>,
    #[param(value_type = Option<bool>)]
    pub instant_book: Option<String>,
    /// `lat,lng`: only listings within `radiusKm` of it; hits then carry `distanceKm`.
    pub near: Option<String>,
    /// With `near`: more than 0, at most 500 (default 25).
    #[param(value_type = Option<f64>)]
    pub radius_km: Option<String>,
    /// `south,west,north,east` (degrees): only listings inside; `west > east` crosses the
    /// antimeridian.
    pub bbox: Option<String>,
    /// `YYYY-MM-DD`: stays free from this night; other kinds with something left that day.
    pub check_in: Option<String>,
    /// `YYYY-MM-DD`, after `checkIn` (at most 90 nights): stays free every night until then.
    pub check_out: Option<String>,
    /// At least this average rating (0–5).
    #[param(value_type = Option<f64>)]
    pub rating_min: Option<String>,
    /// `relevance` (default), `price_asc`, `price_desc`, `rating`, `newest`, `distance` (needs `near`).
    pub sort: Option<String>,
    /// 1–100 (default 20).
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
    /// 0–1,000.
    #[param(value_type = Option<i64>)]
    pub offset: Option<String>,
    /// `pagination.nextCursor` of the previous page of the same search (instead of `offset`;
    /// goes up to 10,000 results deep).
    pub cursor: Option<String>,
}

/// `raw` as an integer in `min..=max`; a bad one is named in `errors`.
pub(super) fn int(raw: Option<&str>, field: &str, min: i64, max: i64, errors: &mut Vec<FieldError>) -> Option<i64> {
    let raw = raw?;
    match raw.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Some(n),
        _ => {
            errors.push(FieldError::new(field, format!("must be an integer from {min} to {max}")));
            None
        }
    }
}

fn word(raw: Option<&str>) -> Option<String> {
    raw.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn date(raw: Option<&str>, field: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let raw = raw?;
    raw.trim().parse::<NaiveDate>().map_err(|_| errors.push(FieldError::new(field, "must be a date YYYY-MM-DD"))).ok()
}

fn dates(q: &SearchQuery, today: NaiveDate, e: &mut Vec<FieldError>) -> Option<DateFilter> {
    let check_in = date(q.check_in.as_deref(), "checkIn", e);
    let check_out = date(q.check_out.as_deref(), "checkOut", e);
    if q.check_out.is_some() && q.check_in.is_none() {
        e.push(FieldError::new("checkIn", "is required with checkOut"));
    }
    let first = check_in?;
    // A day of slack: "today" somewhere on Earth is yesterday in UTC.
    let ahead = (first - today).num_days();
    if ahead < -1 {
        e.push(FieldError::new("checkIn", "must not be in the past"));
    } else if ahead > MAX_DAYS_AHEAD {
        e.push(FieldError::new("checkIn", format!("must be at most {MAX_DAYS_AHEAD} days ahead")));
    }
    let nights = check_out.map_or(Some(1), |out| Some((out - first).num_days()));
    match nights {
        Some(n) if (1..=MAX_NIGHTS).contains(&n) => {
            Some(DateFilter { first_night: day_number(first), last_night: day_number(first) + n - 1 })
        }
        _ if q.check_out.is_some() && check_out.is_some() => {
            e.push(FieldError::new("checkOut", format!("must be 1 to {MAX_NIGHTS} nights after checkIn")));
            None
        }
        _ => None,
    }
}

fn bbox(raw: Option<&str>, e: &mut Vec<FieldError>) -> Option<(f64, f64, f64, f64)> {
    let raw = raw?;
    let parts: Vec<f64> =
        raw.split(',').filter_map(|p| p.trim().parse::<f64>().ok()).filter(|v| v.is_finite()).collect();
    match parts[..] {
        [s, w, n, east]
            if (-90.0..=90.0).contains(&s)
                && (-90.0..=90.0).contains(&n)
                && s <= n
                && (-180.0..=180.0).contains(&w)
                && (-180.0..=180.0).contains(&east) =>
        {
            Some((s, w, n, east))
        }
        _ => {
            e.push(FieldError::new("bbox", "must be south,west,north,east in degrees, south not above north"));
            None
        }
    }
}

/// The search `q` describes (dates checked against `today`), or a 400 naming every bad field.
pub fn validate(q: &SearchQuery, today: NaiveDate) -> Result<SearchRequest, ApiError> {
    let mut e = Vec::new();
    let text = q.q.clone().unwrap_or_default();
    if text.chars().count() > MAX_QUERY_CHARS {
        e.push(FieldError::new("q", format!("must be at most {MAX_QUERY_CHARS} characters")));
    }
    let kind = word(q.kind.as_deref());
    if kind.as_deref().is_some_and(|k| !["stay", "product", "activity", "transport", "restaurant"].contains(&k)) {
        e.push(FieldError::new("kind", "must be one of stay, product, activity, transport, restaurant"));
    }
    let guests = int(q.guests.as_deref(), "guests", 1, 1_000, &mut e);
    let bedrooms = int(q.bedrooms.as_deref(), "bedrooms", 0, 1_000, &mut e);
    let price_min = int(q.price_min.as_deref(), "priceMin", 0, i64::MAX, &mut e);
    let price_max = int(q.price_max.as_deref(), "priceMax", 0, i64::MAX, &mut e);
    if let (Some(lo), Some(hi)) = (price_min, price_max)
        && lo > hi
    {
        e.push(FieldError::new("priceMin", "must not be greater than priceMax"));
    }
    let limit = int(q.limit.as_deref(), "limit", 1, MAX_LIMIT as i64, &mut e).map_or(DEFAULT_LIMIT, |n| n as usize);
    let offset = int(q.offset.as_deref(), "offset", 0, MAX_OFFSET as i64, &mut e).map_or(0, |n| n as usize);
    let instant_book = match q.instant_book.as_deref().map(str::trim) {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            e.push(FieldError::new("instantBook", "must be true or false"));
            None
        }
    };
    let amenities: Vec<String> =
        q.amenities.as_deref().unwrap_or_default().split(',').filter_map(|a| word(Some(a))).collect();
    let point = q.near.as_deref().and_then(|raw| {
        let parsed =
            raw.split_once(',').and_then(|(a, b)| Some((a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?)));
        match parsed {
            Some((lat, lng)) if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng) => Some((lat, lng)),
            _ => {
                e.push(FieldError::new("near", "must be lat,lng (latitude -90..90, longitude -180..180)"));
                None
            }
        }
    });
    let radius = match q.radius_km.as_deref() {
        None => DEFAULT_RADIUS_KM,
        Some(raw) => match raw.trim().parse::<f64>() {
            Ok(r) if r > 0.0 && r <= MAX_RADIUS_KM => r,
            _ => {
                e.push(FieldError::new("radiusKm", format!("must be a number above 0 and at most {MAX_RADIUS_KM}")));
                DEFAULT_RADIUS_KM
            }
        },
    };
    let dates = dates(q, today, &mut e);
    let bbox = bbox(q.bbox.as_deref(), &mut e);
    let rating_min = q.rating_min.as_deref().and_then(|raw| match raw.trim().parse::<f64>() {
        Ok(r) if (0.0..=5.0).contains(&r) => Some(r),
        _ => {
            e.push(FieldError::new("ratingMin", "must be a number from 0 to 5"));
            None
        }
    });
    let sort = match q.sort.as_deref() {
        None => Sort::Relevance,
        Some(raw) => Sort::parse(raw.trim()).unwrap_or_else(|| {
            e.push(FieldError::new("sort", format!("must be one of {}", Sort::NAMES)));
            Sort::Relevance
        }),
    };
    if sort == Sort::Distance && q.near.is_none() {
        e.push(FieldError::new("sort", "distance needs near"));
    }
    if !e.is_empty() {
        return Err(ApiError::validation(e));
    }
    Ok(SearchRequest {
        q: text,
        kind,
        city: word(q.city.as_deref()),
        country: word(q.country.as_deref()),
        guests,
        price_min,
        price_max,
        bedrooms,
        amenities,
        instant_book,
        near: point.map(|(lat, lng)| (lat, lng, radius)),
        bbox,
        dates,
        rating_min,
        sort,
        limit,
        offset,
    })
}

/// What a cursor is tied to: the search without its page (hash of its description).
fn fingerprint(r: &SearchRequest) -> u64 {
    use std::hash::{Hash, Hasher};
    let unpaged = SearchRequest { limit: 0, offset: 0, ..r.clone() };
    let mut h = std::collections::hash_map::DefaultHasher::new();
    format!("{unpaged:?}").hash(&mut h);
    h.finish()
}

/// The cursor of the page after `r`'s, if there is one within [`MAX_WINDOW`].
pub fn next_cursor(r: &SearchRequest, total: usize) -> Option<String> {
    let next = r.offset + r.limit;
    (next < total && next < MAX_WINDOW).then(|| format!("{next:x}-{:016x}", fingerprint(r)))
}

/// Moves `r` to the position `raw` (a `nextCursor`) names; 400 when it belongs to another
/// search, is malformed, or comes with `offset`.
pub fn apply_cursor(r: &mut SearchRequest, raw: &str, with_offset: bool) -> Result<(), ApiError> {
    let bad = |m: &str| ApiError::validation(vec![FieldError::new("cursor", m)]);
    if with_offset {
        return Err(bad("give either cursor or offset"));
    }
    let (offset, fp) = raw.trim().split_once('-').ok_or_else(|| bad("is not a cursor of this API"))?;
    let offset = usize::from_str_radix(offset, 16).map_err(|_| bad("is not a cursor of this API"))?;
    let fp = u64::from_str_radix(fp, 16).map_err(|_| bad("is not a cursor of this API"))?;
    if fp != fingerprint(r) {
        return Err(bad("belongs to another search: keep the same parameters while paging"));
    }
    if offset + r.limit > MAX_WINDOW {
        return Err(bad("goes deeper than 10,000 results: refine the search"));
    }
    r.offset = offset;
    Ok(())
}
