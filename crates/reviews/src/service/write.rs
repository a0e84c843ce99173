//! Writing a review and its double-blind publication; the reviewed side's response; an author
//! withdrawing an unpublished review.
//!
//! Every submission locks its reservation's row first (`stays::lock`), so two sides writing at
//! the same moment, or a submission racing the window's closing, are serialised: the second
//! sees the first's review, and exactly one of them claims the publication.

use kernel::{ApiError, FieldError};
use platform::contracts::{Need, RecordKind};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{Actor, Reviews, event, reservation_not_found, status, viewer};
use crate::domain::draft::{Draft, RESPONSE_MAX, text};
use crate::domain::{self, Status, Viewer};
use crate::store::{self, Review, stays};

fn window_closed() -> ApiError {
    ApiError::new(409, "review_window_closed", "The time to review this reservation is over")
}

impl Reviews {
    /// Writes the actor's review of a completed reservation they took part in. Published at
    /// once with the other side's if that one is in; otherwise hidden from them until they
    /// write theirs or the window closes.
    pub async fn submit(&self, actor: &Actor, body: &Map<String, Value>) -> Result<Review, ApiError> {
        let reservation = match body.get("reservationId").and_then(Value::as_str).map(|s| s.trim().parse::<Uuid>()) {
            Some(Ok(id)) => id,
            Some(Err(_)) => {
                return Err(ApiError::validation(vec![FieldError::new("reservationId", "must be a reservation id")]));
            }
            None => return Err(ApiError::validation(vec![FieldError::new("reservationId", "is required")])),
        };
        let Some(known) = stays::find(&self.db, reservation).await? else {
            let missing = reservation_not_found();
            let caller = Some(actor.user_id);
            return Err(self
                .contracts
                .not_heard_of(RecordKind::Reservation, reservation, caller, Need::Visible, missing)
                .await);
        };
        let (role, subject) = if known.guest_id == Some(actor.user_id) {
            (domain::GUEST, known.host_id)
        } else if known.host_id == Some(actor.user_id) {
            (domain::HOST, known.guest_id)
        } else {
            return Err(ApiError::new(
                403,
                "not_a_party",
                "Only the guest and the host of a reservation may review it",
            ));
        };
        let draft = Draft::parse(body, &known.kind, role).map_err(ApiError::validation)?;
        let subject = subject.ok_or_else(|| {
            ApiError::new(409, "nobody_to_review", "The other side of this reservation no longer has an account")
        })?;

        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let stay = stays::lock(&mut tx, reservation).await?.ok_or_else(reservation_not_found)?;
        let Some(closes_at) = stay.closes_at.filter(|_| stay.status == "completed") else {
            return Err(ApiError::new(409, "not_completed", "A reservation can be reviewed once it is completed"));
        };
        if stay.published_at.is_some() || closes_at <= now {
            return Err(window_closed());
        }
        let review = new_review(&stay, actor.user_id, role, subject, draft, now);
        store::insert(&mut tx, &review).await.map_err(|e| {
            if e.is_unique_violation("reviews_once") || e.is_unique_violation("reviews.reservation_id") {
                ApiError::new(409, "already_reviewed", "You have already reviewed this reservation")
            } else {
                e.into()
            }
        })?;
        let written = store::of_reservation(&mut tx, reservation).await?;
        let both = written.len() >= 2;
        let data = json!({"reviewId": review.id, "reservationId": reservation, "listingId": stay.listing_id,
            "listingTitle": stay.listing_title, "authorId": actor.user_id, "subjectId": subject, "authorRole": role,
            "closesAt": closes_at, "timezone": stay.timezone, "subjectHasReviewed": both});
        platform::events::enqueue(&mut tx, &event("review.created", review.id, Some(actor.user_id), now, data)).await?;
        if both && stays::claim_publication(&mut tx, reservation, now).await? {
            self.publish(&mut tx, &stay).await?;
        }
        tx.commit().await?;
        self.events.committed();
        store::find(&self.db, review.id).await?.ok_or_else(ApiError::internal)
    }

    /// The reviewed side's one public response to a published review.
    pub async fn respond(&self, actor: &Actor, id: Uuid, raw: Option<&Value>) -> Result<Review, ApiError> {
        let review = self.readable(Some(actor), id).await?;
        if review.subject_id != actor.user_id {
            return Err(ApiError::new(403, "not_reviewed_party", "Only the reviewed side may respond to a review"));
        }
        if status(&review) != Status::Published {
            return Err(ApiError::new(409, "not_published", "Only a published review can be responded to"));
        }
        let mut errors = Vec::new();
        let response = text(raw, "response", RESPONSE_MAX, &mut errors);
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        let response =
            response.ok_or_else(|| ApiError::validation(vec![FieldError::new("response", "is required")]))?;
        let title = self.title_of(review.reservation_id).await?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        if !store::respond(&mut tx, id, &response, now).await? {
            return Err(ApiError::new(409, "already_responded", "This review already has a response"));
        }
        let data = json!({"reviewId": id, "listingId": review.listing_id, "listingTitle": title,
            "authorId": review.author_id, "responderId": actor.user_id});
        platform::events::enqueue(&mut tx, &event("review.responded", id, Some(actor.user_id), now, data)).await?;
        tx.commit().await?;
        self.events.committed();
        store::find(&self.db, id).await?.ok_or_else(ApiError::internal)
    }

    /// The author takes back a review the other side cannot read yet (and may write it again
    /// while the window is open). A published review stays.
    pub async fn withdraw(&self, actor: &Actor, id: Uuid) -> Result<(), ApiError> {
        let review = self.readable(Some(actor), id).await?;
        if viewer(Some(actor), &review) != Viewer::Author {
            return Err(ApiError::new(403, "not_author", "Only its author may withdraw a review"));
        }
        let mut tx = self.db.begin().await?;
        stays::lock(&mut tx, review.reservation_id).await?;
        if !store::withdraw(&mut tx, id).await? {
            return Err(ApiError::new(409, "already_published", "A published review cannot be withdrawn"));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn title_of(&self, reservation: Uuid) -> Result<Option<String>, ApiError> {
        Ok(stays::find(&self.db, reservation).await?.and_then(|s| s.listing_title))
    }
}

fn new_review(
    stay: &stays::Stay,
    author: Uuid,
    role: &str,
    subject: Uuid,
    d: Draft,
    now: chrono::DateTime<chrono::Utc>,
) -> Review {
    Review {
        id: kernel::new_id(),
        reservation_id: stay.id,
        listing_id: stay.listing_id,
        kind: stay.kind.clone(),
        author_id: author,
        author_role: role.to_owned(),
        subject_id: subject,
        rating: d.rating,
        categories: d.categories,
        comment: d.comment,
        private_note: d.private_note,
        response: None,
        responded_at: None,
        published_at: None,
        hidden_at: None,
        hidden_reason: None,
        author_erased: false,
        created_at: now,
        updated_at: now,
        author_first_name: None,
        author_last_name: None,
    }
}
