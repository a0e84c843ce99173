//! Quiet hours: SMS and push wait until the reader's quiet hours end, on the reader's own
//! clock (their profile's time zone; UTC when unknown). Email is read when the reader chooses,
//! so it is never held back.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

/// A reader's quiet hours: from `start` to `end` (minutes after local midnight); a window that
/// crosses midnight (22:00–08:00) is the usual case. `start == end` means none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub enabled: bool,
    pub start: u32,
    pub end: u32,
}

impl QuietHours {
    fn contains(&self, minute: u32) -> bool {
        if !self.enabled || self.start == self.end {
            return false;
        }
        if self.start < self.end {
            (self.start..self.end).contains(&minute)
        } else {
            minute >= self.start || minute < self.end
        }
    }

    /// When a message due at `now` may go: `now`, or the end of the quiet hours it falls in.
    pub fn release(&self, now: DateTime<Utc>, zone: Option<&str>) -> DateTime<Utc> {
        let tz: Tz = zone.and_then(|z| z.parse().ok()).unwrap_or(chrono_tz::UTC);
        let local = now.with_timezone(&tz);
        let minute = local.hour() * 60 + local.minute();
        if !self.contains(minute) {
            return now;
        }
        // The end is today if it is still ahead, else tomorrow.
        let end = NaiveTime::from_hms_opt(self.end / 60, self.end % 60, 0).unwrap_or_default();
        let mut day = local.date_naive();
        if minute >= self.end {
            day = day.succ_opt().unwrap_or(day);
        }
        let naive = day.and_time(end);
        // A gap (spring forward) has no such local time: an hour later exists.
        let end = tz
            .from_local_datetime(&naive)
            .earliest()
            .or_else(|| tz.from_local_datetime(&(naive + Duration::hours(1))).earliest())
            .map_or(now, |t| t.with_timezone(&Utc));
        end.max(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap_or_default()
    }

    const NIGHT: QuietHours = QuietHours { enabled: true, start: 22 * 60, end: 8 * 60 };

    #[test]
    fn a_night_in_paris_ends_at_eight_paris_time() {
        // 23:30 in Paris (UTC+1 in December) → 08:00 Paris the next day = 07:00 UTC.
        let released = NIGHT.release(at("2026-12-06T22:30:00Z"), Some("Europe/Paris"));
        assert_eq!(released, at("2026-12-07T07:00:00Z"));
        // 03:00 in Paris → 08:00 the same day.
        assert_eq!(NIGHT.release(at("2026-12-07T02:00:00Z"), Some("Europe/Paris")), at("2026-12-07T07:00:00Z"));
        // Noon in Paris: now.
        assert_eq!(NIGHT.release(at("2026-12-07T11:00:00Z"), Some("Europe/Paris")), at("2026-12-07T11:00:00Z"));
    }

    #[test]
    fn the_readers_zone_decides_and_unknown_zones_read_utc() {
        // 23:30 UTC is 18:30 in New York: not quiet there.
        let now = at("2026-12-06T23:30:00Z");
        assert_eq!(NIGHT.release(now, Some("America/New_York")), now);
        assert_eq!(NIGHT.release(now, Some("Not/AZone")), at("2026-12-07T08:00:00Z"));
        assert_eq!(NIGHT.release(now, None), at("2026-12-07T08:00:00Z"));
    }

    #[test]
    fn off_empty_and_daytime_windows() {
        let now = at("2026-12-06T23:30:00Z");
        assert_eq!(QuietHours { enabled: false, ..NIGHT }.release(now, None), now);
        assert_eq!(QuietHours { enabled: true, start: 600, end: 600 }.release(now, None), now);
        let afternoon = QuietHours { enabled: true, start: 13 * 60, end: 14 * 60 };
        assert_eq!(afternoon.release(at("2026-12-06T13:15:00Z"), None), at("2026-12-06T14:00:00Z"));
        assert_eq!(afternoon.release(at("2026-12-06T14:00:00Z"), None), at("2026-12-06T14:00:00Z"));
    }
}
