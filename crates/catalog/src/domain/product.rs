//! The `product` block: goods sold from stock (MyReprise's catalogue and resale).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::fields::{Errors, absent, amount, int, one_of, parse_block, text};

pub const CONDITIONS: [&str; 3] = ["new", "used", "refurbished"];
const MAX_PRICE: i64 = 1_000_000_000;

/// One way the goods can be shipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "a shipping option: an object { \"name\", \"price\", \"estimatedDays\", \"countries\"? }"
)]
#[schema(example = json!({"name": "Colissimo", "price": 990, "estimatedDays": 3, "countries": ["FR", "BE", "LU"]}))]
pub struct Shipping {
    /// 1–80 characters.
    #[schema(min_length = 1, max_length = 80)]
    pub name: String,
    /// Minor units, 0–1 000 000 000.
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub price: i64,
    /// 0–90.
    #[schema(minimum = 0, maximum = 90)]
    pub estimated_days: i64,
    /// Where it delivers: 1–250 ISO 3166-1 alpha-2 codes (any case; stored upper-case,
    /// duplicates dropped). Left out, the option ships everywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_items = 1, max_items = 250, example = json!(["FR", "BE"]))]
    pub countries: Option<Vec<String>>,
}

/// The `product` block, as stored and as sent: every field optional while a draft; fields left
/// out of a change are kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, expecting = "a product block: an object of product fields")]
#[schema(example = json!({"sku": "CHAIR-01", "stockQuantity": 3, "price": 4500, "condition": "used",
    "shippingOptions": [{"name": "Colissimo", "price": 990, "estimatedDays": 3}]}))]
pub struct Product {
    /// 1–64 letters, digits, `-`, `_` or `.`. Needed to publish.
    #[schema(example = "CHAIR-01")]
    pub sku: Option<String>,
    /// 0–1 000 000 units. Needed to publish.
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub stock_quantity: Option<i64>,
    /// Minor units per unit, 1–1 000 000 000. Needed to publish.
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    pub price: Option<i64>,
    /// `new`, `used` or `refurbished`. Needed to publish.
    #[schema(example = "new")]
    pub condition: Option<String>,
    /// Up to 10 options. At least one is needed to publish.
    #[schema(max_items = 10)]
    pub shipping_options: Option<Vec<Shipping>>,
}

fn sku(v: &str) -> Result<String, String> {
    let v = v.trim();
    if (1..=64).contains(&v.len()) && v.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        Ok(v.to_owned())
    } else {
        Err("must be 1 to 64 letters, digits, '-', '_' or '.'".into())
    }
}

/// The countries an option delivers to: 1–250 known ISO 3166-1 alpha-2 codes, upper-cased,
/// in the order given, duplicates dropped.
fn countries(list: &[String]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for raw in list {
        let code = kernel::country_code(raw).ok_or_else(|| {
            let shown: String = raw.trim().chars().take(10).collect();
            format!("`{shown}` is not an ISO 3166-1 alpha-2 country code such as FR")
        })?;
        if !out.iter().any(|c| c == code) {
            out.push(code.to_owned());
        }
    }
    if (1..=250).contains(&list.len()) {
        Ok(out)
    } else {
        Err("must list 1 to 250 countries (leave it out to ship everywhere)".into())
    }
}

pub fn apply(current: &Product, patch: &Value, errors: &mut Errors) -> Product {
    let Some(parsed) = parse_block::<Product>("product", patch, errors) else { return current.clone() };
    let mut p = current.clone();
    if let Some(v) = &parsed.sku
        && let Some(v) = errors.check("product.sku", sku(v))
    {
        p.sku = Some(v);
    }
    if let Some(v) = parsed.stock_quantity
        && let Some(v) = errors.check("product.stockQuantity", int(v, 0, 1_000_000))
    {
        p.stock_quantity = Some(v);
    }
    if let Some(v) = parsed.price
        && let Some(v) = errors.check("product.price", amount(v, 1, MAX_PRICE))
    {
        p.price = Some(v);
    }
    if let Some(v) = &parsed.condition
        && let Some(v) = errors.check("product.condition", one_of(v, &CONDITIONS))
    {
        p.condition = Some(v);
    }
    if let Some(options) = &parsed.shipping_options {
        let mut out = Vec::new();
        if options.len() > 10 {
            errors.add("product.shippingOptions", "must list at most 10 options");
        }
        let mut names = Vec::new();
        for (i, o) in options.iter().enumerate().take(10) {
            let field = |f: &str| format!("product.shippingOptions[{i}].{f}");
            let name = errors.check(&field("name"), text(&o.name, 1, 80, false));
            // A guest chooses an option by its name: two options cannot share one.
            let name = name.filter(|n| {
                let key = n.to_lowercase();
                let fresh = !names.contains(&key);
                if fresh {
                    names.push(key);
                } else {
                    errors.add(&field("name"), "is the name of another shipping option");
                }
                fresh
            });
            let price = errors.check(&field("price"), amount(o.price, 0, MAX_PRICE));
            let days = errors.check(&field("estimatedDays"), int(o.estimated_days, 0, 90));
            let countries = match &o.countries {
                Some(list) => errors.check(&field("countries"), countries(list)).map(Some),
                None => Some(None),
            };
            if let (Some(name), Some(price), Some(estimated_days), Some(countries)) = (name, price, days, countries) {
                out.push(Shipping { name, price, estimated_days, countries });
            }
        }
        p.shipping_options = Some(out);
    }
    p
}

pub fn missing(p: &Product) -> Vec<&'static str> {
    absent(&[
        ("product.sku", p.sku.is_some()),
        ("product.stockQuantity", p.stock_quantity.is_some()),
        ("product.price", p.price.is_some()),
        ("product.condition", p.condition.is_some()),
        ("product.shippingOptions", p.shipping_options.as_ref().is_some_and(|o| !o.is_empty())),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn validates() {
        let mut e = Errors::default();
        let p = apply(
            &Product::default(),
            &json!({"sku": "CHAIR-01", "stockQuantity": 3, "price": 4500, "condition": "Used",
            "shippingOptions": [{"name": "Colissimo", "price": 990, "estimatedDays": 3}]}),
            &mut e,
        );
        assert!(e.is_empty(), "{:?}", e.0);
        assert!(missing(&p).is_empty());
        apply(
            &p,
            &json!({"sku": "a b", "stockQuantity": -1, "condition": "broken",
            "shippingOptions": [{"name": "", "price": -1, "estimatedDays": 400}]}),
            &mut e,
        );
        assert_eq!(e.0.len(), 6, "{:?}", e.0);
    }

    #[test]
    fn shipping_options_name_their_countries_and_have_distinct_names() {
        let mut e = Errors::default();
        let p = apply(
            &Product::default(),
            &json!({"shippingOptions": [
                {"name": "Express", "price": 1500, "estimatedDays": 1, "countries": ["fr", "BE", "fr"]},
                {"name": "World", "price": 3000, "estimatedDays": 10}]}),
            &mut e,
        );
        assert!(e.is_empty(), "{:?}", e.0);
        let options = p.shipping_options.unwrap_or_default();
        assert_eq!(options[0].countries, Some(vec!["FR".to_owned(), "BE".to_owned()]));
        assert_eq!(options[1].countries, None, "absent: ships everywhere");
        let stored = serde_json::to_value(&options[1]).unwrap_or_default();
        assert!(stored.get("countries").is_none(), "{stored}");

        let mut e = Errors::default();
        apply(
            &Product::default(),
            &json!({"shippingOptions": [
                {"name": "Post", "price": 500, "estimatedDays": 3, "countries": []},
                {"name": "post", "price": 500, "estimatedDays": 3, "countries": ["UK"]},
                {"name": "Far", "price": 500, "estimatedDays": 3, "countries": vec!["FR"; 251]}]}),
            &mut e,
        );
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "product.shippingOptions[0].countries",
                "product.shippingOptions[1].name",
                "product.shippingOptions[1].countries",
                "product.shippingOptions[2].countries"
            ]
        );
    }
}
