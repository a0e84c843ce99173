//! Postal codes by country. The countries most orders go to are checked against their exact
//! format (what a carrier's label printer refuses is refused here, before anything is sold);
//! elsewhere a code is 2–10 letters, digits, spaces or dashes. Spacing and case are forgiven
//! and written back the way the country writes them (`1012ab` → `1012 AB`).

/// `raw` written as `country` (ISO alpha-2, upper case) writes its postal codes, or why it is
/// not one of them.
pub fn normalise(country: &str, raw: &str) -> Result<String, String> {
    let upper = raw.trim().to_ascii_uppercase();
    let compact: String = upper.chars().filter(|c| *c != ' ').collect();
    let digits: String = compact.chars().filter(|c| *c != '-').collect();
    let fail = |example: &str| Err(format!("must be a postal code of {country} such as {example}"));
    match country {
        "FR" | "DE" | "IT" if shape(&compact, "99999") => Ok(compact),
        "FR" => fail("75002"),
        "DE" => fail("10115"),
        "IT" => fail("00184"),
        // The first two digits are the province, 01 to 52.
        "ES" if shape(&compact, "99999") && ("01".."53").contains(&&compact[..2]) => Ok(compact),
        "ES" => fail("28013"),
        "BE" | "CH" if shape(&compact, "9999") && !compact.starts_with('0') => Ok(compact),
        "BE" => fail("1000"),
        "CH" => fail("8001"),
        "AU" if shape(&compact, "9999") => Ok(compact),
        "AU" => fail("2000"),
        "NL" if shape(&compact, "9999AA") && !compact.starts_with('0') => {
            Ok(format!("{} {}", &compact[..4], &compact[4..]))
        }
        "NL" => fail("1012 AB"),
        "GB" => britain(&compact).map_or_else(|| fail("SW1A 1AA"), Ok),
        "IE" => eircode(&compact).map_or_else(|| fail("D02 X285"), Ok),
        "PT" if shape(&digits, "9999999") && !upper.contains("--") => Ok(format!("{}-{}", &digits[..4], &digits[4..])),
        "PT" => fail("1100-148"),
        "US" if shape(&digits, "99999") && digits.len() == compact.len() => Ok(digits),
        "US" if shape(&digits, "999999999") => Ok(format!("{}-{}", &digits[..5], &digits[5..])),
        "US" => fail("10001 or 10001-0001"),
        "CA" => canada(&compact).map_or_else(|| fail("K1A 0B1"), Ok),
        "JP" if shape(&digits, "9999999") => Ok(format!("{}-{}", &digits[..3], &digits[3..])),
        "JP" => fail("100-0001"),
        _ => other(&upper).ok_or_else(|| "must be 2 to 10 letters, digits, spaces or dashes".to_owned()),
    }
}

/// Whether `v` has `pattern`'s shape: `9` a digit, `A` a letter, `X` either, others themselves.
fn shape(v: &str, pattern: &str) -> bool {
    v.len() == pattern.len()
        && v.chars().zip(pattern.chars()).all(|(c, p)| match p {
            '9' => c.is_ascii_digit(),
            'A' => c.is_ascii_uppercase(),
            'X' => c.is_ascii_uppercase() || c.is_ascii_digit(),
            _ => c == p,
        })
}

/// A UK postcode: an outward code (`A9`, `A99`, `AA9`, `AA99`, `A9A`, `AA9A`), a space and an
/// inward code (`9AA`).
fn britain(compact: &str) -> Option<String> {
    if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
        return None;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let outward_ok = ["A9", "A99", "AA9", "AA99", "A9A", "AA9A"].iter().any(|p| shape(outward, p));
    (shape(inward, "9AA") && (outward_ok || compact == "GIR0AA")).then(|| format!("{outward} {inward}"))
}

/// An Irish Eircode: a routing key (`A99`, or `D6W`) and four letters or digits.
fn eircode(compact: &str) -> Option<String> {
    if compact.len() != 7 || !compact.is_ascii() {
        return None;
    }
    let (key, unique) = compact.split_at(3);
    ((shape(key, "A99") || key == "D6W") && shape(unique, "XXXX")).then(|| format!("{key} {unique}"))
}

/// A Canadian postal code `A9A 9A9`, without the letters Canada Post never uses.
fn canada(compact: &str) -> Option<String> {
    if !shape(compact, "A9A9A9") {
        return None;
    }
    let unused = |c: char| "DFIOQU".contains(c);
    let first_ok = compact.chars().next().is_some_and(|c| !unused(c) && c != 'W' && c != 'Z');
    let rest_ok = compact.chars().skip(1).all(|c| !unused(c));
    (first_ok && rest_ok).then(|| format!("{} {}", &compact[..3], &compact[3..]))
}

/// Any other country's: 2–10 letters, digits, spaces or dashes, at least one letter or digit.
fn other(upper: &str) -> Option<String> {
    let v = upper.split_whitespace().collect::<Vec<_>>().join(" ");
    let ok = (2..=10).contains(&v.chars().count())
        && v.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
        && v.chars().any(|c| c.is_ascii_alphanumeric());
    ok.then_some(v)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::normalise;

    #[test]
    fn codes_of_the_countries_checked_exactly() {
        let good = [
            ("FR", "75002", "75002"),
            ("FR", " 75 002 ", "75002"),
            ("DE", "10115", "10115"),
            ("ES", "28013", "28013"),
            ("IT", "00184", "00184"),
            ("BE", "1000", "1000"),
            ("NL", "1012ab", "1012 AB"),
            ("NL", "1012 AB", "1012 AB"),
            ("CH", "8001", "8001"),
            ("GB", "sw1a1aa", "SW1A 1AA"),
            ("GB", "M1 1AE", "M1 1AE"),
            ("GB", "EC1A 1BB", "EC1A 1BB"),
            ("IE", "d02x285", "D02 X285"),
            ("IE", "D6W 1234", "D6W 1234"),
            ("PT", "1100-148", "1100-148"),
            ("PT", "1100148", "1100-148"),
            ("US", "10001", "10001"),
            ("US", "10001-0001", "10001-0001"),
            ("CA", "k1a0b1", "K1A 0B1"),
            ("AU", "0800", "0800"),
            ("JP", "1000001", "100-0001"),
            ("JP", "100-0001", "100-0001"),
        ];
        for (country, raw, written) in good {
            assert_eq!(normalise(country, raw).as_deref(), Ok(written), "{country} {raw}");
        }
        let bad = [
            ("FR", "7500"),
            ("FR", "750021"),
            ("DE", "1O115"),
            ("ES", "60001"),
            ("ES", "00001"),
            ("BE", "0999"),
            ("NL", "0123 AB"),
            ("NL", "1234"),
            ("CH", "80011"),
            ("GB", "SW1A"),
            ("GB", "1SW 1AA"),
            ("IE", "D02"),
            ("PT", "1100"),
            ("PT", "1100--148"),
            ("US", "1000"),
            ("US", "10001-01"),
            ("US", "100-01"),
            ("CA", "W1A 0B1"),
            ("CA", "K1A 0D1"),
            ("AU", "200"),
            ("JP", "100-000"),
        ];
        for (country, raw) in bad {
            assert!(normalise(country, raw).is_err(), "{country} {raw}");
        }
        assert_eq!(normalise("FR", "7500").unwrap_err(), "must be a postal code of FR such as 75002");
    }

    #[test]
    fn elsewhere_a_code_is_two_to_ten_letters_digits_spaces_or_dashes() {
        assert_eq!(normalise("BR", "01310-100").as_deref(), Ok("01310-100"));
        assert_eq!(normalise("SE", "114  55").as_deref(), Ok("114 55"));
        assert_eq!(normalise("MT", "vlt 1117").as_deref(), Ok("VLT 1117"));
        for bad in ["1", "12345678901", "--", "12_34", "١٢٣٤٥"] {
            assert!(normalise("BR", bad).is_err(), "{bad}");
        }
    }
}
