//! The leader's moves: checked, numbered (`seq`), broadcast to the session's room as
//! `vr:state`, and persisted so late joiners and other processes see the current state.
//!
//! A leader looking around sends many small moves; each process keeps the sessions it is
//! moving in memory so a move costs no database read. A scene change is persisted at once;
//! moves within a scene (view, pointer) are broadcast at most [`MOVES_PER_SEC`] per session
//! (extras are dropped: the next one supersedes them anyway) and persisted at most once a
//! second, by the move itself or by the flush that runs every second. An entry not moved for
//! [`RELOAD_AFTER`] is read again, so a leader switching between processes (HTTP here, a
//! socket there) continues from the stored state.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kernel::ApiError;
use platform::auth::Actor;
use platform::realtime::Room;
use serde_json::json;
use uuid::Uuid;

use super::Vr;
use super::rules::{LiveState, MoveInput};
use super::service::{IDLE_EXPIRY, session_not_found};
use super::store;

/// Moves within a scene broadcast per second and session (a burst of as many is allowed).
pub const MOVES_PER_SEC: f64 = 20.0;
/// At most one write of moves within a scene per second and session.
const PERSIST_EVERY: Duration = Duration::from_secs(1);
/// An entry idle this long is read again from the database before the next move.
const RELOAD_AFTER: Duration = Duration::from_secs(2);
/// Entries idle this long are dropped by the flush.
const EVICT_AFTER: Duration = Duration::from_secs(60);

struct Entry {
    leader: Uuid,
    scenes: HashSet<String>,
    state: LiveState,
    seq: i64,
    used_at: Instant,
    persisted_at: Instant,
    dirty: bool,
    tokens: f64,
    refilled_at: Instant,
}

impl Entry {
    /// Takes one broadcast token (refilled at [`MOVES_PER_SEC`]).
    fn take_token(&mut self) -> bool {
        let now = Instant::now();
        let refill = now.duration_since(self.refilled_at).as_secs_f64() * MOVES_PER_SEC;
        self.tokens = (self.tokens + refill).min(MOVES_PER_SEC);
        self.refilled_at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

type Slot = Arc<tokio::sync::Mutex<Option<Entry>>>;

/// This process's sessions in motion.
#[derive(Default)]
pub struct Live {
    slots: Mutex<HashMap<Uuid, Slot>>,
}

impl Live {
    fn slot(&self, id: Uuid) -> Option<Slot> {
        let mut slots = self.slots.lock().ok()?;
        Some(slots.entry(id).or_default().clone())
    }

    fn existing(&self, id: Uuid) -> Option<Slot> {
        self.slots.lock().ok()?.get(&id).cloned()
    }

    /// The state this process last applied to session `id`, if it holds it.
    pub async fn latest(&self, id: Uuid) -> Option<(LiveState, i64)> {
        let slot = self.existing(id)?;
        let entry = slot.lock().await;
        entry.as_ref().map(|e| (e.state.clone(), e.seq))
    }

    pub async fn forget(&self, id: Uuid) {
        if let Ok(mut slots) = self.slots.lock() {
            slots.remove(&id);
        }
    }

    /// Forgets `id` unless a move holds its slot (`held` is the caller's own clone).
    fn forget_unheld(&self, id: Uuid, held: Slot) {
        if let Ok(mut slots) = self.slots.lock()
            && slots.get(&id).is_some_and(|s| Arc::ptr_eq(s, &held) && Arc::strong_count(s) == 2)
        {
            slots.remove(&id);
        }
    }
}

/// What became of a move.
#[derive(Debug, Clone)]
pub struct Moved {
    /// False when it was dropped by the throttle (`state` is then the current one).
    pub applied: bool,
    pub state: LiveState,
    pub seq: i64,
}

impl Vr {
    /// Applies a move of session `id` by `actor`: only its leader may (403 `not_leader` for
    /// its viewers and administrators, 404 for anyone else).
    pub async fn move_state(&self, actor: Actor, id: Uuid, input: MoveInput) -> Result<Moved, ApiError> {
        let slot = self.live.slot(id).ok_or_else(ApiError::internal)?;
        let mut guard = slot.lock().await;
        let stale = guard.as_ref().is_none_or(|e| e.used_at.elapsed() > RELOAD_AFTER);
        if stale {
            if let Some(entry) = guard.as_mut() {
                self.persist(id, entry).await?;
            }
            *guard = self.load(id).await?;
        }
        let Some(entry) = guard.as_mut() else {
            drop(guard);
            self.live.forget(id).await;
            return Err(session_not_found());
        };
        if entry.leader != actor.user_id {
            let may_see = actor.admin || store::is_viewer(&self.media.db, id, actor.user_id).await?;
            return Err(if may_see {
                ApiError::new(403, "not_leader", "Only the session's leader moves it")
            } else {
                session_not_found()
            });
        }
        let state = input.validate(|scene| entry.scenes.contains(scene))?;
        entry.used_at = Instant::now();
        let scene_change = state.scene_id != entry.state.scene_id;
        if !scene_change && !entry.take_token() {
            return Ok(Moved { applied: false, state: entry.state.clone(), seq: entry.seq });
        }
        entry.seq += 1;
        entry.state = state;
        entry.dirty = true;
        if scene_change || entry.persisted_at.elapsed() >= PERSIST_EVERY {
            self.persist(id, entry).await?;
        }
        let s = &entry.state;
        let data = json!({ "sessionId": id, "sceneId": s.scene_id, "view": s.view, "pointer": s.pointer,
                           "seq": entry.seq });
        self.realtime.publish(Room::Session(id), "vr:state", data);
        Ok(Moved { applied: true, state: entry.state.clone(), seq: entry.seq })
    }

    /// The session and its tour's scenes, if the session is live.
    async fn load(&self, id: Uuid) -> Result<Option<Entry>, ApiError> {
        let now = self.media.clock.now();
        let Some(s) = store::find_session(&self.media.db, id).await?.filter(|s| s.expires_at > now) else {
            return Ok(None);
        };
        let Some(tour) = crate::store::tours::find(&self.media.db, s.tour_id).await? else { return Ok(None) };
        let at = Instant::now();
        Ok(Some(Entry {
            leader: s.leader_id,
            scenes: tour.document.scenes.iter().map(|sc| sc.id.clone()).collect(),
            state: s.state,
            seq: s.seq,
            used_at: at,
            persisted_at: at,
            dirty: false,
            tokens: MOVES_PER_SEC,
            refilled_at: at,
        }))
    }

    /// Writes the entry's state if it has changes; 404 when the session is gone meanwhile.
    async fn persist(&self, id: Uuid, entry: &mut Entry) -> Result<(), ApiError> {
        if !entry.dirty {
            return Ok(());
        }
        let now = self.media.clock.now();
        let saved = store::save_state(&self.media.db, id, &entry.state, entry.seq, now, now + IDLE_EXPIRY).await?;
        entry.dirty = false;
        entry.persisted_at = Instant::now();
        if saved { Ok(()) } else { Err(session_not_found()) }
    }

    /// Runs every second: writes moves not yet persisted, forgets idle entries.
    pub async fn flush_live(&self) -> Result<(), ApiError> {
        let slots: Vec<(Uuid, Slot)> = match self.live.slots.lock() {
            Ok(slots) => slots.iter().map(|(id, s)| (*id, s.clone())).collect(),
            Err(_) => return Ok(()),
        };
        for (id, slot) in slots {
            // A slot in use is being moved (and persisted) right now.
            let Ok(mut guard) = slot.try_lock() else { continue };
            let idle = match guard.as_mut() {
                Some(entry) if entry.dirty && entry.persisted_at.elapsed() >= PERSIST_EVERY => {
                    if let Err(e) = self.persist(id, entry).await
                        && e.status != 404
                    {
                        tracing::warn!(session = %id, error = %e.message, "tour session state not saved");
                    }
                    false
                }
                Some(entry) => !entry.dirty && entry.used_at.elapsed() > EVICT_AFTER,
                None => true,
            };
            drop(guard);
            if idle {
                self.live.forget_unheld(id, slot);
            }
        }
        Ok(())
    }
}
