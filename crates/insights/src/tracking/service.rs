//! Tracking's use cases: admitting a batch (rate limits), keeping what may be kept, the
//! administrators' summary, and the retention sweep.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use kernel::ApiError;
use serde_json::{Value, json};
use uuid::Uuid;

use super::domain::{self, Consent, Kind, Rejected};
use super::store;
use crate::service::Insights;
use crate::{facts, rollups};

/// Who sends a batch, as the request tells it.
#[derive(Debug, Clone, Default)]
pub struct Visit {
    /// The signed-in user, if a valid token came with the request.
    pub user: Option<Uuid>,
    /// The visitor id the client sent (`X-Visitor-Id` or the `sj_vid` cookie).
    pub visitor: Option<Uuid>,
    /// `X-Analytics-Consent`.
    pub consent: Option<Consent>,
    pub user_agent: Option<String>,
}

/// What became of a batch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub accepted: usize,
    pub duplicates: usize,
    pub rejected: Vec<Rejected>,
    /// Events dropped whole (robot, no consent): nothing was stored.
    pub dropped: usize,
    /// The visitor the events were stored under, when any were kept.
    pub visitor: Option<Uuid>,
    /// Whether that visitor id was minted here (the client gets a cookie).
    pub minted: bool,
}

/// Rows deleted by one statement of the retention sweep.
const PURGE_CHUNK: i64 = 5_000;
/// Listings in the summary's top list.
const TOP_LISTINGS: i64 = 100;
impl Insights {
    /// Counts the batch against the limits of its address and its visitor (429 beyond).
    pub async fn admit_batch(&self, address: &str, visitor: Option<Uuid>) -> Result<(), ApiError> {
        self.limits.check(&format!("insights:track:ip:{address}"), self.tracking.per_ip).await?;
        if let Some(visitor) = visitor {
            self.limits.check(&format!("insights:track:visitor:{visitor}"), self.tracking.per_visitor).await?;
        }
        Ok(())
    }

    /// Takes a batch: refused whole when it is not one (400); dropped whole for robots and
    /// without consent; otherwise each valid event stored once per visitor and client id.
    pub async fn track(&self, visit: &Visit, body: &[u8]) -> Result<Outcome, ApiError> {
        let batch = domain::parse_batch(body)?;
        let dropped = Outcome { dropped: batch.events.len(), ..Outcome::default() };
        if domain::is_bot(visit.user_agent.as_deref()) {
            return Ok(dropped);
        }
        let user_consent = match visit.user {
            Some(user) => store::consent(&self.db, user).await?.map(|(granted, _)| granted),
            None => None,
        };
        if !domain::may_keep(visit.user.is_some(), user_consent, visit.consent, batch.consent) {
            return Ok(dropped);
        }
        let now = self.clock.now();
        let (mut valid, rejected) = domain::validate(&batch.events, now);
        // One order for every batch, so concurrent batches take their row locks alike.
        valid.sort_by_key(|e| e.client_id);
        let (visitor, minted) = visit.visitor.map_or_else(|| (kernel::new_id(), true), |v| (v, false));
        let mut outcome = Outcome { rejected, visitor: Some(visitor), minted, ..Outcome::default() };

        let mut tx = self.db.begin().await?;
        let listings: Vec<Uuid> = valid
            .iter()
            .filter(|e| e.kind == Kind::ListingView)
            .filter_map(|e| e.listing_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let zones: HashMap<Uuid, String> = store::zones(&mut tx, &listings).await?.into_iter().collect();
        let mut views: BTreeMap<(Uuid, NaiveDate, u32), i64> = BTreeMap::new();
        for e in &valid {
            if !store::insert(&mut tx, e, visitor, visit.user, now).await? {
                outcome.duplicates += 1;
                continue;
            }
            outcome.accepted += 1;
            if let (Kind::ListingView, Some(listing)) = (e.kind, e.listing_id) {
                let (day, hour) = local_hour(e.at, zones.get(&listing).map(String::as_str));
                *views.entry((listing, day, hour)).or_default() += 1;
            }
        }
        for ((listing, day, hour), n) in views {
            store::add_views(&mut tx, listing, day, hour, n).await?;
        }
        if let Some(user) = visit.user
            && outcome.accepted > 0
            && facts::active(&mut tx, user, now).await?
        {
            rollups::user_changed(&mut tx, user, now.date_naive()).await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// Deletes raw events older than the retention, in chunks; how many.
    pub async fn purge_tracked(&self) -> Result<u64, ApiError> {
        let before = self.clock.now() - self.tracking.retention;
        let mut total = 0;
        loop {
            let n = store::purge(&self.db, before, PURGE_CHUNK).await?;
            total += n;
            if n < PURGE_CHUNK.unsigned_abs() {
                return Ok(total);
            }
        }
    }

    /// Starts the hourly retention sweep (until the database closes).
    pub fn spawn_tracking_jobs(&self) {
        let service = self.clone();
        platform::schedule::every(self.db.clone(), super::PURGE_EVERY, "insights tracked-event retention", move || {
            let service = service.clone();
            async move { service.purge_tracked().await.map(|_| ()) }
        });
    }

    /// Tracked events over UTC days `from..=to` by type, distinct visitors, server-side
    /// searches, and listing views over the listings' local days (the top listings, or one
    /// listing's hours).
    pub async fn tracked_summary(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        listing: Option<Uuid>,
    ) -> Result<Value, ApiError> {
        let start = from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        let end = to.succ_opt().unwrap_or(to).and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        let counts: HashMap<String, i64> = store::counts_by_type(&self.db, start, end).await?.into_iter().collect();
        let events: serde_json::Map<String, Value> = Kind::ALL
            .iter()
            .map(|k| (k.as_str().to_owned(), json!(counts.get(k.as_str()).copied().unwrap_or(0))))
            .collect();
        let listings: Vec<Value> = store::top_viewed(&self.db, from, to, TOP_LISTINGS)
            .await?
            .into_iter()
            .map(|(id, views)| json!({"listingId": id, "views": views}))
            .collect();
        let mut out = json!({
            "from": from, "to": to,
            "events": events, "total": counts.values().sum::<i64>(),
            "visitors": store::visitors(&self.db, start, end).await?,
            "searches": store::searches(&self.db, from, to).await?,
            "listings": listings,
        });
        if let Some(listing) = listing {
            let hours: Vec<Value> = store::hours_of(&self.db, listing, from, to)
                .await?
                .into_iter()
                .map(|(day, hour, views)| json!({"day": day, "hour": hour, "views": views}))
                .collect();
            out["listingId"] = json!(listing);
            out["hours"] = json!(hours);
        }
        Ok(out)
    }
}

/// The local day and hour of `at` in `zone` (an IANA name; UTC when unknown).
pub fn local_hour(at: DateTime<Utc>, zone: Option<&str>) -> (NaiveDate, u32) {
    match zone.and_then(|z| z.parse::<chrono_tz::Tz>().ok()) {
        Some(tz) => {
            let local = at.with_timezone(&tz);
            (local.date_naive(), local.hour())
        }
        None => (at.date_naive(), at.hour()),
    }
}

/// A period `from..=to` of dates (`YYYY-MM-DD`): both default to the last 30 days up to
/// `today`; `from` after `to`, or more than 731 days, is a 400 with field errors.
pub fn period(from: Option<&str>, to: Option<&str>, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), ApiError> {
    crate::period::parse(from, to, Some(today)).map(|p| (p.from, p.to))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_view_falls_on_the_listings_local_day_and_hour() {
        let at: DateTime<Utc> = "2026-03-01T23:30:00Z".parse().unwrap();
        assert_eq!(local_hour(at, Some("Europe/Paris")), (d("2026-03-02"), 0));
        assert_eq!(local_hour(at, Some("America/New_York")), (d("2026-03-01"), 18));
        assert_eq!(local_hour(at, None), (d("2026-03-01"), 23));
        assert_eq!(local_hour(at, Some("Mars/Olympus")), (d("2026-03-01"), 23));
    }

    #[test]
    fn periods_default_to_thirty_days_and_are_checked() {
        let today = d("2026-03-31");
        assert_eq!(period(None, None, today).unwrap(), (d("2026-03-02"), today));
        assert_eq!(period(Some("2026-01-01"), Some("2026-01-01"), today).unwrap(), (d("2026-01-01"), d("2026-01-01")));
        let e = period(Some("2026-02-01"), Some("2026-01-01"), today).unwrap_err();
        assert_eq!((e.code.as_ref(), e.details[0].field.as_str()), ("validation_failed", "from"));
        assert_eq!(period(Some("2024-01-01"), Some("2025-12-31"), today).unwrap().0, d("2024-01-01"));
        assert_eq!(period(Some("2024-01-01"), Some("2026-01-01"), today).unwrap_err().details[0].field, "to");
        assert_eq!(period(Some("01/02/2026"), None, today).unwrap_err().details[0].field, "from");
    }
}
