//! GDPR: consents with history, privacy-policy versions and acceptance, data-subject requests
//! (export produces a JSON archive of everything the platform holds about the user; deletion
//! erases personal data everywhere and keeps financial records anonymous), and a log of who
//! accessed the data.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use kernel::{ApiError, FieldError};
use serde_json::{Value, json};
use uuid::Uuid;

use super::Accounts;
use crate::domain::password::Verified;
use crate::domain::user::UserView;
use crate::store::{self, privacy::ConsentEvent, privacy::Policy, privacy::Request};

pub const PURPOSES: [&str; 4] = ["analytics", "marketing", "functional", "preferences"];
pub const REQUEST_TYPES: [&str; 5] =
    ["DATA_EXPORT", "DATA_DELETION", "DATA_RECTIFICATION", "RESTRICTION", "PORTABILITY"];
/// Statuses an administrator can set on a request.
pub const HANDLING: [&str; 3] = ["in_progress", "completed", "rejected"];
/// Export archives can be downloaded for this long.
const ARCHIVE_DAYS: i64 = 7;
/// Deleting the account without the password needs a sign-in at most this recent.
const FRESH_SESSION_MINUTES: i64 = 10;

/// The latest choice per purpose; purposes never answered are not granted.
pub fn current_consents(history: &[ConsentEvent]) -> (BTreeMap<&'static str, bool>, Option<DateTime<Utc>>) {
    let mut current: BTreeMap<&'static str, bool> = PURPOSES.iter().map(|p| (*p, false)).collect();
    for e in history {
        if let Some(p) = PURPOSES.iter().find(|p| **p == e.purpose) {
            current.insert(p, e.granted);
        }
    }
    (current, history.last().map(|e| e.created_at))
}

impl Accounts {
    pub async fn consents(&self, user: Uuid) -> Result<Vec<ConsentEvent>, ApiError> {
        Ok(store::privacy::consent_history(&self.db, user).await?)
    }

    /// Records the purposes whose answer changed; returns the full history.
    pub async fn set_consents(
        &self,
        user: Uuid,
        choices: &BTreeMap<String, bool>,
    ) -> Result<Vec<ConsentEvent>, ApiError> {
        let unknown: Vec<FieldError> = choices
            .keys()
            .filter(|k| !PURPOSES.contains(&k.as_str()))
            .map(|k| {
                FieldError::new(k.as_str(), "is not a consent purpose (analytics, marketing, functional, preferences)")
            })
            .collect();
        if !unknown.is_empty() {
            return Err(ApiError::validation(unknown));
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = store::privacy::consent_history_tx(&mut tx, user).await?;
        let (current, _) = current_consents(&before);
        let mut changed = Vec::new();
        for (purpose, granted) in choices {
            if current.get(purpose.as_str()) != Some(granted) || !before.iter().any(|e| e.purpose == *purpose) {
                store::privacy::record_consent(&mut tx, user, purpose, *granted, now).await?;
                changed.push(json!({"purpose": purpose, "granted": granted}));
            }
        }
        if !changed.is_empty() {
            self.emit(&mut tx, "user.consent_changed", user, json!({"userId": user, "changes": changed})).await?;
        }
        let history = store::privacy::consent_history_tx(&mut tx, user).await?;
        tx.commit().await?;
        self.events.committed();
        Ok(history)
    }

    pub async fn privacy_policy(&self) -> Result<Policy, ApiError> {
        store::privacy::current_policy(&self.db, self.now())
            .await?
            .ok_or_else(|| ApiError::not_found("No privacy policy is published"))
    }

    /// The versions the user accepted, oldest first.
    pub async fn accepted_policies(&self, user: Uuid) -> Result<Vec<(String, DateTime<Utc>)>, ApiError> {
        Ok(store::privacy::acceptances(&self.db, user).await?)
    }

    /// Accepts the current policy (`version`, when given, must be the current one).
    pub async fn accept_policy(&self, user: Uuid, version: Option<&str>) -> Result<Policy, ApiError> {
        let policy = self.privacy_policy().await?;
        if version.is_some_and(|v| v != policy.version) {
            return Err(ApiError::new(
                409,
                "policy_outdated",
                format!("The current policy is version {}", policy.version),
            ));
        }
        let mut tx = self.db.begin().await?;
        store::privacy::accept_policy(&mut tx, user, &policy.version, self.now()).await?;
        tx.commit().await?;
        Ok(policy)
    }

    pub async fn publish_policy(&self, admin: Uuid, policy: Policy) -> Result<Policy, ApiError> {
        let mut tx = self.db.begin().await?;
        store::privacy::insert_policy(&mut tx, &policy, self.now()).await.map_err(|e| {
            if e.is_unique_violation("version") || e.is_unique_violation("privacy_policies") {
                ApiError::new(409, "version_exists", "This policy version already exists")
            } else {
                e.into()
            }
        })?;
        let data = json!({"version": policy.version, "effectiveAt": policy.effective_at, "by": admin});
        self.emit(&mut tx, "privacy_policy.published", admin, data).await?;
        tx.commit().await?;
        self.events.committed();
        Ok(policy)
    }

    pub async fn requests(&self, user: Uuid) -> Result<Vec<Request>, ApiError> {
        Ok(store::privacy::requests(&self.db, user).await?)
    }

    pub async fn request(&self, user: Uuid, id: Uuid) -> Result<Request, ApiError> {
        store::privacy::request(&self.db, user, id).await?.ok_or_else(|| ApiError::not_found("Request not found"))
    }

    /// Files a data-subject request. Exports are produced at once; rectification and
    /// restriction requests wait for an administrator.
    pub async fn file_request(&self, user: Uuid, kind: &str, reason: Option<&str>) -> Result<Request, ApiError> {
        if !REQUEST_TYPES.contains(&kind) {
            return Err(ApiError::validation(vec![FieldError::new(
                "type",
                format!("must be one of {}", REQUEST_TYPES.join(", ")),
            )]));
        }
        if reason.is_some_and(|r| r.chars().count() > 1000) {
            return Err(ApiError::validation(vec![FieldError::new("reason", "must be at most 1000 characters")]));
        }
        let now = self.now();
        let request = Request {
            id: kernel::new_id(),
            kind: kind.to_owned(),
            status: "received".into(),
            reason: reason.map(str::to_owned),
            created_at: now,
            completed_at: None,
            expires_at: None,
            downloadable: false,
            admin_note: None,
        };
        let mut tx = self.db.begin().await?;
        store::privacy::insert_request(&mut tx, user, &request).await?;
        let data = json!({"userId": user, "requestId": request.id, "type": kind});
        self.emit(&mut tx, "user.gdpr_requested", user, data).await?;
        tx.commit().await?;
        self.events.committed();
        if matches!(kind, "DATA_EXPORT" | "PORTABILITY") {
            let archive = self.export(user).await?;
            let mut tx = self.db.begin().await?;
            let expires = now + chrono::Duration::days(ARCHIVE_DAYS);
            store::privacy::finish_request(&mut tx, request.id, "completed", Some(archive), self.now(), Some(expires))
                .await?;
            store::privacy::log_access(
                &mut tx,
                user,
                None,
                "export_generated",
                Some(&request.id.to_string()),
                self.now(),
            )
            .await?;
            tx.commit().await?;
        }
        self.request(user, request.id).await
    }

    /// The archive of a completed export, while it has not expired.
    pub async fn download(&self, user: Uuid, id: Uuid) -> Result<Value, ApiError> {
        let request = self.request(user, id).await?;
        let live = request.expires_at.is_some_and(|e| e > self.now());
        let archive = match store::privacy::archive(&self.db, user, id).await? {
            Some(archive) if live => archive,
            _ => {
                return Err(ApiError::new(
                    409,
                    "archive_unavailable",
                    "This request has no archive to download (or it expired)",
                ));
            }
        };
        let mut tx = self.db.begin().await?;
        store::privacy::log_access(&mut tx, user, Some(user), "export_downloaded", Some(&id.to_string()), self.now())
            .await?;
        tx.commit().await?;
        Ok(archive)
    }

    pub async fn access_log(
        &self,
        user: Uuid,
        page: &kernel::PageRequest,
    ) -> Result<(Vec<store::privacy::Access>, i64), ApiError> {
        Ok(store::privacy::access_log(&self.db, user, page.limit, page.offset).await?)
    }

    pub async fn requests_for_admin(
        &self,
        status: Option<&str>,
        page: &kernel::PageRequest,
    ) -> Result<(Vec<(Uuid, Request)>, i64), ApiError> {
        Ok(store::privacy::pending_requests(&self.db, status, page.limit, page.offset).await?)
    }

    /// An administrator moves a request along (`in_progress`, `completed`, `rejected`).
    pub async fn handle_request(
        &self,
        admin: Uuid,
        id: Uuid,
        status: &str,
        note: Option<&str>,
    ) -> Result<Request, ApiError> {
        if !HANDLING.contains(&status) {
            return Err(ApiError::validation(vec![FieldError::new(
                "status",
                "must be in_progress, completed or rejected",
            )]));
        }
        if note.is_some_and(|n| n.chars().count() > 1000) {
            return Err(ApiError::validation(vec![FieldError::new("note", "must be at most 1000 characters")]));
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let owner = store::privacy::set_request_status(&mut tx, id, status, note, now)
            .await?
            .ok_or_else(|| ApiError::not_found("Request not found"))?;
        store::privacy::log_access(
            &mut tx,
            owner,
            Some(admin),
            "request_handled",
            Some(&format!("{id}: {status}")),
            now,
        )
        .await?;
        let data = json!({"userId": owner, "requestId": id, "status": status, "by": admin});
        self.emit(&mut tx, "user.gdpr_request_updated", owner, data).await?;
        tx.commit().await?;
        self.events.committed();
        self.request(owner, id).await
    }

    /// Records that an administrator looked at an account.
    pub async fn log_admin_access(&self, user: Uuid, admin: Uuid, action: &str) -> Result<(), ApiError> {
        let mut tx = self.db.begin().await?;
        store::privacy::log_access(&mut tx, user, Some(admin), action, None, self.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Everything this context holds about the user.
    async fn identity_part(&self, user: Uuid) -> Result<Value, ApiError> {
        let account = self.user(user).await?;
        let profile = store::profiles::find(&self.db, user).await?.unwrap_or_default();
        let onboarding = store::onboarding::find(&self.db, user).await?;
        let (favorites, _) = store::favorites::list(&self.db, user, None, 10_000, 0).await?;
        let everything = store::history::HistoryFilter { kind: None, from: None, to: None };
        let (history, _) = store::history::list(&self.db, user, &everything, 100_000, 0).await?;
        let sessions = store::sessions::all_for_user(&self.db, user).await?;
        let (access, _) = store::privacy::access_log(&self.db, user, 100_000, 0).await?;
        let policies: Vec<Value> = self
            .accepted_policies(user)
            .await?
            .into_iter()
            .map(|(v, at)| json!({"version": v, "acceptedAt": at}))
            .collect();
        Ok(json!({
            "account": UserView::from(&account),
            "profile": {
                "bio": profile.bio, "avatar": profile.avatar_url, "dateOfBirth": profile.date_of_birth,
                "language": profile.language, "currency": profile.currency, "timezone": profile.timezone, "theme": profile.theme,
            },
            "onboarding": onboarding.map(|o| json!({"answers": o.steps, "startedAt": o.started_at, "completedAt": o.completed_at})),
            "favorites": favorites,
            "history": history,
            "sessions": sessions,
            "consents": store::privacy::consent_history(&self.db, user).await?,
            "privacyPolicyAcceptances": policies,
            "requests": self.requests(user).await?,
            "accessLog": access,
        }))
    }

    /// The export archive: this context's data plus every other context's, through the
    /// platform's personal-data registry.
    pub async fn export(&self, user: Uuid) -> Result<Value, ApiError> {
        let mut contexts = serde_json::Map::new();
        contexts.insert("identity".into(), self.identity_part(user).await?);
        for (name, part) in self.personal_data.export_all(user).await.map_err(|e| {
            tracing::error!(error = %e, "export failed in another context");
            ApiError::unavailable("Part of your data could not be gathered; try again later", Some(60))
        })? {
            contexts.insert(name, part);
        }
        Ok(json!({
            "format": "sojourn-export/1",
            "generatedAt": self.now(),
            "userId": user,
            "contexts": contexts,
        }))
    }

    /// Erases the account. Needs the password, or a sign-in in the last few minutes.
    pub async fn delete_account(&self, user: Uuid, session: Uuid, password: Option<&str>) -> Result<(), ApiError> {
        let account = self.user(user).await?;
        match password {
            Some(p)
                if p.len() <= 1024 && self.hasher.verify(p, Some(&account.password_hash)).await? != Verified::No => {}
            Some(_) => return Err(super::invalid_credentials()),
            None => {
                let fresh = store::sessions::find(&self.db, session)
                    .await?
                    .is_some_and(|s| s.created_at > self.now() - chrono::Duration::minutes(FRESH_SESSION_MINUTES));
                if !fresh {
                    return Err(ApiError::new(
                        403,
                        "reauthentication_required",
                        "Confirm with your password (or sign in again) to delete the account",
                    ));
                }
            }
        }
        self.erase_account(user, user).await
    }

    /// Erases the account, at its owner's request or an administrator's (`by`): signed out
    /// everywhere, erased here and, through the personal-data registry and `user.deleted`,
    /// in every other context.
    pub async fn erase_account(&self, user: Uuid, by: Uuid) -> Result<(), ApiError> {
        let now = self.now();
        let avatar = store::profiles::find(&self.db, user).await?.and_then(|p| p.avatar_url);
        let mut tx = self.db.begin().await?;
        let revoked = store::sessions::revoke_all(&mut tx, user, None, "account_deleted", now).await?;
        let request = Request {
            id: kernel::new_id(),
            kind: "DATA_DELETION".into(),
            status: "completed".into(),
            reason: None,
            created_at: now,
            completed_at: None,
            expires_at: None,
            downloadable: false,
            admin_note: None,
        };
        store::privacy::insert_request(&mut tx, user, &request).await?;
        store::privacy::finish_request(&mut tx, request.id, "completed", None, now, None).await?;
        store::privacy::erase(&mut tx, user, now).await?;
        store::privacy::log_access(&mut tx, user, Some(by), "account_erased", None, now).await?;
        self.emit(&mut tx, "user.deleted", user, json!({"userId": user})).await?;
        tx.commit().await?;
        self.events.committed();
        self.forget_sessions(&revoked);
        self.delete_stored_avatar(avatar.as_deref()).await;
        self.personal_data.erase_all(user).await.map_err(|e| {
            tracing::error!(error = %e, "erasure failed in another context; user.deleted will be retried there");
            ApiError::unavailable("The account is deleted; some data is still being erased", Some(60))
        })?;
        Ok(())
    }
}
