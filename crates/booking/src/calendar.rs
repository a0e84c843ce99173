//! The availability calendar of a stay: one entry per local date of the listing, with the
//! nightly price and minimum stay. Pure: the inputs are the listing model, the host's settings
//! and rules, the nights sold, and "today" in the listing's time zone.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;

use crate::rules::{Rules, nightly_price};

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Day {
    pub date: NaiveDate,
    pub available: bool,
    /// Minor units, in the listing's currency.
    pub price: Option<i64>,
    pub min_nights: i64,
    /// Why the night cannot be booked: `past`, `advance_notice`, `too_far`, `unlisted`, `booked`,
    /// `blocked`, `preparation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
}

/// What the calendar of one listing is made of.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The catalog's listing view.
    pub data: &'a Value,
    pub published: bool,
    pub settings: &'a [crate::store::NightSetting],
    pub rules: &'a Rules,
    /// Nights sold, from `from − preparation days` to `to + preparation days`.
    pub reserved: &'a [NaiveDate],
    pub today: NaiveDate,
}

/// Days `from..to` (exclusive) of a stay.
pub fn days(i: Inputs<'_>, from: NaiveDate, to: NaiveDate) -> Vec<Day> {
    let Inputs { data, published, settings, rules, reserved, today } = i;
    let prep = chrono::Duration::days(rules.preparation_days);
    let stay = data.get("stay").cloned().unwrap_or(Value::Null);
    let price = stay.get("nightlyPrice").and_then(Value::as_i64);
    let min_nights = stay.get("minNights").and_then(Value::as_i64).unwrap_or(1);
    from.iter_days()
        .take_while(|d| *d < to)
        .map(|date| {
            let setting = settings.iter().find(|s| s.night == date);
            let reason = if date < today {
                Some("past")
            } else if date < today + chrono::Duration::days(rules.advance_notice_days) {
                Some("advance_notice")
            } else if date >= today + chrono::Duration::days(crate::service::offer::HORIZON_DAYS) {
                Some("too_far")
            } else if !published {
                Some("unlisted")
            } else if reserved.contains(&date) {
                Some("booked")
            } else if setting.is_some_and(|s| s.blocked) {
                Some("blocked")
            } else if reserved.iter().any(|n| *n - prep <= date && date <= *n + prep) {
                Some("preparation")
            } else {
                None
            };
            let price = price.map(|p| nightly_price(p, rules, setting, date));
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
        let rules = Rules::default();
        let base = Inputs {
            data: &data,
            published: true,
            settings: std::slice::from_ref(&blocked),
            rules: &rules,
            reserved: &[],
            today: d("2026-12-31"),
        };
        let out = days(base, d("2026-12-30"), d("2027-01-03"));
        let dates: Vec<String> = out.iter().map(|x| x.date.to_string()).collect();
        assert_eq!(dates, ["2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02"]);
        assert_eq!(out[0].reason, Some("past"));
        assert!(out[1].available && !out[3].available);
        assert_eq!((out[3].reason, out[3].price), (Some("blocked"), Some(9000)));
        assert_eq!((out[2].price, out[2].min_nights), (Some(12000), 2));
        let draft = Inputs { published: false, settings: &[], ..base };
        assert_eq!(days(draft, d("2027-01-01"), d("2027-01-02"))[0].reason, Some("unlisted"));
        assert_eq!(days(Inputs { settings: &[], ..base }, d("2028-02-28"), d("2028-03-01")).len(), 2, "leap day");
    }

    #[test]
    fn sold_nights_and_rules_close_days() {
        let data = json!({"stay": {"nightlyPrice": 100}});
        let rules = Rules { advance_notice_days: 2, preparation_days: 1, weekend_price: Some(150), ..Rules::default() };
        let sold = [d("2027-01-10")];
        let i = Inputs {
            data: &data,
            published: true,
            settings: &[],
            rules: &rules,
            reserved: &sold,
            today: d("2027-01-01"),
        };
        let reasons: Vec<Option<&str>> = days(i, d("2027-01-01"), d("2027-01-13")).iter().map(|x| x.reason).collect();
        assert_eq!(&reasons[..3], [Some("advance_notice"), Some("advance_notice"), None]);
        assert_eq!(&reasons[8..12], [Some("preparation"), Some("booked"), Some("preparation"), None]);
        let far = days(i, d("2028-12-30"), d("2029-01-02"));
        let far: Vec<Option<&str>> = far.iter().map(|x| x.reason).collect();
        assert_eq!(far, [None, Some("too_far"), Some("too_far")], "two years (730 days) ahead at most");
        let prices: Vec<Option<i64>> = days(i, d("2027-01-07"), d("2027-01-10")).iter().map(|x| x.price).collect();
        assert_eq!(prices, [Some(100), Some(150), Some(150)], "Friday and Saturday nights at the weekend price");
    }
}
