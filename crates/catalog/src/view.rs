//! How listings look on the wire and in events. Clients see a listing with its reviews' rating
//! and its media summary ([`shown`]); events and the listings feed carry the listing alone
//! ([`event`]): the rating is the reviews context's to publish (search reads it from there),
//! media belongs to the media context, and neither changing is a change of the listing — no
//! `listing.updated`, no new version.

use serde_json::{Value, json};

use crate::domain::listing::Listing;
use crate::domain::media::MediaSummary;
use crate::domain::rating::ListingRating;

/// The listing itself, the kind's block under the kind's name: what events, the feed and
/// exports carry. Clients see it [`shown`].
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

/// The listing as clients see it, with `rating`, `reviewCount`, `ratingCategories` and
/// `ratingDistribution` ([`ListingRating`]), and `media` ([`MediaSummary`]).
pub fn shown(l: &Listing, rating: &ListingRating, media: &MediaSummary) -> Value {
    let mut v = listing(l);
    if let (Some(view), Ok(Value::Object(fields))) = (v.as_object_mut(), serde_json::to_value(rating)) {
        view.extend(fields);
    }
    v["media"] = serde_json::to_value(media).unwrap_or(Value::Null);
    v
}

/// Event payload: everything booking, search and insights need (capacity, pricing, policy,
/// time zone, location), i.e. the public view.
pub fn event(l: &Listing) -> Value {
    listing(l)
}
