//! Top lists (`GET /api/v1/admin/analytics/top`). Ranking the listings or hosts of a long
//! period groups every booking (or host-day) in it: hundreds of milliseconds at 100k listings
//! and a year of bookings. The windows administrators open most — the last 7, 30, 90 and 365
//! UTC days ending today — are therefore ranked ahead by a job of insights, every
//! [`REFRESH_EVERY`] and as soon as the UTC day turns, and served from that ranking with its
//! time (`asOf`). Any other period is ranked at request time, exactly.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use kernel::{ApiError, FieldError};
use serde::Serialize;
use utoipa::ToSchema;

use super::super::admin_store::{self as store, Dimension, TopEntry, TopRow, TopWindow};
use super::{Insights, Period, ending};

/// The windows ranked ahead: the last this many UTC days, ending today.
pub const WINDOWS: [u64; 4] = [7, 30, 90, 365];

/// How old a window's ranking may get before the job ranks it again.
pub const REFRESH_EVERY: Duration = Duration::from_secs(5 * 60);

/// How often the job looks whether a window is due (a new UTC day, or [`REFRESH_EVERY`]).
const CHECK_EVERY: Duration = Duration::from_secs(60);

pub fn dimension(raw: Option<&str>) -> Result<Dimension, ApiError> {
    match raw.unwrap_or("listing") {
        "listing" => Ok(Dimension::Listing),
        "host" => Ok(Dimension::Host),
        "destination" => Ok(Dimension::Destination),
        _ => Err(ApiError::validation(vec![FieldError::new("dimension", "must be one of listing, host, destination")])),
    }
}

/// `by`: whether the list ranks by GMV (else by bookings).
pub fn by_gmv(raw: Option<&str>) -> Result<bool, ApiError> {
    match raw.unwrap_or("gmv") {
        "gmv" => Ok(true),
        "bookings" => Ok(false),
        _ => Err(ApiError::validation(vec![FieldError::new("by", "must be gmv or bookings")])),
    }
}

/// Top lists are at most this long (and this many entries are ranked ahead).
pub const MAX_TOP: u32 = 50;

pub fn top_limit(raw: Option<&str>) -> Result<u32, ApiError> {
    match raw {
        None => Ok(10),
        Some(r) => r.trim().parse().ok().filter(|l| (1..=MAX_TOP).contains(l)).ok_or_else(|| {
            ApiError::validation(vec![FieldError::new("limit", format!("must be a whole number from 1 to {MAX_TOP}"))])
        }),
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopItem {
    /// The listing's or host's id, or the destination.
    pub id: String,
    /// The listing's title or the destination; null for hosts (no personal data here).
    pub label: Option<String>,
    pub bookings: i64,
    /// Minor units of the list's currency.
    pub gmv: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopList {
    pub currency: String,
    pub items: Vec<TopItem>,
}

/// `GET /api/v1/admin/analytics/top`: one ranked list per currency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopAnswer {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub lists: Vec<TopList>,
    /// When the lists were ranked, for a period of the last 7, 30, 90 or 365 UTC days ending
    /// today: those are ranked ahead, every 5 minutes and when the UTC day turns, so bookings
    /// recorded after this instant are not in them yet. Null when the period was ranked for this
    /// request (any other period): then the lists are exact.
    #[serde(rename = "asOf")]
    pub as_of: Option<DateTime<Utc>>,
}

fn item(r: TopRow) -> TopItem {
    TopItem { id: r.key, label: r.label, bookings: r.bookings, gmv: r.gmv }
}

impl Insights {
    pub async fn top(
        &self,
        p: Period,
        dimension: Dimension,
        by_gmv: bool,
        limit: u32,
        only: Option<&str>,
    ) -> Result<TopAnswer, ApiError> {
        let db = &self.db;
        let codes = match only {
            Some(c) => vec![c.to_owned()],
            None => store::currencies(db, p.from, p.to).await?,
        };
        if let Some(w) = store::top_window(db, p.from, p.to).await? {
            let mut ranked = store::top_entries(db, w.days, dimension, by_gmv, limit).await?;
            let lists = codes
                .into_iter()
                .map(|currency| {
                    let items = ranked.extract_if(.., |(c, _)| *c == currency).map(|(_, r)| item(r)).collect();
                    TopList { currency, items }
                })
                .collect();
            return Ok(TopAnswer { from: p.from, to: p.to, lists, as_of: Some(w.refreshed_at) });
        }
        let mut lists = Vec::with_capacity(codes.len());
        for currency in codes {
            let rows = store::top(db, dimension, by_gmv, &currency, (p.from, p.to), limit).await?;
            lists.push(TopList { currency, items: rows.into_iter().map(item).collect() });
        }
        Ok(TopAnswer { from: p.from, to: p.to, lists, as_of: None })
    }

    /// Ranks the [`WINDOWS`] ahead in the background: at once, then whenever one is due.
    pub fn spawn_top_lists_job(&self) {
        let service = self.clone();
        platform::schedule::every(self.db.clone(), CHECK_EVERY, "insights top lists", move || {
            let service = service.clone();
            async move { service.refresh_top_lists(false).await.map(|_| ()) }
        });
    }

    /// Ranks again each window that does not end today or was ranked [`REFRESH_EVERY`] ago or
    /// more (every window with `force`); how many were ranked. Several instances may run it:
    /// the windows' times are in the database, so a window one of them just ranked is skipped.
    pub async fn refresh_top_lists(&self, force: bool) -> Result<usize, ApiError> {
        let now = self.clock.now();
        let today = now.date_naive();
        let known = store::top_windows(&self.db).await?;
        let max_age = chrono::Duration::from_std(REFRESH_EVERY).unwrap_or_default();
        let mut ranked = 0;
        for days in WINDOWS {
            let from = ending(today, days);
            let fresh = known
                .iter()
                .any(|w| w.from == from && w.to == today && w.refreshed_at <= now && now - w.refreshed_at < max_age);
            if fresh && !force {
                continue;
            }
            let window =
                TopWindow { days: i64::try_from(days).unwrap_or(i64::MAX), from, to: today, refreshed_at: now };
            let entries = self.rank_window(from, today).await?;
            store::replace_top_window(&self.db, &window, &entries).await?;
            ranked += 1;
        }
        Ok(ranked)
    }

    /// Every list of `from..=to`, exactly as a request would rank it, [`MAX_TOP`] long.
    async fn rank_window(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<TopEntry>, ApiError> {
        let mut entries = Vec::new();
        for currency in store::currencies(&self.db, from, to).await? {
            for dimension in Dimension::ALL {
                for by_gmv in [true, false] {
                    let rows = store::top(&self.db, dimension, by_gmv, &currency, (from, to), MAX_TOP).await?;
                    entries.extend(rows.into_iter().map(|row| TopEntry {
                        dimension,
                        by_gmv,
                        currency: currency.clone(),
                        row,
                    }));
                }
            }
        }
        Ok(entries)
    }
}
