//! What an uploaded image is, from its first bytes only: a 200 MB panorama is judged (format,
//! dimensions, panorama shape, pixel budget) before it is stored or decoded, and a small file
//! claiming gigapixels is refused from its header.

use super::{FileError, invalid};

/// How many leading bytes [`sniff_image`] needs at most: every header it reads (JPEG segments
/// before the frame header included) must lie within them.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// The image formats we take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    Jpeg,
    Png,
    Webp,
}

impl ImageFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Png => "image/png",
            ImageFormat::Webp => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Png => "png",
            ImageFormat::Webp => "webp",
        }
    }

    /// The decoder's name for it.
    pub(crate) fn codec(self) -> image::ImageFormat {
        match self {
            ImageFormat::Jpeg => image::ImageFormat::Jpeg,
            ImageFormat::Png => image::ImageFormat::Png,
            ImageFormat::Webp => image::ImageFormat::WebP,
        }
    }
}

/// Format and dimensions of an image, as its header states them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
}

impl ImageInfo {
    pub fn content_type(&self) -> &'static str {
        self.format.content_type()
    }

    pub fn extension(&self) -> &'static str {
        self.format.extension()
    }

    fn pixels(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }
}

const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// Format and dimensions from the first bytes of a file (up to [`SNIFF_BYTES`]; only headers are
/// read). Anything but JPEG, PNG or WebP is [`FileError::Unsupported`]; a recognised file whose
/// header is cut short or states no size is [`FileError::Invalid`].
pub fn sniff_image(head: &[u8]) -> Result<ImageInfo, FileError> {
    let head = &head[..head.len().min(SNIFF_BYTES)];
    let (format, (width, height)) = if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        (ImageFormat::Jpeg, jpeg_size(head)?)
    } else if head.starts_with(PNG_SIGNATURE) {
        (ImageFormat::Png, png_size(head)?)
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        (ImageFormat::Webp, webp_size(head)?)
    } else {
        return Err(FileError::Unsupported("the file is not a JPEG, PNG or WebP image".into()));
    };
    if width == 0 || height == 0 {
        return Err(invalid(format!("the {} header states a size of {width}×{height}", format.extension())));
    }
    Ok(ImageInfo { format, width, height })
}

/// A 360° panorama must be equirectangular — width = 2 × height within 1 % — at least 2000×1000,
/// and at most `max_pixels`.
pub fn check_panorama(info: &ImageInfo, max_pixels: u64) -> Result<(), FileError> {
    let (width, height) = (u64::from(info.width), u64::from(info.height));
    if info.pixels() > max_pixels {
        return Err(FileError::TooLarge(format!(
            "a {width}×{height} panorama has more than {max_pixels} pixels, the limit"
        )));
    }
    if width < 2000 || height < 1000 {
        return Err(invalid(format!("a panorama must be at least 2000×1000, not {width}×{height}")));
    }
    // |width − 2·height| ≤ 1 % of 2·height.
    if width.abs_diff(2 * height) * 100 > 2 * height {
        return Err(invalid(format!(
            "a panorama must be equirectangular (twice as wide as high), not {width}×{height}"
        )));
    }
    Ok(())
}

fn be16(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?])))
}

fn le_bytes(bytes: &[u8], at: usize, n: usize) -> Option<u32> {
    let slice = bytes.get(at..at + n)?;
    Some(slice.iter().rev().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
}

fn cut_short(what: &str) -> FileError {
    invalid(format!("the {what} header is incomplete in the first {} KiB", SNIFF_BYTES / 1024))
}

/// Whether a JPEG marker starts a frame (SOF0–SOF15 but DHT, JPG and DAC).
pub(crate) fn is_sof(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

/// Walks the JPEG segments up to the frame header.
fn jpeg_size(head: &[u8]) -> Result<(u32, u32), FileError> {
    let mut at = 2;
    loop {
        if head.get(at) != Some(&0xFF) {
            return Err(if at >= head.len() {
                cut_short("JPEG")
            } else {
                invalid("a JPEG segment is not where expected")
            });
        }
        while head.get(at) == Some(&0xFF) {
            at += 1;
        }
        let marker = *head.get(at).ok_or_else(|| cut_short("JPEG"))?;
        at += 1;
        match marker {
            0x01 | 0xD0..=0xD7 => continue,
            0xD8 | 0xD9 | 0xDA | 0x00 => return Err(invalid("the JPEG has no frame header before its image data")),
            _ => {}
        }
        let len = be16(head, at).ok_or_else(|| cut_short("JPEG"))? as usize;
        if len < 2 {
            return Err(invalid("a JPEG segment has an impossible length"));
        }
        if is_sof(marker) {
            // Length, precision, height, width.
            let height = be16(head, at + 3).ok_or_else(|| cut_short("JPEG"))?;
            let width = be16(head, at + 5).ok_or_else(|| cut_short("JPEG"))?;
            return Ok((width, height));
        }
        at += len;
    }
}

fn png_size(head: &[u8]) -> Result<(u32, u32), FileError> {
    if head.len() < 24 {
        return Err(cut_short("PNG"));
    }
    if &head[12..16] != b"IHDR" {
        return Err(invalid("the PNG does not start with its IHDR chunk"));
    }
    let word = |at: usize| u32::from_be_bytes([head[at], head[at + 1], head[at + 2], head[at + 3]]);
    Ok((word(16), word(20)))
}

fn webp_size(head: &[u8]) -> Result<(u32, u32), FileError> {
    let short = || cut_short("WebP");
    let payload = head.get(20..).ok_or_else(short)?;
    match head.get(12..16).ok_or_else(short)? {
        b"VP8 " => {
            // Frame tag (3 bytes), start code, then 14-bit width and height.
            if payload.get(3..6).ok_or_else(short)? != [0x9D, 0x01, 0x2A] {
                return Err(invalid("the WebP VP8 frame has no start code"));
            }
            let width = le_bytes(payload, 6, 2).ok_or_else(short)? & 0x3FFF;
            let height = le_bytes(payload, 8, 2).ok_or_else(short)? & 0x3FFF;
            Ok((width, height))
        }
        b"VP8L" => {
            if payload.first() != Some(&0x2F) {
                return Err(invalid("the WebP lossless stream has no signature"));
            }
            let bits = le_bytes(payload, 1, 4).ok_or_else(short)?;
            Ok(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8X" => {
            let width = le_bytes(payload, 4, 3).ok_or_else(short)? + 1;
            let height = le_bytes(payload, 7, 3).ok_or_else(short)? + 1;
            Ok((width, height))
        }
        _ => Err(invalid("the WebP file does not start with an image chunk")),
    }
}

#[cfg(test)]
#[path = "image_info_tests.rs"]
mod tests;
