//! Implicit feedback: what a user did with an item, weighted (docs/ai/recommend.md lists the
//! weights). Signals are rows of `ai_interactions`; a negative weight (dislike, reject) pushes
//! an item down for that user and never counts for popularity.

use chrono::{DateTime, Utc};
use platform::db::{DbError, FromRow, Row, Tx, query};
use uuid::Uuid;

use super::catalog;

/// The weight of an action; `None`: not an action we know.
pub fn weight(action: &str) -> Option<f64> {
    Some(match canonical(action) {
        "view" => 1.0,
        "click" => 2.0,
        "compare" => 1.5,
        "like" | "save" | "wishlist" => 3.0,
        "favorite" => 4.0,
        "book" => 5.0,
        "dislike" => -2.0,
        "reject" => -3.0,
        _ => return None,
    })
}

/// An action in one vocabulary: DreamScape's track actions (`viewed`, `booked`, …) and the
/// typed-recommendation interaction types (`view`, `book`, …) are the same signals.
pub fn canonical(action: &str) -> &str {
    match action.trim() {
        "viewed" | "view" => "view",
        "clicked" | "click" => "click",
        "booked" | "book" => "book",
        "rejected" | "reject" => "reject",
        "liked" | "like" => "like",
        "disliked" | "dislike" => "dislike",
        "saved" | "save" => "save",
        "favorited" | "favorite" | "favourite" => "favorite",
        other => other,
    }
}

/// One signal to store.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub user: Uuid,
    pub item_kind: String,
    pub item_id: String,
    pub destination: Option<String>,
    pub action: String,
    pub weight: f64,
    /// Where it came from: `booking:<reservation id>`, `favorite`, `track:<recommendation id>`,
    /// `interaction:<kind>`, `refine`.
    pub source: String,
    pub at: DateTime<Utc>,
}

pub async fn insert(tx: &mut Tx, s: &Signal) -> Result<(), DbError> {
    query(
        "INSERT INTO ai_interactions (id, user_id, item_kind, item_id, destination, action, weight, source, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(kernel::new_id())
    .bind(s.user)
    .bind(s.item_kind.as_str())
    .bind(s.item_id.as_str())
    .bind(s.destination.clone())
    .bind(s.action.as_str())
    .bind(s.weight)
    .bind(s.source.as_str())
    .bind(s.at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Removes the signals of one source (a cancelled booking's).
pub async fn remove_source(tx: &mut Tx, source: &str) -> Result<Vec<Uuid>, DbError> {
    let users: Vec<(Uuid,)> = query("SELECT DISTINCT user_id FROM ai_interactions WHERE source = $1")
        .bind(source)
        .fetch_all(&mut *tx)
        .await?;
    query("DELETE FROM ai_interactions WHERE source = $1").bind(source).execute(&mut *tx).await?;
    Ok(users.into_iter().map(|(u,)| u).collect())
}

/// The destination an item counts for: a destination code, a listing's destination, or a
/// destination code or city name given as the id of another kind.
pub async fn destination_of(tx: &mut Tx, item_kind: &str, item_id: &str) -> Result<Option<String>, DbError> {
    if item_kind == "listing"
        && let Ok(id) = item_id.parse::<Uuid>()
    {
        let row: Option<(Option<String>,)> =
            query("SELECT destination FROM ai_listings WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
        return Ok(row.and_then(|(d,)| d));
    }
    Ok(catalog::resolve(item_id).map(|d| d.code.clone()))
}

/// A past signal, as a user's list is computed from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Past {
    pub destination: String,
    pub action: String,
    pub weight: f64,
    pub at: DateTime<Utc>,
}

impl FromRow for Past {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Past {
            destination: row.get("destination")?,
            action: row.get("action")?,
            weight: row.get("weight")?,
            at: row.get("at")?,
        })
    }
}

/// A user's signals that count for a destination, newest first (at most `limit`).
pub async fn of_user(tx: &mut Tx, user: Uuid, limit: i64) -> Result<Vec<Past>, DbError> {
    query(
        "SELECT destination, action, weight, at FROM ai_interactions WHERE user_id = $1 AND destination IS NOT NULL \
         ORDER BY at DESC LIMIT $2",
    )
    .bind(user)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await
}

/// Erasure: every signal of the user.
pub async fn erase(tx: &mut Tx, user: Uuid) -> Result<(), DbError> {
    query("DELETE FROM ai_interactions WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_vocabularies_weigh_the_same() {
        assert_eq!(weight("viewed"), weight("view"));
        assert_eq!(weight("booked"), Some(5.0));
        assert!(weight("rejected").is_some_and(|w| w < 0.0));
        assert_eq!(weight("teleport"), None);
        assert_eq!(canonical("favourite"), "favorite");
    }
}
