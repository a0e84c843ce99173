//! Events identity consumes: a user who becomes a provider in the catalog gets the `host`
//! role (their next access token carries it).

use async_trait::async_trait;
use kernel::{Clock, EventEnvelope};
use platform::db::{Tx, query};
use platform::events::{EventHandler, HandlerError, enqueue};
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

/// Consumer name: dedupe records are keyed on it, so it must never change.
pub const ROLES_CONSUMER: &str = "identity.roles";

pub struct RoleSync {
    pub clock: Arc<dyn Clock>,
}

#[async_trait]
impl EventHandler for RoleSync {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        if event.event_type != "provider.created" {
            return Ok(());
        }
        let Some(user) = event.data.get("userId").and_then(|v| v.as_str()).and_then(|v| v.parse::<Uuid>().ok()) else {
            tracing::warn!(event_id = %event.id, "provider.created without a userId: skipped");
            return Ok(());
        };
        let now = self.clock.now();
        // Only plain users are promoted; admins keep their role.
        let changed = query("UPDATE users SET role = 'host', updated_at = $1 WHERE id = $2 AND role = 'user'")
            .bind(now)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        if changed == 1 {
            let data = json!({"userId": user, "from": "user", "to": "host", "by": "catalog"});
            enqueue(tx, &EventEnvelope::new("user.role_changed", user, now, data)).await?;
        }
        Ok(())
    }
}
