//! Dates, times and amounts as a reader expects them, in their language. Instants are shown
//! on the clock of the place they happen (a table in Paris at 19:00 is "19:00", whatever the
//! server or the reader's own zone), with the zone named so nobody has to guess.
//!
//! Month and day names are written here rather than taken from a locale library: two
//! languages need a few dozen words, and the output stays the same on every machine.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};
use chrono_tz::Tz;

/// A language notices can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Fr,
}

impl Lang {
    /// The language for a profile's language tag (`fr`, `fr-CA`, `en-GB`...): the primary
    /// subtag decides; anything not written yet, or no tag at all, reads English.
    pub fn from_tag(tag: Option<&str>) -> Lang {
        let primary = tag.and_then(|t| t.trim().split(['-', '_']).next()).unwrap_or_default();
        if primary.eq_ignore_ascii_case("fr") { Lang::Fr } else { Lang::En }
    }
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const DAYS_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const DAYS_FR: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];

/// A wall-clock time and the zone it is read in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalTime {
    pub at: NaiveDateTime,
    /// The IANA name shown to the reader (`UTC` when the zone was unknown).
    pub zone: String,
}

/// `instant` on the clock of `zone` (an IANA name). An unknown or missing zone (older events
/// did not always carry one) falls back to UTC, labelled as such: right, if less friendly.
pub fn local(instant: DateTime<Utc>, zone: Option<&str>) -> LocalTime {
    match zone.map(str::trim).and_then(|z| z.parse::<Tz>().ok()) {
        Some(tz) => LocalTime { at: instant.with_timezone(&tz).naive_local(), zone: tz.name().to_owned() },
        None => LocalTime { at: instant.naive_utc(), zone: "UTC".to_owned() },
    }
}

fn month(lang: Lang, d: NaiveDate) -> &'static str {
    let i = d.month0() as usize;
    match lang {
        Lang::En => MONTHS_EN[i],
        Lang::Fr => MONTHS_FR[i],
    }
}

/// The day of the month as French writes it: "1er", then "2", "3"...
fn day(lang: Lang, d: NaiveDate) -> String {
    match (lang, d.day()) {
        (Lang::Fr, 1) => "1er".to_owned(),
        (_, n) => n.to_string(),
    }
}

/// "Sat 12 Dec 2026, 19:00 (Europe/Paris)" / "samedi 12 décembre 2026 à 19:00 (Europe/Paris)".
pub fn date_time(lang: Lang, t: &LocalTime) -> String {
    let d = t.at.date();
    let weekday = d.weekday().num_days_from_monday() as usize;
    let clock = format!("{:02}:{:02}", t.at.hour(), t.at.minute());
    match lang {
        Lang::En => {
            let short: String = month(lang, d).chars().take(3).collect();
            format!("{} {} {short} {}, {clock} ({})", DAYS_EN[weekday], d.day(), d.year(), t.zone)
        }
        Lang::Fr => {
            format!("{} {} {} {} à {clock} ({})", DAYS_FR[weekday], day(lang, d), month(lang, d), d.year(), t.zone)
        }
    }
}

/// A stay's dates, the parts they share written once: "12–15 March 2027",
/// "28 February – 3 March 2027", "30 December 2026 – 2 January 2027"; in French the whole
/// phrase, "du 12 au 15 mars 2027".
pub fn date_range(lang: Lang, from: NaiveDate, to: NaiveDate) -> String {
    let (same_year, same_month) = (from.year() == to.year(), from.year() == to.year() && from.month() == to.month());
    let end = format!("{} {} {}", day(lang, to), month(lang, to), to.year());
    let start = if same_month {
        day(lang, from)
    } else if same_year {
        format!("{} {}", day(lang, from), month(lang, from))
    } else {
        format!("{} {} {}", day(lang, from), month(lang, from), from.year())
    };
    match (lang, same_month) {
        (Lang::En, true) => format!("{start}–{end}"),
        (Lang::En, false) => format!("{start} – {end}"),
        (Lang::Fr, _) => format!("du {start} au {end}"),
    }
}

/// `12345` EUR → "123.45 EUR" (English) or "123,45 EUR" (French), in the currency's minor
/// units. An unknown currency shows the raw amount rather than nothing.
pub fn money(lang: Lang, amount: i64, currency: &str) -> String {
    let text = match kernel::Currency::parse(currency) {
        Ok(c) => kernel::Money::new(amount, c).to_string(),
        Err(_) => format!("{amount} {currency}"),
    };
    match lang {
        Lang::En => text,
        Lang::Fr => text.replacen('.', ",", 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).unwrap()
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn languages_come_from_the_primary_subtag() {
        assert_eq!(Lang::from_tag(Some("fr")), Lang::Fr);
        assert_eq!(Lang::from_tag(Some("fr-CA")), Lang::Fr);
        assert_eq!(Lang::from_tag(Some(" FR_be ")), Lang::Fr);
        assert_eq!(Lang::from_tag(Some("en-GB")), Lang::En);
        assert_eq!(Lang::from_tag(Some("pt-BR")), Lang::En, "not written yet: English");
        assert_eq!(Lang::from_tag(Some("")), Lang::En);
        assert_eq!(Lang::from_tag(None), Lang::En);
    }

    #[test]
    fn instants_are_read_on_the_listings_clock_across_daylight_saving() {
        // Winter: Paris is UTC+1.
        let winter = local(utc("2026-12-12T18:00:00Z"), Some("Europe/Paris"));
        assert_eq!(date_time(Lang::En, &winter), "Sat 12 Dec 2026, 19:00 (Europe/Paris)");
        assert_eq!(date_time(Lang::Fr, &winter), "samedi 12 décembre 2026 à 19:00 (Europe/Paris)");
        // Summer: UTC+2; the same UTC hour is 20:00.
        let summer = local(utc("2027-07-03T18:00:00Z"), Some("Europe/Paris"));
        assert_eq!(date_time(Lang::En, &summer), "Sat 3 Jul 2027, 20:00 (Europe/Paris)");
        // Either side of the spring change (28 March 2027, 02:00 → 03:00 in Paris).
        let before = local(utc("2027-03-28T00:30:00Z"), Some("Europe/Paris"));
        let after = local(utc("2027-03-28T01:30:00Z"), Some("Europe/Paris"));
        assert_eq!(date_time(Lang::En, &before), "Sun 28 Mar 2027, 01:30 (Europe/Paris)");
        assert_eq!(date_time(Lang::En, &after), "Sun 28 Mar 2027, 03:30 (Europe/Paris)");
        // Another hemisphere, and a date that changes with the zone.
        let sydney = local(utc("2026-12-31T20:15:00Z"), Some("Australia/Sydney"));
        assert_eq!(date_time(Lang::Fr, &sydney), "vendredi 1er janvier 2027 à 07:15 (Australia/Sydney)");
        // Seconds and their fractions are not shown.
        let deadline = local(utc("2026-12-07T01:12:24.310983Z"), Some("Europe/Paris"));
        assert_eq!(date_time(Lang::En, &deadline), "Mon 7 Dec 2026, 02:12 (Europe/Paris)");
    }

    #[test]
    fn an_unknown_zone_reads_utc_and_says_so() {
        for zone in [None, Some(""), Some("Mars/Olympus")] {
            let t = local(utc("2026-12-12T18:00:00Z"), zone);
            assert_eq!(date_time(Lang::En, &t), "Sat 12 Dec 2026, 18:00 (UTC)", "{zone:?}");
        }
    }

    #[test]
    fn date_ranges_share_what_they_can() {
        let range = |lang, a, b| date_range(lang, a, b);
        assert_eq!(range(Lang::En, ymd(2027, 3, 12), ymd(2027, 3, 15)), "12–15 March 2027");
        assert_eq!(range(Lang::En, ymd(2027, 2, 28), ymd(2027, 3, 3)), "28 February – 3 March 2027");
        assert_eq!(range(Lang::En, ymd(2026, 12, 30), ymd(2027, 1, 2)), "30 December 2026 – 2 January 2027");
        assert_eq!(range(Lang::Fr, ymd(2027, 3, 1), ymd(2027, 3, 15)), "du 1er au 15 mars 2027");
        assert_eq!(range(Lang::Fr, ymd(2027, 2, 28), ymd(2027, 3, 3)), "du 28 février au 3 mars 2027");
        assert_eq!(range(Lang::Fr, ymd(2026, 12, 30), ymd(2027, 1, 2)), "du 30 décembre 2026 au 2 janvier 2027");
    }

    #[test]
    fn amounts_use_the_languages_decimal_mark() {
        assert_eq!(money(Lang::En, 25760, "EUR"), "257.60 EUR");
        assert_eq!(money(Lang::Fr, 25760, "EUR"), "257,60 EUR");
        assert_eq!(money(Lang::Fr, 5, "JPY"), "5 JPY");
        assert_eq!(money(Lang::En, -1005, "EUR"), "-10.05 EUR");
        assert_eq!(money(Lang::En, 7, "XYZ1"), "7 XYZ1");
    }
}
