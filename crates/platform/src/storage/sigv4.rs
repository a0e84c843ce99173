//! AWS Signature Version 4, as S3-compatible stores check it: the canonical request (method,
//! path, query, signed headers, payload hash) hashed and signed with a key derived from the
//! secret, the date, the region and the service.

use aws_lc_rs::{digest, hmac};
use chrono::{DateTime, Utc};

use super::hex;

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, bytes).as_ref())
}

fn hmac_sha256(key: &[u8], data: &str) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data.as_bytes()).as_ref().to_vec()
}

/// Percent-encodes as SigV4 wants it: everything but `A-Z a-z 0-9 - _ . ~`, in uppercase hex.
pub fn uri_encode(value: &str) -> String {
    use std::fmt::Write;
    value.bytes().fold(String::with_capacity(value.len()), |mut out, b| {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
        out
    })
}

/// The canonical query string of `pairs`: each name and value encoded, sorted by name, joined
/// with `&` (a flag such as `uploads` is `uploads=`). Also the query to send.
pub fn canonical_query(pairs: &[(&str, &str)]) -> String {
    let mut encoded: Vec<(String, String)> = pairs.iter().map(|(k, v)| (uri_encode(k), uri_encode(v))).collect();
    encoded.sort();
    encoded.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// What one request signs: its method, path, canonical query, headers (lowercase names,
/// sorted) and payload hash.
pub struct Signable<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a [(&'a str, String)],
    pub payload_sha256: &'a str,
}

/// The `Authorization` header value of AWS Signature Version 4 for `service` in `region`.
pub fn authorization(
    req: &Signable<'_>,
    access_key: &str,
    secret_key: &str,
    region: &str,
    service: &str,
    at: DateTime<Utc>,
) -> String {
    let amz_date = at.format("%Y%m%dT%H%M%SZ").to_string();
    let date = at.format("%Y%m%d").to_string();
    let canonical_headers: String = req.headers.iter().map(|(k, v)| format!("{k}:{}\n", v.trim())).collect();
    let signed_headers = req.headers.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(";");
    let canonical = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{}",
        req.method, req.path, req.query, req.payload_sha256
    );
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let to_sign = format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}", sha256_hex(canonical.as_bytes()));
    let mut key = hmac_sha256(format!("AWS4{secret_key}").as_bytes(), &date);
    for part in [region, service, "aws4_request"] {
        key = hmac_sha256(&key, part);
    }
    let signature = hex(&hmac_sha256(&key, &to_sign));
    format!("AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={signed_headers}, Signature={signature}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn sign(path: &str, query: &str, headers: &[(&str, String)]) -> Option<String> {
        let req = Signable { method: "GET", path, query, headers, payload_sha256: EMPTY };
        let at = DateTime::parse_from_rfc3339("2013-05-24T00:00:00Z").map(|d| d.with_timezone(&Utc)).ok()?;
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        Some(authorization(&req, "AKIAIOSFODNN7EXAMPLE", secret, "us-east-1", "s3", at))
    }

    /// AWS's documented examples: GET /test.txt with a Range header, and a bucket listing with
    /// a query string.
    #[test]
    fn signs_as_aws_documents() {
        let headers = [
            ("host", "examplebucket.s3.amazonaws.com".to_owned()),
            ("range", "bytes=0-9".to_owned()),
            ("x-amz-content-sha256", EMPTY.to_owned()),
            ("x-amz-date", "20130524T000000Z".to_owned()),
        ];
        assert_eq!(
            sign("/test.txt", "", &headers).as_deref(),
            Some(
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
                 SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
                 Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
            )
        );
        let headers = [
            ("host", "examplebucket.s3.amazonaws.com".to_owned()),
            ("x-amz-content-sha256", EMPTY.to_owned()),
            ("x-amz-date", "20130524T000000Z".to_owned()),
        ];
        let query = canonical_query(&[("prefix", "J"), ("max-keys", "2")]);
        assert_eq!(query, "max-keys=2&prefix=J");
        let auth = sign("/", &query, &headers);
        assert!(
            auth.as_deref().is_some_and(
                |a| a.ends_with("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
            ),
            "{auth:?}"
        );
    }

    #[test]
    fn query_values_are_encoded_the_sigv4_way() {
        assert_eq!(uri_encode("a-Z_0.9~"), "a-Z_0.9~");
        assert_eq!(uri_encode("a b/c+d=e"), "a%20b%2Fc%2Bd%3De");
        assert_eq!(canonical_query(&[("uploadId", "x/y"), ("partNumber", "2")]), "partNumber=2&uploadId=x%2Fy");
        assert_eq!(canonical_query(&[("uploads", "")]), "uploads=");
    }
}
