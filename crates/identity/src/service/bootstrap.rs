//! Creating accounts from the command line (`sojourn admin create-user`), for when no
//! administrator exists yet to do it over HTTP.

use platform::auth::Role;
use platform::db::Db;
use serde_json::json;
use uuid::Uuid;

use super::check_policy;
use crate::domain::email::Email;
use crate::domain::password::{self, HashCost};
use crate::store::{self, users::NewUser};

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
        // Told as events, as the same changes over HTTP are: a running server learns of them
        // through the outbox (its cached `/auth/profile` answer among others).
        let id = existing.id;
        if existing.role != role {
            let data = json!({"userId": id, "from": existing.role.as_str(), "to": role.as_str(), "by": "cli"});
            platform::events::enqueue(&mut tx, &kernel::EventEnvelope::new("user.role_changed", id, now, data)).await?;
        }
        let data = json!({"userId": id, "via": "cli", "sessionsRevoked": 0});
        platform::events::enqueue(&mut tx, &kernel::EventEnvelope::new("user.password_changed", id, now, data)).await?;
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
