//! What a booking costs, computed once and frozen in a [`Quote`]. The guest pays the quote's
//! total, the host is paid its payout, and refunds are later worked out from the same stored
//! quote, so every figure in it is explicit and the arithmetic lives in one pure place.
//!
//! Money is `i64` minor units of a single currency. Intermediate products are taken in `i128`
//! and each share is rounded half away from zero; a result that does not fit `i64` is an
//! [`PriceError::Overflow`]. Rates are basis points (1 % = 100 bps).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Basis points in one whole.
const WHOLE_BPS: i128 = 10_000;

/// Fee and tax rates in basis points, as configured for the platform and the listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rates {
    pub guest_fee_bps: i64,
    pub host_fee_bps: i64,
    pub tax_bps: i64,
}

/// The price of one night, already resolved by the caller (overrides, seasons, weekends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NightPrice {
    pub date: NaiveDate,
    pub amount: i64,
}

/// What is being priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// A stay: one price per night (already resolved by the caller: overrides, seasons, weekends).
    Nights { nights: Vec<NightPrice>, weekly_discount_percent: i64, monthly_discount_percent: i64, cleaning_fee: i64 },
    /// Slots, seats, stock: `quantity` × `unit_price`. `unit` is "person", "seat" or "unit".
    Units { unit: &'static str, unit_price: i64, quantity: i64 },
}

/// How a coupon reduces the accommodation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CouponDiscount {
    /// A share of the accommodation, in basis points (capped at 100 %).
    PercentBps(i64),
    /// A fixed amount, capped at the accommodation.
    Fixed(i64),
}

/// A coupon the caller has already validated for this booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponApplied {
    pub code: String,
    pub discount: CouponDiscount,
    /// The platform pays for the discount and the host is paid as if there were no coupon.
    pub platform_funded: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PriceError {
    /// A final amount does not fit in `i64`.
    Overflow,
    /// A stay without nights, or fewer than one unit.
    Empty,
}

impl std::fmt::Display for PriceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PriceError::Overflow => "the price is too large",
            PriceError::Empty => "nothing to price",
        })
    }
}

impl std::error::Error for PriceError {}

/// The full price breakdown of a booking. Stored as JSON with the booking and re-read to
/// compute refunds, so it carries the rates it was computed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Quote {
    pub currency: String,
    /// One line per night for a stay, a single line otherwise; then a product's shipping line.
    pub lines: Vec<QuoteLine>,
    /// Number of nights, for stays only.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub nights: Option<i64>,
    /// Sum of the line amounts, shipping aside.
    pub subtotal: i64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub length_discount: Option<LengthDiscount>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub coupon: Option<CouponLine>,
    /// Zero for everything but stays.
    pub cleaning_fee: i64,
    /// Subtotal less the length discount and the coupon, plus the cleaning fee.
    pub base: i64,
    pub guest_service_fee: i64,
    pub taxes: i64,
    /// What the guest pays: base, service fee and taxes (and shipping).
    pub guest_total: i64,
    pub host_fee: i64,
    pub host_payout: i64,
    /// What the platform keeps; negative when a platform-funded coupon costs more than the fees.
    pub platform_revenue: i64,
    pub rates: RatesView,
    /// A product's shipping (see [`crate::shipping`]): in `guestTotal` and `hostPayout`, outside
    /// `base`, so no fee or tax is taken on it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub shipping: Option<ShippingLine>,
}

/// The shipping option a product order chose, at its price when quoted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ShippingLine {
    /// The option's name in the product's `shippingOptions`.
    pub name: String,
    pub price: i64,
    pub estimated_days: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuoteLine {
    /// "night", "person", "seat", "unit" or "shipping".
    pub unit: String,
    /// The night, for stays.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub date: Option<NaiveDate>,
    pub unit_price: i64,
    pub quantity: i64,
    pub amount: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LengthDiscount {
    /// "weekly" (7 to 27 nights) or "monthly" (28 nights or more).
    pub kind: String,
    pub percent: i64,
    pub amount: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CouponLine {
    pub code: String,
    pub amount: i64,
    /// "host" or "platform".
    pub funded_by: String,
}

impl CouponLine {
    /// Whether the platform, not the host, pays for this discount.
    pub fn platform_funded(&self) -> bool {
        self.funded_by == "platform"
    }
}

/// The rates a quote was computed with, so that it can be reproduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RatesView {
    pub guest_fee_bps: i64,
    pub host_fee_bps: i64,
    pub tax_bps: i64,
}

impl From<Rates> for RatesView {
    fn from(r: Rates) -> Self {
        RatesView { guest_fee_bps: r.guest_fee_bps, host_fee_bps: r.host_fee_bps, tax_bps: r.tax_bps }
    }
}

impl From<RatesView> for Rates {
    fn from(r: RatesView) -> Self {
        Rates { guest_fee_bps: r.guest_fee_bps, host_fee_bps: r.host_fee_bps, tax_bps: r.tax_bps }
    }
}

/// The accommodation part of a quote (nights after discounts and coupon, or the units
/// subtotal after the coupon): its base without the cleaning fee.
pub fn accommodation(q: &Quote) -> i64 {
    q.base - q.cleaning_fee
}

/// `a × b / d` rounded half away from zero, or `None` if the product overflows `i128` or `d`
/// is zero.
pub(crate) fn mul_div_round(a: i128, b: i128, d: i128) -> Option<i128> {
    let num = a.checked_mul(b)?;
    if d == 0 {
        return None;
    }
    let negative = (num < 0) != (d < 0);
    let (n, d) = (num.unsigned_abs(), d.unsigned_abs());
    let (whole, rest) = (n / d, n % d);
    // Round up when the remainder is at least half the divisor, without doubling it.
    let magnitude = if rest >= d - rest { whole + 1 } else { whole };
    let magnitude = i128::try_from(magnitude).ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

/// `amount × bps / 10000`, rounded half away from zero.
fn share(amount: i128, bps: i64) -> Result<i128, PriceError> {
    mul_div_round(amount, i128::from(bps), WHOLE_BPS).ok_or(PriceError::Overflow)
}

fn fit(v: i128) -> Result<i64, PriceError> {
    i64::try_from(v).map_err(|_| PriceError::Overflow)
}

/// Out-of-range inputs are clamped rather than rejected, so that the quote's invariants
/// (no negative amount but the platform's revenue) hold whatever the caller passes:
/// negative prices, fees and rates count as zero, percentages are capped at 100 %.
fn clamp_rates(r: Rates) -> Rates {
    Rates {
        guest_fee_bps: r.guest_fee_bps.max(0),
        host_fee_bps: r.host_fee_bps.clamp(0, 10_000),
        tax_bps: r.tax_bps.max(0),
    }
}

/// The nights or units, before any discount.
struct Priced {
    lines: Vec<QuoteLine>,
    nights: Option<i64>,
    subtotal: i128,
    length_discount: Option<(&'static str, i64, i128)>,
    cleaning_fee: i128,
}

fn price_base(base: &Base) -> Result<Priced, PriceError> {
    match base {
        Base::Nights { nights, weekly_discount_percent, monthly_discount_percent, cleaning_fee } => {
            if nights.is_empty() {
                return Err(PriceError::Empty);
            }
            let lines: Vec<QuoteLine> = nights
                .iter()
                .map(|n| {
                    let amount = n.amount.max(0);
                    QuoteLine { unit: "night".to_owned(), date: Some(n.date), unit_price: amount, quantity: 1, amount }
                })
                .collect();
            let subtotal: i128 = lines.iter().map(|l| i128::from(l.amount)).sum();
            let count = i64::try_from(lines.len()).map_err(|_| PriceError::Overflow)?;
            let length_discount =
                length_discount(count, subtotal, *weekly_discount_percent, *monthly_discount_percent)?;
            Ok(Priced {
                lines,
                nights: Some(count),
                subtotal,
                length_discount,
                cleaning_fee: i128::from((*cleaning_fee).max(0)),
            })
        }
        Base::Units { unit, unit_price, quantity } => {
            if *quantity < 1 {
                return Err(PriceError::Empty);
            }
            let unit_price = (*unit_price).max(0);
            let subtotal = i128::from(unit_price) * i128::from(*quantity);
            let line = QuoteLine {
                unit: (*unit).to_owned(),
                date: None,
                unit_price,
                quantity: *quantity,
                amount: fit(subtotal)?,
            };
            Ok(Priced { lines: vec![line], nights: None, subtotal, length_discount: None, cleaning_fee: 0 })
        }
    }
}

/// Weekly for 7 to 27 nights, monthly from 28 nights; none when the applicable percent is 0
/// (a zero monthly percent does not fall back to the weekly one).
fn length_discount(
    nights: i64,
    subtotal: i128,
    weekly: i64,
    monthly: i64,
) -> Result<Option<(&'static str, i64, i128)>, PriceError> {
    let (kind, percent) = match nights {
        7..=27 => ("weekly", weekly),
        n if n >= 28 => ("monthly", monthly),
        _ => return Ok(None),
    };
    let percent = percent.clamp(0, 100);
    if percent == 0 {
        return Ok(None);
    }
    Ok(Some((kind, percent, share(subtotal, percent * 100)?)))
}

/// The coupon's amount on an accommodation; never more than the accommodation itself.
fn coupon_amount(discount: CouponDiscount, accommodation: i128) -> Result<i128, PriceError> {
    Ok(match discount {
        CouponDiscount::PercentBps(bps) => share(accommodation, bps.clamp(0, 10_000))?,
        CouponDiscount::Fixed(amount) => i128::from(amount.max(0)).min(accommodation),
    })
}

/// Prices `base` with an optional coupon.
///
/// The length discount applies to the subtotal; the coupon applies to what is left of the
/// accommodation (never to the cleaning fee). The guest's service fee and the taxes are shares
/// of the base. The host's fee is a share of the host's basis: the base, or with a
/// platform-funded coupon the base plus the coupon, so the platform absorbs the discount.
pub fn quote(base: &Base, coupon: Option<&CouponApplied>, rates: Rates, currency: &str) -> Result<Quote, PriceError> {
    let rates = clamp_rates(rates);
    let priced = price_base(base)?;
    let length_amount = priced.length_discount.map_or(0, |(_, _, amount)| amount);
    let accommodation = priced.subtotal - length_amount;

    let coupon_line = match coupon {
        Some(c) => Some((c, coupon_amount(c.discount, accommodation)?)),
        None => None,
    };
    let coupon_amount = coupon_line.map_or(0, |(_, amount)| amount);
    let platform_funded = coupon_line.is_some_and(|(c, _)| c.platform_funded);

    let base_amount = accommodation - coupon_amount + priced.cleaning_fee;
    let guest_service_fee = share(base_amount, rates.guest_fee_bps)?;
    let taxes = share(base_amount, rates.tax_bps)?;
    let guest_total = base_amount + guest_service_fee + taxes;
    let host_basis = if platform_funded { base_amount + coupon_amount } else { base_amount };
    let host_fee = share(host_basis, rates.host_fee_bps)?;
    let host_payout = host_basis - host_fee;
    let platform_revenue = guest_total - taxes - host_payout;

    Ok(Quote {
        currency: currency.to_owned(),
        lines: priced.lines,
        nights: priced.nights,
        subtotal: fit(priced.subtotal)?,
        length_discount: match priced.length_discount {
            Some((kind, percent, amount)) => {
                Some(LengthDiscount { kind: kind.to_owned(), percent, amount: fit(amount)? })
            }
            None => None,
        },
        coupon: match coupon_line {
            Some((c, amount)) => Some(CouponLine {
                code: c.code.clone(),
                amount: fit(amount)?,
                funded_by: if c.platform_funded { "platform" } else { "host" }.to_owned(),
            }),
            None => None,
        },
        cleaning_fee: fit(priced.cleaning_fee)?,
        base: fit(base_amount)?,
        guest_service_fee: fit(guest_service_fee)?,
        taxes: fit(taxes)?,
        guest_total: fit(guest_total)?,
        host_fee: fit(host_fee)?,
        host_payout: fit(host_payout)?,
        platform_revenue: fit(platform_revenue)?,
        rates: rates.into(),
        shipping: None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(i: usize) -> NaiveDate {
        NaiveDate::from_ymd_opt(2030, 1, 1).unwrap() + chrono::Days::new(i as u64)
    }

    pub(crate) fn stay(prices: &[i64], weekly: i64, monthly: i64, cleaning_fee: i64) -> Base {
        let nights = prices.iter().enumerate().map(|(i, &amount)| NightPrice { date: day(i), amount }).collect();
        Base::Nights { nights, weekly_discount_percent: weekly, monthly_discount_percent: monthly, cleaning_fee }
    }

    pub(crate) fn rates(guest: i64, host: i64, tax: i64) -> Rates {
        Rates { guest_fee_bps: guest, host_fee_bps: host, tax_bps: tax }
    }

    fn coupon(discount: CouponDiscount, platform_funded: bool) -> CouponApplied {
        CouponApplied { code: "HELLO".into(), discount, platform_funded }
    }

    fn balanced(q: &Quote) -> bool {
        q.guest_total == q.host_payout + q.platform_revenue + q.taxes
    }

    #[test]
    fn weekly_discount_starts_at_seven_nights() {
        let q = quote(&stay(&[10_000; 7], 10, 20, 5_000), None, rates(1_200, 300, 1_000), "EUR").unwrap();
        assert_eq!(q.nights, Some(7));
        assert_eq!(q.lines.len(), 7);
        assert_eq!((q.lines[6].unit.as_str(), q.lines[6].date, q.lines[6].amount), ("night", Some(day(6)), 10_000));
        assert_eq!(q.subtotal, 70_000);
        assert_eq!(q.length_discount, Some(LengthDiscount { kind: "weekly".into(), percent: 10, amount: 7_000 }));
        assert_eq!((q.cleaning_fee, q.base), (5_000, 68_000));
        assert_eq!((q.guest_service_fee, q.taxes, q.guest_total), (8_160, 6_800, 82_960));
        assert_eq!((q.host_fee, q.host_payout, q.platform_revenue), (2_040, 65_960, 10_200));
        assert_eq!(accommodation(&q), 63_000);
        assert!(balanced(&q));

        let six = quote(&stay(&[10_000; 6], 10, 20, 5_000), None, rates(1_200, 300, 1_000), "EUR").unwrap();
        assert_eq!((six.length_discount, six.base), (None, 65_000));
    }

    #[test]
    fn weekly_up_to_27_nights_then_monthly() {
        let r = rates(0, 0, 0);
        let q27 = quote(&stay(&[10_000; 27], 10, 20, 0), None, r, "EUR").unwrap();
        assert_eq!(q27.length_discount, Some(LengthDiscount { kind: "weekly".into(), percent: 10, amount: 27_000 }));
        assert_eq!(q27.base, 243_000);
        let q28 = quote(&stay(&[10_000; 28], 10, 20, 0), None, r, "EUR").unwrap();
        assert_eq!(q28.length_discount, Some(LengthDiscount { kind: "monthly".into(), percent: 20, amount: 56_000 }));
        assert_eq!(q28.base, 224_000);
        let no_monthly = quote(&stay(&[10_000; 28], 10, 0, 0), None, r, "EUR").unwrap();
        assert_eq!((no_monthly.length_discount, no_monthly.base), (None, 280_000), "no fallback to weekly");
    }

    #[test]
    fn percent_coupon_applies_to_accommodation_only() {
        let c = coupon(CouponDiscount::PercentBps(1_500), false);
        let q = quote(&stay(&[10_000; 3], 10, 20, 3_000), Some(&c), rates(1_200, 300, 0), "EUR").unwrap();
        assert_eq!(q.coupon, Some(CouponLine { code: "HELLO".into(), amount: 4_500, funded_by: "host".into() }));
        assert_eq!((q.base, q.guest_service_fee, q.guest_total), (28_500, 3_420, 31_920));
        assert_eq!((q.host_fee, q.host_payout, q.platform_revenue), (855, 27_645, 4_275));
        assert!(balanced(&q));

        // After the weekly discount: 70000 − 7000 = 63000, 15 % of it is 9450.
        let weekly = quote(&stay(&[10_000; 7], 10, 20, 0), Some(&c), rates(0, 0, 0), "EUR").unwrap();
        assert_eq!((weekly.coupon.map(|c| c.amount), weekly.base), (Some(9_450), 53_550));
    }

    #[test]
    fn fixed_coupon_is_capped_at_the_accommodation() {
        let c = coupon(CouponDiscount::Fixed(50_000), false);
        let q = quote(&stay(&[10_000; 3], 0, 0, 3_000), Some(&c), rates(1_200, 300, 0), "EUR").unwrap();
        assert_eq!(q.coupon.as_ref().map(|c| c.amount), Some(30_000));
        assert_eq!((q.base, q.guest_service_fee, q.guest_total), (3_000, 360, 3_360));
        assert_eq!((q.host_fee, q.host_payout, q.platform_revenue), (90, 2_910, 450));
        assert_eq!(accommodation(&q), 0);
    }

    #[test]
    fn platform_funded_coupon_pays_the_host_in_full() {
        let c = coupon(CouponDiscount::Fixed(5_000), true);
        let q = quote(&stay(&[10_000; 3], 0, 0, 3_000), Some(&c), rates(1_200, 300, 0), "EUR").unwrap();
        assert_eq!(q.coupon.as_ref().map(|c| (c.amount, c.funded_by.as_str())), Some((5_000, "platform")));
        assert!(q.coupon.as_ref().is_some_and(CouponLine::platform_funded));
        assert_eq!((q.base, q.guest_service_fee, q.guest_total), (28_000, 3_360, 31_360));
        // Host basis 33000, as without the coupon.
        assert_eq!((q.host_fee, q.host_payout), (990, 32_010));
        assert_eq!(q.platform_revenue, 3_360 + 990 - 5_000);
        assert!(balanced(&q));
    }

    #[test]
    fn units_quote_has_one_line() {
        let base = Base::Units { unit: "seat", unit_price: 2_500, quantity: 4 };
        let c = coupon(CouponDiscount::PercentBps(1_000), false);
        let q = quote(&base, Some(&c), rates(1_000, 500, 800), "USD").unwrap();
        let line = QuoteLine { unit: "seat".into(), date: None, unit_price: 2_500, quantity: 4, amount: 10_000 };
        assert_eq!(q.lines, vec![line]);
        assert_eq!((q.nights, q.subtotal, q.length_discount.clone(), q.cleaning_fee), (None, 10_000, None, 0));
        assert_eq!((q.base, q.guest_service_fee, q.taxes, q.guest_total), (9_000, 900, 720, 10_620));
        assert_eq!((q.host_fee, q.host_payout, q.platform_revenue), (450, 8_550, 1_350));
        assert_eq!(q.rates, RatesView { guest_fee_bps: 1_000, host_fee_bps: 500, tax_bps: 800 });
        assert_eq!(q.currency, "USD");
    }

    #[test]
    fn shares_round_half_away_from_zero() {
        assert_eq!(mul_div_round(5, 1_000, 10_000), Some(1));
        assert_eq!(mul_div_round(-5, 1_000, 10_000), Some(-1));
        assert_eq!(mul_div_round(4, 1_000, 10_000), Some(0));
        assert_eq!(mul_div_round(15, 1, 2), Some(8));
        assert_eq!(mul_div_round(-15, 1, -2), Some(8));
        assert_eq!(mul_div_round(14, 1, 4), Some(4));
        assert_eq!(mul_div_round(1, 1, 0), None);
        let q = quote(&stay(&[5], 0, 0, 0), None, rates(1_000, 100, 1_000), "EUR").unwrap();
        assert_eq!((q.guest_service_fee, q.taxes, q.host_fee), (1, 1, 0));
    }

    #[test]
    fn empty_and_overflowing_inputs_are_errors() {
        assert_eq!(quote(&stay(&[], 0, 0, 0), None, rates(0, 0, 0), "EUR"), Err(PriceError::Empty));
        let none = Base::Units { unit: "person", unit_price: 100, quantity: 0 };
        assert_eq!(quote(&none, None, rates(0, 0, 0), "EUR"), Err(PriceError::Empty));
        let huge = Base::Units { unit: "unit", unit_price: i64::MAX, quantity: 2 };
        assert_eq!(quote(&huge, None, rates(0, 0, 0), "EUR"), Err(PriceError::Overflow));
        let fee = stay(&[i64::MAX / 2], 0, 0, 0);
        assert_eq!(quote(&fee, None, rates(10_000, 0, 10_000), "EUR"), Err(PriceError::Overflow));
    }

    #[test]
    fn quote_round_trips_through_json_in_camel_case() {
        let c = coupon(CouponDiscount::Fixed(1_000), true);
        let q = quote(&stay(&[12_000; 8], 5, 10, 2_000), Some(&c), rates(1_400, 300, 700), "EUR").unwrap();
        let json = serde_json::to_string(&q).unwrap();
        for key in ["\"guestServiceFee\"", "\"lengthDiscount\"", "\"fundedBy\"", "\"date\":\"2030-01-01\""] {
            assert!(json.contains(key), "{key} in {json}");
        }
        assert_eq!(serde_json::from_str::<Quote>(&json).unwrap(), q);

        let units = quote(&Base::Units { unit: "unit", unit_price: 300, quantity: 2 }, None, rates(0, 0, 0), "EUR");
        let json = serde_json::to_string(&units.clone().unwrap()).unwrap();
        assert!(!json.contains("\"coupon\"") && !json.contains("\"nights\"") && !json.contains("\"date\""));
        assert_eq!(serde_json::from_str::<Quote>(&json).ok(), units.ok());
    }

    /// Random but valid pricing inputs: 1–60 nights or units, prices up to 1e12.
    pub(crate) fn arb_base() -> impl Strategy<Value = Base> {
        let nights =
            (prop::collection::vec(0i64..=1_000_000_000_000, 1..=60), 0i64..=100, 0i64..=100, 0i64..=1_000_000_000)
                .prop_map(|(prices, weekly, monthly, cleaning)| stay(&prices, weekly, monthly, cleaning));
        let units = (prop::sample::select(vec!["person", "seat", "unit"]), 0i64..=1_000_000_000_000, 1i64..=1_000)
            .prop_map(|(unit, unit_price, quantity)| Base::Units { unit, unit_price, quantity });
        prop_oneof![3 => nights, 1 => units]
    }

    pub(crate) fn arb_coupon() -> impl Strategy<Value = Option<CouponApplied>> {
        let discount = prop_oneof![
            (0i64..=10_000).prop_map(CouponDiscount::PercentBps),
            (0i64..=100_000_000_000_000).prop_map(CouponDiscount::Fixed)
        ];
        prop::option::of((discount, any::<bool>()).prop_map(|(d, platform)| coupon(d, platform)))
    }

    pub(crate) fn arb_rates() -> impl Strategy<Value = Rates> {
        (0i64..=3_000, 0i64..=2_000, 0i64..=3_000).prop_map(|(g, h, t)| rates(g, h, t))
    }

    #[allow(dead_code)] // used by the policy's tests
    pub(crate) fn arb_quote() -> impl Strategy<Value = Quote> {
        (arb_base(), arb_coupon(), arb_rates())
            .prop_map(|(base, coupon, rates)| quote(&base, coupon.as_ref(), rates, "EUR").unwrap())
    }

    proptest! {
        #[test]
        fn quotes_balance_and_stay_non_negative(base in arb_base(), coupon in arb_coupon(), rates in arb_rates()) {
            let q = quote(&base, coupon.as_ref(), rates, "EUR").unwrap();
            prop_assert!(balanced(&q));
            prop_assert_eq!(q.subtotal, q.lines.iter().map(|l| l.amount).sum::<i64>());
            let length = q.length_discount.as_ref().map_or(0, |d| d.amount);
            let off = q.coupon.as_ref().map_or(0, |c| c.amount);
            prop_assert_eq!(q.base, q.subtotal - length - off + q.cleaning_fee);
            prop_assert_eq!(q.guest_total, q.base + q.guest_service_fee + q.taxes);
            for v in [q.subtotal, length, off, q.cleaning_fee, q.base, q.guest_service_fee, q.taxes, q.guest_total, q.host_fee, q.host_payout] {
                prop_assert!(v >= 0, "{:?}", q);
            }
            prop_assert!(accommodation(&q) >= 0);
            if coupon.is_none() {
                prop_assert_eq!(q.platform_revenue, q.guest_service_fee + q.host_fee);
            }
            prop_assert_eq!(quote(&base, coupon.as_ref(), rates, "EUR").unwrap(), q.clone());
            let json = serde_json::to_string(&q).unwrap();
            prop_assert_eq!(serde_json::from_str::<Quote>(&json).unwrap(), q);
        }
    }
}
