//! Reviews' use cases: writing (and the double-blind publication), reading with each viewer's
//! rights, moderation, the scheduled work (closing windows, reminders), and the events that
//! tell other contexts. Handlers parse and render; the rules are here and in `domain`.

mod jobs;
mod moderation;
mod read;
mod write;

use std::sync::Arc;

use kernel::{ApiError, Clock, EventEnvelope};
use platform::Events;
use platform::config::Limit;
use platform::contracts::Contracts;
use platform::db::{Db, Tx};
use platform::ratelimit::RateLimiter;
use serde_json::{Value, json};
use uuid::Uuid;

pub use read::{ListQuery, Page};

use crate::domain::{self, Viewer};
use crate::store::{self, Review, summaries};

/// Flags per user and hour.
pub const FLAGS_PER_HOUR: Limit = Limit::new(20, 3600);

#[derive(Clone)]
pub struct Reviews {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub events: Events,
    pub limits: Arc<RateLimiter>,
    pub contracts: Arc<Contracts>,
}

/// Who acts: a user, and whether they are an administrator.
pub use platform::auth::Actor;

pub fn review_not_found() -> ApiError {
    ApiError::new(404, "review_not_found", "Review not found")
}

pub fn reservation_not_found() -> ApiError {
    ApiError::new(404, "reservation_not_found", "Reservation not found")
}

/// How `actor` (if signed in) relates to `review`.
pub fn viewer(actor: Option<&Actor>, review: &Review) -> Viewer {
    match actor {
        Some(a) if a.user_id == review.author_id => Viewer::Author,
        Some(a) if a.admin => Viewer::Admin,
        Some(a) if a.user_id == review.subject_id => Viewer::Subject,
        _ => Viewer::Anyone,
    }
}

pub fn status(review: &Review) -> domain::Status {
    domain::Status::of(review.published_at.is_some(), review.hidden_at.is_some())
}

fn event(
    kind: &str,
    aggregate: Uuid,
    actor: Option<Uuid>,
    now: chrono::DateTime<chrono::Utc>,
    data: Value,
) -> EventEnvelope {
    let e = EventEnvelope::new(kind, aggregate, now, data);
    match actor {
        Some(a) => e.with_actor(a.to_string()),
        None => e,
    }
}

impl Reviews {
    /// Recomputes a listing's aggregate inside `tx`, stores it under the next version and
    /// announces it (`review.summary_changed`).
    async fn refresh_summary(&self, tx: &mut Tx, listing: Uuid) -> Result<(), ApiError> {
        let now = self.clock.now();
        let version = summaries::next_version(tx, listing, now).await?;
        let tally = store::tally_listing(&mut platform::db::Conn::Tx(tx), listing).await?;
        let mut summary = tally.render(false);
        if let Some(map) = summary.as_object_mut() {
            map.insert("listingId".into(), json!(listing));
            map.insert("version".into(), json!(version));
        }
        summaries::save(tx, listing, &summary).await?;
        platform::events::enqueue(tx, &event("review.summary_changed", listing, None, now, summary)).await?;
        Ok(())
    }

    /// Publishes a reservation's reviews (the caller holds its lock and claimed the
    /// publication): every review becomes visible at the same instant, the subjects hear of
    /// it, and the listing's aggregate changes if a guest's review was among them.
    async fn publish(&self, tx: &mut Tx, stay: &store::stays::Stay) -> Result<Vec<Review>, ApiError> {
        let now = self.clock.now();
        let published = store::publish(tx, stay.id, now).await?;
        for r in published.iter().filter(|r| r.hidden_at.is_none()) {
            let data = json!({"reviewId": r.id, "reservationId": r.reservation_id, "listingId": r.listing_id,
                "listingTitle": stay.listing_title, "authorId": r.author_id, "subjectId": r.subject_id,
                "authorRole": r.author_role, "rating": r.rating, "comment": r.comment, "publishedAt": now});
            platform::events::enqueue(tx, &event("review.published", r.id, None, now, data)).await?;
        }
        if published.iter().any(|r| r.author_role == domain::GUEST && r.hidden_at.is_none()) {
            self.refresh_summary(tx, stay.listing_id).await?;
        }
        Ok(published)
    }
}
