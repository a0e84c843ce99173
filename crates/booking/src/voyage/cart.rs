//! DreamScape's cart. Items are our own listings (`stay`, `restaurant`, `transport`,
//! `activity`, `product`, with `itemData` a reservation body) or a travel supplier's offers
//! (`flight`, `hotel`, `activity`, `transfer`, with `itemData.offerId`). The server prices every
//! item — the booking engine's quote, or the supplier's re-pricing — and the client's `price`
//! only has to agree (else `409 price_changed`); the server's price is the one ever charged.
//! A cart left alone `booking.cart_idle_minutes` is emptied.
//!
//! Only instant-book listings go in a cart. A checkout is one payment, captured at once for
//! every line; a request to book is only authorised until its host answers, and one payment
//! cannot be captured for some lines and released for others. So a request-to-book listing is
//! refused when added (`422 request_to_book`) and booked on its own (`POST /reservations`).

use chrono::{DateTime, Duration, Utc};
use kernel::{ApiError, FieldError};
use platform::auth::AuthUser;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::money::{major, minor_of};
use super::store::{self, CartItem};
use crate::request::ReservationBody;
use crate::service::Bookings;

/// Our listings' kinds, and what the cart's `quantity` counts for each.
const OWN_KINDS: [(&str, Option<&str>); 5] = [
    ("stay", None),
    ("restaurant", None),
    ("transport", Some("seats")),
    ("activity", Some("partySize")),
    ("product", Some("quantity")),
];
const SUPPLIER_KINDS: [&str; 4] = ["flight", "hotel", "activity", "transfer"];
/// At most this many lines in a cart.
pub const MAX_ITEMS: usize = 20;

/// DreamScape's `CartItem` (with `userId`).
#[derive(Debug, Clone, serde::Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CartItemIn {
    /// `stay`, `restaurant`, `transport`, `activity`, `product` (our listings) or `flight`,
    /// `hotel`, `activity`, `transfer` (a supplier's offer).
    pub item_type: String,
    /// Our listings: the reservation body (`{listingId, checkIn, checkOut, guests}`, …).
    /// Supplier offers: `{offerId, …}`.
    #[schema(value_type = Object)]
    pub item_data: Value,
    /// Units (seats, people, items); 1 for stays and restaurants. Default 1.
    pub quantity: Option<i64>,
    /// The price of one unit, in major units (`224.00`), as the client shows it.
    pub price: f64,
    /// Default `EUR`.
    pub currency: Option<String>,
    /// The cart's owner: the caller.
    pub user_id: Option<String>,
}

/// An item as the server prices it now.
#[derive(Debug, Clone)]
pub struct Priced {
    pub title: String,
    pub data: Value,
    pub quantity: i64,
    pub total: i64,
    pub currency: String,
}

impl Priced {
    pub fn unit_price(&self) -> i64 {
        if self.quantity > 0 { self.total / self.quantity } else { self.total }
    }
}

/// Whether `item_type` with `data` names one of our listings (else a supplier's offer).
pub fn is_own(item_type: &str, data: &Value) -> bool {
    OWN_KINDS.iter().any(|(k, _)| *k == item_type) && data.get("listingId").is_some()
}

/// The cart's owner from the path: the caller's id (or `me`); anyone else's cart is not found.
pub fn owner(user: &AuthUser, path_user: &str) -> Result<Uuid, ApiError> {
    let wanted = if path_user == "me" { Some(user.user_id) } else { path_user.parse::<Uuid>().ok() };
    wanted.filter(|id| *id == user.user_id).ok_or_else(|| ApiError::not_found("Cart not found"))
}

pub fn item_view(i: &CartItem) -> Value {
    json!({ "id": i.id, "itemType": i.item_type, "itemData": i.item_data, "title": i.title, "quantity": i.quantity,
            "price": major(i.unit_price, &i.currency), "total": major(i.total, &i.currency),
            "priceMinor": i.unit_price, "totalMinor": i.total, "currency": i.currency, "addedAt": i.created_at })
}

impl Bookings {
    fn cart_expires(&self, touched: DateTime<Utc>) -> DateTime<Utc> {
        touched + Duration::minutes(self.config.cart_idle_minutes)
    }

    /// The cart, emptied first if it sat idle too long.
    pub async fn cart(&self, user: Uuid) -> Result<Value, ApiError> {
        let now = self.clock.now();
        if let Some(touched) = store::touched(&self.db, user).await?
            && self.cart_expires(touched) <= now
        {
            let mut tx = self.db.begin().await?;
            store::clear(&mut tx, user).await?;
            tx.commit().await?;
        }
        let items = store::items(&self.db, user).await?;
        let touched = store::touched(&self.db, user).await?;
        let mut totals: Vec<(String, i64)> = Vec::new();
        for i in &items {
            match totals.iter_mut().find(|(c, _)| *c == i.currency) {
                Some((_, sum)) => *sum += i.total,
                None => totals.push((i.currency.clone(), i.total)),
            }
        }
        let totals: Vec<Value> = totals
            .iter()
            .map(|(c, sum)| json!({ "currency": c, "amount": major(*sum, c), "amountMinor": sum }))
            .collect();
        Ok(json!({ "userId": user, "items": items.iter().map(item_view).collect::<Vec<_>>(), "totals": totals,
                   "itemCount": items.len(),
                   "expiresAt": touched.filter(|_| !items.is_empty()).map(|t| self.cart_expires(t)) }))
    }

    /// Prices an item as the server sees it now: our quote, or the supplier's.
    pub async fn price_item(
        &self,
        viewer: &AuthUser,
        item_type: &str,
        data: &Value,
        quantity: i64,
    ) -> Result<Priced, ApiError> {
        let invalid = |m: &str| ApiError::validation(vec![FieldError::new("itemData", m)]);
        // A supplier's offer travels whole in the cart (Amadeus prices what it is shown): an
        // itinerary with its fares takes more room than a reservation body.
        let limit = if SUPPLIER_KINDS.contains(&item_type) && !is_own(item_type, data) { 65_536 } else { 8192 };
        if !data.is_object() || data.to_string().len() > limit {
            return Err(invalid(&format!("must be an object of at most {} KB", limit / 1024)));
        }
        if !(1..=50).contains(&quantity) {
            return Err(ApiError::validation(vec![FieldError::new("quantity", "must be between 1 and 50")]));
        }
        if is_own(item_type, data) {
            let counted = OWN_KINDS.iter().find(|(k, _)| *k == item_type).and_then(|(_, c)| *c);
            let mut data = data.clone();
            match (counted, data.as_object_mut()) {
                (Some(field), Some(map)) => {
                    map.insert(field.into(), json!(quantity));
                }
                (None, _) if quantity != 1 => {
                    return Err(ApiError::validation(vec![FieldError::new(
                        "quantity",
                        "must be 1 for stays and restaurants (guests and party size go in itemData)",
                    )]));
                }
                _ => {}
            }
            let body: ReservationBody = serde_json::from_value(data.clone())
                .map_err(|e| invalid(&format!("is not a reservation body: {e}")))?;
            let listing_id = crate::request::listing_id(&body)?;
            let listing = self.visible_listing(listing_id, Some(viewer)).await?;
            if listing.kind != item_type {
                return Err(invalid(&format!("names a {} listing, not a {item_type}", listing.kind)));
            }
            if listing.owner_id == viewer.user_id {
                return Err(ApiError::new(422, "own_listing", "Hosts cannot book their own listing"));
            }
            if !listing.instant_book {
                return Err(ApiError::new(
                    422,
                    "request_to_book",
                    "The host accepts each request for this listing: book it on its own with POST /api/v1/reservations \
                     (the cart takes instant-book listings only)",
                )
                .with_details(vec![FieldError::new("itemData.listingId", "is a request-to-book listing")]));
            }
            let offer = self.quote(Some(viewer), &body).await?;
            let title = listing.data.get("title").and_then(Value::as_str).unwrap_or("Listing").to_owned();
            return Ok(Priced {
                title,
                data,
                quantity,
                total: offer.quote.guest_total,
                currency: offer.quote.currency,
            });
        }
        if !SUPPLIER_KINDS.contains(&item_type) {
            return Err(ApiError::validation(vec![FieldError::new(
                "itemType",
                "must be stay, restaurant, transport, activity, product (with itemData.listingId) or flight, hotel, activity, transfer (with itemData.offerId)",
            )]));
        }
        let named = ["offerId", "id"].iter().find_map(|k| data.get(*k).and_then(Value::as_str));
        if named.is_none_or(|s| s.is_empty() || s.len() > 256) {
            return Err(ApiError::validation(vec![FieldError::new(
                "itemData.offerId",
                "is required: the supplier's offer id (or the offer itself, with its id)",
            )]));
        }
        let offer = self.contracts.supplier()?.price(item_type, data, quantity).await?;
        Ok(Priced { title: offer.title, data: data.clone(), quantity, total: offer.price, currency: offer.currency })
    }

    /// Adds an item, priced by the server; the client's price must agree.
    pub async fn add_to_cart(&self, user: &AuthUser, body: CartItemIn) -> Result<Value, ApiError> {
        if let Some(owner_id) = body.user_id.as_deref() {
            owner(user, owner_id)?;
        }
        let quantity = body.quantity.unwrap_or(1);
        let priced = self.price_item(user, body.item_type.trim(), &body.item_data, quantity).await?;
        check_price(&priced, body.price, body.currency.as_deref().unwrap_or("EUR"))?;
        let now = self.clock.now();
        let _ = self.cart(user.user_id).await?; // an idle cart is emptied before it grows
        let mut tx = self.db.begin().await?;
        let count: (i64,) = platform::db::query("SELECT CAST(COUNT(*) AS BIGINT) FROM cart_items WHERE user_id = $1")
            .bind(user.user_id)
            .fetch_one(&mut tx)
            .await?;
        if usize::try_from(count.0).unwrap_or(usize::MAX) >= MAX_ITEMS {
            return Err(ApiError::new(409, "cart_full", format!("A cart holds at most {MAX_ITEMS} items")));
        }
        let item = CartItem {
            id: kernel::new_id(),
            user_id: user.user_id,
            item_type: body.item_type.trim().to_owned(),
            item_data: priced.data.clone(),
            title: priced.title.clone(),
            quantity: priced.quantity,
            unit_price: priced.unit_price(),
            total: priced.total,
            currency: priced.currency.clone(),
            created_at: now,
            updated_at: now,
        };
        store::insert_item(&mut tx, &item).await?;
        store::touch(&mut tx, user.user_id, now).await?;
        tx.commit().await?;
        Ok(json!({ "item": item_view(&item), "cart": self.cart(user.user_id).await? }))
    }

    /// Changes an item's quantity; it is priced again.
    pub async fn set_quantity(&self, user: &AuthUser, item: Uuid, quantity: i64) -> Result<Value, ApiError> {
        let current = store::items(&self.db, user.user_id)
            .await?
            .into_iter()
            .find(|i| i.id == item)
            .ok_or_else(|| ApiError::not_found("Cart item not found"))?;
        let priced = self.price_item(user, &current.item_type, &current.item_data, quantity).await?;
        let now = self.clock.now();
        let next = CartItem {
            item_data: priced.data.clone(),
            quantity: priced.quantity,
            unit_price: priced.unit_price(),
            total: priced.total,
            currency: priced.currency.clone(),
            title: priced.title.clone(),
            updated_at: now,
            ..current
        };
        let mut tx = self.db.begin().await?;
        if !store::update_item(&mut tx, &next).await? {
            return Err(ApiError::not_found("Cart item not found"));
        }
        store::touch(&mut tx, user.user_id, now).await?;
        tx.commit().await?;
        self.cart(user.user_id).await
    }

    pub async fn remove_from_cart(&self, user: &AuthUser, item: Uuid) -> Result<Value, ApiError> {
        let mut tx = self.db.begin().await?;
        if !store::delete_item(&mut tx, user.user_id, item).await? {
            return Err(ApiError::not_found("Cart item not found"));
        }
        store::touch(&mut tx, user.user_id, self.clock.now()).await?;
        tx.commit().await?;
        self.cart(user.user_id).await
    }

    pub async fn clear_cart(&self, user: &AuthUser) -> Result<Value, ApiError> {
        let mut tx = self.db.begin().await?;
        store::clear(&mut tx, user.user_id).await?;
        tx.commit().await?;
        self.cart(user.user_id).await
    }
}

/// The client's unit price in major units must make the server's line total.
pub fn check_price(priced: &Priced, client_price: f64, client_currency: &str) -> Result<(), ApiError> {
    let currency = client_currency.trim().to_ascii_uppercase();
    let agrees = currency == priced.currency
        && client_price.is_finite()
        && minor_of(client_price * f64::from(u32::try_from(priced.quantity).unwrap_or(1)), &priced.currency)
            == Some(priced.total);
    if agrees {
        return Ok(());
    }
    let now = crate::export::format_amount(priced.unit_price(), &priced.currency);
    let total = crate::export::format_amount(priced.total, &priced.currency);
    let current = current_price(priced);
    Err(ApiError::new(409, "price_changed", format!("The price is now {now} per unit ({total} in all)"))
        .with_details(vec![FieldError::new("price", format!("now {now}")).with_value(current.clone())])
        .with_data(json!({ "currentPrice": current })))
}

/// The server's price of a line, machine-readable: one unit (`amount` in major units,
/// `amountMinor`, `currency`, as the client's `price`) and the line (`total`, `totalMinor`).
pub fn current_price(priced: &Priced) -> Value {
    let c = &priced.currency;
    json!({ "amount": major(priced.unit_price(), c), "amountMinor": priced.unit_price(), "currency": c,
            "quantity": priced.quantity, "total": major(priced.total, c), "totalMinor": priced.total })
}
