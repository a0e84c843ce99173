//! Password policy and hashing. New hashes are Argon2id (PHC strings, parameters inside, so
//! raising the cost later re-hashes on next login); bcrypt hashes imported from the seeds'
//! systems are accepted and replaced by Argon2id on the next successful login.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

/// Every rule `password` breaks, as messages for the `password` field (empty when acceptable).
pub fn policy_violations(password: &str) -> Vec<&'static str> {
    let mut failed = Vec::new();
    let len = password.chars().count();
    if len < MIN_LEN {
        failed.push("must be at least 8 characters");
    }
    if len > MAX_LEN {
        failed.push("must be at most 128 characters");
    }
    if !password.chars().any(char::is_uppercase) {
        failed.push("must contain an uppercase letter");
    }
    if !password.chars().any(char::is_lowercase) {
        failed.push("must contain a lowercase letter");
    }
    if !password.chars().any(|c| c.is_ascii_digit()) {
        failed.push("must contain a digit");
    }
    if !password.chars().any(|c| !c.is_alphanumeric() && !c.is_whitespace()) {
        failed.push("must contain a special character");
    }
    failed
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed")]
pub struct HashError;

fn argon(cost: HashCost) -> Result<Argon2<'static>, HashError> {
    let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None).map_err(|_| HashError)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// A fresh Argon2id PHC string for `password`.
pub fn hash(password: &str, cost: HashCost) -> Result<String, HashError> {
    let mut salt = [0u8; 16];
    aws_lc_rs::rand::fill(&mut salt).map_err(|_| HashError)?;
    let salt = SaltString::encode_b64(&salt).map_err(|_| HashError)?;
    Ok(argon(cost)?.hash_password(password.as_bytes(), &salt).map_err(|_| HashError)?.to_string())
}

/// A well-formed Argon2id PHC string with `cost`'s parameters, a random salt and a random
/// digest that no password produces: verifying against it costs what a real check costs. Made
/// without hashing, so start-up neither spends the CPU nor keeps Argon2's memory (19 MiB at
/// the default cost) that a real hash would take.
pub fn decoy(cost: HashCost) -> Result<String, HashError> {
    let mut bytes = [0u8; 48];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| HashError)?;
    let salt = SaltString::encode_b64(&bytes[..16]).map_err(|_| HashError)?;
    let digest = argon2::password_hash::Output::new(&bytes[16..]).map_err(|_| HashError)?;
    let HashCost { memory_kib: m, iterations: t, parallelism: p } = cost;
    Ok(format!("$argon2id$v=19$m={m},t={t},p={p}${}${digest}", salt.as_str()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    /// Matches, and the stored hash is current.
    Yes,
    /// Matches, but the stored hash is bcrypt or weaker than `cost`: store a new one.
    YesRehash,
    No,
}

/// Checks `password` against a stored Argon2 or bcrypt hash.
pub fn verify(password: &str, stored: &str, cost: HashCost) -> Verified {
    if stored.starts_with("$2") {
        return match bcrypt::verify(password, stored) {
            Ok(true) => Verified::YesRehash,
            _ => Verified::No,
        };
    }
    let Ok(parsed) = PasswordHash::new(stored) else { return Verified::No };
    let Ok(hasher) = argon(cost) else { return Verified::No };
    if hasher.verify_password(password.as_bytes(), &parsed).is_err() {
        return Verified::No;
    }
    let current = parsed.algorithm.as_str() == "argon2id"
        && Params::try_from(&parsed).is_ok_and(|p| {
            p.m_cost() >= cost.memory_kib && p.t_cost() >= cost.iterations && p.p_cost() >= cost.parallelism
        });
    if current { Verified::Yes } else { Verified::YesRehash }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const CHEAP: HashCost = HashCost { memory_kib: 64, iterations: 1, parallelism: 1 };

    #[test]
    fn policy_lists_every_failed_rule() {
        assert!(policy_violations("Password1!").is_empty());
        assert_eq!(policy_violations("password").len(), 3);
        assert_eq!(policy_violations("").len(), 5);
        assert!(policy_violations(&format!("Aa1!{}", "x".repeat(200))).contains(&"must be at most 128 characters"));
    }

    #[test]
    fn argon2id_round_trip_and_rehash_on_cost_increase() {
        let h = hash("Password1!", CHEAP).unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert_eq!(verify("Password1!", &h, CHEAP), Verified::Yes);
        assert_eq!(verify("password1!", &h, CHEAP), Verified::No);
        let stronger = HashCost { memory_kib: 128, ..CHEAP };
        assert_eq!(verify("Password1!", &h, stronger), Verified::YesRehash);
        assert_eq!(verify("Password1!", "garbage", CHEAP), Verified::No);
    }

    #[test]
    fn a_decoy_is_a_current_argon2id_hash_that_nothing_matches() {
        let d = decoy(CHEAP).unwrap();
        let parsed = PasswordHash::new(&d).unwrap();
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        let params = Params::try_from(&parsed).unwrap();
        assert_eq!((params.m_cost(), params.t_cost(), params.p_cost()), (64, 1, 1));
        assert_eq!(parsed.hash.unwrap().len(), 32);
        assert_eq!(verify("", &d, CHEAP), Verified::No);
        assert_eq!(verify("Password1!", &d, CHEAP), Verified::No);
        assert_ne!(decoy(CHEAP).unwrap(), d, "each decoy has its own salt and digest");
    }

    #[test]
    fn legacy_bcrypt_is_accepted_and_flagged_for_rehash() {
        let legacy = bcrypt::hash("Password1!", 4).unwrap();
        assert_eq!(verify("Password1!", &legacy, CHEAP), Verified::YesRehash);
        assert_eq!(verify("Password2!", &legacy, CHEAP), Verified::No);
    }
}
