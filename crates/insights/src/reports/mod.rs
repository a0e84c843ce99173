//! Downloads: dashboards and statements as CSV (RFC 4180) and JSON files, streamed a row (or
//! a listing) at a time. Amounts in CSV are in major units with exactly the currency's
//! decimals (2 for EUR, 0 for JPY) and a decimal point, beside a `currency` column; ratios are
//! plain decimals; time zones are a column of every row.

pub mod dashboard;
pub mod statement;

use std::convert::Infallible;

use axum::body::Body;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

/// One CSV field, quoted when it holds a comma, a quote or a line break (quotes doubled).
pub fn field(raw: &str) -> String {
    if raw.contains([',', '"', '\r', '\n']) { format!("\"{}\"", raw.replace('"', "\"\"")) } else { raw.to_owned() }
}

/// One CSV record, CRLF-terminated.
pub fn record<S: AsRef<str>>(fields: &[S]) -> String {
    let mut line = fields.iter().map(|f| field(f.as_ref())).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// `minor` units of `currency` in major units with the currency's exact decimals.
pub fn major(minor: i64, currency: &str) -> String {
    let digits = kernel::Currency::parse(currency).map_or(2, |c| u32::from(c.minor_digits()));
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if digits == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u64.pow(digits);
    format!("{sign}{}.{:0width$}", abs / scale, abs % scale, width = digits as usize)
}

/// A file download whose body is the `chunks`, sent one after the other.
pub fn download(content_type: &'static str, filename: &str, chunks: Vec<String>) -> Response {
    let stream = futures_util::stream::iter(chunks.into_iter().map(Ok::<_, Infallible>));
    (
        [
            (CONTENT_TYPE, content_type.to_owned()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_they_must_be() {
        assert_eq!(record(&["a", "Loft, \"the\" best", "x\ny"]), "a,\"Loft, \"\"the\"\" best\",\"x\ny\"\r\n");
    }

    #[test]
    fn amounts_have_the_currency_exponent() {
        assert_eq!(
            (major(12_345, "EUR"), major(-5, "EUR"), major(500, "JPY")),
            ("123.45".into(), "-0.05".into(), "500".into())
        );
        assert_eq!(major(1_234, "KWD"), "1.234");
    }
}
