//! Which of a product's shipping options an order takes, and what it adds to the quote.
//!
//! The request names the option (`shippingOption`) and gives the address (`deliveryAddress`);
//! both or neither. A product with options must be given both; one without any takes neither.
//! The option's countries, when the seller listed some, must include the address's.

use kernel::{ApiError, FieldError};
use serde::Deserialize;
use serde_json::Value;

use super::address::{AddressInput, DeliveryAddress};
use crate::pricing::{PriceError, Quote, QuoteLine, ShippingLine};

/// What a product request asks for: an option by its name, to an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippingAsk {
    pub option: String,
    pub address: DeliveryAddress,
}

/// The request's shipping, checked on its own (the listing's options are [`choose`]'s); every
/// problem is added to `errors`. `None` when neither was given, or something is wrong.
pub fn ask(option: Option<&str>, address: Option<&AddressInput>, errors: &mut Vec<FieldError>) -> Option<ShippingAsk> {
    let name = option.map(str::trim).and_then(|o| {
        if (1..=80).contains(&o.chars().count()) {
            Some(o.to_owned())
        } else {
            errors.push(FieldError::new("shippingOption", "must be the name of one of the product's shipping options"));
            None
        }
    });
    let parsed = address.and_then(|a| DeliveryAddress::parse(a).map_err(|e| errors.extend(e)).ok());
    match (option.is_some(), address.is_some()) {
        (true, false) => errors.push(FieldError::new("deliveryAddress", "is required with a shippingOption")),
        (false, true) => errors.push(FieldError::new("shippingOption", "is required with a deliveryAddress")),
        _ => {}
    }
    Some(ShippingAsk { option: name?, address: parsed? })
}

/// A shipping option as the catalog's listing carries it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Offered {
    name: String,
    price: i64,
    estimated_days: i64,
    #[serde(default)]
    countries: Option<Vec<String>>,
}

fn offered(product: &Value) -> Vec<Offered> {
    let list = product.get("shippingOptions").and_then(Value::as_array);
    list.into_iter().flatten().filter_map(|o| serde_json::from_value(o.clone()).ok()).collect()
}

/// The option `ask` names among the product's (`product` is the listing's `product` block), as
/// the quote records it; `None` for a product shipped by no option, asked for none.
///
/// `400` on `shippingOption` (and `deliveryAddress`) when the product has options and none was
/// asked for, or one it does not have; `422 country_not_served` on `deliveryAddress.country`
/// when the option does not deliver there.
pub fn choose(product: &Value, ask: Option<&ShippingAsk>) -> Result<Option<ShippingLine>, ApiError> {
    let options = offered(product);
    let names = options.iter().map(|o| o.name.as_str()).collect::<Vec<_>>().join(", ");
    let Some(ask) = ask else {
        if options.is_empty() {
            return Ok(None);
        }
        return Err(ApiError::validation(vec![
            FieldError::new("shippingOption", format!("is required: one of {names}")),
            FieldError::new("deliveryAddress", "is required"),
        ]));
    };
    if options.is_empty() {
        let why = "does not apply: this product has no shipping options";
        return Err(ApiError::validation(vec![FieldError::new("shippingOption", why)]));
    }
    let wanted = ask.option.to_lowercase();
    let Some(option) = options.iter().find(|o| o.name.trim().to_lowercase() == wanted) else {
        return Err(ApiError::validation(vec![FieldError::new("shippingOption", format!("must be one of {names}"))]));
    };
    let country = ask.address.country();
    if let Some(served) = &option.countries
        && !served.iter().any(|c| c.eq_ignore_ascii_case(country))
    {
        let message = format!("{} does not deliver to {country}", option.name);
        return Err(ApiError::new(422, "country_not_served", message).with_details(vec![FieldError::new(
            "deliveryAddress.country",
            format!("{} delivers to {}", option.name, served.join(", ")),
        )]));
    }
    Ok(Some(ShippingLine { name: option.name.clone(), price: option.price, estimated_days: option.estimated_days }))
}

/// `q` with `shipping` added: a line of unit `shipping`, and its price in what the guest pays
/// and what the seller is paid. The base, fees and taxes do not change, so neither does the
/// platform's revenue, and `guestTotal = hostPayout + platformRevenue + taxes` still holds.
pub fn with_shipping(mut q: Quote, shipping: ShippingLine) -> Result<Quote, PriceError> {
    let price = shipping.price.max(0);
    q.lines.push(QuoteLine { unit: "shipping".to_owned(), date: None, unit_price: price, quantity: 1, amount: price });
    q.guest_total = q.guest_total.checked_add(price).ok_or(PriceError::Overflow)?;
    q.host_payout = q.host_payout.checked_add(price).ok_or(PriceError::Overflow)?;
    q.shipping = Some(ShippingLine { price, ..shipping });
    Ok(q)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::pricing::tests::{arb_base, arb_coupon, arb_rates};
    use crate::pricing::{Base, quote};
    use proptest::prelude::*;
    use serde_json::json;

    fn address(country: &str, postal: &str) -> AddressInput {
        AddressInput {
            name: Some("Ana Lima".into()),
            line1: Some("1 Main Street".into()),
            city: Some("Town".into()),
            postal_code: Some(postal.into()),
            country: Some(country.into()),
            ..AddressInput::default()
        }
    }

    fn asked(option: &str, country: &str, postal: &str) -> ShippingAsk {
        let mut errors = Vec::new();
        ask(Some(option), Some(&address(country, postal)), &mut errors).expect("a good ask")
    }

    fn mug() -> Value {
        json!({"price": 4000, "shippingOptions": [
            {"name": "Post", "price": 500, "estimatedDays": 4},
            {"name": "Express", "price": 1500, "estimatedDays": 1, "countries": ["FR", "BE"]}]})
    }

    fn fields(e: &ApiError) -> Vec<&str> {
        e.details.iter().map(|d| d.field.as_str()).collect()
    }

    #[test]
    fn both_or_neither() {
        let mut errors = Vec::new();
        assert_eq!(ask(None, None, &mut errors), None);
        assert!(errors.is_empty());
        assert_eq!(ask(Some("Post"), None, &mut errors), None);
        assert_eq!(ask(None, Some(&address("FR", "75002")), &mut errors), None);
        assert_eq!(ask(Some(" "), Some(&address("FR", "7500")), &mut errors), None);
        let named: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        let expected = ["deliveryAddress", "shippingOption", "shippingOption", "deliveryAddress.postalCode"];
        assert_eq!(named, expected);
        assert_eq!(asked(" Post ", "FR", "75002").option, "Post");
    }

    #[test]
    fn the_option_is_chosen_by_name_and_must_serve_the_country() {
        let line = choose(&mug(), Some(&asked("express", "BE", "1000"))).unwrap();
        assert_eq!(line, Some(ShippingLine { name: "Express".into(), price: 1500, estimated_days: 1 }));
        let post = choose(&mug(), Some(&asked("Post", "JP", "100-0001"))).unwrap();
        assert_eq!(post.map(|l| l.price), Some(500), "no countries: everywhere");

        let far = choose(&mug(), Some(&asked("Express", "US", "10001"))).unwrap_err();
        assert_eq!((far.status, far.code.as_ref()), (422, "country_not_served"));
        assert_eq!(fields(&far), ["deliveryAddress.country"]);
        let unknown = choose(&mug(), Some(&asked("Pigeon", "FR", "75002"))).unwrap_err();
        assert_eq!((unknown.status, fields(&unknown)), (400, vec!["shippingOption"]));
        let none = choose(&mug(), None).unwrap_err();
        assert_eq!(fields(&none), ["shippingOption", "deliveryAddress"]);
        let unshipped = json!({"price": 4000});
        assert_eq!(choose(&unshipped, None).unwrap(), None);
        let refused = choose(&unshipped, Some(&asked("Post", "FR", "75002"))).unwrap_err();
        assert_eq!((refused.status, fields(&refused)), (400, vec!["shippingOption"]));
    }

    #[test]
    fn shipping_is_passed_through_without_fees_or_taxes() {
        let base = Base::Units { unit: "unit", unit_price: 4000, quantity: 2 };
        let q = quote(&base, None, crate::pricing::tests::rates(1_200, 300, 2_000), "EUR").unwrap();
        let express = ShippingLine { name: "Express".into(), price: 1500, estimated_days: 1 };
        let shipped = with_shipping(q.clone(), express.clone()).unwrap();
        assert_eq!(shipped.guest_total, q.guest_total + 1500);
        assert_eq!(shipped.host_payout, q.host_payout + 1500);
        assert_eq!(
            (shipped.base, shipped.guest_service_fee, shipped.taxes, shipped.host_fee, shipped.platform_revenue),
            (q.base, q.guest_service_fee, q.taxes, q.host_fee, q.platform_revenue)
        );
        let line = QuoteLine { unit: "shipping".into(), date: None, unit_price: 1500, quantity: 1, amount: 1500 };
        assert_eq!(shipped.lines.last(), Some(&line));
        assert_eq!(shipped.shipping, Some(express));
        let json = serde_json::to_value(&shipped).unwrap();
        assert_eq!(json["shipping"], json!({"name": "Express", "price": 1500, "estimatedDays": 1}));
        assert_eq!(serde_json::from_value::<Quote>(json).unwrap(), shipped);
    }

    proptest! {
        #[test]
        fn quotes_with_shipping_balance(base in arb_base(), coupon in arb_coupon(), rates in arb_rates(),
                                        price in 0i64..=100_000_000) {
            let q = quote(&base, coupon.as_ref(), rates, "EUR").unwrap();
            let line = ShippingLine { name: "Post".into(), price, estimated_days: 3 };
            let s = with_shipping(q.clone(), line).unwrap();
            prop_assert_eq!(s.guest_total, s.host_payout + s.platform_revenue + s.taxes);
            prop_assert_eq!(s.guest_total - q.guest_total, price);
            prop_assert_eq!(s.platform_revenue, q.platform_revenue);
        }
    }
}
