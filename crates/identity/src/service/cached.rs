//! The caller's own account as `GET /auth/profile` answers it, kept finished in the in-process
//! hot cache ([`platform::hot`]): DreamScape's client asks for it on every page, and without
//! the cache each ask is a database read and a serialisation of a row that rarely changes.
//!
//! One group per account, read only by that account's own (already authenticated) requests.
//! Every service path that changes what the answer shows — the user row, the profile's date
//! of birth and nationality, onboarding's completion — forgets the group right after its
//! commit ([`Accounts::forget_account`]), and so does the `identity.cache` consumer for changes
//! committed by another process (the role a published listing grants). Paths that change
//! nothing shown (a TOTP step used, a password hash upgraded at sign-in) leave it. With Redis,
//! forgets reach every instance; a split deployment without Redis keeps the cache off.

use std::sync::Arc;

use kernel::{ApiError, EventEnvelope};
use platform::hot::{Hot, HotLookup};
use uuid::Uuid;

use super::Accounts;
use super::account::Facts;
use crate::domain::user::User;

/// Consumer name: dedupe records are keyed on it, so it must never change.
pub const CACHE_CONSUMER: &str = "identity.cache";

/// The group of an account's answers.
pub(crate) fn group(user: Uuid) -> String {
    user.simple().to_string()
}

/// The whole `GET /auth/profile` answer.
pub const PROFILE: &str = "profile";
/// The account alone, as `POST /auth/verify-token` puts it beside the token's claims.
pub const VIEW: &str = "view";

impl Accounts {
    /// The finished `variant` ([`PROFILE`], [`VIEW`]) about account `id`, from the cache or
    /// built by `build` from one read (and then kept, unless the account changed meanwhile);
    /// 401 when the account no longer exists.
    pub async fn account_answer(
        &self,
        id: Uuid,
        variant: &'static str,
        build: impl FnOnce(&User, &Facts) -> Result<Hot, ApiError>,
    ) -> Result<Arc<Hot>, ApiError> {
        let ticket = match self.hot.get(&group(id), variant) {
            HotLookup::Hit(hot) if hot.owner == Some(id) => return Ok(hot),
            HotLookup::Hit(_) => None,
            HotLookup::Miss(ticket) => Some(ticket),
        };
        let (user, facts) = self.account(id).await?;
        let hot = build(&user, &facts)?;
        Ok(match ticket {
            Some(ticket) => self.hot.put(ticket, hot),
            None => Arc::new(hot),
        })
    }

    /// Forgets the cached answers about account `id`: call it after committing any change to
    /// what they show.
    pub async fn forget_account(&self, id: Uuid) {
        self.hot.forget(&group(id)).await;
    }
}

/// The group of the account a `user.*` event is about: what the `identity.cache` consumer
/// forgets ([`platform::hot::ForgetOnEvent`]), the backstop for changes committed by another
/// process of a split deployment.
pub(crate) fn changed_group(event: &EventEnvelope) -> Option<String> {
    event.aggregate_id.parse::<Uuid>().ok().map(group)
}
