//! Ed25519 signing keys derived from the configured secrets. The current key signs; the
//! current and the previous one (during a rotation) verify, and both are published as JWKs.

use std::collections::HashMap;

use aws_lc_rs::digest;
use aws_lc_rs::signature::{self, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use crate::secrets::Secrets;

/// The secret the current signing key is derived from.
pub const CURRENT_KEY_SECRET: &str = "jwt_signing_key";
/// Optional: the secret of the key being rotated out (still accepted and published).
pub const PREVIOUS_KEY_SECRET: &str = "jwt_signing_key_previous";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("secret `{0}` is missing")]
    Missing(&'static str),
    #[error("could not derive a signing key")]
    Derive,
}

pub struct SigningKeys {
    current: Ed25519KeyPair,
    current_kid: String,
    verifying: HashMap<String, Vec<u8>>,
}

fn derive(secret: &str) -> Result<(Ed25519KeyPair, String), KeyError> {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(b"sojourn/access-token/ed25519/v1\0");
    ctx.update(secret.as_bytes());
    let seed = ctx.finish();
    let pair = Ed25519KeyPair::from_seed_unchecked(seed.as_ref()).map_err(|_| KeyError::Derive)?;
    let fingerprint = digest::digest(&digest::SHA256, pair.public_key().as_ref());
    let kid = URL_SAFE_NO_PAD.encode(fingerprint.as_ref().get(..12).unwrap_or_default());
    Ok((pair, kid))
}

impl SigningKeys {
    pub fn from_secrets(secrets: &Secrets) -> Result<Self, KeyError> {
        let current = secrets.get(CURRENT_KEY_SECRET).ok_or(KeyError::Missing(CURRENT_KEY_SECRET))?;
        let previous = secrets.get(PREVIOUS_KEY_SECRET).map(|s| s.expose().to_owned());
        Self::from_raw(current.expose(), previous.as_deref())
    }

    pub fn from_raw(current: &str, previous: Option<&str>) -> Result<Self, KeyError> {
        let (pair, kid) = derive(current)?;
        let mut verifying = HashMap::new();
        verifying.insert(kid.clone(), pair.public_key().as_ref().to_vec());
        if let Some(previous) = previous {
            let (old, old_kid) = derive(previous)?;
            verifying.insert(old_kid, old.public_key().as_ref().to_vec());
        }
        Ok(Self { current: pair, current_kid: kid, verifying })
    }

    pub fn current_kid(&self) -> &str {
        &self.current_kid
    }

    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.current.sign(message).as_ref().to_vec()
    }

    /// True when `kid` names one of our keys and `signature` is its signature of `message`.
    pub fn verify(&self, kid: &str, message: &[u8], signature: &[u8]) -> bool {
        self.verifying
            .get(kid)
            .is_some_and(|key| UnparsedPublicKey::new(&signature::ED25519, key).verify(message, signature).is_ok())
    }

    pub fn jwks(&self) -> serde_json::Value {
        let mut kids: Vec<&String> = self.verifying.keys().collect();
        kids.sort_by_key(|k| *k != &self.current_kid);
        let keys: Vec<serde_json::Value> = kids
            .into_iter()
            .filter_map(|kid| {
                let key = self.verifying.get(kid)?;
                Some(json!({
                    "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig",
                    "kid": kid, "x": URL_SAFE_NO_PAD.encode(key),
                }))
            })
            .collect();
        json!({ "keys": keys })
    }
}
