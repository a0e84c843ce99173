//! Request paths to file system names. A path is decoded once, segment by segment, and refused
//! outright when a decoded segment could change which directory it names (`..`, `.`, a `/` or
//! `\` hidden behind `%2f`/`%5c`, a NUL): nothing is ever normalised into something else. What
//! passes still goes through `canonicalize` and a prefix check (see `file::find`), so a
//! symbolic link cannot lead out of the served directory either.

/// Why a path cannot name a file.
#[derive(Debug, PartialEq, Eq)]
pub enum BadPath {
    /// Not valid percent-encoding or not UTF-8 once decoded.
    Encoding,
    /// A segment that would climb or hide a separator.
    Traversal,
}

/// The decoded, non-empty segments of `raw` (`//` and a trailing `/` add none).
pub fn segments(raw: &str) -> Result<Vec<String>, BadPath> {
    let mut out = Vec::new();
    for part in raw.split('/').filter(|p| !p.is_empty()) {
        let decoded = decode(part)?;
        let unsafe_char = decoded.chars().any(|c| c == '/' || c == '\\' || c.is_control());
        if unsafe_char || decoded == "." || decoded == ".." {
            return Err(BadPath::Traversal);
        }
        out.push(decoded);
    }
    Ok(out)
}

/// The first segment of `raw` before decoding (`/api/v1/x` → `api`).
pub fn first_raw_segment(raw: &str) -> &str {
    raw.split('/').find(|p| !p.is_empty()).unwrap_or_default()
}

fn decode(part: &str) -> Result<String, BadPath> {
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).ok_or(BadPath::Encoding)?;
                let text = std::str::from_utf8(hex).map_err(|_| BadPath::Encoding)?;
                out.push(u8::from_str_radix(text, 16).map_err(|_| BadPath::Encoding)?);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| BadPath::Encoding)
}

/// Whether a segment names a hidden file (`.env`, `.git`, `.htpasswd`): never served.
pub fn is_hidden(segment: &str) -> bool {
    segment.starts_with('.')
}

/// The extension of the last segment, lowercased (`app-1234.JS` → `js`).
pub fn extension(segment: &str) -> Option<String> {
    let (stem, ext) = segment.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn paths_decode_into_plain_segments() {
        assert_eq!(segments("/").unwrap(), Vec::<String>::new());
        assert_eq!(segments("/panorama/").unwrap(), ["panorama"]);
        assert_eq!(segments("//assets//app%2D1.js").unwrap(), ["assets", "app-1.js"]);
        assert_eq!(segments("/destination/S%C3%A3o%20Paulo").unwrap(), ["destination", "São Paulo"]);
        assert_eq!(segments("/a/.env").unwrap(), ["a", ".env"], "hidden names are refused later, as 404");
    }

    #[test]
    fn traversal_and_smuggled_separators_are_refused() {
        for raw in ["/../etc/passwd", "/a/..", "/%2e%2e/x", "/%2E%2e/x", "/.%2e/x", "/a/%2e", "/./a"] {
            assert_eq!(segments(raw), Err(BadPath::Traversal), "{raw}");
        }
        for raw in ["/a%2fb", "/a%2Fb", "/a%5cb", "/a\\b", "/a%00b", "/a%0ab"] {
            assert_eq!(segments(raw), Err(BadPath::Traversal), "{raw}");
        }
        for raw in ["/a%", "/a%2", "/a%zz", "/a%ff", "/%c3"] {
            assert_eq!(segments(raw), Err(BadPath::Encoding), "{raw}");
        }
    }

    #[test]
    fn extensions_and_hidden_names() {
        assert_eq!(extension("app-1234.JS").as_deref(), Some("js"));
        assert_eq!(extension("archive.tar.gz").as_deref(), Some("gz"));
        assert_eq!(extension("dashboard"), None);
        assert_eq!(extension(".env"), None, "a dotfile has no extension");
        assert_eq!(extension("trailing."), None);
        assert!(is_hidden(".git") && !is_hidden("a.b"));
        assert_eq!(first_raw_segment("//api/v1"), "api");
        assert_eq!(first_raw_segment("/"), "");
    }
}
