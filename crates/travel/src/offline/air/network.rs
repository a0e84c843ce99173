//! The offline airline network: which airports are linked nonstop and by whom, how a trip
//! connects through a hub, and a route's flights on a day — pure functions of the bundled
//! reference data and the seed, so a search, a price, an order and a flight status all see
//! the same flights.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use crate::offline::rng::Rng;
use crate::reference::{self, Airline, Airport};

pub(crate) type Ap = &'static Airport;
pub(crate) type Al = &'static Airline;

/// Carriers that fly only short and medium haul.
const SHORT_HAUL: &[&str] =
    &["FR", "U2", "W6", "VY", "DY", "EW", "TO", "V7", "PC", "WN", "TR", "AK", "6E", "G3", "AD", "UX", "LG", "JU", "RO"];

struct Net {
    by_hub: HashMap<&'static str, Vec<Al>>,
    by_country: HashMap<&'static str, Vec<Al>>,
    hub_airports: Vec<Ap>,
}

fn net() -> &'static Net {
    static NET: OnceLock<Net> = OnceLock::new();
    NET.get_or_init(|| {
        let r = reference::get();
        let mut by_hub: HashMap<&'static str, Vec<Al>> = HashMap::new();
        let mut by_country: HashMap<&'static str, Vec<Al>> = HashMap::new();
        let mut hub_airports: Vec<Ap> = Vec::new();
        for al in r.airlines() {
            by_country.entry(al.country.as_str()).or_default().push(al);
            for h in &al.hubs {
                by_hub.entry(h.as_str()).or_default().push(al);
                if let Some(ap) = r.airport(h)
                    && !hub_airports.iter().any(|x| x.iata == ap.iata)
                {
                    hub_airports.push(ap);
                }
            }
        }
        Net { by_hub, by_country, hub_airports }
    })
}

/// Airlines based at `a`.
pub fn home_carriers(a: Ap) -> &'static [Al] {
    net().by_hub.get(a.iata.as_str()).map_or(&[], Vec::as_slice)
}

pub fn hub_airports() -> &'static [Ap] {
    &net().hub_airports
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Size {
    Minor,
    Major,
    Hub,
}

/// Heliports, seaplane bases and military fields see no scheduled flights.
pub fn served(a: Ap) -> bool {
    const NOT: &[&str] = &["Heliport", "Seaplane", "Air Base", "Air Force", "Army", "Naval", "Helipad"];
    !NOT.iter().any(|n| a.name.contains(n))
}

/// A hub; the main airport of a city of 300,000 or more; or anything else.
pub fn size(a: Ap) -> Size {
    if !home_carriers(a).is_empty() {
        return Size::Hub;
    }
    let r = reference::get();
    match r.city_of(a) {
        Some(city) if city.population >= 300_000 && r.airports_of(city).next().is_some_and(|m| m.iata == a.iata) => {
            Size::Major
        }
        _ => Size::Minor,
    }
}

pub fn km(a: Ap, b: Ap) -> f64 {
    reference::distance_km(a.lat, a.lon, b.lat, b.lon)
}

fn short_haul(al: Al) -> bool {
    SHORT_HAUL.contains(&al.iata.as_str())
}

/// The airlines flying nonstop between `a` and `b` (either way: the same list), home
/// carriers first, then at most two others from either end's country.
pub fn carriers(seed: u64, a: Ap, b: Ap) -> Vec<Al> {
    let mut out: Vec<Al> = Vec::new();
    if a.iata == b.iata || a.city_code == b.city_code || !served(a) || !served(b) {
        return out;
    }
    let d = km(a, b);
    if d < 120.0 {
        return out;
    }
    let (lo, hi) = if a.iata < b.iata { (a, b) } else { (b, a) };
    let (slo, shi) = (size(lo), size(hi));
    let r = reference::get();
    for (home, away, other) in [(lo, hi, shi), (hi, lo, slo)] {
        // Small airports are fed from their own country's hubs, or abroad when their city
        // is large enough.
        let feeder = away.country == home.country || r.city_of(away).is_some_and(|c| c.population >= 150_000);
        for al in home_carriers(home) {
            let mut limit = match other {
                Size::Hub => 15_500.0,
                Size::Major => 11_500.0,
                Size::Minor if feeder => 2_200.0,
                Size::Minor => 0.0,
            };
            if short_haul(al) {
                limit = f64::min(limit, 4_500.0);
            }
            if d <= limit && !out.iter().any(|x| x.iata == al.iata) {
                out.push(al);
            }
        }
    }
    if slo >= Size::Major && shi >= Size::Major && d <= 9_000.0 {
        let by_country = &net().by_country;
        let mut others: Vec<Al> = [&lo.country, &hi.country]
            .iter()
            .filter_map(|c| by_country.get(c.as_str()))
            .flatten()
            .copied()
            .filter(|al| !out.iter().any(|x| x.iata == al.iata) && (d <= 4_500.0 || !short_haul(al)))
            .collect();
        others.dedup_by(|x, y| x.iata == y.iata);
        let mut rng = Rng::new(seed, &["carriers", &lo.iata, &hi.iata]);
        let wanted = if out.is_empty() { rng.range(1, 2) } else { rng.range(0, 2) };
        for _ in 0..wanted {
            if others.is_empty() {
                break;
            }
            let i = usize::try_from(rng.range(0, others.len() as i64 - 1)).unwrap_or(0);
            out.push(others.swap_remove(i));
        }
    }
    out.truncate(6);
    out
}

/// One-stop connections from `a` to `b`: `(hub, airline)` where the airline flies both legs
/// and the detour is at most half the direct distance, shortest first.
pub fn connections(seed: u64, a: Ap, b: Ap) -> Vec<(Ap, Al)> {
    let direct = km(a, b).max(400.0);
    let r = reference::get();
    let by_country = &net().by_country;
    let mut airlines: Vec<Al> = home_carriers(a).iter().chain(home_carriers(b)).copied().collect();
    for c in [&a.country, &b.country] {
        airlines.extend(by_country.get(c.as_str()).into_iter().flatten().copied());
    }
    let mut hubs: Vec<Ap> = airlines.iter().flat_map(|al| al.hubs.iter()).filter_map(|h| r.airport(h)).collect();
    if hubs.is_empty() {
        // Nobody is based near either end: the nearest hubs to each.
        for end in [a, b] {
            let mut near: Vec<(Ap, f64)> = hub_airports().iter().map(|h| (*h, km(end, h))).collect();
            near.sort_by(|x, y| x.1.total_cmp(&y.1));
            hubs.extend(near.iter().take(3).map(|(h, _)| *h));
        }
    }
    let mut found: Vec<(Ap, Al, f64)> = Vec::new();
    for h in hubs {
        if h.city_code == a.city_code || h.city_code == b.city_code || found.iter().any(|f| f.0.iata == h.iata) {
            continue;
        }
        let total = km(a, h) + km(h, b);
        if total > 1.5 * direct {
            continue;
        }
        let first = carriers(seed, a, h);
        let second = carriers(seed, h, b);
        for al in first.iter().filter(|al| second.iter().any(|x| x.iata == al.iata)) {
            found.push((h, al, total));
        }
    }
    found.sort_by(|x, y| x.2.total_cmp(&y.2).then_with(|| x.1.iata.cmp(&y.1.iata)));
    found.truncate(6);
    found.into_iter().map(|(h, al, _)| (h, al)).collect()
}

/// A scheduled flight on a day.
#[derive(Debug, Clone)]
pub struct Flight {
    pub carrier: Al,
    pub number: u32,
    pub from: Ap,
    pub to: Ap,
    /// Local times at each end (Amadeus's `at`).
    pub dep: NaiveDateTime,
    pub arr: NaiveDateTime,
    pub dep_utc: DateTime<Utc>,
    pub arr_utc: DateTime<Utc>,
    pub minutes: i64,
    pub km: f64,
    pub aircraft: &'static str,
}

impl Flight {
    /// The inventory key of a cabin of this flight.
    pub fn key(&self, cabin: &str) -> String {
        format!("F|{}{:04}|{}|{}", self.carrier.iata, self.number, self.dep.date(), cabin)
    }

    /// Physical seats per cabin (ECONOMY, PREMIUM_ECONOMY, BUSINESS, FIRST).
    pub fn seats(&self) -> [i64; 4] {
        seats(self.aircraft)
    }
}

pub fn tz(a: Ap) -> Tz {
    a.tz.parse().unwrap_or(Tz::UTC)
}

/// A local time at `zone` as UTC (in a spring-forward gap, an hour later).
pub fn to_utc(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&local).earliest() {
        Some(t) => t.with_timezone(&Utc),
        None => zone
            .from_local_datetime(&(local + Duration::hours(1)))
            .earliest()
            .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc)),
    }
}

fn aircraft(seed: u64, carrier: Al, d: f64) -> &'static str {
    let boeing = Rng::new(seed, &["fleet", &carrier.iata]).unit() < 0.4;
    match (d, boeing) {
        (d, false) if d < 1_500.0 => "320",
        (d, true) if d < 1_500.0 => "73H",
        (d, false) if d < 4_500.0 => "321",
        (d, true) if d < 4_500.0 => "7M8",
        (d, false) if d < 9_000.0 => "332",
        (d, true) if d < 9_000.0 => "789",
        (_, false) => "359",
        (_, true) => "77W",
    }
}

pub fn seats(aircraft: &str) -> [i64; 4] {
    match aircraft {
        "320" => [156, 0, 12, 0],
        "73H" => [160, 0, 12, 0],
        "321" => [188, 0, 16, 0],
        "7M8" => [166, 0, 12, 0],
        "332" => [219, 21, 36, 0],
        "789" => [216, 28, 42, 0],
        "359" => [266, 24, 40, 0],
        "77W" => [296, 28, 42, 8],
        _ => [150, 0, 0, 0],
    }
}

pub fn aircraft_name(code: &str) -> &'static str {
    match code {
        "320" => "AIRBUS A320",
        "73H" => "BOEING 737-800",
        "321" => "AIRBUS A321",
        "7M8" => "BOEING 737 MAX 8",
        "332" => "AIRBUS A330-200",
        "789" => "BOEING 787-9",
        "359" => "AIRBUS A350-900",
        "77W" => "BOEING 777-300ER",
        _ => "AIRCRAFT",
    }
}

/// Block time in minutes: great-circle distance at ~830 km/h with a routing margin and
/// the jet stream (westbound slower), plus 30 minutes on the ground, to 5 minutes.
pub fn block_minutes(a: Ap, b: Ap) -> i64 {
    let d = km(a, b);
    let dlon = (b.lon - a.lon + 540.0).rem_euclid(360.0) - 180.0;
    let wind = if dlon >= 0.0 { 0.97 } else { 1.06 };
    let minutes = d * 1.05 * wind / 830.0 * 60.0 + 30.0;
    ((minutes / 5.0).round() as i64 * 5).max(35)
}

/// `carrier`'s flights from `a` to `b` departing on local `date`, by departure time.
pub fn flights(seed: u64, carrier: Al, a: Ap, b: Ap, date: NaiveDate) -> Vec<Flight> {
    let d = km(a, b);
    let mut rng = Rng::new(seed, &["schedule", &carrier.iata, &a.iata, &b.iata]);
    let home = home_carriers(a).iter().chain(home_carriers(b)).any(|x| x.iata == carrier.iata);
    let mut count = match d {
        d if d < 800.0 => rng.range(3, 6),
        d if d < 2_000.0 => rng.range(2, 4),
        d if d < 4_500.0 => rng.range(1, 3),
        d if d < 9_000.0 => rng.range(1, 2),
        _ => 1,
    };
    if !home || size(a) == Size::Minor || size(b) == Size::Minor {
        count = count.min(2);
    }
    let base = if d > 4_000.0 { rng.range(1, 480) * 2 } else { rng.range(500, 4_400) * 2 };
    let (start, end) = if d > 4_000.0 { (7 * 60, 23 * 60 + 30) } else { (6 * 60, 22 * 60) };
    let span = (end - start) / count.max(1);
    let times: Vec<i64> =
        (0..count).map(|i| start + i * span + (rng.unit() * span as f64 * 0.8) as i64 / 5 * 5).collect();
    // Fewer flights on Saturdays, and on some routes none on a given weekday.
    let weekday = date.weekday();
    let skip_day = if count == 1 && d < 4_000.0 { Some(rng.range(0, 13)) } else { None };
    if skip_day.and_then(|s| u32::try_from(s).ok()) == Some(weekday.num_days_from_monday()) {
        return Vec::new();
    }
    let saturday_cut = weekday == Weekday::Sat && count > 2;
    let (za, zb) = (tz(a), tz(b));
    let minutes = block_minutes(a, b);
    let plane = aircraft(seed, carrier, d);
    times
        .iter()
        .enumerate()
        .filter(|(i, _)| !(saturday_cut && *i == 1))
        .filter_map(|(i, t)| {
            let time = NaiveTime::from_hms_opt(u32::try_from(t / 60).ok()?, u32::try_from(t % 60).ok()?, 0)?;
            let dep = date.and_time(time);
            let dep_utc = to_utc(za, dep);
            let arr_utc = dep_utc + Duration::minutes(minutes);
            Some(Flight {
                carrier,
                number: u32::try_from(base).ok()? + u32::try_from(i).ok()? * 2,
                from: a,
                to: b,
                dep,
                arr: arr_utc.with_timezone(&zb).naive_local(),
                dep_utc,
                arr_utc,
                minutes,
                km: d,
                aircraft: plane,
            })
        })
        .collect()
}

/// `(kind, legs)` itineraries from `a` to `b` on `date`: nonstop flights, then (unless
/// `nonstop`) one-stop connections of one airline with a 1–4 h layover.
pub fn itineraries(seed: u64, a: Ap, b: Ap, date: NaiveDate, nonstop: bool, out: &mut Vec<Vec<Flight>>) {
    for al in carriers(seed, a, b) {
        out.extend(flights(seed, al, a, b, date).into_iter().map(|f| vec![f]));
    }
    if nonstop {
        return;
    }
    for (h, al) in connections(seed, a, b) {
        let first = flights(seed, al, a, h, date);
        if first.is_empty() {
            continue;
        }
        let mut second = Vec::new();
        let last_arrival = first.iter().map(|f| f.arr.date()).max().unwrap_or(date);
        let mut day = first.iter().map(|f| f.arr.date()).min().unwrap_or(date);
        while day <= last_arrival + Duration::days(1) {
            second.extend(flights(seed, al, h, b, day));
            day += Duration::days(1);
        }
        for f1 in first {
            let earliest = f1.arr_utc + Duration::minutes(60);
            let latest = f1.arr_utc + Duration::minutes(240);
            if let Some(f2) = second.iter().find(|f2| f2.dep_utc >= earliest && f2.dep_utc <= latest) {
                out.push(vec![f1, f2.clone()]);
            }
        }
    }
}

/// The flight `carrier``number` departing on local `date`, found by walking the airline's
/// routes from its hubs (a flight status lookup, not a hot path).
pub fn find(seed: u64, carrier: Al, number: u32, date: NaiveDate) -> Option<Flight> {
    let r = reference::get();
    for hub in carrier.hubs.iter().filter_map(|h| r.airport(h)) {
        for other in r.airports() {
            if !carriers(seed, hub, other).iter().any(|x| x.iata == carrier.iata) {
                continue;
            }
            for (a, b) in [(hub, other), (other, hub)] {
                if let Some(f) = flights(seed, carrier, a, b, date).into_iter().find(|f| f.number == number) {
                    return Some(f);
                }
            }
        }
    }
    None
}

/// The nonstop destinations of `a` (airports), hubs and big cities first, then nearest.
pub fn destinations(seed: u64, a: Ap) -> Vec<(Ap, Vec<Al>)> {
    let r = reference::get();
    let mut out: Vec<(Ap, Vec<Al>, f64)> = Vec::new();
    let candidates: Vec<Ap> = if size(a) == Size::Hub {
        r.airports().iter().collect()
    } else {
        // Only hubs and big airports fly to a small one; check those.
        r.airports().iter().filter(|b| size(b) >= Size::Major).collect()
    };
    for b in candidates {
        let c = carriers(seed, a, b);
        if !c.is_empty() {
            out.push((b, c, km(a, b)));
        }
    }
    // Hubs and big cities first, then nearest.
    out.sort_by(|x, y| size(y.0).cmp(&size(x.0)).then(x.2.total_cmp(&y.2)));
    out.into_iter().map(|(b, c, _)| (b, c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ap(code: &str) -> Ap {
        reference::get().airport(code).expect("airport")
    }

    #[test]
    fn paris_new_york_is_flown_nonstop_by_home_carriers_in_about_eight_hours() {
        let (cdg, jfk) = (ap("CDG"), ap("JFK"));
        let c: Vec<&str> = carriers(1, cdg, jfk).iter().map(|a| a.iata.as_str()).collect();
        assert!(c.contains(&"AF") && c.contains(&"DL"), "{c:?}");
        assert_eq!(c, carriers(1, jfk, cdg).iter().map(|a| a.iata.as_str()).collect::<Vec<_>>());
        let m = block_minutes(cdg, jfk);
        assert!((8 * 60..=9 * 60).contains(&m), "{m}");
        assert!(block_minutes(jfk, cdg) < m, "eastbound is faster");
        let date = NaiveDate::from_ymd_opt(2027, 1, 15).expect("date");
        let af = reference::get().airline("AF").expect("AF");
        let f = flights(1, af, cdg, jfk, date);
        assert!(!f.is_empty());
        for x in &f {
            assert_eq!(x.dep.date(), date);
            assert_eq!((x.arr_utc - x.dep_utc).num_minutes(), m);
            // Paris is 6 hours ahead of New York in January.
            assert_eq!((x.arr - x.dep).num_minutes(), m - 360);
            assert!(x.seats()[2] > 0, "a wide-body with a business cabin: {}", x.aircraft);
        }
        let again = flights(1, af, cdg, jfk, date);
        assert_eq!(
            f.iter().map(|x| (x.number, x.dep)).collect::<Vec<_>>(),
            again.iter().map(|x| (x.number, x.dep)).collect::<Vec<_>>()
        );
        let found = find(1, af, f[0].number, date).expect("found by number");
        // Numbers may repeat across an airline's routes (as they are drawn); the lookup finds one that day.
        assert_eq!((found.number, found.dep.date()), (f[0].number, date));
    }

    #[test]
    fn small_airports_connect_through_a_hub_without_a_silly_detour() {
        let (a, b) = (ap("NTE"), ap("BOS"));
        assert!(carriers(1, ap("BIQ"), ap("BOS")).is_empty());
        for (h, _) in connections(1, a, b) {
            assert!(km(a, h) + km(h, b) <= 1.5 * km(a, b));
        }
        let date = NaiveDate::from_ymd_opt(2027, 3, 10).expect("date");
        let mut out = Vec::new();
        itineraries(1, ap("BIQ"), ap("JFK"), date, false, &mut out);
        assert!(!out.is_empty());
        for legs in &out {
            if let [f1, f2] = legs.as_slice() {
                let layover = (f2.dep_utc - f1.arr_utc).num_minutes();
                assert!((60..=240).contains(&layover), "{layover}");
                assert_eq!(f1.to.iata, f2.from.iata);
            }
        }
    }
}
