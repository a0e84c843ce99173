//! Web Push: what the server needs to send a notification to a browser through its push
//! service (Mozilla's autopush, Google's FCM, Apple's, Microsoft's), with no third-party push
//! account — only the open protocols:
//!
//! - [`Vapid`] (RFC 8292) identifies this server to push services: every request carries a
//!   short-lived ES256 JWT signed with one P-256 key, and the browser subscribed with that key's
//!   public half (`applicationServerKey`), so only we can push to our subscribers.
//! - [`encrypt`] (RFC 8291, the `aes128gcm` content coding of RFC 8188) encrypts each payload
//!   for one subscription's keys, so the push service relays bytes it cannot read. [`decrypt`]
//!   is the browser's side, for tests.
//! - [`Subscription::parse`] validates what a browser's `PushSubscription.toJSON()` gives us.
//!   The endpoint is a URL the server will POST to, so it is an SSRF vector: private, loopback
//!   and link-local addresses are refused (tests opt in with `allow_private`).
//! - [`send`] makes the request (RFC 8030) and sorts the answer into what the delivery pipeline
//!   must do next: done, remove the subscription, give up, or retry (honouring `Retry-After`).
//!
//! Keys, auth secrets and payloads are never logged.

mod ece;
mod send;
mod subscription;
mod vapid;

pub use ece::{MAX_PLAINTEXT_LEN, RECORD_SIZE, decrypt, encrypt};
pub use send::{PushOptions, SendError, Sent, Urgency, http_client, send, topic_from, valid_topic};
pub use subscription::Subscription;
pub use vapid::{KeySource, TOKEN_LIFETIME_SECS, Vapid};

use base64::Engine as _;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Why a Web Push operation failed (before any request was made).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebPushError {
    /// The VAPID subject is not a `mailto:` or `https:` URL.
    #[error("the VAPID subject must be a mailto: or https: URL")]
    InvalidSubject,
    /// The endpoint is not an absolute http(s) URL, so it has no origin to put in `aud`.
    #[error("the push endpoint is not an absolute http(s) URL")]
    InvalidEndpoint,
    /// A key is not a valid P-256 key (not on the curve, wrong length, scalar out of range).
    #[error("invalid P-256 key")]
    InvalidKey,
    /// The plaintext does not fit in one record of a 4096-byte push message.
    #[error("the payload has {len} bytes; at most {max} fit in one push message")]
    PayloadTooLarge { len: usize, max: usize },
    /// An encrypted body that is not a well-formed single `aes128gcm` record.
    #[error("malformed aes128gcm body: {0}")]
    Malformed(&'static str),
    /// The record did not authenticate (wrong keys, or altered in transit).
    #[error("the message could not be decrypted")]
    Decrypt,
    /// The crypto library failed (no randomness, internal error).
    #[error("cryptographic operation failed")]
    Crypto,
}

/// base64url without padding: how every Web Push key travels.
pub(crate) fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// base64url, with or without padding (browsers omit it, some libraries add it).
pub(crate) fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &URL_SAFE,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    LENIENT.decode(text).ok()
}
