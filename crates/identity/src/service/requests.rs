//! Data-subject requests: the export (a JSON archive of everything the platform holds about
//! the user, built at once), deletion requests (completed by an administrator) and immediate
//! account erasure (personal data erased everywhere, financial records kept anonymous), and
//! the log of who accessed the data.

use kernel::{ApiError, FieldError};
use platform::events::admin_action;
use serde_json::{Value, json};
use uuid::Uuid;

use super::Accounts;
use super::privacy::{consent_snapshots, consent_view};
use crate::domain::password::Verified;
use crate::domain::user::{Status, UserView};
use crate::store::{self, requests::Request};

pub const REQUEST_TYPES: [&str; 5] =
    ["DATA_EXPORT", "DATA_DELETION", "DATA_RECTIFICATION", "RESTRICTION", "PORTABILITY"];
pub const STATUSES: [&str; 5] = ["PENDING", "IN_PROGRESS", "COMPLETED", "REJECTED", "CANCELLED"];
/// Statuses an administrator can set on a request.
pub const HANDLING: [&str; 3] = ["IN_PROGRESS", "COMPLETED", "REJECTED"];
/// Export archives can be downloaded for this long.
const ARCHIVE_DAYS: i64 = 7;
/// Deleting the account without the password needs a sign-in at most this recent.
const FRESH_SESSION_MINUTES: i64 = 10;

/// A status in DreamScape's spelling, from any case (our earlier `received` is `PENDING`).
pub fn status(raw: &str) -> Option<&'static str> {
    let upper = raw.trim().to_ascii_uppercase();
    let upper = if upper == "RECEIVED" { "PENDING".to_owned() } else { upper };
    STATUSES.iter().copied().find(|s| *s == upper)
}

fn is_export(kind: &str) -> bool {
    matches!(kind, "DATA_EXPORT" | "PORTABILITY")
}

impl Accounts {
    /// The user's requests, newest first; with their archives when `with_archive`.
    pub async fn requests(&self, user: Uuid, with_archive: bool) -> Result<Vec<Request>, ApiError> {
        Ok(store::requests::list(&self.db, user, with_archive).await?)
    }

    /// One of the user's requests: `404` when unknown, `403` when someone else's.
    pub async fn request(&self, user: Uuid, id: Uuid, with_archive: bool) -> Result<Request, ApiError> {
        let r = store::requests::find(&self.db, id, with_archive)
            .await?
            .ok_or_else(|| ApiError::not_found("Request not found"))?;
        if r.user_id != user {
            return Err(ApiError::forbidden("Access denied"));
        }
        Ok(r)
    }

    /// Files a request (`PENDING`). Exports are produced at once (`COMPLETED`, or `REJECTED`
    /// with a note and a 503 if another context could not answer); the others wait for an
    /// administrator.
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
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        let now = self.now();
        let request = Request {
            id: kernel::new_id(),
            user_id: user,
            request_type: kind.to_owned(),
            status: "PENDING".into(),
            requested_at: now,
            processed_at: None,
            completed_at: None,
            export_data: None,
            expires_at: None,
            reason: reason.map(str::to_owned),
            notes: None,
            downloadable: false,
        };
        let mut tx = self.db.begin().await?;
        store::requests::insert(&mut tx, &request).await?;
        let data = json!({"userId": user, "requestId": request.id, "type": kind});
        self.emit(&mut tx, "user.gdpr_requested", user, data).await?;
        tx.commit().await?;
        self.events.committed();
        if is_export(kind) {
            let archive = self.export(user).await;
            let mut tx = self.db.begin().await?;
            let done = self.now();
            match &archive {
                Ok(archive) => {
                    let expires = Some(done + chrono::Duration::days(ARCHIVE_DAYS));
                    let id = request.id;
                    store::requests::finish(&mut tx, id, "COMPLETED", Some(archive.clone()), None, done, expires)
                        .await?;
                    let detail = request.id.to_string();
                    store::privacy::log_access(&mut tx, user, None, "export_generated", Some(&detail), done).await?;
                }
                Err(_) => {
                    let note = "Part of the data could not be gathered; please ask again";
                    store::requests::finish(&mut tx, request.id, "REJECTED", None, Some(note), done, None).await?;
                }
            }
            tx.commit().await?;
            archive?;
        }
        self.request(user, request.id, false).await
    }

    /// The archive of a completed export, while it has not expired.
    pub async fn download(&self, user: Uuid, id: Uuid) -> Result<Value, ApiError> {
        let request = self.request(user, id, true).await?;
        if request.status != "COMPLETED" {
            return Err(ApiError::new(400, "export_not_completed", "Export is not completed yet"));
        }
        let live = request.expires_at.is_some_and(|e| e > self.now());
        let archive = match request.export_data {
            Some(archive) if live => archive,
            _ => return Err(ApiError::new(404, "archive_unavailable", "Export data not available")),
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
    ) -> Result<(Vec<Request>, i64), ApiError> {
        Ok(store::requests::queue(&self.db, status, page.limit, page.offset).await?)
    }

    /// An administrator moves a request along. Completing a deletion request erases the
    /// account.
    pub async fn handle_request(
        &self,
        admin: Uuid,
        id: Uuid,
        status: &str,
        note: Option<&str>,
    ) -> Result<Request, ApiError> {
        let Some(status) = self::status(status).filter(|s| HANDLING.contains(s)) else {
            return Err(ApiError::validation(vec![FieldError::new(
                "status",
                "must be IN_PROGRESS, COMPLETED or REJECTED",
            )]));
        };
        if note.is_some_and(|n| n.chars().count() > 1000) {
            return Err(ApiError::validation(vec![FieldError::new("note", "must be at most 1000 characters")]));
        }
        let request = store::requests::find(&self.db, id, false)
            .await?
            .ok_or_else(|| ApiError::not_found("Request not found"))?;
        let owner = request.user_id;
        let erase = request.request_type == "DATA_DELETION"
            && status == "COMPLETED"
            && self.user(owner).await.is_ok_and(|u| u.status != Status::Deleted);
        if erase {
            self.erase_account(owner, admin, Some((id, note))).await?;
        } else {
            let now = self.now();
            let mut tx = self.db.begin().await?;
            store::requests::set_status(&mut tx, id, status, note, now).await?;
            let detail = format!("{id}: {status}");
            store::privacy::log_access(&mut tx, owner, Some(admin), "request_handled", Some(&detail), now).await?;
            let data = json!({"userId": owner, "requestId": id, "status": status, "by": admin});
            self.emit(&mut tx, "user.gdpr_request_updated", owner, data).await?;
            tx.commit().await?;
            self.events.committed();
        }
        self.request(owner, id, false).await
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
        let owner = self.owner(user).await?;
        let (favorites, _) = store::favorites::list(&self.db, user, None, 10_000, 0).await?;
        let favorites: Vec<_> = favorites.into_iter().map(|f| Self::favorite_view(f, &owner)).collect();
        let everything = store::history::HistoryFilter::default();
        let (history, _) = store::history::list(&self.db, user, &everything, 100_000, 0).await?;
        let sessions = store::sessions::all_for_user(&self.db, user).await?;
        let (access, _) = store::privacy::access_log(&self.db, user, 100_000, 0).await?;
        let consents = store::privacy::consent_history(&self.db, user).await?;
        // The number a code was sent to, never the code (only its digest is kept anyway).
        let phone_verification = store::phone::find(&self.db, user).await?.map(|p| {
            json!({"phoneNumber": p.phone_number, "attempts": p.attempts, "createdAt": p.created_at,
                   "expiresAt": p.expires_at})
        });
        // Earlier archives are not copied into this one.
        let requests: Vec<Value> = self
            .requests(user, false)
            .await?
            .into_iter()
            .map(|r| {
                let mut v = json!(r);
                v.as_object_mut().map(|o| o.remove("exportData"));
                v
            })
            .collect();
        Ok(json!({
            "account": UserView::from(&account),
            "profile": profile.export(),
            "onboarding": onboarding.map(|o| json!({"answers": o.steps, "travelProfile": o.answers,
                "completedSteps": o.completed_steps, "startedAt": o.started_at, "completedAt": o.completed_at})),
            "favorites": favorites,
            "history": history,
            "searches": self.recent_searches(user, super::history::MAX_RECENT).await?,
            "priceAlerts": self.price_alerts(user).await?,
            "sessions": sessions,
            "phoneVerification": phone_verification,
            "consent": consent_view(user, &consents),
            "consentHistory": consent_snapshots(user, &consents),
            "consents": consents,
            "privacyPolicyAcceptances": self.accepted_policies(user).await?,
            "requests": requests,
            "accessLog": access,
        }))
    }

    /// The export archive: this context's data plus every other context's, through the
    /// platform's personal-data registry. DreamScape's export keys (`user`, `profile`,
    /// `favorites`, …) are repeated at the top level for its clients.
    pub async fn export(&self, user: Uuid) -> Result<Value, ApiError> {
        let identity = self.identity_part(user).await?;
        let mut contexts = serde_json::Map::new();
        for (name, part) in self.personal_data.export_all(user).await.map_err(|e| {
            tracing::error!(error = %e, "export failed in another context");
            ApiError::unavailable("Part of your data could not be gathered; try again later", Some(60))
        })? {
            contexts.insert(name, part);
        }
        // DreamScape's export keys at the top level; what only Sojourn has stays under
        // `contexts.identity`.
        let mut identity = identity;
        let mut take = |key: &str| identity.as_object_mut().and_then(|o| o.remove(key)).unwrap_or(Value::Null);
        let mut user_doc = take("account");
        let profile = take("profile");
        user_doc["isVerified"] = user_doc["emailVerified"].clone();
        user_doc["dateOfBirth"] = profile["dateOfBirth"].clone();
        let settings = json!({"language": profile["language"], "currency": profile["currency"],
            "timezone": profile["timezone"], "theme": profile["theme"]});
        let mut consent = take("consent");
        consent["history"] = take("consentHistory");
        let archive = json!({
            "format": "sojourn-export/2",
            "generatedAt": self.now(),
            "userId": user,
            "user": user_doc,
            "profile": profile,
            "preferences": null,
            "settings": settings,
            "favorites": take("favorites"),
            "history": take("history"),
            "travelOnboarding": take("onboarding"),
            "consent": consent,
            "searches": take("searches"),
            "policyAcceptances": take("privacyPolicyAcceptances"),
            "priceAlerts": take("priceAlerts"),
            "contexts": {},
        });
        let mut archive = archive;
        contexts.insert("identity".into(), identity);
        archive["contexts"] = Value::Object(contexts);
        Ok(archive)
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
        self.erase_account(user, user, None).await
    }

    /// Erases `user`'s personal data here and in every other context. `request` is the
    /// deletion request being completed (with an administrator's note), else one is recorded.
    pub(crate) async fn erase_account(
        &self,
        user: Uuid,
        actor: Uuid,
        request: Option<(Uuid, Option<&str>)>,
    ) -> Result<(), ApiError> {
        let now = self.now();
        let avatar = store::profiles::find(&self.db, user).await?.and_then(|p| p.avatar_url);
        let mut tx = self.db.begin().await?;
        let revoked = store::sessions::revoke_all(&mut tx, user, None, "account_deleted", now).await?;
        if let Some((id, note)) = request {
            store::requests::set_status(&mut tx, id, "COMPLETED", note, now).await?;
        } else {
            let id = kernel::new_id();
            let record = Request {
                id,
                user_id: user,
                request_type: "DATA_DELETION".into(),
                status: "PENDING".into(),
                requested_at: now,
                processed_at: None,
                completed_at: None,
                export_data: None,
                expires_at: None,
                reason: None,
                notes: None,
                downloadable: false,
            };
            store::requests::insert(&mut tx, &record).await?;
            store::requests::finish(&mut tx, id, "COMPLETED", None, None, now, None).await?;
        }
        store::privacy::erase(&mut tx, user, now).await?;
        store::privacy::log_access(&mut tx, user, Some(actor), "account_erased", None, now).await?;
        self.emit(&mut tx, "user.deleted", user, json!({"userId": user})).await?;
        if actor != user {
            let detail = json!({"requestId": request.map(|(id, _)| id)});
            let action = admin_action(actor, "user.delete", ("user", &user.to_string()), detail, now);
            platform::events::enqueue(&mut tx, &action).await?;
        }
        tx.commit().await?;
        self.forget_account(user).await;
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
