//! A stay's pricing and availability rules beyond single nights, and the one function that
//! decides a night's price. Pure, so the calendar, quotes and reservations agree by
//! construction.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::store::NightSetting;

/// A price that applies every year between two month-days (inclusive; `from` after `to`
/// wraps over the new year, e.g. `12-15` → `01-05`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Season {
    pub name: String,
    /// `MM-DD`.
    pub from: String,
    /// `MM-DD`, inclusive.
    pub to: String,
    /// Minor units per night.
    pub nightly_price: i64,
}

/// `(month, day)` of an `MM-DD` string, if it names a day of some year (02-29 included).
pub fn month_day(raw: &str) -> Option<(u32, u32)> {
    let (m, d) = raw.split_once('-')?;
    if m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (m, d) = (m.parse::<u32>().ok()?, d.parse::<u32>().ok()?);
    NaiveDate::from_ymd_opt(2000, m, d).map(|_| (m, d))
}

impl Season {
    pub fn covers(&self, date: NaiveDate) -> bool {
        let (Some(from), Some(to)) = (month_day(&self.from), month_day(&self.to)) else {
            return false;
        };
        let day = (date.month(), date.day());
        if from <= to { from <= day && day <= to } else { day >= from || day <= to }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Rules {
    /// Days between booking and check-in: 0 allows same-day check-in.
    pub advance_notice_days: i64,
    /// Nights kept free before and after each stay (turnover).
    pub preparation_days: i64,
    /// Longest stay; `None`: the listing's `maxNights` (or 365).
    pub max_nights: Option<i64>,
    /// Price of Friday and Saturday nights, unless a season or a night override says otherwise.
    pub weekend_price: Option<i64>,
    /// Taxes collected on the booking's base, in basis points.
    pub tax_bps: i64,
    pub seasons: Vec<Season>,
}

/// The price of `date`: the night's override, else the first season covering it, else the
/// weekend price on Friday and Saturday nights, else the listing's nightly price.
pub fn nightly_price(base: i64, rules: &Rules, setting: Option<&NightSetting>, date: NaiveDate) -> i64 {
    if let Some(p) = setting.and_then(|s| s.price) {
        return p;
    }
    if let Some(season) = rules.seasons.iter().find(|s| s.covers(date)) {
        return season.nightly_price;
    }
    match (rules.weekend_price, date.weekday()) {
        (Some(p), Weekday::Fri | Weekday::Sat) => p,
        _ => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn overrides_beat_seasons_beat_weekends() {
        let rules = Rules {
            weekend_price: Some(150),
            seasons: vec![Season {
                name: "Winter".into(),
                from: "12-20".into(),
                to: "01-05".into(),
                nightly_price: 300,
            }],
            ..Rules::default()
        };
        // 2027-01-01 is a Friday, inside the season that wraps over the new year.
        assert_eq!(nightly_price(100, &rules, None, d("2027-01-01")), 300);
        assert_eq!(nightly_price(100, &rules, None, d("2027-01-08")), 150, "a Friday outside the season");
        assert_eq!(nightly_price(100, &rules, None, d("2027-01-10")), 100, "a Sunday");
        let set = NightSetting { price: Some(90), ..NightSetting::default_for(d("2027-01-01")) };
        assert_eq!(nightly_price(100, &rules, Some(&set), d("2027-01-01")), 90);
    }

    #[test]
    fn month_days_are_checked() {
        assert_eq!(month_day("02-29"), Some((2, 29)));
        for bad in ["2-1", "13-01", "04-31", "aa-bb", "0101"] {
            assert_eq!(month_day(bad), None, "{bad}");
        }
    }
}
