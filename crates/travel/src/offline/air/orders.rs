//! Pricing and flight orders. Pricing trusts only offer ids; an order re-prices, checks its
//! travellers against the offer, and takes every flight's seats in one transaction with the
//! order row (all or nothing), so concurrent orders never oversell. The idempotency key is
//! unique in `offline_orders`: a retry, even a concurrent one, answers the same order.

use chrono::NaiveDate;
use kernel::ApiError;
use platform::db::{Json, query};
use serde_json::{Value, json};

use super::fares::{self, CABINS};
use super::offers::{self, Offer};
use super::params::body_error;
use crate::offline::{Offline, inventory};
use crate::provider::Request;

/// The offer ids of a pricing-style body (`data.flightOffers[].id`, or `data[].id`).
pub fn offer_ids(request: &Request) -> Result<Vec<String>, ApiError> {
    let body = request.body.as_ref().ok_or_else(|| body_error("data", "is required"))?;
    let list = match &body["data"] {
        Value::Array(list) => list,
        data => data["flightOffers"].as_array().ok_or_else(|| body_error("flightOffers", "is required"))?,
    };
    if list.is_empty() {
        return Err(body_error("flightOffers", "must hold an offer"));
    }
    list.iter()
        .enumerate()
        .map(|(i, x)| {
            x["id"].as_str().map(str::to_owned).ok_or_else(|| offers::invalid_offer(&format!("flightOffers[{i}].id")))
        })
        .collect()
}

/// `POST /v1/shopping/flight-offers/pricing`.
pub async fn price(o: &Offline, request: &Request) -> Result<Value, ApiError> {
    let today = o.clock.now().date_naive();
    let mut found = Vec::new();
    for (i, id) in offer_ids(request)?.iter().enumerate() {
        found.push(offers::load(o, id, &format!("flightOffers[{i}].id")).await?);
    }
    let rendered: Vec<Value> = found.iter().map(|x| offers::render(x, today)).collect();
    Ok(json!({
        "data": { "type": "flight-offers-pricing", "flightOffers": rendered },
        "dictionaries": offers::dictionaries(found.iter()),
    }))
}

fn text<'a>(v: &'a Value, field: &str, errors: &mut Vec<kernel::FieldError>) -> Option<&'a str> {
    let s = v.as_str().map(str::trim).filter(|s| !s.is_empty());
    if s.is_none() {
        errors.push(kernel::FieldError::new(field, "is required"));
    }
    s
}

/// Checks the travellers against the offer (count, names, ages on departure) and answers
/// them as the order will hold them.
fn travelers(offer: &Offer, given: &Value, today: NaiveDate) -> Result<Vec<Value>, ApiError> {
    let expected = offer.pax.travelers();
    let list = given.as_array().ok_or_else(|| body_error("travelers", "is required"))?;
    if list.len() != expected.len() {
        return Err(body_error("travelers", &format!("the offer is for {} travellers", expected.len())));
    }
    let departure = offer.flights().next().map_or(today, |f| f.dep.date());
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for (i, ((tid, kind), t)) in expected.iter().zip(list).enumerate() {
        let first = text(&t["name"]["firstName"], &format!("travelers[{i}].name.firstName"), &mut errors);
        let last = text(&t["name"]["lastName"], &format!("travelers[{i}].name.lastName"), &mut errors);
        let field = format!("travelers[{i}].dateOfBirth");
        let born = t["dateOfBirth"].as_str().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        match born {
            Some(b) if b < today => {
                let age = departure.years_since(b).unwrap_or(0);
                let fits = match *kind {
                    "ADULT" => age >= 12,
                    "CHILD" => (2..=11).contains(&age),
                    _ => age < 2,
                };
                if !fits {
                    let rule = match *kind {
                        "ADULT" => "an adult must be 12 or older on departure",
                        "CHILD" => "a child must be 2 to 11 years old on departure",
                        _ => "an infant must be under 2 on departure",
                    };
                    errors.push(kernel::FieldError::new(&field, rule));
                }
            }
            _ => errors.push(kernel::FieldError::new(&field, "must be a past date YYYY-MM-DD")),
        }
        let mut traveler = json!({
            "id": tid,
            "dateOfBirth": t["dateOfBirth"],
            "name": { "firstName": first.unwrap_or_default(), "lastName": last.unwrap_or_default() },
        });
        for extra in ["gender", "contact", "documents"] {
            if !t[extra].is_null() {
                traveler[extra] = t[extra].clone();
            }
        }
        out.push(traveler);
    }
    if errors.is_empty() { Ok(out) } else { Err(ApiError::validation(errors)) }
}

/// A 6-character record locator from an order id's random bits.
fn locator(id: &uuid::Uuid) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bits = id.as_u128();
    (0..6).map(|i| char::from(ALPHABET[((bits >> (i * 5)) & 31) as usize])).collect()
}

async fn by_key(o: &Offline, key: &str) -> Result<Option<Value>, ApiError> {
    let row: Option<(Json<Value>,)> =
        query("SELECT answer FROM offline_orders WHERE idempotency_key = $1 AND kind = 'flight'")
            .bind(key)
            .fetch_optional(&o.db)
            .await?;
    Ok(row.map(|r| r.0.0))
}

/// `POST /v1/booking/flight-orders`.
pub async fn create(o: &Offline, request: &Request) -> Result<Value, ApiError> {
    if let Some(key) = &request.key
        && let Some(answer) = by_key(o, key).await?
    {
        return Ok(answer);
    }
    let ids = offer_ids(request)?;
    let [offer_id] = ids.as_slice() else {
        return Err(body_error("flightOffers", "must hold exactly one offer"));
    };
    let now = o.clock.now();
    let offer = offers::load(o, offer_id, "flightOffers[0].id").await?;
    let body = request.body.as_ref().map_or(&Value::Null, |b| &b["data"]);
    let travelers = travelers(&offer, &body["travelers"], now.date_naive())?;
    let uuid = kernel::new_id();
    let id = format!("FO{}", uuid.simple());
    let answer = json!({
        "data": {
            "type": "flight-order",
            "id": id,
            "status": "CONFIRMED",
            "queuingOfficeId": "OFFLINE",
            "associatedRecords": [{
                "reference": locator(&uuid),
                "creationDate": now.format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
                "originSystemCode": "GDS",
                "flightOfferId": offer.id,
            }],
            "flightOffers": [offers::render(&offer, now.date_naive())],
            "travelers": travelers,
            "contacts": body["contacts"].clone(),
        },
        "dictionaries": offers::dictionaries(std::iter::once(&offer)),
    });
    let holds: Vec<Value> = offer.holds().iter().map(|(k, n)| json!({ "key": k, "count": n })).collect();
    let mut tx = o.db.begin().await?;
    let inserted = query(
        "INSERT INTO offline_orders (id, kind, idempotency_key, status, holds, answer, created_at) \
         VALUES ($1, 'flight', $2, 'CONFIRMED', $3, $4, $5)",
    )
    .bind(id.as_str())
    .bind(request.key.clone())
    .bind(Value::Array(holds))
    .bind(answer.clone())
    .bind(now)
    .execute(&mut tx)
    .await;
    if let Err(e) = inserted {
        tx.rollback().await?;
        if e.is_unique_violation("idempotency_key")
            && let Some(key) = &request.key
            && let Some(existing) = by_key(o, key).await?
        {
            return Ok(existing);
        }
        return Err(e.into());
    }
    for f in offer.flights() {
        let capacity = fares::capacity(o.seed, f, offer.cabin);
        if !inventory::take(&mut tx, &f.key(CABINS[offer.cabin]), capacity, offer.pax.seated()).await? {
            tx.rollback().await?;
            return Err(offers::unavailable("These flights no longer have enough seats in this cabin"));
        }
    }
    tx.commit().await?;
    Ok(answer)
}

fn order_id(request: &Request) -> Result<&str, ApiError> {
    request.id.as_deref().filter(|s| !s.is_empty()).ok_or_else(|| body_error("id", "is required"))
}

/// `GET /v1/booking/flight-orders/{id}`.
pub async fn get(o: &Offline, request: &Request) -> Result<Value, ApiError> {
    let id = order_id(request)?;
    let row: Option<(Json<Value>,)> = query("SELECT answer FROM offline_orders WHERE id = $1 AND kind = 'flight'")
        .bind(id)
        .fetch_optional(&o.db)
        .await?;
    row.map(|r| r.0.0).ok_or_else(|| ApiError::not_found("No such flight order"))
}

/// `DELETE /v1/booking/flight-orders/{id}`: gives the seats back once; answers the
/// cancelled order (`data.status` `CANCELLED`), the same on every later call.
pub async fn cancel(o: &Offline, request: &Request) -> Result<Value, ApiError> {
    let id = order_id(request)?;
    let mut tx = o.db.begin().await?;
    let row: Option<(String, Json<Value>, Json<Value>)> =
        query("SELECT status, holds, answer FROM offline_orders WHERE id = $1 AND kind = 'flight'")
            .bind(id)
            .fetch_optional(&mut tx)
            .await?;
    let Some((status, Json(holds), Json(mut answer))) = row else {
        tx.rollback().await?;
        return Err(ApiError::not_found("No such flight order"));
    };
    if status == "CANCELLED" {
        tx.rollback().await?;
        return Ok(answer);
    }
    answer["data"]["status"] = json!("CANCELLED");
    let changed = query("UPDATE offline_orders SET status = 'CANCELLED', answer = $2 WHERE id = $1 AND status = $3")
        .bind(id)
        .bind(answer.clone())
        .bind(status.as_str())
        .execute(&mut tx)
        .await?;
    if changed == 1 {
        for hold in holds.as_array().into_iter().flatten() {
            if let (Some(key), Some(count)) = (hold["key"].as_str(), hold["count"].as_i64()) {
                inventory::give_back(&mut tx, key, count).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(answer)
}
