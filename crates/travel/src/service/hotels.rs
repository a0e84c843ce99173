//! Hotels: search (hotels of a city or near a point, then their offers for the dates, as
//! DreamScape's simplified hotel offers), details, ratings, lists and images.

use kernel::ApiError;
use serde_json::{Value, json};

use super::params::invalid;
use super::{Params, Travel, data_list, text};
use crate::provider::{Operation, Request};
use crate::reference;

/// Hotels whose offers one search asks for at most (Amadeus takes a bounded list of ids).
const MAX_PAGE: i64 = 50;

impl Travel {
    /// `GET /hotels/search`.
    pub async fn search_hotels(&self, p: &Params) -> Result<Value, ApiError> {
        p.require(&["checkInDate", "checkOutDate"], "Missing required parameters: checkInDate, checkOutDate")?;
        let (check_in, check_out) = self.stay_dates(p)?;
        let page = p.int("page", 1, 1_000, 1)?;
        let size = p.int("pageSize", 1, MAX_PAGE, 10)?;
        let hotels = self.hotels_of(p).await?;
        let (total_hotels, start) = (hotels.len() as i64, (page - 1) * size);
        let ids: Vec<String> = hotels
            .iter()
            .skip(usize::try_from(start).unwrap_or(usize::MAX))
            .take(usize::try_from(size).unwrap_or(0))
            .map(|h| text(h, "/hotelId").to_owned())
            .filter(|id| !id.is_empty())
            .collect();
        let mut data = Vec::new();
        if !ids.is_empty() {
            let request = Request::new(Operation::HotelOffers)
                .param("hotelIds", Some(ids.join(",")))
                .param("checkInDate", Some(check_in))
                .param("checkOutDate", Some(check_out))
                .param("adults", Some(p.int("adults", 1, 9, 1)?))
                .param("roomQuantity", Some(p.int("roomQuantity", 1, 9, 1)?))
                .param("currency", Some(p.currency("currency")?.unwrap_or_else(|| self.currency.clone())))
                .param("priceRange", p.text("priceRange", 32)?)
                .param("lang", p.text("lang", 8)?);
            let answer = self.ask(request).await?;
            for offers in data_list(&answer) {
                let listed = hotels.iter().find(|h| h.get("hotelId") == offers.pointer("/hotel/hotelId"));
                if let Some(item) = simplified(&offers, listed) {
                    data.push(item);
                }
            }
        }
        let total_pages = (total_hotels + size - 1) / size;
        Ok(json!({ "data": data, "meta": { "pagination": { "page": page, "pageSize": size, "total": data.len(),
                   "totalPages": total_pages, "totalHotels": total_hotels }, "supplier": self.provider.name() } }))
    }

    /// `GET /hotels/details/{hotelId}`: the hotel's best offer for the dates (today → tomorrow
    /// by default).
    pub async fn hotel_details(&self, hotel_id: &str, p: &Params) -> Result<Value, ApiError> {
        let hotel_id = hotel_id_of(hotel_id)?;
        let today = self.today();
        let check_in = p.future_date("checkInDate", today)?.unwrap_or(today);
        let check_out = p.date("checkOutDate")?.unwrap_or(check_in + chrono::Duration::days(1));
        if check_out <= check_in {
            return Err(invalid("checkOutDate", "must be after checkInDate"));
        }
        let listed = self.hotels_by_ids(&hotel_id).await?;
        let Some(hotel) = listed.first() else { return Err(ApiError::not_found("Hotel not found")) };
        let request = Request::new(Operation::HotelOffers)
            .param("hotelIds", Some(&hotel_id))
            .param("checkInDate", Some(check_in))
            .param("checkOutDate", Some(check_out))
            .param("adults", Some(p.int("adults", 1, 9, 1)?))
            .param("currency", Some(self.currency.clone()));
        let answer = self.ask(request).await?;
        let item = data_list(&answer).first().and_then(|o| simplified(o, Some(hotel)));
        match item {
            Some(item) => Ok(json!({ "data": item, "meta": {} })),
            None => Err(ApiError::new(404, "not_available", "This hotel has no room for these dates")),
        }
    }

    /// `GET /hotels/ratings`: each hotel's star rating and amenities (review sentiment is not
    /// offered: `reviewCount` 0).
    pub async fn hotel_ratings(&self, p: &Params) -> Result<Value, ApiError> {
        p.require(&["hotelIds"], "Missing required parameter: hotelIds")?;
        let ids = hotel_ids(p)?;
        let hotels = self.hotels_by_ids(&ids.join(",")).await?;
        let data: Vec<Value> = hotels
            .iter()
            .map(|h| {
                json!({ "hotelId": h.get("hotelId"), "rating": h.get("rating").and_then(stars),
                             "reviewCount": 0, "amenities": h.get("amenities").cloned().unwrap_or_else(|| json!([])) })
            })
            .collect();
        Ok(json!({ "data": data, "meta": { "count": data.len() } }))
    }

    /// `GET /hotels/list`: Amadeus's hotel list, paginated.
    pub async fn hotel_list(&self, p: &Params) -> Result<Value, ApiError> {
        let page = p.int("page", 1, 1_000, 1)?;
        let size = p.int("pageSize", 1, MAX_PAGE, 10)?;
        let hotels = self.hotels_of(p).await?;
        let total = hotels.len() as i64;
        let data: Vec<Value> = hotels
            .into_iter()
            .skip(usize::try_from((page - 1) * size).unwrap_or(usize::MAX))
            .take(usize::try_from(size).unwrap_or(0))
            .collect();
        Ok(json!({ "data": data, "meta": { "pagination": { "page": page, "pageSize": size, "total": total,
                   "totalPages": (total + size - 1) / size } } }))
    }

    /// `GET /hotels/{hotelId}/images`: suppliers give no pictures of their hotels here, so
    /// the list is empty (never a stock placeholder passed off as the hotel).
    pub async fn hotel_images(&self, hotel_id: &str) -> Result<Value, ApiError> {
        let hotel_id = hotel_id_of(hotel_id)?;
        if self.hotels_by_ids(&hotel_id).await?.is_empty() {
            return Err(ApiError::not_found("Hotel not found"));
        }
        Ok(json!({ "data": [], "meta": { "count": 0, "hotelId": hotel_id } }))
    }

    /// The hotels a search or list names: `hotelIds`, else `cityCode`, else
    /// `latitude`+`longitude`.
    async fn hotels_of(&self, p: &Params) -> Result<Vec<Value>, ApiError> {
        if p.get("hotelIds").is_some() {
            return self.hotels_by_ids(&hotel_ids(p)?.join(",")).await;
        }
        let radius = p.int("radius", 1, 300, 5)?;
        let unit = p.choice("radiusUnit", &["KM", "MILE"])?;
        let ratings = p.text("ratings", 16)?;
        let amenities = p.text("amenities", 512)?;
        let request = if p.get("cityCode").is_some() {
            Request::new(Operation::HotelsByCity).param("cityCode", p.place("cityCode")?)
        } else {
            let lat = p.number("latitude", -90.0, 90.0)?;
            let lon = p.number("longitude", -180.0, 180.0)?;
            let (Some(lat), Some(lon)) = (lat, lon) else {
                return Err(ApiError::new(
                    400,
                    "validation_failed",
                    "Either cityCode or latitude/longitude coordinates are required",
                )
                .with_details(vec![kernel::FieldError::new("cityCode", "or latitude and longitude are required")]));
            };
            Request::new(Operation::HotelsByGeocode).param("latitude", Some(lat)).param("longitude", Some(lon))
        };
        let request = request
            .param("radius", Some(radius))
            .param("radiusUnit", unit)
            .param("ratings", ratings)
            .param("amenities", amenities);
        Ok(data_list(&self.ask(request).await?))
    }

    async fn hotels_by_ids(&self, ids: &str) -> Result<Vec<Value>, ApiError> {
        match self.ask(Request::new(Operation::HotelsByIds).param("hotelIds", Some(ids))).await {
            Ok(answer) => Ok(data_list(&answer)),
            Err(e) if e.status == 404 => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    fn stay_dates(&self, p: &Params) -> Result<(chrono::NaiveDate, chrono::NaiveDate), ApiError> {
        let today = self.today();
        let (Some(check_in), Some(check_out)) = (p.future_date("checkInDate", today)?, p.date("checkOutDate")?) else {
            return Err(invalid("checkInDate", "is required"));
        };
        if check_out <= check_in {
            return Err(invalid("checkOutDate", "must be after checkInDate"));
        }
        if (check_out - check_in).num_days() > 30 {
            return Err(invalid("checkOutDate", "a stay is at most 30 nights"));
        }
        Ok((check_in, check_out))
    }
}

fn hotel_id_of(raw: &str) -> Result<String, ApiError> {
    let id = raw.trim().to_ascii_uppercase();
    if id.len() == 8 && id.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(id)
    } else {
        Err(ApiError::not_found("Hotel not found"))
    }
}

fn hotel_ids(p: &Params) -> Result<Vec<String>, ApiError> {
    let ids: Vec<String> = p
        .get("hotelIds")
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_ascii_uppercase())
        .filter(|s| !s.is_empty())
        .collect();
    if ids.is_empty()
        || ids.len() > 100
        || ids.iter().any(|id| id.len() != 8 || !id.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return Err(invalid("hotelIds", "must be 1 to 100 hotel ids of 8 letters and digits"));
    }
    Ok(ids)
}

fn stars(rating: &Value) -> Option<f64> {
    match rating {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// DreamScape's simplified hotel offer from Amadeus's hotel offers (the cheapest offer first;
/// every offer stays in `offers`), with what the hotel list adds (address, distance, rating).
pub fn simplified(offers: &Value, listed: Option<&Value>) -> Option<Value> {
    let hotel = offers.get("hotel")?;
    let list = offers.get("offers").and_then(Value::as_array)?;
    let best = list.iter().min_by(|a, b| {
        let total = |o: &Value| super::amount(o, "/price/total").unwrap_or(f64::MAX);
        total(a).total_cmp(&total(b))
    })?;
    let check_in = text(best, "/checkInDate");
    let check_out = text(best, "/checkOutDate");
    let nights = match (
        chrono::NaiveDate::parse_from_str(check_in, "%Y-%m-%d"),
        chrono::NaiveDate::parse_from_str(check_out, "%Y-%m-%d"),
    ) {
        (Ok(a), Ok(b)) => (b - a).num_days().max(1),
        _ => 1,
    };
    let total = super::amount(best, "/price/total").unwrap_or(0.0);
    let listed = listed.cloned().unwrap_or(Value::Null);
    let city_code = hotel.get("cityCode").or_else(|| listed.get("iataCode")).cloned().unwrap_or(Value::Null);
    let city_name = listed
        .pointer("/address/cityName")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| city_code.as_str().and_then(|c| reference::get().city(c)).map(|c| c.name.clone()));
    let cancellation = best.pointer("/policies/cancellations/0").cloned().unwrap_or(Value::Null);
    let refundable =
        text(best, "/policies/refundable/cancellationRefund") != "NON_REFUNDABLE" && !cancellation.is_null();
    let taxes: f64 = best
        .pointer("/price/taxes")
        .and_then(Value::as_array)
        .map(|t| t.iter().filter_map(|x| super::amount(x, "/amount")).sum())
        .unwrap_or(0.0);
    Some(json!({
        "id": best.get("id"),
        "hotelId": hotel.get("hotelId"),
        "name": hotel.get("name"),
        "chainCode": hotel.get("chainCode"),
        "cityCode": city_code,
        "location": { "latitude": hotel.get("latitude").or_else(|| listed.pointer("/geoCode/latitude")),
                      "longitude": hotel.get("longitude").or_else(|| listed.pointer("/geoCode/longitude")),
                      "distance": listed.pointer("/distance/value"), "distanceUnit": listed.pointer("/distance/unit") },
        "address": { "street": listed.pointer("/address/lines/0"), "city": city_name,
                     "postalCode": listed.pointer("/address/postalCode"), "country": listed.pointer("/address/countryCode") },
        "rating": listed.get("rating").and_then(stars),
        "reviewCount": Value::Null,
        "checkIn": check_in, "checkOut": check_out, "checkInDate": check_in, "checkOutDate": check_out,
        "nights": nights,
        "price": { "amount": total, "currency": best.pointer("/price/currency"), "perNight": (total / nights as f64 * 100.0).round() / 100.0,
                   "base": super::amount(best, "/price/base"), "taxes": taxes },
        "room": { "type": best.pointer("/room/typeEstimated/category").or_else(|| best.pointer("/room/type")),
                  "description": best.pointer("/room/description/text"), "beds": best.pointer("/room/typeEstimated/beds"),
                  "bedType": best.pointer("/room/typeEstimated/bedType"), "guests": best.pointer("/guests/adults") },
        "amenities": listed.get("amenities").cloned().unwrap_or_else(|| json!([])),
        "images": [],
        "cancellation": { "freeCancellation": refundable, "deadline": cancellation.get("deadline"),
                          "penalty": cancellation.get("amount") },
        "contact": Value::Null,
        "offers": list,
    }))
}
