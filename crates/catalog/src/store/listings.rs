use std::fmt::Write as _;

use platform::db::{Db, DbError, FromRow, Json, Query, Row, Tx, query};
use serde_json::Value;
use uuid::Uuid;

use crate::domain::listing::{Address, Listing, Location};

impl FromRow for Listing {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let Json(address): Json<Address> = row.get("address")?;
        let Json(amenities): Json<Vec<String>> = row.get("amenities")?;
        let Json(house_rules): Json<Vec<String>> = row.get("house_rules")?;
        let Json(details): Json<Value> = row.get("details")?;
        let lat: Option<f64> = row.get("lat")?;
        let lng: Option<f64> = row.get("lng")?;
        let stay = serde_json::from_value(details.get("stay").cloned().unwrap_or(Value::Null)).unwrap_or_default();
        let product =
            serde_json::from_value(details.get("product").cloned().unwrap_or(Value::Null)).unwrap_or_default();
        let activity =
            serde_json::from_value(details.get("activity").cloned().unwrap_or(Value::Null)).unwrap_or_default();
        let transport =
            serde_json::from_value(details.get("transport").cloned().unwrap_or(Value::Null)).unwrap_or_default();
        let restaurant =
            serde_json::from_value(details.get("restaurant").cloned().unwrap_or(Value::Null)).unwrap_or_default();
        Ok(Listing {
            id: row.get("id")?,
            provider_id: row.get("provider_id")?,
            owner_id: row.get("owner_id")?,
            kind: row.get("kind")?,
            status: row.get("status")?,
            title: row.get("title")?,
            description: row.get("description")?,
            address,
            location: lat.zip(lng).map(|(lat, lng)| Location { lat, lng }),
            timezone: row.get("timezone")?,
            currency: row.get("currency")?,
            amenities,
            house_rules,
            cancellation_policy: row.get("cancellation_policy")?,
            instant_book: row.get("instant_book")?,
            stay,
            product,
            activity,
            transport,
            restaurant,
            version: row.get("version")?,
            published_at: row.get("published_at")?,
            deleted_at: row.get("deleted_at")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

const COLUMNS: &str = "id, provider_id, owner_id, kind, status, title, description, address, city, country, lat, lng, \
     timezone, currency, amenities, house_rules, cancellation_policy, instant_book, details, version, published_at, \
     deleted_at, created_at, updated_at";

fn details(l: &Listing) -> Value {
    match l.kind.as_str() {
        "product" => serde_json::json!({ "product": l.product }),
        "activity" => serde_json::json!({ "activity": l.activity }),
        "transport" => serde_json::json!({ "transport": l.transport }),
        "restaurant" => serde_json::json!({ "restaurant": l.restaurant }),
        _ => serde_json::json!({ "stay": l.stay }),
    }
}

fn bind_all(q: platform::db::Query, l: &Listing) -> Result<platform::db::Query, DbError> {
    Ok(q.bind(l.id)
        .bind(l.provider_id)
        .bind(l.owner_id)
        .bind(l.kind.as_str())
        .bind(l.status.as_str())
        .bind(l.title.as_str())
        .bind(l.description.as_str())
        .bind_json(&l.address)?
        .bind(l.address.city.clone().unwrap_or_default())
        .bind(l.address.country.clone().unwrap_or_default())
        .bind(l.location.map(|p| p.lat))
        .bind(l.location.map(|p| p.lng))
        .bind(l.timezone.as_str())
        .bind(l.currency.as_str())
        .bind_json(&l.amenities)?
        .bind_json(&l.house_rules)?
        .bind(l.cancellation_policy.as_str())
        .bind(l.instant_book)
        .bind(details(l))
        .bind(l.version)
        .bind(l.published_at)
        .bind(l.deleted_at)
        .bind(l.created_at)
        .bind(l.updated_at))
}

pub async fn insert(tx: &mut Tx, l: &Listing) -> Result<(), DbError> {
    let q = platform::db::query_dynamic(format!(
        "INSERT INTO listings ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
         $17, $18, $19, $20, $21, $22, $23, $24)"
    ));
    bind_all(q, l)?.execute(tx).await?;
    Ok(())
}

/// Stores `l` (already at its new version) if the stored version is still `expected`.
pub async fn save(tx: &mut Tx, l: &Listing, expected: i64) -> Result<bool, DbError> {
    let q = query(
        "UPDATE listings SET provider_id = $2, owner_id = $3, kind = $4, status = $5, title = $6, description = $7, \
         address = $8, city = $9, country = $10, lat = $11, lng = $12, timezone = $13, currency = $14, amenities = $15, \
         house_rules = $16, cancellation_policy = $17, instant_book = $18, details = $19, version = $20, \
         published_at = $21, deleted_at = $22, created_at = $23, updated_at = $24 WHERE id = $1 AND version = $25",
    );
    Ok(bind_all(q, l)?.bind(expected).execute(tx).await? == 1)
}

pub async fn find(db: &Db, id: Uuid) -> Result<Option<Listing>, DbError> {
    platform::db::query_dynamic(format!("SELECT {COLUMNS} FROM listings WHERE id = $1 AND deleted_at IS NULL"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub struct PublicFilter {
    pub kind: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub provider: Option<Uuid>,
}

/// The public list's conditions for the filters given, with `$1…` placeholders in the order
/// [`bind_filters`] binds them. A filter not given is left out of the SQL altogether (rather
/// than `$n IS NULL OR …`), so the planner can use the index that fits the search.
fn public_where(f: &PublicFilter) -> (String, usize) {
    let mut sql = String::from("status = 'published' AND deleted_at IS NULL");
    let mut n = 0;
    for (given, condition) in [
        (f.kind.is_some(), "kind = "),
        (f.city.is_some(), "LOWER(city) = "),
        (f.country.is_some(), "country = "),
        (f.provider.is_some(), "provider_id = "),
    ] {
        if given {
            n += 1;
            let _ = write!(sql, " AND {condition}${n}");
        }
    }
    (sql, n)
}

fn bind_filters(mut q: Query, f: &PublicFilter) -> Query {
    if let Some(kind) = &f.kind {
        q = q.bind(kind.clone());
    }
    if let Some(city) = &f.city {
        q = q.bind(city.to_lowercase());
    }
    if let Some(country) = &f.country {
        q = q.bind(country.clone());
    }
    if let Some(provider) = f.provider {
        q = q.bind(provider);
    }
    q
}

pub async fn list_public(db: &Db, f: &PublicFilter, limit: u32, offset: u64) -> Result<(Vec<Listing>, i64), DbError> {
    let (conditions, n) = public_where(f);
    let count = platform::db::query_dynamic(format!("SELECT COUNT(*) FROM listings WHERE {conditions}"));
    let (total,): (i64,) = bind_filters(count, f).fetch_one(db).await?;
    let page = platform::db::query_dynamic(format!(
        "SELECT {COLUMNS} FROM listings WHERE {conditions} ORDER BY published_at DESC, id DESC LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    ));
    let items = bind_filters(page, f)
        .bind(i64::from(limit))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(db)
        .await?;
    Ok((items, total))
}

pub async fn list_owned(db: &Db, owner: Uuid, limit: u32, offset: u64) -> Result<(Vec<Listing>, i64), DbError> {
    let (total,): (i64,) = query("SELECT COUNT(*) FROM listings WHERE owner_id = $1 AND deleted_at IS NULL")
        .bind(owner)
        .fetch_one(db)
        .await?;
    let items = platform::db::query_dynamic(format!(
        "SELECT {COLUMNS} FROM listings WHERE owner_id = $1 AND deleted_at IS NULL ORDER BY created_at DESC, id DESC \
         LIMIT $2 OFFSET $3"
    ))
    .bind(owner)
    .bind(i64::from(limit))
    .bind(i64::try_from(offset).unwrap_or(i64::MAX))
    .fetch_all(db)
    .await?;
    Ok((items, total))
}

/// Up to `limit` published listings with ids after `after` (from the first when `None`), in id
/// order: the listings feed's keyset page, on the `(status, id)` index.
pub async fn published_after(db: &Db, after: Option<Uuid>, limit: usize) -> Result<Vec<Listing>, DbError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let published = "status = 'published' AND deleted_at IS NULL";
    match after {
        Some(after) => {
            platform::db::query_dynamic(format!(
                "SELECT {COLUMNS} FROM listings WHERE {published} AND id > $1 ORDER BY id LIMIT $2"
            ))
            .bind(after)
            .bind(limit)
            .fetch_all(db)
            .await
        }
        None => {
            platform::db::query_dynamic(format!(
                "SELECT {COLUMNS} FROM listings WHERE {published} ORDER BY id LIMIT $1"
            ))
            .bind(limit)
            .fetch_all(db)
            .await
        }
    }
}
