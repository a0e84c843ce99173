//! The request headers `GET /media/{*key}` evaluates, after RFC 9110: `Range` (one byte range;
//! several ranges, other units and malformed values are ignored, as §14.2 allows, and the whole
//! object is served), `If-Range` (an entity tag, compared strongly; a date never matches, since
//! media have no `Last-Modified`) and `If-None-Match` (compared weakly, `*` included).

/// What a `Range` header asks of an object of a given size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ranged {
    /// No usable range: the whole object, `200`.
    Whole,
    /// The inclusive byte range `first..=last`, `206`.
    Part(u64, u64),
    /// A valid range that the object cannot satisfy, `416`.
    Unsatisfiable,
}

/// Digits as a number, saturating at `u64::MAX` (a position past any object); `None` when
/// empty or not all digits.
fn number(digits: &str) -> Option<u64> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.bytes().fold(0u64, |n, d| n.saturating_mul(10).saturating_add(u64::from(d - b'0'))))
}

/// Evaluates the `Range` header `value` against an object of `size` bytes.
pub fn parse_range(value: &str, size: u64) -> Ranged {
    let Some((unit, set)) = value.split_once('=') else { return Ranged::Whole };
    if !unit.trim().eq_ignore_ascii_case("bytes") || set.contains(',') {
        return Ranged::Whole;
    }
    let Some((first, last)) = set.trim().split_once('-') else { return Ranged::Whole };
    if first.is_empty() {
        // `-n`: the last n bytes.
        return match number(last) {
            None => Ranged::Whole,
            Some(0) => Ranged::Unsatisfiable,
            // An empty object has no last byte to name: served whole (and empty).
            Some(_) if size == 0 => Ranged::Whole,
            Some(n) => Ranged::Part(size - n.min(size), size - 1),
        };
    }
    let Some(first) = number(first) else { return Ranged::Whole };
    let last = if last.is_empty() {
        u64::MAX
    } else {
        match number(last) {
            Some(last) if last >= first => last,
            // `b-a` with b > a, or garbage: invalid, hence ignored.
            _ => return Ranged::Whole,
        }
    };
    if first >= size { Ranged::Unsatisfiable } else { Ranged::Part(first, last.min(size - 1)) }
}

/// The entity tags of a list (`"a", W/"b"`), each with whether it is weak; `None` when the list
/// is malformed.
fn entity_tags(list: &str) -> Option<Vec<(bool, &str)>> {
    let mut tags = Vec::new();
    let mut rest = list.trim_start();
    while !rest.is_empty() {
        let (weak, tagged) = match rest.strip_prefix("W/") {
            Some(tagged) => (true, tagged),
            None => (false, rest),
        };
        let inner = tagged.strip_prefix('"')?;
        let end = inner.find('"')?;
        tags.push((weak, &tagged[..end + 2]));
        rest = inner[end + 1..].trim_start();
        match rest.strip_prefix(',') {
            Some(next) => rest = next.trim_start(),
            None if rest.is_empty() => {}
            None => return None,
        }
    }
    Some(tags)
}

/// Whether an `If-None-Match` value matches `etag` (weak comparison): the answer is then `304`.
pub fn none_match_hits(value: &str, etag: &str) -> bool {
    if value.trim() == "*" {
        return true;
    }
    entity_tags(value).is_some_and(|tags| tags.iter().any(|(_, tag)| *tag == etag))
}

/// Whether an `If-Range` value lets the `Range` apply: only the current strong tag does.
pub fn if_range_holds(value: &str, etag: &str) -> bool {
    matches!(entity_tags(value).as_deref(), Some([(false, tag)]) if *tag == etag)
}

#[cfg(test)]
mod tests {
    use super::Ranged::{Part, Unsatisfiable, Whole};
    use super::*;

    #[test]
    fn single_ranges_of_every_form() {
        let size = 1000;
        for (value, expected) in [
            ("bytes=0-0", Part(0, 0)),
            ("bytes=0-499", Part(0, 499)),
            ("bytes=500-", Part(500, 999)),
            ("bytes=999-", Part(999, 999)),
            ("bytes=900-5000", Part(900, 999)),
            ("bytes=-1", Part(999, 999)),
            ("bytes=-300", Part(700, 999)),
            ("bytes=-5000", Part(0, 999)),
            ("BYTES=1-2", Part(1, 2)),
            ("bytes= 1-2 ", Part(1, 2)),
            ("bytes=0-99999999999999999999999", Part(0, 999)),
            ("bytes=1000-", Unsatisfiable),
            ("bytes=1000-2000", Unsatisfiable),
            ("bytes=99999999999999999999999-", Unsatisfiable),
            ("bytes=-0", Unsatisfiable),
        ] {
            assert_eq!(parse_range(value, size), expected, "{value}");
        }
    }

    #[test]
    fn malformed_multiple_and_foreign_ranges_are_ignored() {
        for value in [
            "",
            "bytes",
            "bytes=",
            "bytes=-",
            "bytes=a-b",
            "bytes=5-1",
            "bytes=1-2-3",
            "bytes=+1-2",
            "bytes=0x10-",
            "bytes=0-1,5-6",
            "bytes=0-1,",
            "items=0-1",
            "bytes=1 -2",
            "bytes=\u{0661}-2",
        ] {
            assert_eq!(parse_range(value, 1000), Whole, "{value:?}");
        }
    }

    #[test]
    fn an_empty_object_has_no_satisfiable_position() {
        assert_eq!(parse_range("bytes=0-", 0), Unsatisfiable);
        assert_eq!(parse_range("bytes=0-0", 0), Unsatisfiable);
        assert_eq!(parse_range("bytes=-10", 0), Whole);
    }

    #[test]
    fn if_none_match_compares_weakly_and_lists_are_parsed() {
        let etag = "\"abc\"";
        for hit in ["\"abc\"", "W/\"abc\"", "\"x\", \"abc\"", "\"x\",W/\"abc\" ", "*", " * "] {
            assert!(none_match_hits(hit, etag), "{hit}");
        }
        for miss in ["\"abcd\"", "abc", "\"ab\"c\"", "\"x\" \"abc\"", "", "W/abc", "\"a,bc\""] {
            assert!(!none_match_hits(miss, etag), "{miss}");
        }
        assert!(none_match_hits("\"a,bc\"", "\"a,bc\""), "commas inside a tag are part of it");
    }

    #[test]
    fn if_range_needs_the_same_strong_tag() {
        let etag = "\"abc\"";
        assert!(if_range_holds("\"abc\"", etag));
        assert!(if_range_holds(" \"abc\" ", etag));
        for miss in ["W/\"abc\"", "\"abd\"", "Tue, 15 Nov 1994 08:12:31 GMT", "\"abc\", \"abc\"", "*", ""] {
            assert!(!if_range_holds(miss, etag), "{miss}");
        }
    }
}
