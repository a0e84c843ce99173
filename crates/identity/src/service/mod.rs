//! What the identity context does — register, log in, rotate and revoke sessions, recover
//! accounts — independent of HTTP. Handlers parse and render; everything else is here.

pub mod account;
pub mod activity;
pub mod admin;
pub mod admin_users;
pub mod ai;
pub mod alerts;
pub mod avatar;
pub mod avatar_job;
pub mod backoffice;
pub mod bootstrap;
pub mod cached;
pub mod dashboard;
mod failures;
pub mod favorites;
mod hasher;
pub mod history;
pub mod janitor;
pub mod login;
pub mod mfa;
pub mod onboarding;
pub mod phone;
pub mod privacy;
pub mod profile;
pub mod recovery;
pub mod requests;
pub mod search_history;
pub mod sessions;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use kernel::{ApiError, Clock, EventEnvelope, FieldError};
use platform::auth::Auth;
use platform::config::{AuthConfig, Mode, RateLimitConfig};
use platform::db::{Db, Tx};
use platform::events::enqueue;
use platform::ratelimit::RateLimiter;
use platform::{ContextEnv, Events};
use serde_json::Value;
use uuid::Uuid;

use crate::domain::password::HashCost;
use crate::domain::phone_code::CodeKey;
use crate::domain::sealed::{KEY_SECRET, Sealer};
use crate::domain::secret;
use crate::domain::user::{User, UserView};
use crate::store::{self, sessions::Session};

pub use failures::Failures;
pub use hasher::Hasher;

/// The identity service: shared by every handler.
pub struct Accounts {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub auth: Arc<Auth>,
    pub limits: Arc<RateLimiter>,
    pub media: platform::storage::Media,
    /// Identity's job queue (`identity.avatar`).
    pub jobs: platform::jobs::Jobs,
    pub personal_data: Arc<platform::privacy::PersonalDataRegistry>,
    pub events: Events,
    pub hasher: Hasher,
    pub sealer: Sealer,
    /// Keys the digests of phone verification codes.
    pub codes: CodeKey,
    pub failures: Failures,
    pub config: AuthConfig,
    pub rate: RateLimitConfig,
    pub public_url: String,
    pub cookie_secure: bool,
    pub started: std::time::Instant,
    /// Finished `GET /auth/profile` answers, one group per account ([`Accounts::forget_account`]
    /// after every change to what they show).
    pub hot: platform::hot::HotCache,
}

/// What a successful register / login / refresh hands the client.
pub struct SignedIn {
    pub user: User,
    pub access_token: String,
    pub refresh_token: String,
    pub refresh_max_age: i64,
}

/// Who is asking, for session records and rate-limit keys.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: String,
    pub user_agent: Option<String>,
}

impl Accounts {
    pub fn new(env: &ContextEnv) -> Result<Self, String> {
        let config = env.config.auth.clone();
        let cost = HashCost {
            memory_kib: config.password_hash.memory_kib,
            iterations: config.password_hash.iterations,
            parallelism: config.password_hash.parallelism,
        };
        let hasher = Hasher::new(cost, config.password_hash.max_concurrent).map_err(|e| e.to_string())?;
        let key = env.secrets.get(KEY_SECRET).ok_or_else(|| format!("secret `{KEY_SECRET}` is missing"))?;
        let sealer = Sealer::new(key.expose()).map_err(|e| e.to_string())?;
        let codes = CodeKey::derive(key.expose().as_bytes());
        Ok(Self {
            db: env.db.clone(),
            clock: env.clock.clone(),
            auth: env.auth.clone(),
            limits: env.limits.clone(),
            media: env.media.clone(),
            jobs: env.jobs.clone(),
            personal_data: env.personal_data.clone(),
            events: env.events.clone(),
            hasher,
            sealer,
            codes,
            failures: Failures::default(),
            cookie_secure: config.cookie_secure.unwrap_or(env.config.mode == Mode::Production),
            config,
            rate: env.config.rate_limit.clone(),
            public_url: env.config.server.public_url(),
            started: std::time::Instant::now(),
            hot: platform::hot::HotCache::new(
                "identity",
                env.config.server.hot_cache_bytes,
                env.cache.redis().cloned(),
                env.config.nats.url.is_some(),
            ),
        })
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Re-arms revocations that happened within an access-token lifetime before this start.
    pub async fn restore_revocations(&self) -> Result<(), ApiError> {
        let since = self.now() - chrono::Duration::seconds(self.auth.access_ttl_secs() + 60);
        for (session, at) in store::sessions::revoked_since(&self.db, since).await? {
            self.auth.restore_revocation(session, at);
        }
        Ok(())
    }

    pub async fn user(&self, id: Uuid) -> Result<User, ApiError> {
        store::users::find(&self.db, id).await?.ok_or_else(|| ApiError::unauthorized("Account no longer exists"))
    }

    pub fn view(user: &User) -> UserView {
        UserView::from(user)
    }

    /// Starts a session with its first refresh token, inside `tx`.
    async fn open_session(
        &self,
        tx: &mut Tx,
        user: &User,
        remember_me: bool,
        origin: &Origin,
    ) -> Result<(Session, String, i64), ApiError> {
        let now = self.now();
        let ttl = if remember_me { self.config.remember_me_ttl_secs } else { self.config.refresh_token_ttl_secs };
        let ttl = i64::try_from(ttl).unwrap_or(i64::MAX / 2);
        let session = Session {
            id: kernel::new_id(),
            user_id: user.id,
            device_label: crate::domain::device::label(origin.user_agent.as_deref()),
            user_agent: origin.user_agent.as_ref().map(|ua| ua.chars().take(512).collect()),
            ip: Some(origin.ip.clone()),
            remember_me,
            created_at: now,
            last_used_at: now,
            expires_at: now + chrono::Duration::seconds(ttl),
            revoked_at: None,
        };
        store::sessions::insert(tx, &session).await?;
        let refresh = secret::token().map_err(|_| ApiError::internal())?;
        store::sessions::insert_refresh(tx, secret::digest(&refresh), session.id, now).await?;
        Ok((session, refresh, ttl))
    }

    fn access_token(&self, user: &User, session: Uuid) -> Result<String, ApiError> {
        Ok(self.auth.issue(user.id, session, user.role).map_err(|_| ApiError::internal())?.token)
    }

    /// Writes an event about `user` to the outbox, inside `tx`.
    async fn emit(&self, tx: &mut Tx, kind: &str, user: Uuid, data: Value) -> Result<(), ApiError> {
        let event = EventEnvelope::new(kind, user, self.now(), data).with_actor(user.to_string());
        enqueue(tx, &event).await?;
        Ok(())
    }

    /// Revokes sessions' access tokens in memory (after their rows were revoked and committed).
    fn forget_sessions(&self, sessions: &[Uuid]) {
        for s in sessions {
            self.auth.revoke_session(*s);
        }
    }

    /// The TOTP secret (base32) of `user`, if two-factor is on and the seal opens.
    fn totp_secret(&self, user: &User) -> Option<Vec<u8>> {
        let sealed = user.mfa_secret.as_deref()?;
        crate::domain::totp::base32_decode(&self.sealer.open(sealed, user.id)?)
    }

    pub async fn limit(&self, key: String, limit: platform::config::Limit) -> Result<(), ApiError> {
        self.limits.check(&key, limit).await.map_err(ApiError::from)
    }
}

/// `password` must satisfy the policy; else a 400 listing every failed rule.
pub fn check_policy(field: &str, password: &str) -> Result<(), ApiError> {
    let failed = crate::domain::password::policy_violations(password);
    if failed.is_empty() {
        return Ok(());
    }
    Err(ApiError::validation(failed.into_iter().map(|m| FieldError::new(field, m)).collect()))
}

pub fn invalid_credentials() -> ApiError {
    ApiError::new(401, "invalid_credentials", "Invalid email or password")
}
