//! What is left to sell on capacity kinds: seats of sessions and trips, tables of a
//! restaurant's slots on one day, a product's stock.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use kernel::{ApiError, FieldError};
use platform::auth::AuthUser;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Bookings, tz_of};
use crate::slots;
use crate::store::inventory;

/// The window and party a caller asks about.
#[derive(Debug, Clone, Copy)]
pub struct Ask {
    pub from: Option<Bound>,
    pub to: Option<Bound>,
    pub date: Option<NaiveDate>,
    pub party: i64,
}

/// One end of a schedule window as sent: an instant, or a calendar day of the listing — which
/// only the listing's time zone turns into instants, so it is kept as a day until then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    At(DateTime<Utc>),
    Day(NaiveDate),
}

impl Bound {
    /// An RFC 3339 instant or a `YYYY-MM-DD` day, as reservation lists accept.
    pub fn parse(raw: &str) -> Option<Bound> {
        let raw = raw.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
            return Some(Bound::At(t.with_timezone(&Utc)));
        }
        NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok().map(Bound::Day)
    }

    /// As the start of a window: a day starts at its first local instant.
    fn start(self, tz: Tz) -> DateTime<Utc> {
        match self {
            Bound::At(t) => t,
            Bound::Day(d) => slots::instant(tz, d.and_time(chrono::NaiveTime::MIN)),
        }
    }

    /// As the (exclusive) end of a window: a day is included whole, up to the next local
    /// midnight, so `from=2027-03-01&to=2027-03-01` is that one day.
    fn end(self, tz: Tz) -> DateTime<Utc> {
        match self {
            Bound::At(t) => t,
            Bound::Day(d) => Bound::Day(d.succ_opt().unwrap_or(d)).start(tz),
        }
    }
}

/// `[from, to)` in instants for a listing in `tz`: from `now` for 90 days by default, at most
/// 366 days wide.
pub fn window(ask: &Ask, tz: Tz, now: DateTime<Utc>) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
    let from = ask.from.map_or(now, |b| b.start(tz));
    let to = ask.to.map_or(from + Duration::days(90), |b| b.end(tz));
    if to <= from || to - from > Duration::days(366) {
        return Err(ApiError::validation(vec![FieldError::new("to", "must be after `from`, at most 366 days later")]));
    }
    Ok((from, to))
}

impl Bookings {
    pub async fn availability(&self, viewer: Option<&AuthUser>, id: Uuid, ask: Ask) -> Result<Value, ApiError> {
        let listing = self.visible_listing(id, viewer).await?;
        let now = self.clock.now();
        // Checked for every kind, as a malformed query is whatever the listing.
        let (from, to) = window(&ask, tz_of(&listing), now)?;
        let out = match listing.kind.as_str() {
            "activity" | "transport" => {
                // Departures already gone are not listed.
                let from = from.max(now);
                let duration = listing
                    .data
                    .get("activity")
                    .and_then(|a| a.get("durationMinutes"))
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                let list = inventory::departures_between(&self.db, listing.id, from, to).await?;
                let items: Vec<Value> = list
                    .iter()
                    .map(|d| {
                        let left = (d.capacity - d.taken).max(0);
                        let available = left >= ask.party && d.starts_at > now;
                        let mut item = json!({ "startsAt": d.starts_at, "price": d.price, "capacity": d.capacity,
                                               "remaining": left, "available": available });
                        if d.kind == "session" {
                            item["sessionId"] = json!(d.id);
                            item["endsAt"] = json!(d.starts_at + Duration::minutes(duration));
                        } else {
                            item["tripId"] = json!(d.id);
                            item["endsAt"] = json!(d.ends_at);
                            item["origin"] = d.data.get("origin").cloned().unwrap_or_default();
                            item["destination"] = d.data.get("destination").cloned().unwrap_or_default();
                        }
                        item
                    })
                    .collect();
                let key = if listing.kind == "activity" { "sessions" } else { "trips" };
                json!({ key: items })
            }
            "product" => {
                let stock = listing.data.get("product").and_then(|p| p.get("stockQuantity")).and_then(Value::as_i64);
                let (capacity, taken) =
                    inventory::unit(&self.db, listing.id, "stock").await?.unwrap_or((stock.unwrap_or(0), 0));
                json!({ "stock": { "capacity": capacity, "sold": taken, "remaining": (capacity - taken).max(0) } })
            }
            "restaurant" => {
                let tz = tz_of(&listing);
                let date = ask.date.unwrap_or_else(|| now.with_timezone(&tz).date_naive());
                let r = listing.data.get("restaurant").cloned().unwrap_or(Value::Null);
                let fitting: Vec<(i64, i64)> = slots::tables(&r).into_iter().filter(|(s, _)| *s >= ask.party).collect();
                let sold = inventory::units_with_prefix(&self.db, listing.id, "table:").await?;
                let mut items = Vec::new();
                for local in slots::slot_starts(&r, date) {
                    let at = slots::instant(tz, local);
                    let free: i64 = fitting
                        .iter()
                        .map(|(seats, count)| {
                            let key = slots::table_key(at, *seats);
                            sold.iter()
                                .find(|(k, _, _)| *k == key)
                                .map_or(*count, |(_, cap, taken)| (cap - taken).max(0))
                        })
                        .sum();
                    items.push(json!({ "slotStart": at, "local": local.format("%H:%M").to_string(),
                                       "tablesLeft": free, "available": free > 0 && at > now }));
                }
                json!({ "date": date, "partySize": ask.party, "slots": items })
            }
            _ => return Err(ApiError::new(409, "use_calendar", "Stays are read through their calendar")),
        };
        Ok(json!({ "listingId": listing.id, "kind": listing.kind, "timezone": listing.timezone,
                   "currency": listing.currency, "availability": out }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).unwrap()
    }

    fn ask(from: Option<&str>, to: Option<&str>) -> Ask {
        let bound = |r: Option<&str>| r.map(|r| Bound::parse(r).unwrap());
        Ask { from: bound(from), to: bound(to), date: None, party: 1 }
    }

    #[test]
    fn days_are_the_listings_local_days() {
        let paris: Tz = "Europe/Paris".parse().unwrap();
        let now = at("2027-01-01T00:00:00Z");
        // Paris is UTC+1 in March until the 28th, UTC+2 after: the window covers local days.
        let w = window(&ask(Some("2027-03-01"), Some("2027-03-01")), paris, now).unwrap();
        assert_eq!(w, (at("2027-02-28T23:00:00Z"), at("2027-03-01T23:00:00Z")));
        let w = window(&ask(Some("2027-03-27"), Some("2027-03-28")), paris, now).unwrap();
        assert_eq!(w, (at("2027-03-26T23:00:00Z"), at("2027-03-28T22:00:00Z")));
        // Instants are taken as they are, and may be mixed with days.
        let w = window(&ask(Some("2027-03-01T08:00:00+01:00"), Some("2027-03-02")), paris, now).unwrap();
        assert_eq!(w, (at("2027-03-01T07:00:00Z"), at("2027-03-02T23:00:00Z")));
        let tokyo: Tz = "Asia/Tokyo".parse().unwrap();
        let w = window(&ask(Some("2027-03-01"), None), tokyo, now).unwrap();
        assert_eq!(w, (at("2027-02-28T15:00:00Z"), at("2027-05-29T15:00:00Z")), "90 days by default");
    }

    #[test]
    fn windows_must_run_forward_and_stay_short() {
        let utc = chrono_tz::UTC;
        let now = at("2027-01-01T00:00:00Z");
        assert!(window(&ask(Some("2027-03-02"), Some("2027-03-01")), utc, now).is_err());
        assert!(window(&ask(Some("2027-01-01"), Some("2027-12-31")), utc, now).is_ok());
        assert!(window(&ask(Some("2027-01-01"), Some("2028-01-02")), utc, now).is_err());
        assert_eq!(Bound::parse("tomorrow"), None);
        assert_eq!(Bound::parse("2027-02-30"), None);
    }
}
