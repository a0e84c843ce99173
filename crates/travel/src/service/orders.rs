//! The travel supplier of booking's cart and checkout (`platform::contracts::Supplier`):
//! an offer in the cart is priced again by the supplier (never by the client), booked there
//! once the booking is paid — one order per idempotency key, claimed in `supplier_orders`
//! before the supplier is called — and cancelled there when the booking is.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use kernel::{ApiError, FieldError};
use platform::contracts::{Supplier, SupplierOffer, Traveller};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Travel, minor_units, text};
use crate::provider::{Operation, Request};
use crate::reference;
use crate::store::{self, Order};

fn bad_item(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::validation(vec![FieldError::new(format!("itemData.{field}"), message)])
}

/// A local wall-clock time at an airport or city, in UTC.
fn at_local(local: &str, code: &str) -> Option<DateTime<Utc>> {
    let data = reference::get();
    let tz: chrono_tz::Tz =
        data.airport(code).map(|a| a.tz.as_str()).or_else(|| data.city(code).map(|c| c.tz.as_str()))?.parse().ok()?;
    let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M"))
        .ok()?;
    tz.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc))
}

fn tz_of(code: &str) -> Option<String> {
    let data = reference::get();
    data.airport(code).map(|a| a.tz.clone()).or_else(|| data.city(code).map(|c| c.tz.clone()))
}

/// The id an item names its offer by (`offerId`, else `id` or `bookingToken`).
fn offer_id(item: &Value) -> Result<String, ApiError> {
    let id = ["offerId", "id", "bookingToken"].iter().find_map(|k| item.get(*k).and_then(Value::as_str));
    match id {
        Some(id) if !id.is_empty() && id.len() <= 256 => Ok(id.to_owned()),
        _ => Err(bad_item("offerId", "is required: the supplier's offer id")),
    }
}

fn money(value: &Value, pointer: &str, currency: &str) -> Result<i64, ApiError> {
    let raw = match value.pointer(pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    minor_units(&raw, currency).ok_or_else(|| {
        tracing::warn!(pointer, "supplier answered an offer without a readable price");
        ApiError::unavailable("The supplier answered an offer without a price; try again shortly", Some(5))
    })
}

impl Travel {
    /// The offer `item` names, as the supplier prices it now.
    pub async fn price_offer(&self, kind: &str, item: &Value, quantity: i64) -> Result<SupplierOffer, ApiError> {
        match kind {
            "flight" | "hotel" | "transfer" if quantity != 1 => Err(ApiError::validation(vec![FieldError::new(
                "quantity",
                "must be 1 for a flight, hotel or transfer offer (travellers, rooms and passengers are part of the offer)",
            )])),
            "flight" => self.price_flight(item).await,
            "hotel" => self.price_hotel(item).await,
            "transfer" => self.price_transfer(item).await,
            "activity" => self.price_activity(item, quantity).await,
            _ => Err(ApiError::validation(vec![FieldError::new(
                "itemType",
                "must be flight, hotel, transfer or activity",
            )])),
        }
    }

    async fn price_flight(&self, item: &Value) -> Result<SupplierOffer, ApiError> {
        let id = offer_id(item)?;
        // The whole offer when the cart holds it (Amadeus prices what it is shown), else its id.
        let offer = if item.get("itineraries").is_some() {
            let mut o = super::flights::amadeus_offer(item);
            o["id"] = json!(id);
            o
        } else {
            json!({ "type": "flight-offer", "id": id })
        };
        let body = json!({ "data": { "type": "flight-offers-pricing", "flightOffers": [offer] } });
        let answer = self.ask(Request::new(Operation::FlightPrice).body(body)).await.map_err(in_item)?;
        let priced = answer.pointer("/data/flightOffers/0").cloned().ok_or_else(gone)?;
        let currency = text(&priced, "/price/currency").to_owned();
        let pointer = if priced.pointer("/price/grandTotal").is_some() { "/price/grandTotal" } else { "/price/total" };
        let price = money(&priced, pointer, &currency)?;
        let itineraries = priced.get("itineraries").and_then(Value::as_array).cloned().unwrap_or_default();
        let segments: Vec<&Value> = itineraries
            .iter()
            .flat_map(|i| i.get("segments").and_then(Value::as_array).into_iter().flatten())
            .collect();
        let (Some(first), Some(last_out)) = (
            segments.first(),
            itineraries.first().and_then(|i| i.pointer("/segments")).and_then(Value::as_array).and_then(|s| s.last()),
        ) else {
            return Err(gone());
        };
        let last = segments.last().copied().unwrap_or(first);
        let from = text(first, "/departure/iataCode").to_owned();
        let to = text(last_out, "/arrival/iataCode").to_owned();
        let mut title = format!("{from} → {to} · {} {}", text(first, "/carrierCode"), text(first, "/number"));
        if itineraries.len() > 1 {
            title.push_str(" · return");
        }
        let details = segments
            .iter()
            .map(|s| {
                format!(
                    "{} {} {} {} → {} {}",
                    text(s, "/carrierCode"),
                    text(s, "/number"),
                    text(s, "/departure/iataCode"),
                    text(s, "/departure/at").replace('T', " "),
                    text(s, "/arrival/iataCode"),
                    text(s, "/arrival/at").replace('T', " "),
                )
            })
            .collect();
        Ok(SupplierOffer {
            offer_id: id,
            kind: "flight".into(),
            title,
            price,
            currency,
            starts_at: at_local(text(first, "/departure/at"), &from),
            ends_at: at_local(text(last, "/arrival/at"), text(last, "/arrival/iataCode")),
            timezone: tz_of(&from),
            location: reference::get().airport(&from).map(|a| a.name.clone()),
            details,
            refundable: priced.pointer("/pricingOptions/refundableFare").and_then(Value::as_bool).unwrap_or(false),
            payload: json!({ "offer": priced, "bookingDetails": item.get("bookingDetails") }),
        })
    }

    async fn price_hotel(&self, item: &Value) -> Result<SupplierOffer, ApiError> {
        let id = item
            .get("offerId")
            .and_then(Value::as_str)
            .or_else(|| item.pointer("/offers/0/id").and_then(Value::as_str))
            .map(str::to_owned)
            .map_or_else(|| offer_id(item), Ok)?;
        let answer = self.ask(Request::new(Operation::HotelOffer).id(&id)).await.map_err(in_item)?;
        let hotel = answer.pointer("/data/hotel").cloned().unwrap_or(Value::Null);
        let offer = answer.pointer("/data/offers/0").cloned().ok_or_else(gone)?;
        let currency = text(&offer, "/price/currency").to_owned();
        let price = money(&offer, "/price/total", &currency)?;
        let city = text(&hotel, "/cityCode").to_owned();
        let check_in = text(&offer, "/checkInDate");
        let check_out = text(&offer, "/checkOutDate");
        let refundable = text(&offer, "/policies/refundable/cancellationRefund") != "NON_REFUNDABLE"
            && offer.pointer("/policies/cancellations/0").is_some();
        Ok(SupplierOffer {
            offer_id: id,
            kind: "hotel".into(),
            title: text(&hotel, "/name").to_owned(),
            price,
            currency,
            starts_at: at_local(&format!("{check_in}T15:00:00"), &city),
            ends_at: at_local(&format!("{check_out}T11:00:00"), &city),
            timezone: tz_of(&city),
            location: reference::get().city(&city).map(|c| c.name.clone()),
            details: vec![format!("{check_in} → {check_out}"), text(&offer, "/room/description/text").to_owned()],
            refundable,
            payload: json!({ "hotel": hotel, "offer": offer, "bookingDetails": item.get("bookingDetails") }),
        })
    }

    async fn price_transfer(&self, item: &Value) -> Result<SupplierOffer, ApiError> {
        let id = offer_id(item)?;
        let start = text(item, "/start/dateTime");
        if start.is_empty() {
            return Err(bad_item("start.dateTime", "is required: add the transfer offer as search returned it"));
        }
        // A transfer offer cannot be read back by id: the search is asked again and the same
        // offer (or the same vehicle of the same provider) found in it.
        let mut body = json!({ "startDateTime": start, "passengers": item.get("passengers").and_then(Value::as_i64).unwrap_or(1),
                               "transferType": item.get("transferType") });
        for (from, to) in [
            ("/start/locationCode", "startLocationCode"),
            ("/end/locationCode", "endLocationCode"),
            ("/end/address/line", "endAddressLine"),
            ("/end/address/cityName", "endCityName"),
            ("/end/address/countryCode", "endCountryCode"),
            ("/end/address/zip", "endZipCode"),
            ("/start/address/line", "startAddressLine"),
            ("/start/address/cityName", "startCityName"),
            ("/start/address/countryCode", "startCountryCode"),
        ] {
            if let Some(v) = item.pointer(from) {
                body[to] = v.clone();
            }
        }
        if let (Some(lat), Some(lon)) = (item.pointer("/end/address/latitude"), item.pointer("/end/address/longitude"))
        {
            body["endGeoCode"] = json!(format!("{lat},{lon}"));
        }
        let answer = self.ask(Request::new(Operation::TransferOffers).body(body)).await.map_err(in_item)?;
        let same = |o: &&Value| {
            text(o, "/id") == id
                || (text(o, "/transferType") == text(item, "/transferType")
                    && text(o, "/vehicle/code") == text(item, "/vehicle/code")
                    && text(o, "/serviceProvider/code") == text(item, "/serviceProvider/code"))
        };
        let offers = super::data_list(&answer);
        let offer = offers.iter().find(same).cloned().ok_or_else(gone)?;
        let currency = text(&offer, "/quotation/currencyCode").to_owned();
        let price = money(&offer, "/quotation/monetaryAmount", &currency)?;
        let code = text(&offer, "/start/locationCode").to_owned();
        Ok(SupplierOffer {
            offer_id: text(&offer, "/id").to_owned(),
            kind: "transfer".into(),
            title: format!("Transfer {} · {}", text(&offer, "/transferType"), text(&offer, "/vehicle/description")),
            price,
            currency,
            starts_at: at_local(text(&offer, "/start/dateTime"), &code),
            ends_at: None,
            timezone: tz_of(&code),
            location: reference::get().airport(&code).map(|a| a.name.clone()),
            details: vec![text(&offer, "/end/address/line").to_owned()],
            refundable: true,
            payload: json!({ "offer": offer, "bookingDetails": item.get("bookingDetails") }),
        })
    }

    async fn price_activity(&self, item: &Value, participants: i64) -> Result<SupplierOffer, ApiError> {
        let id = offer_id(item)?;
        let date = item
            .get("date")
            .or_else(|| item.pointer("/bookingDetails/date"))
            .and_then(Value::as_str)
            .and_then(|d| NaiveDate::parse_from_str(d.get(..10).unwrap_or(d), "%Y-%m-%d").ok())
            .ok_or_else(|| bad_item("date", "is required: the day of the activity, YYYY-MM-DD"))?;
        if date < self.today() {
            return Err(bad_item("date", "must not be in the past"));
        }
        if !(1..=20).contains(&participants) {
            return Err(ApiError::validation(vec![FieldError::new("quantity", "participants must be 1 to 20")]));
        }
        let answer = self.ask(Request::new(Operation::Activity).id(&id)).await.map_err(in_item)?;
        let activity = answer.get("data").cloned().ok_or_else(gone)?;
        if self.provider.name() == "amadeus" {
            let link = text(&activity, "/bookingLink");
            return Err(ApiError::new(
                422,
                "book_with_provider",
                format!("This activity is booked on its provider's site: {link}"),
            )
            .with_details(vec![FieldError::new("itemData.offerId", "is not sold through the cart")]));
        }
        let currency = text(&activity, "/price/currencyCode").to_owned();
        let unit = money(&activity, "/price/amount", &currency)?;
        let (lat, lon) = (
            activity.pointer("/geoCode/latitude").and_then(Value::as_f64).unwrap_or(0.0),
            activity.pointer("/geoCode/longitude").and_then(Value::as_f64).unwrap_or(0.0),
        );
        let near = reference::get().nearest(lat, lon, 100.0, 1);
        let tz = near.first().map(|(a, _)| a.tz.clone());
        Ok(SupplierOffer {
            offer_id: id,
            kind: "activity".into(),
            title: text(&activity, "/name").to_owned(),
            price: unit.saturating_mul(participants),
            currency,
            starts_at: tz
                .as_deref()
                .and_then(|t| t.parse::<chrono_tz::Tz>().ok())
                .and_then(|t| t.from_local_datetime(&date.and_hms_opt(9, 0, 0)?).earliest())
                .map(|t| t.with_timezone(&Utc)),
            ends_at: None,
            timezone: tz,
            location: near.first().map(|(a, _)| a.city.clone()),
            details: vec![format!("{date} · {participants} participant(s)")],
            refundable: activity.get("freeCancellation").and_then(Value::as_bool).unwrap_or(true),
            payload: json!({ "activity": activity, "date": date, "participants": participants,
                             "bookingDetails": item.get("bookingDetails") }),
        })
    }

    /// Orders a priced offer at the supplier once per `key`; returns the confirmation.
    pub async fn book_offer(
        &self,
        offer: &SupplierOffer,
        traveller: &Traveller,
        key: &str,
    ) -> Result<String, ApiError> {
        if let Some(existing) = store::by_key(&self.db, key).await? {
            return match existing.status.as_str() {
                "pending" => Err(ApiError::unavailable("This order is being placed; try again shortly", Some(5))),
                _ => Ok(existing.confirmation),
            };
        }
        let now = self.clock.now();
        let id = Uuid::now_v7();
        let claim = Order {
            id,
            supplier: self.provider.name().into(),
            kind: offer.kind.clone(),
            confirmation: format!("pending-{id}"),
            supplier_order_id: String::new(),
            key: key.to_owned(),
            status: "pending".into(),
            amount: offer.price,
            currency: offer.currency.clone(),
            refundable: offer.refundable,
            user_id: Some(traveller.user_id),
            offer: offer.payload.clone(),
            answer: Value::Null,
            created_at: now,
        };
        if !store::claim(&self.db, &claim).await? {
            return Box::pin(self.book_offer(offer, traveller, key)).await;
        }
        let request = match order_request(offer, traveller) {
            Ok(r) => r.key(key),
            Err(e) => {
                store::release(&self.db, id).await?;
                return Err(e);
            }
        };
        match self.ask(request).await {
            Ok(answer) => {
                let (confirmation, order_id) = confirmation_of(&offer.kind, &answer);
                store::booked(&self.db, id, &confirmation, &order_id, &answer).await?;
                Ok(confirmation)
            }
            Err(e) => {
                store::release(&self.db, id).await?;
                Err(e)
            }
        }
    }

    /// Cancels an order at the supplier; what it refunds (minor units).
    pub async fn cancel_order(&self, confirmation: &str) -> Result<i64, ApiError> {
        let Some(order) = store::by_reference(&self.db, confirmation).await? else {
            return Err(ApiError::not_found("No supplier order has this confirmation"));
        };
        let refund = self.refund_of(&order);
        if order.status != "booked" {
            return Ok(if order.status == "cancelled" { refund } else { 0 });
        }
        let request = match order.kind.as_str() {
            "flight" => Request::new(Operation::FlightOrderCancel).id(&order.supplier_order_id),
            "hotel" => Request::new(Operation::HotelOrderCancel).id(&order.supplier_order_id),
            "transfer" => Request::new(Operation::TransferOrderCancel)
                .id(&order.supplier_order_id)
                .param("confirmNbr", Some(&order.confirmation)),
            _ => Request::new(Operation::ActivityOrderCancel).id(&order.supplier_order_id),
        };
        let now = self.clock.now();
        match self.ask(request.key(format!("cancel-{}", order.id))).await {
            Ok(_) => {
                store::set_status(&self.db, order.id, "cancelled", now).await?;
                Ok(refund)
            }
            Err(e) if e.code == "not_offered_by_supplier" => {
                // Amadeus's hotel bookings are cancelled with the hotel: an operator does it.
                tracing::error!(order = %order.id, confirmation = %order.confirmation, kind = %order.kind,
                    "supplier order must be cancelled by hand with the supplier");
                store::set_status(&self.db, order.id, "cancel_by_hand", now).await?;
                Ok(0)
            }
            Err(e) => Err(e),
        }
    }

    /// What a cancellation gives back now: nothing for non-refundable fares, nothing for a hotel
    /// after its free-cancellation deadline.
    fn refund_of(&self, order: &Order) -> i64 {
        if !order.refundable {
            return 0;
        }
        let deadline = order.offer.pointer("/offer/policies/cancellations/0/deadline").and_then(Value::as_str);
        let city = text(&order.offer, "/hotel/cityCode");
        match deadline.and_then(|d| {
            DateTime::parse_from_rfc3339(d)
                .ok()
                .map(|t| t.with_timezone(&Utc))
                .or_else(|| at_local(d.get(..19).unwrap_or(d), city))
        }) {
            Some(deadline) if self.clock.now() > deadline => 0,
            _ => order.amount,
        }
    }

    /// A supplier order of the caller (administrators: any), as the supplier reads it now.
    pub async fn read_order(
        &self,
        actor: &platform::auth::Actor,
        reference: &str,
        kind: &str,
    ) -> Result<Value, ApiError> {
        let not_found = || ApiError::not_found("Order not found");
        if reference.is_empty() || reference.len() > 128 {
            return Err(not_found());
        }
        let order = store::by_reference(&self.db, reference).await?.filter(|o| o.kind == kind).ok_or_else(not_found)?;
        if !actor.admin && order.user_id != Some(actor.user_id) {
            return Err(not_found());
        }
        let live = match kind {
            "flight" => self.ask(Request::new(Operation::FlightOrder).id(&order.supplier_order_id)).await.ok(),
            _ => None,
        };
        let mut body = live
            .unwrap_or_else(|| json!({ "data": order.answer.get("data").cloned().unwrap_or(order.answer.clone()) }));
        body["meta"] =
            json!({ "status": order.status, "confirmation": order.confirmation, "supplier": order.supplier });
        Ok(body)
    }
}

fn name(p: &Value, k: &str) -> String {
    p.get(k).and_then(Value::as_str).unwrap_or_default().trim().to_owned()
}

/// Who travels: the checkout's passengers, else those the cart item carries
/// (`bookingDetails.passengers` or `bookingDetails.guests`, as DreamScape's client adds them);
/// the contact e-mail likewise.
fn travellers_of(details: Option<&Value>, traveller: &Traveller) -> (Vec<Value>, String) {
    let given: Vec<Value> = traveller.passengers.as_array().cloned().unwrap_or_default();
    let carried = || {
        let d = details?;
        d.get("passengers").or_else(|| d.get("guests")).and_then(Value::as_array).cloned()
    };
    let passengers: Vec<Value> = if given.is_empty() { carried().unwrap_or_default() } else { given };
    let passengers: Vec<Value> = passengers.into_iter().filter(Value::is_object).collect();
    let email = traveller
        .email
        .clone()
        .or_else(|| passengers.first().map(|p| name(p, "email")).filter(|e| !e.is_empty()))
        .or_else(|| details.and_then(|d| d.pointer("/contact/email")).and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    (passengers, email)
}

/// Checks that the travellers can be ordered for (`field` prefixes: the checkout's names).
fn check(kind: &str, travelers_wanted: Option<usize>, passengers: &[Value], email: &str) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    let field = |i: usize, k: &str| format!("metadata.passengerDetails[{i}].{k}");
    if passengers.is_empty() {
        errors.push(FieldError::new("metadata.passengerDetails", "name who travels: [{firstName, lastName, …}]"));
    }
    for (i, p) in passengers.iter().enumerate() {
        for k in ["firstName", "lastName"] {
            let v = name(p, k);
            if v.is_empty() || v.chars().count() > 60 {
                errors.push(FieldError::new(field(i, k), "is required (at most 60 characters)"));
            }
        }
        if kind == "flight" && chrono::NaiveDate::parse_from_str(&name(p, "dateOfBirth"), "%Y-%m-%d").is_err() {
            errors.push(FieldError::new(field(i, "dateOfBirth"), "is required for a flight: YYYY-MM-DD"));
        }
    }
    if let Some(wanted) = travelers_wanted
        && !passengers.is_empty()
        && passengers.len() != wanted
    {
        errors.push(FieldError::new(
            "metadata.passengerDetails",
            format!("the flight offer is for {wanted} traveller(s): name each of them"),
        ));
    }
    if ["hotel", "transfer"].contains(&kind) {
        if !email.contains('@') {
            errors.push(FieldError::new("metadata.contactEmail", format!("is required for a {kind} booking")));
        }
        if passengers.first().is_some_and(|p| name(p, "phone").is_empty()) {
            errors.push(FieldError::new(field(0, "phone"), format!("is required for a {kind} booking")));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(ApiError::validation(errors)) }
}

impl Travel {
    /// Whether an order of the offer `item` names can be placed for `traveller` (checked at
    /// checkout, before payment).
    pub fn check_travellers(&self, kind: &str, item: &Value, traveller: &Traveller) -> Result<(), ApiError> {
        let (passengers, email) = travellers_of(item.get("bookingDetails"), traveller);
        let wanted = item.get("travelerPricings").and_then(Value::as_array).map(Vec::len);
        check(kind, wanted.filter(|_| kind == "flight"), &passengers, &email)
    }
}

/// The supplier's request that orders `offer` for `traveller`.
fn order_request(offer: &SupplierOffer, traveller: &Traveller) -> Result<Request, ApiError> {
    let (passengers, email) = travellers_of(offer.payload.get("bookingDetails"), traveller);
    let wanted = offer.payload.pointer("/offer/travelerPricings").and_then(Value::as_array).map(Vec::len);
    check(&offer.kind, wanted.filter(|_| offer.kind == "flight"), &passengers, &email)?;
    let lead = passengers.first().cloned().unwrap_or(Value::Null);
    let phone = name(&lead, "phone");
    Ok(match offer.kind.as_str() {
        "flight" => {
            let travelers: Vec<Value> = passengers
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    json!({ "id": (i + 1).to_string(), "dateOfBirth": p.get("dateOfBirth"),
                            "name": { "firstName": name(p, "firstName"), "lastName": name(p, "lastName") },
                            "gender": p.get("gender"),
                            "contact": { "emailAddress": email, "phones": if phone.is_empty() { json!([]) } else { json!([{ "deviceType": "MOBILE", "number": phone }]) } } })
                })
                .collect();
            Request::new(Operation::FlightOrderCreate).body(
                json!({ "data": { "type": "flight-order", "flightOffers": [offer.payload["offer"]], "travelers": travelers } }),
            )
        }
        "hotel" => Request::new(Operation::HotelOrderCreate).body(json!({ "data": {
            "type": "hotel-order",
            "guests": [{ "tid": 1, "firstName": name(&lead, "firstName"), "lastName": name(&lead, "lastName"),
                         "email": email, "phone": phone }],
            "travelAgent": { "contact": { "email": email } },
            "roomAssociations": [{ "guestReferences": [{ "guestReference": "1" }], "hotelOfferId": offer.offer_id }],
        } })),
        "transfer" => {
            Request::new(Operation::TransferOrderCreate).param("offerId", Some(&offer.offer_id)).body(json!({ "data": {
            "passengers": [{ "firstName": name(&lead, "firstName"), "lastName": name(&lead, "lastName"),
                             "contacts": { "email": email, "phoneNumber": phone } }],
        } }))
        }
        _ => Request::new(Operation::ActivityOrderCreate).body(json!({ "data": {
            "activityId": offer.offer_id,
            "date": offer.payload.get("date"),
            "participants": offer.payload.get("participants"),
            "travelers": passengers,
        } })),
    })
}

/// What the traveller is told (PNR, hotel or transfer confirmation) and the supplier's order id.
fn confirmation_of(kind: &str, answer: &Value) -> (String, String) {
    let id = text(answer, "/data/id").to_owned();
    let confirmation = match kind {
        "flight" => text(answer, "/data/associatedRecords/0/reference"),
        "hotel" => text(answer, "/data/hotelBookings/0/hotelProviderInformation/0/confirmationNumber"),
        "transfer" => text(answer, "/data/transfers/0/confirmNbr"),
        _ => text(answer, "/data/reference"),
    };
    let confirmation = if confirmation.is_empty() { id.clone() } else { confirmation.to_owned() };
    (confirmation, id)
}

fn gone() -> ApiError {
    ApiError::new(409, "offer_unavailable", "This offer is no longer available")
}

/// A supplier's complaint about the offer, named as the cart item's field.
fn in_item(e: ApiError) -> ApiError {
    if e.status == 400 && e.details.iter().all(|d| !d.field.starts_with("itemData")) {
        let message = e.message.clone();
        return ApiError::new(400, e.code.clone(), message)
            .with_details(vec![FieldError::new("itemData.offerId", "is not an offer the supplier knows")]);
    }
    e
}

#[async_trait]
impl Supplier for Travel {
    async fn price(&self, kind: &str, item: &Value, quantity: i64) -> Result<SupplierOffer, ApiError> {
        self.price_offer(kind, item, quantity).await
    }

    async fn book(
        &self,
        offer: &SupplierOffer,
        _quantity: i64,
        traveller: &Traveller,
        key: &str,
    ) -> Result<String, ApiError> {
        self.book_offer(offer, traveller, key).await
    }

    async fn cancel(&self, confirmation: &str, _key: &str) -> Result<i64, ApiError> {
        self.cancel_order(confirmation).await
    }

    async fn check_travellers(&self, kind: &str, item: &Value, traveller: &Traveller) -> Result<(), ApiError> {
        Travel::check_travellers(self, kind, item, traveller)
    }

    async fn search(&self, kind: &str, params: &std::collections::HashMap<String, String>) -> Result<Value, ApiError> {
        self.search_offers(kind, params).await
    }
}
