//! Reading reviews with each viewer's rights: one review, a reservation's pair, lists of a
//! listing's reviews and of those by or about a user, the aggregates, and what is left to write.

use serde_json::{Value, json};
use uuid::Uuid;

use kernel::ApiError;

use super::{Actor, Reviews, reservation_not_found, review_not_found, status, viewer};
use crate::domain::{self, Viewer};
use crate::store::{self, Filter, Review, Sort, stays, summaries};
use crate::view;

/// A list request, parsed.
#[derive(Debug, Clone, Copy)]
pub struct ListQuery {
    pub sort: Sort,
    pub limit: u32,
    pub offset: u64,
}

/// One page of rendered reviews.
#[derive(Debug, Clone)]
pub struct Page {
    pub reviews: Vec<Value>,
    pub total: u64,
}

impl Reviews {
    /// The review if the actor may read it; 404 otherwise (unpublished reviews do not exist
    /// for the other side).
    pub async fn readable(&self, actor: Option<&Actor>, id: Uuid) -> Result<Review, ApiError> {
        let review = store::find(&self.db, id).await?.ok_or_else(review_not_found)?;
        if viewer(actor, &review).may_read(status(&review)) { Ok(review) } else { Err(review_not_found()) }
    }

    /// One review as the actor reads it.
    pub async fn get(&self, actor: Option<&Actor>, id: Uuid) -> Result<Value, ApiError> {
        let review = self.readable(actor, id).await?;
        let mut v = view::review(&review, viewer(actor, &review));
        if actor.is_some_and(|a| a.admin) {
            let flags = store::moderation::flags_of(&self.db, id).await?;
            let history = store::moderation::history(&self.db, id).await?;
            if let Some(map) = v.as_object_mut() {
                map.insert("flags".into(), json!(flags));
                map.insert("moderation".into(), json!(history));
            }
        }
        Ok(v)
    }

    async fn page(&self, actor: Option<&Actor>, filter: Filter, q: ListQuery) -> Result<Page, ApiError> {
        let (rows, total) = store::list(&self.db, filter, q.sort, q.limit, q.offset).await?;
        let reviews = rows.iter().map(|r| view::review(r, viewer(actor, r))).collect();
        Ok(Page { reviews, total })
    }

    /// Guests' published reviews of a listing, and its aggregate.
    pub async fn of_listing(
        &self,
        actor: Option<&Actor>,
        listing: Uuid,
        q: ListQuery,
    ) -> Result<(Page, Value), ApiError> {
        let page = self.page(actor, Filter::Listing(listing), q).await?;
        Ok((page, self.listing_summary(actor, listing).await?))
    }

    /// Published reviews about a user (from guests and hosts alike), and their aggregate.
    pub async fn about(&self, actor: Option<&Actor>, user: Uuid, q: ListQuery) -> Result<(Page, Value), ApiError> {
        let page = self.page(actor, Filter::About(user), q).await?;
        Ok((page, self.user_summary(actor, user).await?))
    }

    /// Reviews a user wrote: all of them (pending and hidden ones too) for the author and
    /// administrators, the published ones for anyone else.
    pub async fn by(&self, actor: Option<&Actor>, user: Uuid, q: ListQuery) -> Result<Page, ApiError> {
        let all = actor.is_some_and(|a| a.user_id == user || a.admin);
        self.page(actor, Filter::By { user, all }, q).await
    }

    /// A listing's aggregate: public numbers from three reviews; administrators see them always.
    pub async fn listing_summary(&self, actor: Option<&Actor>, listing: Uuid) -> Result<Value, ApiError> {
        let mut summary = if actor.is_some_and(|a| a.admin) {
            store::tally_listing(&mut platform::db::Conn::Db(&self.db), listing).await?.render(true)
        } else {
            match summaries::get(&self.db, listing).await? {
                Some(s) => s,
                None => domain::summary::Tally::default().render(false),
            }
        };
        if let Some(map) = summary.as_object_mut() {
            map.insert("listingId".into(), json!(listing));
            map.remove("version");
        }
        Ok(summary)
    }

    /// A user's aggregate as a host (from guests) and as a guest (from hosts), and overall.
    pub async fn user_summary(&self, actor: Option<&Actor>, user: Uuid) -> Result<Value, ApiError> {
        let full = actor.is_some_and(|a| a.admin);
        let as_host = store::tally_user(&self.db, user, domain::GUEST).await?;
        let as_guest = store::tally_user(&self.db, user, domain::HOST).await?;
        let mut both = domain::summary::Tally::default();
        for (rating, n) in as_host.ratings.iter().chain(&as_guest.ratings) {
            match both.ratings.iter_mut().find(|(r, _)| r == rating) {
                Some(slot) => slot.1 += n,
                None => both.ratings.push((*rating, *n)),
            }
        }
        let mut overall = both.render(full);
        if let Some(map) = overall.as_object_mut() {
            map.remove("categories");
            map.insert("userId".into(), json!(user));
            map.insert("asHost".into(), as_host.render(full));
            map.insert("asGuest".into(), as_guest.render(full));
        }
        Ok(overall)
    }

    /// A reservation's reviews as one of its sides (or an administrator) sees them, with the
    /// window: `{reservationId, status, completedAt, closesAt, published, canReview, mine, theirs}`.
    pub async fn of_reservation(&self, actor: &Actor, reservation: Uuid) -> Result<Value, ApiError> {
        let stay = stays::find(&self.db, reservation).await?.ok_or_else(reservation_not_found)?;
        let party = stay.guest_id == Some(actor.user_id) || stay.host_id == Some(actor.user_id);
        if !party && !actor.admin {
            return Err(reservation_not_found());
        }
        let reviews = store::of_reservation(&self.db, reservation).await?;
        let now = self.clock.now();
        let open = stay.status == "completed" && stay.published_at.is_none() && stay.closes_at.is_some_and(|c| c > now);
        let mine = reviews.iter().find(|r| r.author_id == actor.user_id);
        let theirs: Vec<Value> = reviews
            .iter()
            .filter(|r| r.author_id != actor.user_id)
            .filter(|r| viewer(Some(actor), r).may_read(status(r)))
            .map(|r| view::review(r, viewer(Some(actor), r)))
            .collect();
        let other_wrote = reviews.iter().any(|r| r.author_id != actor.user_id);
        Ok(json!({
            "reservationId": reservation, "listingId": stay.listing_id, "kind": stay.kind, "status": stay.status,
            "completedAt": stay.completed_at, "closesAt": stay.closes_at, "published": stay.published_at.is_some(),
            "publishedAt": stay.published_at, "canReview": open && party && mine.is_none(),
            "otherSideReviewed": other_wrote,
            "mine": mine.map(|r| view::review(r, Viewer::Author)),
            "reviews": theirs,
        }))
    }

    /// Reservations the actor may still review, soonest closing first.
    pub async fn awaiting(&self, actor: &Actor) -> Result<Vec<Value>, ApiError> {
        let now = self.clock.now();
        let rows = stays::awaiting(&self.db, actor.user_id, now).await?;
        Ok(rows
            .into_iter()
            .filter(|(s, _)| s.status == "completed")
            .map(|(s, other)| {
                let role = if s.guest_id == Some(actor.user_id) { domain::GUEST } else { domain::HOST };
                json!({"reservationId": s.id, "listingId": s.listing_id, "listingTitle": s.listing_title, "kind": s.kind,
                       "role": role, "completedAt": s.completed_at, "closesAt": s.closes_at,
                       "otherSideReviewed": other, "categories": domain::categories(&s.kind, role)})
            })
            .collect())
    }
}
