//! How listings look on the wire and in events.

use serde_json::{Value, json};

use crate::domain::listing::Listing;

/// The listing as clients see it; the kind's block sits under the kind's name.
pub fn listing(l: &Listing) -> Value {
    let mut v = json!({
        "id": l.id,
        "providerId": l.provider_id,
        "ownerId": l.owner_id,
        "kind": l.kind,
        "status": l.status,
        "title": l.title,
        "description": l.description,
        "address": l.address,
        "location": l.location,
        "timezone": l.timezone,
        "currency": l.currency,
        "amenities": l.amenities,
        "houseRules": l.house_rules,
        "cancellationPolicy": l.cancellation_policy,
        "instantBook": l.instant_book,
        "version": l.version,
        "publishedAt": l.published_at,
        "createdAt": l.created_at,
        "updatedAt": l.updated_at,
    });
    match l.kind.as_str() {
        "stay" => v["stay"] = json!(l.stay),
        "product" => v["product"] = json!(l.product),
        "activity" => v["activity"] = json!(l.activity),
        "transport" => v["transport"] = json!(l.transport),
        "restaurant" => v["restaurant"] = json!(l.restaurant),
        _ => {}
    }
    v
}

/// Event payload: everything booking, search and insights need (capacity, pricing, policy,
/// time zone, location), i.e. the public view.
pub fn event(l: &Listing) -> Value {
    listing(l)
}
