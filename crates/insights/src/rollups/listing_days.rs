//! `insights_listing_days`: per listing, local day and currency, what host dashboards sum —
//! nights booked, revenue spread over the nights, bookings, cancellations, lead times, lengths,
//! requests and ratings. A hook recomputes the rows of the days a change touches (the days of
//! the reservation before and after it, its booking and cancellation days) from the facts, so
//! replaying an event or rebuilding gives the same rows. Reply times (`insights_conversations`)
//! and guests' ratings (`insights_reviews`) are kept by the submodules.

pub mod conversations;
pub mod figures;
pub mod reviews;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use platform::db::{Batch, Db, DbError, FromRow, Row, Tx, query, query_dynamic};
use uuid::Uuid;

use self::figures::{Figures, contributions, local_day, touched_days, zone};
use crate::facts::{Listing, Movement, RESERVATION_COLUMNS, Reservation};

/// Listings rebuilt per transaction by [`rebuild`].
const REBUILD_BATCH: i64 = 100;

/// The first and last days a full recompute covers.
fn all_days() -> (NaiveDate, NaiveDate) {
    (NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default(), NaiveDate::from_ymd_opt(2200, 1, 1).unwrap_or_default())
}

/// Midnight UTC of `day`.
fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// Whose listing it is, its zone and currency, as the facts know them.
#[derive(Debug, Clone)]
pub struct Owner {
    pub host_id: Option<Uuid>,
    pub tz: Tz,
    pub currency: String,
}

struct OwnerRow(Uuid, String, String);

impl FromRow for OwnerRow {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(OwnerRow(row.get("host_id")?, row.get("timezone")?, row.get("currency")?))
    }
}

/// The listing's owner, zone and currency; a reservation's own when the listing is unknown yet.
pub async fn owner(tx: &mut Tx, listing: Uuid, fallback: Option<&Reservation>) -> Result<Owner, DbError> {
    let known: Option<OwnerRow> = query("SELECT host_id, timezone, currency FROM insights_listings WHERE id = $1")
        .bind(listing)
        .fetch_optional(&mut *tx)
        .await?;
    Ok(match (known, fallback) {
        (Some(OwnerRow(host, tz, currency)), _) => Owner { host_id: Some(host), tz: zone(&tz), currency },
        (None, Some(r)) => Owner { host_id: r.host_id, tz: zone(&r.timezone), currency: r.currency.clone() },
        (None, None) => Owner { host_id: None, tz: Tz::UTC, currency: "EUR".into() },
    })
}

pub async fn reservation_changed(
    tx: &mut Tx,
    before: Option<&Reservation>,
    after: &Reservation,
) -> Result<(), DbError> {
    let o = owner(tx, after.listing_id, Some(after)).await?;
    let mut days = touched_days(after, o.tz);
    match before {
        Some(b) if b.listing_id != after.listing_id => {
            let old = owner(tx, b.listing_id, Some(b)).await?;
            recompute_days(tx, b.listing_id, &old, touched_days(b, old.tz)).await?;
        }
        Some(b) => days.extend(touched_days(b, o.tz)),
        None => {}
    }
    recompute_days(tx, after.listing_id, &o, days).await?;
    Ok(())
}

/// A listing's zone, currency or host decides its rows: when one changes (or the listing is
/// first known, after some of its reservations), all of them are recomputed.
pub async fn listing_changed(tx: &mut Tx, before: Option<&Listing>, after: &Listing) -> Result<(), DbError> {
    let same = before
        .is_some_and(|b| b.timezone == after.timezone && b.currency == after.currency && b.host_id == after.host_id);
    if same {
        return Ok(());
    }
    let o = owner(tx, after.id, None).await?;
    let (lo, hi) = all_days();
    recompute(tx, after.id, &o, lo, hi).await?;
    conversations::relocate(tx, after.id).await
}

/// Money movements do not change listing days: revenue comes from the reservations' amounts.
pub async fn movement_recorded(_tx: &mut Tx, _m: &Movement) -> Result<(), DbError> {
    Ok(())
}

/// A guest's review of `listing` was published, hidden or restored at `at`.
pub async fn review_changed(tx: &mut Tx, listing: Uuid, at: DateTime<Utc>) -> Result<(), DbError> {
    let o = owner(tx, listing, None).await?;
    let day = local_day(at, o.tz);
    recompute(tx, listing, &o, day, day).await.map(|_| ())
}

/// Recomputes `days` of `listing`, in runs of nearby days (one read per run).
async fn recompute_days(tx: &mut Tx, listing: Uuid, o: &Owner, mut days: Vec<NaiveDate>) -> Result<u64, DbError> {
    days.sort_unstable();
    days.dedup();
    let mut written = 0;
    let mut i = 0;
    while i < days.len() {
        let lo = days[i];
        let mut hi = lo;
        while i + 1 < days.len() && days[i + 1] - hi <= Duration::days(7) {
            i += 1;
            hi = days[i];
        }
        written += recompute(tx, listing, o, lo, hi).await?;
        i += 1;
    }
    Ok(written)
}

/// Recomputes every row of `listing` from `lo` to `hi` (local days) from the facts; how many
/// rows were written.
pub async fn recompute(tx: &mut Tx, listing: Uuid, o: &Owner, lo: NaiveDate, hi: NaiveDate) -> Result<u64, DbError> {
    // Local days are within a day of UTC ones: a margin catches every instant that may fall in.
    let (from, to) = (midnight(lo) - Duration::days(2), midnight(hi) + Duration::days(3));
    let reservations: Vec<Reservation> = query_dynamic(format!(
        "SELECT {RESERVATION_COLUMNS} FROM insights_reservations WHERE listing_id = $1 AND \
         ((starts_at < $3 AND ends_at > $2) OR (booked_at >= $2 AND booked_at < $3) \
         OR (cancelled_at >= $2 AND cancelled_at < $3))"
    ))
    .bind(listing)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *tx)
    .await?;
    let mut rows: BTreeMap<(NaiveDate, String), Figures> = BTreeMap::new();
    for r in &reservations {
        for (day, f) in contributions(r, o.tz) {
            if (lo..=hi).contains(&day) {
                *rows.entry((day, r.currency.clone())).or_default() += f;
            }
        }
    }
    for (rating, at) in reviews::shown_between(tx, listing, from, to).await? {
        let day = local_day(at, o.tz);
        if (lo..=hi).contains(&day) {
            *rows.entry((day, o.currency.clone())).or_default() +=
                Figures { ratings: 1, rating_sum: rating, ..Figures::default() };
        }
    }
    let mut batch = Batch::new();
    batch.push(
        query("DELETE FROM insights_listing_days WHERE listing_id = $1 AND day >= $2 AND day <= $3")
            .bind(listing)
            .bind(lo)
            .bind(hi),
    );
    let written = rows.len() as u64;
    for ((day, currency), f) in rows {
        batch.push(
            query(
                "INSERT INTO insights_listing_days (listing_id, day, currency, host_id, nights_booked, room_revenue, \
                 gross, fees, net, bookings, stay_bookings, bookings_cancelled, lead_time_days_sum, length_sum, \
                 cancellations, requests, ratings, rating_sum) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
            )
            .bind(listing)
            .bind(day)
            .bind(currency)
            .bind(o.host_id)
            .bind(f.nights_booked)
            .bind(f.room_revenue)
            .bind(f.gross)
            .bind(f.fees)
            .bind(f.net)
            .bind(f.bookings)
            .bind(f.stay_bookings)
            .bind(f.bookings_cancelled)
            .bind(f.lead_time_days_sum)
            .bind(f.length_sum)
            .bind(f.cancellations)
            .bind(f.requests)
            .bind(f.ratings)
            .bind(f.rating_sum),
        );
    }
    batch.execute(tx).await?;
    Ok(written)
}

/// Recomputes every listing's rows from `from` on, [`REBUILD_BATCH`] listings per
/// transaction (any listing a fact names: catalog's, or only known from its reservations or
/// reviews); how many rows were written.
pub async fn rebuild(db: &Db, from: NaiveDate) -> Result<u64, DbError> {
    let (_, hi) = all_days();
    let mut after = Uuid::nil();
    let mut written = 0;
    loop {
        let ids: Vec<(Uuid,)> = query(
            "SELECT id FROM (SELECT id FROM insights_listings UNION SELECT listing_id AS id FROM insights_reservations \
             UNION SELECT listing_id AS id FROM insights_reviews) AS known WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(REBUILD_BATCH)
        .fetch_all(db)
        .await?;
        let Some((last,)) = ids.last() else { break };
        after = *last;
        let mut tx = db.begin().await?;
        for (listing,) in &ids {
            let any: Option<Reservation> = query_dynamic(format!(
                "SELECT {RESERVATION_COLUMNS} FROM insights_reservations WHERE listing_id = $1 LIMIT 1"
            ))
            .bind(*listing)
            .fetch_optional(&mut tx)
            .await?;
            let o = owner(&mut tx, *listing, any.as_ref()).await?;
            written += recompute(&mut tx, *listing, &o, from, hi).await?;
        }
        tx.commit().await?;
    }
    Ok(written)
}
