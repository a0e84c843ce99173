//! What a return of units refunds. Each unit is worth the same share of every part of the
//! stored quote (goods after discounts and coupon, the guest's service fee, taxes); shipping was
//! carriage done and is not refunded. Shares are taken cumulatively — units `a..b` are worth
//! `round(part × b / n) − round(part × a / n)` — so however the units come back, one at a time
//! or all at once, the refunds add up to exactly the parts, never a cent more from rounding.

use crate::policy::Refund;
use crate::pricing::{self, Quote};

/// The rule a return's refund names.
pub const RULE: &str = "product_return";

/// A return to price.
#[derive(Debug, Clone, Copy)]
pub struct ReturnAsk<'a> {
    pub quote: &'a Quote,
    /// Units bought.
    pub bought: i64,
    /// Units returned before this return.
    pub returned_before: i64,
    /// Units returned now.
    pub returning: i64,
    /// Money captured, or being captured.
    pub paid: i64,
    /// Money refunded, or decided to be, before this return.
    pub refunded_before: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnError {
    /// Fewer than one unit.
    NoUnits,
    /// More units than are left to return.
    TooMany { left: i64 },
}

/// `round(whole × k / n)`, half away from zero.
fn share(whole: i64, k: i64, n: i64) -> i64 {
    let v = pricing::mul_div_round(i128::from(whole), i128::from(k), i128::from(n));
    v.and_then(|v| i64::try_from(v).ok()).unwrap_or(0)
}

/// The refund of `ask.returning` units: their parts of the quote, capped by what was paid and
/// not yet refunded.
///
/// `hostPayout` follows payments' reading of a refund (`quote.hostPayout − refund.hostPayout` is
/// what that refund takes back from the host): it is the quote's payout less the host's part of
/// these units alone, so each of several returns takes back only its own units.
pub fn refund(ask: &ReturnAsk<'_>) -> Result<Refund, ReturnError> {
    let ReturnAsk { quote: q, bought, returned_before: before, returning, paid, refunded_before } = *ask;
    if returning < 1 {
        return Err(ReturnError::NoUnits);
    }
    let left = (bought - before).max(0);
    if returning > left {
        return Err(ReturnError::TooMany { left });
    }
    let upto = before + returning;
    let part = |whole: i64| share(whole, upto, bought) - share(whole, before, bought);
    let shipping = q.shipping.as_ref().map_or(0, |s| s.price);
    let accommodation = part(pricing::accommodation(q));
    let cleaning_fee = part(q.cleaning_fee);
    let guest_service_fee = part(q.guest_service_fee);
    let taxes = part(q.taxes);
    let host_back = part(q.host_payout - shipping);
    let owed = accommodation + cleaning_fee + guest_service_fee + taxes;
    let amount = owed.min((paid - refunded_before).max(0)).max(0);
    Ok(Refund {
        amount,
        accommodation,
        cleaning_fee,
        guest_service_fee,
        taxes,
        host_payout: q.host_payout - host_back,
        rule: if amount == 0 { "nothing_paid" } else { RULE }.to_owned(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::pricing::tests::{arb_coupon, arb_rates, rates};
    use crate::pricing::{Base, ShippingLine, quote};
    use crate::shipping::with_shipping;
    use proptest::prelude::*;

    /// 3 mugs at 40.00, fee 12 %, host fee 3 %, taxes 20 %, express shipping 15.00: base
    /// 120.00, fee 14.40, taxes 24.00, guest total 173.40, host payout 116.40 + 15.00.
    fn three_mugs() -> Quote {
        let base = Base::Units { unit: "unit", unit_price: 4000, quantity: 3 };
        let q = quote(&base, None, rates(1_200, 300, 2_000), "EUR").unwrap();
        with_shipping(q, ShippingLine { name: "Express".into(), price: 1500, estimated_days: 1 }).unwrap()
    }

    fn ask(q: &Quote, before: i64, returning: i64, refunded_before: i64) -> ReturnAsk<'_> {
        ReturnAsk { quote: q, bought: 3, returned_before: before, returning, paid: q.guest_total, refunded_before }
    }

    #[test]
    fn one_unit_is_a_third_of_everything_but_shipping() {
        let q = three_mugs();
        assert_eq!((q.guest_total, q.host_payout), (17_340, 13_140));
        let r = refund(&ask(&q, 0, 1, 0)).unwrap();
        assert_eq!((r.amount, r.accommodation, r.guest_service_fee, r.taxes), (5_280, 4_000, 480, 800));
        assert_eq!((r.host_payout, r.rule.as_str()), (13_140 - 3_880, RULE));
        // The other two, then nothing is left.
        let rest = refund(&ask(&q, 1, 2, 5_280)).unwrap();
        assert_eq!(rest.amount, 10_560);
        assert_eq!(refund(&ask(&q, 3, 1, 15_840)), Err(ReturnError::TooMany { left: 0 }));
        assert_eq!(refund(&ask(&q, 1, 3, 0)), Err(ReturnError::TooMany { left: 2 }));
        assert_eq!(refund(&ask(&q, 0, 0, 0)), Err(ReturnError::NoUnits));
    }

    #[test]
    fn never_more_than_was_paid_and_not_refunded() {
        let q = three_mugs();
        let r = refund(&ask(&q, 0, 3, q.guest_total - 100)).unwrap();
        assert_eq!(r.amount, 100);
        let none = refund(&ReturnAsk { paid: 0, ..ask(&q, 0, 1, 0) }).unwrap();
        assert_eq!((none.amount, none.rule.as_str()), (0, "nothing_paid"));
    }

    proptest! {
        #[test]
        fn returns_in_any_steps_add_up_to_the_parts(
            price in 0i64..=10_000_000, bought in 1i64..=40, coupon in arb_coupon(), rates in arb_rates(),
            shipping in 0i64..=100_000, steps in prop::collection::vec(1i64..=5, 1..=40),
        ) {
            let base = Base::Units { unit: "unit", unit_price: price, quantity: bought };
            let q = quote(&base, coupon.as_ref(), rates, "EUR").unwrap();
            let q = with_shipping(q, ShippingLine { name: "Post".into(), price: shipping, estimated_days: 2 }).unwrap();
            let (mut before, mut refunded, mut host_back) = (0, 0, 0);
            for step in steps {
                let returning = step.min(bought - before);
                if returning == 0 {
                    break;
                }
                let r = refund(&ReturnAsk { quote: &q, bought, returned_before: before, returning,
                                            paid: q.guest_total, refunded_before: refunded }).unwrap();
                prop_assert!(r.amount >= 0 && r.amount <= q.guest_total - refunded);
                before += returning;
                refunded += r.amount;
                host_back += q.host_payout - r.host_payout;
            }
            if before == bought {
                prop_assert_eq!(refunded, q.guest_total - shipping, "everything but shipping");
                prop_assert_eq!(host_back, q.host_payout - shipping);
            }
            prop_assert!(refunded <= q.guest_total - shipping);
        }
    }
}
