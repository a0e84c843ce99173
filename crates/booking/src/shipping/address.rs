//! The delivery address of a product order. It arrives with every member optional so that a
//! guest learns of every problem at once (`deliveryAddress.postalCode`, `deliveryAddress.phone`,
//! …), and leaves as a [`DeliveryAddress`] only when all of it holds: a known country, a postal
//! code in that country's format, an E.164 phone number. Values are stored as normalised here
//! (`fr` → `FR`, `sw1a1aa` → `SW1A 1AA`, `+33 6 12 34 56 78` → `+33612345678`), so a seller
//! reads one spelling.

use kernel::FieldError;
use serde::{Deserialize, Serialize};

use super::{line, postal};

const FIELD: &str = "deliveryAddress";

/// A delivery address as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({"name": "Ana Lima", "line1": "12 Rue de la Paix", "city": "Paris", "postalCode": "75002",
    "country": "FR", "phone": "+33612345678"}))]
pub struct AddressInput {
    /// The recipient, 1–100 characters.
    #[schema(max_length = 100)]
    pub name: Option<String>,
    /// 1–200 characters.
    #[schema(max_length = 200)]
    pub line1: Option<String>,
    /// Up to 200 characters.
    #[schema(max_length = 200)]
    pub line2: Option<String>,
    /// 1–100 characters.
    #[schema(max_length = 100)]
    pub city: Option<String>,
    /// In the country's format (FR, DE, ES, IT, BE, NL, CH, GB, IE, PT, US, CA, AU, JP are checked
    /// exactly; elsewhere 2–10 letters, digits, spaces or dashes).
    #[schema(max_length = 10)]
    pub postal_code: Option<String>,
    /// State, province or county, up to 100 characters.
    #[schema(max_length = 100)]
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2, any case.
    #[schema(example = "FR")]
    pub country: Option<String>,
    /// E.164: `+`, the country code and number, 8–15 digits (spaces, dots, dashes and brackets
    /// are dropped).
    #[schema(example = "+33612345678")]
    pub phone: Option<String>,
}

/// An address that passed every check of [`DeliveryAddress::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryAddress {
    name: String,
    line1: String,
    line2: Option<String>,
    city: String,
    postal_code: String,
    region: Option<String>,
    country: &'static str,
    phone: Option<String>,
}

impl DeliveryAddress {
    /// Checks and normalises `input`; every failing member is named, under `deliveryAddress.`.
    pub fn parse(input: &AddressInput) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let field = |f: &str| format!("{FIELD}.{f}");
        let required = |f: &str, raw: &Option<String>, max: usize, errors: &mut Vec<FieldError>| {
            let v = line(&field(f), raw.as_deref(), max, errors);
            if v.is_none() && raw.as_deref().is_none_or(|r| r.trim().is_empty()) {
                errors.push(FieldError::new(field(f), "is required"));
            }
            v
        };
        let name = required("name", &input.name, 100, &mut errors);
        let line1 = required("line1", &input.line1, 200, &mut errors);
        let city = required("city", &input.city, 100, &mut errors);
        let line2 = line(&field("line2"), input.line2.as_deref(), 200, &mut errors);
        let region = line(&field("region"), input.region.as_deref(), 100, &mut errors);
        let country = match input.country.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            None => {
                errors.push(FieldError::new(field("country"), "is required"));
                None
            }
            Some(raw) => kernel::country_code(raw).or_else(|| {
                errors.push(FieldError::new(field("country"), "must be an ISO 3166-1 alpha-2 country code such as FR"));
                None
            }),
        };
        let postal_code = match input.postal_code.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            None => {
                errors.push(FieldError::new(field("postalCode"), "is required"));
                None
            }
            // Without a known country there is no format to check it against.
            Some(raw) => country.and_then(|c| {
                postal::normalise(c, raw).map_err(|m| errors.push(FieldError::new(field("postalCode"), m))).ok()
            }),
        };
        let phone = match input.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            None => None,
            Some(raw) => phone(raw).map_err(|m| errors.push(FieldError::new(field("phone"), m))).ok(),
        };
        match (name, line1, city, postal_code, country) {
            (Some(name), Some(line1), Some(city), Some(postal_code), Some(country)) if errors.is_empty() => {
                Ok(DeliveryAddress { name, line1, line2, city, postal_code, region, country, phone })
            }
            _ => Err(errors),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn line1(&self) -> &str {
        &self.line1
    }

    pub fn line2(&self) -> Option<&str> {
        self.line2.as_deref()
    }

    pub fn city(&self) -> &str {
        &self.city
    }

    pub fn postal_code(&self) -> &str {
        &self.postal_code
    }

    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// ISO 3166-1 alpha-2, upper case.
    pub fn country(&self) -> &'static str {
        self.country
    }

    /// `+` and 8–15 digits.
    pub fn phone(&self) -> Option<&str> {
        self.phone.as_deref()
    }
}

/// An E.164 number: `+`, then 8–15 digits, the first not 0; spaces, dots, dashes and brackets
/// between them are dropped.
fn phone(raw: &str) -> Result<String, String> {
    let bad = || "must be an international number such as +33612345678".to_owned();
    if raw.chars().count() > 32 {
        return Err(bad());
    }
    let digits = raw.strip_prefix('+').ok_or_else(bad)?;
    let mut out = String::from("+");
    for c in digits.chars() {
        match c {
            '0'..='9' => out.push(c),
            ' ' | '.' | '-' | '(' | ')' => {}
            _ => return Err(bad()),
        }
    }
    let n = out.len() - 1;
    if (8..=15).contains(&n) && !out.starts_with("+0") { Ok(out) } else { Err(bad()) }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn paris() -> AddressInput {
        AddressInput {
            name: Some(" Ana Lima ".into()),
            line1: Some("12 Rue de la Paix".into()),
            city: Some("Paris".into()),
            postal_code: Some("75002".into()),
            country: Some("fr".into()),
            phone: Some("+33 6 12-34.56 (78)".into()),
            ..AddressInput::default()
        }
    }

    fn fields(e: Vec<FieldError>) -> Vec<String> {
        e.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn a_good_address_is_normalised() {
        let a = DeliveryAddress::parse(&paris()).unwrap();
        assert_eq!((a.name(), a.country(), a.postal_code()), ("Ana Lima", "FR", "75002"));
        assert_eq!((a.line2(), a.region(), a.phone()), (None, None, Some("+33612345678")));
        let london = AddressInput {
            postal_code: Some("sw1a1aa".into()),
            country: Some("GB".into()),
            line2: Some("  ".into()),
            phone: None,
            ..paris()
        };
        let a = DeliveryAddress::parse(&london).unwrap();
        assert_eq!((a.postal_code(), a.line2(), a.phone()), ("SW1A 1AA", None, None));
    }

    #[test]
    fn every_bad_member_is_named_at_once() {
        let e = DeliveryAddress::parse(&AddressInput::default()).unwrap_err();
        let expected = ["name", "line1", "city", "country", "postalCode"].map(|f| format!("deliveryAddress.{f}"));
        assert_eq!(fields(e), expected);

        let bad = AddressInput {
            name: Some("x".repeat(101)),
            line1: Some("<b>1 rue</b>".into()),
            line2: Some("a\nb".into()),
            postal_code: Some("7500".into()),
            phone: Some("0612345678".into()),
            ..paris()
        };
        let expected = ["name", "line1", "line2", "postalCode", "phone"].map(|f| format!("deliveryAddress.{f}"));
        assert_eq!(fields(DeliveryAddress::parse(&bad).unwrap_err()), expected);
    }

    #[test]
    fn an_unknown_country_is_refused_and_its_postal_code_is_not_judged() {
        let e = DeliveryAddress::parse(&AddressInput { country: Some("UK".into()), ..paris() }).unwrap_err();
        assert_eq!(fields(e), ["deliveryAddress.country"]);
    }

    #[test]
    fn phones_are_e164() {
        assert_eq!(phone("+1 (415) 555-2671").as_deref(), Ok("+14155552671"));
        for bad in ["+0612345678", "+1234567", "+1234567890123456", "+33 6 12 34 56 7a", "33612345678", "+"] {
            assert!(phone(bad).is_err(), "{bad}");
        }
    }
}
