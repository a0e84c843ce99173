//! The recommender's work: computing one user's list (on every change about them, inside the
//! transaction that recorded it), rebuilding the model (the job, `/popularity/refresh`), and
//! DreamScape's track/refresh/cleanup operations.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Duration, Utc};
use kernel::{ApiError, Clock};
use platform::db::{Db, DbError, Tx};
use serde_json::json;
use uuid::Uuid;

use super::catalog::{self, Destination};
use super::engine::{self, ALL, Ranking, Scored};
use super::features::{self, SegmentScore};
use super::feedback::{self, Signal};
use super::store::{self, Rec, UserVector};
use crate::profile::{self, Profile};

/// How long a stored recommendation lives (DreamScape: created + 30 days).
pub const LIFETIME_DAYS: i64 = 30;
/// Signals of one user read to compute their list (their newest).
const USER_SIGNALS: i64 = 500;
/// Signals the model is rebuilt from (the newest, within a year).
const MODEL_SIGNALS: i64 = 2_000_000;
/// Users whose lists a rebuild recomputes.
const REBUILD_USERS: i64 = 20_000;
/// The stored list's length.
pub const LIST: usize = 10;

#[derive(Clone)]
pub struct Recommender {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub half_life_days: f64,
    pub interval_secs: u64,
    /// Set by events since the last rebuild.
    pub dirty: Arc<AtomicBool>,
}

/// What a user's computation produced.
#[derive(Debug, Clone)]
pub struct Computed {
    pub vector: UserVector,
    pub segments: Vec<SegmentScore>,
    pub recs: Vec<Rec>,
    pub scored: Vec<Scored>,
}

/// Everything ranking needs about one user.
pub struct UserState {
    pub profile: Option<Profile>,
    pub prefs: HashMap<String, f64>,
    pub booked: Vec<String>,
    pub rejected: Vec<String>,
    pub vector: [f64; 8],
    pub segments: Vec<SegmentScore>,
}

pub async fn user_state(tx: &mut Tx, user: Uuid) -> Result<UserState, DbError> {
    let profile = profile::load_tx(tx, user).await?;
    let past = feedback::of_user(tx, user, USER_SIGNALS).await?;
    let events: Vec<engine::Event> = past
        .iter()
        .map(|p| engine::Event {
            user,
            item: p.destination.clone(),
            weight: p.weight,
            booked: p.action == "book",
            at: p.at,
        })
        .collect();
    let prefs = engine::preferences(&events).remove(&user).unwrap_or_default();
    let mut booked: Vec<String> = past.iter().filter(|p| p.action == "book").map(|p| p.destination.clone()).collect();
    booked.sort();
    booked.dedup();
    let rejected: Vec<String> = prefs.iter().filter(|(_, w)| **w <= -3.0).map(|(d, _)| d.clone()).collect();
    let liked: Vec<(&Destination, f64)> =
        prefs.iter().filter(|(_, w)| **w > 0.0).filter_map(|(d, w)| catalog::get(d).map(|d| (d, *w))).collect();
    let vector = features::user_vector(profile.as_ref(), &liked);
    let segments = features::segments(profile.as_ref(), &vector);
    Ok(UserState { profile, prefs, booked, rejected, vector, segments })
}

/// Ranks every destination the user did not book or reject.
pub async fn rank(tx: &mut Tx, s: &UserState, limit: usize) -> Result<Vec<Scored>, DbError> {
    let neighbours = store::neighbours(&mut *tx).await?;
    let all = store::popularity(&mut *tx, ALL).await?;
    let primary = s.segments.first().map(|x| x.segment).unwrap_or(ALL);
    let segment = store::popularity(&mut *tx, primary).await?;
    let candidates: Vec<String> = catalog::all()
        .iter()
        .map(|d| d.code.clone())
        .filter(|c| !s.booked.contains(c) && !s.rejected.contains(c))
        .collect();
    let ranking = Ranking {
        prefs: &s.prefs,
        booked: &s.booked,
        neighbours: &neighbours,
        all: Some(&all),
        segment: Some((primary, &segment)),
        has_profile: s.profile.is_some(),
    };
    let content = |code: &str| match catalog::get(code) {
        Some(d) => features::content(s.profile.as_ref(), &s.vector, d),
        None => (0.0, Vec::new()),
    };
    let name = |code: &str| catalog::get(code).map(|d| d.name.clone()).unwrap_or_else(|| code.to_owned());
    Ok(ranking.rank(&candidates, content, name, &features::label(primary), limit))
}

/// Recomputes and stores a user's vector, segments and list. Rows for destinations still
/// recommended keep their id and status; the others are deactivated.
pub async fn compute_user(
    tx: &mut Tx,
    user: Uuid,
    now: DateTime<Utc>,
    context: &str,
    source: &str,
) -> Result<Computed, DbError> {
    compute_list(tx, user, now, context, source, LIST).await
}

/// [`compute_user`] keeping `limit` recommendations.
pub async fn compute_list(
    tx: &mut Tx,
    user: Uuid,
    now: DateTime<Utc>,
    context: &str,
    source: &str,
    limit: usize,
) -> Result<Computed, DbError> {
    let s = user_state(tx, user).await?;
    let scored = rank(tx, &s, limit).await?;
    let existing = store::active_tx(tx, user).await?;
    let mut recs = Vec::with_capacity(scored.len());
    let mut writes = platform::db::Batch::new();
    for x in &scored {
        let Some(d) = catalog::get(&x.item) else { continue };
        let mut rec = existing.iter().find(|r| r.destination_id == d.code).cloned().unwrap_or_else(|| Rec {
            id: kernel::new_id(),
            user_id: user,
            destination_id: d.code.clone(),
            destination_name: d.name.clone(),
            destination_type: d.kind.clone(),
            score: 0.0,
            confidence: 0.0,
            reasons: Vec::new(),
            context_type: context.to_owned(),
            context_data: None,
            status: "GENERATED".into(),
            viewed_at: None,
            clicked_at: None,
            booked_at: None,
            rejected_at: None,
            user_rating: None,
            expires_at: now + Duration::days(LIFETIME_DAYS),
            is_active: true,
            created_at: now,
            updated_at: now,
        });
        rec.score = round(x.score);
        rec.confidence = round(x.confidence);
        rec.reasons = x.reasons.clone();
        rec.context_data = Some(json!({"breakdown": {
            "collaborativeScore": round(x.breakdown.collaborative), "contentScore": round(x.breakdown.content),
            "popularityScore": round(x.breakdown.popularity), "segmentScore": round(x.breakdown.segment),
            "trendingScore": round(x.breakdown.trending), "finalScore": round(x.breakdown.final_score)}}));
        rec.updated_at = now;
        writes.push(store::put_query(&rec)?);
        recs.push(rec);
    }
    // The rows active before and not kept: the new ones are all kept.
    for old in existing.iter().filter(|e| !recs.iter().any(|r| r.id == e.id)) {
        writes.push(store::deactivate_query(old.id, now));
    }
    let primary = s.segments.first().map(|x| x.segment).unwrap_or("CULTURAL_ENTHUSIAST");
    let vector = UserVector {
        user_id: user,
        vector: s.vector.iter().map(|v| round(*v)).collect(),
        source: source.to_owned(),
        segments: segments_json(&s.segments, now),
        primary_segment: primary.to_owned(),
        confidence: round(features::confidence(&s.segments)),
        created_at: now,
        updated_at: now,
    };
    writes.push(store::put_vector_query(&vector)?);
    // One round trip for the whole list (on SQLite), not one per row.
    writes.execute(tx).await?;
    Ok(Computed { vector, segments: s.segments, recs, scored })
}

pub fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

pub fn segments_json(segments: &[SegmentScore], at: DateTime<Utc>) -> serde_json::Value {
    json!(
        segments
            .iter()
            .map(|s| json!({"segment": s.segment, "score": s.score, "reasons": s.reasons, "assignedAt": at}))
            .collect::<Vec<_>>()
    )
}

impl Recommender {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Records a signal and recomputes the user's list in one transaction.
    pub async fn signal(&self, s: Signal) -> Result<Computed, ApiError> {
        let mut tx = self.db.begin().await?;
        let user = s.user;
        feedback::insert(&mut tx, &s).await?;
        let out = compute_user(&mut tx, user, self.now(), "general", "behaviour").await?;
        tx.commit().await?;
        self.dirty.store(true, Ordering::Relaxed);
        Ok(out)
    }

    /// DreamScape's onboarding completion: stores the profile `data` gives (if any), then
    /// computes the list; whether the user has a profile.
    pub async fn onboard(&self, user: Uuid, data: Option<&serde_json::Value>) -> Result<(Computed, bool), ApiError> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if let Some(data) = data {
            let p = Profile { completed_at: Some(now), ..Profile::from_onboarding(user, data, data) };
            profile::save(&mut tx, &p, now).await?;
        }
        let has = profile::load_tx(&mut tx, user).await?.is_some();
        let out = compute_user(&mut tx, user, now, "onboarding", if has { "onboarding" } else { "popularity" }).await?;
        tx.commit().await?;
        Ok((out, has))
    }

    /// Recomputes a user's list now, keeping `limit`.
    pub async fn compute_list(
        &self,
        user: Uuid,
        context: &str,
        source: &str,
        limit: usize,
    ) -> Result<Computed, ApiError> {
        let mut tx = self.db.begin().await?;
        let out = compute_list(&mut tx, user, self.now(), context, source, limit).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Whose recommendation `id` is.
    pub async fn owner_of(&self, id: Uuid) -> Result<Option<Uuid>, ApiError> {
        let mut tx = self.db.begin().await?;
        let rec = store::find(&mut tx, id).await?;
        tx.rollback().await?;
        Ok(rec.map(|r| r.user_id))
    }

    /// Recomputes a user's list now.
    pub async fn compute(&self, user: Uuid, context: &str, source: &str) -> Result<Computed, ApiError> {
        let mut tx = self.db.begin().await?;
        let out = compute_user(&mut tx, user, self.now(), context, source).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Rebuilds neighbours and popularity from the last year of signals, then recomputes the
    /// lists of known users. Several instances may run it; the last writer's model stands.
    pub async fn rebuild(&self, trigger: &str) -> Result<store::Run, ApiError> {
        let run = self.rebuild_model(trigger).await?;
        for user in store::known_users(&self.db, REBUILD_USERS).await? {
            self.compute(user, "general", "rebuild").await?;
        }
        Ok(run)
    }

    /// Rebuilds neighbours and popularity only (users' lists follow at their next change or
    /// the next full rebuild).
    pub async fn rebuild_model(&self, trigger: &str) -> Result<store::Run, ApiError> {
        let started_at = self.now();
        self.dirty.store(false, Ordering::Relaxed);
        let events = store::signals_since(&self.db, started_at - Duration::days(365), MODEL_SIGNALS).await?;
        let segments = store::primary_segments(&self.db).await?;
        let prefs = engine::preferences(&events);
        let neighbours = engine::neighbours(&prefs, engine::NEIGHBOURS);
        let popularity =
            engine::popularity(&events, |u| segments.get(u).map(String::as_str), started_at, self.half_life_days);
        let pairs: usize = neighbours.values().map(Vec::len).sum();
        let run = store::Run {
            trigger: trigger.to_owned(),
            started_at,
            finished_at: self.now(),
            users: i64::try_from(prefs.len()).unwrap_or(i64::MAX),
            interactions: i64::try_from(events.len()).unwrap_or(i64::MAX),
            pairs: i64::try_from(pairs / 2).unwrap_or(i64::MAX),
        };
        let mut tx = self.db.begin().await?;
        store::replace_model(&mut tx, &neighbours, &popularity, &run).await?;
        tx.commit().await?;
        Ok(run)
    }

    /// The job: a full rebuild every `interval` (the model, then every known user's list), and
    /// the model alone within a minute of new signals.
    pub fn spawn_job(&self, interval: std::time::Duration) {
        let me = self.clone();
        let tick = interval.min(std::time::Duration::from_secs(60));
        let every = u32::try_from(interval.as_secs() / tick.as_secs().max(1)).unwrap_or(1).max(1);
        let count = Arc::new(std::sync::atomic::AtomicU32::new(0));
        platform::schedule::every(self.db.clone(), tick, "ai recommender rebuild", move || {
            let me = me.clone();
            let count = count.clone();
            async move {
                let n = count.fetch_add(1, Ordering::Relaxed);
                if n.is_multiple_of(every) {
                    me.rebuild("schedule").await?;
                } else if me.dirty.load(Ordering::Relaxed) {
                    me.rebuild_model("events").await?;
                }
                Ok(())
            }
        });
    }

    /// DreamScape's track: sets the status and its time, records the signal, recomputes.
    pub async fn track(&self, id: Uuid, action: &str, rating: Option<i64>) -> Result<Option<Rec>, ApiError> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let Some(mut rec) = store::find(&mut tx, id).await? else { return Ok(None) };
        match action {
            "viewed" => rec.viewed_at = Some(now),
            "clicked" => rec.clicked_at = Some(now),
            "booked" => {
                rec.booked_at = Some(now);
                rec.user_rating = rating;
            }
            _ => rec.rejected_at = Some(now),
        }
        rec.status = action.to_ascii_uppercase();
        rec.updated_at = now;
        store::put(&mut tx, &rec).await?;
        if let Some(weight) = feedback::weight(action) {
            let s = Signal {
                user: rec.user_id,
                item_kind: "destination".into(),
                item_id: rec.destination_id.clone(),
                destination: Some(rec.destination_id.clone()),
                action: feedback::canonical(action).to_owned(),
                weight,
                source: format!("track:{id}"),
                at: now,
            };
            feedback::insert(&mut tx, &s).await?;
            compute_user(&mut tx, rec.user_id, now, "general", "behaviour").await?;
        }
        let rec = store::find(&mut tx, id).await?.unwrap_or(rec);
        tx.commit().await?;
        self.dirty.store(true, Ordering::Relaxed);
        Ok(Some(rec))
    }

    /// DreamScape's refresh: deactivates every active row, then computes a new list.
    pub async fn refresh(&self, user: Uuid) -> Result<Computed, ApiError> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        store::deactivate(&mut tx, user, &[], now).await?;
        let out = compute_user(&mut tx, user, now, "general", "refresh").await?;
        tx.commit().await?;
        Ok(out)
    }
}
