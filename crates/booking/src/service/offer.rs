//! Offers: whether a request can be sold and at what price, as of one moment. The same code
//! answers a quote (outside any transaction) and prices a reservation (inside its
//! transaction, after the listing's sale lock), so the two cannot disagree.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use kernel::ApiError;
use platform::db::Conn;
use serde_json::Value;
use uuid::Uuid;

use super::{Bookings, tz_of};
use crate::pricing::{self, Base, CouponApplied, CouponDiscount, NightPrice, Quote, Rates};
use crate::request::Target;
use crate::rules::{Rules, nightly_price};
use crate::slots;
use crate::store::coupons::Coupon;
use crate::store::{self, ListingModel, NightSetting, calendar, inventory};

/// The inventory an offer would take.
#[derive(Debug, Clone)]
pub enum Hold {
    Nights(Vec<NaiveDate>),
    /// A session's or trip's seats, or a product's stock.
    Units {
        key: String,
        capacity: i64,
    },
    /// One table of the smallest size that fits (then larger ones), in one slot.
    Table {
        candidates: Vec<(String, i64)>,
    },
}

/// Night settings read together with the listing, for the stay window `[from, to)`.
#[derive(Debug)]
pub struct NightsRead {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub nights: Vec<NightSetting>,
}

/// What an offer reads that the host sets (rules, night settings) and the coupon asked for.
/// Read before a reservation's transaction, from the reader pool: a host's change racing
/// with a sale is ordered after it, and the write transaction stays short.
#[derive(Debug, Clone, Default)]
pub struct Prefetched {
    pub rules: Rules,
    pub settings: Vec<NightSetting>,
    pub coupon: Option<Coupon>,
}

/// Whether an offer only quotes or is about to sell (inside the sale's transaction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Quote,
    Sell,
}

#[derive(Debug, Clone)]
pub struct Offer {
    pub target: Target,
    pub quote: Quote,
    pub hold: Hold,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub coupon: Option<Coupon>,
}

/// How far ahead anything can be booked.
pub const HORIZON_DAYS: i64 = 730;

fn unavailable(message: impl Into<String>) -> ApiError {
    ApiError::new(409, "dates_unavailable", message)
}

/// "Only 1 seat is left", "Only 3 places are left", "No seats are left": what a guest who
/// asked for more reads.
fn left_message(left: i64, (one, many): (&str, &str)) -> String {
    match left {
        ..=0 => format!("No {many} are left"),
        1 => format!("Only 1 {one} is left"),
        n => format!("Only {n} {many} are left"),
    }
}

fn sold_out(message: impl Into<String>) -> ApiError {
    ApiError::new(409, "sold_out", message)
}

fn int(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(Value::as_i64)
}

fn time_of(block: &Value, key: &str, default: (u32, u32)) -> NaiveTime {
    block
        .get(key)
        .and_then(Value::as_str)
        .and_then(|t| NaiveTime::parse_from_str(t, "%H:%M").ok())
        .or_else(|| NaiveTime::from_hms_opt(default.0, default.1, 0))
        .unwrap_or_default()
}

impl Bookings {
    /// Reads the night settings a request depends on (unless `read` with the listing already
    /// holds them) and the coupon it names (the rules come with the listing).
    pub async fn prefetch(
        &self,
        listing: &ListingModel,
        rules: Rules,
        target: &Target,
        coupon: Option<&str>,
        read: Option<NightsRead>,
    ) -> Result<Prefetched, ApiError> {
        let settings = match (target, read) {
            (Target::Stay { check_in, check_out, .. }, Some(read))
                if (read.from, read.to) == (*check_in, *check_out) =>
            {
                read.nights
            }
            (Target::Stay { check_in, check_out, .. }, _) => {
                calendar::nights(&self.db, listing.id, *check_in, *check_out).await?
            }
            _ => Vec::new(),
        };
        let coupon = match coupon {
            Some(code) => Some(
                store::coupons::by_code(&self.db, code)
                    .await?
                    .filter(|c| c.active)
                    .ok_or_else(|| ApiError::new(422, "coupon_invalid", "No such coupon"))?,
            ),
            None => None,
        };
        Ok(Prefetched { rules, settings, coupon })
    }

    /// Prices `target` on `listing` as of `now`, or says why it cannot be sold. When quoting,
    /// `guest` (if known) is checked against per-user coupon limits; a sale counts them itself.
    #[allow(clippy::too_many_arguments)]
    pub async fn offer(
        &self,
        conn: &mut Conn<'_>,
        listing: &ListingModel,
        target: Target,
        pre: &Prefetched,
        guest: Option<Uuid>,
        now: DateTime<Utc>,
        mode: Mode,
    ) -> Result<Offer, ApiError> {
        let rules = &pre.rules;
        let mut shipping = None;
        let (base, hold, starts_at, ends_at, nights) = match &target {
            Target::Stay { check_in, check_out, guests } => {
                let stay = StayAsk { check_in: *check_in, check_out: *check_out, guests: *guests };
                let (base, nights, starts, ends) = self.stay(conn, listing, pre, stay, now, mode).await?;
                (base, Hold::Nights(nights.clone()), Some(starts), Some(ends), Some(nights.len() as i64))
            }
            Target::Table { at, party } => {
                let (base, hold, ends) = self.table(conn, listing, *at, *party, now).await?;
                (base, hold, Some(*at), Some(ends), None)
            }
            Target::Session { id, party } => {
                let (base, hold, starts, ends) = self.departure(conn, listing, "session", *id, *party, now).await?;
                (base, hold, Some(starts), ends, None)
            }
            Target::Trip { id, seats } => {
                let (base, hold, starts, ends) = self.departure(conn, listing, "trip", *id, *seats, now).await?;
                (base, hold, Some(starts), ends, None)
            }
            Target::Stock { quantity, shipping: ask } => {
                let product = listing.data.get("product").unwrap_or(&Value::Null);
                shipping = crate::shipping::choose(product, ask.as_ref())?;
                let (base, hold) = self.stock(conn, listing, *quantity).await?;
                (base, hold, None, None, None)
            }
        };
        let coupon = match &pre.coupon {
            Some(c) => {
                Some(self.coupon_for(conn, listing, c, nights, guest.filter(|_| mode == Mode::Quote), now).await?)
            }
            None => None,
        };
        let applied = coupon.as_ref().map(|c| CouponApplied {
            code: c.code.clone(),
            discount: if c.discount_kind == "percent" {
                CouponDiscount::PercentBps(c.discount_value)
            } else {
                CouponDiscount::Fixed(c.discount_value)
            },
            platform_funded: c.owner_id.is_none(),
        });
        let rates = Rates {
            guest_fee_bps: self.config.guest_fee_bps,
            host_fee_bps: self.config.host_fee_bps,
            tax_bps: rules.tax_bps,
        };
        let unpriceable = |_| ApiError::new(422, "price_out_of_range", "This request cannot be priced");
        let mut quote = pricing::quote(&base, applied.as_ref(), rates, &listing.currency).map_err(unpriceable)?;
        if let Some(line) = shipping {
            quote = crate::shipping::with_shipping(quote, line).map_err(unpriceable)?;
        }
        Ok(Offer { target, quote, hold, starts_at, ends_at, coupon })
    }

    async fn stay(
        &self,
        conn: &mut Conn<'_>,
        listing: &ListingModel,
        pre: &Prefetched,
        ask: StayAsk,
        now: DateTime<Utc>,
        mode: Mode,
    ) -> Result<(Base, Vec<NaiveDate>, DateTime<Utc>, DateTime<Utc>), ApiError> {
        let StayAsk { check_in, check_out, guests } = ask;
        let rules = &pre.rules;
        let stay = listing.data.get("stay").cloned().unwrap_or(Value::Null);
        let price = int(&stay, "nightlyPrice").ok_or_else(|| unavailable("This stay has no nightly price"))?;
        let tz = tz_of(listing);
        let today = now.with_timezone(&tz).date_naive();
        if check_in < today {
            return Err(unavailable("Check-in is in the past"));
        }
        if check_in < today + Duration::days(rules.advance_notice_days) {
            return Err(unavailable(format!("Check-in must be at least {} days ahead", rules.advance_notice_days)));
        }
        if check_out > today + Duration::days(HORIZON_DAYS) {
            return Err(unavailable("Stays can be booked at most two years ahead"));
        }
        let count = (check_out - check_in).num_days();
        let max = rules.max_nights.or_else(|| int(&stay, "maxNights")).unwrap_or(365);
        if count > max {
            return Err(ApiError::new(422, "stay_too_long", format!("This stay takes at most {max} nights")));
        }
        if let Some(max_guests) = int(&stay, "maxGuests")
            && guests > max_guests
        {
            return Err(ApiError::new(422, "too_many_guests", format!("This stay hosts at most {max_guests} guests")));
        }
        let settings = &pre.settings;
        let first = settings.iter().find(|s| s.night == check_in);
        let min = first.and_then(|s| s.min_nights).or_else(|| int(&stay, "minNights")).unwrap_or(1);
        if count < min {
            return Err(ApiError::new(
                422,
                "stay_too_short",
                format!("Stays from this date take at least {min} nights"),
            ));
        }
        if let Some(blocked) = settings.iter().find(|s| s.blocked) {
            return Err(unavailable(format!("The night of {} is not available", blocked.night)));
        }
        let prep = Duration::days(rules.preparation_days);
        // A sale without preparation days needs no look: inserting its nights is the check.
        let taken = if mode == Mode::Sell && rules.preparation_days == 0 {
            Vec::new()
        } else {
            inventory::reserved(&mut *conn, listing.id, check_in - prep, check_out + prep).await?
        };
        if let Some(night) = taken.first() {
            return Err(unavailable(if *night >= check_in && *night < check_out {
                format!("The night of {night} is already booked")
            } else {
                "The host needs preparation days between stays".to_owned()
            }));
        }
        let nights: Vec<NaiveDate> = check_in.iter_days().take_while(|d| *d < check_out).collect();
        let lines = nights
            .iter()
            .map(|d| NightPrice {
                date: *d,
                amount: nightly_price(price, rules, settings.iter().find(|s| s.night == *d), *d),
            })
            .collect();
        let base = Base::Nights {
            nights: lines,
            weekly_discount_percent: int(&stay, "weeklyDiscountPercent").unwrap_or(0),
            monthly_discount_percent: int(&stay, "monthlyDiscountPercent").unwrap_or(0),
            cleaning_fee: int(&stay, "cleaningFee").unwrap_or(0),
        };
        let starts = slots::instant(tz, check_in.and_time(time_of(&stay, "checkInTime", (15, 0))));
        let ends = slots::instant(tz, check_out.and_time(time_of(&stay, "checkOutTime", (11, 0))));
        Ok((base, nights, starts, ends))
    }

    async fn table(
        &self,
        conn: &mut Conn<'_>,
        listing: &ListingModel,
        at: DateTime<Utc>,
        party: i64,
        now: DateTime<Utc>,
    ) -> Result<(Base, Hold, DateTime<Utc>), ApiError> {
        let r = listing.data.get("restaurant").cloned().unwrap_or(Value::Null);
        if at <= now || at > now + Duration::days(HORIZON_DAYS) || !slots::is_slot(&r, tz_of(listing), at) {
            return Err(ApiError::new(422, "invalid_slot", "slotStart is not an upcoming slot of this restaurant"));
        }
        let fitting: Vec<(i64, i64)> = slots::tables(&r).into_iter().filter(|(seats, _)| *seats >= party).collect();
        if fitting.is_empty() {
            return Err(ApiError::new(422, "party_too_large", "No table of this restaurant seats that many people"));
        }
        let mut candidates = Vec::new();
        let mut free = false;
        for (seats, count) in fitting {
            let key = slots::table_key(at, seats);
            let (capacity, taken) = inventory::unit(&mut *conn, listing.id, &key).await?.unwrap_or((count, 0));
            free |= taken < capacity;
            candidates.push((key, count));
        }
        if !free {
            return Err(sold_out("No table is free for that party at that time"));
        }
        let minutes = int(&r, "slotMinutes").unwrap_or(60);
        Ok((
            Base::Units { unit: "person", unit_price: 0, quantity: party },
            Hold::Table { candidates },
            at + Duration::minutes(minutes),
        ))
    }

    async fn departure(
        &self,
        conn: &mut Conn<'_>,
        listing: &ListingModel,
        kind: &str,
        id: Uuid,
        n: i64,
        now: DateTime<Utc>,
    ) -> Result<(Base, Hold, DateTime<Utc>, Option<DateTime<Utc>>), ApiError> {
        let (noun, unit) = if kind == "session" { ("Session", "person") } else { ("Trip", "seat") };
        let d = inventory::departure(&mut *conn, listing.id, id)
            .await?
            .filter(|d| d.kind == kind && d.active)
            .ok_or_else(|| ApiError::not_found(format!("{noun} not found")))?;
        if d.starts_at <= now {
            return Err(ApiError::new(
                409,
                "departure_passed",
                format!("This {} has already started", noun.to_lowercase()),
            ));
        }
        if d.capacity - d.taken < n {
            let what = if kind == "session" { ("place", "places") } else { ("seat", "seats") };
            return Err(sold_out(left_message(d.capacity - d.taken, what)));
        }
        let ends = d.ends_at.or_else(|| {
            let minutes = listing.data.get("activity").and_then(|a| int(a, "durationMinutes"))?;
            Some(d.starts_at + Duration::minutes(minutes))
        });
        let hold = Hold::Units { key: d.unit_key(), capacity: d.capacity };
        Ok((Base::Units { unit, unit_price: d.price, quantity: n }, hold, d.starts_at, ends))
    }

    async fn stock(&self, conn: &mut Conn<'_>, listing: &ListingModel, n: i64) -> Result<(Base, Hold), ApiError> {
        let p = listing.data.get("product").cloned().unwrap_or(Value::Null);
        let price = int(&p, "price").ok_or_else(|| sold_out("This product has no price"))?;
        let stock = int(&p, "stockQuantity").unwrap_or(0);
        let (capacity, taken) = inventory::unit(&mut *conn, listing.id, "stock").await?.unwrap_or((stock, 0));
        if capacity - taken < n {
            return Err(sold_out(format!("Only {} left in stock", (capacity - taken).max(0))));
        }
        Ok((
            Base::Units { unit: "unit", unit_price: price, quantity: n },
            Hold::Units { key: "stock".into(), capacity: stock },
        ))
    }

    async fn coupon_for(
        &self,
        conn: &mut Conn<'_>,
        listing: &ListingModel,
        c: &Coupon,
        nights: Option<i64>,
        guest: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<Coupon, ApiError> {
        let not_applicable = |m: &str| ApiError::new(422, "coupon_not_applicable", m.to_owned());
        if let Some(owner) = c.owner_id
            && (owner != listing.owner_id || !(c.listing_ids.is_empty() || c.listing_ids.contains(&listing.id)))
        {
            return Err(not_applicable("This coupon is not valid for this listing"));
        }
        if c.valid_from.is_some_and(|t| now < t) || c.valid_until.is_some_and(|t| now >= t) {
            return Err(ApiError::new(422, "coupon_expired", "This coupon is not valid at this time"));
        }
        if let Some(min) = c.min_nights
            && nights.is_none_or(|n| n < min)
        {
            return Err(not_applicable(&format!("This coupon needs a stay of at least {min} nights")));
        }
        if c.currency.as_deref().is_some_and(|cur| cur != listing.currency) {
            return Err(not_applicable("This coupon is in another currency"));
        }
        if c.max_uses.is_some_and(|max| c.uses >= max) {
            return Err(ApiError::new(409, "coupon_exhausted", "This coupon has been used up"));
        }
        if let (Some(max), Some(user)) = (c.max_uses_per_user, guest)
            && store::coupons::uses_by(&mut *conn, c.id, user).await? >= max
        {
            return Err(ApiError::new(409, "coupon_exhausted", "You have already used this coupon"));
        }
        Ok(c.clone())
    }
}

/// A stay request's dates and party.
#[derive(Debug, Clone, Copy)]
struct StayAsk {
    check_in: NaiveDate,
    check_out: NaiveDate,
    guests: i64,
}

#[cfg(test)]
mod tests {
    use super::left_message;

    #[test]
    fn what_is_left_reads_in_the_singular_and_the_plural() {
        assert_eq!(left_message(1, ("place", "places")), "Only 1 place is left");
        assert_eq!(left_message(3, ("seat", "seats")), "Only 3 seats are left");
        assert_eq!(left_message(0, ("seat", "seats")), "No seats are left");
        assert_eq!(left_message(-2, ("place", "places")), "No places are left");
    }
}
