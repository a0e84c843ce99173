//! The access-token format: a compact JWS (`header.claims.signature`, base64url) with the
//! algorithm pinned to EdDSA. Parsing is strict: one header shape, known key ids only, no
//! `alg: none`, no algorithm taken from the token.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::keys::{Checked, SigningKeys};

/// Clock skew tolerated on `nbf` / `iat`.
pub const LEEWAY_SECS: i64 = 30;
/// Longest token accepted before any parsing.
const MAX_TOKEN_LEN: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Host,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Host => "host",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Option<Role> {
        match raw {
            "user" => Some(Role::User),
            "host" => Some(Role::Host),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    /// The user.
    pub sub: Uuid,
    /// The session (refresh-token family) the token belongs to; revoking it kills the token.
    pub sid: Uuid,
    pub role: Role,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: Uuid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("malformed token")]
    Malformed,
    #[error("unsupported token algorithm")]
    Algorithm,
    #[error("invalid token signature")]
    Signature,
    #[error("token issued for another service")]
    WrongAudience,
    #[error("token expired")]
    Expired,
    #[error("token not valid yet")]
    NotYetValid,
    #[error("token revoked")]
    Revoked,
    #[error("token signed by an unknown key")]
    UnknownKey,
    #[error("this process cannot sign tokens")]
    CannotSign,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    alg: String,
    typ: String,
    kid: String,
}

pub fn encode(keys: &SigningKeys, claims: &AccessClaims) -> Result<String, TokenError> {
    let kid = keys.current_kid().ok_or(TokenError::CannotSign)?;
    let header = Header { alg: "EdDSA".into(), typ: "JWT".into(), kid: kid.to_owned() };
    let header = serde_json::to_vec(&header).map_err(|_| TokenError::Malformed)?;
    let payload = serde_json::to_vec(claims).map_err(|_| TokenError::Malformed)?;
    let mut token = URL_SAFE_NO_PAD.encode(header);
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(payload));
    let signature = keys.sign(token.as_bytes()).ok_or(TokenError::CannotSign)?;
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(signature));
    Ok(token)
}

/// Verifies the signature and decodes the claims. Time and audience are the caller's checks.
pub fn decode(keys: &SigningKeys, raw: &str) -> Result<AccessClaims, TokenError> {
    if raw.len() > MAX_TOKEN_LEN {
        return Err(TokenError::Malformed);
    }
    let mut parts = raw.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let header: Header = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or(TokenError::Malformed)?;
    if header.alg != "EdDSA" || header.typ != "JWT" {
        return Err(TokenError::Algorithm);
    }
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| TokenError::Malformed)?;
    let signed_len = raw.len() - signature_b64_len(raw);
    let signed = raw.get(..signed_len).ok_or(TokenError::Malformed)?;
    match keys.verify(&header.kid, signed.as_bytes(), &signature) {
        Checked::Valid => {}
        Checked::Invalid => return Err(TokenError::Signature),
        Checked::UnknownKey => return Err(TokenError::UnknownKey),
    }
    let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| TokenError::Malformed)?;
    serde_json::from_slice(&payload).map_err(|_| TokenError::Malformed)
}

/// Length of the signature segment plus its leading dot.
fn signature_b64_len(raw: &str) -> usize {
    raw.rfind('.').map_or(0, |dot| raw.len() - dot)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn claims() -> AccessClaims {
        AccessClaims {
            iss: "sojourn".into(),
            aud: "sojourn".into(),
            sub: kernel::new_id(),
            sid: kernel::new_id(),
            role: Role::User,
            iat: 1_700_000_000,
            nbf: 1_700_000_000,
            exp: 1_700_000_900,
            jti: kernel::new_id(),
        }
    }

    #[test]
    fn round_trip_and_tampering() {
        let keys = SigningKeys::from_raw(&"k".repeat(40), None).unwrap();
        let c = claims();
        let token = encode(&keys, &c).unwrap();
        assert_eq!(decode(&keys, &token).unwrap(), c);

        let mut forged = c.clone();
        forged.role = Role::Admin;
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        let parts: Vec<&str> = token.split('.').collect();
        let tampered = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert_eq!(decode(&keys, &tampered), Err(TokenError::Signature));

        let other = SigningKeys::from_raw(&"o".repeat(40), None).unwrap();
        assert_eq!(decode(&other, &token), Err(TokenError::UnknownKey));
        assert_eq!(decode(&keys, "a.b"), Err(TokenError::Malformed));
        assert_eq!(decode(&keys, &format!("{token}.x")), Err(TokenError::Malformed));
    }

    #[test]
    fn alg_none_and_hs256_are_refused() {
        let keys = SigningKeys::from_raw(&"k".repeat(40), None).unwrap();
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims()).unwrap());
        for alg in ["none", "HS256", "ES256"] {
            let header = URL_SAFE_NO_PAD
                .encode(format!(r#"{{"alg":"{alg}","typ":"JWT","kid":"{}"}}"#, keys.current_kid().unwrap()));
            assert_eq!(decode(&keys, &format!("{header}.{payload}.")), Err(TokenError::Algorithm));
        }
    }

    #[test]
    fn previous_key_still_verifies_during_rotation() {
        let old = SigningKeys::from_raw(&"a".repeat(40), None).unwrap();
        let token = encode(&old, &claims()).unwrap();
        let rotated = SigningKeys::from_raw(&"b".repeat(40), Some(&"a".repeat(40))).unwrap();
        assert!(decode(&rotated, &token).is_ok());
        assert_eq!(rotated.jwks()["keys"].as_array().unwrap().len(), 2);
        assert_eq!(rotated.jwks()["keys"][0]["kid"], rotated.current_kid().unwrap());

        // A verify-only process fed the JWKS accepts the same tokens and cannot sign.
        let remote = SigningKeys::verify_only();
        assert_eq!(decode(&remote, &token), Err(TokenError::UnknownKey));
        remote.replace_verifying(super::super::keys::parse_jwks(&rotated.jwks()).unwrap());
        assert!(decode(&remote, &token).is_ok());
        assert_eq!(encode(&remote, &claims()), Err(TokenError::CannotSign));
    }
}
