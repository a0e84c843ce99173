//! The 6-digit codes that prove a phone number. A code has only a million values, so a plain
//! hash of it (as email links are stored) would be reversed in a blink from a database dump:
//! the stored form is an HMAC under a key derived from the context's secret, bound to the
//! account and the number, and it is compared in constant time. Guessing online is bounded by
//! the attempts a pending code allows (see `service::phone`).

use aws_lc_rs::hmac;
use uuid::Uuid;

use super::secret::{RandomError, random_bytes};

/// Digits in a code.
pub const CODE_LEN: usize = 6;

/// A new code, uniform over `000000`–`999999`, from the OS's CSPRNG.
pub fn new_code() -> Result<String, RandomError> {
    // Rejection sampling: 4 294 000 000 is the largest multiple of 10^6 below 2^32, so every
    // code is equally likely.
    const LIMIT: u32 = 4_294_000_000;
    loop {
        let n = u32::from_le_bytes(random_bytes::<4>()?);
        if n < LIMIT {
            return Ok(format!("{:06}", n % 1_000_000));
        }
    }
}

/// `raw` as a code (surrounding spaces ignored), if it is 6 ASCII digits.
pub fn parse(raw: &str) -> Option<&str> {
    let code = raw.trim();
    (code.len() == CODE_LEN && code.bytes().all(|b| b.is_ascii_digit())).then_some(code)
}

/// Keys the digests of codes.
pub struct CodeKey(hmac::Key);

impl std::fmt::Debug for CodeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeKey([redacted])")
    }
}

impl CodeKey {
    /// A key of its own, derived from `secret` (the context's sealing secret), so a digest says
    /// nothing about what else that secret protects.
    pub fn derive(secret: &[u8]) -> Self {
        let master = hmac::Key::new(hmac::HMAC_SHA256, secret);
        let own = hmac::sign(&master, b"sojourn.identity.phone-code.v1");
        Self(hmac::Key::new(hmac::HMAC_SHA256, own.as_ref()))
    }

    fn message(user: Uuid, phone: &str, code: &str) -> Vec<u8> {
        let mut m = Vec::with_capacity(16 + phone.len() + code.len() + 2);
        m.extend_from_slice(user.as_bytes());
        m.extend_from_slice(phone.as_bytes());
        m.push(0);
        m.extend_from_slice(code.as_bytes());
        m
    }

    /// The stored form of `code`, sent to `phone` for `user`.
    pub fn digest(&self, user: Uuid, phone: &str, code: &str) -> Vec<u8> {
        hmac::sign(&self.0, &Self::message(user, phone, code)).as_ref().to_vec()
    }

    /// Whether `code` is the one `stored` was made from (constant time).
    pub fn matches(&self, user: Uuid, phone: &str, code: &str, stored: &[u8]) -> bool {
        hmac::verify(&self.0, &Self::message(user, phone, code), stored).is_ok()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_vary() {
        let codes: std::collections::HashSet<String> = (0..200).map(|_| new_code().unwrap()).collect();
        assert!(codes.iter().all(|c| parse(c) == Some(c.as_str())));
        assert!(codes.len() > 190, "200 draws from a million should rarely collide");
    }

    #[test]
    fn only_six_digits_parse() {
        assert_eq!(parse(" 012345 "), Some("012345"));
        for bad in ["", "12345", "1234567", "12345a", "12 345", "١٢٣٤٥٦"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_digest_is_bound_to_its_key_account_number_and_code() {
        let key = CodeKey::derive(b"secret-one");
        let (user, other) = (Uuid::now_v7(), Uuid::now_v7());
        let stored = key.digest(user, "+33612345678", "123456");
        assert!(key.matches(user, "+33612345678", "123456", &stored));
        assert!(!key.matches(user, "+33612345678", "123457", &stored));
        assert!(!key.matches(other, "+33612345678", "123456", &stored));
        assert!(!key.matches(user, "+33612345679", "123456", &stored));
        assert!(!CodeKey::derive(b"secret-two").matches(user, "+33612345678", "123456", &stored));
        assert!(!format!("{key:?}").contains("secret"));
    }
}
