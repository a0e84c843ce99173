//! Sessions whose access tokens must stop working before they expire (logout, logout-all,
//! password change, suspension). Entries live only as long as a token of that session could:
//! the access-token lifetime after revocation.

use std::collections::HashMap;
use std::sync::RwLock;

use uuid::Uuid;

#[derive(Default)]
pub struct Revocations {
    /// Session id → instant (unix seconds) after which no token of it can be alive anyway.
    sessions: RwLock<HashMap<Uuid, i64>>,
}

impl Revocations {
    pub fn revoke(&self, session: Uuid, until: i64, now: i64) {
        let Ok(mut map) = self.sessions.write() else { return };
        if map.len() > 1024 && map.len().is_power_of_two() {
            map.retain(|_, until| *until > now);
        }
        map.insert(session, until);
    }

    pub fn is_revoked(&self, session: Uuid, now: i64) -> bool {
        // A poisoned lock means a writer panicked mid-update: refuse rather than guess.
        self.sessions.read().map_or(true, |map| map.get(&session).is_some_and(|until| *until > now))
    }
}
