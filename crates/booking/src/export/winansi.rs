//! WinAnsiEncoding for the PDF's standard fonts: Helvetica needs no embedding, but its text is
//! one byte per glyph, so Unicode text is mapped to that code page (anything else becomes
//! `?`) and measured with the fonts' metrics to wrap lines and right-align amounts.

/// The code page's 0x80–0x9F block; the rest is ASCII (0x20–0x7E) and Latin-1 (0xA0–0xFF).
const HIGH: [(char, u8); 27] = [
    ('\u{20AC}', 0x80),
    ('\u{201A}', 0x82),
    ('\u{0192}', 0x83),
    ('\u{201E}', 0x84),
    ('\u{2026}', 0x85),
    ('\u{2020}', 0x86),
    ('\u{2021}', 0x87),
    ('\u{02C6}', 0x88),
    ('\u{2030}', 0x89),
    ('\u{0160}', 0x8A),
    ('\u{2039}', 0x8B),
    ('\u{0152}', 0x8C),
    ('\u{017D}', 0x8E),
    ('\u{2018}', 0x91),
    ('\u{2019}', 0x92),
    ('\u{201C}', 0x93),
    ('\u{201D}', 0x94),
    ('\u{2022}', 0x95),
    ('\u{2013}', 0x96),
    ('\u{2014}', 0x97),
    ('\u{02DC}', 0x98),
    ('\u{2122}', 0x99),
    ('\u{0161}', 0x9A),
    ('\u{203A}', 0x9B),
    ('\u{0153}', 0x9C),
    ('\u{017E}', 0x9E),
    ('\u{0178}', 0x9F),
];

/// One character as a WinAnsi byte: `?` when the code page lacks it; white space is a space.
pub fn byte(c: char) -> u8 {
    match u32::from(c) {
        0x20..=0x7E | 0xA0..=0xFF => u8::try_from(u32::from(c)).unwrap_or(b'?'),
        _ if c.is_whitespace() => b' ',
        _ => HIGH.iter().find(|(u, _)| *u == c).map_or(b'?', |(_, b)| *b),
    }
}

pub fn encode(text: &str) -> Vec<u8> {
    text.chars().map(byte).collect()
}

/// Advance widths (1/1000 em) of ASCII 0x20–0x7E in Helvetica.
const REGULAR: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space–/
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0–?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @–O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P–_
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // `–o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p–~
];

/// Advance widths (1/1000 em) of ASCII 0x20–0x7E in Helvetica-Bold.
const BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // space–/
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 0–?
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // @–O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // P–_
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // `–o
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, // p–~
];

/// Width of one encoded byte in 1/1000 em. Outside ASCII the metrics are approximated by the
/// widest plain letter of the case (accented capitals ~722, small letters ~556), which errs on
/// the side of wrapping early.
fn advance(b: u8, bold: bool) -> u16 {
    let table = if bold { &BOLD } else { &REGULAR };
    match b {
        0x20..=0x7E => table.get(usize::from(b - 0x20)).copied().unwrap_or(556),
        0xC0..=0xDE | 0x8A | 0x8C | 0x8E | 0x9F => 722,
        0x80 | 0x85 | 0x89 | 0x97 | 0x99 => 1000,
        _ => 611,
    }
}

/// Width of encoded text in points at `size`.
pub fn width(text: &[u8], bold: bool, size: f32) -> f32 {
    let units: u32 = text.iter().map(|b| u32::from(advance(*b, bold))).sum();
    // Exact in f32 for any realistic line (< 2^24 units).
    units as f32 * size / 1000.0
}

/// A PDF literal string: `(`, `)` and `\` escaped, bytes outside printable ASCII as octal
/// escapes so content streams stay 7-bit.
pub fn literal(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('(');
    for &b in bytes {
        match b {
            b'(' | b')' | b'\\' => {
                out.push('\\');
                out.push(char::from(b));
            }
            0x20..=0x7E => out.push(char::from(b)),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out.push(')');
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn maps_unicode_to_the_code_page() {
        assert_eq!(encode("é è à ü ß"), vec![0xE9, b' ', 0xE8, b' ', 0xE0, b' ', 0xFC, b' ', 0xDF]);
        assert_eq!(encode("€5 – “ok” œ Ÿ"), b"\x805 \x96 \x93ok\x94 \x9C \x9F".to_vec());
        assert_eq!(encode("日本\tx\u{1F600}"), b"?? x?".to_vec());
    }

    #[test]
    fn escapes_literals() {
        assert_eq!(literal(b"a(b)c\\d"), "(a\\(b\\)c\\\\d)");
        assert_eq!(literal(&encode("Müller €")), "(M\\374ller \\200)");
    }

    #[test]
    fn measures_helvetica() {
        assert!((width(b"Hello", false, 10.0) - 22.78).abs() < 0.001);
        assert!(width(b"Hello", true, 10.0) > width(b"Hello", false, 10.0));
    }
}
