//! DreamScape speaks major units (`224.5`); we keep minor units. Conversions in the
//! currency's exponent.

/// Minor units as a major-unit number: 22450 EUR → 224.5.
pub fn major(minor: i64, currency: &str) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let value = minor as f64;
    value / 10_f64.powi(i32::from(digits(currency)))
}

/// A major-unit number as minor units, rounded to the currency's precision; `None` when
/// negative, not finite or too large.
pub fn minor_of(major: f64, currency: &str) -> Option<i64> {
    let scaled = (major * 10_f64.powi(i32::from(digits(currency)))).round();
    #[allow(clippy::cast_possible_truncation)]
    (scaled.is_finite() && (0.0..9.0e15).contains(&scaled)).then_some(scaled as i64)
}

fn digits(currency: &str) -> u8 {
    kernel::Currency::parse(currency).map_or(2, |c| c.minor_digits())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_follow_the_exponent() {
        assert!((major(22450, "EUR") - 224.5).abs() < f64::EPSILON);
        assert!((major(500, "JPY") - 500.0).abs() < f64::EPSILON);
        assert_eq!(minor_of(224.5, "EUR"), Some(22450));
        assert_eq!(minor_of(0.1 + 0.2, "EUR"), Some(30), "float noise is rounded away");
        assert_eq!(minor_of(500.0, "JPY"), Some(500));
        assert_eq!(minor_of(-1.0, "EUR"), None);
        assert_eq!(minor_of(f64::NAN, "EUR"), None);
    }
}
