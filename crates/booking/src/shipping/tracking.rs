//! What a seller says about a parcel (carrier, tracking number and link) and about units sent
//! back (how many, why), checked before anything changes. Every bad field is named at once.

use kernel::{ApiError, FieldError};

use super::line;

/// How a parcel travels, as the guest is shown it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracking {
    pub carrier: String,
    pub number: String,
    pub url: Option<String>,
}

impl Tracking {
    /// `carrier` 1–80 characters; `number` 1–64 letters, digits, spaces or dashes; `url` an
    /// `https://` (or `http://`) address of at most 500 characters.
    pub fn parse(carrier: Option<&str>, number: Option<&str>, url: Option<&str>) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        let carrier = line("carrier", carrier, 80, &mut errors);
        if carrier.is_none() && errors.is_empty() {
            errors.push(FieldError::new("carrier", "is required"));
        }
        let number = match number.map(str::trim).filter(|n| !n.is_empty()) {
            None => {
                errors.push(FieldError::new("trackingNumber", "is required"));
                None
            }
            Some(n) if n.len() <= 64 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-') => {
                Some(n.to_owned())
            }
            Some(_) => {
                errors.push(FieldError::new("trackingNumber", "must be 1 to 64 letters, digits, spaces or dashes"));
                None
            }
        };
        let url = match url.map(str::trim).filter(|u| !u.is_empty()) {
            None => None,
            Some(u) if web_address(u) => Some(u.to_owned()),
            Some(_) => {
                errors.push(FieldError::new("trackingUrl", "must be an https:// address of at most 500 characters"));
                None
            }
        };
        match (carrier, number) {
            (Some(carrier), Some(number)) if errors.is_empty() => Ok(Tracking { carrier, number, url }),
            _ => Err(ApiError::validation(errors)),
        }
    }
}

/// `http(s)://host…`, printable, without spaces.
fn web_address(u: &str) -> bool {
    let rest = u.strip_prefix("https://").or_else(|| u.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    u.len() <= 500 && host.is_some_and(|h| !h.is_empty()) && u.chars().all(|c| c.is_ascii_graphic())
}

/// A return: how many units came back, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnRequest {
    pub quantity: i64,
    pub reason: String,
}

impl ReturnRequest {
    /// `quantity` 1–1000 (what is left to return is checked against the order); `reason` 1–500
    /// characters.
    pub fn parse(quantity: Option<i64>, reason: Option<&str>) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        let quantity = match quantity {
            Some(n) if (1..=1000).contains(&n) => Some(n),
            Some(_) => {
                errors.push(FieldError::new("quantity", "must be 1 to 1000"));
                None
            }
            None => {
                errors.push(FieldError::new("quantity", "is required"));
                None
            }
        };
        let reason = match reason.map(str::trim).filter(|r| !r.is_empty()) {
            None => {
                errors.push(FieldError::new("reason", "is required"));
                None
            }
            Some(r) if r.chars().count() > 500 || r.chars().any(|c| c.is_control() && c != '\n') => {
                errors.push(FieldError::new("reason", "must be 1 to 500 characters of text"));
                None
            }
            Some(r) => Some(r.to_owned()),
        };
        match (quantity, reason) {
            (Some(quantity), Some(reason)) => Ok(ReturnRequest { quantity, reason }),
            _ => Err(ApiError::validation(errors)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn fields(e: ApiError) -> Vec<String> {
        e.details.into_iter().map(|d| d.field).collect()
    }

    #[test]
    fn a_parcel_needs_a_carrier_and_a_tracking_number() {
        let t =
            Tracking::parse(Some(" Colissimo "), Some("6A12345678901"), Some("https://laposte.fr/t?c=6A1")).unwrap();
        assert_eq!((t.carrier.as_str(), t.number.as_str()), ("Colissimo", "6A12345678901"));
        assert_eq!(t.url.as_deref(), Some("https://laposte.fr/t?c=6A1"));
        assert_eq!(Tracking::parse(Some("DHL"), Some("123"), None).unwrap().url, None);
        let e = Tracking::parse(None, Some("12/34"), Some("javascript:alert(1)")).unwrap_err();
        assert_eq!(fields(e), ["carrier", "trackingNumber", "trackingUrl"]);
        let e = Tracking::parse(Some("<DHL>"), None, Some("https://")).unwrap_err();
        assert_eq!(fields(e), ["carrier", "trackingNumber", "trackingUrl"]);
        assert!(Tracking::parse(Some("DHL"), Some("1"), Some("https://a b.fr")).is_err());
    }

    #[test]
    fn a_return_says_how_many_and_why() {
        let r = ReturnRequest::parse(Some(1), Some(" Broken handle ")).unwrap();
        assert_eq!((r.quantity, r.reason.as_str()), (1, "Broken handle"));
        assert_eq!(fields(ReturnRequest::parse(None, None).unwrap_err()), ["quantity", "reason"]);
        let long = "x".repeat(501);
        assert_eq!(fields(ReturnRequest::parse(Some(0), Some(&long)).unwrap_err()), ["quantity", "reason"]);
    }
}
