//! Names, usernames and phone numbers as users type them. Markup is refused rather than
//! escaped: a name is never HTML, and refusing keeps every consumer safe without relying on
//! each one to escape.

pub const NAME_MAX: usize = 50;

pub fn name(raw: &str) -> Result<String, &'static str> {
    let v = raw.trim();
    if v.is_empty() {
        return Err("must not be empty");
    }
    if v.chars().count() > NAME_MAX {
        return Err("must be at most 50 characters");
    }
    if v.chars().any(|c| matches!(c, '<' | '>' | '{' | '}' | '`') || c.is_control()) {
        return Err("must not contain markup or control characters");
    }
    Ok(v.to_owned())
}

/// A username and its case-insensitive uniqueness key.
pub fn username(raw: &str) -> Result<(String, String), &'static str> {
    let v = raw.trim();
    let len = v.chars().count();
    if !(3..=30).contains(&len) {
        return Err("must be 3 to 30 characters");
    }
    if !v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
        return Err("may contain only letters, digits, '_', '.' and '-'");
    }
    Ok((v.to_owned(), v.to_ascii_lowercase()))
}

pub fn phone(raw: &str) -> Result<String, &'static str> {
    let v = raw.trim();
    let digits = v.chars().filter(char::is_ascii_digit).count();
    let shape = v.strip_prefix('+').unwrap_or(v).chars().all(|c| c.is_ascii_digit() || c == ' ');
    if !shape || !(6..=15).contains(&digits) || v.len() > 20 {
        return Err("must be a phone number such as +33 6 12 34 56 78");
    }
    Ok(v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert_eq!(name("  Jean "), Ok("Jean".into()));
        assert!(name("<script>alert(1)</script>").is_err());
        assert!(name(&"é".repeat(51)).is_err());
        assert!(name("Zoë-Ann O'Neil").is_ok());
        assert_eq!(username("Jean.D"), Ok(("Jean.D".into(), "jean.d".into())));
        assert!(username("ab").is_err());
        assert!(username("jean d").is_err());
        assert!(phone("+33 6 12 34 56 78").is_ok());
        assert!(phone("call me").is_err());
        assert!(phone("+1").is_err());
    }
}
