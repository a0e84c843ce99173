//! The availability calendar of a stay: one entry per local date of the listing, with the
//! nightly price and minimum stay. Pure: the inputs are the listing model and "today" in the
//! listing's time zone.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Day {
    pub date: NaiveDate,
    pub available: bool,
    /// Minor units, in the listing's currency.
    pub price: Option<i64>,
    pub min_nights: i64,
    /// Why the night cannot be booked: `past`, `unlisted`, `blocked`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
}

/// Days `from..to` (exclusive) of a stay whose listing view is `data`, with the host's
/// per-night settings applied.
pub fn days(
    data: &Value,
    published: bool,
    settings: &[crate::store::NightSetting],
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Vec<Day> {
    let stay = data.get("stay").cloned().unwrap_or(Value::Null);
    let price = stay.get("nightlyPrice").and_then(Value::as_i64);
    let min_nights = stay.get("minNights").and_then(Value::as_i64).unwrap_or(1);
    from.iter_days()
        .take_while(|d| *d < to)
        .map(|date| {
            let setting = settings.iter().find(|s| s.night == date);
            let reason = if date < today {
                Some("past")
            } else if !published {
                Some("unlisted")
            } else if setting.is_some_and(|s| s.blocked) {
                Some("blocked")
            } else {
                None
            };
            let price = setting.and_then(|s| s.price).or(price);
            let min_nights = setting.and_then(|s| s.min_nights).unwrap_or(min_nights);
            Day { date, available: reason.is_none(), price, min_nights, reason }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn days_span_month_and_year_boundaries() {
        let data = json!({"stay": {"nightlyPrice": 12000, "minNights": 2}});
        let blocked =
            crate::store::NightSetting { night: d("2027-01-02"), blocked: true, price: Some(9000), min_nights: None };
        let out = days(&data, true, std::slice::from_ref(&blocked), d("2026-12-30"), d("2027-01-03"), d("2026-12-31"));
        let dates: Vec<String> = out.iter().map(|x| x.date.to_string()).collect();
        assert_eq!(dates, ["2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02"]);
        assert_eq!(out[0].reason, Some("past"));
        assert!(out[1].available && !out[3].available);
        assert_eq!((out[3].reason, out[3].price), (Some("blocked"), Some(9000)));
        assert_eq!((out[2].price, out[2].min_nights), (Some(12000), 2));
        assert!(
            days(&data, false, &[], d("2027-01-01"), d("2027-01-02"), d("2026-12-31"))[0].reason == Some("unlisted")
        );
        assert_eq!(days(&data, true, &[], d("2028-02-28"), d("2028-03-01"), d("2028-01-01")).len(), 2, "leap day");
    }
}
