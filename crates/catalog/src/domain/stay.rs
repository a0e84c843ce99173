//! The `stay` block: a bookable place by the night (HomeTrip listings, BookingSysteme
//! accommodation).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::fields::{Errors, absent, amount, int, one_of, parse_block, time_of_day};

pub const PROPERTY_TYPES: [&str; 9] =
    ["apartment", "house", "room", "villa", "cabin", "hotel_room", "hostel_bed", "boat", "other"];
const MAX_PRICE: i64 = 100_000_000;

/// The block as stored, and as sent: every field optional while a draft; fields left out of
/// a change are kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, expecting = "a stay block: an object of stay fields")]
#[schema(example = json!({"propertyType": "apartment", "maxGuests": 4, "bedrooms": 2, "beds": 2, "bathrooms": 1.5,
    "nightlyPrice": 12000, "cleaningFee": 3000, "minNights": 2, "maxNights": 30, "weeklyDiscountPercent": 10,
    "monthlyDiscountPercent": 20, "checkInTime": "15:00", "checkOutTime": "11:00"}))]
pub struct Stay {
    /// `apartment`, `house`, `room`, `villa`, `cabin`, `hotel_room`, `hostel_bed`, `boat` or
    /// `other`. Needed to publish.
    pub property_type: Option<String>,
    /// 1–50. Needed to publish.
    #[schema(minimum = 1, maximum = 50)]
    pub max_guests: Option<i64>,
    /// 0–50. Needed to publish.
    #[schema(minimum = 0, maximum = 50)]
    pub bedrooms: Option<i64>,
    /// 1–100. Needed to publish.
    #[schema(minimum = 1, maximum = 100)]
    pub beds: Option<i64>,
    /// 0–50 in steps of 0.5 (a half bathroom counts 0.5). Needed to publish.
    #[schema(minimum = 0, maximum = 50, multiple_of = 0.5)]
    pub bathrooms: Option<f64>,
    /// Minor units per night, 1–100 000 000. Needed to publish.
    #[schema(minimum = 1, maximum = 100_000_000)]
    pub nightly_price: Option<i64>,
    /// Minor units per stay, 0–100 000 000.
    #[schema(minimum = 0, maximum = 100_000_000)]
    pub cleaning_fee: Option<i64>,
    /// 1–365.
    #[schema(minimum = 1, maximum = 365)]
    pub min_nights: Option<i64>,
    /// 1–1095, at least `minNights`.
    #[schema(minimum = 1, maximum = 1095)]
    pub max_nights: Option<i64>,
    /// 0–90, on stays of 7 to 27 nights.
    #[schema(minimum = 0, maximum = 90)]
    pub weekly_discount_percent: Option<i64>,
    /// 0–90, on stays of 28 nights or more.
    #[schema(minimum = 0, maximum = 90)]
    pub monthly_discount_percent: Option<i64>,
    /// `HH:MM`, listing-local. Needed to publish.
    #[schema(example = "15:00")]
    pub check_in_time: Option<String>,
    /// `HH:MM`, listing-local. Needed to publish.
    #[schema(example = "11:00")]
    pub check_out_time: Option<String>,
}

/// Merges `patch` (a JSON object of stay fields) into `current`, validating every field.
pub fn apply(current: &Stay, patch: &Value, errors: &mut Errors) -> Stay {
    let Some(parsed) = parse_block::<Stay>("stay", patch, errors) else { return current.clone() };
    let mut s = current.clone();
    macro_rules! take {
        ($field:ident, $name:literal, $check:expr) => {
            if let Some(v) = parsed.$field.clone() {
                if let Some(v) = errors.check(concat!("stay.", $name), $check(v)) {
                    s.$field = Some(v);
                }
            }
        };
    }
    take!(property_type, "propertyType", |v: String| one_of(&v, &PROPERTY_TYPES));
    take!(max_guests, "maxGuests", |v| int(v, 1, 50));
    take!(bedrooms, "bedrooms", |v| int(v, 0, 50));
    take!(beds, "beds", |v| int(v, 1, 100));
    take!(bathrooms, "bathrooms", |v: f64| if (0.0..=50.0).contains(&v) && (v * 2.0).fract() == 0.0 {
        Ok(v)
    } else {
        Err("must be from 0 to 50 in steps of 0.5".to_owned())
    });
    take!(nightly_price, "nightlyPrice", |v| amount(v, 1, MAX_PRICE));
    take!(cleaning_fee, "cleaningFee", |v| amount(v, 0, MAX_PRICE));
    take!(min_nights, "minNights", |v| int(v, 1, 365));
    take!(max_nights, "maxNights", |v| int(v, 1, 1095));
    take!(weekly_discount_percent, "weeklyDiscountPercent", |v| int(v, 0, 90));
    take!(monthly_discount_percent, "monthlyDiscountPercent", |v| int(v, 0, 90));
    take!(check_in_time, "checkInTime", |v: String| time_of_day(&v));
    take!(check_out_time, "checkOutTime", |v: String| time_of_day(&v));
    if let (Some(min), Some(max)) = (s.min_nights, s.max_nights)
        && max < min
    {
        errors.add("stay.maxNights", "must be at least minNights");
    }
    s
}

/// Fields a stay needs before it can be published.
pub fn missing(s: &Stay) -> Vec<&'static str> {
    absent(&[
        ("stay.propertyType", s.property_type.is_some()),
        ("stay.maxGuests", s.max_guests.is_some()),
        ("stay.bedrooms", s.bedrooms.is_some()),
        ("stay.beds", s.beds.is_some()),
        ("stay.bathrooms", s.bathrooms.is_some()),
        ("stay.nightlyPrice", s.nightly_price.is_some()),
        ("stay.checkInTime", s.check_in_time.is_some()),
        ("stay.checkOutTime", s.check_out_time.is_some()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn validates_and_merges() {
        let mut e = Errors::default();
        let s = apply(
            &Stay::default(),
            &json!({"propertyType": "Apartment", "maxGuests": 4, "nightlyPrice": 12000, "bathrooms": 1.5}),
            &mut e,
        );
        assert!(e.is_empty(), "{:?}", e.0);
        assert_eq!(s.property_type.as_deref(), Some("apartment"));
        let s2 = apply(&s, &json!({"maxGuests": 0, "bathrooms": 1.25, "minNights": 5, "maxNights": 2}), &mut e);
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["stay.maxGuests", "stay.bathrooms", "stay.maxNights"]);
        assert_eq!(s2.max_guests, Some(4), "invalid values do not replace valid ones");
        let mut e = Errors::default();
        apply(&s, &json!({"pool": true}), &mut e);
        assert_eq!(e.0.len(), 1);
        assert!(missing(&s).contains(&"stay.checkInTime"));
    }
}
