//! Ed25519 signing keys derived from the configured secrets. The current key signs; the
//! current and the previous one (during a rotation) verify, and both are published as JWKs.

use std::collections::HashMap;
use std::sync::RwLock;

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
    #[error("invalid JWK Set: {0}")]
    Jwks(&'static str),
}

/// The keys of a process: a signing key (processes that issue tokens) and the public keys that
/// verify — derived from our secrets, or fetched from another process's JWKS.
pub struct SigningKeys {
    signer: Option<(Ed25519KeyPair, String)>,
    verifying: RwLock<HashMap<String, Vec<u8>>>,
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

/// What a signature check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    Valid,
    Invalid,
    /// No key with that id (yet): a rotation we have not fetched, or a foreign token.
    UnknownKey,
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
        Ok(Self { signer: Some((pair, kid)), verifying: RwLock::new(verifying) })
    }

    /// Verify-only keys, filled later from a JWKS ([`SigningKeys::replace_verifying`]).
    pub fn verify_only() -> Self {
        Self { signer: None, verifying: RwLock::new(HashMap::new()) }
    }

    pub fn can_sign(&self) -> bool {
        self.signer.is_some()
    }

    pub fn current_kid(&self) -> Option<&str> {
        self.signer.as_ref().map(|(_, kid)| kid.as_str())
    }

    pub fn sign(&self, message: &[u8]) -> Option<Vec<u8>> {
        self.signer.as_ref().map(|(pair, _)| pair.sign(message).as_ref().to_vec())
    }

    /// Checks that `signature` is the signature of `message` by key `kid`.
    pub fn verify(&self, kid: &str, message: &[u8], signature: &[u8]) -> Checked {
        let Ok(keys) = self.verifying.read() else { return Checked::Invalid };
        match keys.get(kid) {
            None => Checked::UnknownKey,
            Some(key) if UnparsedPublicKey::new(&signature::ED25519, key).verify(message, signature).is_ok() => {
                Checked::Valid
            }
            Some(_) => Checked::Invalid,
        }
    }

    /// Replaces the verification keys (a fresh JWKS).
    pub fn replace_verifying(&self, keys: HashMap<String, Vec<u8>>) {
        if let Ok(mut current) = self.verifying.write() {
            *current = keys;
        }
    }

    pub fn jwks(&self) -> serde_json::Value {
        let Ok(verifying) = self.verifying.read() else { return json!({ "keys": [] }) };
        let current = self.current_kid();
        let mut kids: Vec<&String> = verifying.keys().collect();
        kids.sort_by_key(|k| Some(k.as_str()) != current);
        let keys: Vec<serde_json::Value> = kids
            .into_iter()
            .filter_map(|kid| {
                let key = verifying.get(kid)?;
                Some(json!({
                    "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig",
                    "kid": kid, "x": URL_SAFE_NO_PAD.encode(key),
                }))
            })
            .collect();
        json!({ "keys": keys })
    }
}

/// The Ed25519 keys of a JWK Set; other key types are skipped (we only accept EdDSA).
pub fn parse_jwks(doc: &serde_json::Value) -> Result<HashMap<String, Vec<u8>>, KeyError> {
    let keys = doc.get("keys").and_then(serde_json::Value::as_array).ok_or(KeyError::Jwks("no `keys` array"))?;
    let mut out = HashMap::new();
    for key in keys {
        let field = |name: &str| key.get(name).and_then(serde_json::Value::as_str);
        if field("kty") != Some("OKP") || field("crv") != Some("Ed25519") {
            continue;
        }
        let (Some(kid), Some(x)) = (field("kid"), field("x")) else {
            return Err(KeyError::Jwks("key without kid or x"));
        };
        let bytes = URL_SAFE_NO_PAD.decode(x).map_err(|_| KeyError::Jwks("x is not base64url"))?;
        if bytes.len() != 32 {
            return Err(KeyError::Jwks("x is not an Ed25519 public key"));
        }
        out.insert(kid.to_owned(), bytes);
    }
    Ok(out)
}
