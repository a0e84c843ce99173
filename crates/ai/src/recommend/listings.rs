//! The listings catalog publishes, as the recommender needs them: kind, city (→ a bundled
//! destination when the city matches), nightly price (and the one before its last decrease,
//! for deals) and tags from the kind, property type and amenities. Unpublished and deleted
//! listings leave.

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, FromRow, Json, Row, Tx, query};
use serde_json::Value;
use uuid::Uuid;

use super::catalog;

#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub id: Uuid,
    pub title: String,
    pub kind: String,
    pub city: String,
    pub country: String,
    pub destination: Option<String>,
    /// In the listing's currency, major units.
    pub nightly_price: Option<f64>,
    pub previous_price: Option<f64>,
    pub currency: Option<String>,
    pub dropped_at: Option<DateTime<Utc>>,
    pub tags: Vec<String>,
}

/// Amenities and property types that say something a traveller may want.
const TAGS: &[(&str, &str)] = &[
    ("sea_view", "beach"),
    ("pool", "relaxation"),
    ("hot_tub", "wellness"),
    ("gym", "sport"),
    ("crib", "family"),
    ("high_chair", "family"),
    ("fireplace", "romance"),
    ("workspace", "business"),
    ("villa", "luxury"),
    ("hostel_bed", "budget"),
    ("cabin", "nature"),
    ("boat", "beach"),
];

fn text(v: &Value, key: &str, max: usize) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(|s| s.trim().chars().take(max).collect::<String>()).filter(|s| !s.is_empty())
}

/// Reads catalog's listing as events carry it; `None` without an id.
pub fn from_event(l: &Value) -> Option<(Listing, bool)> {
    let id = l.get("id").and_then(Value::as_str).and_then(|s| s.parse().ok())?;
    let kind = text(l, "kind", 32).unwrap_or_else(|| "stay".into());
    let address = l.get("address").cloned().unwrap_or(Value::Null);
    let city = text(&address, "city", 100).unwrap_or_default();
    let block = l.get(&kind).cloned().unwrap_or(Value::Null);
    let minor = ["nightlyPrice", "pricePerPerson", "pricePerSeat", "price"]
        .iter()
        .find_map(|k| block.get(*k).and_then(Value::as_f64))
        .filter(|p| p.is_finite() && *p >= 0.0);
    let mut tags = vec![kind.clone()];
    let mut words: Vec<String> = l
        .get("amenities")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    words.extend(text(&block, "propertyType", 32));
    for w in &words {
        if let Some((_, tag)) = TAGS.iter().find(|(a, _)| a == w)
            && !tags.iter().any(|t| t == tag)
        {
            tags.push((*tag).to_owned());
        }
    }
    let published = text(l, "status", 32).as_deref() == Some("published");
    Some((
        Listing {
            id,
            title: text(l, "title", 200).unwrap_or_default(),
            kind,
            destination: catalog::resolve(&city).map(|d| d.code.clone()),
            city,
            country: text(&address, "country", 2).unwrap_or_default(),
            nightly_price: minor.map(|p| p / 100.0),
            previous_price: None,
            currency: text(l, "currency", 3),
            dropped_at: None,
            tags,
        },
        published,
    ))
}

impl FromRow for Listing {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let Json(tags): Json<Vec<String>> = row.get("tags")?;
        Ok(Listing {
            id: row.get("id")?,
            title: row.get("title")?,
            kind: row.get("kind")?,
            city: row.get("city")?,
            country: row.get("country")?,
            destination: row.get("destination")?,
            nightly_price: row.get("nightly_price")?,
            previous_price: row.get("previous_price")?,
            currency: row.get("currency")?,
            dropped_at: row.get("dropped_at")?,
            tags,
        })
    }
}

const COLUMNS: &str = "SELECT id, title, kind, city, country, destination, nightly_price, previous_price, currency, \
     dropped_at, tags FROM ai_listings";

pub async fn find(tx: &mut Tx, id: Uuid) -> Result<Option<Listing>, DbError> {
    platform::db::query_dynamic(format!("{COLUMNS} WHERE id = $1")).bind(id).fetch_optional(&mut *tx).await
}

/// Stores a published listing; a lower price than the stored one keeps the stored one as
/// `previous_price` (a deal), a higher one ends the deal.
pub async fn upsert(tx: &mut Tx, mut l: Listing, at: DateTime<Utc>) -> Result<(), DbError> {
    if let Some(old) = find(tx, l.id).await? {
        match (old.nightly_price, l.nightly_price) {
            (Some(before), Some(now)) if now < before => {
                l.previous_price = Some(old.previous_price.unwrap_or(before).max(before));
                l.dropped_at = Some(at);
            }
            (Some(before), Some(now)) if (now - before).abs() < f64::EPSILON => {
                l.previous_price = old.previous_price;
                l.dropped_at = old.dropped_at;
            }
            _ => {}
        }
    }
    query(
        "INSERT INTO ai_listings (id, title, kind, city, country, destination, nightly_price, previous_price, \
         currency, dropped_at, tags, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, kind = excluded.kind, city = excluded.city, \
         country = excluded.country, destination = excluded.destination, nightly_price = excluded.nightly_price, \
         previous_price = excluded.previous_price, currency = excluded.currency, dropped_at = excluded.dropped_at, \
         tags = excluded.tags, updated_at = excluded.updated_at",
    )
    .bind(l.id)
    .bind(l.title)
    .bind(l.kind)
    .bind(l.city)
    .bind(l.country)
    .bind(l.destination)
    .bind(l.nightly_price)
    .bind(l.previous_price)
    .bind(l.currency)
    .bind(l.dropped_at)
    .bind_json(&l.tags)?
    .bind(at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub async fn remove(tx: &mut Tx, id: Uuid) -> Result<(), DbError> {
    query("DELETE FROM ai_listings WHERE id = $1").bind(id).execute(&mut *tx).await?;
    Ok(())
}

/// Listings whose price went down, biggest drop first (optionally in some destinations).
pub async fn deals(db: &Db, limit: i64) -> Result<Vec<Listing>, DbError> {
    platform::db::query_dynamic(format!(
        "{COLUMNS} WHERE previous_price IS NOT NULL AND nightly_price < previous_price \
         ORDER BY (previous_price - nightly_price) / previous_price DESC, id LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(db)
    .await
}

/// A listing's published neighbours: those in the same destination or city first, then of the
/// same kind, at most `limit` of each (the candidates "similar listings" are ranked from).
pub async fn neighbourhood(db: &Db, of: &Listing, limit: i64) -> Result<Vec<Listing>, DbError> {
    let mut near: Vec<Listing> = platform::db::query_dynamic(format!(
        "{COLUMNS} WHERE id <> $1 AND (destination = $2 OR (LOWER(city) = LOWER($3) AND country = $4)) \
         ORDER BY id LIMIT $5"
    ))
    .bind(of.id)
    .bind(of.destination.as_deref())
    .bind(of.city.as_str())
    .bind(of.country.as_str())
    .bind(limit)
    .fetch_all(db)
    .await?;
    let alike: Vec<Listing> =
        platform::db::query_dynamic(format!("{COLUMNS} WHERE id <> $1 AND kind = $2 ORDER BY id LIMIT $3"))
            .bind(of.id)
            .bind(of.kind.as_str())
            .bind(limit)
            .fetch_all(db)
            .await?;
    for l in alike {
        if !near.iter().any(|n| n.id == l.id) {
            near.push(l);
        }
    }
    Ok(near)
}

/// For each other listing, how many travellers who liked `listing` (any positive
/// interaction: a view, a favourite, a booking) liked it too.
pub async fn co_liked(db: &Db, listing: Uuid, limit: i64) -> Result<Vec<(String, i64)>, DbError> {
    query(
        "SELECT b.item_id, COUNT(DISTINCT b.user_id) FROM ai_interactions a \
         JOIN ai_interactions b ON b.user_id = a.user_id AND b.item_kind = 'listing' AND b.item_id <> a.item_id \
         WHERE a.item_kind = 'listing' AND a.item_id = $1 AND a.weight > 0 AND b.weight > 0 \
         GROUP BY b.item_id ORDER BY COUNT(DISTINCT b.user_id) DESC, b.item_id LIMIT $2",
    )
    .bind(listing.to_string())
    .bind(limit)
    .fetch_all(db)
    .await
}

/// A published listing as the recommender knows it.
pub async fn get(db: &Db, id: Uuid) -> Result<Option<Listing>, DbError> {
    platform::db::query_dynamic(format!("{COLUMNS} WHERE id = $1")).bind(id).fetch_optional(db).await
}

/// How many published listings each destination has.
pub async fn per_destination(db: &Db) -> Result<Vec<(String, i64)>, DbError> {
    query("SELECT destination, COUNT(*) FROM ai_listings WHERE destination IS NOT NULL GROUP BY destination")
        .fetch_all(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn catalogs_listing_is_read() {
        let l = json!({"id": "7f1c1e1a-1111-4111-8111-111111111111", "kind": "stay", "title": "Sea flat",
            "status": "published", "currency": "EUR", "address": {"city": "lisbon", "country": "PT"},
            "amenities": ["sea_view", "crib", "wifi"], "stay": {"propertyType": "villa", "nightlyPrice": 12550}});
        let (listing, published) = from_event(&l).expect("a listing");
        assert!(published);
        assert_eq!(listing.destination.as_deref(), Some("LIS"));
        assert_eq!(listing.nightly_price, Some(125.5));
        assert_eq!(listing.tags, ["stay", "beach", "family", "luxury"]);
        let draft =
            json!({"id": "7f1c1e1a-1111-4111-8111-111111111111", "status": "draft", "address": {"city": "Nowhere"}});
        let (listing, published) = from_event(&draft).expect("a listing");
        assert!(!published && listing.destination.is_none() && listing.nightly_price.is_none());
        assert!(from_event(&json!({"title": "no id"})).is_none());
    }
}
