//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) — what
//! every authenticator app speaks. Secrets are 160 bits, shown to the user in base32.

use aws_lc_rs::hmac;

const STEP: i64 = 30;
const DIGITS: u32 = 6;
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in text.chars().filter(|c| *c != '=' && !c.is_whitespace()) {
        let value = BASE32.iter().position(|b| char::from(*b) == c.to_ascii_uppercase())?;
        buffer = (buffer << 5) | u32::try_from(value).ok()?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

/// The code for `secret` at unix time `at`.
pub fn code_at(secret: &[u8], at: i64) -> String {
    let counter = at.div_euclid(STEP);
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let tag = hmac::sign(&key, &counter.to_be_bytes());
    let mac = tag.as_ref();
    let offset = usize::from(mac.last().copied().unwrap_or(0) & 0x0f);
    let word = mac.get(offset..offset + 4).map_or(0, |w| u32::from_be_bytes([w[0] & 0x7f, w[1], w[2], w[3]]));
    format!("{:0width$}", word % 10u32.pow(DIGITS), width = DIGITS as usize)
}

/// The time step a code matches at `now`, allowing one step of drift either way.
pub fn matching_step(secret: &[u8], code: &str, now: i64) -> Option<i64> {
    let code = code.trim();
    if code.len() != DIGITS as usize || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    [0, -1, 1].into_iter().map(|d| now + d * STEP).find_map(|t| {
        let expected = code_at(secret, t);
        platform::secrets::constant_time_eq(expected.as_bytes(), code.as_bytes()).then(|| t.div_euclid(STEP))
    })
}

/// `otpauth://` URI for authenticator apps (QR code content).
pub fn otpauth_uri(issuer: &str, account: &str, secret_b32: &str) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret_b32}&issuer={}&algorithm=SHA1&digits=6&period=30",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B (8-digit values; the 6-digit code is their last six digits).
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, 59), "287082");
        assert_eq!(code_at(secret, 1_111_111_109), "081804");
        assert_eq!(code_at(secret, 1_234_567_890), "005924");
        assert_eq!(code_at(secret, 20_000_000_000), "353130");
    }

    #[test]
    fn base32_round_trip_and_drift_window() {
        let secret = b"12345678901234567890";
        let text = base32_encode(secret);
        assert_eq!(text, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(base32_decode(&text).as_deref(), Some(&secret[..]));
        let now = 1_700_000_000;
        assert!(matching_step(secret, &code_at(secret, now - 30), now).is_some());
        assert!(matching_step(secret, &code_at(secret, now - 90), now).is_none());
        assert!(matching_step(secret, "12345", now).is_none());
    }
}
