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

/// A phone number as typed: an international one in any spelling [`kernel::Phone`] reads
/// (`0033 (6) 12-34-56-78`), or digits and spaces (a national number, kept for display; it
/// cannot be verified by SMS).
pub fn phone(raw: &str) -> Result<String, &'static str> {
    let v = raw.trim();
    if kernel::Phone::parse(v).is_ok() {
        return Ok(v.to_owned());
    }
    let digits = v.chars().filter(char::is_ascii_digit).count();
    let shape = v.strip_prefix('+').unwrap_or(v).chars().all(|c| c.is_ascii_digit() || c == ' ');
    if !shape || !(6..=15).contains(&digits) || v.len() > 20 {
        return Err("must be a phone number such as +33 6 12 34 56 78");
    }
    Ok(v.to_owned())
}

pub const BIO_MAX: usize = 500;

/// Free text about oneself: plain text (markup refused), line breaks allowed.
pub fn bio(raw: &str) -> Result<String, &'static str> {
    let v = raw.trim();
    if v.chars().count() > BIO_MAX {
        return Err("must be at most 500 characters");
    }
    if v.chars().any(|c| matches!(c, '<' | '>') || (c.is_control() && c != '\n')) {
        return Err("must be plain text (no markup or control characters)");
    }
    Ok(v.to_owned())
}

/// An avatar is an https URL (uploads, when they land, produce one of ours).
pub fn avatar_url(raw: &str) -> Result<String, &'static str> {
    let v = raw.trim();
    let rest = v.strip_prefix("https://").ok_or("must be an https:// URL")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || v.len() > 2048 || v.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"') {
        return Err("must be an https:// URL");
    }
    Ok(v.to_owned())
}

/// Why a `data:` URL is not an image we take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataUrlError {
    /// Not `data:image/{jpeg,png,webp};base64,…`.
    NotAnImage,
    /// The base64 text does not decode.
    Malformed,
}

/// The bytes of a `data:image/jpeg;base64,…` URL (PNG and WebP too), as DreamScape's web client
/// sends an avatar. The image itself is checked by the avatar pipeline.
pub fn data_url(raw: &str) -> Result<Vec<u8>, DataUrlError> {
    use base64::Engine;
    let rest = raw.trim().strip_prefix("data:").ok_or(DataUrlError::NotAnImage)?;
    let (meta, payload) = rest.split_once(',').ok_or(DataUrlError::Malformed)?;
    let mime = meta.strip_suffix(";base64").ok_or(DataUrlError::NotAnImage)?.to_ascii_lowercase();
    if !matches!(mime.as_str(), "image/jpeg" | "image/jpg" | "image/png" | "image/webp") {
        return Err(DataUrlError::NotAnImage);
    }
    let text: String = payload.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let engine = base64::engine::general_purpose::STANDARD;
    let lenient = base64::engine::general_purpose::STANDARD_NO_PAD;
    engine.decode(&text).or_else(|_| lenient.decode(text.trim_end_matches('='))).map_err(|_| DataUrlError::Malformed)
}

/// A birth date: a real date in the past, at least 13 years ago, not before 1900.
/// An ISO date-time (DreamScape's clients send `1990-02-28T00:00:00.000Z`) counts by its date.
pub fn date_of_birth(raw: &str, today: chrono::NaiveDate) -> Result<chrono::NaiveDate, &'static str> {
    let raw = raw.trim();
    let day = match raw.get(..10) {
        Some(day) if raw.len() > 10 && chrono::DateTime::parse_from_rfc3339(raw).is_ok() => day,
        _ => raw,
    };
    let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| "must be a date YYYY-MM-DD")?;
    let earliest = chrono::NaiveDate::from_ymd_opt(1900, 1, 1).ok_or("must be a date YYYY-MM-DD")?;
    let thirteen = today.checked_sub_months(chrono::Months::new(13 * 12)).ok_or("must be a date YYYY-MM-DD")?;
    if date < earliest || date > today {
        return Err("must be a past date after 1900-01-01");
    }
    if date > thirteen {
        return Err("users must be at least 13 years old");
    }
    Ok(date)
}

/// A language tag such as `fr` or `pt-BR`.
pub fn language(raw: &str) -> Result<String, &'static str> {
    let v = raw.trim();
    let (lang, region) = v.split_once('-').map_or((v, None), |(l, r)| (l, Some(r)));
    let lang_ok = (2..=3).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_lowercase());
    let region_ok = region.is_none_or(|r| r.len() == 2 && r.chars().all(|c| c.is_ascii_uppercase()));
    if lang_ok && region_ok { Ok(v.to_owned()) } else { Err("must be a language tag such as `fr` or `pt-BR`") }
}

pub fn currency(raw: &str) -> Result<String, &'static str> {
    kernel::Currency::parse(raw.trim())
        .map(|c| c.to_string())
        .map_err(|_| "must be an ISO 4217 currency code such as EUR")
}

/// An IANA time zone such as `Europe/Paris`.
pub fn timezone(raw: &str) -> Result<String, &'static str> {
    let v = raw.trim();
    v.parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_owned())
        .map_err(|_| "must be an IANA time zone such as Europe/Paris")
}

pub fn theme(raw: &str) -> Result<String, &'static str> {
    match raw.trim() {
        t @ ("light" | "dark" | "system") => Ok(t.to_owned()),
        _ => Err("must be light, dark or system"),
    }
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
        assert_eq!(phone(" 0033 (6) 12-34-56-78 "), Ok("0033 (6) 12-34-56-78".into()));
        assert!(phone("06 12 34 56 78").is_ok());
        assert!(phone("+33 (6) 12 34 56 7x").is_err());
        assert!(phone("call me").is_err());
        assert!(phone("+1").is_err());
    }

    #[test]
    fn profile_extras() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default();
        assert!(date_of_birth("1990-02-28", today).is_ok());
        assert_eq!(date_of_birth("1990-02-28T00:00:00.000Z", today), date_of_birth("1990-02-28", today));
        assert!(date_of_birth("1990-02-30", today).is_err());
        assert!(date_of_birth("2020-01-01", today).is_err());
        assert!(date_of_birth("2030-01-01", today).is_err());
        assert!(date_of_birth("1850-01-01", today).is_err());
        assert!(avatar_url("https://cdn.example.com/a.png").is_ok());
        assert!(avatar_url("http://cdn.example.com/a.png").is_err());
        assert!(avatar_url("javascript:alert(1)").is_err());
        assert!(bio("Line one\nline two").is_ok());
        assert!(bio("<b>hi</b>").is_err());
        assert_eq!(language("pt-BR"), Ok("pt-BR".into()));
        assert!(language("english").is_err());
        assert_eq!(currency("eur"), Ok("EUR".into()));
        assert!(currency("EURO").is_err());
        assert_eq!(timezone("Europe/Paris"), Ok("Europe/Paris".into()));
        assert!(timezone("Mars/Olympus").is_err());
        assert!(theme("dark").is_ok() && theme("neon").is_err());
        assert_eq!(data_url("data:image/jpeg;base64,/9j/"), Ok(vec![0xff, 0xd8, 0xff]));
        assert_eq!(data_url("data:image/png;base64,iVBORw"), Ok(vec![0x89, 0x50, 0x4e, 0x47]));
        assert_eq!(data_url("data:text/html;base64,PGI+"), Err(DataUrlError::NotAnImage));
        assert_eq!(data_url("data:image/png;base64,***"), Err(DataUrlError::Malformed));
    }
}
