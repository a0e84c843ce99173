//! Refresh-token rotation with reuse detection, logout, and the sessions list.

use kernel::ApiError;
use serde_json::json;
use uuid::Uuid;

use super::{Accounts, SignedIn};
use crate::domain::secret;
use crate::domain::user::Status;
use crate::store::{self, sessions::Session};

fn invalid_refresh() -> ApiError {
    ApiError::new(401, "invalid_refresh_token", "Invalid or expired refresh token")
}

impl Accounts {
    /// Spends `token` and hands out a new pair. A token presented a second time means it was
    /// copied: the whole session is revoked, for the thief and the owner alike.
    pub async fn refresh(&self, token: &str, ip: &str) -> Result<SignedIn, ApiError> {
        self.limit(format!("token:ip:{ip}"), self.rate.token_per_ip).await?;
        if token.is_empty() || token.len() > secret::MAX_TOKEN_LEN {
            return Err(invalid_refresh());
        }
        let hash = secret::digest(token);
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let spent = store::sessions::spend_refresh(&mut tx, hash.clone(), now).await?;
        let Some(session) = store::sessions::session_of_refresh(&mut tx, hash).await? else {
            return Err(invalid_refresh());
        };
        if !spent {
            if store::sessions::revoke(&mut tx, session.id, "refresh_token_reused", now).await? {
                self.emit(
                    &mut tx,
                    "user.session_revoked",
                    session.user_id,
                    json!({"userId": session.user_id, "sessionId": session.id, "reason": "refresh_token_reused"}),
                )
                .await?;
            }
            tx.commit().await?;
            self.events.committed();
            self.auth.revoke_session(session.id);
            tracing::warn!(session = %session.id, "refresh token reuse: session revoked");
            return Err(ApiError::new(401, "refresh_token_reused", "Refresh token already used; session revoked"));
        }
        if session.revoked_at.is_some() || session.expires_at <= now {
            return Err(invalid_refresh());
        }
        let user = store::users::find_tx(&mut tx, session.user_id).await?.ok_or_else(invalid_refresh)?;
        if user.status != Status::Active {
            return Err(invalid_refresh());
        }
        let refresh = secret::token().map_err(|_| ApiError::internal())?;
        store::sessions::insert_refresh(&mut tx, secret::digest(&refresh), session.id, now).await?;
        store::sessions::touch(&mut tx, session.id, now).await?;
        tx.commit().await?;
        let access_token = self.access_token(&user, session.id)?;
        let max_age = (session.expires_at - now).num_seconds().max(0);
        Ok(SignedIn { user, access_token, refresh_token: refresh, refresh_max_age: max_age })
    }

    /// Ends the session named by the refresh token and/or the access token's session.
    pub async fn logout(&self, refresh: Option<&str>, access_session: Option<(Uuid, Uuid)>) -> Result<(), ApiError> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let mut targets: Vec<(Uuid, Uuid)> = access_session.into_iter().collect();
        if let Some(token) = refresh.filter(|t| !t.is_empty() && t.len() <= secret::MAX_TOKEN_LEN)
            && let Some(s) = store::sessions::session_of_refresh(&mut tx, secret::digest(token)).await?
        {
            targets.push((s.user_id, s.id));
        }
        let mut revoked = Vec::new();
        for (user, session) in targets {
            if store::sessions::revoke(&mut tx, session, "logout", now).await? {
                self.emit(&mut tx, "user.logged_out", user, json!({"userId": user, "sessionId": session})).await?;
            }
            revoked.push(session);
        }
        tx.commit().await?;
        self.events.committed();
        self.forget_sessions(&revoked);
        Ok(())
    }

    /// Ends every session of `user`.
    pub async fn logout_all(&self, user: Uuid) -> Result<usize, ApiError> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let revoked = store::sessions::revoke_all(&mut tx, user, None, "logout_all", now).await?;
        self.emit(&mut tx, "user.logged_out", user, json!({"userId": user, "sessionIds": revoked, "all": true}))
            .await?;
        tx.commit().await?;
        self.events.committed();
        self.forget_sessions(&revoked);
        Ok(revoked.len())
    }

    pub async fn sessions(&self, user: Uuid) -> Result<Vec<Session>, ApiError> {
        Ok(store::sessions::list_live(&self.db, user, self.now()).await?)
    }

    /// Revokes one of the caller's own sessions; someone else's is "not found".
    pub async fn revoke_session(&self, user: Uuid, session: Uuid) -> Result<(), ApiError> {
        let found = store::sessions::find(&self.db, session).await?;
        let Some(found) = found.filter(|s| s.user_id == user) else {
            return Err(ApiError::not_found("Session not found"));
        };
        let mut tx = self.db.begin().await?;
        if store::sessions::revoke(&mut tx, found.id, "revoked_by_user", self.now()).await? {
            self.emit(&mut tx, "user.logged_out", user, json!({"userId": user, "sessionId": found.id})).await?;
        }
        tx.commit().await?;
        self.events.committed();
        self.forget_sessions(&[found.id]);
        Ok(())
    }
}
