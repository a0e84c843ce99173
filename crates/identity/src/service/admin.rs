//! Administration of accounts: status changes (suspension takes effect on live tokens at
//! once) and creating accounts from the command line.

use kernel::ApiError;
use platform::auth::Role;
use platform::db::Db;
use serde_json::json;
use uuid::Uuid;

use super::{Accounts, check_policy};
use crate::domain::email::Email;
use crate::domain::password::{self, HashCost};
use crate::domain::user::{Status, User};
use crate::store::{self, users::NewUser};

impl Accounts {
    pub async fn set_status(
        &self,
        admin: Uuid,
        id: Uuid,
        status: Status,
        reason: Option<&str>,
    ) -> Result<User, ApiError> {
        if admin == id {
            return Err(ApiError::unprocessable("Administrators cannot change their own status"));
        }
        let before = store::users::find(&self.db, id).await?.ok_or_else(|| ApiError::not_found("User not found"))?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        store::users::set_status(&mut tx, id, status, reason, now).await?;
        let revoked = if status == Status::Active {
            Vec::new()
        } else {
            store::sessions::revoke_all(&mut tx, id, None, status.as_str(), now).await?
        };
        if before.status != status {
            self.emit(
                &mut tx,
                "user.status_changed",
                id,
                json!({"userId": id, "from": before.status.as_str(), "to": status.as_str(), "reason": reason, "by": admin}),
            )
            .await?;
        }
        let user = store::users::find_tx(&mut tx, id).await?.ok_or_else(ApiError::internal)?;
        tx.commit().await?;
        self.events.committed();
        self.forget_sessions(&revoked);
        Ok(user)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("{0}")]
    Invalid(String),
    #[error("an account with this email already exists")]
    Exists,
    #[error(transparent)]
    Db(#[from] platform::db::DbError),
}

/// Creates an account directly in the identity database (`sojourn admin create-user`).
/// An existing account with that email gets the role and the password instead.
pub async fn create_user(
    db: &Db,
    email: &str,
    password: &str,
    role: Role,
    cost: HashCost,
) -> Result<Uuid, CreateUserError> {
    let email = Email::parse(email).map_err(|m| CreateUserError::Invalid(format!("email {m}")))?;
    check_policy("password", password).map_err(|e| {
        let rules: Vec<String> = e.details.iter().map(|d| d.message.clone()).collect();
        CreateUserError::Invalid(format!("password {}", rules.join(", ")))
    })?;
    let hash = password::hash(password, cost).map_err(|e| CreateUserError::Invalid(e.to_string()))?;
    let now = chrono::Utc::now();
    let mut tx = db.begin().await?;
    if let Some(existing) = store::users::find_by_email(db, email.as_str()).await? {
        store::users::set_role(&mut tx, existing.id, role, now).await?;
        store::users::set_password_hash(&mut tx, existing.id, &hash, now).await?;
        tx.commit().await?;
        return Ok(existing.id);
    }
    let id = kernel::new_id();
    let new = NewUser {
        id,
        email: email.as_str(),
        password_hash: &hash,
        first_name: None,
        last_name: None,
        username: None,
        role,
        now,
    };
    store::users::insert(&mut tx, new)
        .await
        .map_err(|e| if e.is_unique_violation("email") { CreateUserError::Exists } else { e.into() })?;
    let event = kernel::EventEnvelope::new(
        "user.created",
        id,
        now,
        json!({"userId": id, "email": email.as_str(), "role": role.as_str()}),
    );
    platform::events::enqueue(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(id)
}
