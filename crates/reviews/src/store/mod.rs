//! Reviews' SQL — the only code that touches its tables. Reviews and their category scores
//! here; completed reservations, moderation, listing summaries and authors' names in the
//! submodules.

pub mod moderation;
pub mod people;
pub mod stays;
pub mod summaries;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use platform::db::{Conn, Db, DbError, Executor, FromRow, Row, Tx, query, query_dynamic};
use uuid::Uuid;

use crate::domain::summary::Tally;

#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    pub id: Uuid,
    pub reservation_id: Uuid,
    pub listing_id: Uuid,
    pub kind: String,
    pub author_id: Uuid,
    pub author_role: String,
    pub subject_id: Uuid,
    pub rating: i64,
    pub categories: BTreeMap<String, i64>,
    pub comment: String,
    pub private_note: Option<String>,
    pub response: Option<String>,
    pub responded_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub hidden_at: Option<DateTime<Utc>>,
    pub hidden_reason: Option<String>,
    pub author_erased: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The author's name as identity last told (joined from `people`).
    pub author_first_name: Option<String>,
    pub author_last_name: Option<String>,
}

impl FromRow for Review {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let categories: String = row.get("categories")?;
        Ok(Review {
            id: row.get("id")?,
            reservation_id: row.get("reservation_id")?,
            listing_id: row.get("listing_id")?,
            kind: row.get("kind")?,
            author_id: row.get("author_id")?,
            author_role: row.get("author_role")?,
            subject_id: row.get("subject_id")?,
            rating: row.get("rating")?,
            // Written by this module from a map; an unreadable value shows as no categories.
            categories: serde_json::from_str(&categories).unwrap_or_default(),
            comment: row.get("comment")?,
            private_note: row.get("private_note")?,
            response: row.get("response")?,
            responded_at: row.get("responded_at")?,
            published_at: row.get("published_at")?,
            hidden_at: row.get("hidden_at")?,
            hidden_reason: row.get("hidden_reason")?,
            author_erased: row.get("author_erased")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
            author_first_name: row.get("first_name")?,
            author_last_name: row.get("last_name")?,
        })
    }
}

const REVIEW: &str = "r.id, r.reservation_id, r.listing_id, r.kind, r.author_id, r.author_role, r.subject_id, r.rating, \
     r.categories, r.comment, r.private_note, r.response, r.responded_at, r.published_at, r.hidden_at, r.hidden_reason, \
     r.author_erased, r.created_at, r.updated_at, p.first_name, p.last_name";
const FROM: &str = "FROM reviews r LEFT JOIN people p ON p.user_id = r.author_id";
/// Published and not hidden: what anyone may read.
const VISIBLE: &str = "r.published_at IS NOT NULL AND r.hidden_at IS NULL";

/// Inserts a review and its category scores; a second review of one reservation by the same
/// side violates `reviews_once`.
pub async fn insert(tx: &mut Tx, r: &Review) -> Result<(), DbError> {
    query(
        "INSERT INTO reviews (id, reservation_id, listing_id, kind, author_id, author_role, subject_id, rating, categories, \
         comment, private_note, response, responded_at, published_at, hidden_at, hidden_reason, author_erased, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, NULL, NULL, NULL, NULL, FALSE, $12, $12)",
    )
    .bind(r.id)
    .bind(r.reservation_id)
    .bind(r.listing_id)
    .bind(r.kind.as_str())
    .bind(r.author_id)
    .bind(r.author_role.as_str())
    .bind(r.subject_id)
    .bind(r.rating)
    .bind(serde_json::to_string(&r.categories).unwrap_or_else(|_| "{}".into()))
    .bind(r.comment.as_str())
    .bind(r.private_note.clone())
    .bind(r.created_at)
    .execute(&mut *tx)
    .await?;
    for (category, score) in &r.categories {
        query("INSERT INTO review_scores (review_id, category, score) VALUES ($1, $2, $3)")
            .bind(r.id)
            .bind(category.as_str())
            .bind(*score)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

pub async fn find<'c>(on: impl Executor<'c>, id: Uuid) -> Result<Option<Review>, DbError> {
    query_dynamic(format!("SELECT {REVIEW} {FROM} WHERE r.id = $1")).bind(id).fetch_optional(on).await
}

/// The (at most two) reviews of a reservation.
pub async fn of_reservation<'c>(on: impl Executor<'c>, reservation: Uuid) -> Result<Vec<Review>, DbError> {
    query_dynamic(format!("SELECT {REVIEW} {FROM} WHERE r.reservation_id = $1 ORDER BY r.created_at, r.id"))
        .bind(reservation)
        .fetch_all(on)
        .await
}

/// Publishes a reservation's unpublished reviews at `now`; returns them as published.
pub async fn publish(tx: &mut Tx, reservation: Uuid, now: DateTime<Utc>) -> Result<Vec<Review>, DbError> {
    let pending: Vec<Review> =
        of_reservation(&mut *tx, reservation).await?.into_iter().filter(|r| r.published_at.is_none()).collect();
    query("UPDATE reviews SET published_at = $1, updated_at = $1 WHERE reservation_id = $2 AND published_at IS NULL")
        .bind(now)
        .bind(reservation)
        .execute(&mut *tx)
        .await?;
    Ok(pending.into_iter().map(|r| Review { published_at: Some(now), updated_at: now, ..r }).collect())
}

/// How a list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Newest,
    Highest,
    Lowest,
}

impl Sort {
    fn order_by(self) -> &'static str {
        match self {
            Sort::Newest => "r.published_at DESC, r.id DESC",
            Sort::Highest => "r.rating DESC, r.published_at DESC, r.id DESC",
            Sort::Lowest => "r.rating ASC, r.published_at DESC, r.id DESC",
        }
    }
}

/// Which reviews a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// Guests' reviews of a listing, visible to anyone.
    Listing(Uuid),
    /// Reviews about a user (either side), visible to anyone.
    About(Uuid),
    /// Reviews a user wrote; `all` includes pending and hidden ones (for the author).
    By { user: Uuid, all: bool },
}

impl Filter {
    fn clause(self) -> (String, Uuid) {
        match self {
            Filter::Listing(id) => (format!("r.listing_id = $1 AND r.author_role = 'guest' AND {VISIBLE}"), id),
            Filter::About(id) => (format!("r.subject_id = $1 AND {VISIBLE}"), id),
            Filter::By { user, all: true } => ("r.author_id = $1".to_owned(), user),
            Filter::By { user, all: false } => (format!("r.author_id = $1 AND {VISIBLE}"), user),
        }
    }
}

/// One page of a list and the total.
pub async fn list(db: &Db, filter: Filter, sort: Sort, limit: u32, offset: u64) -> Result<(Vec<Review>, u64), DbError> {
    let (clause, id) = filter.clause();
    // Pending reviews (in an author's own list) have no publication time: newest written first.
    let order = if matches!(filter, Filter::By { all: true, .. }) && sort == Sort::Newest {
        "r.created_at DESC, r.id DESC"
    } else {
        sort.order_by()
    };
    let page = query_dynamic(format!("SELECT {REVIEW} {FROM} WHERE {clause} ORDER BY {order} LIMIT $2 OFFSET $3"))
        .bind(id)
        .bind(limit)
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(db)
        .await?;
    let (total,): (i64,) =
        query_dynamic(format!("SELECT COUNT(*) FROM reviews r WHERE {clause}")).bind(id).fetch_one(db).await?;
    Ok((page, u64::try_from(total).unwrap_or(0)))
}

/// Sets the reviewed side's response, once; false when there already is one.
pub async fn respond(tx: &mut Tx, id: Uuid, text: &str, now: DateTime<Utc>) -> Result<bool, DbError> {
    let n = query(
        "UPDATE reviews SET response = $1, responded_at = $2, updated_at = $2 WHERE id = $3 AND response IS NULL \
         AND published_at IS NOT NULL",
    )
    .bind(text)
    .bind(now)
    .bind(id)
    .execute(tx)
    .await?;
    Ok(n == 1)
}

/// Hides (with the moderator's reason) or restores a review; false when it already was so.
pub async fn set_hidden(tx: &mut Tx, id: Uuid, hide: Option<&str>, now: DateTime<Utc>) -> Result<bool, DbError> {
    let n = match hide {
        Some(reason) => {
            query(
                "UPDATE reviews SET hidden_at = $1, hidden_reason = $2, updated_at = $1 WHERE id = $3 AND hidden_at IS NULL",
            )
            .bind(now)
            .bind(reason)
            .bind(id)
            .execute(tx)
            .await?
        }
        None => {
            query(
                "UPDATE reviews SET hidden_at = NULL, hidden_reason = NULL, updated_at = $1 WHERE id = $2 \
                 AND hidden_at IS NOT NULL",
            )
            .bind(now)
            .bind(id)
            .execute(tx)
            .await?
        }
    };
    Ok(n == 1)
}

/// Withdraws an unpublished review (its author's choice); false when it was published meanwhile.
pub async fn withdraw(tx: &mut Tx, id: Uuid) -> Result<bool, DbError> {
    let n = query("DELETE FROM reviews WHERE id = $1 AND published_at IS NULL").bind(id).execute(&mut *tx).await?;
    if n == 1 {
        query("DELETE FROM review_scores WHERE review_id = $1").bind(id).execute(&mut *tx).await?;
        query("DELETE FROM review_flags WHERE review_id = $1").bind(id).execute(&mut *tx).await?;
    }
    Ok(n == 1)
}

const TALLY_RATINGS: &str = "SELECT r.rating, COUNT(*) FROM reviews r WHERE {} GROUP BY r.rating";
const TALLY_CATEGORIES: &str = "SELECT s.category, SUM(CAST(s.score AS INTEGER)), COUNT(*) FROM review_scores s \
     JOIN reviews r ON r.id = s.review_id WHERE {} GROUP BY s.category";

async fn tally(on: &mut Conn<'_>, clause: &str, id: Uuid) -> Result<Tally, DbError> {
    let ratings: Vec<(i64, i64)> =
        query_dynamic(TALLY_RATINGS.replace("{}", clause)).bind(id).fetch_all(&mut *on).await?;
    let categories: Vec<(String, i64, i64)> =
        query_dynamic(TALLY_CATEGORIES.replace("{}", clause)).bind(id).fetch_all(&mut *on).await?;
    Ok(Tally { ratings, categories })
}

/// The aggregate of guests' visible reviews of a listing (inside the transaction that changed
/// it, or as it stands).
pub async fn tally_listing(on: &mut Conn<'_>, listing: Uuid) -> Result<Tally, DbError> {
    tally(on, &Filter::Listing(listing).clause().0, listing).await
}

/// The aggregate of visible reviews about a user, written by `role` (guests about a host, or
/// hosts about a guest).
pub async fn tally_user(db: &Db, user: Uuid, role: &str) -> Result<Tally, DbError> {
    let clause = format!("{} AND r.author_role = '{}'", Filter::About(user).clause().0, sql_role(role));
    tally(&mut Conn::Db(db), &clause, user).await
}

fn sql_role(role: &str) -> &'static str {
    if role == crate::domain::HOST { "host" } else { "guest" }
}

/// GDPR erasure of an author: the name goes (see `people`), the private notes they wrote go,
/// the reviews and their ratings stay, marked as by an erased author.
pub async fn erase_author(tx: &mut Tx, author: Uuid, now: DateTime<Utc>) -> Result<(), DbError> {
    query("UPDATE reviews SET author_erased = TRUE, private_note = NULL, updated_at = $1 WHERE author_id = $2")
        .bind(now)
        .bind(author)
        .execute(tx)
        .await?;
    Ok(())
}

/// Every review by or about `user` (for the export).
pub async fn of_user(db: &Db, user: Uuid) -> Result<Vec<Review>, DbError> {
    query_dynamic(format!(
        "SELECT {REVIEW} {FROM} WHERE r.author_id = $1 OR r.subject_id = $1 ORDER BY r.created_at, r.id"
    ))
    .bind(user)
    .fetch_all(db)
    .await
}
