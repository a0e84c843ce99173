//! Message text: 1 to 5000 characters once trimmed, no control characters other than new line
//! and tab (they hide text, break terminals and logs, and no client needs them). And the
//! `LIKE` pattern of a search, with the user's wildcards escaped.

use kernel::FieldError;

pub const MAX_BODY_CHARS: usize = 5000;

/// The trimmed body, or why it is refused (`field` names it in the error).
pub fn body(raw: &str, field: &str) -> Result<String, FieldError> {
    let trimmed = raw.trim();
    let chars = trimmed.chars().count();
    if chars == 0 {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if chars > MAX_BODY_CHARS {
        return Err(FieldError::new(field, format!("must be at most {MAX_BODY_CHARS} characters")));
    }
    if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(FieldError::new(field, "must not contain control characters"));
    }
    // A lone carriage return is normalised rather than refused (Windows clients send \r\n).
    Ok(trimmed.replace("\r\n", "\n").replace('\r', "\n"))
}

/// `%needle%` for `LOWER(column) LIKE $n ESCAPE '\'`, with `%`, `_` and `\` in the needle
/// taken literally. Lower-cased here: the column side is lowered in SQL.
pub fn like_pattern(needle: &str) -> String {
    let mut out = String::with_capacity(needle.len() + 2);
    out.push('%');
    for c in needle.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_trimmed_and_bounded() {
        assert_eq!(body("  hello \n", "body").ok().as_deref(), Some("hello"));
        assert!(body("   ", "body").is_err());
        assert!(body(&"a".repeat(5000), "body").is_ok());
        assert!(body(&"é".repeat(5001), "body").is_err());
        assert_eq!(body("a\r\nb\tc", "body").ok().as_deref(), Some("a\nb\tc"));
    }

    #[test]
    fn control_characters_are_refused() {
        assert!(body("bell\u{7}", "body").is_err());
        assert!(body("esc\u{1b}[31m", "body").is_err());
        assert!(body("nul\u{0}x", "body").is_err());
    }

    #[test]
    fn wildcards_are_literal() {
        assert_eq!(like_pattern("50%_Off\\"), "%50\\%\\_off\\\\%");
    }
}
