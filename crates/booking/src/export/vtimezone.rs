//! VTIMEZONE components from the tz database compiled into `chrono-tz`.
//!
//! An event written in local wall time (`DTSTART;TZID=Europe/Paris:…`) is only unambiguous if
//! the calendar carries the zone's rules, since clients may not know the name or may know
//! different rules. `chrono-tz` exposes offsets, not its transition table, so transitions are
//! found by sampling the offset every few hours and bisecting each change to the second.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};
use std::collections::BTreeSet;

/// Coarse enough to be cheap, fine enough that no real zone changes twice within one step.
const STEP_HOURS: i64 = 6;

/// Zones written as UTC (`…Z`) rather than with a TZID.
pub fn is_utc(tz: Tz) -> bool {
    matches!(tz.name(), "UTC" | "Etc/UTC" | "UCT" | "Etc/UCT" | "Universal" | "Etc/Universal" | "Zulu" | "Etc/Zulu")
}

/// One onset of a zone's observance: from `at` on, clocks read UTC + `to` seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observance {
    /// Local wall time of the onset, in the offset in force before it.
    pub start: NaiveDateTime,
    pub from: i32,
    pub to: i32,
    pub daylight: bool,
    pub name: Option<String>,
}

/// What identifies an offset in force: total UTC offset and its daylight-saving part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    total: i32,
    dst: i64,
}

fn state(tz: Tz, at: DateTime<Utc>) -> State {
    let offset = tz.offset_from_utc_datetime(&at.naive_utc());
    State { total: offset.fix().local_minus_utc(), dst: offset.dst_offset().num_seconds() }
}

fn name_at(tz: Tz, at: DateTime<Utc>) -> Option<String> {
    tz.offset_from_utc_datetime(&at.naive_utc()).abbreviation().map(str::to_owned)
}

fn new_year(year: i32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(DateTime::UNIX_EPOCH, |n| n.and_utc())
}

/// The instants within `[from, to)` where the zone's offset changes.
fn changes(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let step = Duration::hours(STEP_HOURS);
    let mut found = Vec::new();
    let mut t = from;
    let mut before = state(tz, t);
    while t < to {
        let next = (t + step).min(to);
        let after = state(tz, next);
        if after != before {
            // Bisect: `lo` still has the old state, `hi` the new one.
            let (mut lo, mut hi) = (t, next);
            while hi - lo > Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if state(tz, mid) == before {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            found.push(hi);
        }
        t = next;
        before = after;
    }
    found
}

/// The observances a calendar needs for instants in the calendar `years` given: every change
/// in those years plus the one in force on 1 January of each, so each year is described by
/// its own rules however far apart the years are. When no change happened in the year before,
/// the offset then in force gets an observance of its own (without an offset change) unless the
/// previous one already says the same, as a zone without daylight saving time does.
pub fn observances(tz: Tz, years: &BTreeSet<i32>) -> Vec<Observance> {
    let mut out: Vec<Observance> = Vec::new();
    for (first, last) in windows(years) {
        let span_start = new_year(first);
        let lookback = new_year(first - 1);
        // A day past the last year, so a change on the night of 31 December is seen.
        let end = new_year(last + 1) + Duration::days(1);
        let all = changes(tz, lookback, end);
        let opening = all.iter().rposition(|t| *t < span_start);
        if opening.is_none() {
            let s = state(tz, span_start);
            let daylight = s.dst != 0;
            if out.last().is_none_or(|o| o.to != s.total || o.daylight != daylight) {
                out.push(Observance {
                    start: lookback.naive_utc() + Duration::seconds(i64::from(s.total)),
                    from: s.total,
                    to: s.total,
                    daylight,
                    name: name_at(tz, span_start),
                });
            }
        }
        for at in all.get(opening.unwrap_or(0)..).unwrap_or_default() {
            let old = state(tz, *at - Duration::seconds(1));
            let new = state(tz, *at);
            out.push(Observance {
                start: at.naive_utc() + Duration::seconds(i64::from(old.total)),
                from: old.total,
                to: new.total,
                daylight: new.dst != 0,
                name: name_at(tz, *at),
            });
        }
    }
    out
}

/// Runs of years whose scans (each year with the one before it) would overlap or touch.
fn windows(years: &BTreeSet<i32>) -> Vec<(i32, i32)> {
    let mut out: Vec<(i32, i32)> = Vec::new();
    for &year in years {
        match out.last_mut() {
            Some((_, last)) if year - 1 <= *last + 1 => *last = year,
            _ => out.push((year, year)),
        }
    }
    out
}

/// `+0100`, `-0330`, `+002130` (seconds only when present, as in old local mean times).
pub fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.unsigned_abs();
    let (h, m, s) = (abs / 3600, abs / 60 % 60, abs % 60);
    if s == 0 { format!("{sign}{h:02}{m:02}") } else { format!("{sign}{h:02}{m:02}{s:02}") }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::export::fixture::at;

    fn years(list: &[i32]) -> BTreeSet<i32> {
        list.iter().copied().collect()
    }

    /// The offset a calendar client finds for an instant: the last onset not after it.
    fn offset_at(obs: &[Observance], at: DateTime<Utc>) -> i32 {
        obs.iter().rev().find(|o| o.start - Duration::seconds(i64::from(o.from)) <= at.naive_utc()).unwrap().to
    }

    #[test]
    fn paris_has_the_change_before_and_both_of_the_year() {
        let obs = observances(chrono_tz::Europe::Paris, &years(&[2030]));
        let starts: Vec<String> = obs.iter().map(|o| o.start.format("%Y%m%dT%H%M%S").to_string()).collect();
        assert_eq!(starts, ["20291028T030000", "20300331T020000", "20301027T030000"]);
        assert_eq!((obs[1].from, obs[1].to, obs[1].daylight), (3600, 7200, true));
        assert_eq!((obs[2].from, obs[2].to, obs[2].daylight), (7200, 3600, false));
        assert_eq!(obs[1].name.as_deref(), Some("CEST"));
    }

    #[test]
    fn tokyo_has_one_standard_observance() {
        let obs = observances(chrono_tz::Asia::Tokyo, &years(&[2030, 2031, 2040]));
        assert_eq!(obs.len(), 1);
        assert_eq!((obs[0].from, obs[0].to, obs[0].daylight), (32400, 32400, false));
    }

    #[test]
    fn southern_zones_span_years() {
        // Sydney: DST ends in April and starts in October; an event over new year needs both years.
        let obs = observances(chrono_tz::Australia::Sydney, &years(&[2030, 2031]));
        assert_eq!(obs.len(), 5);
        assert!(obs[0].daylight, "in force on 1 January 2030: the October 2029 change to daylight time");
    }

    #[test]
    fn far_apart_years_each_get_their_rules() {
        let obs = observances(chrono_tz::Europe::Paris, &years(&[2030, 2040]));
        assert_eq!(obs.len(), 6, "three for each year, nothing for the years between");
        assert_eq!(offset_at(&obs, at(2040, 7, 1, 0, 0)), 7200);
        assert_eq!(offset_at(&obs, at(2040, 1, 1, 0, 0)), 3600);
        // Moscow kept +04 from March 2011 to October 2014, after years of summer time.
        let moscow = chrono_tz::Europe::Moscow;
        let obs = observances(moscow, &years(&[2009, 2013, 2016]));
        for instant in [at(2009, 1, 5, 0, 0), at(2009, 7, 1, 0, 0), at(2013, 6, 1, 0, 0), at(2016, 6, 1, 0, 0)] {
            let expected = moscow.offset_from_utc_datetime(&instant.naive_utc()).fix().local_minus_utc();
            assert_eq!(offset_at(&obs, instant), expected, "{instant}");
        }
        assert_eq!(windows(&years(&[2009, 2010, 2011, 2013, 2016])), [(2009, 2013), (2016, 2016)]);
    }

    #[test]
    fn formats_offsets() {
        assert_eq!(utc_offset(3600), "+0100");
        assert_eq!(utc_offset(-12600), "-0330");
        assert_eq!(utc_offset(0), "+0000");
        assert_eq!(utc_offset(561), "+000921");
    }
}
