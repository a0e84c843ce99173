//! A browser's push subscription, as `PushSubscription.toJSON()` gives it:
//! `{ "endpoint": "https://…", "expirationTime": null, "keys": { "p256dh": "…", "auth": "…" } }`.
//!
//! The endpoint is where the server will POST, chosen by whoever registers the subscription,
//! so it is validated like any server-side fetch target (SSRF): `https` only, no credentials in
//! it, and no host that names this machine or a private network (loopback, RFC 1918, shared
//! CGNAT, link-local, unique-local, unspecified, `localhost`). `allow_private` lifts those rules
//! (and allows `http`) for tests against a local fake. A name that *resolves* to a private
//! address is not caught here; the client used for sending should not follow redirects
//! ([`super::http_client`]).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use aws_lc_rs::agreement::{ECDH_P256, ParsedPublicKey, UnparsedPublicKey};
use kernel::FieldError;
use reqwest::Url;
use serde_json::Value;

use super::b64url_decode;

/// Longest accepted endpoint, in bytes.
const MAX_ENDPOINT_LEN: usize = 2048;

/// Where and for whom to encrypt a push.
#[derive(Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The push service URL to POST to (as the browser gave it).
    pub endpoint: String,
    /// The browser's ECDH P-256 public key, an uncompressed point on the curve.
    pub p256dh: [u8; 65],
    /// The browser's authentication secret.
    pub auth: [u8; 16],
}

impl std::fmt::Debug for Subscription {
    /// The endpoint only: the keys are the subscriber's.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription").field("endpoint", &self.endpoint).finish_non_exhaustive()
    }
}

impl Subscription {
    /// Validates a `PushSubscription.toJSON()` object, naming each bad field (`endpoint`,
    /// `keys`, `keys.p256dh`, `keys.auth`). `expirationTime` is ignored.
    pub fn parse(json: &Value, allow_private: bool) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let endpoint = match json.get("endpoint") {
            None | Some(Value::Null) => {
                errors.push(FieldError::new("endpoint", "is required"));
                None
            }
            Some(Value::String(s)) => match check_endpoint(s, allow_private) {
                Ok(()) => Some(s.clone()),
                Err(message) => {
                    errors.push(FieldError::new("endpoint", message));
                    None
                }
            },
            Some(_) => {
                errors.push(FieldError::new("endpoint", "must be a string"));
                None
            }
        };
        let (mut p256dh, mut auth) = (None, None);
        match json.get("keys") {
            Some(Value::Object(keys)) => {
                p256dh = key_field(keys.get("p256dh"), "keys.p256dh", &mut errors, |bytes| {
                    let point: [u8; 65] = bytes.try_into().map_err(|_| "must be a 65-byte uncompressed P-256 key")?;
                    if point[0] != 0x04 {
                        return Err("must be a 65-byte uncompressed P-256 key");
                    }
                    // Importing checks that the point is on the curve.
                    ParsedPublicKey::try_from(&UnparsedPublicKey::new(&ECDH_P256, &point))
                        .map_err(|_| "is not a point on the P-256 curve")?;
                    Ok(point)
                });
                auth = key_field(keys.get("auth"), "keys.auth", &mut errors, |bytes| {
                    bytes.try_into().map_err(|_| "must be 16 bytes")
                });
            }
            None | Some(Value::Null) => errors.push(FieldError::new("keys", "is required")),
            Some(_) => errors.push(FieldError::new("keys", "must be an object with p256dh and auth")),
        }
        match (endpoint, p256dh, auth) {
            (Some(endpoint), Some(p256dh), Some(auth)) if errors.is_empty() => Ok(Self { endpoint, p256dh, auth }),
            _ => Err(errors),
        }
    }
}

/// Decodes a base64url key and checks its bytes with `check`, recording an error on `field`.
fn key_field<T>(
    value: Option<&Value>,
    field: &str,
    errors: &mut Vec<FieldError>,
    check: impl FnOnce(Vec<u8>) -> Result<T, &'static str>,
) -> Option<T> {
    let result = match value {
        None | Some(Value::Null) => Err("is required"),
        Some(Value::String(text)) => b64url_decode(text).ok_or("must be base64url").and_then(check),
        Some(_) => Err("must be a base64url string"),
    };
    result.map_err(|message| errors.push(FieldError::new(field, message))).ok()
}

fn check_endpoint(endpoint: &str, allow_private: bool) -> Result<(), &'static str> {
    if endpoint.len() > MAX_ENDPOINT_LEN {
        return Err("must be at most 2048 bytes");
    }
    let url = Url::parse(endpoint).map_err(|_| "must be an absolute https URL")?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err("must be an absolute https URL"),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain credentials");
    }
    let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
        return Err("must be an absolute https URL");
    };
    if allow_private {
        return Ok(());
    }
    // The URL parser has normalised IP literals (`0x7f.1` is `127.0.0.1`, IPv6 is bracketed).
    let literal = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    let private = match literal.parse::<IpAddr>() {
        Ok(ip) => is_private(ip),
        Err(_) => {
            let name = host.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    };
    if private { Err("must not point to a local or private address") } else { Ok(()) }
}

fn private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        // 0.0.0.0/8 ("this network") and 100.64.0.0/10 (carrier-grade NAT, RFC 6598).
        || a == 0
        || (a == 100 && (64..128).contains(&b))
}

fn private_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return private_v4(v4);
    }
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
}

/// Whether an address is one [`Subscription::parse`] refuses (for a caller that resolves names).
pub(crate) fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => private_v4(v4),
        IpAddr::V6(v6) => private_v6(v6),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use serde_json::json;

    use super::*;
    use crate::webpush::b64url;

    // RFC 8291 Appendix A's user agent keys: a real point on the curve.
    const P256DH: &str = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";

    fn sub(endpoint: &str) -> Value {
        json!({"endpoint": endpoint, "expirationTime": null, "keys": {"p256dh": P256DH, "auth": AUTH}})
    }

    fn fields(result: Result<Subscription, Vec<FieldError>>) -> Vec<String> {
        result.expect_err("refused").into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_browser_subscription_parses() {
        let endpoint = "https://fcm.googleapis.com/fcm/send/dGVzdA:APA91b";
        let s = Subscription::parse(&sub(endpoint), false).unwrap();
        assert_eq!(s.endpoint, endpoint);
        assert_eq!(b64url(&s.p256dh), P256DH);
        assert_eq!(b64url(&s.auth), AUTH);
        // Padded base64url is accepted too.
        let mut padded = sub(endpoint);
        padded["keys"]["p256dh"] = json!(format!("{P256DH}="));
        padded["keys"]["auth"] = json!(format!("{AUTH}=="));
        assert_eq!(Subscription::parse(&padded, false).unwrap(), s);
    }

    #[test]
    fn private_and_local_endpoints_are_refused() {
        for endpoint in [
            "https://127.0.0.1/push",
            "https://127.8.9.10:8443/push",
            "https://10.0.0.5/push",
            "https://172.16.1.1/push",
            "https://192.168.1.1/push",
            "https://169.254.169.254/latest/meta-data",
            "https://0.0.0.0/push",
            "https://100.64.0.1/push",
            "https://255.255.255.255/push",
            "https://[::1]/push",
            "https://[::]/push",
            "https://[fd00::1]/push",
            "https://[fe80::1]/push",
            "https://[::ffff:127.0.0.1]/push",
            "https://[::ffff:10.1.2.3]/push",
            "https://localhost/push",
            "https://LOCALHOST./push",
            "https://push.localhost/push",
            "https://2130706433/push", // 127.0.0.1 written as one number
            "https://0x7f.1/push",
        ] {
            assert_eq!(fields(Subscription::parse(&sub(endpoint), false)), ["endpoint"], "{endpoint}");
        }
        // Public addresses are fine.
        assert!(Subscription::parse(&sub("https://8.8.8.8/push"), false).is_ok());
        assert!(Subscription::parse(&sub("https://[2001:4860::1]/push"), false).is_ok());
        assert!(Subscription::parse(&sub("https://100.128.0.1/push"), false).is_ok());
    }

    #[test]
    fn allow_private_admits_the_local_fake() {
        let endpoint = "http://127.0.0.1:40123/push/abc";
        assert_eq!(fields(Subscription::parse(&sub(endpoint), false)), ["endpoint"]);
        assert_eq!(Subscription::parse(&sub(endpoint), true).unwrap().endpoint, endpoint);
        // Still no other scheme or credentials.
        assert_eq!(fields(Subscription::parse(&sub("ftp://127.0.0.1/x"), true)), ["endpoint"]);
        assert_eq!(fields(Subscription::parse(&sub("http://u:p@127.0.0.1/x"), true)), ["endpoint"]);
    }

    #[test]
    fn malformed_endpoints_are_refused() {
        let long = format!("https://push.example/{}", "a".repeat(2048));
        for endpoint in [
            json!("http://push.example/x"),
            json!("push.example/x"),
            json!("/push/x"),
            json!("https://user@push.example/x"),
            json!("https://user:secret@push.example/x"),
            json!("javascript:alert(1)"),
            json!(""),
            json!(long),
            json!(42),
            json!(null),
        ] {
            let mut value = sub("https://push.example/x");
            value["endpoint"] = endpoint.clone();
            assert_eq!(fields(Subscription::parse(&value, false)), ["endpoint"], "{endpoint}");
        }
        let mut missing = sub("https://push.example/x");
        missing.as_object_mut().unwrap().remove("endpoint");
        assert_eq!(fields(Subscription::parse(&missing, false)), ["endpoint"]);
    }

    #[test]
    fn bad_keys_are_named() {
        let base = sub("https://push.example/x");
        let mut off_curve = b64url_decode(P256DH).unwrap();
        off_curve[64] ^= 1;
        let mut compressed = b64url_decode(P256DH).unwrap();
        compressed[0] = 0x02;
        for (p256dh, why) in [
            (json!(b64url(&off_curve)), "off the curve"),
            (json!(b64url(&compressed)), "wrong prefix"),
            (json!(b64url(&[4u8; 33])), "too short"),
            (json!("not base64!"), "not base64"),
            (json!(P256DH.replace('-', "+").replace('_', "/")), "standard alphabet"),
            (json!(7), "not a string"),
            (json!(null), "null"),
        ] {
            let mut value = base.clone();
            value["keys"]["p256dh"] = p256dh;
            assert_eq!(fields(Subscription::parse(&value, false)), ["keys.p256dh"], "{why}");
        }
        for auth in [json!(b64url(&[1u8; 15])), json!(b64url(&[1u8; 17])), json!("@@"), json!([])] {
            let mut value = base.clone();
            value["keys"]["auth"] = auth.clone();
            assert_eq!(fields(Subscription::parse(&value, false)), ["keys.auth"], "{auth}");
        }
        for keys in [json!(null), json!("x"), json!([])] {
            let mut value = base.clone();
            value["keys"] = keys.clone();
            assert_eq!(fields(Subscription::parse(&value, false)), ["keys"], "{keys}");
        }
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let value = json!({"endpoint": "https://localhost/x", "keys": {"p256dh": "", "auth": ""}});
        assert_eq!(fields(Subscription::parse(&value, false)), ["endpoint", "keys.p256dh", "keys.auth"]);
        assert_eq!(fields(Subscription::parse(&json!("nope"), false)), ["endpoint", "keys"]);
    }

    #[test]
    fn debug_hides_the_keys() {
        let s = Subscription::parse(&sub("https://push.example/x"), false).unwrap();
        let text = format!("{s:?}");
        assert!(text.contains("push.example"));
        assert!(!text.contains("p256dh") && !text.contains("auth"));
    }
}
