//! VR sessions' use cases: DreamScape's single-use destination PINs, and tour sessions (start,
//! join by PIN, read, end, expire). The leader's moves are in [`super::live`].

use chrono::{DateTime, Duration, Utc};
use kernel::ApiError;
use platform::auth::Actor;
use platform::config::Limit;
use platform::db::Tx;
use platform::http::ClientIp;
use platform::realtime::Room;
use serde_json::{Value, json};
use uuid::Uuid;

use super::Vr;
use super::rules::{self, LiveState};
use super::store::{self, TourSession};

/// A tour session ends this long after its last activity (a move, a join).
pub const IDLE_EXPIRY: Duration = Duration::hours(2);
/// Live sessions one leader may hold at once.
pub const MAX_LED: i64 = 10;
/// Viewers one session may record.
pub const MAX_VIEWERS: i64 = 500;
/// Fresh PINs tried before giving up (each is free with probability ≥ 99.9 % unless the PIN
/// space is nearly full).
const PIN_ATTEMPTS: usize = 32;

/// A destination PIN just made.
#[derive(Debug, Clone)]
pub struct CreatedPin {
    pub pin: String,
    pub destination: String,
    pub expires_at: DateTime<Utc>,
}

/// What a PIN opens.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    /// DreamScape's destination (the PIN is now used).
    Destination(String),
    /// A tour session (the PIN stays valid for other viewers).
    Tour { tour_id: Uuid, session_id: Uuid },
}

pub fn pin_not_found() -> ApiError {
    ApiError::new(404, "pin_not_found", "PIN not found or expired")
}

pub fn pin_expired() -> ApiError {
    ApiError::new(410, "pin_expired", "PIN has expired")
}

pub fn pin_used() -> ApiError {
    ApiError::new(409, "pin_used", "PIN has already been used")
}

pub fn session_not_found() -> ApiError {
    ApiError::new(404, "tour_session_not_found", "Tour session not found")
}

pub fn tour_not_found() -> ApiError {
    ApiError::new(404, "tour_not_found", "Tour not found")
}

/// A session as its leader and viewers read it, with the state to show.
pub fn session_json(s: &TourSession) -> Value {
    json!({
        "id": s.id, "pin": s.pin, "tourId": s.tour_id, "listingId": s.listing_id, "leaderId": s.leader_id,
        "expiresAt": s.expires_at, "state": state_json(&s.state, s.seq),
    })
}

pub fn state_json(state: &LiveState, seq: i64) -> Value {
    json!({ "sceneId": state.scene_id, "view": state.view, "pointer": state.pointer, "seq": seq })
}

impl Vr {
    fn now(&self) -> DateTime<Utc> {
        self.media.clock.now()
    }

    /// Counts one request of `what` from the client's address against `limit` (429 past it).
    pub async fn limit(&self, what: &str, ip: &ClientIp, limit: Limit) -> Result<(), ApiError> {
        self.media.limits.check(&format!("vr:{what}:{}", ip.label()), limit).await.map_err(ApiError::from)
    }

    /// Allocates a PIN no live session holds (expired DreamScape PINs are purged first).
    async fn allocate(
        &self,
        tx: &mut Tx,
        destination: &str,
        tour_session: Option<Uuid>,
        creator: Option<Uuid>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<String, ApiError> {
        let now = self.now();
        store::purge_pins(&mut *tx, now).await?;
        for _ in 0..PIN_ATTEMPTS {
            let pin = rules::new_pin().ok_or_else(|| {
                tracing::error!("the system random generator failed");
                ApiError::internal()
            })?;
            if store::insert_pin(tx, &pin, destination, tour_session, creator, now, expires_at).await? {
                return Ok(pin);
            }
        }
        Err(ApiError::unavailable("No free PIN right now, try again shortly", Some(5)))
    }

    /// DreamScape's `POST /vr/sessions`: a single-use PIN for `destination`.
    pub async fn create_pin(&self, destination: String, creator: Option<Uuid>) -> Result<CreatedPin, ApiError> {
        let ttl = i64::try_from(self.media.config.media.vr_pin_ttl_secs).unwrap_or(600);
        let expires_at = self.now() + Duration::seconds(ttl);
        let mut tx = self.media.db.begin().await?;
        let pin = self.allocate(&mut tx, &destination, None, creator, Some(expires_at)).await?;
        tx.commit().await?;
        Ok(CreatedPin { pin, destination, expires_at })
    }

    /// DreamScape's `GET /vr/sessions/{pin}`: a destination PIN is used up by the first
    /// answer; a tour session's PIN answers every viewer while the session lives.
    pub async fn resolve(&self, pin: &str) -> Result<Resolved, ApiError> {
        if !rules::pin_format_ok(pin) {
            return Err(rules::invalid_pin());
        }
        let now = self.now();
        let found = store::find_pin(&self.media.db, pin).await?.ok_or_else(pin_not_found)?;
        if let Some(session) = found.tour_session_id {
            let s = store::find_session(&self.media.db, session).await?.ok_or_else(pin_not_found)?;
            if s.expires_at <= now {
                self.end_session(session, "expired").await?;
                return Err(pin_expired());
            }
            return Ok(Resolved::Tour { tour_id: s.tour_id, session_id: s.id });
        }
        if store::use_pin(&self.media.db, pin, now).await? {
            return Ok(Resolved::Destination(found.destination));
        }
        // Lost: say why, as DreamScape's gateway does (expired first, then used).
        let Some(row) = store::find_pin(&self.media.db, pin).await? else { return Err(pin_not_found()) };
        if row.expires_at.is_some_and(|at| at <= now) {
            store::delete_expired_pin(&self.media.db, pin, now).await?;
            return Err(pin_expired());
        }
        Err(pin_used())
    }

    /// Starts a live session of tour `tour_id`, led by `actor` (anyone who may see the tour).
    pub async fn start_session(&self, actor: Actor, tour_id: Uuid) -> Result<TourSession, ApiError> {
        let tour = crate::store::tours::find(&self.media.db, tour_id).await?.ok_or_else(tour_not_found)?;
        self.media
            .visible_listing(tour.listing_id, Some(actor))
            .await
            .map_err(|e| if e.status == 404 { tour_not_found() } else { e })?;
        let start =
            tour.document.start().ok_or_else(|| ApiError::new(409, "tour_empty", "This tour has no scene to show"))?;
        let now = self.now();
        if store::count_led(&self.media.db, actor.user_id, now).await? >= MAX_LED {
            return Err(ApiError::new(409, "too_many_sessions", format!("At most {MAX_LED} live sessions at once")));
        }
        let state = LiveState { scene_id: start.id.clone(), view: start.initial_view, pointer: None };
        let id = kernel::new_id();
        let mut tx = self.media.db.begin().await?;
        let pin = self.allocate(&mut tx, &format!("tour:{tour_id}"), Some(id), Some(actor.user_id), None).await?;
        let session = TourSession {
            id,
            pin,
            tour_id,
            listing_id: tour.listing_id,
            leader_id: actor.user_id,
            state,
            seq: 0,
            created_at: now,
            updated_at: now,
            expires_at: now + IDLE_EXPIRY,
        };
        store::insert_session(&mut tx, &session).await?;
        tx.commit().await?;
        Ok(session)
    }

    /// A live session, its state as fresh as this process knows it.
    pub async fn live_session(&self, id: Uuid) -> Result<Option<TourSession>, ApiError> {
        let Some(mut s) = store::find_session(&self.media.db, id).await? else { return Ok(None) };
        if s.expires_at <= self.now() {
            return Ok(None);
        }
        if let Some((state, seq)) = self.live.latest(id).await
            && seq > s.seq
        {
            s.state = state;
            s.seq = seq;
        }
        Ok(Some(s))
    }

    /// Records `actor` as a viewer of the session behind `pin`.
    pub async fn join(&self, actor: Actor, pin: &str) -> Result<TourSession, ApiError> {
        if !rules::pin_format_ok(pin) {
            return Err(rules::invalid_pin());
        }
        let found = store::find_pin(&self.media.db, pin).await?.ok_or_else(pin_not_found)?;
        let Some(id) = found.tour_session_id else {
            return Err(ApiError::new(409, "not_a_tour_session", "This PIN opens a destination, not a tour session"));
        };
        let session = self.live_session(id).await?.ok_or_else(pin_not_found)?;
        self.media
            .visible_listing(session.listing_id, Some(actor))
            .await
            .map_err(|e| if e.status == 404 { pin_not_found() } else { e })?;
        let db = &self.media.db;
        if actor.user_id != session.leader_id && !store::is_viewer(db, id, actor.user_id).await? {
            if store::count_viewers(db, id).await? >= MAX_VIEWERS {
                return Err(ApiError::new(409, "session_full", format!("At most {MAX_VIEWERS} viewers per session")));
            }
            store::add_viewer(db, id, actor.user_id, self.now()).await?;
        }
        store::touch(db, id, self.now() + IDLE_EXPIRY).await?;
        Ok(session)
    }

    /// Whether `user` may follow session `s`: its leader, or a viewer who joined by PIN.
    pub async fn is_participant(&self, s: &TourSession, user: Uuid) -> Result<bool, ApiError> {
        Ok(s.leader_id == user || store::is_viewer(&self.media.db, s.id, user).await?)
    }

    /// The session for its leader, its viewers and administrators; 404 for anyone else.
    pub async fn session_for(&self, actor: Actor, id: Uuid) -> Result<TourSession, ApiError> {
        let s = self.live_session(id).await?.ok_or_else(session_not_found)?;
        if actor.admin || self.is_participant(&s, actor.user_id).await? { Ok(s) } else { Err(session_not_found()) }
    }

    /// Ends a session (its leader or an administrator); viewers hear `vr:ended`.
    pub async fn end(&self, actor: Actor, id: Uuid) -> Result<(), ApiError> {
        let s = self.session_for(actor, id).await?;
        if s.leader_id != actor.user_id && !actor.admin {
            return Err(ApiError::new(403, "not_leader", "Only the session's leader can end it"));
        }
        self.end_session(id, "ended").await
    }

    /// Deletes session `id` and tells its room why (`ended`, `expired`).
    pub async fn end_session(&self, id: Uuid, reason: &str) -> Result<(), ApiError> {
        let mut tx = self.media.db.begin().await?;
        let existed = store::delete_session(&mut tx, id).await?;
        tx.commit().await?;
        self.live.forget(id).await;
        if existed {
            self.realtime.publish(Room::Session(id), "vr:ended", json!({ "sessionId": id, "reason": reason }));
        }
        Ok(())
    }

    /// The periodic sweep: expired DreamScape PINs and tour sessions.
    pub async fn sweep(&self) -> Result<(), ApiError> {
        let now = self.now();
        store::purge_pins(&self.media.db, now).await?;
        for id in store::expired_sessions(&self.media.db, now, 500).await? {
            self.end_session(id, "expired").await?;
        }
        Ok(())
    }
}
