//! The iCalendar output, read back by a small unfolding parser written for these tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::fixture::{at, document, item};
use super::ics::{Event, calendar, escape, events_of};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};

/// A content line after unfolding: name, parameters, unescaped value.
#[derive(Debug, Clone)]
struct Prop {
    name: String,
    params: Vec<(String, String)>,
    value: String,
}

impl Prop {
    fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => panic!("dangling backslash"),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Unfolds and splits every content line; checks CRLF endings and the 75-octet limit on the way.
fn parse(ics: &str) -> Vec<Prop> {
    assert!(ics.ends_with("\r\n"));
    let raw = ics.as_bytes();
    for (i, b) in raw.iter().enumerate() {
        if *b == b'\n' {
            assert!(i > 0 && raw[i - 1] == b'\r', "bare LF at {i}");
        }
        if *b == b'\r' {
            assert_eq!(raw.get(i + 1), Some(&b'\n'), "bare CR at {i}");
        }
    }
    for line in raw.split(|b| *b == b'\n') {
        assert!(line.len() <= 76, "{} octets: {:?}", line.len() - 1, String::from_utf8_lossy(line));
        std::str::from_utf8(line).expect("no character is split by folding");
    }
    let unfolded = ics.replace("\r\n ", "");
    unfolded
        .trim_end_matches("\r\n")
        .split("\r\n")
        .map(|line| {
            let (head, value) = line.split_once(':').unwrap();
            let mut parts = head.split(';');
            let name = parts.next().unwrap().to_owned();
            let params = parts.map(|p| p.split_once('=').unwrap()).map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
            Prop { name, params, value: unescape(value) }
        })
        .collect()
}

/// The properties of each component named `kind`, in order.
fn components(props: &[Prop], kind: &str) -> Vec<Vec<Prop>> {
    let mut out = Vec::new();
    let mut current: Option<Vec<Prop>> = None;
    for p in props {
        if p.name == "BEGIN" && p.value == kind {
            current = Some(Vec::new());
        } else if p.name == "END" && p.value == kind {
            out.push(current.take().unwrap());
        } else if let Some(c) = current.as_mut() {
            c.push(p.clone());
        }
    }
    out
}

fn get<'a>(props: &'a [Prop], name: &str) -> &'a Prop {
    props.iter().find(|p| p.name == name).unwrap_or_else(|| panic!("no {name}"))
}

fn offset(text: &str) -> i64 {
    let sign = if text.starts_with('-') { -1 } else { 1 };
    sign * (text[1..3].parse::<i64>().unwrap() * 3600 + text[3..5].parse::<i64>().unwrap() * 60)
}

/// What a calendar client does with `TZID=…:local`: the latest observance whose onset (in its
/// TZOFFSETFROM wall time) is not after the local time gives the offset.
fn resolve(vtimezone: &[Prop], local: &str) -> DateTime<Utc> {
    let local = NaiveDateTime::parse_from_str(local, "%Y%m%dT%H%M%S").unwrap();
    let mut onsets: Vec<(NaiveDateTime, i64)> = Vec::new();
    let mut i = 0;
    while i < vtimezone.len() {
        if vtimezone[i].name == "BEGIN" {
            let block = &vtimezone[i + 1..i + 5];
            let start = NaiveDateTime::parse_from_str(&get(block, "DTSTART").value, "%Y%m%dT%H%M%S").unwrap();
            onsets.push((start, offset(&get(block, "TZOFFSETTO").value)));
        }
        i += 1;
    }
    let (_, to) = onsets.iter().rev().find(|(start, _)| *start <= local).expect("an observance covers the time");
    (local - Duration::seconds(*to)).and_utc()
}

fn event(summary: &'static str, tz: Option<&'static str>, start: DateTime<Utc>) -> Event<'static> {
    Event {
        uid: format!("{summary}@sojourn"),
        summary,
        description: String::new(),
        location: None,
        starts_at: start,
        ends_at: Some(start + Duration::hours(2)),
        timezone: tz,
        stamp: at(2030, 1, 15, 9, 30),
    }
}

#[test]
fn the_calendar_has_its_header_and_one_event_per_timed_item() {
    let mut untimed = item("it-3", "Guidebook", "Europe/Paris");
    untimed.starts_at = None;
    let doc = document(vec![item("it-1", "Hôtel; Paris, 5th", "Europe/Paris"), untimed]);
    let events = events_of(&doc);
    assert_eq!(events.len(), 1);
    let ics = calendar("Sojourn DS-A7B3X2K1", &events);
    assert!(ics.starts_with(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Sojourn//Booking//EN\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n\
         X-WR-CALNAME:Sojourn DS-A7B3X2K1\r\n"
    ));
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
    let props = parse(&ics);
    let vevents = components(&props, "VEVENT");
    assert_eq!(vevents.len(), 1);
    let e = &vevents[0];
    assert_eq!(get(e, "UID").value, "it-1@sojourn");
    assert_eq!(get(e, "DTSTAMP").value, "20300115T093000Z");
    assert_eq!(get(e, "SUMMARY").value, "Hôtel; Paris, 5th");
    assert_eq!(get(e, "LOCATION").value, "1 Quai de Valmy, Paris, FR");
    assert_eq!(
        get(e, "DESCRIPTION").value,
        "2 guests\nCheck-in from 15:00\nBooking DS-A7B3X2K1\nAmount: 224.00 EUR\n\
         Cancellation policy: Moderate: full refund up to 5 days before check-in"
    );
    assert!(ics.contains("SUMMARY:Hôtel\\; Paris\\, 5th\r\n"));
}

#[test]
fn paris_summer_times_are_local_with_the_zone_rules() {
    let doc = document(vec![item("it-1", "Stay", "Europe/Paris")]);
    let ics = calendar("Trip", &events_of(&doc));
    assert!(ics.contains("\r\nDTSTART;TZID=Europe/Paris:20300501T150000\r\n"), "{ics}");
    assert!(ics.contains("\r\nDTEND;TZID=Europe/Paris:20300503T110000\r\n"));
    let props = parse(&ics);
    let zones = components(&props, "VTIMEZONE");
    assert_eq!(zones.len(), 1);
    let zone = &zones[0];
    assert_eq!(get(zone, "TZID").value, "Europe/Paris");
    let daylight = components(zone, "DAYLIGHT");
    let standard = components(zone, "STANDARD");
    assert_eq!((daylight.len(), standard.len()), (1, 2));
    assert_eq!(get(&daylight[0], "DTSTART").value, "20300331T020000");
    assert_eq!(get(&daylight[0], "TZOFFSETFROM").value, "+0100");
    assert_eq!(get(&daylight[0], "TZOFFSETTO").value, "+0200");
    assert_eq!(get(&daylight[0], "TZNAME").value, "CEST");
    assert_eq!(get(&standard[1], "DTSTART").value, "20301027T030000");
    assert_eq!(get(&standard[1], "TZOFFSETFROM").value, "+0200");
    assert_eq!(get(&standard[1], "TZOFFSETTO").value, "+0100");
    // A client applying those rules finds the original instants.
    let e = &components(&props, "VEVENT")[0];
    assert_eq!(get(e, "DTSTART").param("TZID"), Some("Europe/Paris"));
    assert_eq!(resolve(zone, &get(e, "DTSTART").value), at(2030, 5, 1, 13, 0));
    assert_eq!(resolve(zone, &get(e, "DTEND").value), at(2030, 5, 3, 9, 0));
}

#[test]
fn winter_and_summer_events_resolve_through_one_vtimezone() {
    let events = [
        event("winter", Some("Europe/Paris"), at(2030, 1, 10, 18, 0)),
        event("summer", Some("Europe/Paris"), at(2031, 7, 10, 18, 0)),
        event("new-york", Some("America/New_York"), at(2030, 11, 3, 5, 30)),
    ];
    let props = parse(&calendar("Trip", &events));
    let zones = components(&props, "VTIMEZONE");
    assert_eq!(zones.len(), 2, "one per TZID, not per event");
    assert_eq!(get(&zones[0], "TZID").value, "America/New_York", "sorted by name");
    for (vevent, event) in components(&props, "VEVENT").iter().zip(&events) {
        let start = get(vevent, "DTSTART");
        let zone = zones.iter().find(|z| Some(get(z, "TZID").value.as_str()) == start.param("TZID")).unwrap();
        assert_eq!(resolve(zone, &start.value), event.starts_at, "{}", event.summary);
    }
}

#[test]
fn tokyo_has_a_single_standard_observance() {
    let ics = calendar("Trip", &[event("sushi", Some("Asia/Tokyo"), at(2030, 8, 1, 10, 0))]);
    let props = parse(&ics);
    let zone = &components(&props, "VTIMEZONE")[0];
    assert_eq!(get(zone, "TZID").value, "Asia/Tokyo");
    assert!(components(zone, "DAYLIGHT").is_empty());
    let standard = components(zone, "STANDARD");
    assert_eq!(standard.len(), 1);
    assert_eq!(get(&standard[0], "TZOFFSETFROM").value, "+0900");
    assert_eq!(get(&standard[0], "TZOFFSETTO").value, "+0900");
    assert!(ics.contains("DTSTART;TZID=Asia/Tokyo:20300801T190000\r\n"));
}

#[test]
fn events_without_a_known_zone_are_in_utc() {
    let mut no_end = event("no-end", None, at(2030, 5, 1, 13, 0));
    no_end.ends_at = None;
    let events = [
        event("none", None, at(2030, 5, 1, 13, 0)),
        event("utc", Some("UTC"), at(2030, 5, 1, 13, 0)),
        event("unknown", Some("Mars/Olympus"), at(2030, 5, 1, 13, 0)),
        no_end,
    ];
    let ics = calendar("Trip", &events);
    assert!(!ics.contains("VTIMEZONE") && !ics.contains("TZID"));
    let vevents = components(&parse(&ics), "VEVENT");
    for e in &vevents[..3] {
        assert_eq!(get(e, "DTSTART").value, "20300501T130000Z");
        assert_eq!(get(e, "DTEND").value, "20300501T150000Z");
    }
    assert!(vevents[3].iter().all(|p| p.name != "DTEND"), "no end, no DTEND");
}

#[test]
fn the_repeated_autumn_hour_falls_back_to_utc() {
    // 27 Oct 2030 in Paris: 02:30 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET).
    let first = event("first", Some("Europe/Paris"), at(2030, 10, 27, 0, 30));
    let second = event("second", Some("Europe/Paris"), at(2030, 10, 27, 1, 30));
    let ics = calendar("Trip", &[first, second]);
    assert!(ics.contains("DTSTART;TZID=Europe/Paris:20301027T023000\r\n"));
    assert!(ics.contains("DTSTART:20301027T013000Z\r\n"));
}

#[test]
fn text_is_escaped_and_round_trips() {
    assert_eq!(escape("a\\b;c,d\ne\r\nf\u{7}g\th"), "a\\\\b\\;c\\,d\\ne\\nfg\th");
    let mut e = event("x", None, at(2030, 5, 1, 13, 0));
    let description = "Line one; with, punctuation \\ and\nline two: \"quoted\"";
    e.summary = "Dîner: «menu», vins; café";
    e.description = description.to_owned();
    e.location = Some("Rue de l'Université, 7e; Paris");
    let props = parse(&calendar("Names, with; specials", &[e]));
    assert_eq!(get(&props, "X-WR-CALNAME").value, "Names, with; specials");
    let v = &components(&props, "VEVENT")[0];
    assert_eq!(get(v, "SUMMARY").value, "Dîner: «menu», vins; café");
    assert_eq!(get(v, "DESCRIPTION").value, description);
    assert_eq!(get(v, "LOCATION").value, "Rue de l'Université, 7e; Paris");
}

#[test]
fn long_lines_fold_at_75_octets_without_splitting_characters() {
    let mut e = event("fold", None, at(2030, 5, 1, 13, 0));
    // Two-, three- and four-byte characters at every alignment against the limit.
    let description: String = (0..40).map(|i| format!("é{}日本😀", "a".repeat(i % 4))).collect();
    e.description = description.clone();
    let ics = calendar("Trip", &[e]);
    assert!(ics.lines().count() > 10, "folded over many lines");
    let props = parse(&ics);
    assert_eq!(get(&components(&props, "VEVENT")[0], "DESCRIPTION").value, description);
    for line in ics.split("\r\n").skip(1).filter(|l| l.starts_with(' ')) {
        assert!(line.len() <= 75 && line.len() > 1);
    }
}

#[test]
fn output_is_deterministic() {
    let doc = document(vec![item("a", "A", "Europe/Paris"), item("b", "B", "Asia/Tokyo")]);
    assert_eq!(calendar("T", &events_of(&doc)), calendar("T", &events_of(&doc)));
}
