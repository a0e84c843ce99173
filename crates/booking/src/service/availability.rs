//! What is left to sell on capacity kinds: seats of sessions and trips, tables of a
//! restaurant's slots on one day, a product's stock.

use chrono::{Duration, NaiveDate};
use kernel::ApiError;
use platform::auth::AuthUser;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Bookings, tz_of};
use crate::slots;
use crate::store::inventory;

/// The window and party a caller asks about.
#[derive(Debug, Clone, Copy)]
pub struct Ask {
    pub window: kernel::Window,
    pub date: Option<NaiveDate>,
    pub party: i64,
}

impl Bookings {
    pub async fn availability(&self, viewer: Option<&AuthUser>, id: Uuid, ask: Ask) -> Result<Value, ApiError> {
        let listing = self.visible_listing(id, viewer).await?;
        let now = self.clock.now();
        // Checked for every kind, as a malformed query is whatever the listing.
        let (from, to) = ask.window.resolve(&tz_of(&listing), now)?;
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
