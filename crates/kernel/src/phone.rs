//! Phone numbers in E.164 form (`+33612345678`), the one spelling an SMS provider, a
//! verification code and a comparison between two numbers can rely on. People type numbers
//! with spaces, dots, dashes and brackets, or with `00` for the international prefix; those are
//! accepted and dropped here, so every context stores and compares the same string. Anything
//! else (letters, a national number without its country code) is refused rather than guessed.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why [`Phone::parse`] refused a number (the sentence a `FieldError` shows).
pub const INVALID_PHONE: &str = "must be an international number such as +33612345678";

/// Longest input looked at: a 15-digit number with generous separators.
const MAX_INPUT: usize = 32;

/// An E.164 number: `+`, then 8–15 digits, the first not 0.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Phone(String);

impl Phone {
    /// Normalises `raw`: surrounding whitespace is trimmed; it starts with `+` or `00`; spaces,
    /// dots, dashes and brackets between the digits are dropped; 8–15 digits remain, the first
    /// not 0.
    pub fn parse(raw: &str) -> Result<Phone, &'static str> {
        let raw = raw.trim();
        if raw.chars().count() > MAX_INPUT {
            return Err(INVALID_PHONE);
        }
        let rest = raw.strip_prefix('+').or_else(|| raw.strip_prefix("00")).ok_or(INVALID_PHONE)?;
        let mut out = String::with_capacity(16);
        out.push('+');
        for c in rest.chars() {
            match c {
                '0'..='9' => out.push(c),
                ' ' | '.' | '-' | '(' | ')' => {}
                _ => return Err(INVALID_PHONE),
            }
        }
        let digits = out.len() - 1;
        if (8..=15).contains(&digits) && !out.starts_with("+0") { Ok(Phone(out)) } else { Err(INVALID_PHONE) }
    }

    /// `+33612345678`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Phone {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Phone::parse(s)
    }
}

impl AsRef<str> for Phone {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for Phone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Deserialising parses: a `Phone` read from JSON is as normalised as one parsed here.
impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Phone::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn separators_are_dropped_and_00_is_a_plus() {
        for (raw, e164) in [
            ("+33612345678", "+33612345678"),
            ("+33 6 12 34 56 78", "+33612345678"),
            (" +33 6.12-34(56)78 ", "+33612345678"),
            ("0033 6 12 34 56 78", "+33612345678"),
            ("+1 (415) 555-2671", "+14155552671"),
            ("+12345678", "+12345678"),
            ("+123456789012345", "+123456789012345"),
        ] {
            let phone = Phone::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(phone.as_str(), e164, "{raw}");
            assert_eq!(phone.to_string(), e164);
        }
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "",
            "+",
            "00",
            "0612345678",   // national, no country code
            "33612345678",  // no international prefix
            "+0612345678",  // country codes never start with 0
            "000612345678", // 00 then a 0
            "+1234567",     // 7 digits
            "+1234567890123456",
            "+33 6 12 34 56 7a",
            "+33/612345678",
            "+33612345678 ext 12",
            "++33612345678",
            "+３３612345678", // full-width digits
            "+33\u{a0}612345678",
            "+1-----------------------------2345678",
        ] {
            assert_eq!(Phone::parse(bad), Err(INVALID_PHONE), "{bad:?}");
        }
    }

    #[test]
    fn serialises_as_the_string_and_parses_when_read() {
        let phone = Phone::parse("+44 20 7946 0958").unwrap();
        assert_eq!(serde_json::to_value(&phone).unwrap(), serde_json::json!("+442079460958"));
        let read: Phone = serde_json::from_str("\"0044 20 7946 0958\"").unwrap();
        assert_eq!(read, phone);
        assert!(serde_json::from_str::<Phone>("\"020 7946 0958\"").is_err());
        assert_eq!("+442079460958".parse::<Phone>().unwrap(), phone);
    }
}
