//! A stay's calendar: reading it (with what is sold and the host's rules applied) and the
//! host's changes to it — night ranges and the listing's rules.

use chrono::NaiveDate;
use kernel::{ApiError, FieldError};
use platform::auth::AuthUser;
use serde::{Deserialize, Deserializer};
use uuid::Uuid;

use super::{Bookings, tz_of};
use crate::calendar::{self, Day, Inputs};
use crate::rules::{Rules, Season, month_day};
use crate::store::{self, ListingModel, NightSetting, inventory};

/// Absent → `None` (keep); `null` → `Some(None)` (clear); a value → `Some(Some(v))`.
fn patch<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Ok(Some(Option::<i64>::deserialize(d)?))
}

/// One range of nights to change: absent fields are kept; `price`/`minNights` `null` clears an
/// override.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RangeIn {
    /// First night (`YYYY-MM-DD`, listing-local).
    pub from: NaiveDate,
    /// Day after the last night (exclusive).
    pub to: NaiveDate,
    pub blocked: Option<bool>,
    /// Minor units; `null` removes the override.
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<i64>)]
    pub price: Option<Option<i64>>,
    /// `null` removes the override.
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<i64>)]
    pub min_nights: Option<Option<i64>>,
}

/// Changes to the listing's rules; absent fields are kept, `null` clears the optional ones.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RulesIn {
    /// 0–365 days between booking and check-in.
    pub advance_notice_days: Option<i64>,
    /// 0–30 nights kept free before and after each stay.
    pub preparation_days: Option<i64>,
    /// 1–1095; `null`: the listing's `maxNights`.
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<i64>)]
    pub max_nights: Option<Option<i64>>,
    /// Friday and Saturday nights, minor units; `null` removes it.
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<i64>)]
    pub weekend_price: Option<Option<i64>>,
    /// Taxes in basis points of the base (0–3000 = 30 %). Any kind of listing.
    pub tax_bps: Option<i64>,
    /// Replaces every season (up to 12).
    pub seasons: Option<Vec<Season>>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarUpdate {
    /// Up to 50 ranges, 2000 nights in all, applied in order (stays only).
    pub ranges: Option<Vec<RangeIn>>,
    pub rules: Option<RulesIn>,
}

/// A calendar as served.
#[derive(Debug)]
pub struct Calendar {
    pub listing: ListingModel,
    pub rules: Rules,
    pub days: Vec<Day>,
}

fn not_a_stay() -> ApiError {
    ApiError::new(409, "not_a_stay", "Only stays have a nightly calendar; see sessions and trips")
}

fn check_range(i: usize, r: &RangeIn, errors: &mut Vec<FieldError>) -> i64 {
    let nights = (r.to - r.from).num_days();
    if !(1..=366).contains(&nights) {
        errors.push(FieldError::new(format!("ranges[{i}].to"), "must be after `from`, at most 366 nights later"));
    }
    if let Some(Some(p)) = r.price
        && !(1..=100_000_000).contains(&p)
    {
        errors.push(FieldError::new(format!("ranges[{i}].price"), "must be 1 to 100000000 minor units"));
    }
    if let Some(Some(m)) = r.min_nights
        && !(1..=365).contains(&m)
    {
        errors.push(FieldError::new(format!("ranges[{i}].minNights"), "must be 1 to 365"));
    }
    if r.blocked.is_none() && r.price.is_none() && r.min_nights.is_none() {
        errors.push(FieldError::new(format!("ranges[{i}]"), "changes nothing: give blocked, price or minNights"));
    }
    nights.max(0)
}

/// `current` with `patch` applied, or the problems with `patch`.
fn apply_rules(current: &Rules, p: &RulesIn, stay: bool, errors: &mut Vec<FieldError>) -> Rules {
    let mut r = current.clone();
    let mut int = |field: &str, v: Option<i64>, lo: i64, hi: i64, target: &mut i64| {
        if let Some(v) = v {
            if (lo..=hi).contains(&v) {
                *target = v
            } else {
                errors.push(FieldError::new(field, format!("must be {lo} to {hi}")))
            }
        }
    };
    int("rules.advanceNoticeDays", p.advance_notice_days, 0, 365, &mut r.advance_notice_days);
    int("rules.preparationDays", p.preparation_days, 0, 30, &mut r.preparation_days);
    int("rules.taxBps", p.tax_bps, 0, 3000, &mut r.tax_bps);
    if let Some(v) = p.max_nights {
        if v.is_some_and(|n| !(1..=1095).contains(&n)) {
            errors.push(FieldError::new("rules.maxNights", "must be 1 to 1095"));
        }
        r.max_nights = v;
    }
    if let Some(v) = p.weekend_price {
        if v.is_some_and(|n| !(1..=100_000_000).contains(&n)) {
            errors.push(FieldError::new("rules.weekendPrice", "must be 1 to 100000000 minor units"));
        }
        r.weekend_price = v;
    }
    if let Some(seasons) = &p.seasons {
        if seasons.len() > 12 {
            errors.push(FieldError::new("rules.seasons", "must list at most 12 seasons"));
        }
        for (i, s) in seasons.iter().enumerate() {
            let f = |k: &str| format!("rules.seasons[{i}].{k}");
            if !(1..=40).contains(&s.name.trim().chars().count()) {
                errors.push(FieldError::new(f("name"), "must be 1 to 40 characters"));
            }
            for (k, v) in [("from", &s.from), ("to", &s.to)] {
                if month_day(v).is_none() {
                    errors.push(FieldError::new(f(k), "must be a month-day MM-DD"));
                }
            }
            if !(1..=100_000_000).contains(&s.nightly_price) {
                errors.push(FieldError::new(f("nightlyPrice"), "must be 1 to 100000000 minor units"));
            }
        }
        r.seasons = seasons.clone();
    }
    if !stay {
        let stay_only = [
            ("rules.advanceNoticeDays", p.advance_notice_days.is_some()),
            ("rules.preparationDays", p.preparation_days.is_some()),
            ("rules.maxNights", p.max_nights.is_some()),
            ("rules.weekendPrice", p.weekend_price.is_some()),
            ("rules.seasons", p.seasons.is_some()),
        ];
        for (field, given) in stay_only {
            if given {
                errors.push(FieldError::new(field, "applies to stays only"));
            }
        }
    }
    r
}

impl Bookings {
    /// Days `from..to` of a stay (defaults: from today in the listing's time zone, 30 days).
    pub async fn calendar(
        &self,
        viewer: Option<&AuthUser>,
        id: Uuid,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Calendar, ApiError> {
        let listing = self.visible_listing(id, viewer).await?;
        if listing.kind != "stay" {
            return Err(not_a_stay());
        }
        let today = self.clock.now().with_timezone(&tz_of(&listing)).date_naive();
        let from = from.unwrap_or(today);
        let to = to.unwrap_or(from + chrono::Duration::days(30));
        if to <= from || (to - from).num_days() > 366 {
            return Err(ApiError::validation(vec![FieldError::new(
                "to",
                "must be after `from`, at most 366 days later",
            )]));
        }
        let settings = store::calendar::nights(&self.db, listing.id, from, to).await?;
        let rules = store::calendar::rules(&self.db, listing.id).await?;
        let prep = chrono::Duration::days(rules.preparation_days);
        let reserved = inventory::reserved(&self.db, listing.id, from - prep, to + prep).await?;
        let inputs = Inputs {
            data: &listing.data,
            published: listing.status == "published",
            settings: &settings,
            rules: &rules,
            reserved: &reserved,
            today,
        };
        let days = calendar::days(inputs, from, to);
        Ok(Calendar { listing, rules, days })
    }

    /// Applies the owner's changes; returns the nights changed and the rules now in force.
    pub async fn update_calendar(
        &self,
        user: &AuthUser,
        id: Uuid,
        body: &CalendarUpdate,
    ) -> Result<(usize, Rules), ApiError> {
        let listing = self.owned_listing(id, user).await?;
        let stay = listing.kind == "stay";
        let mut errors = Vec::new();
        if body.ranges.is_none() && body.rules.is_none() {
            errors.push(FieldError::new("ranges", "give ranges, rules or both"));
        }
        let ranges = body.ranges.as_deref().unwrap_or_default();
        if body.ranges.is_some() {
            if !stay {
                return Err(not_a_stay());
            }
            if ranges.is_empty() || ranges.len() > 50 {
                errors.push(FieldError::new("ranges", "must list 1 to 50 ranges"));
            }
            let total: i64 = ranges.iter().enumerate().map(|(i, r)| check_range(i, r, &mut errors)).sum();
            if total > 2000 {
                errors.push(FieldError::new("ranges", "must cover at most 2000 nights in all"));
            }
        }
        let current = store::calendar::rules(&self.db, id).await?;
        let rules = match &body.rules {
            Some(p) => apply_rules(&current, p, stay, &mut errors),
            None => current.clone(),
        };
        // Prices aside, these are what close nights.
        let closes = ranges.iter().any(|r| r.blocked.is_some())
            || (rules.advance_notice_days, rules.preparation_days)
                != (current.advance_notice_days, current.preparation_days);
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let mut updated = 0usize;
        for r in ranges {
            let existing = store::calendar::nights(&mut tx, id, r.from, r.to).await?;
            for night in r.from.iter_days().take_while(|d| *d < r.to) {
                let mut s = existing
                    .iter()
                    .find(|s| s.night == night)
                    .cloned()
                    .unwrap_or_else(|| NightSetting::default_for(night));
                if let Some(b) = r.blocked {
                    s.blocked = b;
                }
                if let Some(p) = r.price {
                    s.price = p;
                }
                if let Some(m) = r.min_nights {
                    s.min_nights = m;
                }
                store::calendar::save_night(&mut tx, id, &s, now).await?;
                updated += 1;
            }
        }
        if body.rules.is_some() {
            store::calendar::save_rules(&mut tx, id, &rules, now).await?;
        }
        if closes {
            self.publish_availability(&mut tx, &[id]).await?;
        }
        tx.commit().await?;
        if closes {
            self.events.committed();
        }
        Ok((updated, rules))
    }
}
