//! Booking owns what can be booked, and publishes it: `availability.changed` (outbox, in the
//! transaction of the change) carries a listing's whole availability over the next year, so a
//! reader (search) replaces its copy instead of replaying deltas; the `availability` feed serves
//! the same payload for every listing to bootstrap such a copy.
//!
//! Every change that alters what can be booked calls [`Bookings::publish_availability`] once
//! per transaction with the listings it touched. It first bumps the listing's
//! `availability_version` — on PostgreSQL a row lock, taken by sales too — and only then reads
//! the state, so of two transactions publishing one listing the later version always sees the
//! earlier one's change: the last event of a listing is exact.
//!
//! Stays list the nights a guest cannot occupy: sold, blocked by the host, inside the advance
//! notice, or kept free for preparation around a sold night — each exactly as a sale decides
//! it — and, apart, the nights the host blocked (`blocked`: insights counts a host's nights
//! available without them). Minimum and maximum stay lengths are not reflected (they depend on the whole stay, not
//! on a night). Dated kinds list the local dates with something left to sell that has not
//! started yet; products whether stock is left.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use kernel::{ApiError, EventEnvelope};
use platform::contracts::{FeedKind, FeedPage, FeedSource};
use platform::db::{Conn, Tx};
use platform::events::enqueue;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Bookings, tz_of};
use crate::calendar::{self, Inputs};
use crate::slots;
use crate::store::{self, ListingModel, availability, inventory};

/// The event's type.
pub const AVAILABILITY_CHANGED: &str = "availability.changed";

/// Days published ahead of today (exclusive end).
pub const WINDOW_DAYS: i64 = 365;

/// Most listings in one feed page.
const MAX_PAGE: usize = 500;

fn days(from: NaiveDate, until: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    from.iter_days().take_while(move |d| *d < until)
}

impl Bookings {
    /// Publishes `availability.changed` once for each distinct listing of `listings` that
    /// booking knows, inside `tx` (call it after the changes, once per transaction).
    pub(crate) async fn publish_availability(&self, tx: &mut Tx, listings: &[Uuid]) -> Result<(), ApiError> {
        let mut ids = listings.to_vec();
        // Sorted: transactions publishing several listings lock them in one order.
        ids.sort_unstable();
        ids.dedup();
        let now = self.clock.now();
        for id in ids {
            let Some((listing, version)) = availability::bump_version(tx, id).await? else { continue };
            let data = {
                let mut conn = Conn::Tx(&mut *tx);
                payload(&mut conn, &listing, version, now).await?
            };
            enqueue(tx, &EventEnvelope::new(AVAILABILITY_CHANGED, id, now, data)).await?;
        }
        Ok(())
    }
}

/// The payload of `availability.changed` for `listing` as of `now`, under `version`.
pub(crate) async fn payload(
    conn: &mut Conn<'_>,
    listing: &ListingModel,
    version: i64,
    now: DateTime<Utc>,
) -> Result<Value, ApiError> {
    let tz = tz_of(listing);
    let from = now.with_timezone(&tz).date_naive();
    let until = from + Duration::days(WINDOW_DAYS);
    let (mut unavailable, mut available, mut in_stock) = (Value::Null, Value::Null, Value::Null);
    let mut blocked = Value::Null;
    match listing.kind.as_str() {
        "stay" => {
            let settings = store::calendar::nights(&mut *conn, listing.id, from, until).await?;
            blocked = dates(settings.iter().filter(|s| s.blocked).map(|s| s.night).collect());
            unavailable = dates(stay_unavailable(conn, listing, &settings, from, until).await?);
        }
        "activity" | "transport" => {
            let (start, end) = (slots::instant(tz, midnight(from)), slots::instant(tz, midnight(until)));
            let starts = availability::open_departures(&mut *conn, listing.id, start.max(now), end).await?;
            let mut open: Vec<NaiveDate> = starts.iter().map(|t| t.with_timezone(&tz).date_naive()).collect();
            open.dedup();
            available = dates(open);
        }
        "restaurant" => available = dates(restaurant_open(conn, listing, from, until, now).await?),
        "product" => {
            let stock = listing.data.get("product").and_then(|p| p.get("stockQuantity")).and_then(Value::as_i64);
            let (capacity, taken) =
                inventory::unit(&mut *conn, listing.id, "stock").await?.unwrap_or((stock.unwrap_or(0), 0));
            in_stock = json!(capacity - taken > 0);
        }
        _ => {}
    }
    Ok(json!({
        "listingId": listing.id, "kind": listing.kind, "version": version,
        "from": from, "until": until,
        "unavailable": unavailable, "blocked": blocked, "available": available, "inStock": in_stock,
    }))
}

/// Nights in `[from, until)` a new stay cannot occupy, by the calendar's own rules.
async fn stay_unavailable(
    conn: &mut Conn<'_>,
    listing: &ListingModel,
    settings: &[store::NightSetting],
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<NaiveDate>, ApiError> {
    let rules = store::calendar::rules(&mut *conn, listing.id).await?;
    let prep = Duration::days(rules.preparation_days);
    let reserved = inventory::reserved(&mut *conn, listing.id, from - prep, until + prep).await?;
    // Publication is the reader's business (it has catalog's events): nights are judged as
    // if the listing were listed.
    let inputs =
        Inputs { data: &listing.data, published: true, settings, rules: &rules, reserved: &reserved, today: from };
    Ok(calendar::days(inputs, from, until).into_iter().filter(|d| !d.available).map(|d| d.date).collect())
}

/// Local dates in `[from, until)` with a slot not yet started and a table free in it.
async fn restaurant_open(
    conn: &mut Conn<'_>,
    listing: &ListingModel,
    from: NaiveDate,
    until: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<NaiveDate>, ApiError> {
    let tz = tz_of(listing);
    let r = listing.data.get("restaurant").cloned().unwrap_or(Value::Null);
    let tables = slots::tables(&r);
    if tables.is_empty() {
        return Ok(Vec::new());
    }
    // A period past midnight belongs to the day it opens: read a day beyond the window.
    let (start, end) = (slots::instant(tz, midnight(from)), slots::instant(tz, midnight(until + Duration::days(2))));
    let sold: HashMap<String, (i64, i64)> = availability::table_units(&mut *conn, listing.id, start, end)
        .await?
        .into_iter()
        .map(|(key, capacity, taken)| (key, (capacity, taken)))
        .collect();
    let free = |at: DateTime<Utc>| {
        tables.iter().any(|(seats, count)| {
            sold.get(&slots::table_key(at, *seats)).map_or(*count, |(capacity, taken)| capacity - taken) > 0
        })
    };
    Ok(days(from, until)
        .filter(|date| {
            slots::slot_starts(&r, *date).into_iter().map(|s| slots::instant(tz, s)).any(|at| at > now && free(at))
        })
        .collect())
}

fn midnight(d: NaiveDate) -> chrono::NaiveDateTime {
    d.and_time(chrono::NaiveTime::MIN)
}

fn dates(list: Vec<NaiveDate>) -> Value {
    Value::Array(list.into_iter().map(|d| Value::String(d.format("%Y-%m-%d").to_string())).collect())
}

/// The `availability` feed: every listing booking knows, by id, with its current payload.
/// It holds the database and clock only: the engine holds the contracts this is registered
/// in, and a cycle would keep both (and the pool) alive forever.
pub struct AvailabilityFeed {
    pub db: platform::db::Db,
    pub clock: std::sync::Arc<dyn kernel::Clock>,
}

#[async_trait]
impl FeedSource for AvailabilityFeed {
    async fn page(&self, feed: FeedKind, after: Option<&str>, limit: usize) -> Result<FeedPage, ApiError> {
        if feed != FeedKind::Availability {
            return Err(ApiError::not_found("Booking serves the availability feed only"));
        }
        let after = match after {
            Some(raw) => Some(raw.parse::<Uuid>().map_err(|_| {
                ApiError::validation(vec![kernel::FieldError::new("after", "must be a cursor this feed returned")])
            })?),
            None => None,
        };
        let limit = limit.clamp(1, MAX_PAGE);
        // One more than asked: whether a next page exists.
        let mut rows = availability::page(&self.db, after, i64::try_from(limit + 1).unwrap_or(i64::MAX)).await?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let now = self.clock.now();
        let mut items = Vec::with_capacity(rows.len());
        let mut conn = Conn::Db(&self.db);
        for availability::Versioned(listing, version) in &rows {
            items.push(payload(&mut conn, listing, *version, now).await?);
        }
        let next = if more { rows.last().map(|r| r.0.id.to_string()) } else { None };
        Ok(FeedPage { items, next })
    }
}
