//! The booking as an RFC 5545 iCalendar file, so travellers can add their stays, tables and
//! trips to any calendar.
//!
//! Times are written as the local wall time of where each thing happens, with a VTIMEZONE
//! carrying that zone's rules, so a 15:00 check-in in Paris stays 15:00 in Paris whatever the
//! reader's zone or tz database. Output is a pure function of its input: DTSTAMP comes from the
//! caller, never from the clock.

use super::vtimezone::{self, Observance};
use super::{Document, format_amount, zone};
use chrono::{DateTime, Datelike, TimeZone, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeMap, BTreeSet};

/// One calendar entry.
pub struct Event<'a> {
    /// Globally unique and stable across exports: `<item id>@sojourn`.
    pub uid: String,
    pub summary: &'a str,
    pub description: String,
    pub location: Option<&'a str>,
    pub starts_at: DateTime<Utc>,
    /// Omitted from the file when absent or not after the start.
    pub ends_at: Option<DateTime<Utc>>,
    /// IANA zone to write local times in; UTC when absent or unknown.
    pub timezone: Option<&'a str>,
    /// DTSTAMP.
    pub stamp: DateTime<Utc>,
}

/// One event per item that has a start time. DTSTAMP is the booking's creation time, which keeps
/// the export deterministic; set [`Event::stamp`] to override it.
pub fn events_of<'a>(doc: &Document<'a>) -> Vec<Event<'a>> {
    doc.items
        .iter()
        .filter_map(|item| {
            let starts_at = item.starts_at?;
            let mut lines = item.details.clone();
            lines.push(format!("Booking {}", doc.reference));
            lines.push(format!("Amount: {}", format_amount(item.amount, doc.currency)));
            if let Some(policy) = item.policy {
                lines.push(format!("Cancellation policy: {policy}"));
            }
            Some(Event {
                uid: format!("{}@sojourn", item.id),
                summary: item.title,
                description: lines.join("\n"),
                location: item.location,
                starts_at,
                ends_at: item.ends_at,
                timezone: item.timezone,
                stamp: doc.created_at,
            })
        })
        .collect()
}

/// A complete VCALENDAR named `name` (X-WR-CALNAME) holding `events`, with a VTIMEZONE for
/// every zone they use. CRLF line endings, lines folded at 75 octets.
pub fn calendar(name: &str, events: &[Event<'_>]) -> String {
    let mut out = Lines::default();
    for line in
        ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Sojourn//Booking//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    {
        out.push(line);
    }
    out.push(&format!("X-WR-CALNAME:{}", escape(name)));
    // Each zone with the years its times fall in; sorted by name so the output does not depend
    // on event order.
    let mut zones: BTreeMap<&'static str, (Tz, BTreeSet<i32>)> = BTreeMap::new();
    for event in events {
        if let Some(tz) = event_zone(event) {
            let years = &mut zones.entry(tz.name()).or_insert((tz, BTreeSet::new())).1;
            years.insert(event.starts_at.year());
            years.extend(end_of(event).map(|end| end.year()));
        }
    }
    for (tz, years) in zones.values() {
        out.push("BEGIN:VTIMEZONE");
        out.push(&format!("TZID:{}", tz.name()));
        for observance in vtimezone::observances(*tz, years) {
            write_observance(&mut out, &observance);
        }
        out.push("END:VTIMEZONE");
    }
    for event in events {
        let tz = event_zone(event);
        out.push("BEGIN:VEVENT");
        out.push(&format!("UID:{}", escape(&event.uid)));
        out.push(&format!("DTSTAMP:{}", utc(event.stamp)));
        out.push(&date_time("DTSTART", event.starts_at, tz));
        if let Some(end) = end_of(event) {
            out.push(&date_time("DTEND", end, tz));
        }
        out.push(&format!("SUMMARY:{}", escape(event.summary)));
        if !event.description.is_empty() {
            out.push(&format!("DESCRIPTION:{}", escape(&event.description)));
        }
        if let Some(location) = event.location {
            out.push(&format!("LOCATION:{}", escape(location)));
        }
        out.push("END:VEVENT");
    }
    out.push("END:VCALENDAR");
    out.0
}

fn write_observance(out: &mut Lines, o: &Observance) {
    let kind = if o.daylight { "DAYLIGHT" } else { "STANDARD" };
    out.push(&format!("BEGIN:{kind}"));
    out.push(&format!("DTSTART:{}", o.start.format("%Y%m%dT%H%M%S")));
    out.push(&format!("TZOFFSETFROM:{}", vtimezone::utc_offset(o.from)));
    out.push(&format!("TZOFFSETTO:{}", vtimezone::utc_offset(o.to)));
    if let Some(name) = &o.name {
        out.push(&format!("TZNAME:{}", escape(name)));
    }
    out.push(&format!("END:{kind}"));
}

/// The zone to write an event's times in; `None` means UTC.
fn event_zone(event: &Event<'_>) -> Option<Tz> {
    zone(event.timezone).filter(|tz| !vtimezone::is_utc(*tz))
}

fn end_of(event: &Event<'_>) -> Option<DateTime<Utc>> {
    event.ends_at.filter(|end| *end > event.starts_at)
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// `DTSTART;TZID=Europe/Paris:20300501T150000`, or UTC when there is no zone or the wall time
/// would not read back as this instant (the second 02:30 of an autumn night: readers take the
/// first).
fn date_time(property: &str, at: DateTime<Utc>, tz: Option<Tz>) -> String {
    if let Some(tz) = tz {
        let local = at.with_timezone(&tz).naive_local();
        let first = tz.from_local_datetime(&local).earliest();
        if first.is_some_and(|f| f.timestamp() == at.timestamp()) {
            return format!("{property};TZID={}:{}", tz.name(), local.format("%Y%m%dT%H%M%S"));
        }
    }
    format!("{property}:{}", utc(at))
}

/// TEXT value escaping: backslash, semicolon, comma and line breaks; other control characters
/// (not allowed in TEXT) are dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Content lines, folded so none is longer than 75 octets (continuations start with a space),
/// breaking only between characters, each ended by CRLF.
#[derive(Default)]
struct Lines(String);

impl Lines {
    fn push(&mut self, line: &str) {
        const LIMIT: usize = 75;
        let mut octets = 0;
        for c in line.chars() {
            if octets + c.len_utf8() > LIMIT {
                self.0.push_str("\r\n ");
                octets = 1;
            }
            self.0.push(c);
            octets += c.len_utf8();
        }
        self.0.push_str("\r\n");
    }
}
