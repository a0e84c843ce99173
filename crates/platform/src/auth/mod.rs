//! Authentication shared by every context: access tokens are EdDSA-signed JWTs that any
//! process holding the public keys can verify (`/.well-known/jwks.json`), checked against an
//! in-memory revocation list so logout takes effect at once without a database round-trip.
//!
//! The identity context issues tokens and feeds the revocation list; every other context only
//! uses the [`AuthUser`] extractor.

mod cache;
mod extract;
mod jwks;
mod keys;
mod revocation;
mod token;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use kernel::Clock;
use uuid::Uuid;

pub use extract::{ACCESS_COOKIE, Actor, AuthUser, MaybeAuthUser, bearer_in, bearer_token, cookie_token};
pub use jwks::spawn_refresher;
pub use keys::{KeyError, SigningKeys, parse_jwks};
pub use revocation::Revocations;
pub use token::{AccessClaims, Role, TokenError};

use crate::config::AuthConfig;
use cache::VerifiedCache;

/// Issues and verifies access tokens; shared by every context of a process.
pub struct Auth {
    keys: SigningKeys,
    issuer: String,
    audience: String,
    ttl_secs: i64,
    clock: Arc<dyn Clock>,
    cache: VerifiedCache,
    revocations: Revocations,
    /// Woken when a token names a key we do not have (a rotation to fetch).
    unknown_key: tokio::sync::Notify,
    /// Where revocations go to be shared with other processes (Redis), when configured.
    revocation_sink: std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<(Uuid, i64)>>,
}

/// A freshly signed access token.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub claims: AccessClaims,
    pub expires_at: DateTime<Utc>,
}

impl Auth {
    pub fn new(keys: SigningKeys, config: &AuthConfig, clock: Arc<dyn Clock>) -> Self {
        Self {
            keys,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            ttl_secs: i64::try_from(config.access_token_ttl_secs).unwrap_or(900),
            clock,
            cache: VerifiedCache::new(config.verify_cache_size),
            revocations: Revocations::default(),
            unknown_key: tokio::sync::Notify::new(),
            revocation_sink: std::sync::OnceLock::new(),
        }
    }

    /// Signs an access token for `user` in session `session`.
    pub fn issue(&self, user: Uuid, session: Uuid, role: Role) -> Result<IssuedToken, TokenError> {
        let now = self.clock.now().timestamp();
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user,
            sid: session,
            role,
            iat: now,
            nbf: now,
            exp: now + self.ttl_secs,
            jti: kernel::new_id(),
        };
        let token = token::encode(&self.keys, &claims)?;
        let expires_at = DateTime::from_timestamp(claims.exp, 0).ok_or(TokenError::Malformed)?;
        Ok(IssuedToken { token, claims, expires_at })
    }

    /// Checks signature, algorithm, issuer, audience, time window and revocation. Tokens seen
    /// before are answered from a bounded cache (the signature check dominates the cost).
    pub fn verify(&self, raw: &str) -> Result<AccessClaims, TokenError> {
        let now = self.clock.now().timestamp();
        let claims = match self.cache.get(raw) {
            Some(claims) => claims,
            None => {
                let claims = token::decode(&self.keys, raw).inspect_err(|e| {
                    if *e == TokenError::UnknownKey {
                        self.unknown_key.notify_one();
                    }
                })?;
                if claims.iss != self.issuer || claims.aud != self.audience {
                    return Err(TokenError::WrongAudience);
                }
                self.cache.insert(raw, claims.clone(), now);
                claims
            }
        };
        if claims.exp <= now {
            return Err(TokenError::Expired);
        }
        if claims.nbf > now + token::LEEWAY_SECS || claims.iat > now + token::LEEWAY_SECS {
            return Err(TokenError::NotYetValid);
        }
        if self.revocations.is_revoked(claims.sid, now) {
            return Err(TokenError::Revoked);
        }
        Ok(claims)
    }

    /// The claims of a token we signed for this issuer and audience, whatever its age or
    /// revocation state — for logout, where an expired access token still names the session
    /// to end. Never use it to authorise anything.
    pub fn inspect(&self, raw: &str) -> Result<AccessClaims, TokenError> {
        let claims = token::decode(&self.keys, raw)?;
        if claims.iss != self.issuer || claims.aud != self.audience {
            return Err(TokenError::WrongAudience);
        }
        Ok(claims)
    }

    /// Makes every access token of `session` fail from now on, in this process and (with Redis)
    /// in every other.
    pub fn revoke_session(&self, session: Uuid) {
        let now = self.clock.now().timestamp();
        let until = now + self.ttl_secs + token::LEEWAY_SECS;
        self.revocations.revoke(session, until, now);
        if let Some(sink) = self.revocation_sink.get() {
            let _ = sink.send((session, until));
        }
    }

    /// Whether `session` was revoked (its tokens refused) — for connections that outlive the
    /// token they opened with, such as sockets.
    pub fn is_session_revoked(&self, session: Uuid) -> bool {
        self.revocations.is_revoked(session, self.clock.now().timestamp())
    }

    /// A revocation made elsewhere (announced through Redis): applied here only.
    pub fn apply_revocation(&self, session: Uuid, until: i64) {
        self.revocations.revoke(session, until, self.clock.now().timestamp());
    }

    /// Sends every later [`Auth::revoke_session`] to `sink` too (once per process).
    pub fn set_revocation_sink(&self, sink: tokio::sync::mpsc::UnboundedSender<(Uuid, i64)>) {
        let _ = self.revocation_sink.set(sink);
    }

    /// Records a revocation that happened at `revoked_at` (start-up reload). It is shared again
    /// too (with Redis), so the shared store is whole even if Redis lost its data meanwhile.
    pub fn restore_revocation(&self, session: Uuid, revoked_at: DateTime<Utc>) {
        let now = self.clock.now().timestamp();
        let until = revoked_at.timestamp() + self.ttl_secs + token::LEEWAY_SECS;
        self.revocations.revoke(session, until, now);
        if let Some(sink) = self.revocation_sink.get().filter(|_| until > now) {
            let _ = sink.send((session, until));
        }
    }

    /// Whether this process holds a signing key (verify-only processes fetch a JWKS instead).
    pub fn can_issue(&self) -> bool {
        self.keys.can_sign()
    }

    /// How long an access token lives.
    pub fn access_ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    /// The JSON Web Key Set of the verification keys.
    pub fn jwks(&self) -> serde_json::Value {
        self.keys.jwks()
    }
}
