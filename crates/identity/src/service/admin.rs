//! Administration of accounts: listing and searching, status changes (suspension takes effect
//! on live tokens at once, and may end by itself), and roles.

use chrono::{DateTime, Utc};
use kernel::ApiError;
use platform::auth::Role;
use serde_json::json;
use uuid::Uuid;

use super::Accounts;
use crate::domain::user::{Status, User};
use crate::store;

impl Accounts {
    pub async fn user_for_admin(&self, id: Uuid) -> Result<User, ApiError> {
        store::users::find(&self.db, id).await?.ok_or_else(|| ApiError::not_found("User not found"))
    }

    /// An account that can still be changed: erased accounts stay erased.
    pub(crate) async fn changeable(&self, id: Uuid) -> Result<User, ApiError> {
        let user = self.user_for_admin(id).await?;
        if user.status == Status::Deleted {
            return Err(ApiError::new(409, "account_deleted", "This account was deleted at its owner's request"));
        }
        Ok(user)
    }

    /// Sets the status; anything but `active` signs the account out everywhere at once.
    /// `until` ends a suspension by itself (checked at the next sign-in attempt).
    pub async fn set_status(
        &self,
        admin: Uuid,
        id: Uuid,
        status: Status,
        reason: Option<&str>,
        until: Option<DateTime<Utc>>,
    ) -> Result<User, ApiError> {
        if admin == id {
            return Err(ApiError::unprocessable("Administrators cannot change their own status"));
        }
        let before = self.changeable(id).await?;
        let now = self.now();
        let until = until.filter(|_| status == Status::Suspended);
        let mut tx = self.db.begin().await?;
        store::users::set_status(&mut tx, id, status, reason, until, now).await?;
        let held = |s: Status| matches!(s, Status::Suspended | Status::Banned);
        if held(status) != held(before.status) {
            store::admin_users::stamp_suspension(&mut tx, id, held(status).then_some(now)).await?;
        }
        let revoked = if status == Status::Active {
            Vec::new()
        } else {
            store::sessions::revoke_all(&mut tx, id, None, status.as_str(), now).await?
        };
        if before.status != status {
            let data = json!({"userId": id, "from": before.status.as_str(), "to": status.as_str(), "reason": reason,
                              "until": until, "by": admin});
            self.emit(&mut tx, "user.status_changed", id, data).await?;
        }
        let user = store::users::find_tx(&mut tx, id).await?.ok_or_else(ApiError::internal)?;
        tx.commit().await?;
        self.forget_account(id).await;
        self.events.committed();
        self.forget_sessions(&revoked);
        Ok(user)
    }

    /// Changes the role. Taking a role away signs the account out, so no token keeps it.
    pub async fn set_role(&self, admin: Uuid, id: Uuid, role: Role) -> Result<User, ApiError> {
        if admin == id {
            return Err(ApiError::unprocessable("Administrators cannot change their own role"));
        }
        let before = self.changeable(id).await?;
        if before.role == role {
            return Ok(before);
        }
        let now = self.now();
        let demoted = before.role == Role::Admin || (before.role == Role::Host && role == Role::User);
        let mut tx = self.db.begin().await?;
        store::users::set_role(&mut tx, id, role, now).await?;
        let revoked = if demoted {
            store::sessions::revoke_all(&mut tx, id, None, "role_changed", now).await?
        } else {
            Vec::new()
        };
        let data = json!({"userId": id, "from": before.role.as_str(), "to": role.as_str(), "by": admin});
        self.emit(&mut tx, "user.role_changed", id, data).await?;
        let user = store::users::find_tx(&mut tx, id).await?.ok_or_else(ApiError::internal)?;
        tx.commit().await?;
        self.forget_account(id).await;
        self.events.committed();
        self.forget_sessions(&revoked);
        Ok(user)
    }
}

/// A suspension length such as `30m`, `12h`, `7d` or `2w` (at most a year).
pub fn parse_duration(raw: &str) -> Option<chrono::Duration> {
    let raw = raw.trim();
    let unit = raw.chars().last()?;
    let n: i64 = raw.get(..raw.len() - unit.len_utf8())?.parse().ok().filter(|n| *n > 0)?;
    let d = match unit {
        'm' => chrono::Duration::minutes(n),
        'h' => chrono::Duration::hours(n),
        'd' => chrono::Duration::days(n),
        'w' => chrono::Duration::weeks(n),
        _ => return None,
    };
    (d <= chrono::Duration::days(366)).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("7d"), Some(chrono::Duration::days(7)));
        assert_eq!(parse_duration("30m"), Some(chrono::Duration::minutes(30)));
        assert_eq!(parse_duration("2w"), Some(chrono::Duration::weeks(2)));
        for bad in ["", "d", "0d", "-1d", "7", "7y", "400d", "1.5d"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
