//! Trip purpose, business or leisure, by a small logistic model whose weights are written
//! here (and in docs/ai/analysis.md) rather than learnt: we have no labelled trips, and a
//! host or guest can check every step. Each feature is a yes/no fact about the booking; the
//! log-odds of business are the bias plus the weights of the facts that hold, and the answer
//! lists every feature with its value and what it contributed.
//!
//! The facts come from what business travel looks like in booking data: one guest, short
//! stays, Sunday-to-Thursday nights, check-in early in the week, booked shortly before;
//! leisure is families and groups, weekends, long stays booked well ahead, activities.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::lexicon::round3;

/// What the model reads from a reservation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Inputs {
    /// `stay`, `restaurant`, `activity`, `transport` or `product`.
    pub kind: String,
    pub nights: u32,
    pub guests: u32,
    pub check_in_weekday: Weekday,
    /// Days between booking and arrival.
    pub lead_time_days: u32,
}

impl Inputs {
    /// From dates: arrival and departure (a departure on or before arrival counts one night)
    /// and the day it was booked.
    pub fn from_dates(kind: &str, check_in: NaiveDate, check_out: NaiveDate, guests: u32, booked: NaiveDate) -> Self {
        let nights = u32::try_from((check_out - check_in).num_days()).unwrap_or(0).max(1);
        let lead = u32::try_from((check_in - booked).num_days()).unwrap_or(0);
        Inputs {
            kind: kind.to_owned(),
            nights,
            guests: guests.max(1),
            check_in_weekday: check_in.weekday(),
            lead_time_days: lead,
        }
    }

    /// Whether one of the nights is a Friday or Saturday night.
    pub fn weekend_night(&self) -> bool {
        let first = self.check_in_weekday.num_days_from_monday();
        (0..self.nights.min(7)).any(|n| matches!((first + n) % 7, 4 | 5))
    }
}

/// The documented weights: (feature, weight on the log-odds of business).
pub const BIAS: f64 = -0.4;
pub const WEIGHTS: &[(&str, f64)] = &[
    ("soloTraveller", 1.3),
    ("groupOfThreeOrMore", -1.5),
    ("shortStay", 0.6),
    ("longStay", -1.2),
    ("weekdayNightsOnly", 1.0),
    ("weekendNight", -0.8),
    ("checkInMondayToWednesday", 0.4),
    ("bookedWithinAWeek", 0.7),
    ("bookedTwoMonthsAhead", -0.8),
    ("activityOrRestaurant", -1.0),
];

fn facts(i: &Inputs) -> [bool; 10] {
    let weekend = i.weekend_night();
    let stay_like = i.kind == "stay";
    [
        i.guests == 1,
        i.guests >= 3,
        stay_like && i.nights <= 3,
        i.nights >= 7,
        stay_like && !weekend,
        stay_like && weekend,
        i.check_in_weekday.num_days_from_monday() <= 2,
        i.lead_time_days <= 7,
        i.lead_time_days >= 60,
        matches!(i.kind.as_str(), "activity" | "restaurant"),
    ]
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Feature {
    pub name: &'static str,
    /// Whether the fact holds.
    pub value: bool,
    /// What it added to the log-odds of business (0 when it does not hold).
    pub contribution: f64,
}

/// The prediction and its explanation.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Prediction {
    /// `business` or `leisure`.
    pub purpose: &'static str,
    /// The probability of that purpose (0.5..1).
    pub probability: f64,
    /// The probability of business (0..1).
    pub business_probability: f64,
    /// The bias plus the contributions.
    pub log_odds: f64,
    pub bias: f64,
    pub features: Vec<Feature>,
    /// What the features were computed from.
    #[schema(value_type = Object)]
    pub inputs: serde_json::Value,
}

pub fn predict(i: &Inputs) -> Prediction {
    let features: Vec<Feature> = WEIGHTS
        .iter()
        .zip(facts(i))
        .map(|(&(name, weight), value)| Feature { name, value, contribution: if value { weight } else { 0.0 } })
        .collect();
    let log_odds = BIAS + features.iter().map(|f| f.contribution).sum::<f64>();
    let business = 1.0 / (1.0 + (-log_odds).exp());
    let (purpose, probability) = if business >= 0.5 { ("business", business) } else { ("leisure", 1.0 - business) };
    let inputs = serde_json::json!({
        "kind": i.kind, "nights": i.nights, "guests": i.guests,
        "checkInWeekday": weekday_name(i.check_in_weekday), "leadTimeDays": i.lead_time_days,
        "weekendNight": i.weekend_night(),
    });
    Prediction {
        purpose,
        probability: round3(probability),
        business_probability: round3(business),
        log_odds: round3(log_odds),
        bias: BIAS,
        features,
        inputs,
    }
}

pub fn weekday_name(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
        Weekday::Sun => "sunday",
    }
}

pub fn parse_weekday(raw: &str) -> Option<Weekday> {
    let lower = raw.trim().to_ascii_lowercase();
    [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun]
        .into_iter()
        .find(|d| weekday_name(*d) == lower || weekday_name(*d)[..3] == lower)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_lone_weekday_trip_is_business_a_family_weekend_leisure() {
        // Tuesday 9 → Thursday 11 March 2027, one guest, booked the Friday before.
        let trip = Inputs::from_dates("stay", day("2027-03-09"), day("2027-03-11"), 1, day("2027-03-05"));
        assert!(!trip.weekend_night());
        let p = predict(&trip);
        assert_eq!(p.purpose, "business");
        assert!(p.probability > 0.9, "{p:?}");
        // Friday 12 → Sunday 14 March, four guests, booked in January.
        let family = Inputs::from_dates("stay", day("2027-03-12"), day("2027-03-14"), 4, day("2027-01-02"));
        assert!(family.weekend_night());
        let p = predict(&family);
        assert_eq!(p.purpose, "leisure");
        assert!(p.features.iter().any(|f| f.name == "groupOfThreeOrMore" && f.value && f.contribution < 0.0));
        let sum: f64 = p.features.iter().map(|f| f.contribution).sum::<f64>() + p.bias;
        assert!((sum - p.log_odds).abs() < 1e-9);
    }

    #[test]
    fn weekdays_parse() {
        assert_eq!(parse_weekday("Tue"), Some(Weekday::Tue));
        assert_eq!(parse_weekday("sunday"), Some(Weekday::Sun));
        assert_eq!(parse_weekday("someday"), None);
        // A Sunday check-in for one night is a weekday night (Sunday night).
        let i = Inputs { kind: "stay".into(), nights: 1, guests: 1, check_in_weekday: Weekday::Sun, lead_time_days: 3 };
        assert!(!i.weekend_night());
    }
}
