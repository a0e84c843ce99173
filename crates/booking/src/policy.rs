//! Cancellation policies and the refund they give. A listing names one of Airbnb's published
//! policies; when a booking is cancelled, its stored [`Quote`] and the instants involved decide
//! what goes back to the guest and what the host is still owed. Pure: the caller supplies the
//! quote, the amounts already moved and the current instant.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::pricing::{self, Quote};

/// A listing's cancellation policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    Flexible,
    Moderate,
    Firm,
    Strict,
    SuperStrict,
}

impl Policy {
    /// Every policy, from the most to the least generous.
    pub const ALL: [Policy; 5] =
        [Policy::Flexible, Policy::Moderate, Policy::Firm, Policy::Strict, Policy::SuperStrict];

    /// The policy named by its stable code (`flexible`, …, `super_strict`).
    pub fn parse(s: &str) -> Option<Policy> {
        Policy::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Flexible => "flexible",
            Policy::Moderate => "moderate",
            Policy::Firm => "firm",
            Policy::Strict => "strict",
            Policy::SuperStrict => "super_strict",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Canceller {
    Guest,
    Host,
}

/// Everything a refund depends on.
#[derive(Debug, Clone, Copy)]
pub struct CancelInput<'a> {
    pub policy: Policy,
    pub by: Canceller,
    pub quote: &'a Quote,
    /// Captured (or authorised) so far; at most the quote's guest total.
    pub paid: i64,
    pub already_refunded: i64,
    pub booked_at: DateTime<Utc>,
    /// Check-in instant for stays, or the start of the slot or departure.
    pub starts_at: DateTime<Utc>,
    pub now: DateTime<Utc>,
    /// Force a full refund: the host cancels or declines, the request expired, or the guest
    /// cancelled before the host accepted.
    pub full: bool,
    /// Nights already begun, when the caller counts them on the listing's local clock (a DST
    /// change makes a night 23 or 25 hours long); `None`: whole 24-hour steps from `starts_at`.
    pub nights_begun: Option<usize>,
}

/// The outcome of a cancellation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Refund {
    /// What goes back to the guest now: the sum of the parts below, capped by what was paid and
    /// not yet refunded.
    pub amount: i64,
    /// Refunded part of the accommodation (nights after discounts and coupon; the whole
    /// subtotal share for units).
    pub accommodation: i64,
    pub cleaning_fee: i64,
    pub guest_service_fee: i64,
    pub taxes: i64,
    /// What the host is still owed after this cancellation (0 on a full refund).
    pub host_payout: i64,
    /// The rule that applied, e.g. `full_refund`, `flexible_late`, `strict_grace`, `nothing_paid`.
    pub rule: String,
}

/// What a rule decides before the common rules for the cleaning fee, fees and taxes apply.
enum Decision {
    /// Every part of the quote goes back.
    Full(&'static str),
    /// This much of the accommodation goes back.
    Partial(&'static str, i128),
}

const FLEXIBLE_CUTOFF: TimeDelta = TimeDelta::hours(24);
const MODERATE_CUTOFF: TimeDelta = TimeDelta::days(5);
const STRICT_GRACE: TimeDelta = TimeDelta::hours(48);
const STRICT_GRACE_LEAD: TimeDelta = TimeDelta::days(14);
const HALF_LEAD: TimeDelta = TimeDelta::days(7);
const LONG_LEAD: TimeDelta = TimeDelta::days(30);

/// `a × b / d` rounded half away from zero; 0 when `d` is 0.
fn ratio(a: i128, b: i128, d: i128) -> i128 {
    if d == 0 { 0 } else { pricing::mul_div_round(a, b, d).unwrap_or(0) }
}

fn half(v: i128) -> i128 {
    ratio(v, 1, 2)
}

fn to_i64(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

/// The nights the booking is split into: the night lines of a stay, or one night worth the
/// whole accommodation for units.
fn night_weights(q: &Quote) -> Vec<i128> {
    match q.nights {
        Some(_) => q.lines.iter().map(|l| i128::from(l.amount)).collect(),
        None => vec![i128::from(q.subtotal)],
    }
}

/// Nights whose start (`starts_at` + i days) is at or before `now`.
fn nights_stayed(input: &CancelInput<'_>, nights: usize) -> usize {
    if let Some(begun) = input.nights_begun {
        return begun.min(nights);
    }
    if input.now < input.starts_at {
        return 0;
    }
    let begun = input.now.signed_duration_since(input.starts_at).num_days().saturating_add(1);
    usize::try_from(begun).map_or(nights, |n| n.min(nights))
}

/// The accommodation value of the first `k` nights: the accommodation allocated pro rata to the
/// night line amounts, `round(accommodation × Σ first k lines / subtotal)`.
fn kept_value(q: &Quote, k: usize) -> i128 {
    let accommodation = i128::from(pricing::accommodation(q));
    let weights = night_weights(q);
    if k >= weights.len() {
        return accommodation;
    }
    let first: i128 = weights.iter().take(k).sum();
    ratio(accommodation, first, i128::from(q.subtotal))
}

/// The accommodation refunded when the guest keeps paying for the nights stayed and one more.
fn after_next_night(input: &CancelInput<'_>) -> i128 {
    let q = input.quote;
    let nights = night_weights(q).len();
    let kept = nights_stayed(input, nights).saturating_add(1).min(nights);
    i128::from(pricing::accommodation(q)) - kept_value(q, kept)
}

fn decide(input: &CancelInput<'_>) -> Decision {
    use Decision::{Full, Partial};
    if input.full || input.by == Canceller::Host {
        return Full("full_refund");
    }
    let lead = input.starts_at.signed_duration_since(input.now);
    let accommodation = i128::from(pricing::accommodation(input.quote));
    match input.policy {
        Policy::Flexible if lead >= FLEXIBLE_CUTOFF => Full("flexible_full"),
        Policy::Flexible => Partial("flexible_late", after_next_night(input)),
        Policy::Moderate if lead >= MODERATE_CUTOFF => Full("moderate_full"),
        Policy::Moderate => Partial("moderate_late", half(after_next_night(input))),
        Policy::Firm if lead >= LONG_LEAD => Full("firm_full"),
        Policy::Firm if lead >= HALF_LEAD => Partial("firm_half", half(accommodation)),
        Policy::Firm => Partial("firm_none", 0),
        Policy::Strict
            if input.now.signed_duration_since(input.booked_at) <= STRICT_GRACE && lead >= STRICT_GRACE_LEAD =>
        {
            Full("strict_grace")
        }
        Policy::Strict if lead >= HALF_LEAD => Partial("strict_half", half(accommodation)),
        Policy::Strict => Partial("strict_none", 0),
        Policy::SuperStrict if lead >= LONG_LEAD => Partial("super_strict_half", half(accommodation)),
        Policy::SuperStrict => Partial("super_strict_none", 0),
    }
}

/// The refund for cancelling the booking described by `input`.
///
/// A forced refund (`full`) or a host's cancellation returns everything paid and not yet
/// refunded. Otherwise the policy decides, by the lead time from `now` to `starts_at`, either a
/// full refund of every part of the quote or a refunded share of the accommodation; then the
/// cleaning fee comes back whole if the booking has not started, and the guest service fee and
/// taxes come back pro rata: `round(fee × refunded_base / base)` with `refunded_base` the
/// refunded accommodation plus the refunded cleaning fee.
///
/// What the host is still owed scales with `kept_base = base − refunded_base`:
/// `kept_base − round(host_fee × kept_base / base)`, or with a platform-funded coupon
/// `round(host_payout × kept_base / base)` (the host keeps being paid as if there were no
/// coupon, in the same proportion). It is 0 on a full refund and when the base is 0.
pub fn refund(input: &CancelInput<'_>) -> Refund {
    let q = input.quote;
    let base = i128::from(q.base);
    let cleaning = i128::from(q.cleaning_fee);
    let accommodation = i128::from(pricing::accommodation(q));
    let fee = i128::from(q.guest_service_fee);
    let taxes = i128::from(q.taxes);

    let (rule, full, parts) = match decide(input) {
        Decision::Full(rule) => (rule, true, [accommodation, cleaning, fee, taxes]),
        Decision::Partial(rule, refunded) => {
            let refunded = refunded.clamp(0, accommodation.max(0));
            let cleaning = if input.now < input.starts_at { cleaning } else { 0 };
            let refunded_base = refunded + cleaning;
            (rule, false, [refunded, cleaning, ratio(fee, refunded_base, base), ratio(taxes, refunded_base, base)])
        }
    };

    let [back_accommodation, back_cleaning, back_fee, back_taxes] = parts;
    let kept_base = base - back_accommodation - back_cleaning;
    let host_payout = if full || base <= 0 {
        0
    } else if q.coupon.as_ref().is_some_and(pricing::CouponLine::platform_funded) {
        ratio(i128::from(q.host_payout), kept_base, base)
    } else {
        kept_base - ratio(i128::from(q.host_fee), kept_base, base)
    };

    let available = i128::from(input.paid) - i128::from(input.already_refunded);
    if available <= 0 {
        return Refund {
            amount: 0,
            accommodation: 0,
            cleaning_fee: 0,
            guest_service_fee: 0,
            taxes: 0,
            host_payout: to_i64(host_payout),
            rule: "nothing_paid".to_owned(),
        };
    }
    let owed = back_accommodation + back_cleaning + back_fee + back_taxes;
    // A full refund returns everything still held, even beyond the quote if more was captured.
    let amount = if full { available } else { owed.min(available) };
    Refund {
        amount: to_i64(amount.max(0)),
        accommodation: to_i64(back_accommodation),
        cleaning_fee: to_i64(back_cleaning),
        guest_service_fee: to_i64(back_fee),
        taxes: to_i64(back_taxes),
        host_payout: to_i64(host_payout),
        rule: rule.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::pricing::tests::{arb_quote, rates, stay};
    use crate::pricing::{Base, CouponApplied, CouponDiscount, quote};
    use proptest::prelude::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).unwrap()
    }

    /// Check-in of every example: 2030-06-10 15:00 UTC.
    fn start() -> DateTime<Utc> {
        at(1_907_852_400)
    }

    /// 3 nights × 10000, cleaning 3000, guest fee 12 %, host fee 3 %, no tax: base 33000,
    /// guest fee 3960, guest total 36960, host fee 990, host payout 32010.
    fn example() -> Quote {
        quote(&stay(&[10_000; 3], 0, 0, 3_000), None, rates(1_200, 300, 0), "EUR").unwrap()
    }

    fn input(q: &Quote, policy: Policy, now: DateTime<Utc>) -> CancelInput<'_> {
        CancelInput {
            policy,
            by: Canceller::Guest,
            quote: q,
            paid: q.guest_total,
            already_refunded: 0,
            booked_at: start() - TimeDelta::days(90),
            starts_at: start(),
            now,
            full: false,
            nights_begun: None,
        }
    }

    fn cancel(policy: Policy, now: DateTime<Utc>) -> Refund {
        refund(&input(&example(), policy, now))
    }

    /// Expected refund: (amount, accommodation, cleaning, guest fee, taxes, host payout, rule).
    fn r(parts: (i64, i64, i64, i64, i64, i64), rule: &str) -> Refund {
        let (amount, accommodation, cleaning_fee, guest_service_fee, taxes, host_payout) = parts;
        Refund { amount, accommodation, cleaning_fee, guest_service_fee, taxes, host_payout, rule: rule.into() }
    }

    fn before(d: TimeDelta) -> DateTime<Utc> {
        start() - d
    }

    fn mid_stay() -> DateTime<Utc> {
        start() + TimeDelta::hours(2)
    }

    const FULL: (i64, i64, i64, i64, i64, i64) = (36_960, 30_000, 3_000, 3_960, 0, 0);
    // 50 % of 30000 plus cleaning: refunded base 18000, fee 3960 × 18/33 = 2160; host keeps
    // 15000 − 990 × 15/33 = 14550.
    const HALF: (i64, i64, i64, i64, i64, i64) = (20_160, 15_000, 3_000, 2_160, 0, 14_550);
    // Cleaning only: fee 3960 × 3/33 = 360; host keeps 30000 − 900.
    const NONE_BEFORE: (i64, i64, i64, i64, i64, i64) = (3_360, 0, 3_000, 360, 0, 29_100);
    const NONE_DURING: (i64, i64, i64, i64, i64, i64) = (0, 0, 0, 0, 0, 32_010);

    #[test]
    fn flexible() {
        assert_eq!(cancel(Policy::Flexible, before(TimeDelta::days(10))), r(FULL, "flexible_full"));
        assert_eq!(cancel(Policy::Flexible, before(TimeDelta::days(3))), r(FULL, "flexible_full"));
        assert_eq!(cancel(Policy::Flexible, before(TimeDelta::hours(24))), r(FULL, "flexible_full"));
        // One night kept (10000): 20000 + 3000 back, fee 3960 × 23/33 = 2760, host 10000 − 300.
        let late = (25_760, 20_000, 3_000, 2_760, 0, 9_700);
        assert_eq!(cancel(Policy::Flexible, before(TimeDelta::hours(12))), r(late, "flexible_late"));
        // First night begun, the next one kept: 10000 back, fee 1200, host 23000 − 690.
        assert_eq!(cancel(Policy::Flexible, mid_stay()), r((11_200, 10_000, 0, 1_200, 0, 22_310), "flexible_late"));
        let last = start() + TimeDelta::days(1) + TimeDelta::hours(1);
        assert_eq!(cancel(Policy::Flexible, last), r(NONE_DURING, "flexible_late"));
    }

    #[test]
    fn moderate() {
        assert_eq!(cancel(Policy::Moderate, before(TimeDelta::days(10))), r(FULL, "moderate_full"));
        assert_eq!(cancel(Policy::Moderate, before(TimeDelta::days(5))), r(FULL, "moderate_full"));
        // One night kept, half of the other 20000 back: refunded base 13000, fee 1560, host 20000 − 600.
        let late = (14_560, 10_000, 3_000, 1_560, 0, 19_400);
        assert_eq!(cancel(Policy::Moderate, before(TimeDelta::days(3))), r(late, "moderate_late"));
        assert_eq!(cancel(Policy::Moderate, before(TimeDelta::hours(12))), r(late, "moderate_late"));
        // Two nights kept, half of the last: 5000, fee 600, host 28000 − 840.
        assert_eq!(cancel(Policy::Moderate, mid_stay()), r((5_600, 5_000, 0, 600, 0, 27_160), "moderate_late"));
    }

    #[test]
    fn firm() {
        assert_eq!(cancel(Policy::Firm, before(TimeDelta::days(40))), r(FULL, "firm_full"));
        assert_eq!(cancel(Policy::Firm, before(TimeDelta::days(30))), r(FULL, "firm_full"));
        assert_eq!(cancel(Policy::Firm, before(TimeDelta::days(10))), r(HALF, "firm_half"));
        assert_eq!(cancel(Policy::Firm, before(TimeDelta::days(7))), r(HALF, "firm_half"));
        assert_eq!(cancel(Policy::Firm, before(TimeDelta::days(3))), r(NONE_BEFORE, "firm_none"));
        assert_eq!(cancel(Policy::Firm, before(TimeDelta::hours(12))), r(NONE_BEFORE, "firm_none"));
        assert_eq!(cancel(Policy::Firm, mid_stay()), r(NONE_DURING, "firm_none"));
    }

    #[test]
    fn strict() {
        let q = example();
        let booked = before(TimeDelta::days(20));
        let grace = CancelInput { booked_at: booked, ..input(&q, Policy::Strict, booked + TimeDelta::hours(47)) };
        assert_eq!(refund(&grace), r(FULL, "strict_grace"));
        let late = CancelInput { now: booked + TimeDelta::hours(49), ..grace };
        assert_eq!(refund(&late), r(HALF, "strict_half"));
        // Booked 10 days ahead: no grace even within the first hours.
        let close = before(TimeDelta::days(10));
        let short = CancelInput { booked_at: close, ..input(&q, Policy::Strict, close + TimeDelta::hours(1)) };
        assert_eq!(refund(&short), r(HALF, "strict_half"));
        assert_eq!(cancel(Policy::Strict, before(TimeDelta::days(3))), r(NONE_BEFORE, "strict_none"));
        assert_eq!(cancel(Policy::Strict, mid_stay()), r(NONE_DURING, "strict_none"));
    }

    #[test]
    fn super_strict() {
        assert_eq!(cancel(Policy::SuperStrict, before(TimeDelta::days(40))), r(HALF, "super_strict_half"));
        assert_eq!(cancel(Policy::SuperStrict, before(TimeDelta::days(10))), r(NONE_BEFORE, "super_strict_none"));
        assert_eq!(cancel(Policy::SuperStrict, mid_stay()), r(NONE_DURING, "super_strict_none"));
    }

    #[test]
    fn host_cancellation_and_forced_refunds_return_everything_held() {
        let q = example();
        let by_host = CancelInput { by: Canceller::Host, ..input(&q, Policy::SuperStrict, mid_stay()) };
        assert_eq!(refund(&by_host), r(FULL, "full_refund"));
        let forced = CancelInput {
            full: true,
            paid: 10_000,
            already_refunded: 2_000,
            ..input(&q, Policy::Firm, before(TimeDelta::days(1)))
        };
        assert_eq!(refund(&forced), r((8_000, 30_000, 3_000, 3_960, 0, 0), "full_refund"));
    }

    #[test]
    fn refund_is_capped_by_what_is_still_held() {
        let q = example();
        let partly = CancelInput { paid: 2_000, ..input(&q, Policy::Flexible, before(TimeDelta::hours(12))) };
        assert_eq!(refund(&partly), r((2_000, 20_000, 3_000, 2_760, 0, 9_700), "flexible_late"));
        let spent =
            CancelInput { already_refunded: q.guest_total, ..input(&q, Policy::Firm, before(TimeDelta::days(3))) };
        assert_eq!(refund(&spent), r((0, 0, 0, 0, 0, 29_100), "nothing_paid"));
    }

    #[test]
    fn kept_nights_are_valued_pro_rata_after_the_coupon() {
        // Nights 10000, 20000, 30000 less a 10 % coupon: accommodation 54000.
        let c =
            CouponApplied { code: "TEN".into(), discount: CouponDiscount::PercentBps(1_000), platform_funded: false };
        let q = quote(&stay(&[10_000, 20_000, 30_000], 0, 0, 0), Some(&c), rates(0, 0, 0), "EUR").unwrap();
        assert_eq!(q.base, 54_000);
        // First night kept: 54000 × 10000/60000 = 9000.
        let first = refund(&input(&q, Policy::Flexible, before(TimeDelta::hours(1))));
        assert_eq!((first.amount, first.host_payout), (45_000, 9_000));
        // Two nights kept: 54000 × 30000/60000 = 27000.
        let second = refund(&input(&q, Policy::Flexible, mid_stay()));
        assert_eq!((second.amount, second.host_payout), (27_000, 27_000));
    }

    #[test]
    fn platform_funded_coupon_scales_the_host_payout() {
        // Base 28000 (5000 off, paid by the platform), guest total 31360, host payout 32010.
        let c = CouponApplied { code: "P".into(), discount: CouponDiscount::Fixed(5_000), platform_funded: true };
        let q = quote(&stay(&[10_000; 3], 0, 0, 3_000), Some(&c), rates(1_200, 300, 0), "EUR").unwrap();
        // Cleaning only: fee 3360 × 3000/28000 = 360; host 32010 × 25000/28000 = 28580.36.
        let out = refund(&input(&q, Policy::Firm, before(TimeDelta::days(3))));
        assert_eq!(out, r((3_360, 0, 3_000, 360, 0, 28_580), "firm_none"));
    }

    #[test]
    fn units_count_as_one_night() {
        // 4 seats × 2500, guest fee 10 %, host fee 5 %: base 10000, total 11000, payout 9500.
        let base = Base::Units { unit: "seat", unit_price: 2_500, quantity: 4 };
        let q = quote(&base, None, rates(1_000, 500, 0), "EUR").unwrap();
        let late = refund(&input(&q, Policy::Flexible, before(TimeDelta::hours(12))));
        assert_eq!(late, r((0, 0, 0, 0, 0, 9_500), "flexible_late"));
        let half = refund(&input(&q, Policy::Firm, before(TimeDelta::days(10))));
        assert_eq!(half, r((5_500, 5_000, 0, 500, 0, 4_750), "firm_half"));
        let early = refund(&input(&q, Policy::Moderate, before(TimeDelta::days(6))));
        assert_eq!(early, r((11_000, 10_000, 0, 1_000, 0, 0), "moderate_full"));
    }

    #[test]
    fn policy_codes_round_trip() {
        for p in Policy::ALL {
            assert_eq!(Policy::parse(p.as_str()), Some(p));
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{}\"", p.as_str()));
        }
        assert_eq!(Policy::parse("super_strict"), Some(Policy::SuperStrict));
        assert_eq!(Policy::parse("Strict"), None);
        let json = serde_json::to_string(&cancel(Policy::Firm, before(TimeDelta::days(3)))).unwrap();
        assert!(json.contains("\"guestServiceFee\":360") && json.contains("\"rule\":\"firm_none\""));
    }

    const DAY_SECS: i64 = 86_400;

    /// A booking and everything about its cancellation but the instant.
    fn arb_case() -> impl Strategy<Value = (Quote, Policy, bool, bool, u32, u32, i64)> {
        (
            arb_quote(),
            prop::sample::select(Policy::ALL.to_vec()),
            prop::bool::weighted(0.15),
            prop::bool::weighted(0.1),
            0u32..=1_000,
            0u32..=1_000,
            0i64..=400 * DAY_SECS,
        )
    }

    fn case_input(
        q: &Quote,
        (policy, host, full, paid_permille, refunded_permille, booking_lead): (Policy, bool, bool, u32, u32, i64),
        now_offset: i64,
    ) -> CancelInput<'_> {
        let permille = |v: i64, p: u32| i64::try_from(i128::from(v) * i128::from(p) / 1_000).unwrap();
        let paid = permille(q.guest_total, paid_permille);
        CancelInput {
            policy,
            by: if host { Canceller::Host } else { Canceller::Guest },
            quote: q,
            paid,
            already_refunded: permille(paid, refunded_permille),
            booked_at: start() - TimeDelta::seconds(booking_lead),
            starts_at: start(),
            now: start() + TimeDelta::seconds(now_offset),
            full,
            nights_begun: None,
        }
    }

    proptest! {
        #[test]
        fn refunds_stay_within_what_is_held(
            (q, policy, host, full, paid, refunded, lead) in arb_case(),
            offset in -120 * DAY_SECS..=70 * DAY_SECS,
        ) {
            let input = case_input(&q, (policy, host, full, paid, refunded, lead), offset);
            let held = input.paid - input.already_refunded;
            let out = refund(&input);
            prop_assert!(0 <= out.amount && out.amount <= held, "{:?}", out);
            prop_assert!(out.accommodation + out.cleaning_fee + out.guest_service_fee + out.taxes >= out.amount);
            for (part, whole) in [
                (out.accommodation, pricing::accommodation(&q)),
                (out.cleaning_fee, q.cleaning_fee),
                (out.guest_service_fee, q.guest_service_fee),
                (out.taxes, q.taxes),
                (out.host_payout, q.host_payout),
            ] {
                prop_assert!(0 <= part && part <= whole, "{:?} of {:?}", out, q);
            }
            if full || host {
                prop_assert_eq!(out.amount, held);
                prop_assert_eq!(out.host_payout, 0);
            }
        }

        #[test]
        fn refunds_never_grow_as_time_passes(
            (q, policy, host, full, paid, refunded, lead) in arb_case(),
            a in -120 * DAY_SECS..=70 * DAY_SECS,
            b in -120 * DAY_SECS..=70 * DAY_SECS,
        ) {
            let case = (policy, host, full, paid, refunded, lead);
            let earlier = refund(&case_input(&q, case, a.min(b)));
            let later = refund(&case_input(&q, case, a.max(b)));
            prop_assert!(later.amount <= earlier.amount, "{:?} then {:?}", earlier, later);
            prop_assert!(later.host_payout >= earlier.host_payout, "{:?} then {:?}", earlier, later);
        }
    }
}
