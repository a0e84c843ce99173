//! Opaque secrets handed to clients (refresh tokens, email links, recovery codes): 256 bits
//! from the OS, base64url; only their SHA-256 is stored, so a database leak yields nothing usable.

use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Longest opaque token accepted from a client before hashing.
pub const MAX_TOKEN_LEN: usize = 256;

#[derive(Debug, thiserror::Error)]
#[error("no randomness available")]
pub struct RandomError;

pub fn random_bytes<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut bytes = [0u8; N];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| RandomError)?;
    Ok(bytes)
}

/// A new opaque token.
pub fn token() -> Result<String, RandomError> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes::<32>()?))
}

/// The stored form of a token.
pub fn digest(token: &str) -> Vec<u8> {
    digest::digest(&digest::SHA256, token.as_bytes()).as_ref().to_vec()
}

/// Ten recovery codes like `k3f9-x2mq-7hzp`, easy to type, 60 bits each.
pub fn recovery_codes() -> Result<Vec<String>, RandomError> {
    const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
    (0..10)
        .map(|_| {
            let bytes = random_bytes::<12>()?;
            let chars: Vec<char> =
                bytes.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect();
            let groups: Vec<String> = chars.chunks(4).map(|c| c.iter().collect()).collect();
            Ok(groups.join("-"))
        })
        .collect()
}

/// Recovery codes are compared case- and separator-insensitively.
pub fn normalise_recovery_code(raw: &str) -> String {
    raw.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tokens_are_unique_and_hashed() {
        let a = token().unwrap();
        assert_eq!(a.len(), 43);
        assert_ne!(a, token().unwrap());
        assert_eq!(digest(&a).len(), 32);
        let codes = recovery_codes().unwrap();
        assert_eq!(codes.len(), 10);
        assert!(codes.iter().all(|c| c.len() == 14));
        assert_eq!(normalise_recovery_code("K3F9-X2MQ-7HZP"), "k3f9x2mq7hzp");
    }
}
