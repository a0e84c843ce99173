//! What an uploaded file is, from its first bytes (magic numbers) — never from the name or the
//! `Content-Type` the client claims, which cost nothing to fake. Only images a browser shows
//! safely and PDFs are accepted.

/// A content type we accept, and the extension its downloads are named with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    pub content_type: &'static str,
    pub extension: &'static str,
}

const JPEG: Sniffed = Sniffed { content_type: "image/jpeg", extension: "jpg" };
const PNG: Sniffed = Sniffed { content_type: "image/png", extension: "png" };
const GIF: Sniffed = Sniffed { content_type: "image/gif", extension: "gif" };
const WEBP: Sniffed = Sniffed { content_type: "image/webp", extension: "webp" };
const PDF: Sniffed = Sniffed { content_type: "application/pdf", extension: "pdf" };

/// The accepted type `bytes` start with, or `None`.
pub fn sniff(bytes: &[u8]) -> Option<Sniffed> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(JPEG)
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(PNG)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(GIF)
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP".as_slice()) {
        Some(WEBP)
    } else if bytes.starts_with(b"%PDF-") {
        Some(PDF)
    } else {
        None
    }
}

/// A download name: the client's name reduced to safe characters, with the extension of the
/// sniffed type (a `photo.png` that is a PDF downloads as `photo.pdf`).
pub fn file_name(claimed: Option<&str>, sniffed: Sniffed) -> String {
    let stem = claimed
        .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n))
        .map(|n| n.rsplit_once('.').map_or(n, |(stem, _)| stem))
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' '))
        .take(80)
        .collect::<String>();
    let stem = stem.trim();
    let stem = if stem.is_empty() { "attachment" } else { stem };
    format!("{stem}.{}", sniffed.extension)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n...").map(|s| s.content_type), Some("application/pdf"));
        assert_eq!(sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]).map(|s| s.extension), Some("png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]).map(|s| s.extension), Some("jpg"));
        assert_eq!(sniff(b"GIF89a....").map(|s| s.extension), Some("gif"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 ").map(|s| s.extension), Some("webp"));
        assert_eq!(sniff(b"MZ\x90\0 an exe"), None);
        assert_eq!(sniff(b"<html><script>"), None);
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVE"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn names_take_the_sniffed_extension() {
        assert_eq!(file_name(Some("scan.png"), PDF), "scan.pdf");
        assert_eq!(file_name(Some("../../etc/passwd"), PDF), "passwd.pdf");
        assert_eq!(file_name(Some("\"<x>\".jpg"), JPEG), "x.jpg");
        assert_eq!(file_name(None, PNG), "attachment.png");
    }
}
