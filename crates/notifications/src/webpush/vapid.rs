//! VAPID (RFC 8292): how this server proves to a push service that it is the one the browser
//! subscribed with.
//!
//! The deployment configures one secret, `vapid_private_key`, read in one of two ways:
//!
//! - **a raw P-256 private key**: base64url (padding optional) of the 32-byte big-endian scalar,
//!   which is what `npx web-push generate-vapid-keys` prints as its private key. It is used as
//!   is, so keys made elsewhere (and the subscriptions browsers hold for them) keep working. A
//!   32-byte value that is not a valid scalar (zero, or not below the curve order) is refused.
//! - **any other string** (the development mode generates random hex secrets): the scalar is
//!   derived from it deterministically with HKDF-SHA-256 (salt `sojourn/webpush/vapid`, info a
//!   counter byte, from 0 until the output is a valid scalar — the first try fails with
//!   probability about 2⁻³²). The same secret always gives the same key, so subscriptions
//!   survive restarts.
//!
//! [`Vapid::public_key_b64url`] is what browsers take as `applicationServerKey`. Each request
//! carries `Authorization: vapid t=<JWT>, k=<public key>`, the JWT being ES256 over
//! `{aud: the endpoint's origin, exp: now + 12 h, sub: the contact URL}`. A token is reused for
//! an hour per audience, so a burst of pushes signs once per push service.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use aws_lc_rs::agreement::{ECDH_P256, PrivateKey};
use aws_lc_rs::hkdf::{self, HKDF_SHA256};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use reqwest::Url;

use super::{WebPushError, b64url, b64url_decode};

/// How long a token is valid (push services refuse more than 24 hours).
pub const TOKEN_LIFETIME_SECS: i64 = 12 * 3600;
/// How long a signed token is reused for one audience.
const REUSE_SECS: i64 = 3600;
/// Audiences are the few push services; past this many the cache is simply emptied.
const MAX_CACHED: usize = 64;
/// The order of the P-256 group: a private scalar is in [1, N).
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa,
    0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];
const DERIVATION_SALT: &[u8] = b"sojourn/webpush/vapid";

/// Where the key came from (so a deployment can warn when a production secret was not a key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// The secret was a base64url raw P-256 private key.
    Raw,
    /// The secret was another string; the key was derived from it.
    Derived,
}

/// This server's VAPID identity: a P-256 signing key and a contact URL.
pub struct Vapid {
    key: EcdsaKeyPair,
    public_b64: String,
    subject: String,
    source: KeySource,
    tokens: Mutex<HashMap<String, Token>>,
}

struct Token {
    exp: i64,
    header: String,
}

impl fmt::Debug for Vapid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vapid")
            .field("public_key", &self.public_b64)
            .field("subject", &self.subject)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl Vapid {
    /// The key from the configured secret (see the module doc), with `subject` the contact
    /// push services may use: a `mailto:` or `https:` URL.
    pub fn from_secret(secret: &str, subject: String) -> Result<Self, WebPushError> {
        if let Some(raw) = b64url_decode(secret).filter(|b| b.len() == 32) {
            let scalar: [u8; 32] = raw.try_into().map_err(|_| WebPushError::InvalidKey)?;
            if !valid_scalar(&scalar) {
                return Err(WebPushError::InvalidKey);
            }
            return Self::new(&scalar, subject, KeySource::Raw);
        }
        let scalar = derive_scalar(secret)?;
        Self::new(&scalar, subject, KeySource::Derived)
    }

    fn new(scalar: &[u8; 32], subject: String, source: KeySource) -> Result<Self, WebPushError> {
        if !valid_subject(&subject) {
            return Err(WebPushError::InvalidSubject);
        }
        let ecdh = PrivateKey::from_private_key(&ECDH_P256, scalar).map_err(|_| WebPushError::InvalidKey)?;
        let public = super::ece::public_key(&ecdh)?;
        let key = EcdsaKeyPair::from_private_key_and_public_key(&ECDSA_P256_SHA256_FIXED_SIGNING, scalar, &public)
            .map_err(|_| WebPushError::InvalidKey)?;
        Ok(Self { key, public_b64: b64url(&public), subject, source, tokens: Mutex::new(HashMap::new()) })
    }

    /// The 65-byte uncompressed public key, base64url without padding: the browser's
    /// `applicationServerKey`.
    pub fn public_key_b64url(&self) -> &str {
        &self.public_b64
    }

    /// The contact URL put in every token's `sub`.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    pub fn key_source(&self) -> KeySource {
        self.source
    }

    /// The `Authorization` header value for a request to `endpoint` at `now_unix`:
    /// `vapid t=<JWT>, k=<public key>`.
    pub fn authorization(&self, endpoint: &str, now_unix: i64) -> Result<String, WebPushError> {
        let aud = audience(endpoint)?;
        let mut tokens = self.tokens.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(token) = tokens.get(&aud) {
            let left = token.exp - now_unix;
            if left > TOKEN_LIFETIME_SECS - REUSE_SECS && left <= TOKEN_LIFETIME_SECS {
                return Ok(token.header.clone());
            }
        }
        let exp = now_unix + TOKEN_LIFETIME_SECS;
        let header = format!("vapid t={}, k={}", self.jwt(&aud, exp)?, self.public_b64);
        if tokens.len() >= MAX_CACHED {
            tokens.clear();
        }
        tokens.insert(aud, Token { exp, header: header.clone() });
        Ok(header)
    }

    fn jwt(&self, aud: &str, exp: i64) -> Result<String, WebPushError> {
        let header = b64url(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({ "aud": aud, "exp": exp, "sub": self.subject });
        let signing_input = format!("{header}.{}", b64url(claims.to_string().as_bytes()));
        let signature =
            self.key.sign(&SystemRandom::new(), signing_input.as_bytes()).map_err(|_| WebPushError::Crypto)?;
        Ok(format!("{signing_input}.{}", b64url(signature.as_ref())))
    }
}

/// The origin (`scheme://host[:port]`) of a push endpoint: the token's audience.
fn audience(endpoint: &str) -> Result<String, WebPushError> {
    let url = Url::parse(endpoint).map_err(|_| WebPushError::InvalidEndpoint)?;
    if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
        return Err(WebPushError::InvalidEndpoint);
    }
    Ok(url.origin().ascii_serialization())
}

fn valid_subject(subject: &str) -> bool {
    if subject.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Ok(url) = Url::parse(subject) else { return false };
    match url.scheme() {
        "mailto" => url.path().split_once('@').is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty()),
        "https" => url.host_str().is_some_and(|h| !h.is_empty()),
        _ => false,
    }
}

fn valid_scalar(scalar: &[u8; 32]) -> bool {
    scalar.iter().any(|&b| b != 0) && *scalar < P256_ORDER
}

fn derive_scalar(secret: &str) -> Result<[u8; 32], WebPushError> {
    struct Len32;
    impl hkdf::KeyType for Len32 {
        fn len(&self) -> usize {
            32
        }
    }
    let prk = hkdf::Salt::new(HKDF_SHA256, DERIVATION_SALT).extract(secret.as_bytes());
    for counter in 0..=u8::MAX {
        let mut scalar = [0u8; 32];
        prk.expand(&[&[counter]], Len32).and_then(|okm| okm.fill(&mut scalar)).map_err(|_| WebPushError::Crypto)?;
        if valid_scalar(&scalar) {
            return Ok(scalar);
        }
    }
    Err(WebPushError::Crypto)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
    use serde_json::Value;

    use super::*;

    const SUBJECT: &str = "mailto:ops@sojourn.example";
    // RFC 8291 Appendix A's application server key pair: a raw private key and its public key.
    const RFC_PRIVATE: &str = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    const RFC_PUBLIC: &str = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";

    fn vapid(secret: &str) -> Vapid {
        Vapid::from_secret(secret, SUBJECT.to_owned()).unwrap()
    }

    /// Splits `vapid t=…, k=…`, checks the signature with `k` and returns the claims.
    fn verify(header: &str) -> (Value, String) {
        let rest = header.strip_prefix("vapid t=").unwrap();
        let (jwt, k) = rest.split_once(", k=").unwrap();
        let (signing_input, signature) = jwt.rsplit_once('.').unwrap();
        let public = b64url_decode(k).unwrap();
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &public)
            .verify(signing_input.as_bytes(), &b64url_decode(signature).unwrap())
            .expect("the signature verifies with k");
        let (head, claims) = signing_input.split_once('.').unwrap();
        let head: Value = serde_json::from_slice(&b64url_decode(head).unwrap()).unwrap();
        assert_eq!(head, serde_json::json!({"typ": "JWT", "alg": "ES256"}));
        (serde_json::from_slice(&b64url_decode(claims).unwrap()).unwrap(), k.to_owned())
    }

    #[test]
    fn a_raw_key_is_used_as_is() {
        let v = vapid(RFC_PRIVATE);
        assert_eq!(v.key_source(), KeySource::Raw);
        assert_eq!(v.public_key_b64url(), RFC_PUBLIC);
        // With padding too.
        assert_eq!(vapid(&format!("{RFC_PRIVATE}=")).public_key_b64url(), RFC_PUBLIC);
    }

    #[test]
    fn other_secrets_derive_a_stable_key() {
        let secret = "3f9a0c1e5b7d2a4c6e8f0a1b3c5d7e9f00112233445566778899aabbccddeeff0123456789abcdef";
        let one = vapid(secret);
        assert_eq!(one.key_source(), KeySource::Derived);
        assert_eq!(one.public_key_b64url(), vapid(secret).public_key_b64url());
        assert_ne!(one.public_key_b64url(), vapid("another development secret, long enough").public_key_b64url());
        let public = b64url_decode(one.public_key_b64url()).unwrap();
        assert_eq!(public.len(), 65);
        assert_eq!(public[0], 4);
    }

    #[test]
    fn invalid_raw_scalars_are_refused() {
        assert_eq!(Vapid::from_secret(&b64url(&[0; 32]), SUBJECT.into()).err(), Some(WebPushError::InvalidKey));
        assert_eq!(Vapid::from_secret(&b64url(&P256_ORDER), SUBJECT.into()).err(), Some(WebPushError::InvalidKey));
        assert_eq!(Vapid::from_secret(&b64url(&[0xff; 32]), SUBJECT.into()).err(), Some(WebPushError::InvalidKey));
        let mut below = P256_ORDER;
        below[31] -= 1;
        assert!(Vapid::from_secret(&b64url(&below), SUBJECT.into()).is_ok());
    }

    #[test]
    fn the_subject_must_be_mailto_or_https() {
        for good in ["mailto:ops@sojourn.example", "https://sojourn.example/contact"] {
            assert!(Vapid::from_secret(RFC_PRIVATE, good.into()).is_ok(), "{good}");
        }
        for bad in
            ["", "ops@sojourn.example", "mailto:", "mailto:ops", "http://sojourn.example", "https://", "ftp://x.y"]
        {
            assert_eq!(Vapid::from_secret(RFC_PRIVATE, bad.into()).err(), Some(WebPushError::InvalidSubject), "{bad}");
        }
    }

    #[test]
    fn the_token_is_es256_over_aud_exp_sub() {
        let v = vapid(RFC_PRIVATE);
        let now = 1_700_000_000;
        let header = v.authorization("https://fcm.googleapis.com/fcm/send/abc:def?x=1", now).unwrap();
        let (claims, k) = verify(&header);
        assert_eq!(k, RFC_PUBLIC);
        assert_eq!(
            claims,
            serde_json::json!({"aud": "https://fcm.googleapis.com", "exp": now + 12 * 3600, "sub": SUBJECT})
        );
        let (claims, _) = verify(&v.authorization("http://127.0.0.1:8443/push/1", now).unwrap());
        assert_eq!(claims["aud"], "http://127.0.0.1:8443");
    }

    #[test]
    fn a_forged_token_does_not_verify() {
        let v = vapid(RFC_PRIVATE);
        let header = v.authorization("https://push.example/x", 1_700_000_000).unwrap();
        let (jwt, _) = header.strip_prefix("vapid t=").unwrap().split_once(", k=").unwrap();
        let (signing_input, signature) = jwt.rsplit_once('.').unwrap();
        let other = vapid("some other secret that derives another key");
        let public = b64url_decode(other.public_key_b64url()).unwrap();
        let result = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &public)
            .verify(signing_input.as_bytes(), &b64url_decode(signature).unwrap());
        assert!(result.is_err());
    }

    #[test]
    fn tokens_are_reused_for_an_hour_per_audience() {
        let v = vapid(RFC_PRIVATE);
        let now = 1_700_000_000;
        let first = v.authorization("https://push.example/a", now).unwrap();
        // ECDSA signatures are randomised: equal headers mean the token was reused.
        assert_eq!(v.authorization("https://push.example/b", now + 3599).unwrap(), first);
        assert_ne!(v.authorization("https://other.example/a", now).unwrap(), first);
        let later = v.authorization("https://push.example/a", now + 3600).unwrap();
        assert_ne!(later, first);
        assert_eq!(verify(&later).0["exp"], now + 3600 + 12 * 3600);
        // A clock that went back does not get a token expiring more than 12 h ahead.
        let (claims, _) = verify(&v.authorization("https://push.example/a", now).unwrap());
        assert_eq!(claims["exp"], now + 12 * 3600);
    }

    #[test]
    fn endpoints_without_an_origin_are_refused() {
        let v = vapid(RFC_PRIVATE);
        for bad in ["", "push.example/x", "mailto:a@b.c", "file:///etc/passwd"] {
            assert_eq!(v.authorization(bad, 0), Err(WebPushError::InvalidEndpoint), "{bad}");
        }
    }

    #[test]
    fn debug_shows_no_private_key() {
        let text = format!("{:?}", vapid(RFC_PRIVATE));
        assert!(text.contains(RFC_PUBLIC));
        assert!(!text.contains(RFC_PRIVATE));
    }
}
