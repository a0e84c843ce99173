//! A listing: the fields every kind shares, the kind's block, and its life cycle
//! (draft → published ⇄ unpublished, soft-deleted at any point).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::activity::{self, Activity};
use super::fields::{AMENITIES, Errors, KINDS, POLICIES, country, currency, one_of, text, timezone};
use super::product::{self, Product};
use super::restaurant::{self, Restaurant};
use super::stay::{self, Stay};
use super::transport::{self, Transport};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Address {
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub region: Option<String>,
    /// ISO 3166 alpha-2.
    pub country: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub lat: f64,
    pub lng: f64,
}

/// What a client sends to create or change a listing; absent fields are kept.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListingInput {
    /// `stay`, `restaurant`, `transport`, `activity` or `product`. Only on create.
    pub kind: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub address: Option<Address>,
    pub location: Option<Location>,
    /// IANA time zone; defaults to the provider's.
    pub timezone: Option<String>,
    /// ISO 4217; defaults to the provider's.
    pub currency: Option<String>,
    pub amenities: Option<Vec<String>>,
    pub house_rules: Option<Vec<String>>,
    /// `flexible`, `moderate` (default), `firm`, `strict` or `super_strict`.
    pub cancellation_policy: Option<String>,
    /// Confirm reservations at once (`true`) or let the host accept or decline each one.
    /// Default on create: `true` for a product (a purchase), `false` for every other kind.
    pub instant_book: Option<bool>,
    // The blocks are taken as raw JSON and parsed by the kind's rules (`parse_block`), so a
    // shape error in one is reported with every other field's problems; the schema is the
    // block's real type.
    /// Only on a `stay` listing.
    #[schema(value_type = Option<Stay>)]
    pub stay: Option<Value>,
    /// Only on a `restaurant` listing. The menu has its own resource.
    #[schema(value_type = Option<restaurant::RestaurantInput>)]
    pub restaurant: Option<Value>,
    /// Only on a `transport` listing.
    #[schema(value_type = Option<Transport>)]
    pub transport: Option<Value>,
    /// Only on an `activity` listing.
    #[schema(value_type = Option<Activity>)]
    pub activity: Option<Value>,
    /// Only on a `product` listing.
    #[schema(value_type = Option<Product>)]
    pub product: Option<Value>,
}

/// Whether a new listing of `kind` is instant-book when its creator does not say: a shop
/// purchase goes through at once, as in any online shop; a stay, a table, a seat or a session
/// is the host's to accept unless they opt in.
pub fn instant_book_by_default(kind: &str) -> bool {
    kind == "product"
}

#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub id: Uuid,
    pub provider_id: Uuid,
    pub owner_id: Uuid,
    pub kind: String,
    pub status: String,
    pub title: String,
    pub description: String,
    pub address: Address,
    pub location: Option<Location>,
    pub timezone: String,
    pub currency: String,
    pub amenities: Vec<String>,
    pub house_rules: Vec<String>,
    pub cancellation_policy: String,
    pub instant_book: bool,
    pub stay: Stay,
    pub product: Product,
    pub activity: Activity,
    pub transport: Transport,
    pub restaurant: Restaurant,
    pub version: i64,
    pub published_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The kind of a new listing, or every error about it.
pub fn parse_kind(raw: Option<&str>) -> Result<String, Errors> {
    let mut e = Errors::default();
    match raw.map(|k| one_of(k, &KINDS)) {
        None => e.add("kind", format!("is required: one of {}", KINDS.join(", "))),
        Some(Err(m)) => e.add("kind", m),
        Some(Ok(k)) => return Ok(k),
    }
    Err(e)
}

fn address(current: &Address, patch: &Address, e: &mut Errors) -> Address {
    let mut a = current.clone();
    let mut line = |field: &str, value: &Option<String>, slot: &mut Option<String>, max: usize| {
        if let Some(v) = value {
            if v.trim().is_empty() {
                *slot = None;
            } else if let Some(v) = e.check(&format!("address.{field}"), text(v, 1, max, false)) {
                *slot = Some(v);
            }
        }
    };
    line("line1", &patch.line1, &mut a.line1, 200);
    line("line2", &patch.line2, &mut a.line2, 200);
    line("city", &patch.city, &mut a.city, 100);
    line("postalCode", &patch.postal_code, &mut a.postal_code, 20);
    line("region", &patch.region, &mut a.region, 100);
    if let Some(c) = &patch.country
        && let Some(c) = e.check("address.country", country(c))
    {
        a.country = Some(c);
    }
    a
}

/// Applies `input` to `l`, validating every field; collects all errors.
pub fn apply(l: &mut Listing, input: &ListingInput, e: &mut Errors) {
    if let Some(t) = &input.title
        && let Some(t) = e.check("title", text(t, 3, 120, false))
    {
        l.title = t;
    }
    if let Some(d) = &input.description
        && let Some(d) = e.check("description", text(d, 0, 5000, true))
    {
        l.description = d;
    }
    if let Some(a) = &input.address {
        l.address = address(&l.address, a, e);
    }
    if let Some(loc) = input.location {
        if (-90.0..=90.0).contains(&loc.lat) && (-180.0..=180.0).contains(&loc.lng) {
            l.location = Some(loc);
        } else {
            e.add("location", "lat must be within ±90 and lng within ±180");
        }
    }
    if let Some(tz) = &input.timezone
        && let Some(tz) = e.check("timezone", timezone(tz))
    {
        l.timezone = tz;
    }
    if let Some(c) = &input.currency
        && let Some(c) = e.check("currency", currency(c))
    {
        l.currency = c;
    }
    if let Some(list) = &input.amenities {
        let mut out: Vec<String> = Vec::new();
        for a in list {
            match one_of(a, &AMENITIES) {
                Ok(a) if !out.contains(&a) => out.push(a),
                Ok(_) => {}
                Err(_) => e.add("amenities", format!("`{a}` is not in the amenities vocabulary (see docs/catalog.md)")),
            }
        }
        l.amenities = out;
    }
    if let Some(rules) = &input.house_rules {
        if rules.len() > 20 {
            e.add("houseRules", "must list at most 20 rules");
        } else {
            let parsed: Vec<Option<String>> =
                rules.iter().map(|r| e.check("houseRules", text(r, 1, 200, false))).collect();
            l.house_rules = parsed.into_iter().flatten().collect();
        }
    }
    if let Some(p) = &input.cancellation_policy
        && let Some(p) = e.check("cancellationPolicy", one_of(p, &POLICIES))
    {
        l.cancellation_policy = p;
    }
    if let Some(b) = input.instant_book {
        l.instant_book = b;
    }
    if input.kind.as_deref().is_some_and(|k| k.trim() != l.kind) {
        e.add("kind", "cannot change; create a new listing instead");
    }
    let blocks = [
        ("stay", &input.stay),
        ("restaurant", &input.restaurant),
        ("transport", &input.transport),
        ("activity", &input.activity),
        ("product", &input.product),
    ];
    for (name, block) in blocks {
        match block {
            Some(v) if name == l.kind && name == "stay" => l.stay = stay::apply(&l.stay, v, e),
            Some(v) if name == l.kind && name == "product" => l.product = product::apply(&l.product, v, e),
            Some(v) if name == l.kind && name == "activity" => l.activity = activity::apply(&l.activity, v, e),
            Some(v) if name == l.kind && name == "transport" => l.transport = transport::apply(&l.transport, v, e),
            Some(v) if name == l.kind && name == "restaurant" => l.restaurant = restaurant::apply(&l.restaurant, v, e),
            Some(_) => e.add(name, format!("does not apply to a {} listing", l.kind)),
            None => {}
        }
    }
}

/// What is still missing before `l` can be published (field names).
pub fn missing_for_publish(l: &Listing) -> Vec<&'static str> {
    let mut out = Vec::new();
    if l.description.chars().count() < 20 {
        out.push("description");
    }
    if l.address.line1.is_none() {
        out.push("address.line1");
    }
    if l.address.city.is_none() {
        out.push("address.city");
    }
    if l.address.country.is_none() {
        out.push("address.country");
    }
    // Goods ship from the seller's address; places need a point on the map.
    if l.location.is_none() && l.kind != "product" {
        out.push("location");
    }
    match l.kind.as_str() {
        "stay" => out.extend(stay::missing(&l.stay)),
        "product" => out.extend(product::missing(&l.product)),
        "activity" => out.extend(activity::missing(&l.activity)),
        "transport" => out.extend(transport::missing(&l.transport)),
        "restaurant" => out.extend(restaurant::missing(&l.restaurant)),
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn blank() -> Listing {
        Listing {
            id: Uuid::nil(),
            provider_id: Uuid::nil(),
            owner_id: Uuid::nil(),
            kind: "stay".into(),
            status: "draft".into(),
            title: "Loft".into(),
            description: String::new(),
            address: Address::default(),
            location: None,
            timezone: "UTC".into(),
            currency: "EUR".into(),
            amenities: vec![],
            house_rules: vec![],
            cancellation_policy: "moderate".into(),
            instant_book: false,
            stay: Stay::default(),
            product: Product::default(),
            activity: Activity::default(),
            transport: Transport::default(),
            restaurant: Restaurant::default(),
            version: 1,
            published_at: None,
            deleted_at: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn kinds() {
        assert_eq!(parse_kind(Some("Stay")).ok(), Some("stay".into()));
        assert!(parse_kind(Some("castle")).is_err());
        assert!(parse_kind(None).is_err());
    }

    #[test]
    fn apply_and_completeness() {
        let mut l = blank();
        assert!(missing_for_publish(&l).contains(&"location"));
        let input: ListingInput = serde_json::from_value(json!({
            "description": "A bright loft by the canal, two bedrooms.",
            "address": {"line1": "12 Quai de Valmy", "city": "Paris", "country": "fr"},
            "location": {"lat": 48.87, "lng": 2.36},
            "amenities": ["wifi", "WIFI", "kitchen"],
            "stay": {"propertyType": "apartment", "maxGuests": 4, "bedrooms": 2, "beds": 2, "bathrooms": 1,
                     "nightlyPrice": 12000, "checkInTime": "15:00", "checkOutTime": "11:00"}
        }))
        .unwrap_or_default();
        let mut e = Errors::default();
        apply(&mut l, &input, &mut e);
        assert!(e.is_empty(), "{:?}", e.0);
        assert_eq!(l.amenities, ["wifi", "kitchen"]);
        assert_eq!(l.address.country.as_deref(), Some("FR"));
        assert!(missing_for_publish(&l).is_empty(), "{:?}", missing_for_publish(&l));

        let bad: ListingInput = serde_json::from_value(json!({
            "title": "x", "amenities": ["jacuzzi"], "location": {"lat": 91.0, "lng": 0.0},
            "product": {"sku": "A1"}, "cancellationPolicy": "never"
        }))
        .unwrap_or_default();
        let mut e = Errors::default();
        apply(&mut l, &bad, &mut e);
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["title", "location", "amenities", "cancellationPolicy", "product"]);
    }
}
