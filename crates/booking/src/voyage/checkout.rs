//! Checkout: the cart becomes a booking with a DreamScape reference (`DS-XXXXXXXX`). Every
//! item is priced again; our listings are held in one transaction (all or none: an item that
//! became unavailable is named in a `409` and nothing is held); then payments opens one payment
//! for the whole booking. `Idempotency-Key` gives the same booking back.

use kernel::{ApiError, EventEnvelope, FieldError};
use platform::auth::AuthUser;
use platform::contracts::{OpenedPayment, PaymentRequest, ReservationShare};
use platform::events::enqueue;
use serde::Deserialize;
use serde_json::{Value, json};

use super::cart::{Priced, is_own};
use super::store::{self, CartItem, Trip, TripItem};
use crate::request::ReservationBody;
use crate::service::Bookings;

/// DreamScape's `CheckoutRequest`.
#[derive(Debug, Default, serde::Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckoutIn {
    pub metadata: Option<CheckoutMeta>,
}

#[derive(Debug, Default, serde::Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutMeta {
    pub contact_email: Option<String>,
    /// The lead traveller's phone (hotels and transfers need one), when `passengerDetails`
    /// does not carry it.
    pub contact_phone: Option<String>,
    /// `[{firstName, lastName, dateOfBirth, type, phone?}]`, handed to suppliers as given.
    #[schema(value_type = Option<Vec<Object>>)]
    pub passenger_details: Option<Vec<Value>>,
}

/// A checked-out booking and its payment.
#[derive(Debug)]
pub struct CheckedOut {
    pub trip: Trip,
    pub payment: OpenedPayment,
    pub replayed: bool,
}

/// `DS-` and eight letters and digits.
fn new_reference() -> Result<String, ApiError> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|_| ApiError::internal())?;
    Ok(format!(
        "DS-{}",
        bytes.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect::<String>()
    ))
}

/// One cart line, priced again and ready to sell.
struct Line {
    item: CartItem,
    priced: Priced,
    own: Option<(crate::store::ListingModel, crate::request::Target, crate::service::offer::Prefetched)>,
}

impl Bookings {
    pub async fn checkout(&self, user: &AuthUser, body: CheckoutIn, key: Option<&str>) -> Result<CheckedOut, ApiError> {
        let meta = body.metadata.unwrap_or_default();
        let mut passengers = Value::Array(meta.passenger_details.unwrap_or_default());
        let phone = meta.contact_phone.map(|p| p.trim().to_owned()).filter(|p| !p.is_empty());
        if let (Some(phone), Some(lead)) = (phone, passengers.get_mut(0).and_then(Value::as_object_mut)) {
            lead.entry("phone").or_insert(Value::String(phone));
        }
        let email = meta.contact_email.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
        let mut errors = Vec::new();
        if email.as_deref().is_some_and(|e| e.len() > 254 || !e.contains('@')) {
            errors.push(FieldError::new("metadata.contactEmail", "must be an e-mail address"));
        }
        if passengers.as_array().is_some_and(|p| p.len() > 9) || passengers.to_string().len() > 8192 {
            errors.push(FieldError::new("metadata.passengerDetails", "at most 9 passengers, 8 KB"));
        }
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        let fingerprint = json!({"email": email, "passengers": passengers}).to_string();
        if let Some(key) = key
            && let Some(done) = self.replay_checkout(user, key, &fingerprint).await?
        {
            return Ok(done);
        }
        let lines = match self.priced_cart(user).await {
            Ok(lines) => lines,
            // A request with the same key checked the cart out meanwhile: its booking.
            Err(e) => match key {
                Some(key) => return self.replay_checkout(user, key, &fingerprint).await?.ok_or(e),
                None => return Err(e),
            },
        };
        // Suppliers order for named travellers: refuse now what could not be ordered once paid.
        let traveller = platform::contracts::Traveller {
            user_id: user.user_id,
            email: email.clone(),
            passengers: passengers.clone(),
        };
        for line in lines.iter().filter(|l| l.own.is_none()) {
            self.contracts.supplier()?.check_travellers(&line.item.item_type, &line.priced.data, &traveller).await?;
        }
        let currency = lines[0].priced.currency.clone();
        if lines.iter().any(|l| l.priced.currency != currency) {
            return Err(ApiError::new(
                422,
                "mixed_currencies",
                "A booking is paid in one currency: check out each currency apart",
            ));
        }

        let now = self.clock.now();
        let trip_id = kernel::new_id();
        let reference = new_reference()?;
        let mut tx = self.db.begin().await?;
        if let Some(key) = key
            && !store::save_key(&mut tx, user.user_id, key, &fingerprint, trip_id, now).await?
        {
            drop(tx);
            return self.replay_checkout(user, key, &fingerprint).await?.ok_or_else(ApiError::internal);
        }
        let mut trip_items = Vec::new();
        let mut shares = Vec::new();
        let mut sold_listings = Vec::new();
        for (position, line) in lines.into_iter().enumerate() {
            let Line { item, priced, own } = line;
            let mut reservation_id = None;
            if let Some((listing, target, pre)) = own {
                let id = kernel::new_id();
                let sold = self.sell(&mut tx, user.user_id, listing, target, &pre, id, now).await;
                let r = sold.map_err(|e| unavailable(&item, &e.message))?;
                sold_listings.push(r.listing_id);
                shares.push(ReservationShare {
                    reservation_id: r.id,
                    host_id: r.host_id,
                    total: r.total,
                    host_payout: r.quote.host_payout,
                    platform_revenue: r.quote.platform_revenue,
                    taxes: r.quote.taxes,
                    starts_at: r.starts_at,
                });
                reservation_id = Some(r.id);
            }
            trip_items.push(TripItem {
                id: item.id,
                trip_id,
                position: i64::try_from(position).unwrap_or(0),
                item_type: item.item_type.clone(),
                title: priced.title.clone(),
                quantity: priced.quantity,
                amount: priced.total,
                reservation_id,
                offer: reservation_id.is_none().then(|| json!({ "itemData": priced.data })),
                status: if reservation_id.is_some() { "reservation" } else { "pending" }.into(),
                supplier_ref: None,
                created_at: now,
            });
        }
        let total: i64 = trip_items.iter().map(|i| i.amount).sum();
        let supplier_amount: i64 = trip_items.iter().filter(|i| i.reservation_id.is_none()).map(|i| i.amount).sum();
        let trip = Trip {
            id: trip_id,
            reference: reference.clone(),
            user_id: user.user_id,
            status: "pending_payment".into(),
            currency: currency.clone(),
            total,
            supplier_amount,
            paid: 0,
            refunded: 0,
            payment_intent_id: None,
            contact_email: email,
            passengers,
            created_at: now,
            updated_at: now,
            confirmed_at: None,
            admin_data: json!({}),
        };
        store::insert_trip(&mut tx, &trip).await?;
        for i in &trip_items {
            store::insert_trip_item(&mut tx, i).await?;
        }
        store::clear(&mut tx, user.user_id).await?;
        self.publish_availability(&mut tx, &sold_listings).await?;
        let data = json!({ "bookingReference": reference, "userId": user.user_id, "total": total, "currency": currency,
                           "reservationIds": shares.iter().map(|s| s.reservation_id).collect::<Vec<_>>(),
                           "types": trip_items.iter().map(|i| i.item_type.as_str()).collect::<Vec<_>>() });
        enqueue(
            &mut tx,
            &EventEnvelope::new("voyage.created", trip_id, now, data).with_actor(user.user_id.to_string()),
        )
        .await?;
        tx.commit().await?;
        self.events.committed();
        let payment = self.open_trip_payment(&trip, shares).await?;
        let trip = store::trip(&self.db, trip_id).await?.ok_or_else(ApiError::internal)?;
        Ok(CheckedOut { trip, payment, replayed: false })
    }

    /// The cart (emptied first if idle), every line priced again.
    async fn priced_cart(&self, user: &AuthUser) -> Result<Vec<Line>, ApiError> {
        let _ = self.cart(user.user_id).await?;
        let items = store::items(&self.db, user.user_id).await?;
        if items.is_empty() {
            return Err(ApiError::new(422, "cart_empty", "The cart is empty"));
        }
        self.price_again(user, items).await
    }

    /// Prices every cart line again: our quotes (and what selling needs), the supplier's
    /// prices. Unavailable items and changed prices are named, all at once.
    async fn price_again(&self, user: &AuthUser, items: Vec<CartItem>) -> Result<Vec<Line>, ApiError> {
        let mut lines = Vec::new();
        let mut gone = Vec::new();
        let mut changed = Vec::new();
        for item in items {
            let priced = match self.price_item(user, &item.item_type, &item.item_data, item.quantity).await {
                Ok(p) => p,
                Err(e) if e.status >= 500 => return Err(e),
                Err(e) => {
                    gone.push(FieldError::new(format!("items.{}", item.id), format!("{}: {}", item.title, e.message)));
                    continue;
                }
            };
            if priced.total != item.total || priced.currency != item.currency {
                changed.push((item.id, priced.clone()));
            }
            let own = if is_own(&item.item_type, &item.item_data) {
                let body: ReservationBody =
                    serde_json::from_value(priced.data.clone()).map_err(|_| ApiError::internal())?;
                let id = crate::request::listing_id(&body)?;
                // A listing that became request-to-book since it was added is refused by
                // `price_item` above; this read is checked too, in case it changed just now.
                let (listing, rules) = self.visible_listing_with_rules(id, Some(user)).await?;
                if !listing.instant_book {
                    let why = "the host now accepts each request: book it on its own";
                    gone.push(FieldError::new(format!("items.{}", item.id), format!("{}: {why}", item.title)));
                    continue;
                }
                let target = crate::request::target(&listing.kind, &body)?;
                let coupon = crate::request::coupon_code(&body)?;
                let pre = self.prefetch(&listing, rules, &target, coupon.as_deref(), None).await?;
                Some((listing, target, pre))
            } else {
                None
            };
            lines.push(Line { item, priced, own });
        }
        if !gone.is_empty() {
            return Err(ApiError::new(409, "items_unavailable", "Some items can no longer be booked; remove them")
                .with_details(gone));
        }
        if !changed.is_empty() {
            let mut tx = self.db.begin().await?;
            let mut details = Vec::new();
            let mut changes = Vec::new();
            for (id, priced) in &changed {
                if let Some(line) = lines.iter().find(|l| l.item.id == *id) {
                    let next = CartItem {
                        unit_price: priced.unit_price(),
                        total: priced.total,
                        currency: priced.currency.clone(),
                        updated_at: self.clock.now(),
                        ..line.item.clone()
                    };
                    store::update_item(&mut tx, &next).await?;
                    let now = crate::export::format_amount(priced.total, &priced.currency);
                    let current = super::cart::current_price(priced);
                    details
                        .push(FieldError::new(format!("items.{id}"), format!("now {now}")).with_value(current.clone()));
                    changes.push(json!({ "itemId": id, "currentPrice": current }));
                }
            }
            tx.commit().await?;
            // The cart's new total in its first line's currency (a checkout is in one).
            let currency = lines[0].priced.currency.clone();
            let total: i64 = lines.iter().filter(|l| l.priced.currency == currency).map(|l| l.priced.total).sum();
            let current =
                json!({ "amount": super::money::major(total, &currency), "amountMinor": total, "currency": currency });
            return Err(ApiError::new(
                409,
                "price_changed",
                "Prices changed since these items were added; the cart shows the new ones",
            )
            .with_details(details)
            .with_data(json!({ "currentPrice": current, "items": changes })));
        }
        Ok(lines)
    }

    /// Asks payments to open the booking's payment, and remembers it.
    pub(crate) async fn open_trip_payment(
        &self,
        trip: &Trip,
        shares: Vec<ReservationShare>,
    ) -> Result<OpenedPayment, ApiError> {
        let request = PaymentRequest {
            reference: trip.reference.clone(),
            payer: trip.user_id,
            amount: trip.total,
            currency: trip.currency.clone(),
            reservations: shares,
            supplier_amount: trip.supplier_amount,
        };
        let payment = self.contracts.payments()?.open_payment(&request).await?;
        let mut tx = self.db.begin().await?;
        let next = Trip { payment_intent_id: Some(payment.payment_intent_id.clone()), ..trip.clone() };
        store::update_trip(&mut tx, &next, &trip.status).await?;
        tx.commit().await?;
        Ok(payment)
    }

    async fn replay_checkout(
        &self,
        user: &AuthUser,
        key: &str,
        fingerprint: &str,
    ) -> Result<Option<CheckedOut>, ApiError> {
        let Some((seen, id)) = store::find_key(&self.db, user.user_id, key).await? else { return Ok(None) };
        if seen != fingerprint {
            return Err(ApiError::new(
                422,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request",
            ));
        }
        let trip = store::trip(&self.db, id).await?.ok_or_else(ApiError::internal)?;
        let shares = self.shares_of(&trip).await?;
        let payment = self.open_trip_payment(&trip, shares).await?;
        let trip = store::trip(&self.db, id).await?.ok_or_else(ApiError::internal)?;
        Ok(Some(CheckedOut { trip, payment, replayed: true }))
    }

    /// The split of a trip's reservations, for payments.
    async fn shares_of(&self, trip: &Trip) -> Result<Vec<ReservationShare>, ApiError> {
        let mut shares = Vec::new();
        for item in store::trip_items(&self.db, trip.id).await? {
            if let Some(id) = item.reservation_id
                && let Some(r) = crate::store::reservations::find(&self.db, id).await?
            {
                shares.push(ReservationShare {
                    reservation_id: r.id,
                    host_id: r.host_id,
                    total: r.total,
                    host_payout: r.quote.host_payout,
                    platform_revenue: r.quote.platform_revenue,
                    taxes: r.quote.taxes,
                    starts_at: r.starts_at,
                });
            }
        }
        Ok(shares)
    }
}

fn unavailable(item: &CartItem, why: &str) -> ApiError {
    ApiError::new(409, "items_unavailable", format!("{} can no longer be booked", item.title))
        .with_details(vec![FieldError::new(format!("items.{}", item.id), format!("{}: {why}", item.title))])
}
