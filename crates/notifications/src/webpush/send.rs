//! Sending one push (RFC 8030 §5) and sorting the push service's answer into what the delivery
//! pipeline does next.
//!
//! | answer | result | the pipeline |
//! |--------|--------|--------------|
//! | 2xx (201 Created as a rule) | `Ok(Sent)` | done |
//! | 404, 410 | `Gone` | removes the subscription |
//! | 408, 429, 5xx, timeout, connection error | `Retry` (with `Retry-After` when given) | retries later |
//! | any other answer (400, 401, 403, 413…) or a payload too large | `Rejected` | gives up |
//!
//! A retried message keeps its `Topic`, so a push service still holding the first attempt
//! replaces it rather than showing both.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::digest;
use reqwest::StatusCode;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::{Subscription, Vapid, WebPushError, b64url, encrypt, subscription};

/// Longest push service answer quoted in a reason.
const MAX_REASON_LEN: usize = 200;
/// RFC 8030 §5.4: a topic is at most 32 characters of the URL-safe base64 alphabet.
const MAX_TOPIC_LEN: usize = 32;

/// How the push service should treat the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushOptions {
    /// How long the push service keeps the message for a browser that is offline (`TTL`, in
    /// seconds; 0 = deliver now or never).
    pub ttl_secs: u32,
    pub urgency: Urgency,
    /// Replaces a pending message with the same topic (see [`topic_from`]); checked by
    /// [`valid_topic`].
    pub topic: Option<String>,
}

impl Default for PushOptions {
    /// A day to reach the browser, normal urgency, no topic.
    fn default() -> Self {
        Self { ttl_secs: 24 * 3600, urgency: Urgency::Normal, topic: None }
    }
}

/// RFC 8030 §5.3: lets a browser on battery receive only what matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Urgency {
    VeryLow,
    Low,
    #[default]
    Normal,
    High,
}

impl Urgency {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::VeryLow => "very-low",
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
        }
    }
}

/// The push service accepted the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The message's URL at the push service (`Location`), when it gave one.
    pub location: Option<String>,
}

/// Why a push was not accepted, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The subscription no longer exists (404/410): remove it.
    #[error("the subscription is gone ({0})")]
    Gone(u16),
    /// Refused for good (bad request, bad credentials, too large…): do not retry.
    #[error("the push was rejected: {0}")]
    Rejected(String),
    /// Failed for now (rate limited, push service down, network): retry, not before the given
    /// delay when the push service set one.
    #[error("the push failed for now: {0}")]
    Retry(String, Option<Duration>),
}

/// A topic derived from any key (e.g. the delivery's id): the first 24 bytes of its SHA-256,
/// base64url — 32 characters, the most RFC 8030 allows.
pub fn topic_from(key: &str) -> String {
    let hash = digest::digest(&digest::SHA256, key.as_bytes());
    b64url(&hash.as_ref()[..24])
}

/// Whether `topic` is 1 to 32 characters of the URL-safe base64 alphabet.
pub fn valid_topic(topic: &str) -> bool {
    (1..=MAX_TOPIC_LEN).contains(&topic.len())
        && topic.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A client for push services: no redirects (a redirect could lead to an address the
/// subscription's validation refused), bounded time, and — unless `allow_private` (tests
/// against a local fake) — names that resolve to a private or local address are not connected
/// to.
pub fn http_client(allow_private: bool) -> Result<reqwest::Client, reqwest::Error> {
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30));
    if allow_private { builder.build() } else { builder.dns_resolver(Arc::new(PublicOnly)).build() }
}

/// Resolves with the system resolver, keeping public addresses only.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|addr| !subscription::is_private(addr.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// Encrypts `payload` for `sub` and POSTs it to its push service, signed with `vapid` at
/// `now_unix`. Never logs keys or the payload.
pub async fn send(
    client: &reqwest::Client,
    vapid: &Vapid,
    sub: &Subscription,
    payload: &[u8],
    opts: &PushOptions,
    now_unix: i64,
) -> Result<Sent, SendError> {
    if let Some(topic) = &opts.topic
        && !valid_topic(topic)
    {
        return Err(SendError::Rejected("the topic must be 1 to 32 URL-safe base64 characters".to_owned()));
    }
    let body = encrypt(&sub.p256dh, &sub.auth, payload).map_err(|e| match e {
        WebPushError::Crypto => SendError::Retry(e.to_string(), None),
        _ => SendError::Rejected(e.to_string()),
    })?;
    let authorization = vapid.authorization(&sub.endpoint, now_unix).map_err(|e| SendError::Rejected(e.to_string()))?;

    let mut request = client
        .post(&sub.endpoint)
        .header("Content-Encoding", "aes128gcm")
        .header("Content-Type", "application/octet-stream")
        .header("TTL", opts.ttl_secs.to_string())
        .header("Urgency", opts.urgency.as_str())
        .header("Authorization", authorization)
        .body(body);
    if let Some(topic) = &opts.topic {
        request = request.header("Topic", topic);
    }
    let response = match request.send().await {
        Ok(response) => response,
        Err(e) if e.is_builder() => {
            return Err(SendError::Rejected(format!("cannot build the request: {}", e.without_url())));
        }
        Err(e) => return Err(SendError::Retry(transport_reason(e), None)),
    };

    let status = response.status();
    if status.is_success() {
        let location = response.headers().get("Location").and_then(|v| v.to_str().ok()).map(str::to_owned);
        return Ok(Sent { location });
    }
    let retry_after = retry_after(response.headers(), now_unix);
    // The push service's explanation (FCM, autopush and APNs send a short text or JSON).
    let text = response.text().await.unwrap_or_default();
    let reason = reason(status, &text);
    Err(match status.as_u16() {
        404 | 410 => SendError::Gone(status.as_u16()),
        408 | 429 => SendError::Retry(reason, retry_after),
        _ if status.is_server_error() => SendError::Retry(reason, retry_after),
        _ => SendError::Rejected(reason),
    })
}

fn transport_reason(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    // reqwest's error shows the URL, which is the subscriber's capability: keep it out.
    format!("{kind}: {}", e.without_url())
}

fn reason(status: StatusCode, body: &str) -> String {
    let body: String = body.trim().chars().filter(|c| !c.is_control()).take(MAX_REASON_LEN).collect();
    if body.is_empty() {
        format!("push service answered {status}")
    } else {
        format!("push service answered {status}: {body}")
    }
}

/// `Retry-After` as seconds, or as an HTTP date relative to `now_unix`.
fn retry_after(headers: &HeaderMap, now_unix: i64) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?.timestamp();
    Some(Duration::from_secs(u64::try_from(at - now_unix).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn topics() {
        let topic = topic_from("delivery 0193a1b2-booking_confirmed-push");
        assert_eq!(topic.len(), 32);
        assert!(valid_topic(&topic));
        assert_eq!(topic, topic_from("delivery 0193a1b2-booking_confirmed-push"));
        assert_ne!(topic, topic_from("delivery 0193a1b3-booking_confirmed-push"));
        assert!(valid_topic("booking-42_A"));
        for bad in ["", "a b", "a+b", "a/b", "a=b", "é", &"a".repeat(33)] {
            assert!(!valid_topic(bad), "{bad}");
        }
    }

    #[test]
    fn urgency_header_values() {
        let all = [Urgency::VeryLow, Urgency::Low, Urgency::Normal, Urgency::High].map(Urgency::as_str);
        assert_eq!(all, ["very-low", "low", "normal", "high"]);
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers, 0), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("120"));
        assert_eq!(retry_after(&headers, 0), Some(Duration::from_secs(120)));
        // Sun, 06 Nov 1994 08:49:37 GMT = 784111777.
        headers.insert(RETRY_AFTER, HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"));
        assert_eq!(retry_after(&headers, 784_111_777 - 30), Some(Duration::from_secs(30)));
        assert_eq!(retry_after(&headers, 784_111_777 + 30), Some(Duration::ZERO));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers, 0), None);
    }

    #[test]
    fn reasons_are_short_single_lines() {
        assert_eq!(reason(StatusCode::BAD_REQUEST, ""), "push service answered 400 Bad Request");
        let long = format!("line\n{}", "x".repeat(500));
        let text = reason(StatusCode::FORBIDDEN, &long);
        assert!(!text.contains('\n'));
        assert!(text.len() < 260);
    }

    #[tokio::test]
    async fn private_names_are_not_resolved_by_the_public_client() {
        let addrs = PublicOnly.resolve("localhost".parse().unwrap()).await;
        assert!(addrs.is_err());
    }
}
