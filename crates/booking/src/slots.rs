//! Restaurant slots: the times a table can be booked, from the listing's opening hours and
//! slot length, in the listing's time zone. A period that closes before it opens runs past
//! midnight and belongs to the day it opens.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::Value;

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn time(v: &Value, key: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(v.get(key)?.as_str()?, "%H:%M").ok()
}

/// The instant a local time names; in a DST gap, the first instant after it.
pub fn instant(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local).earliest() {
        Some(t) => t.with_timezone(&Utc),
        None => tz
            .from_local_datetime(&(local + Duration::hours(1)))
            .earliest()
            .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc)),
    }
}

/// Local start times of the slots that open on `date`.
pub fn slot_starts(restaurant: &Value, date: NaiveDate) -> Vec<NaiveDateTime> {
    let minutes = restaurant.get("slotMinutes").and_then(Value::as_i64).filter(|m| *m > 0).unwrap_or(0);
    if minutes == 0 {
        return vec![];
    }
    let day = DAYS[date.weekday().num_days_from_monday() as usize];
    let hours = restaurant.get("openingHours").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut out = Vec::new();
    for h in hours.iter().filter(|h| h.get("day").and_then(Value::as_str) == Some(day)) {
        for p in h.get("periods").and_then(Value::as_array).into_iter().flatten() {
            let (Some(open), Some(close)) = (time(p, "open"), time(p, "close")) else { continue };
            let start = date.and_time(open);
            let mut end = date.and_time(close);
            if close <= open {
                end += Duration::days(1);
            }
            let mut slot = start;
            while slot + Duration::minutes(minutes) <= end {
                out.push(slot);
                slot += Duration::minutes(minutes);
            }
        }
    }
    out.sort();
    out
}

/// Whether `at` is the start of a slot (on its local date or a period that opened the day
/// before and runs past midnight).
pub fn is_slot(restaurant: &Value, tz: Tz, at: DateTime<Utc>) -> bool {
    let local = at.with_timezone(&tz).naive_local();
    let date = local.date();
    [date.pred_opt(), Some(date)]
        .into_iter()
        .flatten()
        .any(|d| slot_starts(restaurant, d).into_iter().any(|s| instant(tz, s) == at))
}

/// Table sizes `(seats, count)`, smallest first.
pub fn tables(restaurant: &Value) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = restaurant
        .get("tables")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| Some((t.get("seats")?.as_i64()?, t.get("count")?.as_i64()?)))
        .filter(|(s, c)| *s > 0 && *c > 0)
        .collect();
    out.sort_unstable();
    out
}

/// The capacity unit of one table size in one slot.
pub fn table_key(at: DateTime<Utc>, seats: i64) -> String {
    format!("table:{}:{seats}", at.format("%Y-%m-%dT%H:%M:%SZ"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn slots_follow_opening_hours_across_midnight_and_dst() {
        let r = json!({"slotMinutes": 90, "openingHours": [
            {"day": "sat", "periods": [{"open": "12:00", "close": "15:00"}, {"open": "22:00", "close": "01:00"}]}]});
        // 2027-03-27 is a Saturday; the next night Europe/Paris moves to summer time.
        let date = NaiveDate::from_ymd_opt(2027, 3, 27).unwrap_or_default();
        let starts: Vec<String> = slot_starts(&r, date).iter().map(|s| s.format("%d %H:%M").to_string()).collect();
        assert_eq!(starts, ["27 12:00", "27 13:30", "27 22:00", "27 23:30"]);
        let tz: Tz = "Europe/Paris".parse().unwrap_or(chrono_tz::UTC);
        let late = instant(tz, date.and_hms_opt(23, 30, 0).unwrap_or_default());
        assert!(is_slot(&r, tz, late));
        assert!(!is_slot(&r, tz, late + Duration::minutes(15)));
        assert!(slot_starts(&r, date.succ_opt().unwrap_or_default()).is_empty(), "closed on Sunday");
        // 02:30 does not exist in Paris that night: it maps to the first instant after the gap.
        let gap = instant(
            tz,
            NaiveDate::from_ymd_opt(2027, 3, 28).unwrap_or_default().and_hms_opt(2, 30, 0).unwrap_or_default(),
        );
        assert_eq!(gap.to_rfc3339(), "2027-03-28T01:30:00+00:00");
    }
}
