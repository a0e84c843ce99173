//! A listing as catalog shows it, read from its event payload (the public view of the
//! listing; `crates/catalog/src/view.rs`). Only the fields a search filters, sorts, ranks or
//! shows are kept; a payload missing the id or the version cannot be applied and is skipped.

use serde_json::Value;
use uuid::Uuid;

use super::{Availability, Rating, Rev};

/// A listing as indexed.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexedListing {
    pub id: Uuid,
    pub version: i64,
    pub status: String,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub city: Option<String>,
    pub country: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    /// Minor units of `currency`: the nightly price of a stay, the price of a product, the
    /// price per person of an activity, per seat of a transport; none for restaurants.
    pub price: Option<i64>,
    pub currency: String,
    pub amenities: Vec<String>,
    pub max_guests: Option<i64>,
    pub bedrooms: Option<i64>,
    pub instant_book: bool,
    /// Unix seconds.
    pub created_at: i64,
    /// From booking; `None` until booking said anything of this listing.
    pub availability: Option<Availability>,
    /// From reviews; `None` until reviews said anything of this listing (its average is `None`
    /// while reviews shows none).
    pub rating: Option<Rating>,
}

impl IndexedListing {
    /// Reads catalog's `listing.*` payload; `None` when it lacks what indexing needs.
    pub fn from_event(data: &Value) -> Option<Self> {
        let id = data["id"].as_str()?.parse().ok()?;
        let version = data["version"].as_i64()?;
        let kind = text(&data["kind"]).unwrap_or_default();
        let price = match kind.as_str() {
            "stay" => data["stay"]["nightlyPrice"].as_i64(),
            "product" => data["product"]["price"].as_i64(),
            "activity" => data["activity"]["pricePerPerson"].as_i64(),
            "transport" => data["transport"]["pricePerSeat"].as_i64(),
            _ => None,
        };
        let created_at = data["createdAt"]
            .as_str()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.timestamp())
            .unwrap_or_default();
        Some(Self {
            id,
            version,
            status: text(&data["status"]).unwrap_or_default(),
            kind,
            title: text(&data["title"]).unwrap_or_default(),
            description: text(&data["description"]).unwrap_or_default(),
            city: text(&data["address"]["city"]),
            country: text(&data["address"]["country"]).map(|c| c.to_uppercase()),
            lat: data["location"]["lat"].as_f64(),
            lng: data["location"]["lng"].as_f64(),
            price,
            currency: text(&data["currency"]).unwrap_or_default(),
            amenities: data["amenities"].as_array().map(|a| a.iter().filter_map(text).collect()).unwrap_or_default(),
            max_guests: data["stay"]["maxGuests"].as_i64(),
            bedrooms: data["stay"]["bedrooms"].as_i64(),
            instant_book: data["instantBook"].as_bool().unwrap_or(false),
            created_at,
            availability: None,
            rating: None,
        })
    }

    /// The versions this document is assembled from.
    pub fn rev(&self) -> Rev {
        Rev(self.version, self.availability.as_ref().map_or(0, |a| a.version), self.rating.map_or(0, |r| r.version))
    }

    /// Whether this version belongs in the index (public listings only).
    pub fn searchable(&self) -> bool {
        self.status == "published"
    }
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}
