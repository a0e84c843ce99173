//! The rules of a tracking batch, without I/O: what a batch and each event in it must look
//! like, which user agents are robots, which client times are believed, and whether the
//! visitor said yes. A batch that is not a batch is refused whole (400); a bad event is
//! refused alone, with its field errors, and the rest of the batch is kept.

use chrono::{DateTime, Duration, Utc};
use kernel::{ApiError, FieldError};
use serde_json::{Map, Value};
use uuid::Uuid;

/// Events in one batch, at most.
pub const MAX_EVENTS: usize = 100;
/// Bytes of one batch's body, at most (413 beyond).
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// `query` and `target`, in characters.
pub const MAX_SHORT: usize = 200;
/// `path` and `referrer`, in characters.
pub const MAX_URL: usize = 2000;
/// `props`, serialized as JSON, in bytes.
pub const MAX_PROPS_BYTES: usize = 2048;
/// A client time further in the past than this is replaced by the server's.
pub const PAST_SKEW: Duration = Duration::hours(24);
/// A client time further in the future than this is replaced by the server's.
pub const FUTURE_SKEW: Duration = Duration::minutes(5);

/// Lower-case substrings of a `User-Agent` that mark a robot, a script or a headless browser.
/// An absent or blank `User-Agent` is a robot too.
pub const BOT_MARKERS: &[&str] = &[
    "bot",
    "crawl",
    "spider",
    "slurp",
    "headless",
    "phantomjs",
    "selenium",
    "puppeteer",
    "playwright",
    "lighthouse",
    "facebookexternalhit",
    "preview",
    "curl/",
    "wget/",
    "python-requests",
    "python-urllib",
    "aiohttp",
    "httpx",
    "go-http-client",
    "java/",
    "okhttp/2",
    "libwww-perl",
    "scrapy",
    "apache-httpclient",
    "node-fetch",
    "postmanruntime",
];

/// Whether `user_agent` is a robot's (see [`BOT_MARKERS`]).
pub fn is_bot(user_agent: Option<&str>) -> bool {
    let ua = user_agent.map(str::trim).unwrap_or_default().to_ascii_lowercase();
    ua.is_empty() || BOT_MARKERS.iter().any(|m| ua.contains(m))
}

/// What a request says about an anonymous visitor's consent (`X-Analytics-Consent` or the
/// batch's `consent`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    Granted,
    Denied,
}

impl Consent {
    pub fn parse(raw: &str) -> Option<Consent> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "granted" => Some(Consent::Granted),
            "denied" => Some(Consent::Denied),
            _ => None,
        }
    }
}

/// Whether the batch's events may be kept: a signed-in user's only while their analytics
/// consent is granted (`user_consent`, from identity), an anonymous visitor's only when the
/// request says granted; a request that says denied is never kept.
pub fn may_keep(signed_in: bool, user_consent: Option<bool>, header: Option<Consent>, body: Option<Consent>) -> bool {
    if header == Some(Consent::Denied) || body == Some(Consent::Denied) {
        return false;
    }
    if signed_in {
        user_consent == Some(true)
    } else {
        header == Some(Consent::Granted) || body == Some(Consent::Granted)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    PageView,
    ListingView,
    Search,
    Click,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::PageView, Kind::ListingView, Kind::Search, Kind::Click];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::PageView => "page_view",
            Kind::ListingView => "listing_view",
            Kind::Search => "search",
            Kind::Click => "click",
        }
    }

    fn parse(raw: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// One valid event, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub client_id: Uuid,
    pub kind: Kind,
    /// The client's time, or the server's when the client's was not believable.
    pub at: DateTime<Utc>,
    pub listing_id: Option<Uuid>,
    pub path: Option<String>,
    pub query: Option<String>,
    pub target: Option<String>,
    pub referrer: Option<String>,
    pub props: Option<Value>,
}

/// A refused event: its position in the batch and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Rejected {
    pub index: usize,
    pub errors: Vec<FieldError>,
}

/// A parsed batch: its events (still raw) and what it says about consent.
#[derive(Debug)]
pub struct Batch {
    pub events: Vec<Value>,
    pub consent: Option<Consent>,
}

/// The batch in `body`: `{ events: [..] (at most 100), consent? }`, else a 400.
pub fn parse_batch(body: &[u8]) -> Result<Batch, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::invalid_json(format!("The request body is not valid JSON ({})", strip_location(&e.to_string())))
    })?;
    let Value::Object(mut batch) = value else {
        return Err(ApiError::validation(vec![FieldError::new("body", "must be an object { events: [...] }")]));
    };
    let mut errors = Vec::new();
    let consent = match batch.remove("consent") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if Consent::parse(&s).is_some() => Consent::parse(&s),
        Some(_) => {
            errors.push(FieldError::new("consent", "must be granted or denied"));
            None
        }
    };
    let events = match batch.remove("events") {
        Some(Value::Array(events)) if events.len() <= MAX_EVENTS => events,
        Some(Value::Array(_)) => {
            errors.push(FieldError::new("events", format!("at most {MAX_EVENTS} events per batch")));
            Vec::new()
        }
        _ => {
            errors.push(FieldError::new("events", "is required: an array of events"));
            Vec::new()
        }
    };
    if errors.is_empty() { Ok(Batch { events, consent }) } else { Err(ApiError::validation(errors)) }
}

fn strip_location(message: &str) -> &str {
    message.find(" at line ").map_or(message, |i| &message[..i])
}

/// Validates each raw event; the valid ones (times clamped against `now`) and the refused.
pub fn validate(events: &[Value], now: DateTime<Utc>) -> (Vec<Event>, Vec<Rejected>) {
    let mut valid = Vec::new();
    let mut rejected = Vec::new();
    for (index, raw) in events.iter().enumerate() {
        match event(raw, now) {
            Ok(e) => valid.push(e),
            Err(errors) => rejected.push(Rejected { index, errors }),
        }
    }
    (valid, rejected)
}

/// The optional text at `key`, trimmed (empty reads as absent), at most `max` characters.
fn optional_text(e: &Map<String, Value>, key: &str, max: usize, errors: &mut Vec<FieldError>) -> Option<String> {
    match e.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.chars().count() > max => {
            errors.push(FieldError::new(key, format!("must be at most {max} characters")));
            None
        }
        Some(Value::String(s)) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Some(_) => {
            errors.push(FieldError::new(key, "must be a string"));
            None
        }
    }
}

fn uuid_at(e: &Map<String, Value>, key: &str, errors: &mut Vec<FieldError>) -> Option<Uuid> {
    match e.get(key) {
        None | Some(Value::Null) => None,
        Some(v) => {
            let id = v.as_str().and_then(|s| s.trim().parse::<Uuid>().ok());
            if id.is_none() {
                errors.push(FieldError::new(key, "must be a UUID"));
            }
            id
        }
    }
}

/// A client time: believed within [`PAST_SKEW`] before and [`FUTURE_SKEW`] after `now`.
pub fn clamp(at: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    if at < now - PAST_SKEW || at > now + FUTURE_SKEW { now } else { at }
}

fn props(e: &Map<String, Value>, errors: &mut Vec<FieldError>) -> Option<Value> {
    match e.get("props") {
        None | Some(Value::Null) => None,
        Some(Value::Object(map)) => {
            if map.values().any(|v| v.is_object() || v.is_array()) {
                errors.push(FieldError::new("props", "must be flat: strings, numbers, booleans or null"));
                return None;
            }
            let size = serde_json::to_vec(map).map_or(usize::MAX, |b| b.len());
            if size > MAX_PROPS_BYTES {
                errors.push(FieldError::new("props", format!("must be at most {MAX_PROPS_BYTES} bytes")));
                return None;
            }
            (!map.is_empty()).then(|| Value::Object(map.clone()))
        }
        Some(_) => {
            errors.push(FieldError::new("props", "must be an object"));
            None
        }
    }
}

fn event(raw: &Value, now: DateTime<Utc>) -> Result<Event, Vec<FieldError>> {
    let Some(e) = raw.as_object() else { return Err(vec![FieldError::new("event", "must be an object")]) };
    let mut errors = Vec::new();
    let client_id = uuid_at(e, "id", &mut errors);
    if client_id.is_none() && matches!(e.get("id"), None | Some(Value::Null)) {
        errors.push(FieldError::new("id", "is required: a UUID the client generated"));
    }
    let kind = match e.get("type").and_then(Value::as_str) {
        Some(t) => Kind::parse(t.trim()),
        None => None,
    };
    if kind.is_none() {
        errors.push(FieldError::new("type", "must be page_view, listing_view, search or click"));
    }
    let at = match e.get("at").and_then(Value::as_str).map(|s| DateTime::parse_from_rfc3339(s.trim())) {
        Some(Ok(at)) => Some(clamp(at.with_timezone(&Utc), now)),
        _ => {
            errors.push(FieldError::new("at", "is required: an RFC 3339 time, e.g. 2026-03-01T10:00:00Z"));
            None
        }
    };
    let listing_id = uuid_at(e, "listingId", &mut errors);
    if kind == Some(Kind::ListingView) && listing_id.is_none() && matches!(e.get("listingId"), None | Some(Value::Null))
    {
        errors.push(FieldError::new("listingId", "is required for listing_view"));
    }
    let path = optional_text(e, "path", MAX_URL, &mut errors);
    let query = optional_text(e, "query", MAX_SHORT, &mut errors);
    let target = optional_text(e, "target", MAX_SHORT, &mut errors);
    let referrer = optional_text(e, "referrer", MAX_URL, &mut errors);
    let props = props(e, &mut errors);
    match (client_id, kind, at) {
        (Some(client_id), Some(kind), Some(at)) if errors.is_empty() => {
            Ok(Event { client_id, kind, at, listing_id, path, query, target, referrer, props })
        }
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        "2026-03-01T12:00:00Z".parse().unwrap()
    }

    fn fields(r: &Rejected) -> Vec<&str> {
        r.errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn robots_and_blank_agents_are_bots_browsers_are_not() {
        assert!(is_bot(None));
        assert!(is_bot(Some("  ")));
        assert!(is_bot(Some("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")));
        assert!(is_bot(Some("curl/8.5.0")));
        assert!(is_bot(Some("Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0 Safari/537.36")));
        assert!(is_bot(Some("python-requests/2.31")));
        assert!(!is_bot(Some("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 Safari/605.1.15")));
        assert!(!is_bot(Some("Sojourn/3.1 (iPhone; iOS 17.2)")));
    }

    #[test]
    fn consent_rules_for_users_and_visitors() {
        let (g, d) = (Some(Consent::Granted), Some(Consent::Denied));
        assert!(may_keep(true, Some(true), None, None));
        assert!(!may_keep(true, None, g, g), "a signed-in user's own choice decides");
        assert!(!may_keep(true, Some(true), d, None), "a request that says denied is never kept");
        assert!(!may_keep(false, None, None, None));
        assert!(may_keep(false, None, g, None));
        assert!(may_keep(false, None, None, g));
        assert!(!may_keep(false, None, g, d));
    }

    #[test]
    fn client_times_are_believed_within_a_day_back_and_five_minutes_ahead() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(clamp(at("2026-02-28T12:00:01Z"), now()), at("2026-02-28T12:00:01Z"));
        assert_eq!(clamp(at("2026-02-28T11:59:59Z"), now()), now());
        assert_eq!(clamp(at("2026-03-01T12:05:00Z"), now()), at("2026-03-01T12:05:00Z"));
        assert_eq!(clamp(at("2026-03-01T12:05:01Z"), now()), now());
    }

    #[test]
    fn a_batch_must_be_an_object_with_at_most_a_hundred_events() {
        assert_eq!(parse_batch(b"[1]").unwrap_err().code, "validation_failed");
        assert_eq!(parse_batch(b"{\"events\": 3}").unwrap_err().details[0].field, "events");
        assert_eq!(parse_batch(b"{").unwrap_err().code, "invalid_json");
        let many = json!({ "events": vec![json!({}); 101] }).to_string();
        assert_eq!(parse_batch(many.as_bytes()).unwrap_err().details[0].field, "events");
        let bad_consent = json!({ "events": [], "consent": "maybe" }).to_string();
        assert_eq!(parse_batch(bad_consent.as_bytes()).unwrap_err().details[0].field, "consent");
        let ok = json!({ "events": vec![json!({}); 100], "consent": "granted" }).to_string();
        let batch = parse_batch(ok.as_bytes()).unwrap();
        assert_eq!((batch.events.len(), batch.consent), (100, Some(Consent::Granted)));
    }

    #[test]
    fn each_event_is_checked_on_its_own() {
        let good = json!({ "id": Uuid::now_v7(), "type": "listing_view", "at": "2026-03-01T11:00:00+01:00",
            "listingId": Uuid::now_v7(), "path": "/listings/x", "props": { "source": "map", "rank": 3 } });
        let events = vec![
            good.clone(),
            json!({ "type": "listing_view", "at": "yesterday" }),
            json!({ "id": "nope", "type": "hover", "at": "2026-03-01T11:00:00Z", "query": "x".repeat(201) }),
            json!({ "id": Uuid::now_v7(), "type": "click", "at": "2026-03-01T11:00:00Z", "props": { "a": { "b": 1 } } }),
            json!("not an event"),
        ];
        let (valid, rejected) = validate(&events, now());
        assert_eq!(valid.len(), 1);
        assert_eq!(valid[0].at, "2026-03-01T10:00:00Z".parse::<DateTime<Utc>>().unwrap());
        assert_eq!(valid[0].props, Some(json!({ "source": "map", "rank": 3 })));
        assert_eq!(rejected.iter().map(|r| r.index).collect::<Vec<_>>(), [1, 2, 3, 4]);
        assert_eq!(fields(&rejected[0]), ["id", "at", "listingId"]);
        assert_eq!(fields(&rejected[1]), ["id", "type", "query"]);
        assert_eq!(fields(&rejected[2]), ["props"]);
        assert_eq!(fields(&rejected[3]), ["event"]);
    }

    #[test]
    fn props_are_bounded() {
        let big = json!({ "id": Uuid::now_v7(), "type": "page_view", "at": "2026-03-01T11:00:00Z",
            "props": { "blob": "x".repeat(MAX_PROPS_BYTES) } });
        let (_, rejected) = validate(&[big], now());
        assert_eq!(fields(&rejected[0]), ["props"]);
    }
}
