//! Placing a menu order and the kitchen's flow. An order is a reservation row too (so its
//! payment, capture on acceptance, release or refund and payout are the reservation
//! machinery's), plus its `orders` row. Who may work a listing's orders: its owner, its staff
//! (see `staff`) and administrators.

use chrono::{DateTime, Duration, Utc};
use kernel::{ApiError, FieldError};
use platform::auth::AuthUser;
use serde_json::{Value, json};
use uuid::Uuid;

use super::domain::{self, Mode, PricedLine};
use super::store::{self, Order};
use super::view;
use crate::pricing::{Quote, QuoteLine, RatesView};
use crate::service::Bookings;
use crate::store::reservations::{self, Reservation};
use crate::store::{self as booking_store, ListingModel};

/// An order as sent (`POST /api/v1/orders`).
#[derive(Debug, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderBody {
    /// The restaurant listing.
    pub listing_id: Option<String>,
    /// `preorder` (with `tableReservationId`), `takeaway` (with `pickupAt`) or `dine_in` (with `tableCode`).
    pub mode: Option<String>,
    /// 1–50 lines.
    #[serde(default)]
    pub lines: Vec<domain::LineBody>,
    /// The guest's table reservation at this restaurant (pre-orders).
    pub table_reservation_id: Option<String>,
    /// RFC 3339, within opening hours, 10 minutes to 7 days ahead (takeaway).
    pub pickup_at: Option<String>,
    /// The table's code (dine-in).
    pub table_code: Option<String>,
    /// Pay at the table instead of online, when the restaurant allows it.
    #[serde(default)]
    pub pay_at_table: bool,
}

/// Who works an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Guest,
    Kitchen,
}

fn order_not_found() -> ApiError {
    ApiError::new(404, "order_not_found", "Order not found")
}

struct When {
    starts_at: DateTime<Utc>,
    table: Option<Uuid>,
    code: Option<String>,
}

impl Bookings {
    /// Whether `user` works `listing`'s orders: its owner, its staff, administrators.
    pub(crate) async fn works_at(&self, user: &AuthUser, listing: &ListingModel) -> Result<bool, ApiError> {
        Ok(user.is_admin()
            || listing.owner_id == user.user_id
            || store::is_staff(&self.db, listing.id, user.user_id).await?)
    }

    /// An order and who the caller is to it; 404 for anyone else.
    pub async fn order_for(&self, user: &AuthUser, id: Uuid) -> Result<(Reservation, Order, Access), ApiError> {
        let order = store::find(&self.db, id).await?.ok_or_else(order_not_found)?;
        let r = reservations::find(&self.db, id).await?.ok_or_else(order_not_found)?;
        if order.guest_id == user.user_id {
            return Ok((r, order, Access::Guest));
        }
        let listing = booking_store::find(&self.db, order.listing_id).await?.ok_or_else(order_not_found)?;
        if self.works_at(user, &listing).await? { Ok((r, order, Access::Kitchen)) } else { Err(order_not_found()) }
    }

    async fn when(
        &self,
        user: &AuthUser,
        mode: Mode,
        body: &OrderBody,
        listing: &ListingModel,
    ) -> Result<When, ApiError> {
        let now = self.clock.now();
        let tz: chrono_tz::Tz = listing.timezone.parse().unwrap_or(chrono_tz::UTC);
        let restaurant = listing.data.get("restaurant").cloned().unwrap_or(Value::Null);
        let field = |f: &str, m: &str| ApiError::validation(vec![FieldError::new(f, m)]);
        match mode {
            Mode::Preorder => {
                let id = body.table_reservation_id.as_deref().and_then(|s| s.trim().parse::<Uuid>().ok()).ok_or_else(
                    || field("tableReservationId", "is required: the table reservation to pre-order for"),
                )?;
                let table = reservations::find(&self.db, id).await?.filter(|t| {
                    t.unit_key.as_deref().is_some_and(|k| k.starts_with("table:"))
                        && domain::table_ok(t.guest_id, t.listing_id, &t.status, user.user_id, listing.id)
                });
                let table = table.ok_or_else(|| {
                    ApiError::new(
                        409,
                        "table_reservation_invalid",
                        "Pre-orders go with your own current table reservation here",
                    )
                    .with_details(vec![FieldError::new(
                        "tableReservationId",
                        "is not your current table reservation here",
                    )])
                })?;
                let starts_at = table.starts_at.filter(|t| *t > now).ok_or_else(|| {
                    ApiError::new(409, "table_reservation_invalid", "That table reservation has already begun")
                })?;
                Ok(When { starts_at, table: Some(id), code: None })
            }
            Mode::Takeaway => {
                let at = body
                    .pickup_at
                    .as_deref()
                    .and_then(|s| DateTime::parse_from_rfc3339(s.trim()).ok())
                    .map(|t| t.with_timezone(&Utc))
                    .ok_or_else(|| field("pickupAt", "is required: an RFC 3339 instant"))?;
                if at < now + domain::PICKUP_LEAD || at > now + domain::PICKUP_HORIZON {
                    return Err(ApiError::new(
                        422,
                        "pickup_out_of_range",
                        "Pick up from 10 minutes to 7 days from now",
                    )
                    .with_details(vec![FieldError::new("pickupAt", "must be 10 minutes to 7 days from now")]));
                }
                if !domain::open_at(&restaurant, tz, at) {
                    return Err(ApiError::new(422, "closed_at_pickup", "The restaurant is closed at that time")
                        .with_details(vec![FieldError::new("pickupAt", "is outside the opening hours")]));
                }
                Ok(When { starts_at: at, table: None, code: None })
            }
            Mode::DineIn => {
                let mut errors = Vec::new();
                let code = domain::table_code(body.table_code.as_deref(), &mut errors);
                let code = code.ok_or_else(|| ApiError::validation(errors))?;
                let codes = store::table_codes(&self.db, listing.id).await?;
                if !codes.is_empty() && !codes.contains(&code) {
                    return Err(ApiError::new(422, "unknown_table", "No table has that code here")
                        .with_details(vec![FieldError::new("tableCode", "is not one of this restaurant's tables")]));
                }
                if !domain::open_at(&restaurant, tz, now) {
                    return Err(ApiError::new(409, "restaurant_closed", "The restaurant is closed now"));
                }
                Ok(When { starts_at: now, table: None, code: Some(code) })
            }
        }
    }

    /// The order an earlier request under `key` placed, if that request was the same;
    /// `422 idempotency_key_reused` if it was another.
    async fn order_replay(
        &self,
        user: &AuthUser,
        key: &str,
        fingerprint: &str,
    ) -> Result<Option<(Reservation, Order)>, ApiError> {
        let Some((seen, id)) = reservations::find_key(&self.db, user.user_id, key).await? else { return Ok(None) };
        if seen != fingerprint {
            return Err(ApiError::new(
                422,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request",
            ));
        }
        let r = reservations::find(&self.db, id).await?.ok_or_else(ApiError::internal)?;
        let order = store::find(&self.db, id).await?.ok_or_else(ApiError::internal)?;
        Ok(Some((r, order)))
    }

    /// Places an order: priced from the menu now, waiting for payment (or, paid at the table,
    /// straight to the kitchen). The same `key` answers the same order (`true`: replayed).
    pub async fn place_order(
        &self,
        user: &AuthUser,
        body: OrderBody,
        key: Option<&str>,
    ) -> Result<(Reservation, Order, bool), ApiError> {
        let fingerprint = serde_json::to_string(&body).map_err(|_| ApiError::internal())?;
        if let Some(key) = key
            && let Some((r, order)) = self.order_replay(user, key, &fingerprint).await?
        {
            return Ok((r, order, true));
        }
        let mut errors = Vec::new();
        let listing_id = body.listing_id.as_deref().and_then(|s| s.trim().parse::<Uuid>().ok());
        if listing_id.is_none() {
            errors.push(FieldError::new("listingId", "is required: a listing id"));
        }
        let mode = body.mode.as_deref().map(str::trim).and_then(Mode::parse);
        if mode.is_none() {
            errors.push(FieldError::new("mode", "must be preorder, takeaway or dine_in"));
        }
        let lines = domain::lines(&body.lines, &mut errors);
        let (Some(listing_id), Some(mode), true) = (listing_id, mode, errors.is_empty()) else {
            return Err(ApiError::validation(errors));
        };
        let listing = self.visible_listing(listing_id, Some(user)).await?;
        if listing.kind != "restaurant" || listing.status != "published" {
            return Err(ApiError::new(409, "not_a_restaurant", "Orders are taken by published restaurants only"));
        }
        if listing.owner_id == user.user_id {
            return Err(ApiError::new(422, "own_listing", "You cannot order from your own restaurant"));
        }
        let settings = store::settings(&self.db, listing.id).await?;
        if !settings.accepts_orders {
            return Err(ApiError::new(409, "orders_closed", "This restaurant does not take orders"));
        }
        if body.pay_at_table && (!settings.pay_at_table || mode == Mode::Takeaway) {
            return Err(ApiError::new(
                422,
                "pay_at_table_unavailable",
                "Paying at the table is not offered for this order",
            )
            .with_details(vec![FieldError::new("payAtTable", "is not offered here")]));
        }
        let when = self.when(user, mode, &body, &listing).await?;
        let menu = listing.data.get("restaurant").and_then(|r| r.get("menu")).cloned().unwrap_or(Value::Null);
        let priced = domain::price(&menu, &lines)?;
        let tax_bps = booking_store::calendar::rules(&self.db, listing.id).await?.tax_bps;
        let totals = domain::totals(&priced, settings.service_bps, tax_bps, self.config.host_fee_bps);
        let quote = order_quote(&priced, totals, &listing.currency, self.config.host_fee_bps, tax_bps);
        let now = self.clock.now();
        let (status, hold, respond_by) = if body.pay_at_table || totals.total == 0 {
            ("awaiting_host", None, Some(now + Duration::minutes(self.config.order_accept_minutes)))
        } else {
            ("pending_payment", Some(now + Duration::minutes(self.config.hold_minutes)), None)
        };
        let r = Reservation {
            id: kernel::new_id(),
            listing_id: listing.id,
            guest_id: user.user_id,
            host_id: listing.owner_id,
            kind: listing.kind.clone(),
            status: status.into(),
            check_in: None,
            check_out: None,
            unit_key: Some(mode.unit_key()),
            quantity: priced.iter().map(|l| l.quantity).sum(),
            starts_at: Some(when.starts_at),
            ends_at: None,
            currency: listing.currency.clone(),
            timezone: listing.timezone.clone(),
            total: totals.total,
            quote,
            coupon_id: None,
            instant_book: false,
            cancellation_policy: listing.cancellation_policy.clone(),
            hold_expires_at: hold,
            respond_by,
            authorised: 0,
            paid: 0,
            refunded: 0,
            payment_id: None,
            cancelled_by: None,
            cancel_reason: None,
            refund: None,
            created_at: now,
            updated_at: now,
        };
        let order = Order {
            reservation_id: r.id,
            listing_id: listing.id,
            guest_id: user.user_id,
            mode: mode.as_str().to_owned(),
            table_reservation_id: when.table,
            table_code: when.code,
            lines: priced,
            subtotal: totals.subtotal,
            service: totals.service,
            taxes: totals.taxes,
            pay_at_table: body.pay_at_table,
            stage: "placed".into(),
            history: vec![json!({"step": "placed", "at": now, "by": user.user_id})],
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.db.begin().await?;
        if let Some(key) = key
            && !reservations::save_key(&mut tx, user.user_id, key, &fingerprint, r.id, now).await?
        {
            // The same key in flight committed first: its order is the answer.
            drop(tx);
            return self
                .order_replay(user, key, &fingerprint)
                .await?
                .map(|(r, o)| (r, o, true))
                .ok_or_else(ApiError::internal);
        }
        reservations::insert_query(&r)?.execute(&mut tx).await?;
        store::insert(&mut tx, &order).await?;
        let data = json!({"reservation": crate::service::transitions::event_reservation(&mut tx, &r).await?,
                          "order": view::order(&r, &order)});
        self.emit(&mut tx, "order.placed", r.id, Some(user.user_id), data.clone()).await?;
        if status == "awaiting_host" {
            self.emit(&mut tx, "order.received", r.id, Some(user.user_id), data).await?;
        }
        tx.commit().await?;
        self.events.committed();
        self.announce_order(&r, &order).await;
        Ok((r, order, false))
    }
}

/// The order as a reservation quote: one line per item, the service charge in the base, no
/// guest service fee; the platform's fee is kept from the restaurant's payout.
fn order_quote(lines: &[PricedLine], t: domain::Totals, currency: &str, host_fee_bps: i64, tax_bps: i64) -> Quote {
    Quote {
        currency: currency.to_owned(),
        lines: lines
            .iter()
            .map(|l| QuoteLine {
                unit: "item".into(),
                date: None,
                unit_price: l.unit_price,
                quantity: l.quantity,
                amount: l.amount,
            })
            .collect(),
        nights: None,
        subtotal: t.subtotal,
        length_discount: None,
        coupon: None,
        cleaning_fee: 0,
        base: t.subtotal + t.service,
        guest_service_fee: 0,
        taxes: t.taxes,
        guest_total: t.total,
        host_fee: t.host_fee,
        host_payout: t.host_payout,
        platform_revenue: t.host_fee,
        rates: RatesView { guest_fee_bps: 0, host_fee_bps, tax_bps },
        shipping: None,
    }
}
