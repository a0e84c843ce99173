//! Webhook signatures in Stripe's scheme: the `Stripe-Signature` header carries `t=<unix
//! seconds>` and one or more `v1=<hex>`, each `v1` being HMAC-SHA256(secret, "<t>.<raw body>").
//! A delivery is accepted when one `v1` matches (compared in constant time) and `t` is within
//! the tolerance of now, which stops replays of old deliveries.

use aws_lc_rs::hmac;

/// How far `t` may be from now, in seconds.
pub const TOLERANCE_SECS: i64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    /// No `t=` or no `v1=`, or something unreadable.
    Malformed,
    /// `t` is too far from now.
    Stale,
    /// No `v1` matches.
    Mismatch,
}

/// The `v1` signature of `body` sent at `timestamp`, as lowercase hex.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(timestamp.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body);
    ctx.sign().as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The header a sender puts on `body`.
pub fn header(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", sign(secret, timestamp, body))
}

fn unhex(raw: &str) -> Option<Vec<u8>> {
    if !raw.len().is_multiple_of(2) || raw.len() > 256 {
        return None;
    }
    (0..raw.len()).step_by(2).map(|i| u8::from_str_radix(raw.get(i..i + 2)?, 16).ok()).collect()
}

/// Checks `header` for `body` at `now` (unix seconds).
pub fn verify(secret: &str, header: &str, body: &[u8], now: i64) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',').take(16) {
        match part.trim().split_once('=') {
            Some(("t", v)) => timestamp = v.parse::<i64>().ok(),
            Some(("v1", v)) => candidates.extend(unhex(v)),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if candidates.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - timestamp).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut signed = Vec::with_capacity(body.len() + 12);
    signed.extend_from_slice(timestamp.to_string().as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(body);
    // `hmac::verify` compares in constant time.
    if candidates.iter().any(|tag| hmac::verify(&key, &signed, tag).is_ok()) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"id":"evt_test","object":"event"}"#;

    #[test]
    fn the_known_vector_signs_and_verifies() {
        let expected = "8042376f6ca064adbe037642a718227dfd59047137eb49497a54c49eb0cfb724";
        assert_eq!(sign("whsec_test_secret", 1_700_000_000, BODY), expected);
        let header = format!("t=1700000000,v1={expected}");
        assert_eq!(verify("whsec_test_secret", &header, BODY, 1_700_000_100), Ok(()));
    }

    #[test]
    fn forged_stale_and_malformed_deliveries_are_refused() {
        let good = sign("whsec_test_secret", 1_700_000_000, BODY);
        let now = 1_700_000_000;
        // Several v1 (a secret being rotated): one match is enough.
        let rotated = format!("t=1700000000,v1={},v1={good}", "00".repeat(32));
        assert_eq!(verify("whsec_test_secret", &rotated, BODY, now), Ok(()));
        let forged = format!("t=1700000000,v1={}", sign("another_secret", 1_700_000_000, BODY));
        assert_eq!(verify("whsec_test_secret", &forged, BODY, now), Err(SignatureError::Mismatch));
        let tampered = br#"{"id":"evt_test","object":"event","amount":1}"#;
        assert_eq!(
            verify("whsec_test_secret", &format!("t=1700000000,v1={good}"), tampered, now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify("whsec_test_secret", &format!("t=1700000000,v1={good}"), BODY, now + 301),
            Err(SignatureError::Stale)
        );
        for bad in ["", "t=1700000000", &format!("v1={good}"), "t=soon,v1=zz", "t=1700000000,v1=abc"] {
            assert_eq!(verify("whsec_test_secret", bad, BODY, now), Err(SignatureError::Malformed), "{bad}");
        }
    }
}
