//! Email addresses: trimmed, lowercased, and checked for a plausible shape. Deliverability is
//! proven by the verification mail, not by a regex.

use std::fmt;

const MAX_LEN: usize = 254;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, &'static str> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err("is required");
        }
        if email.len() > MAX_LEN {
            return Err("must be at most 254 characters");
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err("must be a valid email address");
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
            && labels.last().is_some_and(|tld| tld.chars().count() >= 2);
        if !local_ok || !domain_ok {
            return Err("must be a valid email address");
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_validates() {
        assert_eq!(Email::parse("  Jean@Example.COM ").map(|e| e.0), Ok("jean@example.com".into()));
        for bad in
            ["", "plain", "a@b", "@x.com", "a@.com", "a..b@x.com", "a@x..com", "a b@x.com", "a@-x.com", "<a>@x.com"]
        {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert!(Email::parse(&format!("{}@x.com", "a".repeat(65))).is_err());
        assert!(Email::parse("first.last+tag@sub.example.co.uk").is_ok());
    }
}
